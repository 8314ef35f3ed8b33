/* probe.c — the federation probe engine. */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cert.h"
#include "loop.h"
#include "report.h"
#include "tls.h"
#include "util.h"
#include "xmpp.h"

#define DEFAULT_PORT 5269
#define READ_CHUNK 4096

/* A place to try: an SRV record, the fallback, or a --connect address. */
struct cand {
	char *host;
	unsigned port, priority, weight;
	int direct;
	char *addr;		/* fixed address, or NULL to resolve host */
};

enum step { ST_IDLE, ST_CONNECT, ST_STREAM, ST_STARTTLS, ST_TLS,
	ST_FEATURES };

static const char *const step_names[] = { "idle", "connect", "stream",
	"starttls", "tls", "features" };

struct engine;

struct probe {
	struct engine *e;
	const struct probe_request *req;
	struct probe_result *res;
	uint64_t started;
	int pending;			/* DNS answers awaited */
	struct dns_answer *srv[2];	/* _xmpp-server, _xmpps-server */
	struct dns_answer *addr[2];	/* AAAA, A of the current target */
	struct dns_answer *tlsa;
	int srv_secure;
	int fallback;
	struct cand *cands;
	size_t ncands, ci;
	char **addrs;
	size_t naddrs, ai;
	int dane;			/* TLSA records in force */
	int dane_used, dane_matched;	/* for the attempt that answered */
	/* the connection of the current attempt */
	int fd, watch, timer;
	enum step step;
	uint64_t t_attempt, t_step;
	struct tls *tls;
	struct xmpp *x;
	struct buf out;
	size_t outoff;
	json_t *attempt, *attempts;
	json_t *tls_json, *cert_json, *features_json, *answered_by;
	int connected_any;
	int finished;
};

struct engine {
	const struct probe_opts *o;
	struct loop *loop;
	struct resolver *res;
	struct tls_config *tls;
	struct probe *p;
	size_t n, next, active;
	int starter;		/* timer that starts queued probes, or -1 */
	int deadline;		/* the run's time bound, or -1 */
};

static void next_candidate(struct probe *p);
static void next_address(struct probe *p);
static void start_next_cb(void *arg);

/* Findings of this domain. */
#define FINDING(p, sev, id, ...) \
	findings_add(&(p)->res->findings, sev, id, (p)->req->domain, \
	    __VA_ARGS__)

static const struct cand *
cur(const struct probe *p)
{
	return &p->cands[p->ci];
}

/* "target:port (address)" of the current attempt; newly allocated. */
static char *
where(const struct probe *p)
{
	const struct cand *c = cur(p);

	if (p->ai < p->naddrs && strcmp(c->host, p->addrs[p->ai]) != 0)
		return xasprintf("%s:%u (%s)", c->host, c->port,
		    p->addrs[p->ai]);
	return xasprintf("%s:%u", c->host, c->port);
}

/* Finishing. */

static void
close_conn(struct probe *p)
{
	struct loop *l = p->e->loop;

	if (p->timer != -1)
		loop_cancel(l, p->timer);
	if (p->watch != -1)
		loop_unwatch(l, p->watch);
	if (p->tls != NULL) {
		tls_close(p->tls);
		tls_free(p->tls);
	}
	if (p->fd != -1)
		close(p->fd);
	p->timer = p->watch = p->fd = -1;
	p->tls = NULL;
	p->step = ST_IDLE;
	buf_free(&p->out);
	p->outoff = 0;
}

static json_t *
srv_json(const struct dns_answer *a)
{
	if (a == NULL || a->status != DNS_OK || a->rrset == NULL)
		return json_null();
	return strings_json(a->rrset->rdata, a->rrset->n);
}

