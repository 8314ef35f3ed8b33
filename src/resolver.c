/* resolver.c — DNS lookups with DNSSEC validation (libunbound). */
#include "resolver.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>
#include <unistd.h>

#include "dname.h"
#include "dnswire.h"
#include "log.h"
#include "util.h"

/* Names libunbound answers itself (RFC 6761 and friends) unless told to
 * let them through to a stub or forwarder. */
static const char *const special_use[] = { "test", "example", "invalid",
	"onion", "home.arpa", "local", NULL };

/* One lookup in libunbound, and whoever asked for it: identical
 * questions asked while it is under way (500 partners hosted on one
 * gateway ask for its A, AAAA and TLSA 500 times) share it, each with
 * its own deadline. */
struct waiter {
	struct query *q;
	int timer;
	uint64_t started;
	resolver_fn fn;
	void *arg;
	struct waiter *next;
};

struct query {
	struct resolver *r;
	int async_id;		/* -1: could not start */
	char *name;
	enum rrtype type;
	unsigned hash;
	struct waiter *waiters;
	struct query *next;	/* in its bucket */
};

/* Queries under way by name and type: a lookup and an answer cost the
 * same with 5,000 of them as with 5 (a list scan per answer did not). */
#define NBUCKETS 4096

struct resolver {
	struct loop *loop;
	struct ub_ctx *ctx;
	unsigned let_through;	/* special_use[] entries opened, as bits */
	int watch;		/* loop handle of ub_fd, -1 while idle */
	unsigned timeout_ms;
	uint64_t deadline;	/* 0: none */
	struct query *pending[NBUCKETS];
	size_t npending;
	unsigned long asked, timeouts;	/* answers delivered, of them none
					 * in time */
	struct strlist canaries;	/* names this resolver must answer:
					 * each stub's zone, else the root */
};

const char *
dnssec_name(enum dnssec_state s)
{
	return s == DNSSEC_SECURE ? "secure" : s == DNSSEC_BOGUS ? "bogus" :
	    "insecure";
}

static int
ub_check(int err, const char *what, char **cause)
{
	if (err == 0)
		return 0;
	*cause = xasprintf("%s: %s", what, ub_strerror(err));
	return -1;
}

/* Let a special-use name through when a stub or forwarder covers it. */
static void
let_through(struct resolver *r, const char *zone)
{
	for (size_t i = 0; special_use[i] != NULL; i++) {
		if ((r->let_through & (1u << i)) || (zone != NULL &&
		    !dname_is_under(zone, special_use[i])))
			continue;
		r->let_through |= 1u << i;
		char *v = xasprintf("%s. transparent", special_use[i]);

		ub_ctx_set_option(r->ctx, "local-zone:", v);
		free(v);
		/* The real root never signs these: without this, validation
		 * asks the root to prove them unsigned, and waits for it. A
		 * trust anchor given for a zone below still makes it secure. */
		v = xasprintf("%s.", special_use[i]);
		ub_ctx_set_option(r->ctx, "domain-insecure:", v);
		free(v);
	}
}

static struct resolver *
new_common(struct loop *l, unsigned timeout_ms, char **cause)
{
	struct resolver *r = xcalloc(1, sizeof *r);

	r->loop = l;
	r->watch = -1;
	r->timeout_ms = timeout_ms;
	if ((r->ctx = ub_ctx_create()) == NULL) {
		*cause = xstrdup("cannot create the resolver");
		free(r);
		return NULL;
	}
	/* a thread, not a process: no fork behind the caller's back */
	ub_ctx_async(r->ctx, 1);
	/* No QNAME minimisation (RFC 9156): it applies only where libunbound
	 * asks authoritative servers itself (--stub; a forwarder gets full
	 * names anyway), and there it cost 5 queries a partner instead of 2
	 * and 4-5% of a probe's CPU (tests/bench/bench-floor.sh). The price:
	 * the servers of a --stub zone see the full names asked, the
	 * partners' public federation records (xmppcut.1, README). */
	ub_ctx_set_option(r->ctx, "qname-minimisation:", "no");
	/* libunbound's own log is for -v; findings say what went wrong */
	if (log_level() < 2) {
		static FILE *devnull;

		if (devnull == NULL)
			devnull = fopen("/dev/null", "w");
		if (devnull != NULL)
			ub_ctx_debugout(r->ctx, devnull);
	}
	return r;
}

