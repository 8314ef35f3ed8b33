/* cmd-apply.c — `xmppcut apply`: a stage sent to each zone's primary as
 * RFC 2136 UPDATEs, only where the zone is ready for it, never half.
 *
 * Each zone's primary (--server, else the addresses of its SOA MNAME in
 * turn until one answers, and for the UPDATE until one takes it) is
 * read directly (RD=0) for every RRset the stage's message touches, and
 * the zone is sorted into: at the stage (nothing to send), ready, or
 * unexpected (or unread, when the primary cannot be found or does not
 * answer). Ready is stricter than the message's prerequisites, which
 * RFC 2136 cannot make say everything: a host the previous stage did not
 * publish holds nothing or the stage's own values; at cutover, pre's TTLs
 * are in place (RFC 2136 compares no TTL, and pre's values are today's).
 * One zone unexpected or unread and nothing is sent anywhere. A ready
 * zone gets the same message the nsupdate script holds, prerequisites
 * included, TSIG-signed; the zone is read again after the answer, so a
 * server that drops part of an update is caught. A refusal is said and
 * the other zones go on, so a run can always be repeated: what is at the
 * stage is left alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "dname.h"
#include "dnswire.h"
#include "journal.h"
#include "loop.h"
#include "nsquery.h"
#include "nsupdate.h"
#include "render.h"
#include "stage.h"
#include "update.h"
#include "zonefind.h"

enum { OPT_SERVER = 2000, OPT_TSIG_KEY, OPT_ZONE, OPT_DRY_RUN, OPT_WAIT,
	OPT_FORCE };

struct apply_opts {
	int have_stage;
	enum stage stage;
	const char *server;
	const char *tsig_key;
	char **zones;
	size_t nzones;
	int dry_run, force;
	unsigned wait;
	uint32_t cutover_ttl;	/* the plan's: final's records until final */
};

static const struct option apply_longopts[] = {
	{ "stage", required_argument, NULL, 's' },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "tsig-key", required_argument, NULL, OPT_TSIG_KEY },
	{ "zone", required_argument, NULL, OPT_ZONE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ NULL, 0, NULL, 0 }
};

static int
apply_opt(void *arg, int opt, const char *val)
{
	struct apply_opts *o = arg;
	uint64_t v;

	switch (opt) {
	case 's':
		o->have_stage = 1;
		return cmd_opt_stage("apply", val, &o->stage);
	case OPT_SERVER:
		if (cmd_opt_dns_server("apply", "--server", val) == -1)
			return -1;
		o->server = val;
		return 0;
	case OPT_TSIG_KEY:
		o->tsig_key = val;
		return 0;
	case OPT_ZONE:
		return cmd_opt_zone("apply", val, &o->zones, &o->nzones);
	case OPT_DRY_RUN:
		o->dry_run = 1;
		return 0;
	case OPT_WAIT:
		if (parse_uint(val, 1, 86400, &v) == -1)
			return cmd_usage_error("apply", "--wait %s: expected "
			    "seconds from 1 to 86400", val);
		o->wait = (unsigned)v;
		return 0;
	case OPT_FORCE:
		o->force = 1;
		return 0;
	default:
		return -1;
	}
}

enum zstate { Z_UNREAD, Z_AT_STAGE, Z_READY, Z_UNEXPECTED };

static const char *const zstate_names[] = { "unread", "at-stage", "ready",
	"unexpected" };

/* One zone at one server: its message, where it goes, what it holds. */
struct zone_job {
	struct upd_msg *msg;
	char *primary;		/* address */
	struct strlist others;	/* all the primary's addresses (A, then
				 * AAAA, each in numeric order), tried in
				 * turn while it is silent */
	size_t next_other;
	unsigned port;
	char *primary_name;	/* the SOA MNAME, or the --server */
	struct dns_answer **seen;	/* what the server serves */
	size_t nseen;
	int read;		/* the server answered every question */
	int lame;		/* it answered, but not for the zone */
	enum zstate state;	/* by classify() */
	char *why;		/* Z_UNREAD, Z_UNEXPECTED: what */
	uint32_t max_ttl;	/* of the RRsets the message replaces */
	uint32_t stale_ttl;	/* of those whose values it changes */
	unsigned long serial_before, serial_after;
	int sent;		/* the zone holds the stage after the update */
	int reread;		/* it was read after the update */
	int answered, rcode;
};

static void
on_seen(void *arg, struct dns_answer *a)
{
	struct zone_job *j = arg;

	j->seen = xreallocarray(j->seen, j->nseen + 1, sizeof *j->seen);
	j->seen[j->nseen++] = a;
}

static const struct dns_answer *
seen(const struct zone_job *j, const char *owner, enum rrtype type)
{
	for (size_t i = 0; i < j->nseen; i++)
		if (j->seen[i]->type == type &&
		    strcmp(j->seen[i]->name, owner) == 0)
			return j->seen[i];
	return NULL;
}

/* What was read, forgotten (before reading again). */
static void
job_forget(struct zone_job *j)
{
	for (size_t i = 0; i < j->nseen; i++)
		dns_answer_free(j->seen[i]);
	free(j->seen);
	free(j->why);
	j->seen = NULL;
	j->nseen = 0;
	j->why = NULL;
	j->read = 0;
	j->lame = 0;
	j->state = Z_UNREAD;
	j->max_ttl = 0;
	j->stale_ttl = 0;
}

/* The job's primary is now addr, and next the others from next_other on
 * (the next address in turn, or where the zone's first part went). */
static void
job_move(struct zone_job *j, const char *addr, size_t next_other)
{
	char *a = xstrdup(addr);

	free(j->primary);
	j->primary = a;
	j->next_other = next_other;
}

static void
job_free(struct zone_job *j)
{
	job_forget(j);
	free(j->primary);
	free(j->primary_name);
	strlist_free(&j->others);
}

/* The values of the RRset in the message at owner/type, for kind (the
 * prerequisites or the additions), sorted; *ttl the additions' TTL. */
static void
wanted(const struct upd_msg *m, const char *owner, enum rrtype type,
    enum upd_kind kind, struct strlist *out, uint32_t *ttl)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct upd_op *o = &m->v[i];

		if (o->kind != kind || o->type != type ||
		    strcmp(o->owner, owner) != 0)
			continue;
		strlist_add(out, o->rdata);
		if (ttl != NULL)
			*ttl = o->ttl;
	}
	strlist_sort_unique(out);
}

static void
values(const struct dns_answer *a, struct strlist *out)
{
	for (size_t i = 0; a != NULL && a->rrset != NULL && i < a->rrset->n;
	    i++)
		strlist_add(out, a->rrset->rdata[i]);
	strlist_sort_unique(out);
}

/* 1 when the message has a prerequisite on owner/type. */
static int
guarded(const struct upd_msg *m, const char *owner, enum rrtype type)
{
	for (size_t i = 0; i < m->nprereq; i++)
		if (m->v[i].type == type && strcmp(m->v[i].owner, owner) == 0)
			return 1;
	return 0;
}

static char *
holds(const char *owner, enum rrtype type, const struct strlist *have,
    const char *what, const struct strlist *want)
{
	char *h = strlist_join(have, ", ", "none");
	char *w = strlist_join(want, ", ", "none");
	char *why = xasprintf("%s %s holds %s, %s %s", owner,
	    rrtype_name(type), h, what, w);

	free(h);
	free(w);
	return why;
}

/* An RRset the message sets (o, its deletion), as the zone holds it
 * against the stage's: RS_SAME; RS_VALUES, other values; the stage's
 * values with TTLs mixed or above the stage's (RS_TTL_OTHER) or below it
 * (RS_TTL_LOWER). *why (when why): what differs, for all but RS_SAME;
 * *held and *stage: the TTLs. */
enum rrset_cmp { RS_SAME, RS_VALUES, RS_TTL_OTHER, RS_TTL_LOWER };

static enum rrset_cmp
rrset_vs_stage(const struct zone_job *j, const struct upd_op *o, char **why,
    uint32_t *held, uint32_t *stage)
{
	const struct dns_answer *a = seen(j, o->owner, o->type);
	struct strlist want = { 0 }, have = { 0 };
	enum rrset_cmp c = RS_SAME;
	uint32_t ttl = 0;

	wanted(j->msg, o->owner, o->type, UPD_ADD, &want, &ttl);
	values(a, &have);
	if (!strlist_equal(&want, &have)) {
		c = RS_VALUES;
		if (why != NULL)
			*why = holds(o->owner, o->type, &have, "the stage",
			    &want);
	} else if (want.n > 0 && (a->rrset->ttl_mixed ||
	    a->rrset->ttl != ttl)) {
		c = !a->rrset->ttl_mixed && a->rrset->ttl < ttl ?
		    RS_TTL_LOWER : RS_TTL_OTHER;
		*held = a->rrset->ttl;
		*stage = ttl;
		if (why != NULL)
			*why = xasprintf("%s %s has TTL %u, the stage %u",
			    o->owner, rrtype_name(o->type),
			    (unsigned)a->rrset->ttl_max, (unsigned)ttl);
	}
	strlist_free(&want);
	strlist_free(&have);
	return c;
}

