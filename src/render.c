/* render.c — typed results into text lines and JSON members. */
#include "render.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dnswire.h"
#include "obsfile.h"
#include "util.h"

static json_t *
strings(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *
text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
iso(time_t t)
{
	char buf[21];

	cert_iso_time(t, buf);
	return json_string(buf);
}

/* generate */

void
render_records(struct report *r, const struct rrlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:s, s:s}",
		    "zone", l->v[i].zone, "owner", l->v[i].owner,
		    "ttl", (json_int_t)l->v[i].ttl,
		    "type", rrtype_name(l->v[i].type),
		    "rdata", l->v[i].rdata));
	report_set_json(r, "records", a);
}

/* lint */

void
render_zonefiles(struct report *r, const struct zoneset *z)
{
	json_t *a = json_array();

	for (size_t i = 0; i < zoneset_nfiles(z); i++) {
		struct zonefile_facts zf;
		char *path, *apex;

		zoneset_file_facts(z, i, &zf);
		path = str_escape(zf.path);
		apex = zf.apex ? str_escape(zf.apex) : NULL;
		report_text(r, "%s: zone %s, %lu records, %lu XMPP SRV, %s%s\n",
		    path, apex ? apex : "(unknown: no SOA, give --origin)",
		    zf.records, zf.xmpp_srv_records, zf.is_signed ? "signed" :
		    "unsigned", zf.crlf ? ", CRLF line ends (named and NSD "
		    "read them, Knot refuses to load the file)" : "");
		free(path);
		free(apex);
		json_array_append_new(a, json_pack("{s:s, s:s?, s:I, s:I, "
		    "s:b, s:I, s:b}", "file", zf.path, "zone", zf.apex,
		    "records", (json_int_t)zf.records,
		    "xmpp_srv_records", (json_int_t)zf.xmpp_srv_records,
		    "signed", zf.is_signed,
		    "parse_errors", (json_int_t)zf.parse_errors,
		    "crlf_line_ends", zf.crlf));
	}
	report_set_json(r, "files", a);
}

/* certificates */

static json_t *
cert_json(const struct cert_facts *cf)
{
	json_t *san = json_object(), *ids = json_array();
	static const struct {
		const char *key;
		size_t off;
	} sans[] = {
		{ "dns", offsetof(struct cert_facts, san_dns) },
		{ "ip", offsetof(struct cert_facts, san_ip) },
		{ "uri", offsetof(struct cert_facts, san_uri) },
		{ "email", offsetof(struct cert_facts, san_email) },
		{ "srv", offsetof(struct cert_facts, san_srv) },
		{ "xmppaddr", offsetof(struct cert_facts, san_xmppaddr) },
	};

	for (size_t i = 0; i < sizeof sans / sizeof *sans; i++) {
		const struct strlist *l = (const struct strlist *)(const void *)
		    ((const char *)cf + sans[i].off);

		if (l->n > 0)
			json_object_set_new(san, sans[i].key, strings(l));
	}
	if (cf->san_other > 0)
		json_object_set_new(san, "other",
		    json_integer((json_int_t)cf->san_other));
	for (size_t i = 0; i < cf->nids; i++)
		json_array_append_new(ids, json_pack("{s:s, s:s, s:s?}",
		    "domain", cf->ids[i].domain, "matched",
		    cert_id_name(cf->ids[i].matched), "identity",
		    cf->ids[i].identity));
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:o, s:I, "
	    "s:{s:s, s:i}, s:{s:s, s:s}, s:o, s:s, s:i, s:b, s:o}",
	    "subject", cf->subject, "issuer", cf->issuer,
	    "serial", cf->serial, "san", san,
	    "not_before", iso(cf->not_before), "not_after", iso(cf->not_after),
	    "days_left", (json_int_t)cf->days_left,
	    "chain_not_after", iso(cf->chain_not_after),
	    "chain_days_left", (json_int_t)cf->chain_days_left,
	    "key", "type", cf->key_type, "bits", cf->key_bits,
	    "signature", "algorithm", cf->sig_algorithm, "digest",
	    cf->sig_digest,
	    "eku", cf->has_eku ? strings(&cf->eku) : json_null(),
	    "spki_sha256", cf->spki_sha256,
	    "chain_length", cf->chain_length,
	    "self_signed", cf->self_signed,
	    "identities", ids);
}

