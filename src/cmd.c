/* cmd.c — the command table, global options and the per-command option
 * parser. */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "log.h"
#include "zonefind.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_generate_entry,
	&cmd_lint_entry,
	&cmd_cert_entry,
	&cmd_check_entry,
	&cmd_probe_entry,
	&cmd_monitor_entry,
	&cmd_diff_entry,
	&cmd_apply_entry,
	&cmd_init_entry,
	NULL
};

enum {
	OPT_JSON = 1000,
	OPT_RESOLVER,
	OPT_STUB,
	OPT_TRUST_ANCHOR,
	OPT_CA,
	OPT_TIMEOUT,
	OPT_LIST_FINDINGS,
};

#define GLOBAL_SHORTOPTS "c:j:qvhV46"

static const struct option global_longopts[] = {
	{ "plan", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ "stub", required_argument, NULL, OPT_STUB },
	{ "trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "jobs", required_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "list-findings", no_argument, NULL, OPT_LIST_FINDINGS },
	{ NULL, 0, NULL, 0 }
};

static const char global_help[] =
    "  -c, --plan FILE            the plan (default ./xmppcut.conf)\n"
    "      --json                 one JSON document on stdout\n"
    "      --resolver ADDR[@PORT] forward DNS to this resolver\n"
    "                             (default: /etc/resolv.conf)\n"
    "      --stub ZONE=ADDR[@PORT]\n"
    "                             ask this authoritative server for ZONE\n"
    "                             (repeatable)\n"
    "      --trust-anchor FILE    DNSSEC trust anchor (default: the\n"
    "                             system root anchor; none: no DNSSEC)\n"
    "      --ca FILE              CA bundle for TLS (default: system store)\n"
    "      --timeout SECONDS      bound of each network step (default 10)\n"
    "  -j, --jobs N               concurrent probes (default 32)\n"
    "  -4, -6                     IPv4 or IPv6 only: the addresses\n"
    "                             connected to, the name servers asked\n"
    "  -q, --quiet                only warnings and errors\n"
    "  -v, --verbose              more diagnostics on stderr\n"
    "  -h, --help                 this help\n"
    "  -V, --version              the version\n"
    "      --list-findings        every finding id: id, severities, meaning\n";

static void
usage(FILE *out)
{
	fprintf(out, "usage: xmppcut [GLOBAL OPTIONS] COMMAND [OPTIONS] "
	    "[ARGS]\n\nMove an XMPP federation gateway without breaking "
	    "federation.\n\nCommands:\n");
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		fprintf(out, "  %-10s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(out, "\nGlobal options:\n%s\nExit status: 0 OK, 1 WARNING, "
	    "2 CRITICAL, 3 UNKNOWN (bad usage,\nunreadable file, no "
	    "resolver).\n\nRun 'xmppcut COMMAND --help' for a command's "
	    "options; see xmppcut(1).\n", global_help);
}

static void
cmd_help(const struct cmd_entry *e)
{
	printf("usage: xmppcut %s [OPTIONS] %s\n\n%c%s.\n", e->name, e->args,
	    e->summary[0] - 'a' + 'A', e->summary + 1);
	if (e->help != NULL)
		printf("\nOptions:\n%s", e->help);
	printf("\nGlobal options:\n%s", global_help);
}

int
cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xmppcut: %s%s", cmd ? cmd : "", cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'xmppcut %s%s--help'.\n", cmd ? cmd : "",
	    cmd ? " " : "");
	return -1;
}

int
cmd_opt_stage(const char *cmd, const char *val, enum stage *out)
{
	if (stage_parse(val, out) == -1)
		return cmd_usage_error(cmd, "--stage %s: expected pre, cutover, "
		    "final or rollback", val);
	return 0;
}

int
cmd_opt_expect(const char *cmd, const char *val, enum role *out)
{
	if (strcmp(val, "old") == 0)
		*out = ROLE_OLD;
	else if (strcmp(val, "new") == 0)
		*out = ROLE_NEW;
	else
		return cmd_usage_error(cmd, "--expect %s: expected old or new",
		    val);
	return 0;
}

