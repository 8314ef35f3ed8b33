/* report.h — the one writer of stdout.
 *
 * A command fills a report (findings, observations as a JSON tree, text
 * for text mode) and report_emit() prints it as text or as one JSON
 * document and gives the exit status (Nagios plugin convention). */
#ifndef XMPPCUT_REPORT_H
#define XMPPCUT_REPORT_H

#include <jansson.h>
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

/* Attach an observation to the JSON document under key (steals value). */
void report_set(struct report *r, const char *key, json_t *value);

/* The string member key of o, or "" when it is missing or not a string. */
const char *json_str(const json_t *o, const char *key);

/* A JSON array of strings, newly allocated. */
json_t *strings_json(char *const *v, size_t n);

/* Text mode: append to the text printed on stdout before the findings. */
void report_text(struct report *r, const char *fmt, ...) PRINTFLIKE(2, 3);

/* Text mode: the text is data for another program (a zone snippet, an
 * nsupdate script): findings and the summary go to stderr instead. */
void report_text_is_data(struct report *r);

/* Text mode: print only this line (monitor's Nagios line). */
void report_set_line(struct report *r, const char *line);

/* Print the report and return the exit status. quiet drops info
 * findings and the summary in text mode. */
int report_emit(struct report *r, int quiet);

/* The exit status the report stands for, without printing it. */
int report_status(const struct report *r);
const char *report_status_name(int status);

#endif