void
render_cert(struct report *r, const char *label, const char *file,
    const char *gateway, const struct cert_facts *cf)
{
	json_t *j = cert_json(cf);
	char *l = str_escape(label), *subj = str_escape(cf->subject);
	char *iss = str_escape(cf->issuer), nb[21], na[21];

	cert_iso_time(cf->not_before, nb);
	cert_iso_time(cf->not_after, na);
	report_text(r, "%s: %s, issued by %s\n", l, subj, iss);
	report_text(r, "  valid %s to %s (%lld days left), %s %d bits, "
	    "signed with %s\n", nb, na, cf->days_left, cf->key_type,
	    cf->key_bits, cf->sig_digest);
	report_text(r, "  SPKI SHA-256 (TLSA 3 1 1): %s\n", cf->spki_sha256);
	for (size_t i = 0; i < cf->nids; i++) {
		const struct cert_identity *id = &cf->ids[i];
		char *ident;

		if (id->matched == CERT_ID_NONE) {
			report_text(r, "  %s: no identity matches\n",
			    id->domain);
			continue;
		}
		ident = str_escape(id->identity ? id->identity : "");
		report_text(r, "  %s: %s matches (%s)\n", id->domain,
		    cert_id_name(id->matched), ident);
		free(ident);
	}
	free(l);
	free(subj);
	free(iss);
	if (file != NULL)
		json_object_set_new(j, "file", json_string(file));
	if (gateway != NULL)
		json_object_set_new(j, "gateway", json_string(gateway));
	report_push_json(r, "certificates", j);
}

/* the DNS part of check and monitor */

static json_t *
answer_json(const struct dns_answer *a)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", a->name,
	    "type", rrtype_name(a->type), "status", dns_answer_status(a),
	    "dnssec", dnssec_name(a->dnssec), "ms", (json_int_t)a->ms);
	json_t *v;

	if (a->error != NULL)
		json_object_set_new(o, "error", json_string(a->error));
	if (a->why_bogus != NULL)
		json_object_set_new(o, "why_bogus", json_string(a->why_bogus));
	if (a->canonname != NULL)
		json_object_set_new(o, "canonname", json_string(a->canonname));
	if (a->rrset != NULL) {
		json_object_set_new(o, "ttl", json_integer(a->rrset->ttl));
		v = json_array();
		for (size_t i = 0; i < a->rrset->n; i++)
			json_array_append_new(v, json_string(
			    a->rrset->rdata[i]));
		json_object_set_new(o, "rdata", v);
	}
	return o;
}

/* One line per record set seen: name type: values (TTL, DNSSEC). */
static void
text_answer(struct report *r, const struct dns_answer *a)
{
	struct buf b = { 0 };
	char *v;

	for (size_t k = 0; a->rrset != NULL && k < a->rrset->n; k++)
		buf_addf(&b, "%s%s", k ? ", " : "", a->rrset->rdata[k]);
	if (b.s == NULL)
		buf_add(&b, dns_answer_status(a));
	v = str_escape(b.s);
	if (a->rrset != NULL)
		report_text(r, "  %s %s: %s (TTL %lu, %s)\n", a->name,
		    rrtype_name(a->type), v, (unsigned long)a->rrset->ttl,
		    dnssec_name(a->dnssec));
	else
		report_text(r, "  %s %s: %s (%s)\n", a->name,
		    rrtype_name(a->type), v, dnssec_name(a->dnssec));
	free(v);
	buf_free(&b);
}

