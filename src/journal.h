/* journal.h — the journal beside the plan (PLAN.journal): when each stage
 * reached each zone and the largest TTL of the records it replaced there,
 * for the TTL gate of `apply`. Lines "STAGE ZONE EPOCH TTL KIND": KIND is
 * sent (written before the UPDATE goes out, withdrawn when the server
 * refuses it), served (--wait saw every name server serve it) or partial
 * (--wait ended with a server not serving it); a line without KIND (an
 * older journal, which wrote one before each send and kept it after a
 * refusal) is read as sent. Written whole to a temporary file and
 * renamed, under PLAN.journal.lock; older versions cannot read it
 * back. */
#ifndef XMPPCUT_JOURNAL_H
#define XMPPCUT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "stage.h"

enum journal_kind { J_SENT, J_SERVED, J_PARTIAL };

struct journal_entry {
	enum stage stage;
	char *zone;		/* normalised, no trailing dot */
	time_t at;		/* when it was sent, or seen */
	uint32_t ttl;		/* the largest TTL of what it replaced */
	enum journal_kind kind;
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
/* Take back the last entry equal to *e (an update the server refused):
 * locked, rewritten whole, renamed. 0 (also when there is none), or -1
 * with *cause. */
int journal_withdraw(const char *path, const struct journal_entry *e,
    char **cause);

#endif