static void
finish(struct probe *p)
{
	struct engine *e = p->e;
	json_t *o;
	size_t i;

	if (p->finished)
		return;
	p->finished = 1;
	close_conn(p);
	if (!p->res->reachable && !p->connected_any && p->ncands > 0) {
		size_t tcp = 0;
		json_t *a;

		json_array_foreach(p->attempts, i, a)
			tcp += json_object_get(a, "address") != NULL;
		if (tcp > 0)
			FINDING(p, SEV_ERROR, F_CONNECT_FAILED, "no address of "
			    "any target accepted a TCP connection (%zu "
			    "attempts): partners cannot reach the gateway",
			    tcp);
		else
			FINDING(p, SEV_ERROR, F_CONNECT_FAILED, "no target has "
			    "an address (aliases are not followed: RFC 2782): "
			    "partners cannot reach the gateway");
	}
	o = json_pack("{s:s, s:b, s:{s:o, s:o, s:s}, s:b, s:o, s:o, s:o, "
	    "s:o, s:o, s:I}",
	    "domain", p->req->domain,
	    "reachable", p->res->reachable,
	    "srv", "xmpp-server", srv_json(p->srv[0]),
	    "xmpps-server", srv_json(p->srv[1]),
	    "dnssec", p->req->fixed ? "none" : p->srv[0] ?
	    dnssec_name(p->srv[0]->dnssec) : "insecure",
	    "fallback", p->fallback,
	    "attempts", p->attempts,
	    "answered_by", p->answered_by ? p->answered_by : json_null(),
	    "tls", p->tls_json ? p->tls_json : json_null(),
	    "certificate", p->cert_json ? p->cert_json : json_null(),
	    "features", p->features_json ? p->features_json : json_null(),
	    "ms", (json_int_t)(now_ms() - p->started));
	p->attempts = p->answered_by = p->tls_json = p->cert_json = NULL;
	p->features_json = NULL;
	json_object_set_new(o, "dane", json_pack("{s:b, s:b}", "used",
	    p->dane_used, "matched", p->dane_matched));
	p->res->json = o;
	e->active--;
	if (e->active == 0 && e->next >= e->n && e->deadline != -1) {
		loop_cancel(e->loop, e->deadline);	/* all done */
		e->deadline = -1;
	}
	/* from the loop, not from here: no recursion through many probes
	 * that fail at once */
	if (e->starter == -1)
		e->starter = loop_timer(e->loop, 0, start_next_cb, e);
}

/* The current attempt ends: outcome is "ok" or a finding id. */
static void
attempt_end(struct probe *p, const char *outcome, const char *error)
{
	if (p->attempt != NULL) {
		if (p->step != ST_IDLE)
			json_object_set_new(p->attempt, step_names[p->step],
			    json_integer((json_int_t)(now_ms() - p->t_step)));
		json_object_set_new(p->attempt, "outcome", json_string(outcome));
		json_object_set_new(p->attempt, "step",
		    json_string(step_names[p->step]));
		json_object_set_new(p->attempt, "ms",
		    json_integer((json_int_t)(now_ms() - p->t_attempt)));
		if (error != NULL)
			json_object_set_new(p->attempt, "error",
			    json_string(error));
		json_array_append_new(p->attempts, p->attempt);
		p->attempt = NULL;
	}
	close_conn(p);
}

/* A connected attempt failed: a finding, then the next address. */
static void fail(struct probe *, enum finding_id, const char *, ...)
    PRINTFLIKE(3, 4);

static void
fail(struct probe *p, enum finding_id id, const char *fmt, ...)
{
	va_list ap;
	char *msg, *w = where(p);

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	FINDING(p, SEV_ERROR, id, "%s: %s", w, msg);
	attempt_end(p, finding_name(id), msg);
	free(msg);
	free(w);
	next_address(p);
}

static void
step_to(struct probe *p, enum step s)
{
	uint64_t now = now_ms();

	if (p->attempt != NULL && p->step != ST_IDLE)
		json_object_set_new(p->attempt, step_names[p->step],
		    json_integer((json_int_t)(now - p->t_step)));
	p->step = s;
	p->t_step = now;
}

static void
on_timeout(void *arg)
{
	struct probe *p = arg;

	p->timer = -1;
	if (p->step == ST_CONNECT) {	/* did not accept TCP: not connected */
		char *msg = xasprintf("no TCP connection within %u s",
		    p->e->o->timeout_ms / 1000);

		attempt_end(p, "timeout", msg);
		free(msg);
		next_address(p);
		return;
	}
	fail(p, F_TIMEOUT, "no progress within %u s in step %s; the peer "
	    "never answered, or answered too slowly",
	    p->e->o->timeout_ms / 1000, step_names[p->step]);
}