int
cmd_opt_now(const char *cmd, const char *val, time_t *out)
{
	if (parse_time(val, out) == -1)
		return cmd_usage_error(cmd, "--now %s: expected "
		    "YYYY-MM-DD[THH:MM:SS] (UTC), YYYYMMDDHHMMSS or @EPOCH",
		    val);
	return 0;
}

int
cmd_opt_warn_days(const char *cmd, const char *val, unsigned *out)
{
	uint64_t v;

	if (parse_uint(val, 0, 3650, &v) == -1)
		return cmd_usage_error(cmd, "--warn-days %s: expected days "
		    "from 0 to 3650", val);
	*out = (unsigned)v;
	return 0;
}

int
cmd_opt_max_time(const char *cmd, const char *val, unsigned *out)
{
	uint64_t v;

	if (parse_uint(val, 1, 86400, &v) == -1)
		return cmd_usage_error(cmd, "--max-time %s: expected seconds "
		    "from 1 to 86400", val);
	*out = (unsigned)v;
	return 0;
}

int
cmd_parse_status(int rc)
{
	return rc == -2 ? XC_EXIT_OK : XC_EXIT_UNKNOWN;
}

static void
version(void)
{
	printf("xmppcut %s\n", PACKAGE_VERSION);
}

/* ID<TAB>SEVERITIES<TAB>MEANING, one line per finding id. */
static void
list_findings(void)
{
	for (int i = 0; i < F_COUNT; i++) {
		const struct finding_kind *k = &finding_kinds[i];
		int first = 1;

		printf("%s\t", k->name);
		for (int sev = SEV_ERROR; sev >= SEV_INFO; sev--) {
			if (!(k->severities & (1u << sev)))
				continue;
			printf("%s%s", first ? "" : ",",
			    severity_name((enum severity)sev));
			first = 0;
		}
		printf("\t%s\n", k->meaning);
	}
}

/* 0 when s is ADDR[@PORT], the one syntax of a DNS server's address. */
static int
dns_server_ok(const char *s)
{
	unsigned port = 53;
	char *addr;

	if (parse_endpoint(s, '@', &addr, &port) == -1)
		return -1;
	free(addr);
	return 0;
}

int
cmd_opt_zone(const char *cmd, const char *val, char ***zones, size_t *nzones)
{
	const char *why;

	if (dname_check(val, &why) == -1)
		return cmd_usage_error(cmd, "--zone %s: %s", val, why);
	*zones = xreallocarray(*zones, *nzones + 1, sizeof **zones);
	(*zones)[(*nzones)++] = dname_normalize(val);
	return 0;
}

int
cmd_opt_dns_server(const char *cmd, const char *opt, const char *val)
{
	if (dns_server_ok(val) == -1)
		return cmd_usage_error(cmd, "%s %s: expected ADDR[@PORT] (an "
		    "IP address, a port after @)", opt, val);
	return 0;
}

/* One global option. Returns 0, -1 (usage error printed), -2 (-h),
 * -3 (-V) or -4 (--list-findings). */
