/* observe.c — what is worth watching in a report, and what changed. */
#include "observe.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

static json_t *
facts_of(json_t *all, const char *name, const char *kind)
{
	json_t *f = json_object_get(all, name);

	if (f == NULL) {
		f = json_pack("{s:s}", "kind", kind);
		json_object_set_new(all, name, f);
	}
	return f;
}

/* Sort a JSON array of strings in place (for stable comparisons). */
static int
jstr_cmp(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
	    json_string_value(*(json_t *const *)b));
}

static json_t *
sorted(json_t *a)
{
	size_t n = json_array_size(a);
	json_t **v = xcalloc(n ? n : 1, sizeof *v), *out = json_array();

	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(a, i);
	if (n > 1)
		qsort(v, n, sizeof *v, jstr_cmp);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(a);
	return out;
}

/* The DNS observations of check and monitor: SRV records (with their
 * service) and the addresses of the targets. */
static void
from_dns(json_t *all, const json_t *domains)
{
	const json_t *d, *rec, *v;
	size_t i, k, j;

	json_array_foreach(domains, i, d) {
		json_t *srv = json_array(), *addr = json_array(), *f;

		json_array_foreach(json_object_get(d, "records"), k, rec) {
			const char *type = json_str(rec, "type");

			json_array_foreach(json_object_get(rec, "rdata"), j, v) {
				if (strcmp(type, "SRV") == 0)
					json_array_append_new(srv, json_sprintf(
					    "%.*s %s", (int)strcspn(json_str(rec,
					    "name"), "."), json_str(rec, "name"),
					    json_string_value(v)));
				else if (strcmp(type, "A") == 0 ||
				    strcmp(type, "AAAA") == 0)
					json_array_append(addr, (json_t *)v);
			}
		}
		f = facts_of(all, json_str(d, "domain"), "domain");
		json_object_set_new(f, "srv", sorted(srv));
		json_object_set_new(f, "addresses", sorted(addr));
	}
}

/* A probe's observations (probe, check's probes, monitor's partners). */
static void
from_probes(json_t *all, const json_t *probes, const char *kind)
{
	const json_t *p, *v;
	size_t i, k;

	json_array_foreach(probes, i, p) {
		const json_t *by = json_object_get(p, "answered_by");
		const json_t *cert = json_object_get(p, "certificate");
		const json_t *feat = json_object_get(p, "features");
		json_t *f = facts_of(all, json_str(p, "domain"), kind), *auth;

		json_object_set(f, "reachable", json_object_get(p,
		    "reachable"));
		json_object_set_new(f, "answered_by", json_is_object(by) ?
		    json_sprintf("%s:%lld (%s)", json_str(by, "target"),
		    (long long)json_integer_value(json_object_get(by, "port")),
		    json_str(by, "address")) : json_null());
		json_object_set_new(f, "tls", json_is_object(json_object_get(p,
		    "tls")) ? json_string(json_str(json_object_get(p, "tls"),
		    "version")) : json_null());
		auth = json_array();
		if (json_is_true(json_object_get(feat, "dialback")))
			json_array_append_new(auth, json_string("dialback"));
		json_array_foreach(json_object_get(feat, "sasl"), k, v)
			json_array_append_new(auth, json_sprintf("SASL %s",
			    json_string_value(v)));
		json_object_set_new(f, "auth", json_is_object(feat) ? auth :
		    (json_decref(auth), json_null()));
		json_object_set_new(f, "certificate", json_is_object(cert) ?
		    json_pack("{s:s, s:s, s:s}", "spki_sha256",
		    json_str(cert, "spki_sha256"), "issuer", json_str(cert, "issuer"),
		    "not_after", json_str(cert, "not_after")) : json_null());
	}
}