/* At the stage: no name the message sets is an alias, every RRset it
 * sets holds exactly its values with its TTL, every RRset it only
 * deletes is absent. NULL, or what differs (newly allocated). */
static char *
differs_from_stage(const struct zone_job *j)
{
	const struct upd_msg *m = j->msg;
	char *why = NULL;
	uint32_t held, stage;

	for (size_t i = 0; i < m->nprereq && why == NULL; i++) {
		const struct upd_op *o = &m->v[i];

		if (o->type == RR_CNAME && seen(j, o->owner, RR_CNAME) != NULL &&
		    seen(j, o->owner, RR_CNAME)->rrset != NULL)
			why = xasprintf("%s is an alias", o->owner);
	}
	for (size_t i = m->nprereq; i < m->n && why == NULL; i++)
		if (m->v[i].kind == UPD_DELETE)
			rrset_vs_stage(j, &m->v[i], &why, &held, &stage);
	return why;
}

/* 1 when the zone holds the message's values everywhere, and some with a
 * TTL below the stage's (none above): after an update that changed the
 * zone, the server capped it (BIND's max-zone-ttl, 86400 s by default
 * under dnssec-policy). *served and *stage: the first such RRset's TTLs. */
static int
ttl_capped(const struct zone_job *j, uint32_t *served, uint32_t *stage)
{
	const struct upd_msg *m = j->msg;
	int capped = 0;

	for (size_t i = m->nprereq; i < m->n; i++) {
		uint32_t held, ttl;

		if (m->v[i].kind != UPD_DELETE)
			continue;
		switch (rrset_vs_stage(j, &m->v[i], NULL, &held, &ttl)) {
		case RS_VALUES:
		case RS_TTL_OTHER:
			return 0;
		case RS_TTL_LOWER:
			if (!capped++) {
				*served = held;
				*stage = ttl;
			}
			break;
		case RS_SAME:
			break;
		}
	}
	return capped;
}

/* why, and for a host's addresses the way on: the plan's addresses may
 * have been corrected after a stage published the earlier ones, which no
 * stage replaces (each guards on what the plan says was published). */
static char *
address_hint(char *why, const struct upd_op *o)
{
	char *out;

	if (o->type != RR_A && o->type != RR_AAAA)
		return why;
	out = xasprintf("%s; if %s's addresses in the plan changed since, set "
	    "the record to the plan's by hand (nsupdate), or put the plan "
	    "back", why, o->owner);
	free(why);
	return out;
}

/* Ready for the message: every prerequisite holds (as the server will
 * judge them); every RRset without one (a host the previous stage did not
 * publish) holds nothing or the stage's own values; at cutover, pre's
 * lowered TTLs are in place. NULL, or the first that fails. */
static char *
not_ready(const struct zone_job *j, enum stage stage)
{
	const struct upd_msg *m = j->msg;
	char *why = NULL;

	for (size_t i = 0; i < m->nprereq && why == NULL; i++) {
		const struct upd_op *o = &m->v[i];
		const struct dns_answer *a = seen(j, o->owner, o->type);
		struct strlist want = { 0 }, have = { 0 };

		/* made true by the zone's hosts part, sent before */
		if (o->after)
			continue;
		values(a, &have);
		if (o->kind == UPD_PREREQ_ABSENT && have.n > 0)
			why = xasprintf("%s %s should be absent, it holds %s",
			    o->owner, rrtype_name(o->type), have.v[0]);
		else if (o->kind == UPD_PREREQ_EXACT) {
			wanted(m, o->owner, o->type, UPD_PREREQ_EXACT, &want,
			    NULL);
			if (!strlist_equal(&want, &have))
				why = address_hint(holds(o->owner, o->type,
				    &have, "the previous stage left", &want),
				    o);
			else if (stage == STAGE_CUTOVER &&
			    a->rrset->ttl_max > o->ttl)
				why = xasprintf("%s %s has TTL %u, stage pre "
				    "sets %u: pre is not in place (apply "
				    "--stage pre, then wait %u s)", o->owner,
				    rrtype_name(o->type),
				    (unsigned)a->rrset->ttl_max,
				    (unsigned)o->ttl,
				    (unsigned)a->rrset->ttl_max);
		}
		strlist_free(&want);
		strlist_free(&have);
	}
	for (size_t i = m->nprereq; i < m->n && why == NULL; i++) {
		const struct upd_op *o = &m->v[i];
		struct strlist want = { 0 }, have = { 0 };

		if (o->kind != UPD_DELETE || guarded(m, o->owner, o->type))
			continue;
		values(seen(j, o->owner, o->type), &have);
		wanted(m, o->owner, o->type, UPD_ADD, &want, NULL);
		if (have.n > 0 && !strlist_equal(&want, &have))
			why = address_hint(holds(o->owner, o->type, &have,
			    "neither nothing nor the plan's", &want), o);
		strlist_free(&want);
		strlist_free(&have);
	}
	return why;
}

/* Read each job's zone at its server: the SOA (its serial) and every
 * RRset the message names. A job whose server does not answer for all of
 * them is left Z_UNREAD with why. */
static void
read_jobs(struct zone_job *jobs, size_t n, unsigned timeout_ms)
{
	struct loop *l;
	struct nsserver **ns = xcalloc(n ? n : 1, sizeof *ns);
	char *cause = NULL;

	if ((l = loop_new(&cause)) == NULL) {
		for (size_t i = 0; i < n; i++)
			if (jobs[i].primary != NULL && jobs[i].why == NULL)
				jobs[i].why = xstrdup(cause);
		free(cause);
		free(ns);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct zone_job *j = &jobs[i];
		struct strlist asked = { 0 };

		if (j->primary == NULL)
			continue;
		if ((ns[i] = nsserver_new(l, j->primary, j->port, timeout_ms,
		    &cause)) == NULL) {
			j->why = cause;
			cause = NULL;
			continue;
		}
		nsserver_query(ns[i], j->msg->zone, RR_SOA, on_seen, j);
		for (size_t k = 0; k < j->msg->n; k++) {
			const struct upd_op *op = &j->msg->v[k];
			char *key = xasprintf("%s/%s", op->owner,
			    rrtype_name(op->type));

			if (!strlist_has(&asked, key))
				nsserver_query(ns[i], op->owner, op->type,
				    on_seen, j);
			strlist_take(&asked, key);
		}
		strlist_free(&asked);
	}
	loop_run(l);
	for (size_t i = 0; i < n; i++) {
		struct zone_job *j = &jobs[i];
		const struct dns_answer *soa;

		if (ns[i] == NULL)
			continue;
		soa = seen(j, j->msg->zone, RR_SOA);
		for (size_t k = 0; k < j->nseen; k++)
			j->lame |= j->seen[k]->lame;
		if (soa == NULL || soa->status != DNS_OK || soa->rrset == NULL) {
			j->why = xasprintf("%s does not answer for the zone "
			    "(%s)", j->primary, soa && soa->error ? soa->error :
			    "no SOA");
			continue;
		}
		j->serial_before = soa->rrset->serial;
		for (size_t k = 0; k < j->nseen && j->why == NULL; k++) {
			const struct dns_answer *a = j->seen[k];

			if (a->status != DNS_OK)
				j->why = xasprintf("%s does not answer for %s "
				    "%s (%s)", j->primary, a->name,
				    rrtype_name(a->type), a->error ? a->error :
				    "no answer");
		}
		j->read = j->why == NULL;
	}
	for (size_t i = 0; i < n; i++)
		nsserver_free(ns[i]);
	free(ns);
	loop_free(l);
}

/* The other part of job i's zone sent before it (a split zone), or
 * NULL: what is done or said for a zone is done or said once. */
static const struct zone_job *
first_part(const struct zone_job *jobs, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(jobs[k].msg->zone, jobs[i].msg->zone) == 0)
			return &jobs[k];
	return NULL;
}

/* read_jobs, then, for each zone whose primary did not answer for it,
 * the primary's other addresses in turn (an SOA MNAME with an address
 * this host cannot reach, say its IPv4 one behind a firewall): the first
 * that answers is the primary from then on. */
