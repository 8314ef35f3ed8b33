/* prom.h — Prometheus metrics (text exposition format, for the node
 * exporter's textfile collector) of a monitor run. */
#ifndef XMPPCUT_PROM_H
#define XMPPCUT_PROM_H

#include <stddef.h>

#include "dnslive.h"
#include "probe.h"

/* What a monitor run found; dns and the probes may be missing (NULL, 0)
 * when the run could not get that far. */
struct prom_run {
	int status;			/* the exit status */
	double seconds;
	size_t errors, warnings, info;
	const struct dnslive_result *dns;
	const struct probe_result *own;		/* the plan's domains */
	size_t nown;
	const struct probe_result *partners;
	size_t npartners;
};

/* The metrics of a run. Newly allocated. */
char *prom_metrics(const struct prom_run *run);

#endif