void
render_dns(struct report *r, const struct dnslive_result *d)
{
	json_t *list = json_array();

	for (size_t i = 0; i < d->n; i++) {
		const struct dnslive_domain *dd = &d->v[i];
		json_t *recs = json_array(), *servers = json_array();

		report_text(r, "%s (zone %s)\n", dd->domain, dd->zone ?
		    dd->zone : "unknown");
		for (size_t k = 0; k < dd->nrecords; k++) {
			text_answer(r, dd->records[k]);
			json_array_append_new(recs, answer_json(
			    dd->records[k]));
		}
		for (size_t k = 0; k < dd->nservers; k++) {
			const struct dnslive_server *s = &dd->servers[k];

			if (s->answered)
				report_text(r, "  server %s %s: serial %lu\n",
				    s->name, s->addr, s->serial);
			else
				report_text(r, "  server %s %s: no answer\n",
				    s->name, s->addr);
			json_array_append_new(servers, json_pack("{s:s, s:s, "
			    "s:o}", "name", s->name, "address", s->addr,
			    "serial", s->answered ? json_integer((json_int_t)
			    s->serial) : json_null()));
		}
		json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:o}",
		    "domain", dd->domain, "records", recs, "zone",
		    text_or_null(dd->zone), "servers", servers));
	}
	report_set_json(r, "domains", list);
}

/* probes */

static const char *
outcome_name(const struct probe_attempt *a)
{
	if (a->outcome == OUTCOME_OK)
		return "ok";
	if (a->outcome == OUTCOME_NO_ADDRESS)
		return "no-address";
	return finding_name(a->failure);
}

/* What a TLS handshake showed: TLS, certificate, DANE, features. */
static void
tls_members(json_t *o, const struct probe_attempt *a)
{
	json_t *f = json_null();

	if (a != NULL && a->has_features) {
		f = json_pack("{s:b, s:o}", "dialback", a->dialback, "sasl",
		    strings(&a->sasl));
	}
	json_object_set_new(o, "tls", a == NULL || a->tls == NULL ?
	    json_null() : json_pack("{s:s, s:s, s:o, s:s}", "version",
	    a->tls->version, "cipher", a->tls->cipher, "alpn",
	    text_or_null(a->tls->alpn), "mode", a->direct ? "direct-tls" :
	    "starttls"));
	json_object_set_new(o, "certificate", a == NULL || a->cert == NULL ?
	    json_null() : cert_json(a->cert));
	json_object_set_new(o, "dane", json_pack("{s:b, s:b}", "used",
	    a != NULL && a->dane_used, "matched", a != NULL &&
	    a->dane_matched));
	json_object_set_new(o, "features", f);
}

static json_t *
attempt_json(const struct probe_attempt *a)
{
	json_t *o = json_pack("{s:s, s:I, s:s}", "target", a->target, "port",
	    (json_int_t)a->port, "mode", a->direct ? "direct-tls" :
	    "starttls");

	if (a->address != NULL)
		json_object_set_new(o, "address", json_string(a->address));
	for (int s = STEP_CONNECT; s < STEP_COUNT; s++)
		if (a->step_ms[s] >= 0)
			json_object_set_new(o, probe_step_name(
			    (enum probe_step)s), json_integer(a->step_ms[s]));
	json_object_set_new(o, "outcome", json_string(outcome_name(a)));
	if (a->outcome != OUTCOME_NO_ADDRESS) {
		json_object_set_new(o, "step", json_string(probe_step_name(
		    a->step)));
		json_object_set_new(o, "ms", json_integer((json_int_t)a->ms));
	}
	if (a->error != NULL)
		json_object_set_new(o, "error", json_string(a->error));
	if (a->tls != NULL)
		tls_members(o, a);
	return o;
}

static json_t *
srv_list(const struct probe_result *p, int svc)
{
	return p->srv_answered[svc] ? strings(&p->srv[svc]) : json_null();
}

