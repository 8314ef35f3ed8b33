/* floor.c — the cost floor of a federation probe, for the benchmarks.
 *
 *   floor [-c CAFILE] [-t SECONDS] [TARGET...]
 *   floor -s ZONE=ADDR@PORT -a TAFILE [-c CAFILE] [-t SECONDS] [DOMAIN...]
 *
 * TARGET is DOMAIN=ADDR:PORT (an IPv4 address); without any, one TARGET a
 * line on stdin. With -s (a stub zone, as xmppcut's --stub) and -a (its
 * trust anchor, as --trust-anchor), the floor looks each DOMAIN up first,
 * the least a validating client can: libunbound's thread, every
 * partner at once, the questions xmppcut asks -- both SRV RRsets, then
 * the first target's A, AAAA and TLSA (_PORT._tcp.TARGET) -- each
 * required to validate (secure), QNAME minimisation off as in xmppcut;
 * the first A is the address. (ub_resolve, one question after the
 * other, costs more: it sets up a new worker for each.) For each, all at once over non-blocking sockets in one
 * epoll loop, it does what a probe must do and nothing else: TCP, the
 * s2s stream header, the features (STARTTLS offered), <starttls/>,
 * <proceed/>, a TLS 1.3 handshake verified against CAFILE with DOMAIN as
 * SNI and as the host name checked, the stream again and its features
 * (as xmppcut does, to see dialback and SASL), then it closes. No DNS, no
 * XML parser (a substring search in a bounded buffer), no report: what
 * is left is the handshake and the kernel. A target that does not finish
 * within SECONDS (default 10) as a whole fails.
 *
 * Prints "ok N failed M" and each failure on stderr; exit 0 when every
 * target got through, 1 when one did not, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unbound.h>
#include <unistd.h>

#define MAX_READ 65536		/* bytes before the features, as xmppcut */
#define TLS_NS "urn:ietf:params:xml:ns:xmpp-tls"

enum step { CONNECT, FEATURES, PROCEED, HANDSHAKE, FEATURES2, DONE };

struct conn {
	char *domain;
	struct sockaddr_in sin;
	int fd;
	uint32_t events;	/* what epoll waits for */
	enum step step;
	SSL *ssl;
	char *out;		/* pending output (plain or TLS), or NULL */
	size_t outlen, outoff;
	char in[MAX_READ + 1];
	size_t inlen;
	long long deadline;
	const char *failed;	/* why, or NULL */
};

static SSL_CTX *ctx;
static int ep;
static size_t nleft;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
finish(struct conn *c, const char *why)
{
	if (c->step == DONE)
		return;
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1)
		close(c->fd);	/* leaves the epoll set with it */
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->failed = why;
	c->step = DONE;
	nleft--;
	ERR_clear_error();
}

static void
want(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events != events && epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev)
	    == 0)
		c->events = events;
}

static void
queue(struct conn *c, const char *s)
{
	free(c->out);
	c->out = strdup(s);
	c->outlen = strlen(s);
	c->outoff = 0;
	c->inlen = 0;
}

static char *
header(const char *domain)
{
	static char h[512];

	snprintf(h, sizeof h, "<?xml version='1.0'?><stream:stream "
	    "xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/"
	    "streams' xmlns:db='jabber:server:dialback' to='%s' "
	    "version='1.0'>", domain);
	return h;
}

/* SSL_ERROR_WANT_*: wait for it and return 1; else 0. */
static int
tls_wait(struct conn *c, int r)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		want(c, EPOLLIN);
		return 1;
	case SSL_ERROR_WANT_WRITE:
		want(c, EPOLLOUT);
		return 1;
	default:
		return 0;
	}
}