static void
arm(struct probe *p)
{
	if (p->timer != -1)
		loop_cancel(p->e->loop, p->timer);
	p->timer = loop_timer(p->e->loop, p->e->o->timeout_ms, on_timeout, p);
}

/* Output: queued, written as the socket (or TLS) allows. */

static void
watch_for(struct probe *p, short events)
{
	loop_rewatch(p->e->loop, p->watch, events);
}

/* Write what is queued; -1 when the connection failed (handled). */
static int
flush(struct probe *p)
{
	while (p->outoff < p->out.len) {
		const char *s = p->out.s + p->outoff;
		size_t len = p->out.len - p->outoff, n = 0;
		ssize_t w;

		if (p->tls != NULL) {
			enum tls_io r = tls_write(p->tls, s, len, &n);

			if (r == TLS_WANT_WRITE || r == TLS_WANT_READ) {
				watch_for(p, r == TLS_WANT_WRITE ? POLLOUT :
				    POLLIN);
				return 0;
			}
			if (r != TLS_OK) {
				fail(p, F_STREAM_INVALID, "%s",
				    tls_error(p->tls));
				return -1;
			}
		} else {
			w = write(p->fd, s, len);
			if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
				watch_for(p, POLLIN | POLLOUT);
				return 0;
			}
			if (w <= 0) {
				fail(p, F_STREAM_INVALID, "writing: %s",
				    strerror(errno));
				return -1;
			}
			n = (size_t)w;
		}
		p->outoff += n;
	}
	buf_free(&p->out);
	p->outoff = 0;
	watch_for(p, POLLIN);
	return 0;
}

static int
send_str(struct probe *p, const char *s)
{
	buf_add(&p->out, s);
	return flush(p);
}

static int
send_stream_open(struct probe *p)
{
	/* never 'from' the domain probed: its server serves that domain */
	const char *from = p->req->from != NULL &&
	    strcmp(p->req->from, p->req->domain) != 0 ? p->req->from : NULL;
	char *h = xmpp_stream_open(p->req->domain, from);
	int r = send_str(p, h);

	free(h);
	return r;
}

/* TLS. */

static void
add_tlsa(struct probe *p)
{
	const struct rrset *s = p->tlsa ? p->tlsa->rrset : NULL;

	for (size_t i = 0; p->dane && s != NULL && i < s->n; i++) {
		unsigned char data[256];
		unsigned u, sel, m;
		long len = tlsa_parse(s->rdata[i], &u, &sel, &m, data,
		    sizeof data);

		if (len >= 0)
			tls_add_tlsa(p->tls, u, sel, m, data, (size_t)len);
	}
}

static void
start_tls(struct probe *p)
{
	p->tls = tls_new(p->e->tls, p->fd, p->req->domain,
	    cur(p)->direct ? "xmpp-server" : NULL);
	add_tlsa(p);
	step_to(p, ST_TLS);
	arm(p);
}

/* The handshake is done: judge the certificate, then the stream again. */
static void
tls_done(struct probe *p)
{
	struct cert_policy pol = { p->e->o->ca_file, p->e->o->now,
	    p->e->o->warn_days, 0, NULL };
	struct findings f = { 0 };
	struct cert *c = tls_peer(p->tls);
	char *domain = (char *)p->req->domain, *w = where(p);
	int dane = tls_dane(p->tls);
	const char *alpn = tls_alpn(p->tls);

	json_decref(p->tls_json);
	p->tls_json = json_pack("{s:s, s:s, s:o, s:s}", "version",
	    tls_version(p->tls), "cipher", tls_cipher(p->tls), "alpn",
	    alpn ? json_string(alpn) : json_null(), "mode", cur(p)->direct ?
	    "direct-tls" : "starttls");
	if (tls_version_old(p->tls))
		FINDING(p, SEV_WARNING, F_TLS_VERSION_OLD, "%s negotiated %s: "
		    "partners requiring TLS 1.2 or later refuse it", w,
		    tls_version(p->tls));
	pol.chain_verdict = tls_chain_verdict(p->tls, &pol.chain_error);
	if (c != NULL) {
		json_decref(p->cert_json);
		p->cert_json = cert_check(c, &domain, 1, &pol, p->req->domain,
		    &f);
		/* DANE authenticated it: PKIX trust is not what partners use */
		for (size_t i = 0; dane == 1 && i < f.n; i++)
			if (f.v[i].id == F_CERT_UNTRUSTED)
				f.v[i].severity = SEV_INFO;
		findings_move(&p->res->findings, &f);
		cert_free(c);
	}
	p->dane_used = dane != -1;
	p->dane_matched = dane == 1;
	if (dane == 0)
		FINDING(p, SEV_ERROR, F_DANE_MISMATCH, "%s: the certificate "
		    "matches none of the DNSSEC-secure TLSA records: DANE "
		    "partners refuse the connection", w);
	free(w);
	xmpp_restart(p->x);
	step_to(p, ST_FEATURES);
	arm(p);
	send_stream_open(p);
}

