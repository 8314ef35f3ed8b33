/* nsupdate.c — RFC 2136 update scripts for nsupdate(1).
 *
 * A stage replaces, in each zone, the RRsets it manages: both SRV RRsets of
 * every plan domain (so _xmpps-server disappears when the new gateways have
 * no direct TLS), and A, AAAA (and TLSA when a cert is given) of the stage's
 * gateway hosts. Every message carries prerequisites (RFC 2136 §2.4):
 * - no name it sets is an alias (nxrrset CNAME): a server silently drops
 *   an addition at a CNAME (§3.4.2.2), which would half-apply the stage;
 * - value-dependent (§2.4.2) on what the previous stage left in the zone:
 *   the SRV RRsets exactly as the previous stage wrote them (or their
 *   absence), and, when the previous stage published the same hosts (or
 *   the same host names: a name moving to a new address), their
 *   addresses and TLSA records. A gateway whose addresses are kept
 *   outside the plan (address = external) has its A/AAAA left alone.
 * The server refuses a message whose prerequisites fail and changes
 * nothing. A host the previous stage did not publish (the new gateways at
 * cutover, the old ones at rollback) may hold anything as far as the
 * script can say: prerequisites cannot say "absent or these values";
 * `apply`, which reads the zone first, refuses other values.
 *
 * The zones that hold the stage's gateway hosts are sent first (those
 * with hosts only, then domains' zones with hosts), so that new targets
 * resolve before an SRV in another zone names them. A zone that holds a
 * domain and a host the previous stage did not publish (cutover,
 * rollback), when another zone's SRV names that host too, gets two
 * messages: its hosts with the other hosts, guarded by the hosts alone
 * (a hand change to its SRV must not keep the host away from the other
 * zones, nsupdate going on after a refusal), and its SRV after all of
 * them, guarded by the previous stage's SRV and by its own hosts holding
 * the stage's records (so it never names a host whose message was
 * refused). Two such zones each name the other's host, which no order
 * of whole messages can serve. */
#include "nsupdate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "zonefind.h"

#define KEY_FILE_MAX 65536

