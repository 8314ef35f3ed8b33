/* obsfile.h — observations as JSON: written into reports and monitor's
 * state file, read back from them. The reader validates everything it
 * takes (types, sizes, known kinds) and refuses the rest with a reason:
 * a saved file of any shape gives observations or an error, never a
 * crash. With report.c and state.c, the only users of jansson. */
#ifndef XMPPCUT_OBSFILE_H
#define XMPPCUT_OBSFILE_H

#include <stddef.h>

#include "observe.h"

/* The largest report or state file read back. */
#define OBSFILE_MAX (64 * 1024 * 1024)

/* What a document may be. */
enum obsfile_kind {
	OBSFILE_REPORT,		/* a report of check, probe or monitor: its
				 * "observations" member */
	OBSFILE_STATE,		/* monitor's state: {"version": 1,
				 * "observations": {...}} */
	OBSFILE_ANY,		/* either (diff) */
};

/* Observations from a JSON document's text. 0, or -1 with *why (newly
 * allocated) and o left empty. */
int obsfile_parse(const char *data, size_t len, enum obsfile_kind kind,
    struct observations *o, char **why);

/* The same from a file. -1 with *why; *unreadable says whether the file
 * could not be read at all (else it is not valid). */
int obsfile_read(const char *path, enum obsfile_kind kind,
    struct observations *o, int *unreadable, char **why);

/* A state file's text for these observations: {"version": 1, "written":
 * ISO-TIME, "observations": {...}}. Newly allocated, or NULL. */
char *obsfile_state_text(const struct observations *o);

/* For render.c: the observations as a JSON object, and the changes as a
 * JSON array; newly allocated. */
struct json_t;
struct json_t *obsfile_json(const struct observations *o);
struct json_t *obsfile_changes_json(const struct changes *c);

#endif