static void
do_handshake(struct probe *p)
{
	switch (tls_handshake(p->tls)) {
	case TLS_OK:
		tls_done(p);
		return;
	case TLS_WANT_READ:
		watch_for(p, POLLIN);
		return;
	case TLS_WANT_WRITE:
		watch_for(p, POLLOUT);
		return;
	default:
		fail(p, F_TLS_FAILED, "%s", tls_error(p->tls));
		return;
	}
}

/* The stream: what the parser reached decides the next step. */

/* Close the stream politely, without waiting: best effort. */
static void
goodbye(struct probe *p)
{
	static const char bye[] = "</stream:stream>";
	size_t n;

	if (p->tls != NULL)
		tls_write(p->tls, bye, sizeof bye - 1, &n);
	else if (write(p->fd, bye, sizeof bye - 1) < 0)
		return;
}

static void
features_done(struct probe *p)
{
	const struct xmpp_features *f = xmpp_features(p->x);
	json_t *mech = json_array();
	int external = 0;
	char *w;

	for (size_t i = 0; i < f->nmechanisms; i++) {
		json_array_append_new(mech, json_string(f->mechanisms[i]));
		if (strcmp(f->mechanisms[i], "EXTERNAL") == 0)
			external = 1;
	}
	json_decref(p->features_json);
	p->features_json = json_pack("{s:b, s:o}", "dialback", f->dialback,
	    "sasl", mech);
	if (!f->dialback && !external) {
		w = where(p);
		FINDING(p, SEV_WARNING, F_NO_AUTH_METHOD, "%s offers neither "
		    "dialback nor SASL EXTERNAL after TLS: partners cannot "
		    "authenticate the stream", w);
		free(w);
	}
	p->res->reachable = 1;
	p->answered_by = json_pack("{s:s, s:I, s:s}", "target", cur(p)->host,
	    "port", (json_int_t)cur(p)->port, "address", p->addrs[p->ai]);
	goodbye(p);
	attempt_end(p, "ok", NULL);
	finish(p);
}

static void
stream_state(struct probe *p)
{
	enum xmpp_state s = xmpp_state(p->x);

	switch (s) {
	case XMPP_INVALID:
		fail(p, F_STREAM_INVALID, "not an XMPP stream: %s",
		    xmpp_why(p->x));
		return;
	case XMPP_STREAM_ERROR:
		fail(p, F_STREAM_ERROR, "the peer sent the stream error "
		    "<%s/>%s%s%s", xmpp_why(p->x), xmpp_error_text(p->x) ?
		    " (\"" : "", xmpp_error_text(p->x) ?
		    xmpp_error_text(p->x) : "", xmpp_error_text(p->x) ?
		    "\")" : "");
		return;
	case XMPP_CLOSED:
		fail(p, F_STREAM_INVALID, "the peer closed the stream in step "
		    "%s", step_names[p->step]);
		return;
	default:
		break;
	}
	if (p->step == ST_STREAM && s == XMPP_FEATURES) {
		if (!xmpp_features(p->x)->starttls) {
			fail(p, F_STARTTLS_MISSING, "the stream offers no "
			    "STARTTLS: partners requiring encryption cannot "
			    "federate");
			return;
		}
		step_to(p, ST_STARTTLS);
		arm(p);
		send_str(p, "<starttls xmlns='urn:ietf:params:xml:ns:"
		    "xmpp-tls'/>");
	} else if (p->step == ST_STARTTLS && s == XMPP_PROCEED) {
		start_tls(p);
		do_handshake(p);
	} else if (p->step == ST_STARTTLS && s == XMPP_FAILURE) {
		fail(p, F_TLS_FAILED, "the peer answered STARTTLS with "
		    "<failure/>");
	} else if (p->step == ST_FEATURES && s == XMPP_FEATURES) {
		features_done(p);
	}
}