static void
read_jobs_any_address(struct zone_job *jobs, size_t n, unsigned timeout_ms)
{
	read_jobs(jobs, n, timeout_ms);
	for (size_t i = 0; i < n; i++) {
		struct zone_job *j = &jobs[i];
		const struct zone_job *f = first_part(jobs, i);

		/* a split zone's second part: where its first part got an
		 * answer, without trying (and saying) it all again */
		if (f != NULL) {
			if (!j->read && f->read && f->primary != NULL &&
			    (j->primary == NULL ||
			    strcmp(f->primary, j->primary) != 0)) {
				job_forget(j);
				job_move(j, f->primary, f->next_other);
				read_jobs(j, 1, timeout_ms);
			}
			continue;
		}
		while (j->primary != NULL && !j->read &&
		    j->next_other < j->others.n) {
			fprintf(stderr, "xmppcut: apply: %s (%s) does not answer "
			    "for zone %s; trying %s\n", j->primary_name,
			    j->primary, j->msg->zone,
			    j->others.v[j->next_other]);
			job_forget(j);
			job_move(j, j->others.v[j->next_other],
			    j->next_other + 1);
			read_jobs(j, 1, timeout_ms);
		}
	}
}

/* The largest TTLs of the RRsets the message replaces: of all, and of
 * those whose values change (what a cache may hold that is no longer so). */
static void
replaced_ttls(struct zone_job *j)
{
	const struct upd_msg *m = j->msg;

	for (size_t i = m->nprereq; i < m->n; i++) {
		const struct upd_op *o = &m->v[i];
		const struct dns_answer *a = seen(j, o->owner, o->type);
		struct strlist want = { 0 }, have = { 0 };

		if (o->kind != UPD_DELETE || a == NULL || a->rrset == NULL)
			continue;
		if (a->rrset->ttl_max > j->max_ttl)
			j->max_ttl = a->rrset->ttl_max;
		values(a, &have);
		wanted(m, o->owner, o->type, UPD_ADD, &want, NULL);
		if (!strlist_equal(&want, &have) &&
		    a->rrset->ttl_max > j->stale_ttl)
			j->stale_ttl = a->rrset->ttl_max;
		strlist_free(&want);
		strlist_free(&have);
	}
}

/* Sort a zone: unread, at the stage, ready or unexpected. */
static void
classify(struct zone_job *j, enum stage stage)
{
	if (!j->read) {
		j->state = Z_UNREAD;
		return;
	}
	replaced_ttls(j);
	if ((j->why = differs_from_stage(j)) == NULL) {
		j->state = Z_AT_STAGE;
		return;
	}
	free(j->why);
	j->why = not_ready(j, stage);
	j->state = j->why == NULL ? Z_READY : Z_UNEXPECTED;
}

static void
on_seen_slot(void *arg, struct dns_answer *a)
{
	*(struct dns_answer **)arg = a;
}

/* The first address of an A or AAAA answer, or NULL. */
static const char *
first_address(const struct dns_answer *a)
{
	return a != NULL && a->status == DNS_OK && a->rrset != NULL &&
	    a->rrset->n > 0 ? a->rrset->rdata[0] : NULL;
}

/* qsort: two addresses of one family (text), in numeric order. */
static int
address_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	struct sockaddr_storage sx, sy;
	socklen_t lx, ly;

	/* zeroed but for family and address: ordered by the address */
	if (sockaddr_from(x, 0, &sx, &lx) == -1 ||
	    sockaddr_from(y, 0, &sy, &ly) == -1)
		return strcmp(x, y);
	return memcmp(&sx, &sy, sizeof sx);
}

/* The MNAME of an SOA answer (its first field), normalised. */
static char *
soa_mname(const struct dns_answer *a)
{
	const char *v = a->rrset->rdata[0];
	char *first = xstrndup(v, strcspn(v, " \t")), *out;

	out = dname_normalize(first);
	free(first);
	return out;
}

/* The primaries: --server, else the SOA MNAME's address (IPv4 first). A
 * zone whose primary cannot be found keeps primary NULL and a why. -1
 * when no resolver can be set up. */
static int
find_primaries(struct report *r, struct globals *g, const struct apply_opts *o,
    struct zone_job *jobs, size_t n)
{
	struct resolver_opts ro;
	struct resolver *res = NULL;
	struct loop *l = NULL;
	struct dns_answer **soa = xcalloc(n ? n : 1, sizeof *soa);
	struct dns_answer **addr = xcalloc(2 * (n ? n : 1), sizeof *addr);
	char *cause = NULL;
	int ret = -1;

	if (o->server != NULL) {
		for (size_t i = 0; i < n; i++) {
			jobs[i].port = 53;
			parse_endpoint(o->server, '@', &jobs[i].primary,
			    &jobs[i].port);
			jobs[i].primary_name = xstrdup(o->server);
		}
		ret = 0;
		goto out;
	}
	resolver_opts_from(&ro, g);
	if ((l = loop_new(&cause)) == NULL ||
	    (res = resolver_new(l, &ro, &cause)) == NULL) {
		findings_add(report_findings(r), SEV_ERROR, F_RESOLVER_FAILED,
		    NULL, "%s", cause);
		free(cause);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		resolver_query(res, jobs[i].msg->zone, RR_SOA, on_seen_slot,
		    &soa[i]);
	loop_run(l);
	for (size_t i = 0; i < n; i++) {
		if (soa[i] == NULL || soa[i]->status != DNS_OK ||
		    soa[i]->rrset == NULL)
			continue;
		jobs[i].primary_name = soa_mname(soa[i]);
		resolver_query(res, jobs[i].primary_name, RR_A, on_seen_slot,
		    &addr[2 * i]);
		resolver_query(res, jobs[i].primary_name, RR_AAAA,
		    on_seen_slot, &addr[2 * i + 1]);
	}
	loop_run(l);
	for (size_t i = 0; i < n; i++) {
		/* every address, A first, each family in numeric order (the
		 * same primary every run, whatever order the resolver
		 * rotates): the first is the primary, the others are tried
		 * when it does not answer */
		for (int f = 0; f < 2; f++) {
			const struct dns_answer *a = addr[2 * i + f];
			size_t from = jobs[i].others.n;

			for (size_t k = 0; first_address(a) != NULL &&
			    k < a->rrset->n; k++)
				if (!strlist_has(&jobs[i].others,
				    a->rrset->rdata[k]))
					strlist_add(&jobs[i].others,
					    a->rrset->rdata[k]);
			if (jobs[i].others.n - from > 1)
				qsort(jobs[i].others.v + from,
				    jobs[i].others.n - from,
				    sizeof *jobs[i].others.v, address_cmp);
		}
		jobs[i].port = 53;
		if (jobs[i].others.n > 0)
			jobs[i].primary = xstrdup(jobs[i].others.v[
			    jobs[i].next_other++]);
		else if (jobs[i].primary_name == NULL)
			jobs[i].why = xasprintf("its primary cannot be found: "
			    "the resolver gives no SOA for %s%s%s; give it "
			    "with --server", jobs[i].msg->zone, soa[i] &&
			    soa[i]->error ? ": " : "", soa[i] && soa[i]->error ?
			    soa[i]->error : "");
		else
			jobs[i].why = xasprintf("its primary %s (the SOA "
			    "MNAME) has no address; give it with --server",
			    jobs[i].primary_name);
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++) {
		dns_answer_free(soa[i]);
		dns_answer_free(addr[2 * i]);
		dns_answer_free(addr[2 * i + 1]);
	}
	free(soa);
	free(addr);
	resolver_free(res);
	loop_free(l);
	return ret;
}

static void
utc(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, 32, "%lld (epoch)", (long long)t);
}

/* 1 when the message replaces records the previous stage left (it has
 * prerequisites on their values). */
static int
replaces_values(const struct upd_msg *m)
{
	/* not the guards on what the zone's hosts part sets */
	for (size_t i = 0; i < m->nprereq; i++)
		if (m->v[i].kind == UPD_PREREQ_EXACT && !m->v[i].after)
			return 1;
	return 0;
}

/* The TTL gate, for the zones about to get cutover: it waits until the
 * TTL that pre's replaced records had has passed since pre reached the
 * zone, so no cache holds records older than pre. 0, or -1 when nothing
 * may be sent (or the journal cannot be read). */
