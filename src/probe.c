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
#include "log.h"
#include "loop.h"
#include "srv.h"
#include "tls.h"
#include "util.h"
#include "xmpp.h"

#define DEFAULT_PORT 5269
#define READ_CHUNK 4096
/* What one domain may cost: targets tried (after the SRV order) and
 * addresses per target; --max-time bounds the run besides. */
#define MAX_TARGETS 16
#define MAX_ADDRESSES 8

/* A place to try: an SRV record, the fallback, or a --connect address. */
struct cand {
	char *host;
	unsigned port, priority, weight;
	int direct;
	char *addr;		/* fixed address, or NULL to resolve host */
	const struct probe_fixed *fixed;	/* what --connect gave */
};

static const char *const step_names[STEP_COUNT] = { "idle", "connect",
	"stream", "starttls", "tls", "features" };

const char *
probe_step_name(enum probe_step s)
{
	return (unsigned)s < STEP_COUNT ? step_names[s] : "unknown";
}

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
	/* the connection of the current attempt */
	int fd, watch, timer;
	enum probe_step step;
	uint64_t t_attempt, t_step;
	struct tls *tls;
	struct xmpp *x;
	struct buf out;
	size_t outoff;
	long att;			/* the current attempt in res, or -1 */
	/* what failed at one endpoint: warnings once another answers,
	 * errors when none does (the TCP ones then say it together) */
	struct findings failed_stream, failed_tcp;
	int started_any;
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
static void attempt_end(struct probe *, enum probe_outcome, enum finding_id,
    const char *);
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
	return hostport(c->host, c->port);	/* an address: [::1]:5269 */
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
	p->step = STEP_IDLE;
	buf_free(&p->out);
	p->outoff = 0;
}

/* The failures of single endpoints: while another endpoint answers,
 * partners get through (after this one fails): warnings. When none does,
 * what went wrong in the stream is an error each, and the TCP failures
 * are said together (connect-failed, below). */
static void
settle(struct probe *p)
{
	struct probe_result *r = p->res;
	int starttls_ok = 0;

	/* only direct TLS endpoints answering: partners without XEP-0368
	 * (most) do not get through */
	for (size_t i = 0; i < r->nattempts; i++)
		starttls_ok |= r->attempts[i].outcome == OUTCOME_OK &&
		    !r->attempts[i].direct;
	for (int k = 0; k < 2; k++) {
		struct findings *f = k ? &p->failed_tcp : &p->failed_stream;

		for (size_t i = 0; r->reachable && i < f->n; i++) {
			char *m = xasprintf("%s; %s", f->v[i].message,
			    starttls_ok ? "another endpoint answers, so "
			    "partners get through after this one fails" :
			    p->req->every ? "only direct TLS endpoints "
			    "(XEP-0368) answer: partners that do not use them "
			    "do not get through" : "the endpoint that answered "
			    "is direct TLS (XEP-0368): partners that do not "
			    "use it may not get through");

			free(f->v[i].message);
			f->v[i].message = m;
			f->v[i].severity = SEV_WARNING;
		}
		/* TCP failures of an unreachable domain: said together by
		 * connect-failed below, unless another place connected or
		 * the place is one --connect named (said as it is) */
		if (r->reachable || k == 0 || p->connected_any ||
		    p->req->fixed != NULL)
			findings_move(&r->findings, f);
		else
			findings_free(f);
	}
}

