/* nsquery.c — questions to one authoritative server, and to it alone.
 *
 * Over UDP first (a connected socket: only that server's answers come
 * in), sent again once half-way through the timeout, and over TCP when
 * the answer comes truncated. Callbacks run from the loop and may ask
 * more questions, but must not free the server (nsserver_free() belongs
 * after loop_run()). */
#include "nsquery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dname.h"
#include "dnswire.h"
#include "util.h"

#define ANSWER_MAX 65535

struct ask {
	struct nsserver *s;
	uint16_t id;
	char *name;
	enum rrtype type;
	unsigned char *wire;	/* the question, for sending again */
	size_t wlen;
	int timer;
	int resent;
	int send_errno;		/* why it could not be sent */
	uint64_t started;
	/* over TCP, after a truncated answer */
	int tcp_fd, tcp_watch;
	size_t tcp_sent;
	unsigned char *tcp_in;	/* 2 length bytes, then the answer */
	size_t tcp_got;
	resolver_fn fn;
	void *arg;
	struct ask *next;
};

struct nsserver {
	struct loop *loop;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int fd;
	int watch;		/* -1 while nothing is asked over UDP */
	unsigned timeout_ms;
	uint16_t next_id;
	struct ask *pending;
};

struct nsserver *
nsserver_new(struct loop *l, const char *addr, unsigned port,
    unsigned timeout_ms, char **cause)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct nsserver *s;
	int fd;

	if (sockaddr_from(addr, port, &ss, &sl) == -1) {
		*cause = xasprintf("%s: not an address", addr);
		return NULL;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		*cause = xasprintf("%s: %s", addr, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->loop = l;
	s->addr = ss;
	s->addrlen = sl;
	s->fd = fd;
	s->watch = -1;
	s->timeout_ms = timeout_ms;
	s->next_id = (uint16_t)(now_ms() ^ (uint64_t)getpid());
	return s;
}

static int
udp_pending(const struct nsserver *s)
{
	for (const struct ask *q = s->pending; q != NULL; q = q->next)
		if (q->tcp_fd == -1)
			return 1;
	return 0;
}

static void
unlink_ask(struct nsserver *s, struct ask *q)
{
	for (struct ask **p = &s->pending; *p != NULL; p = &(*p)->next) {
		if (*p == q) {
			*p = q->next;
			break;
		}
	}
	if (!udp_pending(s) && s->watch != -1) {
		loop_unwatch(s->loop, s->watch);
		s->watch = -1;
	}
}

static void
tcp_close(struct ask *q)
{
	if (q->tcp_watch != -1)
		loop_unwatch(q->s->loop, q->tcp_watch);
	if (q->tcp_fd != -1)
		close(q->tcp_fd);
	q->tcp_watch = q->tcp_fd = -1;
}

static void
ask_free(struct ask *q)
{
	tcp_close(q);
	if (q->timer != -1)
		loop_cancel(q->s->loop, q->timer);
	free(q->tcp_in);
	free(q->wire);
	free(q->name);
	free(q);
}

void
nsserver_free(struct nsserver *s)
{
	struct ask *q, *next;

	if (s == NULL)
		return;
	for (q = s->pending; q != NULL; q = next) {
		next = q->next;
		ask_free(q);
	}
	if (s->watch != -1)
		loop_unwatch(s->loop, s->watch);
	close(s->fd);
	free(s);
}

/* Hand the answer over; the question is done. */
static void
deliver(struct ask *q, struct dns_answer *a)
{
	unlink_ask(q->s, q);
	a->ms = now_ms() - q->started;
	q->fn(q->arg, a);
	ask_free(q);
}

static struct dns_answer *
answer_new(const struct ask *q, enum dns_status st, const char *error)
{
	struct dns_answer *a = xcalloc(1, sizeof *a);

	a->name = xstrdup(q->name);
	a->type = q->type;
	a->status = st;
	a->dnssec = DNSSEC_INSECURE;
	a->error = error ? xstrdup(error) : NULL;
	return a;
}

static void tcp_start(struct ask *q);

/* The answer to q: delivered, or over TCP when it came truncated. */
static void
answered(struct ask *q, const unsigned char *buf, size_t len)
{
	struct dnswire_answer da;
	struct dns_answer *a;

	if (dnswire_read(buf, len, q->type, q->name, 1, &da) == -1) {
		deliver(q, answer_new(q, DNS_FAILURE, "not a DNS answer"));
		return;
	}
	if (da.tc && q->tcp_fd == -1) {
		dnswire_answer_free(&da);
		tcp_start(q);
		return;
	}
	if (da.rcode != 0 && da.rcode != 3) {		/* not NXDOMAIN */
		a = answer_new(q, DNS_FAILURE, dnswire_rcode_name(da.rcode));
		a->lame = 1;
	} else if (!da.aa) {
		a = answer_new(q, DNS_FAILURE, "an answer without authority "
		    "(a referral, or the server does not serve the zone)");
		a->lame = 1;
	} else {
		a = answer_new(q, DNS_OK, NULL);
		a->nxdomain = da.rcode == 3;
		a->rrset = da.rrset;
		a->rrsig = da.rrsig;
		da.rrset = NULL;
	}
	dnswire_answer_free(&da);
	deliver(q, a);
}

/* 1 when a send's error says the server is not there (ICMP port
 * unreachable from an earlier question, no route). */
static int
server_gone(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH;
}

/* Every question over UDP fails at once: the socket says the server is
 * not there (ICMP port unreachable, no route). */
static void
fail_udp(struct nsserver *s, const char *why)
{
	struct ask *q;

	while ((q = s->pending) != NULL) {
		while (q != NULL && q->tcp_fd != -1)
			q = q->next;
		if (q == NULL)
			break;
		deliver(q, answer_new(q, DNS_FAILURE, why));
	}
}

static void
on_udp(void *arg, int revents)
{
	struct nsserver *s = arg;
	unsigned char *buf = xmalloc(ANSWER_MAX);

	(void)revents;
	for (;;) {
		struct dnswire_answer da;
		ssize_t n = recv(s->fd, buf, ANSWER_MAX, 0);
		struct ask *q;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail_udp(s, strerror(errno));
			break;
		}
		if (dnswire_read(buf, (size_t)n, RR_SOA, NULL, 0, &da) == -1)
			continue;	/* not DNS: the timer runs on */
		for (q = s->pending; q != NULL; q = q->next)
			if (q->tcp_fd == -1 && q->id == da.id &&
			    da.qname != NULL && strcmp(da.qname, q->name) == 0 &&
			    da.qtype == dnswire_type(q->type))
				break;
		dnswire_answer_free(&da);
		if (q != NULL)		/* else not for a question of ours */
			answered(q, buf, (size_t)n);
	}
	free(buf);
}

