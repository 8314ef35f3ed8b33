/* zonefind.h — which zone holds a name, as a fact of DNS, as nsupdate
 * finds it: the plan's zone keys and --zone first (the longest that holds
 * the name), else the SOA that --server (asked directly, RD=0) or the
 * validating resolver answers, walking up from the name. A name whose
 * zone cannot be found has none here: never a guess. */
#ifndef XMPPCUT_ZONEFIND_H
#define XMPPCUT_ZONEFIND_H

#include <stddef.h>

#include "resolver.h"

struct zonefind_opts {
	char *const *zones;	/* the plan's zone keys and --zone */
	size_t nzones;
	const char *server;	/* ADDR[@PORT] to ask, or NULL */
	const struct resolver_opts *ro;	/* else this resolver */
	unsigned timeout_ms;
};

/* Names and their zones. */
struct zonemap {
	char **names;
	char **apexes;		/* NULL where not found */
	char **why;		/* where not found: why, else NULL */
	size_t n;
};

/* The zone of each name into m (names are normalised). 0, or -1 with
 * *cause (free it) when nothing can be asked (no resolver, a bad
 * --server). Names not found have apex NULL and a reason. */
int zonefind(const struct zonefind_opts *o, char *const *names, size_t n,
    struct zonemap *m, char **cause);

/* The zone of name, or NULL. */
const char *zonemap_get(const struct zonemap *m, const char *name);
void zonemap_free(struct zonemap *m);

#endif
