/* obsfile.c — observations as JSON, written and read back. */
#include "obsfile.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define STATE_VERSION 1
#define MAX_OBSERVATIONS 100000
#define MAX_LIST 10000		/* SRV records, addresses, endpoints */
#define MAX_TEXT 4096		/* one fact */

/* Writing. */

static json_t *
list_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *
text_json(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
endpoint_json(const struct obs_endpoint *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "outcome", text_json(e->outcome));
	json_object_set_new(o, "tls", text_json(e->tls));
	json_object_set_new(o, "auth", text_json(e->auth));
	json_object_set_new(o, "certificate", e->spki == NULL ? json_null() :
	    json_pack("{s:s, s:s?, s:s?}", "spki_sha256", e->spki, "issuer",
	    e->issuer, "not_after", e->not_after));
	return o;
}

json_t *
obsfile_json(const struct observations *o)
{
	json_t *all = json_object();

	for (size_t i = 0; i < o->n; i++) {
		const struct observation *x = &o->v[i];
		json_t *j = json_object(), *ends = json_object();

		json_object_set_new(j, "kind", json_string(obs_kind_name(
		    x->kind)));
		if (x->has_srv)
			json_object_set_new(j, "srv", list_json(&x->srv));
		if (x->has_addresses)
			json_object_set_new(j, "addresses",
			    list_json(&x->addresses));
		if (x->has_reachable)
			json_object_set_new(j, "reachable",
			    json_boolean(x->reachable));
		for (size_t k = 0; k < x->nends; k++)
			json_object_set_new(ends, x->ends[k].key,
			    endpoint_json(&x->ends[k]));
		json_object_set_new(j, "endpoints", ends);
		json_object_set_new(all, x->name, j);
	}
	return all;
}

static json_t *
fact_json(const struct change *c, const struct strlist *v)
{
	if (c->list)
		return list_json(v);
	return v->n > 0 ? json_string(v->v[0]) : json_null();
}

json_t *
obsfile_changes_json(const struct changes *c)
{
	json_t *a = json_array();

	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o}",
		    "name", c->v[i].name, "what", c->v[i].what, "before",
		    fact_json(&c->v[i], &c->v[i].before), "after",
		    fact_json(&c->v[i], &c->v[i].after)));
	return a;
}

char *
obsfile_state_text(const struct observations *o)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *doc;
	char *text;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	doc = json_pack("{s:i, s:s, s:o}", "version", STATE_VERSION,
	    "written", when, "observations", obsfile_json(o));
	text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(doc);
	return text;
}

/* Reading: every value is checked before it is taken. */

/* A string member (absent or null: *out NULL). -1 when it is anything
 * else, too long, or holds a NUL. */
static int
opt_text(const json_t *o, const char *key, char **out, char **why,
    const char *where)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > MAX_TEXT ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*why = xasprintf("%s: \"%s\" is not a string of at most %d "
		    "characters", where, key, MAX_TEXT);
		return -1;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
read_list(const json_t *o, const char *key, int *has, struct strlist *out,
    char **why, const char *where)
{
	const json_t *v = json_object_get(o, key), *s;
	size_t i;

	*has = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > MAX_LIST) {
		*why = xasprintf("%s: \"%s\" is not a list of at most %d "
		    "strings", where, key, MAX_LIST);
		return -1;
	}
	json_array_foreach(v, i, s) {
		if (!json_is_string(s) || json_string_length(s) > MAX_TEXT ||
		    strlen(json_string_value(s)) != json_string_length(s)) {
			*why = xasprintf("%s: \"%s\" holds something other "
			    "than a string", where, key);
			return -1;
		}
		strlist_add(out, json_string_value(s));
	}
	strlist_sort_unique(out);
	*has = 1;
	return 0;
}

static int
read_endpoint(const char *key, const json_t *v, struct obs_endpoint *e,
    char **why, const char *where)
{
	const json_t *cert;
	char *w;
	int r = -1;

	memset(e, 0, sizeof *e);
	e->key = xstrdup(key);
	w = xasprintf("%s, endpoint %s", where, key);
	if (!json_is_object(v)) {
		*why = xasprintf("%s: not an object", w);
		goto out;
	}
	cert = json_object_get(v, "certificate");
	if (opt_text(v, "outcome", &e->outcome, why, w) == -1 ||
	    opt_text(v, "tls", &e->tls, why, w) == -1 ||
	    opt_text(v, "auth", &e->auth, why, w) == -1)
		goto out;
	if (cert != NULL && !json_is_null(cert) && !json_is_object(cert)) {
		*why = xasprintf("%s: \"certificate\" is not an object", w);
		goto out;
	}
	if (json_is_object(cert) &&
	    (opt_text(cert, "spki_sha256", &e->spki, why, w) == -1 ||
	    opt_text(cert, "issuer", &e->issuer, why, w) == -1 ||
	    opt_text(cert, "not_after", &e->not_after, why, w) == -1))
		goto out;
	if (e->outcome == NULL) {
		*why = xasprintf("%s: no \"outcome\"", w);
		goto out;
	}
	r = 0;
out:
	free(w);
	return r;
}

