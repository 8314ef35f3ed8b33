/* cmd-apply.c — `xmppcut apply`: a stage sent to each zone's primary as
 * RFC 2136 UPDATEs, only where the zone is ready for it, never half.
 *
 * Each zone's primary (--server, else the address of its SOA MNAME) is
 * read directly (RD=0) for every RRset the stage's message touches, and
 * the zone is sorted into: at the stage (nothing to send), ready (it holds
 * what the previous stage left: the message's prerequisites hold), or
 * unexpected. One unexpected zone and nothing is sent anywhere. A ready
 * zone gets the same message the nsupdate script holds, prerequisites
 * included, TSIG-signed; a refusal is said and the other zones go on, so
 * a run can always be repeated: what is at the stage is left alone. */
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
	const char *why;
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
		if (dname_check(val, &why) == -1)
			return cmd_usage_error("apply", "--zone %s: %s", val,
			    why);
		o->zones = xreallocarray(o->zones, o->nzones + 1,
		    sizeof *o->zones);
		o->zones[o->nzones++] = dname_normalize(val);
		return 0;
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

/* One zone: its message, where it goes, what it holds. */
struct zone_job {
	struct upd_msg *msg;
	char *primary;		/* address */
	unsigned port;
	char *primary_name;	/* the SOA MNAME, or the --server */
	struct dns_answer **seen;	/* what the primary serves */
	size_t nseen;
	enum zstate state;
	char *why;		/* for Z_UNEXPECTED: what differs */
	uint32_t max_ttl;	/* of the RRsets the stage replaces */
	unsigned long serial_before, serial_after;
	int sent, rcode;
	char *error;
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

/* At the stage: every RRset the message sets holds exactly its values,
 * with its TTL; every RRset it only deletes is absent. NULL, or what
 * differs (newly allocated). */
static char *
differs_from_stage(const struct zone_job *j)
{
	const struct upd_msg *m = j->msg;

	for (size_t i = m->nprereq; i < m->n; i++) {
		const struct upd_op *o = &m->v[i];
		const struct dns_answer *a;
		struct strlist want = { 0 }, have = { 0 };
		uint32_t ttl = 0;
		char *why = NULL;

		if (o->kind != UPD_DELETE)
			continue;
		a = seen(j, o->owner, o->type);
		wanted(m, o->owner, o->type, UPD_ADD, &want, &ttl);
		values(a, &have);
		if (!strlist_equal(&want, &have))
			why = xasprintf("%s %s holds %zu record%s, the stage "
			    "%zu", o->owner, rrtype_name(o->type), have.n,
			    have.n == 1 ? "" : "s", want.n);
		else if (want.n > 0 && a->rrset->ttl != ttl)
			why = xasprintf("%s %s has TTL %u, the stage %u",
			    o->owner, rrtype_name(o->type),
			    (unsigned)a->rrset->ttl, (unsigned)ttl);
		strlist_free(&want);
		strlist_free(&have);
		if (why != NULL)
			return why;
	}
	return NULL;
}

/* Ready: every prerequisite holds. NULL, or the first that does not. */
static char *
prereq_fails(const struct zone_job *j)
{
	const struct upd_msg *m = j->msg;

	for (size_t i = 0; i < m->nprereq; i++) {
		const struct upd_op *o = &m->v[i];
		const struct dns_answer *a = seen(j, o->owner, o->type);
		struct strlist want = { 0 }, have = { 0 };
		char *why = NULL;

		values(a, &have);
		if (o->kind == UPD_PREREQ_ABSENT && have.n > 0)
			why = xasprintf("%s %s should be absent, it holds %s",
			    o->owner, rrtype_name(o->type), have.v[0]);
		else if (o->kind == UPD_PREREQ_EXACT) {
			wanted(m, o->owner, o->type, UPD_PREREQ_EXACT, &want,
			    NULL);
			if (!strlist_equal(&want, &have)) {
				char *w = strlist_join(&want, ", ", "none");
				char *h = strlist_join(&have, ", ", "none");

				why = xasprintf("%s %s holds %s, the previous "
				    "stage left %s", o->owner,
				    rrtype_name(o->type), h, w);
				free(w);
				free(h);
			}
		}
		strlist_free(&want);
		strlist_free(&have);
		if (why != NULL)
			return why;
	}
	return NULL;
}

static void
on_seen_slot(void *arg, struct dns_answer *a)
{
	*(struct dns_answer **)arg = a;
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

/* The primaries: --server, else the SOA MNAME's address (resolver). */
static int
find_primaries(struct report *r, struct globals *g, const struct apply_opts *o,
    struct zone_job *jobs, size_t n)
{
	struct resolver_opts ro;
	struct resolver *res = NULL;
	struct loop *l = NULL;
	struct dns_answer **soa = xcalloc(n ? n : 1, sizeof *soa);
	struct dns_answer **addr = xcalloc(n ? n : 1, sizeof *addr);
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
		if (soa[i] != NULL && soa[i]->rrset != NULL)
			jobs[i].primary_name = soa_mname(soa[i]);
		if (jobs[i].primary_name != NULL)
			resolver_query(res, jobs[i].primary_name, RR_A,
			    on_seen_slot, &addr[i]);
	}
	loop_run(l);
	ret = 0;
	for (size_t i = 0; i < n; i++) {
		if (addr[i] == NULL || addr[i]->rrset == NULL ||
		    addr[i]->rrset->n == 0) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_ZONE_UNKNOWN, jobs[i].msg->zone, "the primary of "
			    "zone %s cannot be found (%s): give it with "
			    "--server", jobs[i].msg->zone,
			    jobs[i].primary_name ? "its SOA MNAME has no "
			    "address" : "no SOA");
			ret = -1;
			continue;
		}
		jobs[i].primary = xstrdup(addr[i]->rrset->rdata[0]);
		jobs[i].port = 53;
	}