/* Write what is queued: 1 when all is out, 0 when waiting, -1 failed. */
static int
flush(struct conn *c)
{
	while (c->out != NULL && c->outoff < c->outlen) {
		size_t len = c->outlen - c->outoff;
		ssize_t n;

		if (c->ssl != NULL) {
			int r = SSL_write(c->ssl, c->out + c->outoff,
			    (int)len);

			if (r <= 0)
				return tls_wait(c, r) ? 0 : -1;
			n = r;
		} else {
			n = write(c->fd, c->out + c->outoff, len);
			if (n < 0 && errno == EAGAIN) {
				want(c, EPOLLOUT);
				return 0;
			}
			if (n <= 0)
				return -1;
		}
		c->outoff += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	want(c, EPOLLIN);
	return 1;
}

/* Read until the input holds s: 1 when it does, 0 when waiting, -1
 * failed (closed, too much, TLS error). */
static int
read_until(struct conn *c, const char *s)
{
	for (;;) {
		size_t room = MAX_READ - c->inlen;
		ssize_t n;

		if (room == 0)
			return -1;
		if (c->ssl != NULL) {
			int r = SSL_read(c->ssl, c->in + c->inlen, (int)room);

			if (r <= 0)
				return tls_wait(c, r) ? 0 : -1;
			n = r;
		} else {
			n = read(c->fd, c->in + c->inlen, room);
			if (n < 0 && errno == EAGAIN)
				return 0;
			if (n <= 0)
				return -1;
		}
		c->inlen += (size_t)n;
		c->in[c->inlen] = '\0';
		if (strstr(c->in, s) != NULL)
			return 1;
	}
}

static void
step(struct conn *c)
{
	int r;

	for (;;) {
		if (c->out != NULL && (r = flush(c)) != 1) {
			if (r == -1)
				finish(c, "write failed");
			return;
		}
		switch (c->step) {
		case CONNECT: {
			int err = 0;
			socklen_t len = sizeof err;

			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err != 0) {
				finish(c, "connect failed");
				return;
			}
			queue(c, header(c->domain));
			c->step = FEATURES;
			continue;
		}
		case FEATURES:
			if ((r = read_until(c, "</stream:features>")) != 1) {
				if (r == -1)
					finish(c, "no features");
				return;
			}
			if (strstr(c->in, "<starttls") == NULL) {
				finish(c, "no STARTTLS");
				return;
			}
			queue(c, "<starttls xmlns='" TLS_NS "'/>");
			c->step = PROCEED;
			continue;
		case PROCEED:
			if ((r = read_until(c, "<proceed")) != 1) {
				if (r == -1)
					finish(c, "no proceed");
				return;
			}
			if ((c->ssl = SSL_new(ctx)) == NULL ||
			    SSL_set_fd(c->ssl, c->fd) != 1 ||
			    SSL_set_tlsext_host_name(c->ssl, c->domain) != 1 ||
			    SSL_set1_host(c->ssl, c->domain) != 1) {
				finish(c, "cannot set up TLS");
				return;
			}
			c->step = HANDSHAKE;
			continue;
		case HANDSHAKE:
			if ((r = SSL_connect(c->ssl)) != 1) {
				if (!tls_wait(c, r))
					finish(c, "TLS handshake failed");
				return;
			}
			if (SSL_get_verify_result(c->ssl) != X509_V_OK) {
				finish(c, "certificate not verified");
				return;
			}
			queue(c, header(c->domain));
			c->step = FEATURES2;
			continue;
		case FEATURES2:
			if ((r = read_until(c, "</stream:features>")) != 1) {
				if (r == -1)
					finish(c, "no features after TLS");
				return;
			}
			SSL_write(c->ssl, "</stream:stream>", 16);
			finish(c, NULL);
			return;
		case DONE:
			return;
		}
	}
}

/* A target to be: nothing sent, no address yet. */
static void
conn_init(struct conn *c, const char *domain)
{
	memset(c, 0, sizeof *c);
	c->sin.sin_family = AF_INET;
	c->domain = strdup(domain);
	c->fd = -1;
}

static int
parse_target(struct conn *c, char *s)
{
	char *eq = strchr(s, '='), *colon = strrchr(s, ':');
	char *end;
	unsigned long port;

	if (eq == NULL || colon == NULL || colon < eq)
		return -1;
	*eq = *colon = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -1;
	conn_init(c, s);
	c->sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, eq + 1, &c->sin.sin_addr) != 1) {
		free(c->domain);
		return -1;
	}
	return 0;
}

/* The lookups of one partner, as xmppcut asks them: both SRV RRsets,
 * then the first target's AAAA, TLSA and A (the first A is the address).
 * A lookup that does not validate (secure) fails the partner. */
struct dns {
	struct conn *c;
	char *target;		/* the first _xmpp-server target */
	unsigned port;
	int pending;
};