json_t *
observe_report(const json_t *report, const char **why)
{
	const char *cmd = json_string_value(json_object_get(report,
	    "command"));
	json_t *all;

	if (!json_is_object(report) || cmd == NULL ||
	    !json_is_array(json_object_get(report, "findings"))) {
		*why = "not an xmppcut report (no command, no findings)";
		return NULL;
	}
	all = json_object();
	if (strcmp(cmd, "probe") == 0) {
		from_probes(all, json_object_get(report, "domains"), "probe");
	} else if (strcmp(cmd, "check") == 0 || strcmp(cmd, "monitor") == 0) {
		from_dns(all, json_object_get(report, "domains"));
		from_probes(all, json_object_get(report, "probes"), "domain");
		from_probes(all, json_object_get(report, "partners"),
		    "partner");
	} else {
		json_decref(all);
		*why = "a report of neither check, probe nor monitor";
		return NULL;
	}
	return all;
}

/* A fact as text for messages; newly allocated. */
static char *
text(const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return xstrdup("none");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void
change(json_t *changes, struct findings *f, const char *name,
    const char *what, const json_t *before, const json_t *after)
{
	char *b = text(before), *a = text(after);

	json_array_append_new(changes, json_pack("{s:s, s:s, s:O?, s:O?}",
	    "name", name, "what", what, "before", before, "after", after));
	findings_add(f, SEV_WARNING, F_CHANGED, name, "%s changed: %s -> %s",
	    what, b, a);
	free(b);
	free(a);
}

static const char *const facts[] = { "srv", "addresses", "answered_by",
	"tls", "auth", NULL };

json_t *
observe_compare(const json_t *before, const json_t *after,
    struct findings *f)
{
	json_t *changes = json_array(), *b, *a;
	const char *name;

	json_object_foreach((json_t *)before, name, b) {
		if (json_object_get(after, name) == NULL)
			change(changes, f, name, "presence", json_true(),
			    json_false());
	}
	json_object_foreach((json_t *)after, name, a) {
		const json_t *rb, *ra, *cb, *ca;

		if ((b = json_object_get(before, name)) == NULL) {
			change(changes, f, name, "presence", json_false(),
			    json_true());
			continue;
		}
		rb = json_object_get(b, "reachable");
		ra = json_object_get(a, "reachable");
		if (json_is_true(rb) && !json_is_true(ra)) {
			json_array_append_new(changes, json_pack("{s:s, s:s, "
			    "s:b, s:b}", "name", name, "what", "reachable",
			    "before", 1, "after", 0));
			findings_add(f, SEV_ERROR, F_REACHABILITY_LOST, name,
			    "reachable before, unreachable now");
		} else if (!json_is_true(rb) && json_is_true(ra) &&
		    rb != NULL) {
			change(changes, f, name, "reachable", rb, ra);
		}
		for (size_t i = 0; facts[i] != NULL; i++) {
			const json_t *vb = json_object_get(b, facts[i]);
			const json_t *va = json_object_get(a, facts[i]);

			/* a fact not observed on one side is not a change */
			if (vb == NULL || va == NULL || json_equal(vb, va))
				continue;
			if (!json_is_true(ra) && (strcmp(facts[i],
			    "answered_by") == 0 || strcmp(facts[i], "tls") == 0
			    || strcmp(facts[i], "auth") == 0))
				continue;	/* said by reachability */
			change(changes, f, name, facts[i], vb, va);
		}
		cb = json_object_get(b, "certificate");
		ca = json_object_get(a, "certificate");
		if (json_is_object(cb) && json_is_object(ca)) {
			static const char *const cf[] = { "spki_sha256",
				"issuer", "not_after", NULL };

			for (size_t i = 0; cf[i] != NULL; i++) {
				char *what;

				if (json_equal(json_object_get(cb, cf[i]),
				    json_object_get(ca, cf[i])))
					continue;
				what = xasprintf("certificate %s", cf[i]);
				change(changes, f, name, what,
				    json_object_get(cb, cf[i]),
				    json_object_get(ca, cf[i]));
				free(what);
			}
		}
	}
	return changes;
}
