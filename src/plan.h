/* plan.h — the cutover plan file (INI), read with inih and checked
 * strictly: every problem is a plan-invalid finding with file and line. */
#ifndef XMPPCUT_PLAN_H
#define XMPPCUT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "finding.h"

#define PLAN_DEFAULT_PATH "./xmppcut.conf"
#define PLAN_DEFAULT_TTL 3600
#define PLAN_DEFAULT_CUTOVER_TTL 300
#define PLAN_DEFAULT_PORT 5269

enum role { ROLE_OLD, ROLE_NEW };

struct plan_addr {
	int family;		/* AF_INET or AF_INET6 */
	char text[46];		/* normalised presentation form */
};

struct gateway {
	char *host;		/* normalised, no trailing dot */
	enum role role;
	struct plan_addr *addrs;
	size_t naddrs;
	int external;		/* address = external: its host records are
				 * kept outside the plan (no addrs): stages
				 * publish none, checks compare none */
	unsigned port;
	unsigned direct_tls_port;	/* 0 when not set */
	unsigned priority;
	unsigned weight;
	char *cert;		/* path resolved against the plan's folder */
	unsigned line;		/* line of the [gateway] header */
	unsigned cert_line;
};

struct plan {
	char *path;
	char **domains;		/* normalised, in file order */
	size_t ndomains;
	uint32_t ttl;
	uint32_t cutover_ttl;
	char *from;		/* NULL when not set */
	struct gateway *gateways;	/* in file order */
	size_t ngateways;
	char **partners;	/* normalised, in file order */
	size_t npartners;
	char **zones;		/* 'zone' keys: apexes of the zones that
				 * hold the plan's records, normalised */
	size_t nzones;
};

/* Read and check the plan at path. On success returns a newly allocated
 * plan (free with plan_free()); on any problem returns NULL and appends
 * plan-invalid findings (with file and line) to f. */
struct plan *plan_load(const char *path, struct findings *f);
void plan_free(struct plan *p);

const char *role_name(enum role r);
/* Number of gateways with this role. */
size_t plan_count_role(const struct plan *p, enum role r);

#endif