/* Configuration errors (an unreadable trust anchor, say) surface only when
 * libunbound starts: start it now with a name it answers itself. */
static int
finalize(struct resolver *r, char **cause)
{
	struct ub_result *res = NULL;
	int err = ub_resolve(r->ctx, "localhost.", dnswire_type(RR_A), 1,
	    &res);

	ub_resolve_free(res);
	return ub_check(err, "cannot start the resolver (check the trust "
	    "anchor, --stub and --resolver)", cause);
}

struct resolver *
resolver_new(struct loop *l, const struct resolver_opts *o, char **cause)
{
	struct resolver *r = new_common(l, o->timeout_ms, cause);
	const char *ta = o->trust_anchor;

	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < o->nstubs; i++) {
		char *zone = xstrdup(o->stubs[i]), *addr = strchr(zone, '=');
		char *z;
		int err;

		*addr++ = '\0';
		z = dname_normalize(zone);
		let_through(r, z);
		if (!strlist_has(&r->canaries, z))
			strlist_add(&r->canaries, z);
		err = ub_ctx_set_stub(r->ctx, z[0] ? z : ".", addr, 0);
		free(z);
		if (ub_check(err, o->stubs[i], cause) == -1) {
			free(zone);
			goto fail;
		}
		free(zone);
	}
	if (o->forward != NULL) {
		let_through(r, NULL);
		if (ub_check(ub_ctx_set_fwd(r->ctx, o->forward), o->forward,
		    cause) == -1)
			goto fail;
	} else if (o->nstubs == 0 && ub_check(ub_ctx_resolvconf(r->ctx,
	    NULL), "no resolver in /etc/resolv.conf", cause) == -1)
		goto fail;
	ta = resolver_trust_anchor(o);
	if (ta == NULL)
		;	/* the commands say so (trust-anchor-missing) */
	else if (access(ta, R_OK) != 0) {
		*cause = xasprintf("cannot read the trust anchor %s", ta);
		goto fail;
	} else if (ub_check(ub_ctx_add_ta_file(r->ctx, ta), ta, cause) == -1)
		goto fail;
	if (finalize(r, cause) == -1)
		goto fail;
	return r;
fail:
	resolver_free(r);
	return NULL;
}

static unsigned
query_hash(const char *name, enum rrtype type)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	for (const char *c = name; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	return (h ^ (unsigned)type) * 16777619u;
}