static void
answered(void *arg, int err, struct ub_result *r)
{
	struct dns *d = arg;
	struct conn *c = d->c;
	ldns_rdf *target = NULL;
	size_t pos = 6;

	d->pending--;
	if (err != 0 || r == NULL || !r->secure) {
		c->failed = err != 0 ? ub_strerror(err) : "does not validate";
	} else if (r->qtype == LDNS_RR_TYPE_SRV && strncmp(r->qname,
	    "_xmpp-server.", 13) == 0) {
		if (!r->havedata || r->len[0] < 7 || ldns_wire2dname(&target,
		    (uint8_t *)r->data[0], (size_t)r->len[0], &pos) !=
		    LDNS_STATUS_OK || (d->target = ldns_rdf2str(target)) ==
		    NULL)
			c->failed = "no SRV target";
		d->port = (unsigned)((uint8_t)r->data[0][4] << 8 |
		    (uint8_t)r->data[0][5]);
		c->sin.sin_port = htons((uint16_t)d->port);
	} else if (r->qtype == LDNS_RR_TYPE_A) {
		if (r->havedata && r->len[0] == 4)
			memcpy(&c->sin.sin_addr, r->data[0], 4);
		else
			c->failed = "no address";
	}
	ldns_rdf_deep_free(target);
	if (r != NULL)
		ub_resolve_free(r);
}

static void
ask(struct ub_ctx *u, struct dns *d, const char *name, int type)
{
	if (ub_resolve_async(u, name, type, LDNS_RR_CLASS_IN, d, answered,
	    NULL) == 0)
		d->pending++;
	else
		d->c->failed = "cannot ask";
}

/* Look every partner up (all at once, libunbound's own thread, as
 * xmppcut does): the SRV RRsets of all, then their targets. */
static void
resolve_all(struct ub_ctx *u, struct conn *v, size_t n)
{
	struct dns *d = calloc(n ? n : 1, sizeof *d);
	char name[1100];

	if (d == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		d[i].c = &v[i];
		snprintf(name, sizeof name, "_xmpp-server._tcp.%s",
		    v[i].domain);
		ask(u, &d[i], name, LDNS_RR_TYPE_SRV);
		snprintf(name, sizeof name, "_xmpps-server._tcp.%s",
		    v[i].domain);
		ask(u, &d[i], name, LDNS_RR_TYPE_SRV);
	}
	ub_wait(u);
	for (size_t i = 0; i < n; i++) {
		if (v[i].failed != NULL || d[i].target == NULL)
			continue;
		ask(u, &d[i], d[i].target, LDNS_RR_TYPE_A);
		ask(u, &d[i], d[i].target, LDNS_RR_TYPE_AAAA);
		snprintf(name, sizeof name, "_%u._tcp.%s", d[i].port,
		    d[i].target);
		ask(u, &d[i], name, LDNS_RR_TYPE_TLSA);
	}
	ub_wait(u);
	for (size_t i = 0; i < n; i++) {
		if (v[i].failed == NULL && v[i].sin.sin_addr.s_addr == 0)
			v[i].failed = "no address";
		if (v[i].failed != NULL)
			v[i].step = DONE;
		free(d[i].target);
	}
	free(d);
}

static struct ub_ctx *
resolver(const char *stub, const char *ta)
{
	struct ub_ctx *u = ub_ctx_create();
	char zone[256], opt[300];
	const char *eq = strchr(stub, '='), *tld;

	if (u == NULL || eq == NULL || (size_t)(eq - stub) >= sizeof zone)
		return NULL;
	memcpy(zone, stub, (size_t)(eq - stub));
	zone[eq - stub] = '\0';
	/* as xmppcut's --stub: a special-use TLD (test., RFC 6761) that
	 * unbound would answer itself is let through, unsigned above the
	 * trust anchor */
	tld = strrchr(zone, '.');
	snprintf(opt, sizeof opt, "%s. transparent", tld ? tld + 1 : zone);
	if (ub_ctx_async(u, 1) != 0 ||
	    ub_ctx_set_option(u, "local-zone:", opt) != 0)
		return ub_ctx_delete(u), NULL;
	snprintf(opt, sizeof opt, "%s.", tld ? tld + 1 : zone);
	if (ub_ctx_set_option(u, "domain-insecure:", opt) != 0 ||
	    ub_ctx_set_option(u, "qname-minimisation:", "no") != 0 ||
	    ub_ctx_set_stub(u, zone, eq + 1, 0) != 0 ||
	    ub_ctx_add_ta_file(u, ta) != 0) {
		ub_ctx_delete(u);
		return NULL;
	}
	return u;
}

