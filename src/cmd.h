/* cmd.h — the command table, global options and the per-command option
 * parser. One command, one cmd-NAME.c file, one table entry. */
#ifndef XMPPCUT_CMD_H
#define XMPPCUT_CMD_H

#include <getopt.h>
#include <stddef.h>

#include "plan.h"
#include "report.h"
#include "stage.h"

/* Global options (DESIGN.md), parsed before and after the command word. */
struct globals {
	const char *plan_path;
	int plan_given;
	int json;
	int quiet;
	int verbose;
	const char *resolver;		/* ADDR[@PORT] or NULL */
	char **stubs;			/* ZONE=ADDR[@PORT] */
	size_t nstubs;
	const char *trust_anchor;
	const char *ca;
	unsigned timeout;		/* seconds */
	unsigned jobs;
	int family;			/* -4, -6: 4 or 6; 0: both */
};

#define DEFAULT_TIMEOUT 10
#define DEFAULT_JOBS 32

struct cmd_entry {
	const char *name;
	const char *args;	/* synopsis after the name */
	const char *summary;	/* one line for the command list */
	const char *help;	/* the command's options, one per line */
	int (*exec)(struct globals *g, int argc, char **argv);
};

/* A command's own options: short letters, long options (zero-terminated)
 * and the function called for each; the function returns 0, or -1 after
 * printing a usage error with cmd_usage_error(). A command without options
 * of its own gives all four NULL. */
struct cmd_opts {
	const char *shortopts;
	const struct option *longopts;
	int (*fn)(void *arg, int opt, const char *val);
	void *arg;
};

/* Parse argv (argv[0] is the command word) with the command's options and
 * the global ones. Returns the index of the first operand, -1 on a usage
 * error (printed), or -2 when -h was given (help printed, exit 0). */
int cmd_parse(const struct cmd_entry *e, struct globals *g, int argc,
    char **argv, const struct cmd_opts *o);

/* Print "xmppcut: CMD: message" and a hint to stderr; returns -1. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) PRINTFLIKE(2, 3);

/* Option values shared by several commands: 0, or -1 after a usage error
 * naming the command. */
int cmd_opt_stage(const char *cmd, const char *val, enum stage *out);
int cmd_opt_expect(const char *cmd, const char *val, enum role *out);
int cmd_opt_now(const char *cmd, const char *val, time_t *out);
int cmd_opt_warn_days(const char *cmd, const char *val, unsigned *out);
/* ADDR[@PORT]: the one syntax of a DNS server's address (--server,
 * --resolver, --stub). */
int cmd_opt_dns_server(const char *cmd, const char *opt, const char *val);
/* --zone ZONE (generate, apply): a zone apex, appended normalised. */
int cmd_opt_zone(const char *cmd, const char *val, char ***zones,
    size_t *nzones);
/* --max-time: the whole run's bound, seconds (probe, check, monitor). */
#define DEFAULT_MAX_TIME 60
int cmd_opt_max_time(const char *cmd, const char *val, unsigned *out);

/* Exit status for the return value of cmd_parse() below 0. */
int cmd_parse_status(int rc);

/* Load the plan for a command; on failure the findings go into the report
 * and it is marked unknown (exit 3). */
struct plan *cmd_load_plan(struct globals *g, struct report *r);

/* The zone of every plan domain and of the gateway hosts of stage s
 * (zonefind.h): the plan's zone keys and extra, else what server (or the
 * resolver) answers. -1 with findings (zone-unknown, resolver-failed:
 * exit 3) when one cannot be found. */
struct zonemap;
int cmd_find_zones(struct report *r, struct globals *g, const struct plan *p,
    enum stage s, char *const *extra, size_t nextra, const char *server,
    struct zonemap *zm);

/* A zone-unknown finding (exit 3) for every name of zm without a zone;
 * -1 when there is one. */
int cmd_zones_unknown(struct report *r, const char *path,
    const struct zonemap *zm);

const struct cmd_entry *cmd_find(const char *name, char **cause);
int cmd_main(int argc, char **argv);

extern const struct cmd_entry cmd_generate_entry;
extern const struct cmd_entry cmd_cert_entry;
extern const struct cmd_entry cmd_lint_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_probe_entry;
extern const struct cmd_entry cmd_monitor_entry;
extern const struct cmd_entry cmd_diff_entry;
extern const struct cmd_entry cmd_apply_entry;
extern const struct cmd_entry cmd_init_entry;

/* Shared by probe, check and monitor (cmd-probe.c). */
struct probe_opts;
struct probe_request;
struct probe_result;
struct resolver_opts;
void resolver_opts_from(struct resolver_opts *ro, const struct globals *g);
/* A trust-anchor-missing finding when ro gives no DNSSEC trust anchor. */
void cmd_trust_anchor(struct report *r, const struct resolver_opts *ro);
void probe_opts_from(struct probe_opts *po, struct resolver_opts *ro,
    const struct globals *g);
/* Probe the requests; their findings go into the report. The results,
 * newly allocated (probe_results_free()), or NULL when the engine cannot
 * start (a finding, and exit 3). */
struct probe_result *probe_into_report(struct report *r,
    const struct probe_opts *po, const struct probe_request *reqs, size_t n);
void probe_results_free(struct probe_result *v, size_t n);

#endif
