/* zonefind.c — which zone holds a name. */
#include "zonefind.h"

#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "loop.h"
#include "nsquery.h"
#include "util.h"

/* One name's walk up to its apex. */
struct walk {
	char *cur;		/* the name asked now */
	struct dns_answer *a;	/* its SOA answer */
};

static void
on_soa(void *arg, struct dns_answer *a)
{
	((struct walk *)arg)->a = a;
}

/* The longest explicit zone that holds name, or NULL. */
static const char *
explicit_zone(const struct zonefind_opts *o, const char *name)
{
	const char *best = NULL;

	for (size_t i = 0; i < o->nzones; i++)
		if (dname_is_under(name, o->zones[i]) &&
		    (best == NULL || strlen(o->zones[i]) > strlen(best)))
			best = o->zones[i];
	return best;
}

static void
add(struct zonemap *m, const char *name)
{
	m->names = xreallocarray(m->names, m->n + 1, sizeof *m->names);
	m->apexes = xreallocarray(m->apexes, m->n + 1, sizeof *m->apexes);
	m->why = xreallocarray(m->why, m->n + 1, sizeof *m->why);
	m->names[m->n] = dname_normalize(name);
	m->apexes[m->n] = NULL;
	m->why[m->n] = NULL;
	m->n++;
}

/* One answer: the apex found, the walk goes up, or it ends without. */
static int
step(struct zonemap *m, size_t i, struct walk *w, const char *asked_of)
{
	struct dns_answer *a = w->a;
	int more = 0;

	w->a = NULL;
	if (a == NULL) {
		m->why[i] = xasprintf("no answer from %s", asked_of);
	} else if (a->status == DNS_OK && a->rrset != NULL &&
	    a->canonname == NULL) {
		m->apexes[i] = xstrdup(w->cur);
	} else if (a->status == DNS_OK && w->cur[0] != '\0') {
		char *up = xstrdup(dname_parent(w->cur));

		free(w->cur);
		w->cur = up;
		more = 1;
	} else if (a->status == DNS_OK) {
		m->why[i] = xasprintf("%s answers no SOA up to the root",
		    asked_of);
	} else if (a->lame) {
		m->why[i] = xasprintf("%s does not serve the zone of %s (%s)",
		    asked_of, w->cur, a->error ? a->error : "not "
		    "authoritative");
	} else {
		m->why[i] = xasprintf("the SOA of %s: %s from %s", w->cur,
		    a->error ? a->error : "no answer", asked_of);
	}
	dns_answer_free(a);
	return more;
}

int
zonefind(const struct zonefind_opts *o, char *const *names, size_t n,
    struct zonemap *m, char **cause)
{
	struct loop *l = NULL;
	struct resolver *r = NULL;
	struct nsserver *ns = NULL;
	struct walk *w = xcalloc(n ? n : 1, sizeof *w);
	char *host = NULL, *asked_of;
	unsigned port = 53;
	int more = 0, ret = -1;

	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < n; i++) {
		const char *z;

		add(m, names[i]);
		if ((z = explicit_zone(o, m->names[i])) != NULL)
			m->apexes[i] = xstrdup(z);
		else {
			w[i].cur = xstrdup(m->names[i]);
			more = 1;
		}
	}
	if (!more) {
		free(w);
		return 0;
	}
	if ((l = loop_new(cause)) == NULL)
		goto out;
	if (o->server != NULL) {
		if (parse_hostport(o->server, '@', &host, &port) == -1) {
			*cause = xasprintf("--server %s: expected ADDR[@PORT]",
			    o->server);
			goto out;
		}
		if ((ns = nsserver_new(l, host, port, o->timeout_ms, cause)) ==
		    NULL)
			goto out;
		asked_of = xasprintf("the server %s", o->server);
	} else {
		if ((r = resolver_new(l, o->ro, cause)) == NULL)
			goto out;
		asked_of = xstrdup("the resolver");
	}
	/* round after round, every walk one level up */
	for (int round = 0; more && round < 128; round++) {
		more = 0;
		for (size_t i = 0; i < n; i++) {
			if (w[i].cur == NULL || m->apexes[i] != NULL ||
			    m->why[i] != NULL)
				continue;
			if (ns != NULL)
				nsserver_query(ns, w[i].cur, RR_SOA, on_soa,
				    &w[i]);
			else
				resolver_query(r, w[i].cur, RR_SOA, on_soa,
				    &w[i]);
		}
		loop_run(l);
		for (size_t i = 0; i < n; i++)
			if (w[i].cur != NULL && m->apexes[i] == NULL &&
			    m->why[i] == NULL)
				more |= step(m, i, &w[i], asked_of);
	}
	/* an SOA the resolver made up itself is no zone a server holds */
	for (size_t i = 0; r != NULL && i < n; i++)
		if (m->apexes[i] != NULL && explicit_zone(o, m->names[i]) ==
		    NULL && resolver_answers_itself(r, m->apexes[i])) {
			m->why[i] = xasprintf("%s is a special-use name (RFC "
			    "6761): the resolver answers for zone %s itself, "
			    "no DNS server holds it; give the zone with "
			    "--zone, or its server with --server or --stub",
			    m->names[i], m->apexes[i]);
			free(m->apexes[i]);
			m->apexes[i] = NULL;
		}
	/* a name has at most 127 labels: the walks have ended; should one
	 * not have, it is said, never left without a reason */
	for (size_t i = 0; i < n; i++)
		if (m->apexes[i] == NULL && m->why[i] == NULL)
			m->why[i] = xasprintf("%s gives no SOA for any of its "
			    "parents", asked_of);
	free(asked_of);
	ret = 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(w[i].cur);
		dns_answer_free(w[i].a);
	}
	free(w);
	free(host);
	nsserver_free(ns);
	resolver_free(r);
	loop_free(l);
	if (ret == -1)
		zonemap_free(m);
	return ret;
}

const char *
zonemap_get(const struct zonemap *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->names[i], name) == 0)
			return m->apexes[i];
	return NULL;
}

void
zonemap_free(struct zonemap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->names[i]);
		free(m->apexes[i]);
		free(m->why[i]);
	}
	free(m->names);
	free(m->apexes);
	free(m->why);
	memset(m, 0, sizeof *m);
}