static int
str_in(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

static void
str_push(char ***v, size_t *n, const char *s)
{
	if (str_in(*v, *n, s))
		return;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

static void
str_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
op(struct upd_msg *m, enum upd_kind kind, const char *owner,
    enum rrtype type, uint32_t ttl, const char *rdata)
{
	struct upd_op *o;

	m->v = xreallocarray(m->v, m->n + 1, sizeof *m->v);
	o = &m->v[m->n++];
	o->kind = kind;
	o->owner = xstrdup(owner);
	o->type = type;
	o->ttl = ttl;
	o->rdata = rdata ? xstrdup(rdata) : NULL;
	o->after = 0;
}

/* Prerequisites on one RRset: exactly the previous stage's records (each
 * with the TTL that stage gave it, which `apply` compares; the wire
 * carries 0), or nothing at all when it had none. */
static void
prereq_rrset(struct upd_msg *pre, const struct rrlist *prev,
    const char *owner, enum rrtype type)
{
	size_t n = 0;

	for (size_t i = 0; i < prev->n; i++) {
		const struct rr *r = &prev->v[i];

		if (r->type == type && strcmp(r->owner, owner) == 0) {
			op(pre, UPD_PREREQ_EXACT, owner, type, r->ttl,
			    r->rdata);
			n++;
		}
	}
	if (n == 0)
		op(pre, UPD_PREREQ_ABSENT, owner, type, 0, NULL);
}

/* 1 when the previous stage published records at owner/type: a host of
 * the other role with the same name (a name moving to a new address). */
static int
published(const struct rrlist *prev, const char *owner, enum rrtype type)
{
	for (size_t i = 0; i < prev->n; i++)
		if (prev->v[i].type == type &&
		    strcmp(prev->v[i].owner, owner) == 0)
			return 1;
	return 0;
}

static void
replace_rrset(struct upd_msg *upd, const struct rrlist *cur,
    const char *owner, enum rrtype type)
{
	op(upd, UPD_DELETE, owner, type, 0, NULL);
	for (size_t i = 0; i < cur->n; i++) {
		const struct rr *r = &cur->v[i];

		if (r->type == type && strcmp(r->owner, owner) == 0)
			op(upd, UPD_ADD, owner, type, r->ttl, r->rdata);
	}
}

/* The owner of gateway g's TLSA records for its STARTTLS port (k 0) or
 * its direct TLS port (k 1), newly allocated; NULL when it has no
 * certificate or no such port. */
static char *
tlsa_owner(const struct gateway *g, int k)
{
	unsigned port = k == 0 ? g->port : g->direct_tls_port;

	return g->cert != NULL && port != 0 ? xasprintf("_%u._tcp.%s", port,
	    g->host) : NULL;
}

/* What the zone holds before stage s, for the script's comments. */
static const char *
previous_state(enum stage s)
{
	switch (stage_previous(s)) {
	case STAGE_PRE:
		return "what stage pre left";
	case STAGE_CUTOVER:
		return "what stage cutover left";
	default:
		return "today's records (the old gateways)";
	}
}

struct msg_ctx {
	const struct plan *p;
	const struct zonemap *zones;
	enum stage s;
	const struct rrlist *cur, *prev;
};

/* Every name's zone is known here: stage_records() checked. */
static const char *
zone_of(const struct msg_ctx *m, const char *name)
{
	return zonemap_get(m->zones, name);
}

const char *
upd_part_name(enum upd_part p)
{
	return p == UPD_HOSTS ? "hosts" : p == UPD_SRV ? "srv" : "all";
}

/* An SRV part's guards on one of its zone's own hosts, g: no alias, and
 * the stage's own values (what the hosts part sets: RFC 2136 compares
 * values, not TTLs). Sent after that part, so that the SRV records never
 * name a host of their zone whose message was refused (an alias there,
 * a key allowed only the SRV names). */
static void
srv_part_guards(struct upd_msg *out, const struct msg_ctx *m,
    const struct gateway *g)
{
	size_t from = out->n;
	char *owner;

	op(out, UPD_PREREQ_ABSENT, g->host, RR_CNAME, 0, NULL);
	for (enum rrtype t = RR_A; !g->external && t <= RR_AAAA; t++)
		prereq_rrset(out, m->cur, g->host, t);
	for (int k = 0; k < 2; k++) {
		if ((owner = tlsa_owner(g, k)) == NULL)
			continue;
		op(out, UPD_PREREQ_ABSENT, owner, RR_CNAME, 0, NULL);
		prereq_rrset(out, m->cur, owner, RR_TLSA);
		free(owner);
	}
	for (size_t i = from; i < out->n; i++)
		out->v[i].after = 1;
}

/* The message for one zone (or the part of it): prerequisites, then
 * updates. */
static void
message(struct upd_msg *out, const struct msg_ctx *m, const char *zone,
    enum upd_part part)
{
	const struct plan *p = m->p;
	enum role role = stage_role(m->s);
	int same_hosts = role == stage_role(stage_previous(m->s));
	struct upd_msg upd = { 0 };
	char **domains = NULL, **hosts = NULL, *owner;
	size_t nd = 0, nh = 0;

	memset(out, 0, sizeof *out);
	out->zone = xstrdup(zone);
	out->part = part;
	/* a hosts part is guarded by its hosts alone: a hand change to the
	 * zone's SRV records must not keep a host from existing when other
	 * zones' SRV records name it */
	for (size_t i = 0; part != UPD_HOSTS && i < p->ndomains; i++)
		if (strcmp(zone_of(m, p->domains[i]), zone) == 0)
			str_push(&domains, &nd, p->domains[i]);
	for (size_t i = 0; i < p->ngateways; i++)
		if (p->gateways[i].role == role &&
		    strcmp(zone_of(m, p->gateways[i].host), zone) == 0)
			str_push(&hosts, &nh, p->gateways[i].host);
	sort_strings(domains, nd);
	sort_strings(hosts, nh);

	for (size_t i = 0; i < nd; i++) {
		for (int svc = 0; svc < 2; svc++) {
			owner = xasprintf("%s._tcp.%s", svc == 0 ?
			    "_xmpp-server" : "_xmpps-server", domains[i]);
			op(out, UPD_PREREQ_ABSENT, owner, RR_CNAME, 0, NULL);
			prereq_rrset(out, m->prev, owner, RR_SRV);
			replace_rrset(&upd, m->cur, owner, RR_SRV);
			free(owner);
		}
	}
	for (size_t i = 0; i < nh; i++) {
		const struct gateway *g = NULL;

		for (size_t k = 0; k < p->ngateways; k++)
			if (p->gateways[k].role == role &&
			    strcmp(p->gateways[k].host, hosts[i]) == 0)
				g = &p->gateways[k];
		if (part == UPD_SRV) {
			srv_part_guards(out, m, g);
			continue;
		}
		op(out, UPD_PREREQ_ABSENT, hosts[i], RR_CNAME, 0, NULL);
		/* addresses kept outside the plan are left alone */
		for (enum rrtype t = RR_A; !g->external && t <= RR_AAAA; t++) {
			if (same_hosts || published(m->prev, hosts[i], RR_A) ||
			    published(m->prev, hosts[i], RR_AAAA))
				prereq_rrset(out, m->prev, hosts[i], t);
			replace_rrset(&upd, m->cur, hosts[i], t);
		}
		for (int k = 0; k < 2; k++) {
			if ((owner = tlsa_owner(g, k)) == NULL)
				continue;
			op(out, UPD_PREREQ_ABSENT, owner, RR_CNAME, 0, NULL);
			if (same_hosts || published(m->prev, owner, RR_TLSA))
				prereq_rrset(out, m->prev, owner, RR_TLSA);
			replace_rrset(&upd, m->cur, owner, RR_TLSA);
			free(owner);
		}
	}
	out->nprereq = out->n;
	for (size_t i = 0; i < upd.n; i++)
		op(out, upd.v[i].kind, upd.v[i].owner, upd.v[i].type,
		    upd.v[i].ttl, upd.v[i].rdata);
	upd_msg_free(&upd);
	str_free(domains, nd);
	str_free(hosts, nh);
}

int
upd_msg_guards_values(const struct upd_msg *m)
{
	for (size_t i = 0; i < m->nprereq; i++)
		if (m->v[i].type != RR_CNAME && !m->v[i].after)
			return 1;
	return 0;
}

static int
has_op(const struct upd_msg *m, const struct upd_op *o)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].kind == o->kind && m->v[i].type == o->type &&
		    strcmp(m->v[i].owner, o->owner) == 0 &&
		    (m->v[i].rdata == NULL) == (o->rdata == NULL) &&
		    (o->rdata == NULL || strcmp(m->v[i].rdata, o->rdata) == 0))
			return 1;
	return 0;
}