static int
ttl_gate(struct report *r, const struct apply_opts *o, const char *journal,
    const struct journal_entry *v, size_t nv, const struct zone_job *jobs,
    size_t n)
{
	const struct journal_entry *last = NULL;
	struct strlist missing = { 0 }, partial = { 0 };
	char when[32];
	time_t now = time(NULL);
	int ret = 0;

	if (o->stage != STAGE_CUTOVER)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct journal_entry *e;

		/* a zone where pre left nothing the message guards (only new
		 * hosts) holds no records older than pre */
		if (jobs[i].state != Z_READY || !replaces_values(jobs[i].msg))
			continue;
		e = journal_last(v, nv, STAGE_PRE, jobs[i].msg->zone);
		if (e == NULL) {
			/* a split zone's two parts: named once */
			if (!strlist_has(&missing, jobs[i].msg->zone))
				strlist_add(&missing, jobs[i].msg->zone);
		} else if (e->kind == J_PARTIAL) {
			if (strlist_has(&partial, e->zone))
				continue;
			strlist_add(&partial, e->zone);
			utc(e->at, when);
			findings_add(report_findings(r), o->force ?
			    SEV_WARNING : SEV_ERROR, F_TTL_WAIT, e->zone,
			    "when apply last waited for zone %s (%s), not "
			    "every name server served pre: caches fed by one "
			    "that did not may hold today's records with their "
			    "old TTL; run apply --stage pre --wait: the TTL "
			    "counts from when every server serves pre (one "
			    "this host can never reach: --force)%s",
			    e->zone, when, o->force ? (o->dry_run ? " "
			    "(--force: apply would send anyway)" : " (--force: "
			    "sent anyway)") : "");
			ret = o->force ? 0 : -1;
		} else if (last == NULL || e->at + (time_t)e->ttl >
		    last->at + (time_t)last->ttl)
			last = e;
	}
	if (missing.n > 0) {
		char *z = strlist_join(&missing, ", ", "");

		findings_add(report_findings(r), SEV_WARNING, F_TTL_WAIT, NULL,
		    "%s has no journal entry for stage pre (%s): pre was not "
		    "sent by apply, so whether the replaced records' TTL has "
		    "passed since cannot be told; caches may still hold them",
		    z, journal);
		free(z);
	}
	if (last != NULL && last->at + (time_t)last->ttl > now) {
		utc(last->at + (time_t)last->ttl, when);
		findings_add(report_findings(r), o->force ? SEV_WARNING :
		    SEV_ERROR, F_TTL_WAIT, last->zone, "stage pre reached zone "
		    "%s %lld s ago and the records it replaced had TTL %u: "
		    "caches may hold them until %s%s", last->zone,
		    (long long)(now - last->at), (unsigned)last->ttl, when,
		    !o->force ? "; nothing is sent before then (--force sends "
		    "anyway)" : o->dry_run ? " (--force: apply would send "
		    "anyway)" : " (--force: sent anyway)");
		ret = o->force ? 0 : -1;
	}
	strlist_free(&missing);
	strlist_free(&partial);
	return ret;
}

/* Every name server of each zone, to watch propagation. */
struct nslist {
	struct zone_job *v;	/* one per server address */
	char **names;		/* v[i]'s server name */
	size_t n;
	size_t unaddressed;	/* name servers without an address */
	int incomplete;		/* a zone whose servers are not all known */
};

static void
nslist_add(struct nslist *l, struct upd_msg *m, const char *name,
    const char *addr)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->names = xreallocarray(l->names, l->n + 1, sizeof *l->names);
	memset(&l->v[l->n], 0, sizeof *l->v);
	l->v[l->n].msg = m;
	l->v[l->n].primary = xstrdup(addr);
	l->v[l->n].port = 53;
	l->names[l->n++] = xstrdup(name);
}

static void
nslist_free(struct nslist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		job_free(&l->v[i]);
		free(l->names[i]);
	}
	free(l->v);
	free(l->names);
}

/* The addresses (A and AAAA) of every NS of each zone, through the
 * resolver. A zone whose NS cannot be looked up, or none of whose servers
 * has an address, is an error (its other zones' servers are still
 * listed); a server without an address a warning. -1 when no resolver. */
static int
find_servers(struct report *r, struct globals *g, const char *why,
    struct zone_job *jobs, size_t n, struct nslist *out)
{
	struct resolver_opts ro;
	struct loop *l;
	struct resolver *res = NULL;
	struct dns_answer **nsans = xcalloc(n ? n : 1, sizeof *nsans);
	char *cause = NULL;
	int ret = 0;

	resolver_opts_from(&ro, g);
	if ((l = loop_new(&cause)) == NULL ||
	    (res = resolver_new(l, &ro, &cause)) == NULL) {
		findings_add(report_findings(r), SEV_ERROR, F_RESOLVER_FAILED,
		    NULL, "%s: %s", why, cause);
		free(cause);
		loop_free(l);
		free(nsans);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		resolver_query(res, jobs[i].msg->zone, RR_NS, on_seen_slot,
		    &nsans[i]);
	loop_run(l);
	for (size_t i = 0; i < n; i++) {
		const struct rrset *ns = nsans[i] && nsans[i]->status ==
		    DNS_OK ? nsans[i]->rrset : NULL;
		size_t nn = ns ? ns->n : 0, before = out->n;
		struct dns_answer **addr = xcalloc(2 * (nn ? nn : 1),
		    sizeof *addr);
		char **names = xcalloc(nn ? nn : 1, sizeof *names);

		if (ns == NULL) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_DNS_FAILURE, jobs[i].msg->zone, "%s: the NS "
			    "records of zone %s cannot be looked up (%s)", why,
			    jobs[i].msg->zone, nsans[i] && nsans[i]->error ?
			    nsans[i]->error : "no NS records");
			out->incomplete = 1;
		}
		for (size_t k = 0; k < nn; k++) {
			names[k] = dname_normalize(ns->rdata[k]);
			/* -4 / -6: the servers' other addresses are not
			 * polled (a host without IPv6 cannot reach them) */
			if (g->family != 6)
				resolver_query(res, names[k], RR_A,
				    on_seen_slot, &addr[2 * k]);
			if (g->family != 4)
				resolver_query(res, names[k], RR_AAAA,
				    on_seen_slot, &addr[2 * k + 1]);
		}
		loop_run(l);
		for (size_t k = 0; k < nn; k++) {
			size_t had = out->n;

			for (int f = 0; f < 2; f++) {
				const struct dns_answer *a = addr[2 * k + f];

				for (size_t x = 0; a != NULL && a->status ==
				    DNS_OK && a->rrset != NULL &&
				    x < a->rrset->n; x++)
					nslist_add(out, jobs[i].msg,
					    names[k], a->rrset->rdata[x]);
			}
			if (out->n == had && ++out->unaddressed)
				findings_add(report_findings(r), SEV_WARNING,
				    F_NS_UNREACHABLE, names[k], "%s: name "
				    "server %s of zone %s has no %saddress: "
				    "not verified there", why, names[k],
				    jobs[i].msg->zone, g->family == 4 ? "IPv4 " :
				    g->family == 6 ? "IPv6 " : "");
			dns_answer_free(addr[2 * k]);
			dns_answer_free(addr[2 * k + 1]);
			free(names[k]);
		}
		if (ns != NULL && out->n == before) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_DNS_FAILURE, jobs[i].msg->zone, "%s: no name "
			    "server of zone %s has an address", why,
			    jobs[i].msg->zone);
			out->incomplete = 1;
		}
		free(addr);
		free(names);
		dns_answer_free(nsans[i]);
	}
	free(nsans);
	resolver_free(res);
	loop_free(l);
	return ret;
}

/* Before cutover: every authoritative server of each zone about to get it
 * must serve pre (its values and lowered TTLs), not only the primary: a
 * server still serving today's records feeds caches with their old TTL.
 * 0, or -1 when held (ttl-wait; a warning with --force). */
static int
pre_everywhere(struct report *r, struct globals *g,
    const struct apply_opts *o, struct zone_job *jobs, size_t n,
    struct upd_set *by_zone)
{
	struct nslist sv = { 0 };
	struct zone_job *ready = xcalloc(by_zone->n ? by_zone->n : 1,
	    sizeof *ready);
	size_t nready = 0;
	int held = 0;