static void
on_readable(struct probe *p)
{
	char buf[READ_CHUNK];
	enum step at = p->step;

	for (;;) {
		size_t n = 0;

		if (p->tls != NULL) {
			enum tls_io r = tls_read(p->tls, buf, sizeof buf, &n);

			if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
				watch_for(p, r == TLS_WANT_READ ? POLLIN :
				    POLLOUT);
				return;
			}
			if (r != TLS_OK) {
				fail(p, F_STREAM_INVALID, "%s",
				    tls_error(p->tls));
				return;
			}
		} else {
			ssize_t r = read(p->fd, buf, sizeof buf);

			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (r <= 0) {
				fail(p, F_STREAM_INVALID, "the peer closed "
				    "the connection%s%s", r < 0 ? ": " : "",
				    r < 0 ? strerror(errno) : "");
				return;
			}
			n = (size_t)r;
		}
		xmpp_feed(p->x, buf, n);
		stream_state(p);
		/* a new step (TLS) or the end: stop reading here */
		if (p->step != at || p->fd == -1)
			return;
	}
}

static void
on_connected(struct probe *p)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		attempt_end(p, "connect-failed", strerror(err));
		next_address(p);
		return;
	}
	p->connected_any = 1;
	xmpp_restart(p->x);
	if (cur(p)->direct) {
		start_tls(p);
		do_handshake(p);
		return;
	}
	step_to(p, ST_STREAM);
	arm(p);
	send_stream_open(p);
}

static void
on_io(void *arg, int revents)
{
	struct probe *p = arg;

	if (p->fd == -1)
		return;
	switch (p->step) {
	case ST_CONNECT:
		on_connected(p);
		return;
	case ST_TLS:
		do_handshake(p);
		return;
	default:
		break;
	}
	if ((revents & POLLOUT) && p->outoff < p->out.len && flush(p) == -1)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		on_readable(p);
	else if (p->tls != NULL && p->out.len == 0)
		on_readable(p);	/* TLS wanted to write to read */
}

/* Attempts. */

