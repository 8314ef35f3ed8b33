/* nsquery.c — questions to one authoritative server, and to it alone. */
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
	int timer;
	uint64_t started;
	resolver_fn fn;
	void *arg;
	struct ask *next;
};

struct nsserver {
	struct loop *loop;
	int fd;			/* a UDP socket connected to the server: only
				 * its answers come in */
	int watch;		/* -1 while nothing is asked */
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
	s->fd = fd;
	s->watch = -1;
	s->timeout_ms = timeout_ms;
	s->next_id = (uint16_t)(now_ms() ^ (uint64_t)getpid());
	return s;
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
	if (s->pending == NULL && s->watch != -1) {
		loop_unwatch(s->loop, s->watch);
		s->watch = -1;
	}
}

static void
ask_free(struct ask *q)
{
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
		loop_cancel(s->loop, q->timer);
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
	struct nsserver *s = q->s;

	unlink_ask(s, q);
	if (q->timer != -1)
		loop_cancel(s->loop, q->timer);
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

/* Every question fails at once (the socket says the server is not
 * there: ICMP port unreachable, no route). */
static void
fail_all(struct nsserver *s, const char *why)
{
	while (s->pending != NULL) {
		struct ask *q = s->pending;

		deliver(q, answer_new(q, DNS_FAILURE, why));
	}
}

static void
on_answer(struct nsserver *s, const unsigned char *buf, size_t len)
{
	struct dnswire_answer da;
	struct ask *q;

	if (dnswire_read(buf, len, RR_SOA, NULL, &da) == -1)
		return;		/* not DNS: ignored, the timer runs on */
	for (q = s->pending; q != NULL; q = q->next)
		if (q->id == da.id && da.qname != NULL &&
		    strcmp(da.qname, q->name) == 0 &&
		    da.qtype == dnswire_type(q->type))
			break;
	dnswire_answer_free(&da);
	if (q == NULL)
		return;		/* not for a question of ours */
	/* read again for the records of the question's own type */
	dnswire_read(buf, len, q->type, q->name, &da);
	if (da.tc) {
		deliver(q, answer_new(q, DNS_FAILURE, "a truncated answer "
		    "(TCP is not tried)"));
	} else if (da.rcode != 0 && da.rcode != 3) {
		struct dns_answer *a = answer_new(q, DNS_FAILURE,
		    dnswire_rcode_name(da.rcode));

		a->lame = 1;
		deliver(q, a);
	} else if (!da.aa) {
		struct dns_answer *a = answer_new(q, DNS_FAILURE, "an answer "
		    "without authority: the server does not serve the zone");

		a->lame = 1;
		deliver(q, a);
	} else {
		struct dns_answer *a = answer_new(q, DNS_OK, NULL);

		a->nxdomain = da.rcode == 3;
		a->rrset = da.rrset;
		da.rrset = NULL;
		deliver(q, a);
	}
	dnswire_answer_free(&da);
}

static void
on_readable(void *arg, int revents)
{
	struct nsserver *s = arg;
	unsigned char *buf = xmalloc(ANSWER_MAX);

	(void)revents;
	for (;;) {
		ssize_t n = recv(s->fd, buf, ANSWER_MAX, 0);

		if (n >= 0) {
			on_answer(s, buf, (size_t)n);
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			fail_all(s, strerror(errno));
		break;
	}
	free(buf);
}

static void
on_timeout(void *arg)
{
	struct ask *q = arg;
	char *e = xasprintf("no answer within %llu ms",
	    (unsigned long long)(now_ms() - q->started));

	q->timer = -1;
	deliver(q, answer_new(q, DNS_TIMEOUT, e));
	free(e);
}

static void
on_send_failed(void *arg)
{
	struct ask *q = arg;

	q->timer = -1;
	deliver(q, answer_new(q, DNS_FAILURE, "the question could not be "
	    "sent"));
}

void
nsserver_query(struct nsserver *s, const char *name, enum rrtype type,
    resolver_fn fn, void *arg)
{
	struct ask *q = xcalloc(1, sizeof *q);
	unsigned char *wire;
	size_t len = 0;

	q->s = s;
	q->id = s->next_id++;
	q->name = dname_normalize(name);
	q->type = type;
	q->fn = fn;
	q->arg = arg;
	q->started = now_ms();
	q->next = s->pending;
	s->pending = q;
	wire = dnswire_query(q->name, type, q->id, 0, &len);
	if (wire == NULL || send(s->fd, wire, len, 0) != (ssize_t)len) {
		/* from the loop, like every answer */
		q->timer = loop_timer(s->loop, 0, on_send_failed, q);
		free(wire);
		return;
	}
	free(wire);
	q->timer = loop_timer(s->loop, s->timeout_ms, on_timeout, q);
	if (s->watch == -1)
		s->watch = loop_watch(s->loop, s->fd, POLLIN, on_readable, s);
}
