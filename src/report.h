/* report.h — the one writer of stdout.
 *
 * A command fills a report (findings, typed results through render.h,
 * text for text mode) and report_emit() prints it as text or as one JSON
 * document and gives the exit status (Nagios plugin convention). Text
 * that a peer or a file supplies is escaped on the way out: control
 * characters, line breaks and bidirectional overrides never reach the
 * terminal or the Nagios line raw. */
#ifndef XMPPCUT_REPORT_H
#define XMPPCUT_REPORT_H

#include <stdio.h>

#include "finding.h"

enum {
	XC_EXIT_OK = 0,
	XC_EXIT_WARNING = 1,
	XC_EXIT_CRITICAL = 2,
	XC_EXIT_UNKNOWN = 3,
};

struct report;

/* A report printed as one JSON document when json is set, else as text.
 * Newly allocated; free with report_free(). */
struct report *report_new(const char *command, int json);
void report_free(struct report *r);

/* The findings list of this report; append to it directly. */
struct findings *report_findings(struct report *r);

/* The tool could not do its job (bad plan, unreadable file): exit 3. */
void report_set_unknown(struct report *r);
int report_is_unknown(const struct report *r);

/* 1 when the report is printed as JSON: observations that only JSON
 * shows may be skipped otherwise. */
int report_wants_json(const struct report *r);

/* Members of the JSON document besides command, findings and summary. */
void report_set_string(struct report *r, const char *key, const char *v);
void report_set_int(struct report *r, const char *key, long long v);
void report_set_strings(struct report *r, const char *key, char *const *v,
    size_t n);

/* For render.c and obsfile.c: a jansson value (json_t *) under key, or
 * appended to the array under key; the value is taken over. */
struct json_t;
void report_set_json(struct report *r, const char *key, struct json_t *v);
void report_push_json(struct report *r, const char *key, struct json_t *v);

/* Text mode: append to the text printed on stdout before the findings.
 * The text is the tool's own: values from outside (a peer, a file) go
 * through str_escape() first. */
void report_text(struct report *r, const char *fmt, ...) PRINTFLIKE(2, 3);

/* Text mode: the text is data for another program (a zone snippet, an
 * nsupdate script): findings and the summary go to stderr instead. */
void report_text_is_data(struct report *r);

/* Text mode: print only this line (monitor's Nagios line). */
void report_set_line(struct report *r, const char *line);

/* Print the report and return the exit status. quiet (-q) drops, in
 * text mode, all but warnings and errors: the descriptions, info
 * findings and the summary (text that is data is still printed). */
int report_emit(struct report *r, int quiet);

/* The exit status the report stands for, without printing it. */
int report_status(const struct report *r);
const char *report_status_name(int status);

#endif
