/* state.h — monitor's state file: the observations of the last run,
 * behind a lock so that runs started by cron at once never mix. */
#ifndef XMPPCUT_STATE_H
#define XMPPCUT_STATE_H

#include "observe.h"

struct state;

/* Take PATH.lock (never removed: removing it would race). NULL with
 * *cause when it cannot be made, or, with *busy set, when another run
 * holds it. Newly allocated; state_close() releases the lock. */
struct state *state_open(const char *path, int *busy, char **cause);

enum state_read { STATE_OK, STATE_MISSING, STATE_BAD, STATE_UNREADABLE };

/* The observations the last run wrote, into o. STATE_MISSING (no file:
 * the first run), STATE_BAD (empty, truncated, not JSON, not ours) and
 * STATE_UNREADABLE (there, but it cannot be read: permissions, I/O) leave
 * o empty, the last two with *why (newly allocated). */
enum state_read state_read(struct state *s, struct observations *o,
    char **why);

/* Replace the state with these observations: temporary file, fsync,
 * rename. 0, or -1 with *cause. */
int state_write(struct state *s, const struct observations *o,
    char **cause);

void state_close(struct state *s);

#endif