	/* each zone once, whole (a split zone's two messages joined) */
	for (size_t z = 0; z < by_zone->n; z++)
		for (size_t i = 0; i < n; i++)
			if (jobs[i].state == Z_READY && strcmp(jobs[i].msg->zone,
			    by_zone->v[z].zone) == 0) {
				ready[nready++].msg = &by_zone->v[z];
				break;
			}
	if (find_servers(r, g, "before cutover", ready, nready, &sv) == 0) {
		read_jobs(sv.v, sv.n, g->timeout * 1000);
		for (size_t i = 0; i < sv.n; i++) {
			struct zone_job *s = &sv.v[i];

			classify(s, STAGE_CUTOVER);
			if (s->state == Z_UNREAD)
				findings_add(report_findings(r), SEV_WARNING,
				    F_NS_UNREACHABLE, s->msg->zone, "name "
				    "server %s (%s) of zone %s does not answer: "
				    "whether it serves pre cannot be told",
				    sv.names[i], s->primary, s->msg->zone);
			else if (s->state == Z_UNEXPECTED) {
				findings_add(report_findings(r), o->force ?
				    SEV_WARNING : SEV_ERROR, F_TTL_WAIT,
				    s->msg->zone, "name server %s (%s) of zone "
				    "%s does not serve pre (%s): caches fed by "
				    "it may hold today's records with their old "
				    "TTL; cutover waits until every server "
				    "serves pre (apply --stage pre --wait), then "
				    "that TTL%s", sv.names[i], s->primary,
				    s->msg->zone, s->why ? s->why : "?",
				    o->force ? (o->dry_run ? " (--force: apply "
				    "would send anyway)" : " (--force: sent "
				    "anyway)") : "");
				held = 1;
			}
		}
	}
	nslist_free(&sv);
	free(ready);
	return held && !o->force ? -1 : 0;
}

/* With more than one zone, how many servers each has ("2 of example.test,
 * 3 of plain.test": a server of two zones counts in each); else NULL. */
static char *
servers_by_zone(const struct nslist *sv, const struct upd_set *by_zone)
{
	struct strlist parts = { 0 };
	char *out;

	if (by_zone->n < 2)
		return NULL;
	for (size_t z = 0; z < by_zone->n; z++) {
		size_t k = 0;

		for (size_t i = 0; i < sv->n; i++)
			k += strcmp(sv->v[i].msg->zone, by_zone->v[z].zone) ==
			    0;
		strlist_take(&parts, xasprintf("%zu of %s", k,
		    by_zone->v[z].zone));
	}
	out = strlist_join(&parts, ", ", "");
	strlist_free(&parts);
	return out;
}

/* The zones each of whose servers (every address found) was read and
 * serves the stage, into ok. */
static void
zones_served(const struct nslist *sv, const struct upd_set *by_zone,
    struct strlist *ok)
{
	for (size_t z = 0; z < by_zone->n; z++) {
		size_t n = 0, at = 0;

		for (size_t i = 0; i < sv->n; i++)
			if (strcmp(sv->v[i].msg->zone, by_zone->v[z].zone) == 0) {
				n++;
				at += sv->v[i].state == Z_AT_STAGE;
			}
		if (n > 0 && at == n)
			strlist_add(ok, by_zone->v[z].zone);
	}
}

/* Wait until every authoritative server of each zone (by_zone: one
 * message a zone) serves the stage's records, polling once a second, at
 * most `seconds`; progress on stderr. At the bound, a server behind is
 * ns-inconsistent, one that did not answer ns-unreachable, one that
 * answers but not for the zone ns-lame. 0 when every server was seen
 * serving the stage, else -1. */
static int
wait_propagation(struct report *r, struct globals *g, struct upd_set *by_zone,
    unsigned seconds, struct strlist *ok)
{
	uint64_t end = now_ms() + (uint64_t)seconds * 1000;
	struct nslist sv = { 0 };
	struct zone_job *zones = xcalloc(by_zone->n ? by_zone->n : 1,
	    sizeof *zones);
	int round = 0, ret = -1, found;

	for (size_t i = 0; i < by_zone->n; i++)
		zones[i].msg = &by_zone->v[i];
	found = find_servers(r, g, "--wait", zones, by_zone->n, &sv);
	free(zones);
	if (found == -1 || sv.n == 0) {
		nslist_free(&sv);
		return -1;
	}
	for (;;) {
		size_t behind = 0, silent = 0;
		struct strlist lag = { 0 };
		char *names;

		uint64_t now = now_ms(), left = end > now ? end - now : 0;

		for (size_t i = 0; i < sv.n; i++)
			job_forget(&sv.v[i]);
		/* within --wait's bound: a silent server costs what is left of
		 * it (a second at least), not --timeout on top */
		read_jobs(sv.v, sv.n, (unsigned)(left < 1000 ? 1000 : left <
		    g->timeout * 1000ULL ? left : g->timeout * 1000ULL));
		for (size_t i = 0; i < sv.n; i++) {
			struct zone_job *s = &sv.v[i];

			/* behind: what differs from the stage is the reason */
			if (!s->read) {
				s->state = Z_UNREAD;
				silent++;
			}
			else if ((s->why = differs_from_stage(s)) != NULL) {
				s->state = Z_READY;
				behind++;
			} else
				s->state = Z_AT_STAGE;
			if (s->state != Z_AT_STAGE) {
				char *n = by_zone->n > 1 ? xasprintf("%s for "
				    "%s", sv.names[i], s->msg->zone) :
				    xstrdup(sv.names[i]);

				if (!strlist_has(&lag, n))
					strlist_add(&lag, n);
				free(n);
			}
		}
		if (behind == 0 && silent == 0) {
			char *each = servers_by_zone(&sv, by_zone);

			strlist_free(&lag);

			fprintf(stderr, "xmppcut: apply: all %zu servers serve "
			    "the stage%s%s%s%s\n", sv.n, each ? " (" : "",
			    each ? each : "", each ? ")" : "", sv.unaddressed ?
			    " (not counting the name servers without an "
			    "address)" : "");
			free(each);
			ret = sv.unaddressed || sv.incomplete ? -1 : 0;
			zones_served(&sv, by_zone, ok);
			break;
		}
		if (now_ms() >= end) {
			strlist_free(&lag);
			zones_served(&sv, by_zone, ok);
			for (size_t i = 0; i < sv.n; i++) {
				const struct zone_job *s = &sv.v[i];

				if (s->state == Z_AT_STAGE)
					continue;
				if (s->lame)
					findings_add(report_findings(r),
					    SEV_ERROR, F_NS_LAME, s->msg->zone,
					    "after --wait %u s, name server %s "
					    "(%s) of zone %s answers, but not "
					    "for the zone: %s", seconds,
					    sv.names[i], s->primary,
					    s->msg->zone, s->why ? s->why : "?");
				else
					findings_add(report_findings(r),
					    s->state == Z_UNREAD ? SEV_WARNING :
					    SEV_ERROR, s->state == Z_UNREAD ?
					    F_NS_UNREACHABLE : F_NS_INCONSISTENT,
					    s->msg->zone, "after --wait %u s, "
					    "name server %s (%s) of zone %s %s: "
					    "%s", seconds, sv.names[i],
					    s->primary, s->msg->zone, s->state ==
					    Z_UNREAD ? "does not answer, "
					    "propagation not verified there" :
					    "still serves other records", s->why ?
					    s->why : "?");
			}
			break;
		}
		/* each server behind once (its addresses count apart) */
		names = strlist_join(&lag, ", ", "?");
		fprintf(stderr, "xmppcut: apply: %zu of %zu servers%s behind%s "
		    "(%s)%s\n", behind + silent, sv.n, by_zone->n > 1 ?
		    " of the zones" : "", silent ? " or silent" : "", names,
		    round++ ? "" : "; waiting");
		free(names);
		strlist_free(&lag);
		sleep(1);
	}
	nslist_free(&sv);
	return ret;
}

/* The gateway host an operation's owner belongs to: the owner of A and
 * AAAA, HOST of _PORT._tcp.HOST TLSA; NULL for other types. */
static const char *
host_of(const struct upd_op *o)
{
	const char *t;

	if (o->type == RR_A || o->type == RR_AAAA)
		return o->owner;
	if (o->type == RR_TLSA && (t = strstr(o->owner, "._tcp.")) != NULL)
		return t + strlen("._tcp.");
	return NULL;
}

/* 1 when the zone, as read before sending, held every value the message
 * sets for host: its A and AAAA records, and TLSA records (_PORT._tcp.host)
 * -- an SRV may name it whether or not the message went through. */
static int
host_in_place(const struct zone_job *j, const char *host)
{
	const struct upd_msg *m = j->msg;
	int ok = 1;

	for (size_t i = m->nprereq; i < m->n && ok; i++) {
		const struct upd_op *o = &m->v[i];
		const char *t = host_of(o);
		struct strlist want = { 0 }, have = { 0 };

		if (o->kind != UPD_DELETE || t == NULL || strcmp(t, host) != 0)
			continue;
		wanted(m, o->owner, o->type, UPD_ADD, &want, NULL);
		values(seen(j, o->owner, o->type), &have);
		ok = strlist_equal(&want, &have);
		strlist_free(&want);
		strlist_free(&have);
	}
	return ok;
}