void
upd_set_by_zone(const struct upd_set *in, struct upd_set *out)
{
	memset(out, 0, sizeof *out);
	out->v = xcalloc(in->n ? in->n : 1, sizeof *out->v);
	for (size_t i = 0; i < in->n; i++) {
		struct upd_msg *m = NULL, joined = { 0 };

		for (size_t k = 0; k < out->n && m == NULL; k++)
			if (strcmp(out->v[k].zone, in->v[i].zone) == 0)
				m = &out->v[k];
		if (m == NULL) {
			m = &out->v[out->n++];
			m->zone = xstrdup(in->v[i].zone);
		}
		/* prerequisites of both, then updates of both */
		for (int upd = 0; upd < 2; upd++) {
			const struct upd_msg *a = m, *b = &in->v[i];

			for (size_t k = upd ? a->nprereq : 0; k < (upd ? a->n :
			    a->nprereq); k++)
				op(&joined, a->v[k].kind, a->v[k].owner,
				    a->v[k].type, a->v[k].ttl, a->v[k].rdata);
			for (size_t k = upd ? b->nprereq : 0; k < (upd ? b->n :
			    b->nprereq); k++)
				/* the guards of both parts, once; not what
				 * the hosts part itself sets */
				if (upd || (!b->v[k].after &&
				    !has_op(&joined, &b->v[k])))
					op(&joined, b->v[k].kind, b->v[k].owner,
					    b->v[k].type, b->v[k].ttl,
					    b->v[k].rdata);
			if (!upd)
				joined.nprereq = joined.n;
		}
		joined.zone = m->zone;
		m->zone = NULL;
		upd_msg_free(m);
		*m = joined;
		m->part = UPD_ALL;
	}
}