static void
connect_to(struct probe *p)
{
	const char *a = p->addrs[p->ai];
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET6, a, &((struct sockaddr_in6 *)&ss)->sin6_addr)
	    == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(
		    (uint16_t)cur(p)->port);
		sl = sizeof(struct sockaddr_in6);
	} else if (inet_pton(AF_INET, a,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(
		    (uint16_t)cur(p)->port);
		sl = sizeof(struct sockaddr_in);
	} else {
		next_address(p);
		return;
	}
	p->attempt = json_pack("{s:s, s:I, s:s, s:s}", "target", cur(p)->host,
	    "port", (json_int_t)cur(p)->port, "mode", cur(p)->direct ?
	    "direct-tls" : "starttls", "address", a);
	p->t_attempt = now_ms();
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (p->fd == -1) {
		attempt_end(p, "connect-failed", strerror(errno));
		next_address(p);
		return;
	}
	step_to(p, ST_CONNECT);
	if (connect(p->fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		attempt_end(p, "connect-failed", strerror(errno));
		next_address(p);
		return;
	}
	p->watch = loop_watch(p->e->loop, p->fd, POLLOUT, on_io, p);
	arm(p);
}

static void
next_address(struct probe *p)
{
	if (p->finished)
		return;
	if (p->fd != -1)
		close_conn(p);
	if (++p->ai < p->naddrs) {
		connect_to(p);
		return;
	}
	next_candidate(p);
}

static void
push_addrs(struct probe *p, const struct dns_answer *a)
{
	for (size_t i = 0; a != NULL && a->status == DNS_OK && a->rrset &&
	    a->canonname == NULL && i < a->rrset->n; i++) {
		p->addrs = xreallocarray(p->addrs, p->naddrs + 1,
		    sizeof *p->addrs);
		p->addrs[p->naddrs++] = xstrdup(a->rrset->rdata[i]);
	}
}

static void
addresses_known(struct probe *p)
{
	const struct dns_answer *t = p->tlsa;
	int secure = p->srv_secure;

	/* IPv6 first, then IPv4: every address of a target before the next */
	push_addrs(p, p->addr[0]);
	push_addrs(p, p->addr[1]);
	for (int i = 0; i < 2; i++) {
		const struct dns_answer *a = p->addr[i];

		if (a != NULL && a->status == DNS_OK && a->rrset != NULL &&
		    a->dnssec != DNSSEC_SECURE)
			secure = 0;
		if (a != NULL && a->dnssec == DNSSEC_BOGUS)
			FINDING(p, SEV_ERROR, F_DNSSEC_BOGUS, "the %s records "
			    "of %s fail DNSSEC validation (%s)",
			    rrtype_name(a->type), a->name, a->why_bogus ?
			    a->why_bogus : "no reason given");
	}
	if (t != NULL && t->dnssec == DNSSEC_BOGUS)
		FINDING(p, SEV_ERROR, F_DNSSEC_BOGUS, "the TLSA records of %s "
		    "fail DNSSEC validation (%s)", t->name, t->why_bogus ?
		    t->why_bogus : "no reason given");
	/* DANE (RFC 7673): SRV, addresses and TLSA all secure */
	p->dane = secure && t != NULL && t->status == DNS_OK &&
	    t->dnssec == DNSSEC_SECURE && t->rrset != NULL;
	if (p->naddrs == 0) {
		json_array_append_new(p->attempts, json_pack("{s:s, s:I, s:s, "
		    "s:s}", "target", cur(p)->host, "port",
		    (json_int_t)cur(p)->port, "outcome", "no-address",
		    "error", "the target has no A or AAAA record"));
		next_candidate(p);
		return;
	}
	p->ai = 0;
	connect_to(p);
}

static void
on_addr(void *arg, struct dns_answer *a)
{
	struct probe *p = arg;

	if (p->finished) {	/* ended by the run's time bound */
		dns_answer_free(a);
		return;
	}
	if (a->type == RR_TLSA)
		p->tlsa = a;
	else
		p->addr[a->type == RR_AAAA ? 0 : 1] = a;
	if (--p->pending == 0)
		addresses_known(p);
}

static void
clear_target(struct probe *p)
{
	for (size_t i = 0; i < p->naddrs; i++)
		free(p->addrs[i]);
	free(p->addrs);
	p->addrs = NULL;
	p->naddrs = p->ai = 0;
	dns_answer_free(p->addr[0]);
	dns_answer_free(p->addr[1]);
	dns_answer_free(p->tlsa);
	p->addr[0] = p->addr[1] = p->tlsa = NULL;
	p->dane = 0;
}

static void
next_candidate(struct probe *p)
{
	const struct cand *c;

	if (p->finished)
		return;
	clear_target(p);
	p->ci++;	/* from (size_t)-1, "before the first", to 0 */
	if (p->ci >= p->ncands) {
		finish(p);
		return;
	}
	c = cur(p);
	if (c->addr != NULL) {
		p->addrs = xcalloc(1, sizeof *p->addrs);
		p->addrs[0] = xstrdup(c->addr);
		p->naddrs = 1;
		p->ai = 0;
		connect_to(p);
		return;
	}
	p->pending = 2;
	resolver_query(p->e->res, c->host, RR_AAAA, on_addr, p);
	resolver_query(p->e->res, c->host, RR_A, on_addr, p);
	if (p->srv_secure) {
		char *owner = xasprintf("_%u._tcp.%s", c->port, c->host);

		p->pending++;
		resolver_query(p->e->res, owner, RR_TLSA, on_addr, p);
		free(owner);
	}
}

/* Candidates from SRV: RFC 2782 order (priority, then weighted random,
 * zero weights first), XEP-0368 mixing the two services. */

static void
add_cand(struct probe *p, const char *host, unsigned port, unsigned prio,
    unsigned weight, int direct)
{
	struct cand *c;

	p->cands = xreallocarray(p->cands, p->ncands + 1, sizeof *p->cands);
	c = &p->cands[p->ncands++];
	memset(c, 0, sizeof *c);
	c->host = xstrdup(host);
	c->port = port;
	c->priority = prio;
	c->weight = weight;
	c->direct = direct;
}

static int
cand_prio_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return (x->weight != 0) - (y->weight != 0);	/* zeros first */
}