/* The SRV target a message adds that is in failed (hosts whose zone was
 * not updated), or NULL. */
static const char *
names_failed_host(const struct upd_msg *m, const struct strlist *failed)
{
	const char *hit = NULL;

	for (size_t i = m->nprereq; i < m->n && hit == NULL; i++) {
		const struct upd_op *o = &m->v[i];
		const char *t;
		char *host;

		if (o->kind != UPD_ADD || o->type != RR_SRV ||
		    (t = strrchr(o->rdata, ' ')) == NULL)
			continue;
		host = dname_normalize(t + 1);
		for (size_t k = 0; k < failed->n && hit == NULL; k++)
			if (strcmp(failed->v[k], host) == 0)
				hit = failed->v[k];
		free(host);
	}
	return hit;
}

/* What a split zone's message is, for findings: "" for a whole zone. */
static const char *
part_note(const struct upd_msg *m)
{
	return m->part == UPD_HOSTS ? " (its hosts)" : m->part == UPD_SRV ?
	    " (its SRV records)" : "";
}

/* 1 when the zone read again (after) differs from the stage as it did
 * before the update (before: differs_from_stage of it then): nothing of
 * the update shows. */
static int
unchanged(const char *before, const struct zone_job *after)
{
	char *now = differs_from_stage(after);
	int same = before != NULL && now != NULL && strcmp(before, now) == 0;

	free(now);
	return same;
}

/* 1 when the server takes the update but caps its TTLs: the zone holds
 * the stage's values with lower TTLs (ttl_capped), and either the update
 * showed (what differs changed, or the serial moved) or, at final (the
 * one stage that raises TTLs), the TTL is not cutover's: a second run's
 * update leaves the same capped TTL, and BIND then keeps the serial. */
static int
capped(const struct zone_job *j, const char *before,
    const struct zone_job *after, const struct apply_opts *o,
    uint32_t *served, uint32_t *stage)
{
	return after->read && ttl_capped(after, served, stage) &&
	    (!unchanged(before, after) ||
	    after->serial_before != j->serial_before ||
	    (o->stage == STAGE_FINAL && *served != o->cutover_ttl));
}

/* Read zone j again after its update into *after (classified). A server
 * may answer NOERROR before it serves the change: BIND with
 * inline-signing applies an update to the unsigned zone, answers, and
 * serves it once signed, some milliseconds later (the default with
 * dnssec-policy from BIND 9.20). So while the zone is still ready for
 * the message and differs from the stage as it did (whatever its serial:
 * other changes and re-signing move it too), it is read again every 50 ms,
 * within --timeout in all. Anything else is the answer: the stage, or
 * something that is neither (part of the update dropped), or no
 * answer. */
static void
published(struct zone_job *after, const struct zone_job *j,
    const char *before, const struct apply_opts *o, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms, now;
	const struct timespec pause = { 0, 50 * 1000 * 1000 };
	uint32_t x, y;

	for (now = now_ms();; now = now_ms()) {
		memset(after, 0, sizeof *after);
		after->msg = j->msg;
		after->primary = j->primary;
		after->port = j->port;
		read_jobs(after, 1, now < end ? (unsigned)(end - now) : 1);
		classify(after, o->stage);
		/* ready as before: again, with 250 ms at least to answer
		 * in; ready, but not as before (a TTL capped): an answer */
		if (!j->answered || after->state != Z_READY ||
		    !unchanged(before, after) ||
		    capped(j, before, after, o, &x, &y) ||
		    now_ms() + 50 + 250 >= end)
			return;
		job_forget(after);
		nanosleep(&pause, NULL);
	}
}

/* What a refusal by RCODE says about the key or the server. NOTAUTH: the
 * key (name, secret, algorithm) is not accepted (Knot, BIND: BADKEY,
 * BADSIG). REFUSED: the zone's ACL does not let this sender update
 * (BIND's allow-update, an update-policy grant too narrow: every message
 * sets or deletes both address types of the hosts it sets, whatever the
 * plan has;
 * Knot without a key), a frozen zone, or a secondary that does not
 * forward it. NOTIMP: the server takes no updates at all (NSD, a
 * secondary). */
static const char *
refusal_hint(int rcode, int have_key)
{
	if (rcode == 4)
		return " (this server takes no updates: it is not the zone's "
		    "primary -- NSD never is; give --server the primary, or "
		    "correct the SOA MNAME)";
	if (rcode != 9 && rcode != 5)
		return "";
	if (!have_key)
		return " (no --tsig-key was given: the zone's ACL may want the "
		    "update signed)";
	return rcode == 9 ? " (the key is not accepted: check --tsig-key and "
	    "the zone's ACL)" : " (the zone's ACL does not let this key "
	    "update these names and types -- BIND's allow-update, or an "
	    "update-policy grant, which must cover SRV, A, AAAA (and TLSA "
	    "with a cert); "
	    "Knot's acl -- or the zone is frozen (rndc freeze), or the "
	    "server is not the zone's primary)";
}

/* Say why zone j does not hold the stage after its update (before: what
 * differed then; *after: the zone read again; cause: why no answer came,
 * when none did). */
static void
not_held(struct report *r, const struct apply_opts *o,
    const struct zone_job *j, const char *before,
    const struct zone_job *after, const char *cause, unsigned timeout_ms)
{
	uint32_t served = 0, stage_ttl = 0;

	if (!j->answered)
		findings_add(report_findings(r), SEV_ERROR, F_UPDATE_REFUSED,
		    j->msg->zone, "%s; zone %s%s does not hold the stage (%s); "
		    "run apply again", cause, j->msg->zone, part_note(j->msg),
		    after->state == Z_READY ? "it is unchanged" : after->why ?
		    after->why : "it cannot be read");
	else if (!after->read)
		findings_add(report_findings(r), SEV_ERROR, F_UPDATE_REFUSED,
		    j->msg->zone, "the server answered NOERROR for zone %s%s, "
		    "then did not answer when it was read again (%s): whether "
		    "it holds the stage cannot be told; run apply again",
		    j->msg->zone, part_note(j->msg), after->why ? after->why :
		    "no answer");
	else if (capped(j, before, after, o, &served, &stage_ttl))
		findings_add(report_findings(r), SEV_ERROR, F_UPDATE_REFUSED,
		    j->msg->zone, "the server answered NOERROR, and zone %s%s "
		    "holds the stage's records, but with TTL %u where the stage "
		    "sets %u: the server caps TTLs (BIND's max-zone-ttl, 86400 "
		    "s by default under dnssec-policy); set the plan's ttl to "
		    "at most %u, or raise the cap", j->msg->zone,
		    part_note(j->msg), (unsigned)served, (unsigned)stage_ttl,
		    (unsigned)served);
	else if (after->state == Z_READY && unchanged(before, after))
		findings_add(report_findings(r), SEV_ERROR, F_UPDATE_REFUSED,
		    j->msg->zone, "the server answered NOERROR, but %u s later "
		    "zone %s%s (serial %lu) still holds what it held before: "
		    "the update was not applied, or the server publishes it "
		    "later than --timeout; read the zone's serial (dig SOA) "
		    "and run apply again once it changes", timeout_ms / 1000,
		    j->msg->zone, part_note(j->msg), after->serial_before);
	else {
		char *why = differs_from_stage(after);

		findings_add(report_findings(r), SEV_ERROR, F_UPDATE_REFUSED,
		    j->msg->zone, "the server answered NOERROR; zone %s%s does "
		    "not hold the stage (%s): part of the update was dropped "
		    "(a server ignores an addition at an alias, RFC 2136 "
		    "§3.4.2.2)", j->msg->zone, part_note(j->msg), why ? why :
		    "?");
		free(why);
	}
}

/* 1 when RCODE says the server rejected the update whole, so nothing of
 * it was applied (RFC 2136 §3: the format, the prerequisites, the key,
 * the zone, the server); 0 for others (SERVFAIL: it may have been). */
static int
rejected(int rcode)
{
	switch (rcode) {
	case 1:		/* FORMERR */
	case 3:		/* NXDOMAIN: a prerequisite */
	case 4:		/* NOTIMP */
	case 5:		/* REFUSED */
	case 6:		/* YXDOMAIN */
	case 7:		/* YXRRSET */
	case 8:		/* NXRRSET */
	case 9:		/* NOTAUTH */
	case 10:	/* NOTZONE */
		return 1;
	default:
		return 0;
	}
}