void
upd_msg_free(struct upd_msg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].owner);
		free(m->v[i].rdata);
	}
	free(m->v);
	free(m->zone);
	memset(m, 0, sizeof *m);
}

void
upd_set_free(struct upd_set *u)
{
	for (size_t i = 0; i < u->n; i++)
		upd_msg_free(&u->v[i]);
	free(u->v);
	memset(u, 0, sizeof *u);
}

/* 1 when zone holds a gateway host of the stage that this stage's
 * message for the zone first publishes: its addresses (kept by the plan,
 * not external) or its TLSA records, which the previous stage did not
 * publish. An SRV naming it before then sends partners to a name without
 * an address, or DANE partners to one without TLSA. */
static int
holds_unpublished(const struct msg_ctx *m, const char *zone)
{
	enum role role = stage_role(m->s);

	for (size_t i = 0; i < m->p->ngateways; i++) {
		const struct gateway *g = &m->p->gateways[i];

		if (g->role != role || strcmp(zone_of(m, g->host), zone) != 0)
			continue;
		if (!g->external && !published(m->prev, g->host, RR_A) &&
		    !published(m->prev, g->host, RR_AAAA))
			return 1;
		for (int k = 0; k < 2; k++) {
			char *owner = tlsa_owner(g, k);
			int seen;

			if (owner == NULL)
				continue;
			seen = published(m->prev, owner, RR_TLSA);
			free(owner);
			if (!seen)
				return 1;
		}
	}
	return 0;
}

