/* nsupdate.h — RFC 2136 update scripts for nsupdate(1), one message per
 * zone, each guarded by prerequisites on what the previous stage left. */
#ifndef XMPPCUT_NSUPDATE_H
#define XMPPCUT_NSUPDATE_H

#include <stddef.h>

#include "stage.h"

struct nsupdate_opts {
	const char *server;	/* "ADDR[@PORT]", or NULL for the SOA's */
	const char *tsig_file;	/* key file, or NULL */
	char *const *zones;	/* extra zone apexes (stage_zone_of) */
	size_t nzones;
};

/* The script for stage s. Newly allocated; NULL with *cause set (free it)
 * when a cert or the key file cannot be read or the server is malformed. */
char *nsupdate_script(const struct plan *p, enum stage s,
    const struct nsupdate_opts *o, char **cause);

/* Read a TSIG key file: BIND's format (key "name" { algorithm ALG;
 * secret "B64"; };, as written by tsig-keygen) or one line ALG:NAME:SECRET.
 * Returns "ALG:NAME SECRET" for nsupdate's key statement, newly allocated;
 * NULL with *cause set on failure. */
char *nsupdate_tsig_key(const char *path, char **cause);

#endif
