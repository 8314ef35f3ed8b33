/* cmd-check.c — `xmppcut check`: the live state of the plan's own domains.
 * The DNS part (dnslive.c); the TLS and XMPP stream part comes with the
 * probe engine. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dnslive.h"

enum { OPT_EXPECT = 2000, OPT_DNS_ONLY };

struct check_opts {
	int expect_given, stage_given;
	enum role expect;
	enum stage stage;
	int dns_only;
};

static const struct option check_longopts[] = {
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "stage", required_argument, NULL, 's' },
	{ "dns-only", no_argument, NULL, OPT_DNS_ONLY },
	{ NULL, 0, NULL, 0 }
};

static int
check_opt(void *arg, int opt, const char *optarg)
{
	struct check_opts *o = arg;

	switch (opt) {
	case OPT_EXPECT:
		if (strcmp(optarg, "old") == 0)
			o->expect = ROLE_OLD;
		else if (strcmp(optarg, "new") == 0)
			o->expect = ROLE_NEW;
		else
			return cmd_usage_error("check", "--expect %s: expected "
			    "old or new", optarg);
		o->expect_given = 1;
		return 0;
	case 's':
		if (stage_parse(optarg, &o->stage) == -1)
			return cmd_usage_error("check", "--stage %s: expected "
			    "pre, cutover, final or rollback", optarg);
		o->stage_given = 1;
		return 0;
	case OPT_DNS_ONLY:
		o->dns_only = 1;
		return 0;
	default:
		return -1;
	}
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* One line per record set seen: name type: values (TTL, DNSSEC). */
static void
text_domain(struct report *r, json_t *d)
{
	json_t *rec, *srv;
	size_t i, k;

	report_text(r, "%s (zone %s)\n", jstr(d, "domain"),
	    json_is_string(json_object_get(d, "zone")) ? jstr(d, "zone") :
	    "unknown");
	json_array_foreach(json_object_get(d, "records"), i, rec) {
		json_t *v = json_object_get(rec, "rdata");
		struct buf b = { 0 };

		json_array_foreach(v, k, srv)
			buf_addf(&b, "%s%s", k ? ", " : "",
			    json_string_value(srv));
		if (b.s == NULL)
			buf_add(&b, jstr(rec, "status"));
		if (json_object_get(rec, "ttl") != NULL)
			report_text(r, "  %s %s: %s (TTL %lld, %s)\n",
			    jstr(rec, "name"), jstr(rec, "type"), b.s,
			    (long long)json_integer_value(json_object_get(rec,
			    "ttl")), jstr(rec, "dnssec"));
		else
			report_text(r, "  %s %s: %s (%s)\n", jstr(rec, "name"),
			    jstr(rec, "type"), b.s, jstr(rec, "dnssec"));
		buf_free(&b);
	}
	json_array_foreach(json_object_get(d, "servers"), i, srv) {
		json_t *serial = json_object_get(srv, "serial");

		report_text(r, "  server %s %s: %s%lld\n", jstr(srv, "name"),
		    jstr(srv, "address"), serial && json_is_integer(serial) ?
		    "serial " : "no answer", json_is_integer(serial) ?
		    (long long)json_integer_value(serial) : 0);
	}
}

static int
cmd_check_exec(struct globals *g, int argc, char **argv)
{
	struct check_opts o;
	struct cmd_opts co = { "s:", check_longopts, check_opt, &o };
	struct resolver_opts ro;
	struct dnslive_opts dl;
	struct report *r = NULL;
	struct plan *p = NULL;
	char *cause = NULL;
	json_t *obs = NULL, *d;
	size_t i;
	int first, status;

	memset(&o, 0, sizeof o);
	o.expect = ROLE_NEW;
	first = cmd_parse(&cmd_check_entry, g, argc, argv, &co);
	if (first >= 0 && first < argc)
		first = cmd_usage_error("check", "unexpected argument '%s'",
		    argv[first]);
	else if (first >= 0 && o.expect_given && o.stage_given)
		first = cmd_usage_error("check", "give --expect or --stage, "
		    "not both");
	if (first < 0) {
		status = cmd_parse_status(first);
		goto out;
	}
	r = report_new("check", g->json);
	if ((p = cmd_load_plan(g, r)) == NULL)
		goto emit;
	memset(&ro, 0, sizeof ro);
	ro.forward = g->resolver;
	ro.stubs = g->stubs;
	ro.nstubs = g->nstubs;
	ro.trust_anchor = g->trust_anchor;
	ro.timeout_ms = g->timeout * 1000;
	dl.ro = &ro;
	dl.plan = p;
	if (o.stage_given) {
		dl.stage = o.stage;
		dl.ttl_limit = o.stage != STAGE_FINAL;
	} else {
		dl.stage = o.expect == ROLE_NEW ? STAGE_FINAL : STAGE_CURRENT;
		dl.ttl_limit = 0;
	}
	report_set(r, "expect", json_string(role_name(stage_role(dl.stage))));
	if (o.stage_given)
		report_set(r, "stage", json_string(stage_name(o.stage)));
	if (dnslive_check(&dl, report_findings(r), &obs, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, "dns-failure",
		    NULL, "%s", cause);
		report_set_unknown(r);
		free(cause);
		goto emit;
	}
	json_array_foreach(obs, i, d)
		text_domain(r, d);
	report_set(r, "domains", obs);
emit:
	status = report_emit(r, g->quiet);
out:
	report_free(r);
	plan_free(p);
	return status;
}

const struct cmd_entry cmd_check_entry = {
	"check",
	"[--expect old|new | --stage STAGE] [--dns-only]",
	"live check of the plan's own domains (DNS, TLS, XMPP stream)",
	"      --expect old|new       which gateways the live records must\n"
	"                             name (default: new)\n"
	"  -s, --stage STAGE          the records of this stage, TTLs\n"
	"                             included (pre, cutover, final,\n"
	"                             rollback)\n"
	"      --dns-only             only the DNS part (this version checks\n"
	"                             no more than that yet)\n",
	cmd_check_exec,
};