out:
	for (size_t i = 0; i < n; i++) {
		dns_answer_free(soa[i]);
		dns_answer_free(addr[i]);
	}
	free(soa);
	free(addr);
	resolver_free(res);
	loop_free(l);
	return ret;
}

/* The state of each zone at its primary: every RRset the message names,
 * and the SOA (its serial). */
static void
read_zones(struct report *r, const struct apply_opts *o,
    struct zone_job *jobs, size_t n, unsigned timeout_ms)
{
	struct loop *l;
	struct nsserver **ns = xcalloc(n ? n : 1, sizeof *ns);
	char *cause = NULL;

	(void)o;
	if ((l = loop_new(&cause)) == NULL) {
		if (r != NULL)
			findings_add(report_findings(r), SEV_ERROR,
			    F_TOOL_FAILED, NULL, "%s", cause);
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
			j->state = Z_UNEXPECTED;
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
		if (soa == NULL || soa->status != DNS_OK || soa->rrset == NULL) {
			j->state = Z_UNEXPECTED;
			j->why = xasprintf("the primary %s does not answer for "
			    "the zone (%s)", j->primary, soa && soa->error ?
			    soa->error : "no SOA");
			continue;
		}
		j->serial_before = soa->rrset->serial;
		for (size_t k = 0; k < j->nseen; k++) {
			const struct dns_answer *a = j->seen[k];

			if (a->type != RR_SOA && a->status != DNS_OK &&
			    j->why == NULL)
				j->why = xasprintf("%s %s: %s", a->name,
				    rrtype_name(a->type), a->error ? a->error :
				    "no answer");
			if (a->rrset != NULL && a->type != RR_SOA &&
			    a->rrset->ttl > j->max_ttl)
				j->max_ttl = a->rrset->ttl;
		}
		if (j->why != NULL) {
			j->state = Z_UNEXPECTED;
			continue;
		}
		if ((j->why = differs_from_stage(j)) == NULL)
			j->state = Z_AT_STAGE;
		else {
			free(j->why);
			j->why = prereq_fails(j);
			j->state = j->why == NULL ? Z_READY : Z_UNEXPECTED;
		}
	}
	for (size_t i = 0; i < n; i++)
		nsserver_free(ns[i]);
	free(ns);
	loop_free(l);
}