static int
global_opt(struct globals *g, const char *cmd, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case 'c':
		g->plan_path = arg;
		g->plan_given = 1;
		return 0;
	case OPT_JSON:
		g->json = 1;
		return 0;
	case OPT_RESOLVER:
		if (dns_server_ok(arg) == -1)
			return cmd_usage_error(cmd, "--resolver %s: expected "
			    "ADDR[@PORT] (an IP address, a port after @)", arg);
		g->resolver = arg;
		return 0;
	case OPT_STUB:
		if (strchr(arg, '=') == NULL ||
		    dns_server_ok(strchr(arg, '=') + 1) == -1)
			return cmd_usage_error(cmd, "--stub %s: expected "
			    "ZONE=ADDR[@PORT] (an IP address, a port after @)",
			    arg);
		g->stubs = xreallocarray(g->stubs, g->nstubs + 1,
		    sizeof *g->stubs);
		g->stubs[g->nstubs++] = (char *)arg;
		return 0;
	case OPT_TRUST_ANCHOR:
		g->trust_anchor = arg;
		return 0;
	case OPT_CA:
		g->ca = arg;
		return 0;
	case OPT_TIMEOUT:
		if (parse_uint(arg, 1, 3600, &v) == -1)
			return cmd_usage_error(cmd, "--timeout %s: expected "
			    "seconds from 1 to 3600", arg);
		g->timeout = (unsigned)v;
		return 0;
	case 'j':
		if (parse_uint(arg, 1, 10000, &v) == -1)
			return cmd_usage_error(cmd, "--jobs %s: expected a "
			    "number from 1 to 10000", arg);
		g->jobs = (unsigned)v;
		return 0;
	case '4':
	case '6':
		g->family = opt - '0';
		return 0;
	case 'q':
		g->quiet = 1;
		log_set_level(0);
		return 0;
	case 'v':
		g->verbose++;
		log_set_level(1 + g->verbose);
		return 0;
	case 'h':
		return -2;
	case 'V':
		return -3;
	case OPT_LIST_FINDINGS:
		return -4;
	default:
		return -1;
	}
}

int
cmd_parse(const struct cmd_entry *e, struct globals *g, int argc,
    char **argv, const struct cmd_opts *o)
{
	size_t nglobal = sizeof global_longopts / sizeof *global_longopts - 1;
	size_t nown = 0, rc;
	struct option *all;
	char *shortopts, *prog = xasprintf("xmppcut %s", e->name);
	char *saved = argv[0];
	int opt, r = 0;

	while (o->longopts != NULL && o->longopts[nown].name != NULL)
		nown++;
	all = xcalloc(nglobal + nown + 1, sizeof *all);
	memcpy(all, global_longopts, nglobal * sizeof *all);
	if (nown > 0)
		memcpy(all + nglobal, o->longopts, nown * sizeof *all);
	shortopts = xasprintf("%s%s", GLOBAL_SHORTOPTS,
	    o->shortopts ? o->shortopts : "");

	argv[0] = prog;
	optind = 0;	/* 0, not 1: glibc then forgets the "+" of the
			 * global parse and permutes options and operands */
	opterr = 1;
	while ((opt = getopt_long(argc, argv, shortopts, all, NULL)) != -1) {
		if (opt == '?') {
			r = cmd_usage_error(e->name, "bad option");
			break;
		}
		if (strchr(GLOBAL_SHORTOPTS, opt) != NULL ||
		    (opt >= 1000 && opt < 2000))
			r = global_opt(g, e->name, opt, optarg);
		else
			r = o->fn(o->arg, opt, optarg);
		if (r == -2) {
			cmd_help(e);
			break;
		}
		if (r == -3 || r == -4) {
			if (r == -3)
				version();
			else
				list_findings();
			r = -2;
			break;
		}
		if (r != 0)
			break;
	}
	argv[0] = saved;
	rc = (size_t)optind;
	free(prog);
	free(shortopts);
	free(all);
	return r != 0 ? r : (int)rc;
}

/* The zone of every plan domain and gateway host: the plan's zone keys
 * and --zone, else what --server (or the resolver) answers. -1 with
 * findings (exit 3) when one cannot be found. */
int
cmd_zones_unknown(struct report *r, const char *path,
    const struct zonemap *zm)
{
	int ret = 0;

	for (size_t i = 0; i < zm->n; i++) {
		if (zm->apexes[i] != NULL)
			continue;
		findings_add_at(report_findings(r), SEV_ERROR, F_ZONE_UNKNOWN,
		    path, 0, zm->names[i], "the zone that holds %s cannot "
		    "be found (%s): give it in the plan (zone = ZONE) or with "
		    "--zone, or --server the zone's primary", zm->names[i],
		    zm->why[i]);
		ret = -1;
	}
	return ret;
}