int
nsupdate_messages(const struct plan *p, enum stage s,
    const struct zonemap *zmap, struct upd_set *out, char **cause)
{
	struct rrlist cur = { 0 }, prev = { 0 };
	struct msg_ctx m = { p, zmap, s, &cur, &prev };
	char **hosts = NULL, **both = NULL, **domains = NULL;
	size_t nh = 0, nb = 0, nd = 0, nunpub = 0;
	int *unpub = NULL, split, r = -1;

	memset(out, 0, sizeof *out);
	/* the previous stage's records are matched by owner and type only:
	 * their zones need not be known (an old host in a zone the --server
	 * does not serve is not this stage's business) */
	if (stage_records(p, s, zmap, &cur, cause) == -1 ||
	    stage_records(p, stage_previous(s), NULL, &prev, cause) == -1)
		goto out;
	/* The zones that hold only the stage's hosts, then those that hold
	 * hosts and domains, then those that hold only domains. */
	for (size_t i = 0; i < p->ngateways; i++) {
		const char *z = zone_of(&m, p->gateways[i].host);
		int has_domain = 0;

		if (p->gateways[i].role != stage_role(s))
			continue;
		for (size_t k = 0; k < p->ndomains; k++)
			has_domain |= strcmp(zone_of(&m, p->domains[k]), z) ==
			    0;
		if (has_domain)
			str_push(&both, &nb, z);
		else
			str_push(&hosts, &nh, z);
	}
	for (size_t i = 0; i < p->ndomains; i++)
		if (!str_in(both, nb, zone_of(&m, p->domains[i])))
			str_push(&domains, &nd, zone_of(&m, p->domains[i]));
	sort_strings(hosts, nh);
	sort_strings(both, nb);
	sort_strings(domains, nd);
	/* A zone that holds a domain and a host the previous stage did not
	 * publish (it may not exist yet), where other zones' SRV records
	 * name that host too, is split: its hosts first, guarded by nothing
	 * but the hosts' own records, then its SRV records. Sent whole, a
	 * refusal of its SRV (changed by hand, say) would keep the host
	 * away while the other zones' messages -- nsupdate goes on --
	 * named it; and two such zones each name the other's host, which
	 * no order of whole messages can serve. With no other zone, one
	 * message is atomic. */
	unpub = xcalloc(nb ? nb : 1, sizeof *unpub);
	for (size_t i = 0; i < nb; i++)
		nunpub += unpub[i] = holds_unpublished(&m, both[i]);
	split = nunpub >= 1 && nb + nd >= 2;
	out->v = xcalloc(nh + 2 * nb + nd, sizeof *out->v);
	for (size_t i = 0; i < nh; i++)
		message(&out->v[out->n++], &m, hosts[i], UPD_ALL);
	/* then the split zones' hosts -- or the one zone, whole -- then the
	 * other zones that hold hosts (whose SRV names those), the split
	 * zones' SRV, the rest */
	for (size_t i = 0; i < nb; i++)
		if (unpub[i])
			message(&out->v[out->n++], &m, both[i], split ?
			    UPD_HOSTS : UPD_ALL);
	for (size_t i = 0; i < nb; i++)
		if (!unpub[i])
			message(&out->v[out->n++], &m, both[i], UPD_ALL);
	for (size_t i = 0; split && i < nb; i++)
		if (unpub[i])
			message(&out->v[out->n++], &m, both[i], UPD_SRV);
	for (size_t i = 0; i < nd; i++)
		message(&out->v[out->n++], &m, domains[i], UPD_ALL);
	r = 0;
out:
	free(unpub);
	str_free(hosts, nh);
	str_free(both, nb);
	str_free(domains, nd);
	rrlist_free(&cur);
	rrlist_free(&prev);
	return r;
}

void
nsupdate_render(struct buf *b, const struct upd_msg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct upd_op *o = &m->v[i];

		switch (o->kind) {
		case UPD_PREREQ_EXACT:
			buf_addf(b, "prereq yxrrset %s. IN %s %s\n", o->owner,
			    rrtype_name(o->type), o->rdata);
			break;
		case UPD_PREREQ_ABSENT:
			buf_addf(b, "prereq nxrrset %s. IN %s\n", o->owner,
			    rrtype_name(o->type));
			break;
		case UPD_DELETE:
			buf_addf(b, "update delete %s. IN %s\n", o->owner,
			    rrtype_name(o->type));
			break;
		case UPD_ADD:
			buf_addf(b, "update add %s. %u IN %s %s\n", o->owner,
			    o->ttl, rrtype_name(o->type), o->rdata);
			break;
		}
	}
}

static int
server_line(struct buf *b, const char *server, char **cause)
{
	unsigned port = 53;
	char *host;

	if (parse_endpoint(server, '@', &host, &port) == -1) {
		*cause = xasprintf("--server %s: expected ADDR[@PORT]",
		    server);
		return -1;
	}
	buf_addf(b, "server %s %u\n", host, port);
	free(host);
	return 0;
}