static void
order_cands(struct probe *p)
{
	size_t i = 0;

	if (p->ncands > 1)
		qsort(p->cands, p->ncands, sizeof *p->cands, cand_prio_cmp);
	while (i < p->ncands) {
		size_t end = i;

		while (end < p->ncands &&
		    p->cands[end].priority == p->cands[i].priority)
			end++;
		/* weighted selection within [i, end) */
		for (size_t k = i; k + 1 < end; k++) {
			unsigned long sum = 0, r, run = 0;
			size_t pick = k;

			for (size_t j = k; j < end; j++)
				sum += p->cands[j].weight;
			r = sum ? (unsigned long)random() % (sum + 1) : 0;
			for (size_t j = k; j < end; j++) {
				run += p->cands[j].weight;
				if (run >= r) {
					pick = j;
					break;
				}
			}
			if (pick != k) {
				struct cand t = p->cands[k];

				p->cands[k] = p->cands[pick];
				p->cands[pick] = t;
			}
		}
		i = end;
	}
}

static void
plan_candidates(struct probe *p)
{
	struct dns_answer *s1 = p->srv[0], *s2 = p->srv[1];
	int any = 0, dot = 0;

	for (int i = 0; i < 2; i++) {
		struct dns_answer *a = p->srv[i];

		if (a->status != DNS_OK) {
			FINDING(p, SEV_ERROR, F_DNS_FAILURE, "no %s SRV "
			    "answer: %s", i ? "_xmpps-server" : "_xmpp-server",
			    a->error);
		} else if (a->dnssec == DNSSEC_BOGUS) {
			FINDING(p, SEV_ERROR, F_DNSSEC_BOGUS, "the %s SRV "
			    "answer fails DNSSEC validation (%s): validating "
			    "partners cannot find the gateway", i ?
			    "_xmpps-server" : "_xmpp-server", a->why_bogus ?
			    a->why_bogus : "no reason given");
			finish(p);
			return;
		}
	}
	if (s1->status != DNS_OK && s2->status != DNS_OK) {
		finish(p);
		return;
	}
	p->srv_secure = s1->status == DNS_OK && s1->dnssec == DNSSEC_SECURE &&
	    (s2->status != DNS_OK || s2->rrset == NULL ||
	    s2->dnssec == DNSSEC_SECURE);
	for (int i = 0; i < 2; i++) {
		const struct rrset *s = p->srv[i]->status == DNS_OK ?
		    p->srv[i]->rrset : NULL;

		for (size_t k = 0; s != NULL && k < s->n; k++) {
			any = 1;
			if (s->srv[k].target[0] == '\0') {
				dot |= i == 0 && s->n == 1;
				continue;
			}
			add_cand(p, s->srv[k].target, s->srv[k].port,
			    s->srv[k].priority, s->srv[k].weight, i);
		}
	}
	if (dot) {
		FINDING(p, SEV_WARNING, F_SRV_TARGET_DOT, "the SRV target is "
		    "\".\": the domain says it offers no federation");
		finish(p);
		return;
	}
	if (!any && s1->status == DNS_OK) {
		/* no SRV answer at all: the domain itself, on 5269 */
		p->fallback = 1;
		add_cand(p, p->req->domain, DEFAULT_PORT, 0, 0, 0);
	}
	order_cands(p);
	p->ci = (size_t)-1;
	next_candidate(p);
}

static void
on_srv(void *arg, struct dns_answer *a)
{
	struct probe *p = arg;

	if (p->finished) {	/* ended by the run's time bound */
		dns_answer_free(a);
		return;
	}
	p->srv[strncmp(a->name, "_xmpps-", 7) == 0] = a;
	if (--p->pending == 0)
		plan_candidates(p);
}