/* Take back a journal entry written before an update the server then
 * refused, or that never left: the stage did not reach the zone, and the
 * TTL gate must not count from it. */
static void
withdraw(struct report *r, const char *journal, const struct journal_entry *e)
{
	char *cause = NULL;

	if (journal_withdraw(journal, e, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR,
		    F_STATE_WRITE_FAILED, journal, "cannot take back the "
		    "journal's entry for zone %s (%s): the update was not "
		    "applied; remove its last line by hand", e->zone, cause);
		free(cause);
	}
}

/* Send one zone its message (its journal entry first: it may reach the
 * server whatever happens next), then read the zone again: it is sent
 * when it holds the stage. 0, or -1 when the journal cannot be written
 * (nothing sent). */
static int
send_one(struct report *r, const struct apply_opts *o, const char *journal,
    const struct upd_key *key, struct zone_job *j, unsigned timeout_ms)
{
	struct journal_entry e = { o->stage, j->msg->zone, time(NULL),
	    j->max_ttl, J_SENT };
	struct zone_job after;
	char *cause = NULL, *before;
	enum upd_outcome out;

	if (journal_append(journal, &e, 1, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR,
		    F_STATE_WRITE_FAILED, journal, "cannot write the journal "
		    "(%s): nothing more is sent", cause);
		free(cause);
		return -1;
	}
	out = update_send(j->msg, j->primary, j->port, key, timeout_ms,
	    &j->rcode, &cause);
	/* nothing left this machine (TCP refused or silent where UDP got
	 * through, say): the primary's other addresses in turn */
	while (out == UPD_NOT_SENT && j->next_other < j->others.n) {
		fprintf(stderr, "xmppcut: apply: %s (%s): %s; sending the "
		    "update for zone %s to %s\n", j->primary_name, j->primary,
		    cause, j->msg->zone, j->others.v[j->next_other]);
		free(cause);
		job_move(j, j->others.v[j->next_other], j->next_other + 1);
		out = update_send(j->msg, j->primary, j->port, key,
		    timeout_ms, &j->rcode, &cause);
	}
	j->answered = out == UPD_ANSWERED;
	if (j->answered && j->rcode != 0 && rejected(j->rcode)) {
		findings_add(report_findings(r), SEV_ERROR, F_UPDATE_REFUSED,
		    j->msg->zone, "%s refused the update for zone %s%s: %s%s; "
		    "nothing changed there", j->primary, j->msg->zone,
		    part_note(j->msg), dnswire_rcode_name(j->rcode),
		    refusal_hint(j->rcode, key != NULL));
		withdraw(r, journal, &e);
		return 0;
	}
	if (j->answered && j->rcode != 0) {
		/* SERVFAIL, say from a secondary whose forwarding failed: the
		 * primary may have applied it; the journal entry stays */
		findings_add(report_findings(r), SEV_ERROR, F_UPDATE_REFUSED,
		    j->msg->zone, "%s answered the update for zone %s%s with "
		    "%s: whether it was applied cannot be told; run apply "
		    "again to read the zone", j->primary, j->msg->zone,
		    part_note(j->msg), dnswire_rcode_name(j->rcode));
		return 0;
	}
	if (out == UPD_NOT_SENT) {
		findings_add(report_findings(r), SEV_ERROR, F_UPDATE_REFUSED,
		    j->msg->zone, "the update for zone %s%s was not sent: %s; "
		    "run apply again", j->msg->zone, part_note(j->msg), cause);
		free(cause);
		withdraw(r, journal, &e);
		return 0;
	}
	before = differs_from_stage(j);
	published(&after, j, before, o, timeout_ms);
	j->sent = after.state == Z_AT_STAGE;
	j->reread = after.read;
	j->serial_after = after.serial_before;
	if (!j->sent)
		not_held(r, o, j, before, &after, cause, timeout_ms);
	free(before);
	free(cause);
	job_forget(&after);
	return 0;
}

/* Send each ready zone its message, in order (zones holding the stage's
 * hosts first). A zone not updated is said and the others go on -- but a
 * zone whose SRV would name a host whose own zone was not updated is held
 * back: partners would be sent to a name without the plan's addresses. */
static void
send_all(struct report *r, const struct apply_opts *o, const char *journal,
    const struct upd_key *key, struct zone_job *jobs, size_t n,
    unsigned timeout_ms)
{
	struct strlist failed = { 0 };

	for (size_t i = 0; i < n; i++) {
		struct zone_job *j = &jobs[i];
		const struct zone_job *f;
		const char *host;

		if (j->state != Z_READY)
			continue;
		if ((host = names_failed_host(j->msg, &failed)) != NULL) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_UPDATE_REFUSED, j->msg->zone, "zone %s%s is held "
			    "back: its SRV would name %s, whose update was not "
			    "applied; run apply again once it is",
			    j->msg->zone, part_note(j->msg), host);
			continue;
		}
		/* a split zone's second part: where its first part went */
		if ((f = first_part(jobs, i)) != NULL && f->primary &&
		    strcmp(f->primary, j->primary) != 0) {
			job_move(j, f->primary, f->next_other);
		}
		/* ... and its serial now: what the first part left */
		if (f != NULL && f->reread)
			j->serial_before = f->serial_after;
		if (send_one(r, o, journal, key, j, timeout_ms) == -1)
			break;
		if (j->sent)
			continue;
		/* its hosts: those whose addresses or TLSA it sets (a
		 * gateway with external addresses has only TLSA here) --
		 * unless the zone held their values already (an old gateway
		 * at rollback: its records were never removed) */
		for (size_t k = j->msg->nprereq; k < j->msg->n; k++) {
			const struct upd_op *op = &j->msg->v[k];
			const char *h = op->kind == UPD_DELETE ?
			    host_of(op) : NULL;

			if (h != NULL && !strlist_has(&failed, h) &&
			    !host_in_place(j, h))
				strlist_add(&failed, h);
		}
	}
	strlist_free(&failed);
}

/* 1 when job i's zone was said already, by its first part in the same
 * state and as sent. */
static int
same_as_earlier_part(const struct zone_job *jobs, size_t i)
{
	const struct zone_job *f = first_part(jobs, i);

	return f != NULL && f->state == jobs[i].state &&
	    f->sent == jobs[i].sent;
}

/* After pre's --wait: pre is in place in a zone once every server of it
 * serves it, and the TTL counts from then (the gate uses a zone's last
 * entry). Each zone, by what the wait saw of its own servers (ok: the
 * zones all of whose servers serve it): "served", or "partial" (the gate
 * holds until a wait sees them all). A zone sent now gets one either way;
 * a zone found at pre gets one when that is news (its last entry says
 * otherwise), with the last entry's TTL. */
static void
journal_waited(struct report *r, const char *journal,
    const struct journal_entry *jv, size_t njv, const struct zone_job *jobs,
    size_t n, const struct strlist *ok)
{
	struct strlist done = { 0 };
	char *cause = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct journal_entry *last = journal_last(jv, njv,
		    STAGE_PRE, jobs[i].msg->zone);
		struct journal_entry e = { STAGE_PRE, jobs[i].msg->zone,
		    time(NULL), jobs[i].max_ttl, strlist_has(ok,
		    jobs[i].msg->zone) ? J_SERVED : J_PARTIAL };

		if (strlist_has(&done, e.zone))
			continue;
		if (!jobs[i].sent) {
			/* at pre already: its TTL is the last entry's */
			if (jobs[i].state != Z_AT_STAGE || last == NULL ||
			    last->kind == e.kind)
				continue;
			e.ttl = last->ttl;
		}
		strlist_add(&done, e.zone);
		if (journal_append(journal, &e, 1, &cause) == -1) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_STATE_WRITE_FAILED, journal, "cannot write the "
			    "journal: %s", cause);
			free(cause);
			break;
		}
	}
	strlist_free(&done);
}

