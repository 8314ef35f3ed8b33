/* finding.h — problems found in what is checked, as data.
 *
 * A finding is not a failure of the tool: checks append findings and go on.
 * Ids are part of the contract (DESIGN.md, doc/xmppcut.1). */
#ifndef XMPPCUT_FINDING_H
#define XMPPCUT_FINDING_H

#include <stddef.h>

#include "util.h"

enum severity { SEV_INFO = 0, SEV_WARNING = 1, SEV_ERROR = 2 };

struct finding {
	char *id;
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
void findings_add(struct findings *f, enum severity sev, const char *id,
    const char *subject, const char *fmt, ...) PRINTFLIKE(5, 6);
/* Append a finding about a place in a file (file may be NULL, line 0). */
void findings_add_at(struct findings *f, enum severity sev, const char *id,
    const char *file, unsigned line, const char *subject, const char *fmt,
    ...) PRINTFLIKE(7, 8);
/* Move every finding of src to the end of dst; src is left empty. */
void findings_move(struct findings *dst, struct findings *src);
/* Order by file and line (findings without a file last), keeping the
 * order of findings at the same place. */
void findings_sort(struct findings *f);
size_t findings_count(const struct findings *f, enum severity sev);
/* Index of the first finding with this id, or -1. */
long findings_find(const struct findings *f, const char *id);
void findings_free(struct findings *f);

const char *severity_name(enum severity sev);

#endif
