/* update.c — RFC 2136 UPDATE through ldns. */
#include "update.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnswire.h"
#include "util.h"

#define ANSWER_MAX 65535

/* One operation as the RR RFC 2136 §2.4 and §2.5 give it. */
static ldns_rr *
op_rr(const struct upd_op *o)
{
	ldns_rr *rr = NULL;
	char *text;

	switch (o->kind) {
	case UPD_PREREQ_EXACT:	/* value-dependent: class IN, TTL 0 */
		text = xasprintf("%s. 0 IN %s %s", o->owner,
		    rrtype_name(o->type), o->rdata);
		break;
	case UPD_ADD:
		text = xasprintf("%s. %u IN %s %s", o->owner, o->ttl,
		    rrtype_name(o->type), o->rdata);
		break;
	default:		/* no rdata: class NONE or ANY, below */
		text = NULL;
		break;
	}
	if (text != NULL) {
		if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) !=
		    LDNS_STATUS_OK)
			rr = NULL;
		free(text);
		return rr;
	}
	if ((rr = ldns_rr_new()) == NULL)
		return NULL;
	text = xasprintf("%s.", o->owner);
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str(text));
	free(text);
	ldns_rr_set_type(rr, (ldns_rr_type)dnswire_type(o->type));
	ldns_rr_set_ttl(rr, 0);
	/* nxrrset: class NONE; delete an RRset: class ANY */
	ldns_rr_set_class(rr, o->kind == UPD_PREREQ_ABSENT ?
	    LDNS_RR_CLASS_NONE : LDNS_RR_CLASS_ANY);
	ldns_rr_set_question(rr, true);	/* no rdata, rdlength 0 */
	return rr;
}

/* The message in wire format, signed when a key is given. */
static unsigned char *
wire(const struct upd_msg *m, const char *tsig_file, size_t *len,
    char **cause)
{
	ldns_rr_list *pre = ldns_rr_list_new(), *upd = ldns_rr_list_new();
	ldns_pkt *pkt = NULL;
	uint8_t *w = NULL;
	unsigned char *out = NULL;
	char *zone = xasprintf("%s.", m->zone), *key = NULL;
	ldns_rdf *zrdf = ldns_dname_new_frm_str(zone);

	for (size_t i = 0; i < m->n; i++) {
		ldns_rr *rr = op_rr(&m->v[i]);

		if (rr == NULL) {
			*cause = xasprintf("%s %s: cannot build the update",
			    m->v[i].owner, rrtype_name(m->v[i].type));
			goto out;
		}
		ldns_rr_list_push_rr(i < m->nprereq ? pre : upd, rr);
	}
	if (zrdf == NULL || (pkt = ldns_update_pkt_new(zrdf,
	    LDNS_RR_CLASS_IN, pre, upd, NULL)) == NULL) {
		*cause = xasprintf("%s: cannot build the update", m->zone);
		goto out;
	}
	zrdf = NULL;		/* the packet's now; the lists were copied */
	ldns_pkt_set_rd(pkt, false);
	ldns_pkt_set_random_id(pkt);
	if (tsig_file != NULL) {
		char *alg, *name, *secret, *an, *nn;

		/* "ALG:NAME SECRET", the three checked words */
		if ((key = nsupdate_tsig_key(tsig_file, cause)) == NULL)
			goto out;
		alg = key;
		name = strchr(key, ':');
		secret = name ? strchr(name, ' ') : NULL;
		if (secret == NULL) {
			*cause = xasprintf("%s: cannot read the key", tsig_file);
			goto out;
		}
		*name++ = '\0';
		*secret++ = '\0';
		an = xasprintf("%s.", alg);
		nn = xasprintf("%s%s", name, name[strlen(name) - 1] == '.' ?
		    "" : ".");
		if (ldns_pkt_tsig_sign(pkt, nn, secret, 300, an, NULL) !=
		    LDNS_STATUS_OK)
			*cause = xasprintf("%s: cannot sign with the key",
			    tsig_file);
		free(an);
		free(nn);
		if (*cause != NULL)
			goto out;
	}
	if (ldns_pkt2wire(&w, pkt, len) != LDNS_STATUS_OK) {
		*cause = xasprintf("%s: cannot encode the update", m->zone);
		goto out;
	}
	out = xmalloc(*len);
	memcpy(out, w, *len);
out:
	free(w);
	free(key);
	free(zone);
	ldns_rdf_deep_free(zrdf);
	ldns_pkt_free(pkt);
	ldns_rr_list_deep_free(pre);
	ldns_rr_list_deep_free(upd);
	return out;
}

/* Wait until fd is ready for events, at most until deadline. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { fd, events, 0 };
	uint64_t now = now_ms();

	if (now >= deadline)
		return -1;
	return poll(&pfd, 1, (int)(deadline - now)) == 1 ? 0 : -1;
}

/* Exactly len bytes, in or out, by the deadline. */
static int
io_all(int fd, unsigned char *buf, size_t len, int out, uint64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (wait_fd(fd, out ? POLLOUT : POLLIN, deadline) == -1)
			return -1;
		n = out ? send(fd, buf + done, len - done, MSG_NOSIGNAL) :
		    recv(fd, buf + done, len - done, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int
update_send(const struct upd_msg *m, const char *addr, unsigned port,
    const char *tsig_file, unsigned timeout_ms, int *rcode, char **cause)
{
	uint64_t deadline = now_ms() + timeout_ms;
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned char *msg = NULL, *ans = NULL, hdr[2];
	size_t len = 0, alen;
	ldns_pkt *pkt = NULL;
	int fd = -1, r = -1;

	*cause = NULL;
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr)
	    == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else if (inet_pton(AF_INET, addr,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else {
		*cause = xasprintf("%s: not an address", addr);
		return -1;
	}
	if ((msg = wire(m, tsig_file, &len, cause)) == NULL)
		return -1;
	/* over TCP (RFC 7766): the answer comes whole, whatever its size */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 || (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) || wait_fd(fd, POLLOUT, deadline) == -1) {
		*cause = xasprintf("no TCP connection to %s port %u: %s", addr,
		    port, errno ? strerror(errno) : "timeout");
		goto out;
	}
	hdr[0] = (unsigned char)(len >> 8);
	hdr[1] = (unsigned char)len;
	if (io_all(fd, hdr, 2, 1, deadline) == -1 ||
	    io_all(fd, msg, len, 1, deadline) == -1 ||
	    io_all(fd, hdr, 2, 0, deadline) == -1) {
		*cause = xasprintf("no answer from %s port %u within %u ms",
		    addr, port, timeout_ms);
		goto out;
	}
	alen = (size_t)hdr[0] << 8 | hdr[1];
	ans = xmalloc(alen ? alen : 1);
	if (io_all(fd, ans, alen, 0, deadline) == -1 ||
	    ldns_wire2pkt(&pkt, ans, alen) != LDNS_STATUS_OK) {
		*cause = xasprintf("no whole answer from %s port %u", addr,
		    port);
		goto out;
	}
	*rcode = ldns_pkt_get_rcode(pkt);
	/* a TSIG error (BADKEY, BADSIG, BADTIME) is said by the TSIG RR's
	 * error field; NOTAUTH names it */
	r = 0;
out:
	if (pkt != NULL)
		ldns_pkt_free(pkt);
	if (fd != -1)
		close(fd);
	free(ans);
	free(msg);
	return r;
}