int
cmd_find_zones(struct report *r, struct globals *g, const struct plan *p,
    enum stage s, char *const *extra, size_t nextra, const char *server,
    struct zonemap *zm)
{
	struct resolver_opts ro;
	struct zonefind_opts zo;
	struct strlist names = { 0 }, zones = { 0 };
	char *cause = NULL;
	int ret = 0;

	for (size_t i = 0; i < p->ndomains; i++)
		strlist_add(&names, p->domains[i]);
	for (size_t i = 0; i < p->ngateways; i++)
		if (p->gateways[i].role == stage_role(s))
			strlist_add(&names, p->gateways[i].host);
	for (size_t i = 0; i < p->nzones; i++)
		strlist_add(&zones, p->zones[i]);
	for (size_t i = 0; i < nextra; i++)
		strlist_add(&zones, extra[i]);
	resolver_opts_from(&ro, g);
	memset(&zo, 0, sizeof zo);
	zo.zones = zones.v;
	zo.nzones = zones.n;
	zo.server = server;
	zo.ro = &ro;
	zo.timeout_ms = g->timeout * 1000;
	if (zonefind(&zo, names.v, names.n, zm, &cause) == -1) {
		findings_add(report_findings(r), SEV_ERROR, F_RESOLVER_FAILED,
		    NULL, "cannot look the zones up: %s", cause);
		free(cause);
		ret = -1;
	}
	if (cmd_zones_unknown(r, p->path, zm) == -1)
		ret = -1;
	strlist_free(&names);
	strlist_free(&zones);
	return ret;
}

struct plan *
cmd_load_plan(struct globals *g, struct report *r)
{
	struct plan *p = plan_load(g->plan_path, report_findings(r));

	if (p == NULL)
		report_set_unknown(r);
	return p;
}

const struct cmd_entry *
cmd_find(const char *name, char **cause)
{
	const struct cmd_entry *found = NULL;
	struct buf b = { 0 };
	size_t len = strlen(name), n = 0;

	for (size_t i = 0; cmd_table[i] != NULL; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
		if (len > 0 && strncmp(cmd_table[i]->name, name, len) == 0) {
			found = cmd_table[i];
			buf_addf(&b, "%s%s", n++ ? ", " : "",
			    cmd_table[i]->name);
		}
	}
	if (n == 1) {
		buf_free(&b);
		return found;
	}
	if (n == 0)
		*cause = xasprintf("unknown command '%s'", name);
	else
		*cause = xasprintf("ambiguous command '%s' could be %s", name,
		    b.s);
	buf_free(&b);
	return NULL;
}

int
cmd_main(int argc, char **argv)
{
	struct globals g;
	const struct cmd_entry *e;
	char *cause = NULL;
	int opt, r, status;

	memset(&g, 0, sizeof g);
	g.plan_path = PLAN_DEFAULT_PATH;
	g.timeout = DEFAULT_TIMEOUT;
	g.jobs = DEFAULT_JOBS;

	opterr = 1;
	while ((opt = getopt_long(argc, argv, "+" GLOBAL_SHORTOPTS,
	    global_longopts, NULL)) != -1) {
		if (opt == '?') {
			cmd_usage_error(NULL, "bad option");
			return XC_EXIT_UNKNOWN;
		}
		r = global_opt(&g, NULL, opt, optarg);
		if (r == -2) {
			usage(stdout);
			return XC_EXIT_OK;
		}
		if (r == -3 || r == -4) {
			if (r == -3)
				version();
			else
				list_findings();
			return XC_EXIT_OK;
		}
		if (r != 0)
			return XC_EXIT_UNKNOWN;
	}
	if (optind >= argc) {
		usage(stderr);
		return XC_EXIT_UNKNOWN;
	}
	if ((e = cmd_find(argv[optind], &cause)) == NULL) {
		cmd_usage_error(NULL, "%s", cause);
		free(cause);
		return XC_EXIT_UNKNOWN;
	}
	status = e->exec(&g, argc - optind, argv + optind);
	free(g.stubs);
	return status;
}