static json_t *
probe_json(const struct probe_result *p)
{
	const struct probe_attempt *by = probe_answer(p);
	json_t *o, *attempts = json_array();

	for (size_t i = 0; i < p->nattempts; i++)
		json_array_append_new(attempts, attempt_json(&p->attempts[i]));
	o = json_pack("{s:s, s:b, s:{s:o, s:o}, s:s, s:b, s:o, s:o}",
	    "domain", p->domain, "reachable", p->reachable,
	    "srv", "xmpp-server", srv_list(p, 0), "xmpps-server",
	    srv_list(p, 1),
	    "dnssec", p->fixed ? "none" : dnssec_name(p->dnssec),
	    "fallback", p->fallback,
	    "attempts", attempts,
	    "answered_by", by == NULL ? json_null() : json_pack("{s:s, s:I, "
	    "s:s}", "target", by->target, "port", (json_int_t)by->port,
	    "address", by->address ? by->address : ""));
	tls_members(o, probe_tls_attempt(p));
	json_object_set_new(o, "ms", json_integer((json_int_t)p->ms));
	return o;
}

/* One line: reachable via where, how, with what certificate. */
static void
probe_text(struct report *r, const struct probe_result *p)
{
	const struct probe_attempt *a = probe_answer(p);
	const struct cert_identity *id = NULL;
	struct buf b = { 0 };
	char *line, *at;

	if (a == NULL && p->fixed && p->nattempts > 0) {
		/* a place --connect named: which one */
		at = hostport(p->attempts[0].target, p->attempts[0].port);
		report_text(r, "%s: unreachable at %s\n", p->domain, at);
		free(at);
		return;
	}
	if (a == NULL) {
		report_text(r, "%s: unreachable (%zu attempt%s)\n", p->domain,
		    p->nattempts, p->nattempts == 1 ? "" : "s");
		return;
	}
	if (a->cert != NULL && a->cert->nids > 0)
		id = &a->cert->ids[0];
	at = hostport(a->target, a->port);	/* --connect ::1: [::1]:5269 */
	buf_addf(&b, "%s: reachable via %s", p->domain, at);
	free(at);
	if (a->address != NULL && strcmp(a->target, a->address) != 0)
		buf_addf(&b, " (%s)", a->address);
	buf_addf(&b, ", %s, %s %s", a->direct ? "direct TLS" : "STARTTLS",
	    a->tls->version, a->tls->cipher);
	if (id != NULL && id->matched != CERT_ID_NONE)
		buf_addf(&b, ", certificate %s %s",
		    cert_id_name(id->matched), id->identity ? id->identity :
		    "");
	else if (id != NULL)
		buf_add(&b, ", certificate not for the domain");
	if (a->dane_used)
		buf_addf(&b, ", DANE %s", a->dane_matched ? "ok" : "mismatch");
	if (a->dialback)
		buf_add(&b, ", dialback");
	for (size_t i = 0; i < a->sasl.n; i++)
		buf_addf(&b, ", SASL %s", a->sasl.v[i]);
	if (p->every) {
		size_t ok = 0;

		for (size_t i = 0; i < p->nattempts; i++)
			ok += p->attempts[i].outcome == OUTCOME_OK;
		buf_addf(&b, "; %zu of %zu endpoints answer", ok,
		    p->nattempts);
	}
	buf_addf(&b, ", %llu ms", (unsigned long long)p->ms);
	line = str_escape(b.s);
	report_text(r, "%s\n", line);
	free(line);
	buf_free(&b);
}

void
render_probes(struct report *r, const char *key,
    const struct probe_result *v, size_t n)
{
	json_t *list = json_array();

	/* one of the two is printed: the other would be built for nothing
	 * (500 partners: 16 M instructions of text in a JSON run) */
	for (size_t i = 0; i < n; i++) {
		if (report_wants_json(r))
			json_array_append_new(list, probe_json(&v[i]));
		else
			probe_text(r, &v[i]);
	}
	report_set_json(r, key, list);
}

/* apply */

