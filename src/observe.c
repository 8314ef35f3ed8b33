/* observe.c — what is worth watching in results, and what changed. */
#include "observe.h"

#include <stdlib.h>
#include <string.h>

#include "cert.h"

static const char *const kind_names[] = { "domain", "partner", "probe" };

const char *
obs_kind_name(enum obs_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "unknown";
}

int
obs_kind_parse(const char *s, enum obs_kind *out)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum obs_kind)i;
			return 0;
		}
	}
	return -1;
}

static void
endpoint_free(struct obs_endpoint *e)
{
	free(e->key);
	free(e->outcome);
	free(e->tls);
	free(e->auth);
	free(e->spki);
	free(e->issuer);
	free(e->not_after);
}

void
observation_free(struct observation *x)
{
	free(x->name);
	strlist_free(&x->srv);
	strlist_free(&x->addresses);
	for (size_t i = 0; i < x->nends; i++)
		endpoint_free(&x->ends[i]);
	free(x->ends);
}

void
observations_free(struct observations *o)
{
	for (size_t i = 0; i < o->n; i++)
		observation_free(&o->v[i]);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

/* Where name is, or would be inserted (the list is sorted by name). */
static size_t
position(const struct observations *o, const char *name, int *found)
{
	size_t lo = 0, hi = o->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(o->v[mid].name, name);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct observation *
observe_find(const struct observations *o, const char *name)
{
	int found;
	size_t i = position(o, name, &found);

	return found ? &o->v[i] : NULL;
}

/* The observation of name, made when new. */
static struct observation *
facts_of(struct observations *o, const char *name, enum obs_kind kind)
{
	int found;
	size_t i = position(o, name, &found);

	if (found)
		return &o->v[i];
	o->v = xreallocarray(o->v, o->n + 1, sizeof *o->v);
	memmove(&o->v[i + 1], &o->v[i], (o->n - i) * sizeof *o->v);
	o->n++;
	memset(&o->v[i], 0, sizeof o->v[i]);
	o->v[i].name = xstrdup(name);
	o->v[i].kind = kind;
	return &o->v[i];
}

static int endpoint_cmp(const void *, const void *);

void
observe_add(struct observations *o, struct observation *x)
{
	struct observation *slot;
	int found;

	if (x->nends > 1)
		qsort(x->ends, x->nends, sizeof *x->ends, endpoint_cmp);
	position(o, x->name, &found);
	if (found) {		/* a duplicate name: the first one stays */
		observation_free(x);
		return;
	}
	slot = facts_of(o, x->name, x->kind);
	free(slot->name);
	*slot = *x;
	memset(x, 0, sizeof *x);
}

static int
endpoint_cmp(const void *a, const void *b)
{
	return strcmp(((const struct obs_endpoint *)a)->key,
	    ((const struct obs_endpoint *)b)->key);
}

static struct obs_endpoint *
endpoint_find(const struct observation *x, const char *key)
{
	struct obs_endpoint k = { .key = (char *)key };

	if (x->nends == 0)
		return NULL;
	return bsearch(&k, x->ends, x->nends, sizeof *x->ends, endpoint_cmp);
}

static void
srv_facts(struct strlist *out, const char *service,
    const struct strlist *values)
{
	for (size_t i = 0; i < values->n; i++)
		strlist_take(out, xasprintf("%s %s", service, values->v[i]));
}

void
observe_dns(struct observations *o, const struct dnslive_result *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct dnslive_domain *dd = &d->v[i];
		struct observation *x = facts_of(o, dd->domain, OBS_DOMAIN);

		x->has_srv = x->has_addresses = 1;
		for (size_t k = 0; k < dd->nrecords; k++) {
			const struct dns_answer *a = dd->records[k];
			const struct rrset *s = a->rrset;

			if (a->status != DNS_OK || s == NULL)
				continue;
			for (size_t j = 0; j < s->n; j++) {
				if (a->type == RR_SRV)
					strlist_take(&x->srv, xasprintf(
					    "%.*s %s", (int)strcspn(a->name,
					    "."), a->name, s->rdata[j]));
				else if (a->type == RR_A ||
				    a->type == RR_AAAA)
					strlist_add(&x->addresses,
					    s->rdata[j]);
			}
		}
		strlist_sort_unique(&x->srv);
		strlist_sort_unique(&x->addresses);
	}
}

static char *
auth_text(const struct probe_attempt *a)
{
	struct strlist l = { 0 };
	char *s;

	if (a->dialback)
		strlist_add(&l, "dialback");
	for (size_t i = 0; i < a->sasl.n; i++)
		strlist_take(&l, xasprintf("SASL %s", a->sasl.v[i]));
	s = strlist_join(&l, ", ", "none");
	strlist_free(&l);
	return s;
}

/* An attempt's facts into its endpoint: an OK attempt decides; else the
 * last attempt at the endpoint does. */
static void
endpoint_facts(struct obs_endpoint *e, const struct probe_attempt *a)
{
	char when[21];

	if (e->outcome != NULL && strcmp(e->outcome, "ok") == 0)
		return;
	free(e->outcome);
	e->outcome = xstrdup(a->outcome == OUTCOME_OK ? "ok" :
	    a->outcome == OUTCOME_NO_ADDRESS ? "no-address" :
	    finding_name(a->failure));
	if (a->tls == NULL)
		return;
	free(e->tls);
	free(e->auth);
	free(e->spki);
	free(e->issuer);
	free(e->not_after);
	e->tls = xstrdup(a->tls->version);
	e->auth = a->has_features ? auth_text(a) : NULL;
	e->spki = e->issuer = e->not_after = NULL;
	if (a->cert != NULL) {
		cert_iso_time(a->cert->not_after, when);
		e->spki = xstrdup(a->cert->spki_sha256);
		e->issuer = xstrdup(a->cert->issuer);
		e->not_after = xstrdup(when);
	}
}

void
observe_probes(struct observations *o, const struct probe_result *r,
    size_t n, enum obs_kind kind)
{
	for (size_t i = 0; i < n; i++) {
		const struct probe_result *p = &r[i];
		struct observation *x;

		if (p->fixed)
			continue;
		x = facts_of(o, p->domain, kind);
		if (p->not_started)
			continue;	/* nothing known: nothing compared */
		x->has_reachable = 1;
		x->reachable = p->reachable;
		if (!x->has_srv) {
			x->has_srv = 1;
			srv_facts(&x->srv, "_xmpp-server", &p->srv[0]);
			srv_facts(&x->srv, "_xmpps-server", &p->srv[1]);
			strlist_sort_unique(&x->srv);
		}
		for (size_t k = 0; k < p->nattempts; k++) {
			const struct probe_attempt *a = &p->attempts[k];
			char *key = xasprintf("%s:%u %s", a->target, a->port,
			    a->direct ? "direct-tls" : "starttls");
			struct obs_endpoint *e = endpoint_find(x, key);

			if (e == NULL) {
				x->ends = xreallocarray(x->ends, x->nends + 1,
				    sizeof *x->ends);
				e = &x->ends[x->nends++];
				memset(e, 0, sizeof *e);
				e->key = key;
				endpoint_facts(e, a);
				qsort(x->ends, x->nends, sizeof *x->ends,
				    endpoint_cmp);
			} else {
				free(key);
				endpoint_facts(e, a);
			}
		}
	}
}

/* The target of an endpoint key, as it stands in an SRV value. */
static int
target_published(const struct observation *x, const char *key)
{
	size_t len = strcspn(key, " ");
	const char *colon;

	if (!x->has_srv || x->srv.n == 0)
		return 1;	/* the fallback: the domain itself */
	for (colon = key + len; colon > key && *colon != ':'; colon--)
		;
	for (size_t i = 0; i < x->srv.n; i++) {
		const char *t = strrchr(x->srv.v[i], ' ');

		/* "... TARGET." against "TARGET:PORT" */
		if (t != NULL && strncmp(t + 1, key, (size_t)(colon - key)) ==
		    0 && t[1 + (colon - key)] == '.')
			return 1;
	}
	return 0;
}

static void
endpoint_copy(struct obs_endpoint *dst, const struct obs_endpoint *src)
{
#define DUP(f) dst->f = src->f ? xstrdup(src->f) : NULL
	DUP(key);
	DUP(outcome);
	DUP(tls);
	DUP(auth);
	DUP(spki);
	DUP(issuer);
	DUP(not_after);
#undef DUP
}

void
observe_copy(struct observations *dst, const struct observations *src)
{
	dst->v = xcalloc(src->n, sizeof *dst->v);
	dst->n = src->n;
	for (size_t i = 0; i < src->n; i++) {
		const struct observation *s = &src->v[i];
		struct observation *d = &dst->v[i];

		*d = *s;
		d->name = xstrdup(s->name);
		memset(&d->srv, 0, sizeof d->srv);
		memset(&d->addresses, 0, sizeof d->addresses);
		strlist_append(&d->srv, &s->srv);
		strlist_append(&d->addresses, &s->addresses);
		d->ends = xcalloc(s->nends, sizeof *d->ends);
		for (size_t k = 0; k < s->nends; k++)
			endpoint_copy(&d->ends[k], &s->ends[k]);
	}
}

void
observe_carry(struct observations *now, const struct observations *last)
{
	for (size_t i = 0; i < now->n; i++) {
		struct observation *x = &now->v[i];
		const struct observation *l = observe_find(last, x->name);
		size_t tried = x->nends;	/* sorted: searched below */

		if (l == NULL)
			continue;
		/* a probe that never ran knows nothing new: keep the last */
		if (!x->has_srv && l->has_srv) {
			x->has_srv = 1;
			strlist_append(&x->srv, &l->srv);
		}
		if (!x->has_reachable && l->has_reachable) {
			x->has_reachable = 1;
			x->reachable = l->reachable;
		}
		for (size_t k = 0; k < l->nends; k++) {
			const struct obs_endpoint *e = &l->ends[k];
			struct observation tried_only = *x;

			tried_only.nends = tried;
			if (endpoint_find(&tried_only, e->key) != NULL ||
			    !target_published(x, e->key))
				continue;
			x->ends = xreallocarray(x->ends, x->nends + 1,
			    sizeof *x->ends);
			endpoint_copy(&x->ends[x->nends++], e);
		}
		if (x->nends > 1)
			qsort(x->ends, x->nends, sizeof *x->ends,
			    endpoint_cmp);
	}
}

/* Comparing. */

static void
change(struct changes *out, struct findings *f, const char *name,
    const char *what, int list, const struct strlist *before,
    const struct strlist *after)
{
	struct change *c;
	char *b = strlist_join(before, ", ", "none");
	char *a = strlist_join(after, ", ", "none");

	out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
	c = &out->v[out->n++];
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->what = xstrdup(what);
	c->list = list;
	strlist_append(&c->before, before);
	strlist_append(&c->after, after);
	findings_add(f, SEV_WARNING, F_CHANGED, name, "%s changed: %s -> %s",
	    what, b, a);
	free(b);
	free(a);
}

/* A scalar fact (NULL: none) as a list of at most one. */
static void
one(struct strlist *l, const char *v)
{
	if (v != NULL)
		strlist_add(l, v);
}

static void
change_text(struct changes *out, struct findings *f, const char *name,
    const char *what, const char *before, const char *after)
{
	struct strlist b = { 0 }, a = { 0 };

	if ((before == NULL && after == NULL) || (before != NULL &&
	    after != NULL && strcmp(before, after) == 0))
		return;
	one(&b, before);
	one(&a, after);
	change(out, f, name, what, 0, &b, &a);
	strlist_free(&b);
	strlist_free(&a);
}

/* The facts of an endpoint; those after the first are known once TLS
 * was reached. */
static const struct {
	const char *what;
	size_t off;
} endpoint_facts_table[] = {
	{ "outcome", offsetof(struct obs_endpoint, outcome) },
	{ "tls", offsetof(struct obs_endpoint, tls) },
	{ "auth", offsetof(struct obs_endpoint, auth) },
	{ "certificate spki_sha256", offsetof(struct obs_endpoint, spki) },
	{ "certificate issuer", offsetof(struct obs_endpoint, issuer) },
	{ "certificate not_after", offsetof(struct obs_endpoint, not_after) },
};
#define NFACTS (sizeof endpoint_facts_table / sizeof *endpoint_facts_table)

static const char *
fact(const struct obs_endpoint *e, size_t i)
{
	return *(char *const *)((const char *)e +
	    endpoint_facts_table[i].off);
}

/* What an endpoint served, fact by fact. */
static void
compare_endpoint(struct changes *out, struct findings *f, const char *name,
    const struct obs_endpoint *b, const struct obs_endpoint *a)
{
	for (size_t i = 0; i < NFACTS; i++) {
		char *what;

		/* facts after TLS: compared when TLS was reached both times */
		if (i > 0 && (b->tls == NULL || a->tls == NULL))
			continue;
		what = xasprintf("%s %s", b->key, endpoint_facts_table[i].what);
		change_text(out, f, name, what, fact(b, i), fact(a, i));
		free(what);
	}
}

/* One fact over every endpoint that reached TLS (a set). */
static void
union_of(const struct observation *x, size_t i, struct strlist *out)
{
	for (size_t k = 0; k < x->nends; k++)
		if (x->ends[k].tls != NULL && fact(&x->ends[k], i) != NULL)
			strlist_add(out, fact(&x->ends[k], i));
	strlist_sort_unique(out);
}

/* The targets moved: what the domain serves as a whole (the outcome of
 * each endpoint is said by reachability). */
static void
compare_whole(struct changes *out, struct findings *f,
    const struct observation *b, const struct observation *a)
{
	for (size_t i = 1; i < NFACTS; i++) {
		struct strlist lb = { 0 }, la = { 0 };

		union_of(b, i, &lb);
		union_of(a, i, &la);
		if (lb.n > 0 && la.n > 0 && !strlist_equal(&lb, &la))
			change(out, f, b->name, endpoint_facts_table[i].what, 0,
			    &lb, &la);
		strlist_free(&lb);
		strlist_free(&la);
	}
}

static void
compare_one(struct changes *out, struct findings *f,
    const struct observation *b, const struct observation *a)
{
	size_t common = 0;
	int moved;

	if (b->has_reachable && a->has_reachable) {
		if (b->reachable && !a->reachable) {
			struct strlist t = { 0 }, n = { 0 };

			strlist_add(&t, "true");
			strlist_add(&n, "false");
			findings_add(f, SEV_ERROR, F_REACHABILITY_LOST, a->name,
			    "reachable before, unreachable now");
			/* the change list says it too, without a second
			 * finding */
			out->v = xreallocarray(out->v, out->n + 1,
			    sizeof *out->v);
			memset(&out->v[out->n], 0, sizeof out->v[out->n]);
			out->v[out->n].name = xstrdup(a->name);
			out->v[out->n].what = xstrdup("reachable");
			out->v[out->n].before = t;
			out->v[out->n].after = n;
			out->n++;
		} else if (!b->reachable && a->reachable) {
			change_text(out, f, a->name, "reachable", "false",
			    "true");
		}
	}
	moved = b->has_srv && a->has_srv && !strlist_equal(&b->srv, &a->srv);
	if (moved)
		change(out, f, a->name, "srv", 1, &b->srv, &a->srv);
	if (b->has_addresses && a->has_addresses &&
	    !strlist_equal(&b->addresses, &a->addresses))
		change(out, f, a->name, "addresses", 1, &b->addresses,
		    &a->addresses);
	for (size_t i = 0; i < b->nends; i++) {
		const struct obs_endpoint *ea = endpoint_find(a,
		    b->ends[i].key);

		if (ea == NULL)
			continue;	/* not tried this time: not a change */
		common++;
		compare_endpoint(out, f, a->name, &b->ends[i], ea);
	}
	/* Nothing in common because the targets moved (a cutover): what the
	 * domain serves as a whole. Nothing in common under the same targets
	 * is only another random pick among them. */
	if (common == 0 && moved)
		compare_whole(out, f, b, a);
}

void
observe_compare(const struct observations *before,
    const struct observations *after, struct changes *out,
    struct findings *f)
{
	for (size_t i = 0; i < before->n; i++)
		if (observe_find(after, before->v[i].name) == NULL)
			change_text(out, f, before->v[i].name, "presence",
			    "present", "absent");
	for (size_t i = 0; i < after->n; i++) {
		const struct observation *b = observe_find(before,
		    after->v[i].name);

		if (b == NULL)
			change_text(out, f, after->v[i].name, "presence",
			    "absent", "present");
		else
			compare_one(out, f, b, &after->v[i]);
	}
}

void
changes_free(struct changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].what);
		strlist_free(&c->v[i].before);
		strlist_free(&c->v[i].after);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