static void
utc(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* The TTL gate: cutover waits until the TTL the replaced records had has
 * passed since pre, so no cache holds records older than pre. 0, or -1
 * when nothing may be sent. */
static int
ttl_gate(struct report *r, const struct apply_opts *o, const char *journal)
{
	struct journal_entry *v = NULL;
	const struct journal_entry *pre;
	char *cause = NULL, when[32];
	size_t n = 0;
	time_t end;
	int ret = 0;

	if (o->stage != STAGE_CUTOVER)
		return 0;
	if (journal_read(journal, &v, &n, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_STATE_WRITE_FAILED,
		    journal, "%s", cause);
		free(cause);
		return -1;
	}
	if ((pre = journal_last(v, n, STAGE_PRE)) == NULL) {
		findings_add(report_findings(r), SEV_WARNING, F_TTL_WAIT, NULL,
		    "no journal entry for stage pre (%s): whether the old "
		    "records' TTL has passed since pre cannot be told; caches "
		    "may still hold them", journal);
	} else if ((end = pre->at + (time_t)pre->ttl) > time(NULL)) {
		utc(end, when);
		findings_add(report_findings(r), o->force ? SEV_WARNING :
		    SEV_ERROR, F_TTL_WAIT, NULL, "stage pre was applied %lld s "
		    "ago and the records it replaced had TTL %u: caches may "
		    "hold them until %s%s", (long long)(time(NULL) - pre->at),
		    (unsigned)pre->ttl, when, o->force ? " (--force: sent "
		    "anyway)" : "; nothing is sent before then (--force sends "
		    "anyway)");
		ret = o->force ? 0 : -1;
	}
	free(v);
	return ret;
}

/* Wait until every authoritative server of each zone serves the stage's
 * records, polling once a second, at most `seconds`; progress on stderr.
 * The zones not there in time are ns-inconsistent. */
static void
wait_propagation(struct report *r, struct globals *g, struct zone_job *jobs,
    size_t n, unsigned seconds)
{
	uint64_t end = now_ms() + (uint64_t)seconds * 1000;
	struct resolver_opts ro;
	char *cause = NULL;
	int round = 0;

	resolver_opts_from(&ro, g);
	for (;;) {
		struct loop *l = loop_new(&cause);
		struct resolver *res = l ? resolver_new(l, &ro, &cause) : NULL;
		struct zone_job *probe = xcalloc(n ? n : 1, sizeof *probe);
		struct dns_answer **nsans = xcalloc(n ? n : 1, sizeof *nsans);
		size_t behind = 0, servers = 0;
		struct strlist lagging = { 0 };

		if (res == NULL) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_RESOLVER_FAILED, NULL, "--wait: %s", cause);
			free(cause);
			loop_free(l);
			free(probe);
			free(nsans);
			return;
		}
		for (size_t i = 0; i < n; i++)
			resolver_query(res, jobs[i].msg->zone, RR_NS,
			    on_seen_slot, &nsans[i]);
		loop_run(l);
		for (size_t i = 0; i < n; i++) {
			const struct rrset *ns = nsans[i] ? nsans[i]->rrset :
			    NULL;

			for (size_t k = 0; ns != NULL && k < ns->n; k++) {
				struct dns_answer *addr = NULL;
				char *name = xstrndup(ns->rdata[k],
				    strlen(ns->rdata[k]) - 1);
				struct zone_job one;

				resolver_query(res, name, RR_A, on_seen_slot,
				    &addr);
				loop_run(l);
				memset(&one, 0, sizeof one);
				one.msg = jobs[i].msg;
				for (size_t a = 0; addr != NULL &&
				    addr->rrset != NULL && a < addr->rrset->n;
				    a++) {
					one.primary = addr->rrset->rdata[a];
					one.port = 53;
					read_zones(r, NULL, &one, 1,
					    g->timeout * 1000);
					servers++;
					if (one.state != Z_AT_STAGE) {
						behind++;
						strlist_take(&lagging, xasprintf(
						    "%s %s (%s)", jobs[i].msg->zone,
						    name, one.why ? one.why :
						    "not yet"));
					}
					for (size_t s = 0; s < one.nseen; s++)
						dns_answer_free(one.seen[s]);
					free(one.seen);
					free(one.why);
					one.seen = NULL;
					one.nseen = 0;
					one.why = NULL;
				}
				dns_answer_free(addr);
				free(name);
			}
			dns_answer_free(nsans[i]);
		}
		free(nsans);
		free(probe);
		resolver_free(res);
		loop_free(l);
		if (behind == 0) {
			fprintf(stderr, "xmppcut: apply: all %zu servers serve "
			    "the stage\n", servers);
			strlist_free(&lagging);
			return;
		}
		if (now_ms() >= end) {
			for (size_t i = 0; i < lagging.n; i++)
				findings_add(report_findings(r), SEV_ERROR,
				    F_NS_INCONSISTENT, NULL, "after --wait %u s, "
				    "a server still serves other records: %s",
				    seconds, lagging.v[i]);
			strlist_free(&lagging);
			return;
		}
		fprintf(stderr, "xmppcut: apply: %zu of %zu servers behind "
		    "(%s)%s\n", behind, servers, lagging.v[0], round++ ? "" :
		    "; waiting");
		strlist_free(&lagging);
		sleep(1);
	}
}