static void
start_probe(struct probe *p)
{
	char *o;

	p->started = now_ms();
	p->attempts = json_array();
	p->fd = p->watch = p->timer = -1;
	p->x = xmpp_new();
	if (p->req->fixed != NULL) {
		for (size_t i = 0; i < p->req->nfixed; i++) {
			const struct probe_fixed *f = &p->req->fixed[i];

			add_cand(p, f->addr, f->port, 0, 0, f->direct_tls);
			p->cands[p->ncands - 1].addr = xstrdup(f->addr);
		}
		p->ci = (size_t)-1;
		next_candidate(p);
		return;
	}
	p->pending = 2;
	o = xasprintf("_xmpp-server._tcp.%s", p->req->domain);
	resolver_query(p->e->res, o, RR_SRV, on_srv, p);
	free(o);
	o = xasprintf("_xmpps-server._tcp.%s", p->req->domain);
	resolver_query(p->e->res, o, RR_SRV, on_srv, p);
	free(o);
}

/* The run's time bound: whatever has not finished ends now. */
static void
on_run_deadline(void *arg)
{
	struct engine *e = arg;

	e->deadline = -1;
	e->next = e->n;		/* start nothing more */
	for (size_t i = 0; i < e->n; i++) {
		struct probe *p = &e->p[i];

		if (p->finished)
			continue;
		FINDING(p, SEV_ERROR, F_TIMEOUT, "not finished when the run's "
		    "time bound was reached%s", p->attempts ? "" :
		    " (not started)");
		if (p->attempts == NULL) {	/* never started */
			p->attempts = json_array();
			p->fd = p->watch = p->timer = -1;
			p->x = xmpp_new();
			e->active++;
		}
		attempt_end(p, "timeout", "the run's time bound");
		finish(p);
	}
}

static void
start_next_cb(void *arg)
{
	struct engine *e = arg;

	e->starter = -1;
	while (e->active < e->o->jobs && e->next < e->n) {
		e->active++;
		start_probe(&e->p[e->next++]);
	}
}

static void
probe_clear(struct probe *p)
{
	clear_target(p);
	for (size_t i = 0; i < p->ncands; i++) {
		free(p->cands[i].host);
		free(p->cands[i].addr);
	}
	free(p->cands);
	dns_answer_free(p->srv[0]);
	dns_answer_free(p->srv[1]);
	xmpp_free(p->x);
	json_decref(p->attempt);
	json_decref(p->attempts);
	json_decref(p->answered_by);
	json_decref(p->tls_json);
	json_decref(p->cert_json);
	json_decref(p->features_json);
	buf_free(&p->out);
}

int
probe_run(const struct probe_opts *o, const struct probe_request *reqs,
    size_t n, struct probe_result *results, char **cause)
{
	struct engine e;

	memset(&e, 0, sizeof e);
	e.o = o;
	e.loop = loop_new();
	srandom((unsigned)(now_ms() ^ (uint64_t)getpid()));
	if ((e.tls = tls_config_new(o->ca_file, cause)) == NULL)
		goto fail;
	if (o->ro != NULL && (e.res = resolver_new(e.loop, o->ro, cause)) ==
	    NULL)
		goto fail;
	if (e.res != NULL && o->deadline_ms != 0)
		resolver_set_deadline(e.res, o->deadline_ms);
	e.p = xcalloc(n, sizeof *e.p);
	e.n = n;
	for (size_t i = 0; i < n; i++) {
		memset(&results[i], 0, sizeof results[i]);
		e.p[i].e = &e;
		e.p[i].req = &reqs[i];
		e.p[i].res = &results[i];
	}
	e.starter = e.deadline = -1;
	if (o->deadline_ms != 0 && n > 0)
		e.deadline = loop_timer(e.loop, o->deadline_ms > now_ms() ?
		    o->deadline_ms - now_ms() : 0, on_run_deadline, &e);
	start_next_cb(&e);
	loop_run(e.loop);
	for (size_t i = 0; i < n; i++)
		probe_clear(&e.p[i]);
	free(e.p);
	resolver_free(e.res);
	tls_config_free(e.tls);
	loop_free(e.loop);
	return 0;
fail:
	tls_config_free(e.tls);
	loop_free(e.loop);
	return -1;
}
