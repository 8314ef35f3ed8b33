/* finding.h — problems found in what is checked, as data.
 *
 * A finding is not a failure of the tool: checks append findings and go on.
 * Every id is in one table (finding.c), with the severities it may have
 * and its meaning; ids are part of the contract (DESIGN.md, the man page's
 * FINDINGS, `xmppcut --list-findings`), and each is used for its meaning
 * only. */
#ifndef XMPPCUT_FINDING_H
#define XMPPCUT_FINDING_H

#include <stddef.h>

#include "util.h"

enum severity { SEV_INFO = 0, SEV_WARNING = 1, SEV_ERROR = 2 };

enum finding_id {
	/* the tool's inputs (exit 3) */
	F_PLAN_INVALID,
	F_FILE_UNREADABLE,
	F_REPORT_INVALID,
	F_TSIG_KEY_INVALID,
	F_ZONE_UNKNOWN,
	F_CA_UNREADABLE,
	F_RESOLVER_FAILED,
	/* zone files and records */
	F_ZONE_PARSE_ERROR,
	F_SRV_MISSING,
	F_SRV_TARGET_CNAME,
	F_SRV_TARGET_NO_ADDRESS,
	F_SRV_TARGET_OUT_OF_ZONE,
	F_SRV_TARGET_DOT,
	F_SRV_PORT_UNEXPECTED,
	F_SRV_OWNER_MALFORMED,
	F_SRV_PLAN_MISMATCH,
	F_ADDRESS_PLAN_MISMATCH,
	F_TTL_INCONSISTENT,
	F_TTL_ABOVE_CUTOVER,
	F_XMPPS_INCONSISTENT,
	F_TLSA_MISMATCH,
	F_TLSA_MISSING,
	F_DNSSEC_SIGNATURE_INVALID,
	/* certificates */
	F_CERT_NAME_MISMATCH,
	F_CERT_EXPIRED,
	F_CERT_NOT_YET_VALID,
	F_CERT_EXPIRES_SOON,
	F_CERT_UNTRUSTED,
	F_CERT_NO_CLIENT_AUTH,
	F_CERT_NO_SERVER_AUTH,
	F_CERT_CHAIN_ORDER,
	F_CERT_WEAK_KEY,
	F_CERT_KEY_MISMATCH,
	F_CONNECT_NOT_PLANNED,
	/* the live DNS */
	F_DNS_FAILURE,
	F_DNSSEC_BOGUS,
	F_DNSSEC_INSECURE,
	F_TRUST_ANCHOR_MISSING,
	F_SRV_POINTS_OLD,
	F_NS_INCONSISTENT,
	F_NS_UNREACHABLE,
	F_NS_LAME,
	F_CACHE_STALE,
	/* the stream */
	F_CONNECT_FAILED,
	F_STARTTLS_MISSING,
	F_TLS_FAILED,
	F_TLS_VERSION_OLD,
	F_STREAM_ERROR,
	F_STREAM_INVALID,
	F_DANE_MISMATCH,
	F_NO_AUTH_METHOD,
	F_TIMEOUT,
	/* monitor and diff */
	F_CHANGED,
	F_REACHABILITY_LOST,
	F_STATE_RESET,
	F_STATE_LOCKED,
	F_STATE_WRITE_FAILED,
	F_METRICS_WRITE_FAILED,
	/* apply */
	F_ZONE_UNEXPECTED_STATE,
	F_UPDATE_REFUSED,
	F_TTL_WAIT,
	F_TOOL_FAILED,
	/* init */
	F_PLAN_INEXPRESSIBLE,
	F_COUNT
};

/* Severities as a set, for the table. */
#define SEVS_INFO (1u << SEV_INFO)
#define SEVS_WARNING (1u << SEV_WARNING)
#define SEVS_ERROR (1u << SEV_ERROR)

struct finding_kind {
	const char *name;	/* the id, kebab-case */
	unsigned severities;	/* SEVS_* it may have */
	int unknown;		/* the tool could not do its job: a report
				 * holding it is UNKNOWN (exit 3) */
	const char *meaning;	/* one line */
};

/* The table, indexed by enum finding_id. */
extern const struct finding_kind finding_kinds[F_COUNT];

const char *finding_name(enum finding_id id);
/* The id of a name, or -1. */
int finding_lookup(const char *name);

struct finding {
	enum finding_id id;
	enum severity severity;
	char *subject;	/* domain, record owner or host; may be NULL */
	char *message;	/* one sentence: what is wrong and what to do */
	char *file;	/* for findings in files; else NULL */
	unsigned line;	/* 0 when there is no line */
};

struct findings {
	struct finding *v;
	size_t n, cap;
};

/* Append a finding; subject may be NULL. */
void findings_add(struct findings *f, enum severity sev, enum finding_id id,
    const char *subject, const char *fmt, ...) PRINTFLIKE(5, 6);
/* Append a finding about a place in a file (file may be NULL, line 0). */
void findings_add_at(struct findings *f, enum severity sev,
    enum finding_id id, const char *file, unsigned line, const char *subject,
    const char *fmt, ...) PRINTFLIKE(7, 8);
/* Move every finding of src to the end of dst; src is left empty. */
void findings_move(struct findings *dst, struct findings *src);
/* Put "prefix: " before the message of every finding in f. */
void findings_prefix(struct findings *f, const char *prefix);
/* Order by file and line (findings without a file last), keeping the
 * order of findings at the same place. */
void findings_sort(struct findings *f);
size_t findings_count(const struct findings *f, enum severity sev);
/* Index of the first finding with this id, or -1. */
long findings_find(const struct findings *f, enum finding_id id);
void findings_free(struct findings *f);

const char *severity_name(enum severity sev);

#endif