char *
nsupdate_script(const struct plan *p, enum stage s,
    const struct nsupdate_opts *o, char **cause)
{
	struct upd_set u;
	struct buf b = { 0 };
	char *desc;
	int split = 0;

	if (nsupdate_messages(p, s, o->zones, &u, cause) == -1)
		return NULL;
	desc = stage_describe(p, s);
	for (size_t i = 0; i < u.n; i++)
		split |= u.v[i].part == UPD_HOSTS;
	buf_addf(&b, "; xmppcut generate --stage %s --format nsupdate\n"
	    "; %s.\n"
	    "; %s; each carries prerequisites, so the server"
	    "\n; refuses it and changes nothing unless the zone holds %s.\n",
	    stage_name(s), desc, split ? "One message per zone, two for some"
	    : "One message per zone", previous_state(s));
	for (size_t i = 0; split && i < u.n; i++)
		if (u.v[i].part == UPD_HOSTS) {
			buf_addf(&b, "; A zone that holds a domain and a %s "
			    "gateway host named by other zones' SRV\n; records "
			    "gets two: its hosts first, guarded only by the "
			    "hosts' own records (a\n; hand change to its SRV "
			    "records cannot keep them away), the SRV records\n"
			    "; after every zone's hosts.\n",
			    role_name(stage_role(s)));
			break;
		}
	free(desc);
	if (u.n > 1)
		buf_addf(&b, "; nsupdate goes on after a refused message: when "
		    "one says \"update failed\",\n; the zones after it may "
		    "have changed while it did not -- after a refused\n; "
		    "hosts message, SRV records naming a host without the "
		    "plan's records. xmppcut\n; apply reads every zone first, "
		    "sends nothing unless every one is ready, and\n; holds "
		    "back an SRV whose host's message was refused.\n");
	/* the secret stays in its file: nsupdate reads it there */
	if (o->tsig_file != NULL)
		buf_addf(&b, "; signed with the TSIG key in %s: run it with\n"
		    ";   nsupdate -k %s SCRIPT\n", o->tsig_file, o->tsig_file);
	if (o->server != NULL && server_line(&b, o->server, cause) == -1) {
		buf_free(&b);
		upd_set_free(&u);
		return NULL;
	}
	for (size_t i = 0; i < u.n; i++) {
		const struct upd_msg *m = &u.v[i];

		buf_addf(&b, ";\n; zone %s.%s\n", m->zone, m->part == UPD_HOSTS ?
		    " (its gateway hosts; its SRV records come after every "
		    "zone's hosts)" : m->part == UPD_SRV ? " (its SRV records, "
		    "refused unless its gateway hosts, sent above, hold the "
		    "stage's records)" : "");
		if (upd_msg_guards_values(m))
			buf_addf(&b, "; refused unless the zone holds %s, and "
			    "no name it sets is an alias\n", previous_state(s));
		else
			buf_addf(&b, "; this message replaces nothing of %s to "
			    "guard on: refused only when a name it sets is an "
			    "alias (CNAME); the %s gateways' host records are "
			    "set to the plan's whatever they hold (xmppcut apply "
			    "refuses other values)\n", previous_state(s),
			    role_name(stage_role(s)));
		buf_addf(&b, "zone %s.\n", m->zone);
		nsupdate_render(&b, m);
		buf_add(&b, "send\n");
	}
	upd_set_free(&u);
	return buf_take(&b);
}

/* TSIG key files. */

struct tok {
	const char *p;
};

/* Next token of a BIND configuration fragment: a quoted string, one of
 * "{};", or a word. Comments (#, //, C-style) are skipped. Returns a newly
 * allocated token or NULL at the end or on an unterminated string. */
static char *
next_token(struct tok *t)
{
	const char *s;

	for (;;) {
		while (isspace((unsigned char)*t->p))
			t->p++;
		if (*t->p == '#' || (t->p[0] == '/' && t->p[1] == '/')) {
			t->p += strcspn(t->p, "\n");
			continue;
		}
		if (t->p[0] == '/' && t->p[1] == '*') {
			const char *e = strstr(t->p + 2, "*/");

			if (e == NULL)
				return NULL;
			t->p = e + 2;
			continue;
		}
		break;
	}
	if (*t->p == '\0')
		return NULL;
	if (*t->p == '"') {
		s = ++t->p;
		while (*t->p != '\0' && *t->p != '"')
			t->p++;
		if (*t->p == '\0')
			return NULL;
		return xstrndup(s, (size_t)(t->p++ - s));
	}
	if (strchr("{};", *t->p) != NULL)
		return xstrndup(t->p++, 1);
	s = t->p;
	while (*t->p != '\0' && !isspace((unsigned char)*t->p) &&
	    strchr("{};\"", *t->p) == NULL)
		t->p++;
	return xstrndup(s, (size_t)(t->p - s));
}