static int
read_observation(const char *name, const json_t *v, struct observation *x,
    char **why)
{
	const json_t *reach, *ends, *ev;
	const char *kind, *key;
	char *where = xasprintf("observation \"%s\"", name);
	int r = -1;

	memset(x, 0, sizeof *x);
	x->name = xstrdup(name);
	if (!json_is_object(v)) {
		*why = xasprintf("%s: not an object", where);
		goto out;
	}
	kind = json_string_value(json_object_get(v, "kind"));
	if (kind == NULL || obs_kind_parse(kind, &x->kind) == -1) {
		*why = xasprintf("%s: \"kind\" is not domain, partner or "
		    "probe", where);
		goto out;
	}
	if (read_list(v, "srv", &x->has_srv, &x->srv, why, where) == -1 ||
	    read_list(v, "addresses", &x->has_addresses, &x->addresses, why,
	    where) == -1)
		goto out;
	reach = json_object_get(v, "reachable");
	if (reach != NULL && !json_is_null(reach)) {
		if (!json_is_boolean(reach)) {
			*why = xasprintf("%s: \"reachable\" is not true or "
			    "false", where);
			goto out;
		}
		x->has_reachable = 1;
		x->reachable = json_is_true(reach);
	}
	ends = json_object_get(v, "endpoints");
	if (ends != NULL && !json_is_null(ends)) {
		if (!json_is_object(ends) || json_object_size(ends) >
		    MAX_LIST) {
			*why = xasprintf("%s: \"endpoints\" is not an object "
			    "of at most %d endpoints", where, MAX_LIST);
			goto out;
		}
		x->ends = xcalloc(json_object_size(ends), sizeof *x->ends);
		json_object_foreach((json_t *)ends, key, ev) {
			if (read_endpoint(key, ev, &x->ends[x->nends++], why,
			    where) == -1)
				goto out;
		}
	}
	r = 0;
out:
	free(where);
	return r;
}

/* The observations object of a document. */
static int
read_observations(const json_t *all, struct observations *o, char **why)
{
	const char *name;
	const json_t *v;

	if (!json_is_object(all) || json_object_size(all) > MAX_OBSERVATIONS) {
		*why = xasprintf("\"observations\" is not an object of at most "
		    "%d names", MAX_OBSERVATIONS);
		return -1;
	}
	json_object_foreach((json_t *)all, name, v) {
		struct observation x;

		if (read_observation(name, v, &x, why) == -1) {
			observation_free(&x);
			return -1;
		}
		observe_add(o, &x);
	}
	return 0;
}

int
obsfile_parse(const char *data, size_t len, enum obsfile_kind kind,
    struct observations *o, char **why)
{
	json_error_t err;
	json_t *doc;
	const char *cmd;
	int r = -1;

	memset(o, 0, sizeof *o);
	if (len == 0) {
		*why = xstrdup("the file is empty");
		return -1;
	}
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL) {
		*why = xasprintf("not JSON (%s, line %d)", err.text, err.line);
		return -1;
	}
	if (!json_is_object(doc)) {
		*why = xstrdup("not a JSON object");
		goto out;
	}
	if (kind == OBSFILE_ANY)
		kind = json_object_get(doc, "command") != NULL ?
		    OBSFILE_REPORT : OBSFILE_STATE;
	if (kind == OBSFILE_REPORT) {
		cmd = json_string_value(json_object_get(doc, "command"));
		if (cmd == NULL || !json_is_array(json_object_get(doc,
		    "findings"))) {
			*why = xstrdup("not an xmppcut report (no command, no "
			    "findings)");
			goto out;
		}
		if (strcmp(cmd, "check") != 0 && strcmp(cmd, "probe") != 0 &&
		    strcmp(cmd, "monitor") != 0) {
			*why = xstrdup("a report of neither check, probe nor "
			    "monitor");
			goto out;
		}
		if (json_object_get(doc, "observations") == NULL) {
			*why = xstrdup("the report holds no observations (a "
			    "report of an older xmppcut, or --dns-only "
			    "without probes?)");
			goto out;
		}
	} else if (!json_is_integer(json_object_get(doc, "version")) ||
	    json_integer_value(json_object_get(doc, "version")) !=
	    STATE_VERSION) {
		*why = xstrdup("the state file is not xmppcut's (no version "
		    "1)");
		goto out;
	}
	r = read_observations(json_object_get(doc, "observations"), o, why);
	if (r == -1)
		observations_free(o);
out:
	json_decref(doc);
	return r;
}

int
obsfile_read(const char *path, enum obsfile_kind kind,
    struct observations *o, int *unreadable, char **why)
{
	size_t len;
	char *data;
	int r;

	memset(o, 0, sizeof *o);
	*unreadable = 0;
	if ((data = file_read(path, OBSFILE_MAX, &len, why)) == NULL) {
		*unreadable = 1;
		return -1;
	}
	r = obsfile_parse(data, len, kind, o, why);
	free(data);
	return r;
}