static void
finish(struct probe *p)
{
	struct engine *e = p->e;
	struct probe_result *r = p->res;

	if (p->finished)
		return;
	p->finished = 1;
	close_conn(p);
	settle(p);
	if (!r->reachable && !p->connected_any && p->ncands > 0 &&
	    p->req->fixed == NULL) {
		size_t tcp = 0, none = 0;

		for (size_t i = 0; i < r->nattempts; i++) {
			tcp += r->attempts[i].address != NULL;
			none += r->attempts[i].outcome == OUTCOME_NO_ADDRESS;
		}
		/* targets refused for their DNS answers have said so */
		if (tcp > 0)
			FINDING(p, SEV_ERROR, F_CONNECT_FAILED, "no address "
			    "of any target accepted a TCP connection (%zu "
			    "attempts): partners cannot reach the gateway",
			    tcp);
		else if (none > 0 && findings_find(&r->findings,
		    F_SRV_TARGET_CNAME) < 0)
			FINDING(p, SEV_ERROR, F_CONNECT_FAILED, "no target has "
			    "an address: partners cannot reach the gateway");
	}
	/* an unreachable domain always says why: never a silent OK */
	if (!r->reachable && findings_count(&r->findings, SEV_ERROR) == 0 &&
	    findings_find(&r->findings, F_SRV_TARGET_DOT) < 0)
		FINDING(p, SEV_ERROR, F_CONNECT_FAILED, "no endpoint to try "
		    "(%zu attempts): partners cannot reach the domain",
		    r->nattempts);
	for (int i = 0; i < 2; i++) {
		const struct dns_answer *a = p->srv[i];

		r->srv_answered[i] = a != NULL && a->status == DNS_OK;
		for (size_t k = 0; r->srv_answered[i] && a->rrset != NULL &&
		    k < a->rrset->n; k++)
			strlist_add(&r->srv[i], a->rrset->rdata[k]);
	}
	r->dnssec = p->srv[0] ? p->srv[0]->dnssec : DNSSEC_INSECURE;
	r->fallback = p->fallback;
	r->ms = now_ms() - p->started;
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

/* The current attempt, or NULL. */
static struct probe_attempt *
attempt(const struct probe *p)
{
	return p->att >= 0 ? &p->res->attempts[p->att] : NULL;
}

/* A new attempt at the current candidate (address NULL: it has none). */
static struct probe_attempt *
attempt_new(struct probe *p, const char *address)
{
	struct probe_result *r = p->res;
	struct probe_attempt *a;

	r->attempts = xreallocarray(r->attempts, r->nattempts + 1,
	    sizeof *r->attempts);
	a = &r->attempts[r->nattempts];
	memset(a, 0, sizeof *a);
	a->target = xstrdup(cur(p)->host);
	a->port = cur(p)->port;
	a->direct = cur(p)->direct;
	a->address = address ? xstrdup(address) : NULL;
	for (int i = 0; i < STEP_COUNT; i++)
		a->step_ms[i] = -1;
	p->att = (long)r->nattempts++;
	p->t_attempt = now_ms();
	log_info("%s: trying %s:%u%s%s (%s)", p->req->domain, a->target,
	    a->port, address ? " at " : "", address ? address : "",
	    a->direct ? "direct TLS" : "STARTTLS");
	return a;
}

/* The current attempt ends. */
static void
attempt_end(struct probe *p, enum probe_outcome outcome,
    enum finding_id failure, const char *error)
{
	struct probe_attempt *a = attempt(p);

	if (a != NULL) {
		if (p->step != STEP_IDLE)
			a->step_ms[p->step] = (long)(now_ms() - p->t_step);
		a->outcome = outcome;
		a->failure = failure;
		a->step = p->step;
		a->ms = now_ms() - p->t_attempt;
		a->error = error ? xstrdup(error) : NULL;
		p->att = -1;
		log_info("%s: %s:%u: %s after %llu ms%s%s", p->req->domain,
		    a->target, a->port, outcome == OUTCOME_OK ? "ok" :
		    outcome == OUTCOME_NO_ADDRESS ? "no address" :
		    finding_name(failure), (unsigned long long)a->ms,
		    error ? ": " : "", error ? error : "");
	}
	close_conn(p);
}

/* The current attempt did not get a TCP connection: a finding kept
 * aside, then the next address. */
static void
tcp_failed(struct probe *p, enum finding_id id, const char *why)
{
	char *w = where(p);

	findings_add(&p->failed_tcp, SEV_ERROR, id, p->req->domain,
	    "%s: %s", w, why);
	free(w);
	attempt_end(p, OUTCOME_FAILED, id, why);
	next_address(p);
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
	findings_add(&p->failed_stream, SEV_ERROR, id, p->req->domain,
	    "%s: %s", w, msg);
	attempt_end(p, OUTCOME_FAILED, id, msg);
	free(msg);
	free(w);
	next_address(p);
}

static void
step_to(struct probe *p, enum probe_step s)
{
	uint64_t now = now_ms();

	if (attempt(p) != NULL && p->step != STEP_IDLE)
		attempt(p)->step_ms[p->step] = (long)(now - p->t_step);
	p->step = s;
	p->t_step = now;
}

static void
on_timeout(void *arg)
{
	struct probe *p = arg;

	p->timer = -1;
	if (p->step == STEP_CONNECT) {	/* did not accept TCP: not connected */
		char *msg = xasprintf("no TCP connection within %u s",
		    p->e->o->timeout_ms / 1000);

		tcp_failed(p, F_CONNECT_FAILED, msg);
		free(msg);
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
		/* a full certificate or SPKI (matching type 0) can be
		 * large: room for all the value's hex digits */
		size_t cap = strlen(s->rdata[i]) / 2 + 1;
		unsigned char *data = xmalloc(cap);
		unsigned u, sel, m;
		long len = tlsa_parse(s->rdata[i], &u, &sel, &m, data, cap);

		if (len >= 0)
			tls_add_tlsa(p->tls, u, sel, m, data, (size_t)len);
		free(data);
	}
}

/* Out of a local resource: not the peer's fault; this probe ends and
 * the run is UNKNOWN. */
static void
local_failure(struct probe *p, const char *what)
{
	FINDING(p, SEV_ERROR, F_TOOL_FAILED, "cannot %s (out of memory): "
	    "reachability not judged", what);
	attempt_end(p, OUTCOME_FAILED, F_TOOL_FAILED, what);
	finish(p);
}

/* 0, or -1 when the probe ended. */
static int
start_tls(struct probe *p)
{
	p->tls = tls_new(p->e->tls, p->fd, p->req->domain,
	    cur(p)->direct ? "xmpp-server" : NULL);
	if (p->tls == NULL) {
		local_failure(p, "set up TLS");
		return -1;
	}
	add_tlsa(p);
	step_to(p, STEP_TLS);
	arm(p);
	return 0;
}

/* A new stream: 0, or -1 when the probe ended. */
static int
restart_stream(struct probe *p)
{
	if (p->x != NULL && xmpp_restart(p->x) == 0)
		return 0;
	local_failure(p, "set up the XML parser");
	return -1;
}

/* A gateway tested before DNS points at it must serve the key of the
 * plan's cert: that is what the TLSA records about to be published say. */
static void
key_as_planned(struct probe *p, const struct probe_attempt *a)
{
	const struct probe_fixed *f = cur(p)->fixed;
	char *w;

	if (f == NULL || f->spki == NULL || a->cert == NULL ||
	    strcmp(a->cert->spki_sha256, f->spki) == 0)
		return;
	w = where(p);
	FINDING(p, SEV_ERROR, F_CERT_KEY_MISMATCH, "%s serves the key %s, "
	    "the plan's cert (%s) has %s: the TLSA 3 1 1 records generated "
	    "from the plan would not match it, and DANE partners would "
	    "refuse the gateway; install the plan's certificate there, or "
	    "point cert at the one it serves", w, a->cert->spki_sha256,
	    f->spki_from ? f->spki_from : "?", f->spki);
	free(w);
}

/* The handshake is done: judge the certificate, then the stream again. */
static void
tls_done(struct probe *p)
{
	struct cert_policy pol = { p->e->o->ca_file, p->e->o->now,
	    p->e->o->warn_days, 0, NULL, NULL, CERT_DANE_NONE };
	struct findings f = { 0 };
	struct cert *c = tls_peer(p->tls);
	char *domain = (char *)p->req->domain, *w = where(p);
	int dane = tls_dane(p->tls);
	const char *alpn = tls_alpn(p->tls);
	struct probe_attempt *a = attempt(p);

	a->tls = xcalloc(1, sizeof *a->tls);
	a->tls->version = xstrdup(tls_version(p->tls));
	a->tls->cipher = xstrdup(tls_cipher(p->tls));
	a->tls->alpn = alpn ? xstrdup(alpn) : NULL;
	if (tls_version_old(p->tls))
		FINDING(p, SEV_WARNING, F_TLS_VERSION_OLD, "%s negotiated %s: "
		    "partners requiring TLS 1.2 or later refuse it", w,
		    tls_version(p->tls));
	pol.chain_verdict = tls_chain_verdict(p->tls, &pol.chain_error);
	if (dane == 1)
		pol.dane = tls_dane_usage(p->tls) == 3 ? CERT_DANE_EE :
		    tls_dane_usage(p->tls) == 2 ? CERT_DANE_TA : CERT_DANE_NONE;
	if (c != NULL) {
		struct cert *verified = tls_verified(p->tls);

		pol.verified = verified;
		pol.direct = a->direct;
		a->cert = cert_check(c, &domain, 1, &pol, p->req->domain, &f);
		/* which endpoint served it: one domain has several */
		findings_prefix(&f, w);
		findings_move(&p->res->findings, &f);
		cert_free(verified);
		cert_free(c);
	}
	/* -2: the chain failed PKIX first; cert-untrusted says why, and a
	 * TLSA record is not blamed for it */
	a->dane_used = dane >= 0;
	a->dane_matched = dane == 1;
	key_as_planned(p, a);
	if (dane == 0)
		FINDING(p, SEV_ERROR, F_DANE_MISMATCH, "%s: the certificate "
		    "matches none of the DNSSEC-secure TLSA records: DANE "
		    "partners refuse the connection", w);
	free(w);
	if (restart_stream(p) == -1)
		return;
	step_to(p, STEP_FEATURES);
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
	struct probe_attempt *a = attempt(p);
	int external = 0;
	char *w;

	a->has_features = 1;
	a->dialback = f->dialback;
	for (size_t i = 0; i < f->nmechanisms; i++) {
		strlist_add(&a->sasl, f->mechanisms[i]);
		if (strcmp(f->mechanisms[i], "EXTERNAL") == 0)
			external = 1;
	}
	if (!f->dialback && !external) {
		w = where(p);
		FINDING(p, SEV_WARNING, F_NO_AUTH_METHOD, "%s offers neither "
		    "dialback nor SASL EXTERNAL after TLS: partners cannot "
		    "authenticate the stream", w);
		free(w);
	}
	p->res->reachable = 1;
	if (p->res->answered < 0)
		p->res->answered = p->att;
	goodbye(p);
	attempt_end(p, OUTCOME_OK, F_COUNT, NULL);
	if (p->req->every)
		next_address(p);	/* and on, to every endpoint */
	else
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
	if (p->step == STEP_STREAM && s == XMPP_FEATURES) {
		if (!xmpp_features(p->x)->starttls) {
			fail(p, F_STARTTLS_MISSING, "the stream offers no "
			    "STARTTLS: partners requiring encryption cannot "
			    "federate");
			return;
		}
		step_to(p, STEP_STARTTLS);
		arm(p);
		send_str(p, "<starttls xmlns='urn:ietf:params:xml:ns:"
		    "xmpp-tls'/>");
	} else if (p->step == STEP_STARTTLS && s == XMPP_PROCEED) {
		if (start_tls(p) == 0)
			do_handshake(p);
	} else if (p->step == STEP_STARTTLS && s == XMPP_FAILURE) {
		fail(p, F_TLS_FAILED, "the peer answered STARTTLS with "
		    "<failure/>");
	} else if (p->step == STEP_FEATURES && s == XMPP_FEATURES) {
		features_done(p);
	}
}

static void
on_readable(struct probe *p)
{
	char buf[READ_CHUNK];
	enum probe_step at = p->step;

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
		tcp_failed(p, F_CONNECT_FAILED, strerror(err));
		return;
	}
	p->connected_any = 1;
	if (restart_stream(p) == -1)
		return;
	if (cur(p)->direct) {
		if (start_tls(p) == 0)
			do_handshake(p);
		return;
	}
	step_to(p, STEP_STREAM);
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
	case STEP_CONNECT:
		on_connected(p);
		return;
	case STEP_TLS:
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

	if (sockaddr_from(a, cur(p)->port, &ss, &sl) == -1) {
		next_address(p);
		return;
	}
	attempt_new(p, a);
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (p->fd == -1) {
		tcp_failed(p, F_CONNECT_FAILED, strerror(errno));
		return;
	}
	step_to(p, STEP_CONNECT);
	if (connect(p->fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		tcp_failed(p, F_CONNECT_FAILED, strerror(errno));
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

/* The addresses of an answer to connect to: none from a bogus answer
 * (DNSSEC fails closed), none through an alias unless this is the A/AAAA
 * fallback, which may follow a CNAME at the domain (RFC 6120 §3.2.2; SRV
 * targets may not, RFC 2782: srv-target-cname says so). */
static void
push_addrs(struct probe *p, const struct dns_answer *a)
{
	if (a == NULL || a->status != DNS_OK || a->rrset == NULL ||
	    a->dnssec == DNSSEC_BOGUS || (a->canonname != NULL &&
	    !p->fallback))
		return;
	if ((p->e->o->family == 4 && a->type == RR_AAAA) ||
	    (p->e->o->family == 6 && a->type == RR_A))
		return;		/* -4, -6 */
	for (size_t i = 0; i < a->rrset->n; i++) {
		if (p->naddrs >= MAX_ADDRESSES) {
			log_info("%s: %s: only the first %d addresses are "
			    "tried", p->req->domain, a->name, MAX_ADDRESSES);
			break;
		}
		p->addrs = xreallocarray(p->addrs, p->naddrs + 1,
		    sizeof *p->addrs);
		p->addrs[p->naddrs++] = xstrdup(a->rrset->rdata[i]);
	}
}

/* The current target cannot be tried: an attempt without an address
 * says why, then the next target. */
static void
skip_target(struct probe *p, enum probe_outcome outcome,
    enum finding_id failure, const char *why)
{
	attempt_new(p, NULL);
	attempt_end(p, outcome, failure, why);
	next_candidate(p);
}

static void
addresses_known(struct probe *p)
{
	const struct dns_answer *t = p->tlsa;
	int secure = p->srv_secure, bogus = 0;

	/* IPv6 first, then IPv4: every address of a target before the next */
	push_addrs(p, p->addr[0]);
	push_addrs(p, p->addr[1]);
	for (int i = 0; !p->fallback && !p->req->records_judged && i < 2;
	    i++) {
		const struct dns_answer *a = p->addr[i];

		if (a != NULL && a->status == DNS_OK && a->canonname != NULL) {
			FINDING(p, SEV_ERROR, F_SRV_TARGET_CNAME, "SRV target "
			    "%s is an alias of %s: RFC 2782 forbids it, and "
			    "it is not followed here; some servers (Prosody) "
			    "follow it and get through, strict ones do not; "
			    "make the SRV name %s", a->name, a->canonname,
			    a->canonname);
			break;
		}
	}
	for (int i = 0; i < 2; i++) {
		const struct dns_answer *a = p->addr[i];

		if (a != NULL && a->status == DNS_OK && a->rrset != NULL &&
		    a->dnssec != DNSSEC_SECURE)
			secure = 0;
		if (a != NULL && a->dnssec == DNSSEC_BOGUS) {
			bogus = 1;
			FINDING(p, SEV_ERROR, F_DNSSEC_BOGUS, "the %s records "
			    "of %s fail DNSSEC validation (%s): validating "
			    "partners do not connect to them", rrtype_name(
			    a->type), a->name, a->why_bogus ? a->why_bogus :
			    "no reason given");
		}
	}
	/* DANE (RFC 7673) applies when the SRV and the addresses are
	 * secure; then a TLSA answer that failed or is bogus leaves no safe
	 * way in, and a DANE partner does not connect (fail closed). */
	if (secure && t != NULL && (t->status != DNS_OK ||
	    t->dnssec == DNSSEC_BOGUS)) {
		if (t->status != DNS_OK)
			FINDING(p, SEV_ERROR, F_DNS_FAILURE, "the TLSA lookup "
			    "of %s failed (%s) under a DNSSEC-secure SRV: a "
			    "DANE partner does not connect to %s (RFC 7673)",
			    t->name, t->error ? t->error : "no answer",
			    cur(p)->host);
		else
			FINDING(p, SEV_ERROR, F_DNSSEC_BOGUS, "the TLSA records "
			    "of %s fail DNSSEC validation (%s): a DANE partner "
			    "does not connect to %s", t->name, t->why_bogus ?
			    t->why_bogus : "no reason given", cur(p)->host);
		skip_target(p, OUTCOME_FAILED, t->status != DNS_OK ?
		    F_DNS_FAILURE : F_DNSSEC_BOGUS, "no usable TLSA answer "
		    "under a DNSSEC-secure SRV");
		return;
	}
	p->dane = secure && t != NULL && t->status == DNS_OK &&
	    t->dnssec == DNSSEC_SECURE && t->rrset != NULL;
	if (p->naddrs == 0) {
		if (bogus)
			skip_target(p, OUTCOME_FAILED, F_DNSSEC_BOGUS, "the "
			    "addresses fail DNSSEC validation");
		else
			skip_target(p, OUTCOME_NO_ADDRESS, F_COUNT, "the "
			    "target has no A or AAAA record");
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

static unsigned long
random_upto(void *arg, unsigned long bound)
{
	(void)arg;
	return (unsigned long)random() % (bound + 1);
}

/* A weighted choice that is the same every run for one domain: a small
 * generator (xorshift64) seeded by the domain's name. */
static unsigned long
stable_upto(void *arg, unsigned long bound)
{
	uint64_t *x = arg;

	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (unsigned long)(*x % ((uint64_t)bound + 1));
}

/* qsort: candidates in a canonical order (the resolver's order of the
 * SRV records varies from answer to answer). */
static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->host, y->host);

	if (c != 0)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->direct - y->direct;
}

static void
order_cands(struct probe *p)
{
	struct srv_weight *w = xcalloc(p->ncands, sizeof *w);
	size_t *order = xcalloc(p->ncands, sizeof *order);
	struct cand *sorted = xcalloc(p->ncands, sizeof *sorted);
	uint64_t x = 14695981039346656037ULL;	/* FNV-1a of the domain */
	int stable = p->e->o->stable && getenv("XMPPCUT_RANDOM_SEED") == NULL;

	if (stable && p->ncands > 1)
		qsort(p->cands, p->ncands, sizeof *p->cands, cand_cmp);
	for (size_t i = 0; i < p->ncands; i++)
		w[i] = (struct srv_weight){ p->cands[i].priority,
		    p->cands[i].weight };
	for (const char *c = p->req->domain; stable && *c != '\0'; c++)
		x = (x ^ (unsigned char)*c) * 1099511628211ULL;
	srv_order(w, p->ncands, order, stable ? stable_upto : random_upto,
	    stable ? &x : NULL);
	for (size_t i = 0; i < p->ncands; i++)
		sorted[i] = p->cands[order[i]];
	free(p->cands);
	p->cands = sorted;
	if (p->ncands > MAX_TARGETS) {
		log_info("%s: %zu SRV targets: only the first %d are tried",
		    p->req->domain, p->ncands, MAX_TARGETS);
		for (size_t i = MAX_TARGETS; i < p->ncands; i++) {
			free(p->cands[i].host);
			free(p->cands[i].addr);
		}
		p->ncands = MAX_TARGETS;
	}
	free(order);
	free(w);
}

static void
plan_candidates(struct probe *p)
{
	struct dns_answer *s1 = p->srv[0], *s2 = p->srv[1];
	int xmpp_records = 0, dot = 0;

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
			xmpp_records |= i == 0;
			if (s->srv[k].target[0] == '\0') {
				/* "." alone: this service is not offered */
				dot |= i == 0 && s->n == 1;
				continue;
			}
			add_cand(p, s->srv[k].target, s->srv[k].port,
			    s->srv[k].priority, s->srv[k].weight, i);
		}
	}
	if (dot && p->ncands == 0) {
		FINDING(p, SEV_WARNING, F_SRV_TARGET_DOT, "the SRV target is "
		    "\".\": the domain says it offers no federation");
		finish(p);
		return;
	}
	if (dot)
		FINDING(p, SEV_WARNING, F_SRV_TARGET_DOT, "the _xmpp-server "
		    "SRV target is \".\" (no STARTTLS service) while "
		    "_xmpps-server names targets: partners without XEP-0368 "
		    "give up; the direct TLS targets are tried");
	/* no _xmpp-server records and nothing else to try: the domain
	 * itself, on 5269 (RFC 6120 3.2.2) */
	if (!xmpp_records && p->ncands == 0 && s1->status == DNS_OK) {
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
	p->started_any = 1;
	if ((p->x = xmpp_new()) == NULL) {
		local_failure(p, "set up the XML parser");
		return;
	}
	if (p->req->fixed != NULL) {
		for (size_t i = 0; i < p->req->nfixed; i++) {
			const struct probe_fixed *f = &p->req->fixed[i];

			add_cand(p, f->addr, f->port, 0, 0, f->direct_tls);
			p->cands[p->ncands - 1].addr = xstrdup(f->addr);
			p->cands[p->ncands - 1].fixed = f;
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
		    "time bound was reached%s", p->started_any ? "" :
		    " (not started)");
		if (!p->started_any) {
			p->started = now_ms();
			p->res->not_started = 1;
			e->active++;
		}
		attempt_end(p, OUTCOME_FAILED, F_TIMEOUT, "the run's time "
		    "bound");
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
	buf_free(&p->out);
	findings_free(&p->failed_stream);
	findings_free(&p->failed_tcp);
}

const struct probe_attempt *
probe_answer(const struct probe_result *r)
{
	return r->answered >= 0 && (size_t)r->answered < r->nattempts ?
	    &r->attempts[r->answered] : NULL;
}

const struct probe_attempt *
probe_tls_attempt(const struct probe_result *r)
{
	const struct probe_attempt *a = probe_answer(r);

	for (size_t i = r->nattempts; a == NULL && i > 0; i--)
		if (r->attempts[i - 1].tls != NULL)
			a = &r->attempts[i - 1];
	return a;
}

void
probe_result_free(struct probe_result *r)
{
	findings_free(&r->findings);
	free(r->domain);
	strlist_free(&r->srv[0]);
	strlist_free(&r->srv[1]);
	for (size_t i = 0; i < r->nattempts; i++) {
		struct probe_attempt *a = &r->attempts[i];

		free(a->target);
		free(a->address);
		free(a->error);
		if (a->tls != NULL) {
			free(a->tls->version);
			free(a->tls->cipher);
			free(a->tls->alpn);
			free(a->tls);
		}
		cert_facts_free(a->cert);
		strlist_free(&a->sasl);
	}
	free(r->attempts);
	memset(r, 0, sizeof *r);
}

/* The weighted choice among SRV targets of one priority is random (RFC
 * 2782); XMPPCUT_RANDOM_SEED fixes it, for tests that must see each
 * target in turn. */
static void
seed_random(void)
{
	const char *env = getenv("XMPPCUT_RANDOM_SEED");
	uint64_t v;

	if (env != NULL && parse_uint(env, 0, UINT32_MAX, &v) == 0)
		srandom((unsigned)v);
	else
		srandom((unsigned)(now_ms() ^ (uint64_t)getpid()));
}

enum probe_setup
probe_run(const struct probe_opts *o, const struct probe_request *reqs,
    size_t n, struct probe_result *results, char **cause)
{
	enum probe_setup why = PROBE_SETUP_LOCAL;
	struct engine e;

	memset(&e, 0, sizeof e);
	e.o = o;
	if ((e.loop = loop_new(cause)) == NULL)
		goto fail;
	seed_random();
	why = PROBE_SETUP_CA;
	if ((e.tls = tls_config_new(o->ca_file, cause)) == NULL)
		goto fail;
	why = PROBE_SETUP_RESOLVER;
	if (o->ro != NULL && (e.res = resolver_new(e.loop, o->ro, cause)) ==
	    NULL)
		goto fail;
	if (e.res != NULL && o->deadline_ms != 0)
		resolver_set_deadline(e.res, o->deadline_ms);
	e.p = xcalloc(n, sizeof *e.p);
	e.n = n;
	for (size_t i = 0; i < n; i++) {
		memset(&results[i], 0, sizeof results[i]);
		results[i].domain = xstrdup(reqs[i].domain);
		results[i].fixed = reqs[i].fixed != NULL;
		results[i].every = reqs[i].every;
		results[i].answered = -1;
		e.p[i].e = &e;
		e.p[i].req = &reqs[i];
		e.p[i].res = &results[i];
		e.p[i].fd = e.p[i].watch = e.p[i].timer = -1;
		e.p[i].att = -1;
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
	if (e.res != NULL && resolver_is_dead(e.res)) {
		for (size_t i = 0; i < n; i++)
			probe_result_free(&results[i]);
		*cause = xstrdup("nothing answered any question within "
		    "--timeout, not even the resolver's own zone: the "
		    "resolver (--resolver, --stub, or resolv.conf's) is dead "
		    "or unreachable, and no verdict can be given");
		goto fail;
	}
	resolver_free(e.res);
	tls_config_free(e.tls);
	loop_free(e.loop);
	return PROBE_SETUP_OK;
fail:
	resolver_free(e.res);
	tls_config_free(e.tls);
	loop_free(e.loop);
	return why;
}
