/* prom.h — Prometheus metrics (text exposition format, for the node
 * exporter's textfile collector) of a monitor run. */
#ifndef XMPPCUT_PROM_H
#define XMPPCUT_PROM_H

#include <jansson.h>

/* The metrics of a monitor report (its "domains", "probes", "partners"
 * and "summary"), the run's status and duration. Newly allocated. */
char *prom_metrics(const json_t *report, int status, double seconds);

#endif