static int
cmd_apply_exec(struct globals *g, int argc, char **argv)
{
	struct apply_opts o;
	struct cmd_opts co = { "s:", apply_longopts, apply_opt, &o };
	struct zonemap zm = { 0 };
	struct upd_set u = { 0 }, uz = { 0 };	/* uz: one message a zone */
	struct strlist served = { 0 };	/* by --wait: every server serves it */
	struct zone_job *jobs = NULL;
	struct upd_key *key = NULL;
	struct journal_entry *jv = NULL;
	size_t njv = 0;
	struct report *r;
	struct plan *p = NULL;
	char *cause = NULL, *journal = NULL, when[32];
	uint32_t max_ttl = 0;
	int first, status, blocked = 0, ready = 0, refused = 0, sent_any = 0;
	int go, waited = 0;
	size_t n = 0;

	memset(&o, 0, sizeof o);
	first = cmd_parse(&cmd_apply_entry, g, argc, argv, &co);
	if (first >= 0 && first < argc)
		first = cmd_usage_error("apply", "unexpected argument '%s'",
		    argv[first]);
	else if (first >= 0 && !o.have_stage)
		first = cmd_usage_error("apply", "--stage is required");
	if (first < 0) {
		status = cmd_parse_status(first);
		goto free_opts;
	}
	r = report_new("apply", g->json);
	if (o.tsig_key != NULL && (key = update_key_load(o.tsig_key,
	    &cause)) == NULL) {
		findings_add(report_findings(r), SEV_ERROR, F_TSIG_KEY_INVALID,
		    o.tsig_key, "%s", without_subject(cause, o.tsig_key));
		free(cause);
		goto emit;
	}
	if ((p = cmd_load_plan(g, r)) == NULL)
		goto emit;
	o.cutover_ttl = p->cutover_ttl;
	report_set_string(r, "stage", stage_name(o.stage));
	report_set_string(r, "mode", o.dry_run ? "dry-run" : "apply");
	/* read first: a journal that cannot be read is said before anything
	 * is sent, not after, when this run's entries cannot be added */
	journal = xasprintf("%s.journal", p->path);
	if (journal_read(journal, &jv, &njv, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_FILE_UNREADABLE,
		    journal, "%s", cause);
		free(cause);
		goto emit;
	}
	if (plan_count_role(p, stage_role(o.stage)) == 0) {
		findings_add_at(report_findings(r), SEV_ERROR, F_PLAN_INVALID,
		    p->path, 0, NULL, "the plan has no %s gateway, so stage %s "
		    "has nothing to publish", role_name(stage_role(o.stage)),
		    stage_name(o.stage));
		goto emit;
	}
	if (cmd_find_zones(r, g, p, o.stage, o.zones, o.nzones, o.server,
	    &zm) == -1)
		goto emit;
	if (nsupdate_messages(p, o.stage, &zm, &u, &cause) == -1) {
		findings_add_at(report_findings(r), SEV_ERROR, F_PLAN_INVALID,
		    p->path, 0, NULL, "%s", cause);
		free(cause);
		goto emit;
	}
	upd_set_by_zone(&u, &uz);
	n = u.n;
	jobs = xcalloc(n ? n : 1, sizeof *jobs);
	for (size_t i = 0; i < n; i++)
		jobs[i].msg = &u.v[i];
	if (find_primaries(r, g, &o, jobs, n) == -1)
		goto emit;
	read_jobs_any_address(jobs, n, g->timeout * 1000);
	for (size_t i = 0; i < n; i++) {
		struct zone_job *j = &jobs[i];

		classify(j, o.stage);
		ready += j->state == Z_READY;
		/* a split zone's second part: said with the first */
		if ((j->state == Z_UNREAD || j->state == Z_UNEXPECTED) &&
		    same_as_earlier_part(jobs, i)) {
			blocked++;
			continue;
		}
		if (j->state == Z_UNREAD)
			findings_add(report_findings(r), SEV_ERROR,
			    F_DNS_FAILURE, j->msg->zone, "zone %s cannot be "
			    "read (%s): nothing is sent to any zone%s",
			    j->msg->zone, j->why ? j->why : "?", o.server ==
			    NULL && j->primary != NULL ? " (the primary is "
			    "the zone's SOA MNAME: a hidden primary is given "
			    "with --server)" : "");
		else if (j->state == Z_UNEXPECTED)
			findings_add(report_findings(r), SEV_ERROR,
			    F_ZONE_UNEXPECTED_STATE, j->msg->zone, "zone %s "
			    "holds neither stage %s's records nor what the "
			    "previous stage left (%s): nothing is sent to any "
			    "zone", j->msg->zone, stage_name(o.stage),
			    j->why ? j->why : "?");
		else
			continue;
		blocked++;
	}
	/* the gate holds only what would be sent: a re-run of a stage
	 * already in place (say, for --wait) passes */
	go = blocked == 0 && (ready == 0 || (ttl_gate(r, &o, journal, jv, njv,
	    jobs, n) == 0 && (o.stage != STAGE_CUTOVER || pre_everywhere(r, g,
	    &o, jobs, n, &uz) == 0))) && !o.dry_run;
	if (go)
		send_all(r, &o, journal, key, jobs, n, g->timeout * 1000);
	for (size_t i = 0; i < n; i++) {
		struct zone_job *j = &jobs[i];
		struct buf b = { 0 };
		struct apply_zone_view v;

		nsupdate_render(&b, j->msg);
		memset(&v, 0, sizeof v);
		v.zone = j->msg->zone;
		v.part = upd_part_name(j->msg->part);
		v.primary = j->primary;
		v.primary_name = j->primary_name;
		v.state = zstate_names[j->state];
		v.why = j->why;
		v.message = b.s ? b.s : "";
		v.dry_run = o.dry_run;
		v.sent = j->sent;
		v.answered = j->answered;
		v.rcode = j->rcode;
		v.serial_before = j->serial_before;
		v.serial_after = j->serial_after;
		render_apply_zone(r, &v);
		buf_free(&b);
		/* zones, not messages: a split zone's parts count once */
		refused += j->state == Z_READY && !j->sent &&
		    !same_as_earlier_part(jobs, i);
		sent_any |= j->sent;
		/* pre changes TTLs, not values: what counts is the old TTL */
		if (j->sent && (o.stage == STAGE_PRE ? j->max_ttl :
		    j->stale_ttl) > max_ttl)
			max_ttl = o.stage == STAGE_PRE ? j->max_ttl :
			    j->stale_ttl;
	}
	/* also when all was at the stage already: watch it propagate */
	if (go && o.wait > 0 && refused > 0)
		fprintf(stderr, "xmppcut: apply: not waiting: %d zone%s not "
		    "wholly updated\n", refused, refused == 1 ? " was" :
		    "s were");
	else if (go && o.wait > 0)
		waited = wait_propagation(r, g, &uz, o.wait, &served) == 0 ?
		    1 : -1;
	if (o.stage == STAGE_PRE && waited != 0)
		journal_waited(r, journal, jv, njv, jobs, n, &served);
	strlist_free(&served);
	if (sent_any && max_ttl > 0) {
		utc(time(NULL) + (time_t)max_ttl, when);
		if (o.stage == STAGE_PRE)
			report_text(r, "caches may hold today's records with "
			    "their TTL of %u s until %s%s\n", (unsigned)max_ttl,
			    when, waited == 1 ? ": every server serves pre, "
			    "cutover can go out then" : waited == -1 ? " at "
			    "least: cutover can go out once every server "
			    "serves pre and that TTL has passed since" :
			    ": cutover can go out then, if every server "
			    "serves pre by now (--wait checks)");
		else
			report_text(r, "caches may hold the replaced records "
			    "until %s (their TTL was %u s)%s\n", when,
			    (unsigned)max_ttl, waited == -1 ? " at least: not "
			    "every server serves the stage yet, and caches "
			    "fed by one that does not get them later" : "");
		report_set_string(r, "caches_until", when);
	}
emit:
	status = report_emit(r, g->quiet);
	for (size_t i = 0; i < n; i++)
		job_free(&jobs[i]);
	free(jobs);
	upd_set_free(&u);
	upd_set_free(&uz);
	zonemap_free(&zm);
	free(journal);
	journal_free(jv, njv);
	update_key_free(key);
	report_free(r);
	plan_free(p);
free_opts:
	for (size_t i = 0; i < o.nzones; i++)
		free(o.zones[i]);
	free(o.zones);
	return status;
}

const struct cmd_entry cmd_apply_entry = {
	"apply",
	"--stage STAGE [--server ADDR[@PORT]] [--tsig-key FILE] [--dry-run] "
	"[--wait SECONDS] [--force]",
	"apply a stage to the zones' primary servers (RFC 2136), safely",
	"  -s, --stage STAGE          pre, cutover, final or rollback\n"
	"      --server ADDR[@PORT]   send every zone's update here (default:\n"
	"                             the zone's SOA primary)\n"
	"      --tsig-key FILE        sign the updates with this TSIG key\n"
	"      --zone ZONE            a zone that holds plan names (as the\n"
	"                             plan's zone key; repeatable)\n"
	"      --dry-run              show each zone's state and message;\n"
	"                             send nothing\n"
	"      --wait SECONDS         then wait until every name server of\n"
	"                             each zone serves the stage\n"
	"      --force                send cutover before the replaced\n"
	"                             records' TTL has passed since pre\n",
	cmd_apply_exec,
};