void
render_apply_zone(struct report *r, const struct apply_zone_view *v)
{
	char *w = v->why ? str_escape(v->why) : NULL;
	int named = v->primary_name != NULL && (v->primary == NULL ||
	    strcmp(v->primary_name, v->primary) != 0);

	report_text(r, "zone %s%s (primary %s%s%s): %s", v->zone,
	    strcmp(v->part, "hosts") == 0 ? ", its hosts" : strcmp(v->part,
	    "srv") == 0 ? ", its SRV" : "", v->primary ? v->primary :
	    "unknown", named ? ", " : "", named ? v->primary_name : "",
	    v->state);
	if (v->sent && v->answered)
		report_text(r, ", sent: %s, serial %lu -> %lu\n",
		    dnswire_rcode_name(v->rcode), v->serial_before,
		    v->serial_after);
	else if (v->sent)
		report_text(r, ", sent: no answer came, but the zone now holds "
		    "the stage, serial %lu -> %lu\n", v->serial_before,
		    v->serial_after);
	else if (w != NULL && (strcmp(v->state, "unexpected") == 0 ||
	    strcmp(v->state, "unread") == 0))
		report_text(r, ": %s\n", w);
	else if (v->dry_run && strcmp(v->state, "ready") == 0)
		report_text(r, ", would send:\n%s", v->message);
	else
		report_text(r, "%s\n", strcmp(v->state, "at-stage") == 0 ?
		    ", nothing to send" : strcmp(v->state, "ready") == 0 &&
		    !v->dry_run ? ", not sent" : "");
	report_push_json(r, "zones", json_pack("{s:s, s:s, s:s?, s:s?, s:s, "
	    "s:s?, s:b, s:o, s:I, s:o, s:s}", "zone", v->zone, "part",
	    v->part, "primary", v->primary,
	    "primary_name", v->primary_name, "state", v->state, "why", v->why,
	    "sent", v->sent, "rcode", v->answered ? json_string(
	    dnswire_rcode_name(v->rcode)) : json_null(), "serial_before",
	    (json_int_t)v->serial_before, "serial_after", v->sent ?
	    json_integer((json_int_t)v->serial_after) : json_null(), "message",
	    v->message));
	free(w);
}

/* observations and changes */

void
render_observations(struct report *r, const char *key,
    const struct observations *o)
{
	report_set_json(r, key, obsfile_json(o));
}

void
render_changes(struct report *r, const struct changes *c, int text)
{
	for (size_t i = 0; text && i < c->n; i++) {
		char *b = strlist_join(&c->v[i].before, ", ", "none");
		char *a = strlist_join(&c->v[i].after, ", ", "none");
		char *line = xasprintf("%s: %s: %s -> %s", c->v[i].name,
		    c->v[i].what, b, a);
		char *safe = str_escape(line);

		report_text(r, "%s\n", safe);
		free(safe);
		free(line);
		free(b);
		free(a);
	}
	if (text && c->n == 0)
		report_text(r, "no change\n");
	report_set_json(r, "changes", obsfile_changes_json(c));
}

/* init */

void
render_init_plan(struct report *r, const struct plan *p, const char *text)
{
	const struct strlist domains = { p->domains, p->ndomains };
	const struct strlist zones = { p->zones, p->nzones };
	json_t *gws = json_array();
	for (size_t i = 0; i < p->ngateways; i++) {
		const struct gateway *g = &p->gateways[i];
		json_t *addrs = json_array();

		for (size_t k = 0; k < g->naddrs; k++)
			json_array_append_new(addrs,
			    json_string(g->addrs[k].text));
		json_array_append_new(gws, json_pack("{s:s, s:s, s:o, s:I, "
		    "s:I, s:I, s:o}", "host", g->host, "role",
		    role_name(g->role), "addresses", addrs, "port",
		    (json_int_t)g->port, "priority", (json_int_t)g->priority,
		    "weight", (json_int_t)g->weight, "direct_tls_port",
		    g->direct_tls_port ? json_integer(g->direct_tls_port) :
		    json_null()));
	}
	report_set_json(r, "plan", json_pack("{s:o, s:o, s:I, s:I, s:o}",
	    "domains", strings(&domains), "zones", strings(&zones), "ttl",
	    (json_int_t)p->ttl,
	    "cutover_ttl", (json_int_t)p->cutover_ttl, "gateways", gws));
	report_set_string(r, "text", text);
}