/* The serial a primary serves now, or 0. */
static unsigned long
serial_now(const struct zone_job *j, unsigned timeout_ms)
{
	struct zone_job one;
	struct upd_msg none;
	unsigned long serial;

	memset(&one, 0, sizeof one);
	memset(&none, 0, sizeof none);
	none.zone = j->msg->zone;
	one.msg = &none;
	one.primary = j->primary;
	one.port = j->port;
	read_zones(NULL, NULL, &one, 1, timeout_ms);
	serial = one.serial_before;
	for (size_t s = 0; s < one.nseen; s++)
		dns_answer_free(one.seen[s]);
	free(one.seen);
	free(one.why);
	return serial;
}

static void
job_free(struct zone_job *j)
{
	free(j->primary);
	free(j->primary_name);
	for (size_t i = 0; i < j->nseen; i++)
		dns_answer_free(j->seen[i]);
	free(j->seen);
	free(j->why);
	free(j->error);
}

/* Send each ready zone its message; a refusal is said, the others go. */
static void
send_all(struct report *r, const struct apply_opts *o, struct zone_job *jobs,
    size_t n, unsigned timeout_ms)
{
	for (size_t i = 0; i < n; i++) {
		struct zone_job *j = &jobs[i];
		char *cause = NULL;

		if (j->state != Z_READY)
			continue;
		if (update_send(j->msg, j->primary, j->port, o->tsig_key,
		    timeout_ms, &j->rcode, &cause) == -1) {
			j->error = cause;
			findings_add(report_findings(r), SEV_ERROR,
			    F_UPDATE_REFUSED, j->msg->zone, "the update for zone "
			    "%s got no answer from %s: %s; run apply again",
			    j->msg->zone, j->primary, cause);
			continue;
		}
		if (j->rcode != 0) {
			findings_add(report_findings(r), SEV_ERROR,
			    F_UPDATE_REFUSED, j->msg->zone, "%s refused the "
			    "update for zone %s: %s%s; nothing changed there, "
			    "the other zones went on", j->primary, j->msg->zone,
			    dnswire_rcode_name(j->rcode), j->rcode == 9 ?
			    " (the key is not accepted: check --tsig-key and "
			    "the zone's ACL)" : "");
			continue;
		}
		j->sent = 1;
		j->serial_after = serial_now(j, timeout_ms);
	}
}