static void
on_tcp(void *arg, int revents)
{
	struct ask *q = arg;
	ssize_t n;

	(void)revents;
	if (q->tcp_sent < q->wlen + 2) {	/* connected: the question */
		unsigned char *msg = xmalloc(q->wlen + 2);

		msg[0] = (unsigned char)(q->wlen >> 8);
		msg[1] = (unsigned char)q->wlen;
		memcpy(msg + 2, q->wire, q->wlen);
		n = send(q->tcp_fd, msg + q->tcp_sent, q->wlen + 2 - q->tcp_sent,
		    MSG_NOSIGNAL);
		free(msg);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			deliver(q, answer_new(q, DNS_FAILURE, "a truncated "
			    "answer, and TCP failed"));
			return;
		}
		q->tcp_sent += (size_t)n;
		if (q->tcp_sent == q->wlen + 2)
			loop_rewatch(q->s->loop, q->tcp_watch, POLLIN);
		return;
	}
	for (;;) {
		size_t need = q->tcp_got < 2 ? 2 : 2 +
		    ((size_t)q->tcp_in[0] << 8 | q->tcp_in[1]);

		if (q->tcp_got == need && need > 2) {
			answered(q, q->tcp_in + 2, need - 2);
			return;
		}
		n = recv(q->tcp_fd, q->tcp_in + q->tcp_got, need - q->tcp_got,
		    0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			deliver(q, answer_new(q, DNS_FAILURE, "a truncated "
			    "answer, and the TCP answer did not come whole"));
			return;
		}
		q->tcp_got += (size_t)n;
	}
}

