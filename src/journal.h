/* journal.h — the journal beside the plan (PLAN.journal): when each stage
 * was applied and the largest TTL of the records it replaced, for the TTL
 * gate of `apply`. One line per stage applied, "STAGE EPOCH TTL"; written
 * whole to a temporary file and renamed, under PLAN.journal.lock. */
#ifndef XMPPCUT_JOURNAL_H
#define XMPPCUT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "stage.h"

struct journal_entry {
	enum stage stage;
	time_t at;		/* when it was applied */
	uint32_t ttl;		/* the largest TTL of what it replaced */
};

/* The entries, oldest first (none when the file does not exist). 0, or -1
 * with *cause when it cannot be read or a line is not an entry. */
int journal_read(const char *path, struct journal_entry **v, size_t *n,
    char **cause);
/* The last entry of stage s, or NULL. */
const struct journal_entry *journal_last(const struct journal_entry *v,
    size_t n, enum stage s);
/* Add an entry: locked, rewritten whole, renamed. 0, or -1 with *cause. */
int journal_append(const char *path, const struct journal_entry *e,
    char **cause);

#endif