static int
cmd_apply_exec(struct globals *g, int argc, char **argv)
{
	struct apply_opts o;
	struct cmd_opts co = { "s:", apply_longopts, apply_opt, &o };
	struct zonemap zm = { 0 };
	struct upd_set u = { 0 };
	struct zone_job *jobs = NULL;
	struct report *r;
	struct plan *p = NULL;
	char *cause = NULL, *key = NULL, *journal = NULL, when[32];
	uint32_t max_ttl = 0;
	int first, status, unexpected = 0, refused = 0, sent_any = 0, go;
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
	if (o.tsig_key != NULL && (key = nsupdate_tsig_key(o.tsig_key,
	    &cause)) == NULL) {
		findings_add(report_findings(r), SEV_ERROR, F_TSIG_KEY_INVALID,
		    o.tsig_key, "%s", cause);
		free(cause);
		goto emit;
	}
	if ((p = cmd_load_plan(g, r)) == NULL)
		goto emit;
	report_set_string(r, "stage", stage_name(o.stage));
	report_set_string(r, "mode", o.dry_run ? "dry-run" : "apply");
	if (plan_count_role(p, stage_role(o.stage)) == 0) {
		findings_add_at(report_findings(r), SEV_ERROR, F_PLAN_INVALID,
		    p->path, 0, NULL, "the plan has no %s gateway, so stage %s "
		    "has nothing to publish", role_name(stage_role(o.stage)),
		    stage_name(o.stage));
		goto emit;
	}
	if (cmd_find_zones(r, g, p, o.zones, o.nzones, o.server, &zm) == -1)
		goto emit;
	if (nsupdate_messages(p, o.stage, &zm, &u, &cause) == -1) {
		findings_add_at(report_findings(r), SEV_ERROR, F_PLAN_INVALID,
		    p->path, 0, NULL, "%s", cause);
		free(cause);
		goto emit;
	}
	n = u.n;
	jobs = xcalloc(n ? n : 1, sizeof *jobs);
	for (size_t i = 0; i < n; i++)
		jobs[i].msg = &u.v[i];
	if (find_primaries(r, g, &o, jobs, n) == -1)
		goto emit;
	read_zones(r, &o, jobs, n, g->timeout * 1000);
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].state != Z_UNEXPECTED)
			continue;
		unexpected++;
		findings_add(report_findings(r), SEV_ERROR,
		    F_ZONE_UNEXPECTED_STATE, jobs[i].msg->zone, "zone %s holds "
		    "neither stage %s's records nor what the previous stage "
		    "left (%s): nothing is sent to any zone", jobs[i].msg->zone,
		    stage_name(o.stage), jobs[i].why ? jobs[i].why : "?");
	}
	journal = xasprintf("%s.journal", p->path);
	go = unexpected == 0 && ttl_gate(r, &o, journal) == 0 && !o.dry_run;
	if (go) {
		send_all(r, &o, jobs, n, g->timeout * 1000);
		for (size_t i = 0; i < n; i++) {
			refused += jobs[i].state == Z_READY && !jobs[i].sent;
			if (jobs[i].max_ttl > max_ttl)
				max_ttl = jobs[i].max_ttl;
		}
		if (refused == 0) {
			struct journal_entry e = { o.stage, time(NULL),
			    max_ttl };
			int any = 0;

			for (size_t i = 0; i < n; i++)
				any |= jobs[i].sent;
			if (any && journal_append(journal, &e, &cause) == -1) {
				findings_add(report_findings(r), SEV_ERROR,
				    F_STATE_WRITE_FAILED, journal, "cannot "
				    "write the journal: %s", cause);
				free(cause);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct buf b = { 0 };
		char *msg;

		nsupdate_render(&b, jobs[i].msg);
		msg = buf_take(&b);
		render_apply_zone(r, jobs[i].msg->zone, jobs[i].primary,
		    jobs[i].primary_name, zstate_names[jobs[i].state],
		    jobs[i].why, jobs[i].sent, jobs[i].rcode,
		    jobs[i].serial_before, jobs[i].serial_after, msg,
		    o.dry_run);
		free(msg);
		sent_any |= jobs[i].sent;
	}
	/* also when all was at the stage already: watch it propagate */
	if (go && o.wait > 0 && refused == 0)
		wait_propagation(r, g, jobs, n, o.wait);
	if (sent_any && max_ttl > 0) {
		utc(time(NULL) + (time_t)max_ttl, when);
		report_text(r, "caches may hold the replaced records until %s "
		    "(their TTL was %u s)\n", when, (unsigned)max_ttl);
		report_set_string(r, "caches_until", when);
	}
emit:
	status = report_emit(r, g->quiet);
	for (size_t i = 0; i < n; i++)
		job_free(&jobs[i]);
	free(jobs);
	upd_set_free(&u);
	zonemap_free(&zm);
	free(journal);
	free(key);
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
