/* observe.h — what is worth watching in a report of check, probe or
 * monitor, per domain and partner, and what changed between two of them.
 * `monitor` keeps these observations as its state; `diff` compares two
 * saved reports through them. */
#ifndef XMPPCUT_OBSERVE_H
#define XMPPCUT_OBSERVE_H

#include <jansson.h>

#include "finding.h"

/* The observations of a report: an object name -> facts (SRV records,
 * target addresses, reachability, the place that answered, TLS version,
 * authentication methods, the certificate's SPKI hash, issuer and
 * expiry). Newly allocated; NULL with *why (static) when the document is
 * not a check, probe or monitor report. */
json_t *observe_report(const json_t *report, const char **why);

/* Compare two observation sets: a `changed` finding (warning) for each
 * fact that moved, `reachability-lost` (error) for a name reachable
 * before and not after. Returns the changes as an array of {name, what,
 * before, after}, newly allocated. */
json_t *observe_compare(const json_t *before, const json_t *after,
    struct findings *f);

#endif