static int
key_word_ok(const char *s, const char *extra)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
			return 0;
	return 1;
}

static char *
key_result(const char *alg, const char *name, const char *secret,
    const char *path, char **cause)
{
	if (alg == NULL || name == NULL || secret == NULL) {
		*cause = xasprintf("%s: expected key \"NAME\" { algorithm ALG; "
		    "secret \"BASE64\"; }; or ALG:NAME:SECRET", path);
		return NULL;
	}
	if (!key_word_ok(alg, "-") || !key_word_ok(name, "-._") ||
	    !key_word_ok(secret, "+/=")) {
		*cause = xasprintf("%s: malformed key algorithm, name or "
		    "secret", path);
		return NULL;
	}
	return xasprintf("%s:%s %s", alg, name, secret);
}

char *
nsupdate_tsig_key(const char *path, char **cause)
{
	char *data, *t = NULL, *name = NULL, *alg = NULL, *secret = NULL;
	char *out = NULL, **slot;
	struct tok tk;

	if ((data = file_read(path, KEY_FILE_MAX, NULL, cause)) == NULL)
		return NULL;
	tk.p = data;
	if ((t = next_token(&tk)) != NULL && strcmp(t, "key") != 0) {
		/* One line ALG:NAME:SECRET */
		char *a = t, *n = strchr(a, ':'), *sec;

		if (n != NULL && (sec = strchr(n + 1, ':')) != NULL) {
			*n++ = '\0';
			*sec++ = '\0';
			out = key_result(a, n, sec, path, cause);
		} else
			out = key_result(NULL, NULL, NULL, path, cause);
		free(t);	/* a, n, sec: copied */
		t = NULL;
		goto one_key;
	}
	free(t);
	name = next_token(&tk);
	if ((t = next_token(&tk)) == NULL || strcmp(t, "{") != 0)
		goto bad;
	for (;;) {
		free(t);
		if ((t = next_token(&tk)) == NULL)
			goto bad;
		if (strcmp(t, "}") == 0)
			break;
		slot = strcmp(t, "algorithm") == 0 ? &alg :
		    strcmp(t, "secret") == 0 ? &secret : NULL;
		free(t);
		if ((t = next_token(&tk)) == NULL || slot == NULL ||
		    *slot != NULL)
			goto bad;
		*slot = t;
		if ((t = next_token(&tk)) == NULL || strcmp(t, ";") != 0)
			goto bad;
	}
	out = key_result(alg, name, secret, path, cause);
	free(t);
	t = NULL;
	if (out != NULL && ((t = next_token(&tk)) == NULL ||
	    strcmp(t, ";") != 0)) {
		free(out);
		out = NULL;
		*cause = xasprintf("%s: no ';' after the key's '}' (nsupdate "
		    "-k refuses the file too)", path);
		goto done;
	}
	free(t);
	t = NULL;
one_key:
	/* nsupdate -k refuses a file of several keys; signing with the
	 * first of them would hide which one the zone's ACL wants */
	if (out != NULL && (t = next_token(&tk)) != NULL) {
		free(out);
		out = NULL;
		*cause = xasprintf("%s: more than one key, or text after the "
		    "key: give a file that holds the one key, as nsupdate -k "
		    "wants (ddns-confgen -q writes it alone)", path);
	}
	goto done;
bad:
	out = key_result(NULL, NULL, NULL, path, cause);
done:
	free(t);
	free(name);
	free(alg);
	free(secret);
	free(data);
	return out;
}
