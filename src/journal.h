/* journal.h — the journal beside the plan (PLAN.journal): when each stage
 * reached each zone and the largest TTL of the records it replaced there,
 * for the TTL gate of `apply`. One line per zone and stage sent, "STAGE
 * ZONE EPOCH TTL"; written whole to a temporary file and renamed, under
 * PLAN.journal.lock. */
#ifndef XMPPCUT_JOURNAL_H
#define XMPPCUT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "stage.h"

struct journal_entry {
	enum stage stage;
	char *zone;		/* normalised, no trailing dot */
	time_t at;		/* when it was sent */
	uint32_t ttl;		/* the largest TTL of what it replaced */
};

/* Epochs above this are not read (they would overflow at + ttl). */
#define JOURNAL_EPOCH_MAX ((uint64_t)1 << 40)

/* The entries, oldest first (none when the file does not exist). 0, or -1
 * with *cause when it cannot be read or a line is not an entry. */
int journal_read(const char *path, struct journal_entry **v, size_t *n,
    char **cause);
void journal_free(struct journal_entry *v, size_t n);
/* The last entry of stage s for zone, or NULL. */
const struct journal_entry *journal_last(const struct journal_entry *v,
    size_t n, enum stage s, const char *zone);
/* Add entries: locked, rewritten whole, renamed. 0, or -1 with *cause. */
int journal_append(const char *path, const struct journal_entry *e,
    size_t ne, char **cause);

#endif
