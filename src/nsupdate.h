/* nsupdate.h — RFC 2136 update scripts for nsupdate(1), one message per
 * zone, each guarded by prerequisites on what the previous stage left. */
#ifndef XMPPCUT_NSUPDATE_H
#define XMPPCUT_NSUPDATE_H

#include <stddef.h>

#include "stage.h"

struct zonemap;

struct nsupdate_opts {
	const char *server;	/* "ADDR[@PORT]", or NULL for the SOA's */
	const char *tsig_file;	/* key file, or NULL: named in a comment
				 * (nsupdate -k FILE), never copied in */
	const struct zonemap *zones;	/* the zone of every name */
};

/* The script for stage s. Newly allocated; NULL with *cause set (free it)
 * when a cert cannot be read, a name's zone is not known or the server is
 * malformed. */
char *nsupdate_script(const struct plan *p, enum stage s,
    const struct nsupdate_opts *o, char **cause);

/* Read a TSIG key file: BIND's format (key "name" { algorithm ALG;
 * secret "B64"; };, as written by tsig-keygen) or one line ALG:NAME:SECRET.
 * Returns "ALG:NAME SECRET" for nsupdate's key statement, newly allocated;
 * NULL with *cause set on failure. */
char *nsupdate_tsig_key(const char *path, char **cause);

#endif