static void
tcp_start(struct ask *q)
{
	struct nsserver *s = q->s;

	q->tcp_in = xmalloc(2 + ANSWER_MAX);
	q->tcp_fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (q->tcp_fd == -1 || (connect(q->tcp_fd, (struct sockaddr *)&s->addr,
	    s->addrlen) == -1 && errno != EINPROGRESS)) {
		deliver(q, answer_new(q, DNS_FAILURE, "a truncated answer, "
		    "and no TCP connection"));
		return;
	}
	q->tcp_watch = loop_watch(s->loop, q->tcp_fd, POLLOUT, on_tcp, q);
	if (!udp_pending(s) && s->watch != -1) {
		loop_unwatch(s->loop, s->watch);
		s->watch = -1;
	}
}

static void
on_timer(void *arg)
{
	struct ask *q = arg;
	char *e;

	q->timer = -1;
	/* half-way and no answer over UDP: the question again, once (a
	 * datagram may be lost) */
	if (!q->resent && q->tcp_fd == -1) {
		q->resent = 1;
		if (send(q->s->fd, q->wire, q->wlen, 0) == (ssize_t)q->wlen) {
			q->timer = loop_timer(q->s->loop, q->s->timeout_ms -
			    q->s->timeout_ms / 2, on_timer, q);
			return;
		}
		if (server_gone(errno)) {
			fail_udp(q->s, strerror(errno));
			return;
		}
	}
	e = xasprintf("no answer within %llu ms",
	    (unsigned long long)(now_ms() - q->started));
	deliver(q, answer_new(q, DNS_TIMEOUT, e));
	free(e);
}

/* A question that could not be sent. The socket's error (ICMP port
 * unreachable from an earlier question, say) is the server's: every
 * question waiting over UDP fails with it, not this one alone -- the
 * others would wait out the timeout for an error already reported. */
static void
on_send_failed(void *arg)
{
	struct ask *q = arg;
	int e = q->send_errno;

	q->timer = -1;
	if (server_gone(e))
		fail_udp(q->s, strerror(e));
	else
		deliver(q, answer_new(q, DNS_FAILURE, "the question could not "
		    "be sent"));
}

void
nsserver_query(struct nsserver *s, const char *name, enum rrtype type,
    resolver_fn fn, void *arg)
{
	struct ask *q = xcalloc(1, sizeof *q);

	q->s = s;
	q->id = s->next_id++;
	q->name = dname_normalize(name);
	q->type = type;
	q->fn = fn;
	q->arg = arg;
	q->started = now_ms();
	q->tcp_fd = q->tcp_watch = -1;
	q->next = s->pending;
	s->pending = q;
	q->wire = dnswire_query(q->name, type, q->id, 0, &q->wlen);
	if (q->wire == NULL || send(s->fd, q->wire, q->wlen, 0) !=
	    (ssize_t)q->wlen) {
		q->send_errno = q->wire == NULL ? 0 : errno;
		/* from the loop, like every answer */
		q->timer = loop_timer(s->loop, 0, on_send_failed, q);
		return;
	}
	q->timer = loop_timer(s->loop, s->timeout_ms / 2, on_timer, q);
	if (s->watch == -1)
		s->watch = loop_watch(s->loop, s->fd, POLLIN, on_udp, s);
}
