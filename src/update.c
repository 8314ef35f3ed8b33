/* update.c — RFC 2136 UPDATE through ldns. */
#include "update.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

struct upd_key {
	char *name;		/* with the trailing dot */
	char *alg;		/* as ldns names it (and puts on the wire) */
	char *secret;		/* base64 */
};

/* The algorithm of a key file (BIND's names) as ldns signs with it, or
 * NULL: ldns 1.8 knows HMAC-MD5 only by its wire name, misspells SHA-384
 * ("hmac-shac384.", so its signatures name an algorithm no server knows)
 * and has no SHA-224. */
static const char *
ldns_alg(const char *alg)
{
	static const char *const map[][2] = {
		{ "hmac-md5", "hmac-md5.sig-alg.reg.int." },
		{ "hmac-sha1", "hmac-sha1." },
		{ "hmac-sha256", "hmac-sha256." },
		{ "hmac-sha512", "hmac-sha512." },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(alg, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static int
sign(ldns_pkt *pkt, const struct upd_key *k)
{
	return ldns_pkt_tsig_sign(pkt, k->name, k->secret, 300, k->alg, NULL)
	    == LDNS_STATUS_OK ? 0 : -1;
}

void
update_key_free(struct upd_key *k)
{
	if (k == NULL)
		return;
	free(k->name);
	free(k->alg);
	free(k->secret);
	free(k);
}

struct upd_key *
update_key_load(const char *path, char **cause)
{
	struct upd_key *k;
	char *text, *name, *secret;
	const char *alg;
	ldns_pkt *probe = NULL;

	/* "ALG:NAME SECRET", the three checked words */
	if ((text = nsupdate_tsig_key(path, cause)) == NULL)
		return NULL;
	name = strchr(text, ':');
	secret = name ? strchr(name, ' ') : NULL;
	if (secret == NULL) {
		*cause = xasprintf("%s: cannot read the key", path);
		free(text);
		return NULL;
	}
	*name++ = '\0';
	*secret++ = '\0';
	if ((alg = ldns_alg(text)) == NULL) {
		*cause = xasprintf("%s: algorithm %s cannot be used (ldns signs "
		    "with hmac-md5, hmac-sha1, hmac-sha256 and hmac-sha512): "
		    "make a key with tsig-keygen -a hmac-sha256", path, text);
		free(text);
		return NULL;
	}
	k = xcalloc(1, sizeof *k);
	k->alg = xstrdup(alg);
	k->name = xasprintf("%s%s", name, name[strlen(name) - 1] == '.' ? "" :
	    ".");
	k->secret = xstrdup(secret);
	free(text);
	/* sign something now, so that a key ldns cannot use is said before
	 * anything is read or sent (also in a dry run) */
	if (ldns_pkt_query_new_frm_str(&probe, "example.", LDNS_RR_TYPE_SOA,
	    LDNS_RR_CLASS_IN, 0) != LDNS_STATUS_OK || sign(probe, k) == -1) {
		*cause = xasprintf("%s: cannot sign with the key (is the "
		    "secret base64?)", path);
		update_key_free(k);
		k = NULL;
	}
	ldns_pkt_free(probe);
	return k;
}

/* The message in wire format, signed when a key is given; *req the
 * packet, for checking the answer against it. */
static unsigned char *
wire(const struct upd_msg *m, const struct upd_key *key, size_t *len,
    ldns_pkt **req, char **cause)
{
	ldns_rr_list *pre = ldns_rr_list_new(), *upd = ldns_rr_list_new();
	ldns_pkt *pkt = NULL;
	uint8_t *w = NULL;
	unsigned char *out = NULL;
	char *zone = xasprintf("%s.", m->zone);
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
	if (key != NULL && sign(pkt, key) == -1) {
		*cause = xasprintf("%s: cannot sign the update", m->zone);
		goto out;
	}
	if (ldns_pkt2wire(&w, pkt, len) != LDNS_STATUS_OK) {
		*cause = xasprintf("%s: cannot encode the update", m->zone);
		goto out;
	}
	out = xmalloc(*len);
	memcpy(out, w, *len);
	*req = pkt;
	pkt = NULL;
out:
	free(w);
	free(zone);
	ldns_rdf_deep_free(zrdf);
	ldns_pkt_free(pkt);
	ldns_rr_list_deep_free(pre);
	ldns_rr_list_deep_free(upd);
	return out;
}

/* The answer's TSIG verifies with the key over the request's MAC. The
 * MAC covers the message with the TSIG's Original ID in its header (RFC
 * 8945 §4.3.3): an update forwarded by a secondary (BIND's
 * allow-update-forwarding) comes back with our ID in the header and the
 * ID the primary saw in the TSIG, and ldns hashes the header as it is. */
static int
tsig_verifies(ldns_pkt *ans, const unsigned char *wire, size_t len,
    const struct upd_key *key, const ldns_rdf *request_mac)
{
	const ldns_rdf *orig = ldns_rr_rdf(ldns_pkt_tsig(ans), 4);
	unsigned char *copy;
	int ok;

	if (orig == NULL || ldns_rdf_size(orig) != 2 || len < 2)
		return 0;
	copy = xmalloc(len);
	memcpy(copy, wire, len);
	memcpy(copy, ldns_rdf_data(orig), 2);
	ok = ldns_pkt_tsig_verify(ans, copy, len, key->name, key->secret,
	    request_mac);
	free(copy);
	return ok;
}

/* The answer is to this request: its ID, an UPDATE response, and, when
 * the request was signed, a valid TSIG over it (RFC 8945 §5.3). NULL, or
 * what is wrong. */
static const char *
answer_mismatch(ldns_pkt *ans, const unsigned char *wire, size_t len,
    ldns_pkt *req, const struct upd_key *key)
{
	ldns_rr *tsig;

	if (ldns_pkt_id(ans) != ldns_pkt_id(req) || !ldns_pkt_qr(ans) ||
	    ldns_pkt_get_opcode(ans) != LDNS_PACKET_UPDATE)
		return "not an answer to the update (ID, QR or opcode)";
	/* an unsigned error answer is normal for BADKEY/BADSIG (RFC 8945
	 * §5.3.2); a success must be signed */
	if (key == NULL || ldns_pkt_get_rcode(ans) != LDNS_RCODE_NOERROR)
		return NULL;
	if ((tsig = ldns_pkt_tsig(req)) == NULL || ldns_pkt_tsig(ans) == NULL)
		return "the answer is not signed with the key";
	if (!tsig_verifies(ans, wire, len, key, ldns_rr_rdf(tsig, 3)))
		return "the answer's TSIG does not verify with the key";
	return NULL;
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

enum upd_outcome
update_send(const struct upd_msg *m, const char *addr, unsigned port,
    const struct upd_key *key, unsigned timeout_ms, int *rcode, char **cause)
{
	uint64_t deadline = now_ms() + timeout_ms;
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned char *msg = NULL, *ans = NULL, hdr[2];
	size_t len = 0, alen;
	ldns_pkt *req = NULL, *pkt = NULL;
	const char *bad;
	enum upd_outcome r = UPD_NOT_SENT;
	int fd = -1;

	*cause = NULL;
	if (sockaddr_from(addr, port, &ss, &sl) == -1) {
		*cause = xasprintf("%s: not an address", addr);
		return UPD_NOT_SENT;
	}
	if ((msg = wire(m, key, &len, &req, cause)) == NULL)
		return UPD_NOT_SENT;
	/* over TCP (RFC 7766): the answer comes whole, whatever its size */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	errno = 0;
	if (fd == -1 || (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) || wait_fd(fd, POLLOUT, deadline) == -1) {
		*cause = xasprintf("no TCP connection to %s port %u: %s", addr,
		    port, errno && errno != EINPROGRESS ? strerror(errno) :
		    "timeout");
		goto out;
	}
	/* writable also when the connection failed: its error says */
	{
		int err = 0;
		socklen_t el = sizeof err;

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 ||
		    err != 0) {
			*cause = xasprintf("no TCP connection to %s port %u: "
			    "%s", addr, port, strerror(err ? err : errno));
			goto out;
		}
	}
	hdr[0] = (unsigned char)(len >> 8);
	hdr[1] = (unsigned char)len;
	/* from the first byte out, the server may have applied it */
	r = UPD_NO_ANSWER;
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
	if ((bad = answer_mismatch(pkt, ans, alen, req, key)) != NULL) {
		*cause = xasprintf("%s port %u: %s", addr, port, bad);
		goto out;
	}
	/* a TSIG error (BADKEY, BADSIG, BADTIME) comes as NOTAUTH */
	*rcode = ldns_pkt_get_rcode(pkt);
	r = UPD_ANSWERED;
out:
	ldns_pkt_free(pkt);
	ldns_pkt_free(req);
	if (fd != -1)
		close(fd);
	free(ans);
	free(msg);
	return r;
}