/* The query under way for name (normalised) and type, or NULL. */
static struct query *
find_query(struct resolver *r, const char *name, enum rrtype type,
    unsigned hash)
{
	struct query *q;

	for (q = r->pending[hash % NBUCKETS]; q != NULL; q = q->next)
		if (q->hash == hash && q->type == type &&
		    strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

/* No longer under way: later identical questions start a new lookup. */
static void
unlink_query(struct resolver *r, struct query *q)
{
	for (struct query **p = &r->pending[q->hash % NBUCKETS]; *p != NULL;
	    p = &(*p)->next) {
		if (*p == q) {
			*p = q->next;
			r->npending--;
			break;
		}
	}
	if (r->npending == 0 && r->watch != -1) {
		loop_unwatch(r->loop, r->watch);
		r->watch = -1;
	}
}

static void
query_free(struct query *q)
{
	struct waiter *w, *next;

	for (w = q->waiters; w != NULL; w = next) {
		next = w->next;
		loop_cancel(q->r->loop, w->timer);
		free(w);
	}
	free(q->name);
	free(q);
}

void
resolver_free(struct resolver *r)
{
	struct query *q, *next;

	if (r == NULL)
		return;
	for (size_t b = 0; b < NBUCKETS; b++) {
		for (q = r->pending[b]; q != NULL; q = next) {
			next = q->next;
			if (q->async_id != -1)
				ub_cancel(r->ctx, q->async_id);
			query_free(q);
		}
	}
	if (r->watch != -1)
		loop_unwatch(r->loop, r->watch);
	ub_ctx_delete(r->ctx);
	strlist_free(&r->canaries);
	free(r);
}

static void
on_canary(void *arg, struct dns_answer *a)
{
	int *answered = arg;

	*answered |= a->status != DNS_TIMEOUT;
	dns_answer_free(a);
}

int
resolver_answers_itself(const struct resolver *r, const char *name)
{
	for (size_t i = 0; special_use[i] != NULL; i++)
		if (dname_is_under(name, special_use[i]) &&
		    !(r->let_through & (1u << i)))
			return 1;
	/* libunbound answers localhost itself always (and is asked it to
	 * see that it starts: it stays local) */
	return dname_is_under(name, "localhost");
}

int
resolver_is_dead(struct resolver *r)
{
	uint64_t deadline = r->deadline;
	int answered = 0;

	if (r->asked == 0 || r->timeouts < r->asked)
		return 0;
	r->deadline = 0;	/* a --timeout of its own */
	/* every stub zone at once: one whose servers are all down (our own
	 * zone's, say) is a verdict on that zone, not on the resolver */
	for (size_t i = 0; i < r->canaries.n; i++)
		resolver_query(r, r->canaries.v[i], RR_SOA, on_canary,
		    &answered);
	if (r->canaries.n == 0)
		resolver_query(r, "", RR_SOA, on_canary, &answered);
	loop_run(r->loop);
	r->deadline = deadline;
	return !answered;
}

void
resolver_set_deadline(struct resolver *r, uint64_t at_ms)
{
	r->deadline = at_ms;
}

void
dns_answer_free(struct dns_answer *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->error);
	free(a->why_bogus);
	free(a->canonname);
	rrset_free(a->rrset);
	free(a);
}

const char *
dns_answer_status(const struct dns_answer *a)
{
	if (a->status == DNS_TIMEOUT)
		return "timeout";
	if (a->status == DNS_FAILURE)
		return "failure";
	return a->nxdomain ? "nxdomain" : a->rrset ? "ok" : "nodata";
}

const char *
resolver_trust_anchor(const struct resolver_opts *o)
{
	if (o->trust_anchor != NULL)
		return strcmp(o->trust_anchor, "none") == 0 ? NULL :
		    o->trust_anchor;
	return access(DEFAULT_TRUST_ANCHOR, R_OK) == 0 ?
	    DEFAULT_TRUST_ANCHOR : NULL;
}

struct dns_answer *
dns_answer_dup(const struct dns_answer *a)
{
	struct dns_answer *d = xcalloc(1, sizeof *d);

	*d = *a;
	d->name = xstrdup(a->name);
	d->error = a->error ? xstrdup(a->error) : NULL;
	d->why_bogus = a->why_bogus ? xstrdup(a->why_bogus) : NULL;
	d->canonname = a->canonname ? xstrdup(a->canonname) : NULL;
	d->rrset = a->rrset ? rrset_clone(a->rrset) : NULL;
	return d;
}

static struct dns_answer *
answer_new(const struct query *q)
{
	struct dns_answer *a = xcalloc(1, sizeof *a);

	a->name = xstrdup(q->name);
	a->type = q->type;
	return a;
}

/* The records of the asked type at the canonical name, from the answer
 * packet (per-record TTLs; ub_result keeps only the smallest). */
static struct rrset *
answer_rrset(const struct ub_result *res, enum rrtype type,
    const char *owner)
{
	struct dnswire_answer da;
	struct rrset *s;

	if (dnswire_read(res->answer_packet, (size_t)res->answer_len, type,
	    owner, 0, &da) == -1)
		return NULL;
	s = da.rrset;
	da.rrset = NULL;
	dnswire_answer_free(&da);
	return s;
}

/* The answer to one waiter (its own copy), which leaves its query. */
static void
deliver(struct waiter *w, struct dns_answer *a)
{
	struct resolver *r = w->q->r;

	loop_cancel(r->loop, w->timer);
	a->ms = now_ms() - w->started;
	r->asked++;
	r->timeouts += a->status == DNS_TIMEOUT;
	w->fn(w->arg, a);
	free(w);
}

/* Take w out of its query's waiters. */
static void
leave(struct waiter *w)
{
	for (struct waiter **p = &w->q->waiters; *p != NULL; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
}

static void
on_result(void *arg, int err, struct ub_result *res)
{
	struct query *q = arg;
	struct dns_answer *a = answer_new(q);
	struct waiter *w;
	char *canon;

	if (err != 0 || res == NULL) {
		a->status = DNS_FAILURE;
		a->error = xstrdup(ub_strerror(err));
	} else if (res->rcode != 0 && res->rcode != 3) {	/* NXDOMAIN */
		a->status = DNS_FAILURE;
		a->error = xstrdup(dnswire_rcode_name(res->rcode));
	} else {
		a->status = DNS_OK;
		a->nxdomain = res->nxdomain;
	}
	if (res != NULL) {
		a->dnssec = res->bogus ? DNSSEC_BOGUS : res->secure ?
		    DNSSEC_SECURE : DNSSEC_INSECURE;
		if (res->why_bogus != NULL)
			a->why_bogus = xstrdup(res->why_bogus);
		canon = res->canonname ? dname_normalize(res->canonname) :
		    xstrdup(q->name);
		if (strcmp(canon, q->name) != 0)
			a->canonname = xstrdup(canon);
		/* never trust havedata alone: a bogus answer has data too */
		if (a->status == DNS_OK && res->havedata)
			a->rrset = answer_rrset(res, q->type, canon);
		free(canon);
		ub_resolve_free(res);
	}
	/* callbacks may ask again: a new lookup, not this finished one */
	unlink_query(q->r, q);
	while ((w = q->waiters) != NULL) {
		q->waiters = w->next;
		deliver(w, w->next != NULL ? dns_answer_dup(a) : a);
	}
	query_free(q);
}

static void
on_readable(void *arg, int revents)
{
	struct resolver *r = arg;

	(void)revents;
	if (ub_process(r->ctx) != 0)
		log_debug("ub_process failed");
}

/* One waiter's deadline: it gets a timeout; the lookup goes on for the
 * others, and is cancelled when none is left. */
static void
on_deadline(void *arg)
{
	struct waiter *w = arg;
	struct query *q = w->q;
	struct dns_answer *a = answer_new(q);

	w->timer = -1;
	leave(w);
	if (q->waiters == NULL) {
		unlink_query(q->r, q);
		if (q->async_id != -1)
			ub_cancel(q->r->ctx, q->async_id);
	}
	a->status = DNS_TIMEOUT;
	a->error = xasprintf("no answer within %llu ms",
	    (unsigned long long)(now_ms() - w->started));
	deliver(w, a);
	if (q->waiters == NULL)
		query_free(q);
}

/* A query that could not start fails from the loop, like any other. */
static void
on_start_failed(void *arg)
{
	struct waiter *w = arg;
	struct query *q = w->q;
	struct dns_answer *a = answer_new(q);

	w->timer = -1;
	leave(w);
	if (q->waiters == NULL)
		unlink_query(q->r, q);
	a->status = DNS_FAILURE;
	a->error = xstrdup("cannot start the query");
	deliver(w, a);
	if (q->waiters == NULL)
		query_free(q);
}

void
resolver_query(struct resolver *r, const char *name, enum rrtype type,
    resolver_fn fn, void *arg)
{
	struct waiter *w = xcalloc(1, sizeof *w);
	char *norm = dname_normalize(name), *fq;
	unsigned hash = query_hash(norm, type);
	struct query *q = find_query(r, norm, type, hash);
	uint64_t wait;
	int err;

	w->fn = fn;
	w->arg = arg;
	w->started = now_ms();
	if (q == NULL) {
		q = xcalloc(1, sizeof *q);
		q->r = r;
		q->name = norm;
		norm = NULL;
		q->type = type;
		q->hash = hash;
		q->next = r->pending[hash % NBUCKETS];
		r->pending[hash % NBUCKETS] = q;
		r->npending++;
		fq = xasprintf("%s.", q->name);
		err = ub_resolve_async(r->ctx, fq, dnswire_type(type), 1, q,
		    on_result, &q->async_id);
		free(fq);
		if (err != 0) {
			log_debug("%s: %s", name, ub_strerror(err));
			q->async_id = -1;
		}
	}
	free(norm);
	w->q = q;
	w->next = q->waiters;
	q->waiters = w;
	if (q->async_id == -1) {
		w->timer = loop_timer(r->loop, 0, on_start_failed, w);
		return;
	}
	wait = r->timeout_ms;
	if (r->deadline != 0)
		wait = r->deadline <= w->started ? 0 :
		    r->deadline - w->started < wait ?
		    r->deadline - w->started : wait;
	w->timer = loop_timer(r->loop, wait, on_deadline, w);
	if (r->watch == -1)
		r->watch = loop_watch(r->loop, ub_fd(r->ctx), POLLIN,
		    on_readable, r);
}