static void
start(struct conn *c, long long timeout_ms)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	c->deadline = now_ms() + timeout_ms;
	c->events = EPOLLOUT;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1 || (connect(c->fd, (struct sockaddr *)&c->sin,
	    sizeof c->sin) == -1 && errno != EINPROGRESS) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		finish(c, strerror(errno));
		return;
	}
}

int
main(int argc, char **argv)
{
	const char *ca = NULL, *stub = NULL, *ta = NULL;
	struct ub_ctx *u = NULL;
	long long timeout_ms = 10000, next_check;
	struct conn *v = NULL;
	size_t n = 0, cap = 0, ok = 0;
	char line[1024];
	int opt;

	while ((opt = getopt(argc, argv, "a:c:s:t:")) != -1) {
		switch (opt) {
		case 'a':
			ta = optarg;
			break;
		case 's':
			stub = optarg;
			break;
		case 'c':
			ca = optarg;
			break;
		case 't':
			timeout_ms = strtol(optarg, NULL, 10) * 1000;
			if (timeout_ms <= 0 || timeout_ms > 3600000)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if ((stub == NULL) != (ta == NULL))
		goto usage;
	if (stub != NULL && (u = resolver(stub, ta)) == NULL) {
		fprintf(stderr, "floor: cannot set up libunbound with %s and "
		    "%s\n", stub, ta);
		return 2;
	}
	for (int i = optind; ; i++) {
		char *s;

		if (optind < argc) {
			if (i >= argc)
				break;
			s = argv[i];
		} else {
			if (fgets(line, sizeof line, stdin) == NULL)
				break;
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0')
				continue;
			s = line;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((v = realloc(v, cap * sizeof *v)) == NULL)
				return 2;
		}
		if (u != NULL)
			conn_init(&v[n], s);
		else if (parse_target(&v[n], s) == -1) {
			fprintf(stderr, "floor: %s: expected DOMAIN=ADDR:PORT\n",
			    s);
			return 2;
		}
		n++;
	}
	if (n == 0)
		goto usage;
	if (u != NULL)
		resolve_all(u, v, n);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    (ca != NULL ? SSL_CTX_load_verify_file(ctx, ca) :
	    SSL_CTX_set_default_verify_paths(ctx)) != 1) {
		fprintf(stderr, "floor: cannot set up TLS%s%s\n",
		    ca ? " with " : "", ca ? ca : "");
		return 2;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return 2;
	for (size_t i = 0; i < n; i++) {
		if (v[i].failed != NULL)
			continue;
		nleft++;
		v[i].step = CONNECT;
		start(&v[i], timeout_ms);
	}
	next_check = now_ms() + 1000;
	while (nleft > 0) {
		struct epoll_event ev[256];
		int k = epoll_wait(ep, ev, 256, 1000);

		for (int i = 0; i < k; i++)
			step(ev[i].data.ptr);
		if (now_ms() < next_check)
			continue;
		/* the timeouts, once a second: not a scan per wakeup */
		next_check = now_ms() + 1000;
		for (size_t i = 0; i < n; i++)
			if (v[i].step != DONE && v[i].deadline <= now_ms())
				finish(&v[i], "timeout");
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].failed == NULL)
			ok++;
		else
			fprintf(stderr, "floor: %s at %s:%u: %s\n", v[i].domain,
			    inet_ntoa(v[i].sin.sin_addr),
			    ntohs(v[i].sin.sin_port), v[i].failed);
		free(v[i].domain);
	}
	printf("ok %zu failed %zu\n", ok, n - ok);
	free(v);
	if (u != NULL)
		ub_ctx_delete(u);
	SSL_CTX_free(ctx);
	close(ep);
	return ok == n ? 0 : 1;
usage:
	fprintf(stderr, "usage: floor [-c CAFILE] [-t SECONDS] "
	    "[DOMAIN=ADDR:PORT...]\n"
	    "       floor -s ZONE=ADDR@PORT -a TAFILE [-c CAFILE] "
	    "[-t SECONDS] [DOMAIN...]\n");
	return 2;
}
