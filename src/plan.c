/* plan.c — the cutover plan file, read with inih and checked strictly.
 *
 * inih (as Debian builds it) neither reports the line of a key nor calls
 * the handler for a section without keys, and it splits lines longer than
 * INI_MAX_LINE silently. So inih reads through our own line reader, which
 * counts physical lines, refuses over-long lines, removes indentation (the
 * plan has no multi-line values: an indented key must stay a key) and,
 * after every section header, hands inih one extra marker line carrying
 * the header's full name. Everything else — comments, quoting of names
 * and values, syntax errors — stays inih's job. */
#include "plan.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dname.h"

/* A key no plan can contain: the marker line the reader injects. */
#define SECTION_MARK "\001section"

enum section { SEC_NONE, SEC_PLAN, SEC_GATEWAY, SEC_PARTNER, SEC_BAD };

/* Where each single-valued key was set (0 = not set), for duplicates and
 * for pointing at the right line in later checks. */
struct gw_lines {
	unsigned role, port, priority, weight, direct_tls_port, cert;
};

struct loader {
	const char *path;
	FILE *fp;
	struct findings *f;
	struct plan *plan;
	unsigned phys;		/* physical line of the last line read */
	unsigned *map;		/* inih's line number -> physical line */
	size_t nmap, capmap;
	char *pending;		/* marker line to hand to inih next */
	int errors;
	enum section sec;
	size_t gw;		/* current gateway while sec == SEC_GATEWAY */
	struct gw_lines *gwl;	/* one per gateway */
	size_t capgwl;
	unsigned plan_line, ttl_line, cutover_ttl_line, from_line;
	unsigned *zone_line;	/* of each plan zone key */
};

static void bad(struct loader *, unsigned, const char *, ...)
    PRINTFLIKE(3, 4);

static void
bad(struct loader *l, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	findings_add_at(l->f, SEV_ERROR, F_PLAN_INVALID, l->path, line, NULL,
	    "%s", msg);
	free(msg);
	l->errors++;
}

static int
line_has_finding(const struct loader *l, unsigned line)
{
	for (size_t i = 0; i < l->f->n; i++)
		if (l->f->v[i].line == line &&
		    l->f->v[i].id == F_PLAN_INVALID)
			return 1;
	return 0;
}

static void
map_push(struct loader *l)
{
	grow(&l->map, &l->capmap, l->nmap + 1, sizeof *l->map);
	l->map[l->nmap++] = l->phys;
}

/* A section header: remember its full name for the marker line. */
static void
reader_header(struct loader *l, const char *line)
{
	const char *end = strchr(line, ']');
	char *name;
	size_t a, b;

	if (end == NULL) {
		bad(l, l->phys, "section header without a closing ']'");
		l->pending = xstrdup(SECTION_MARK " =\n");
		return;
	}
	a = 1;
	b = (size_t)(end - line);
	while (a < b && isspace((unsigned char)line[a]))
		a++;
	while (b > a && isspace((unsigned char)line[b - 1]))
		b--;
	name = xstrndup(line + a, b - a);
	if (name[0] == '\0' || strchr(name, ';') != NULL) {
		bad(l, l->phys, "malformed section header");
		name[0] = '\0';
	}
	l->pending = xasprintf(SECTION_MARK " = %s\n", name);
	free(name);
}

static char *
reader(char *str, int num, void *stream)
{
	struct loader *l = stream;
	size_t len, skip = 0;
	int c;

	if (l->pending != NULL) {
		/* the marker line must fit inih's buffer (its line break
		 * may go): a longer name would be cut without a word */
		if (strlen(l->pending) > (size_t)num) {
			bad(l, l->phys, "section name longer than %zu "
			    "characters", (size_t)num -
			    strlen(SECTION_MARK " = \n"));
			free(l->pending);
			l->pending = xstrdup(SECTION_MARK " =\n");
		}
		snprintf(str, (size_t)num, "%s", l->pending);
		free(l->pending);
		l->pending = NULL;
		map_push(l);
		return str;
	}
	if (fgets(str, num, l->fp) == NULL)
		return NULL;
	l->phys++;
	len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' &&
	    (c = fgetc(l->fp)) != EOF) {
		while (c != EOF && c != '\n')
			c = fgetc(l->fp);
		bad(l, l->phys, "line longer than %d characters", num - 2);
		snprintf(str, (size_t)num, "\n");
		map_push(l);
		return str;
	}
	if (l->phys == 1 && strncmp(str, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	while (isspace((unsigned char)str[skip]) && str[skip] != '\n')
		skip++;
	memmove(str, str + skip, strlen(str + skip) + 1);
	if (str[0] == '[')
		reader_header(l, str);
	map_push(l);
	return str;
}

static int
add_unique(char ***list, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], name) == 0)
			return -1;
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = xstrdup(name);
	return 0;
}

/* Check a name from the plan; on success return it normalised. */
static char *
checked_name(struct loader *l, const char *what, const char *value)
{
	const char *why;

	if (dname_check(value, &why) == -1) {
		bad(l, l->phys, "%s '%s' is not a valid domain name: %s", what,
		    value, why);
		return NULL;
	}
	return dname_normalize(value);
}

/* A gateway's name is the host name its SRV records name: a fully
 * qualified name of two labels or more, never an address. */
static char *
checked_host(struct loader *l, const char *value)
{
	unsigned char bin[16];
	char *name;

	if (inet_pton(AF_INET, value, bin) == 1 ||
	    inet_pton(AF_INET6, value, bin) == 1) {
		bad(l, l->phys, "[gateway %s]: a gateway is named by its host "
		    "name, the SRV target (its addresses go in 'address ='): "
		    "[gateway edge.example.com]", value);
		return NULL;
	}
	if ((name = checked_name(l, "gateway", value)) == NULL)
		return NULL;
	if (strchr(name, '.') == NULL) {
		bad(l, l->phys, "[gateway %s]: the host name must be fully "
		    "qualified (two labels or more): partners resolve the SRV "
		    "target as written", value);
		free(name);
		return NULL;
	}
	return name;
}

static void
enter_section(struct loader *l, const char *value)
{
	const char *arg;
	char *name;

	l->sec = SEC_BAD;
	if (value[0] == '\0')
		return;		/* the header's problem is reported */
	if (strcmp(value, "plan") == 0) {
		if (l->plan_line != 0) {
			bad(l, l->phys, "second [plan] section (the first is "
			    "at line %u)", l->plan_line);
			return;
		}
		l->plan_line = l->phys;
		l->sec = SEC_PLAN;
		return;
	}
	if (strncmp(value, "gateway", 7) == 0 &&
	    (value[7] == '\0' || isspace((unsigned char)value[7]))) {
		struct plan *p = l->plan;
		struct gateway *g;

		for (arg = value + 7; isspace((unsigned char)*arg); arg++)
			;
		if (*arg == '\0') {
			bad(l, l->phys, "[gateway] needs the gateway's host "
			    "name: [gateway edge.example.com]");
			return;
		}
		if ((name = checked_host(l, arg)) == NULL)
			return;
		p->gateways = xreallocarray(p->gateways, p->ngateways + 1,
		    sizeof *p->gateways);
		g = &p->gateways[p->ngateways];
		memset(g, 0, sizeof *g);
		g->host = name;
		g->role = ROLE_NEW;
		g->port = PLAN_DEFAULT_PORT;
		g->line = l->phys;
		grow(&l->gwl, &l->capgwl, p->ngateways + 1, sizeof *l->gwl);
		memset(&l->gwl[p->ngateways], 0, sizeof *l->gwl);
		l->gw = p->ngateways++;
		l->sec = SEC_GATEWAY;
		return;
	}
	if (strncmp(value, "partner", 7) == 0 &&
	    (value[7] == '\0' || isspace((unsigned char)value[7]))) {
		for (arg = value + 7; isspace((unsigned char)*arg); arg++)
			;
		if (*arg == '\0') {
			bad(l, l->phys, "[partner] needs the partner's XMPP "
			    "domain: [partner jabber.org]");
			return;
		}
		if ((name = checked_name(l, "partner", arg)) == NULL)
			return;
		if (add_unique(&l->plan->partners, &l->plan->npartners,
		    name) == -1)
			bad(l, l->phys, "duplicate partner %s", name);
		free(name);
		l->sec = SEC_PARTNER;
		return;
	}
	bad(l, l->phys, "unknown section [%s]; the sections are [plan], "
	    "[gateway HOST] and [partner DOMAIN]", value);
}

/* A single-valued key set twice is an error; returns 0 when first. */
static int
once(struct loader *l, unsigned *where, const char *key)
{
	if (*where != 0) {
		bad(l, l->phys, "'%s' is set twice (first at line %u)", key,
		    *where);
		return -1;
	}
	*where = l->phys;
	return 0;
}

static int
number(struct loader *l, const char *key, const char *value, uint64_t min,
    uint64_t max, uint64_t *out)
{
	if (parse_uint(value, min, max, out) == -1) {
		bad(l, l->phys, "%s '%s' is not a number from %llu to %llu",
		    key, value, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	return 0;
}

static void
plan_key(struct loader *l, const char *key, const char *value)
{
	struct plan *p = l->plan;
	uint64_t v;
	char *name;

	if (strcmp(key, "domain") == 0) {
		if ((name = checked_name(l, "domain", value)) == NULL)
			return;
		if (strchr(name, '.') == NULL) {
			bad(l, l->phys, "domain '%s' has one label: partners "
			    "find a federated domain by its SRV records in the "
			    "public DNS, under a name of two labels or more",
			    value);
			free(name);
			return;
		}
		if (add_unique(&p->domains, &p->ndomains, name) == -1)
			bad(l, l->phys, "duplicate domain %s", name);
		free(name);
	} else if (strcmp(key, "ttl") == 0) {
		if (once(l, &l->ttl_line, key) == 0 &&
		    number(l, key, value, 0, 2147483647, &v) == 0)
			p->ttl = (uint32_t)v;
	} else if (strcmp(key, "cutover-ttl") == 0) {
		if (once(l, &l->cutover_ttl_line, key) == 0 &&
		    number(l, key, value, 0, 2147483647, &v) == 0)
			p->cutover_ttl = (uint32_t)v;
	} else if (strcmp(key, "from") == 0) {
		if (once(l, &l->from_line, key) == 0 &&
		    (name = checked_name(l, "from", value)) != NULL)
			p->from = name;
	} else if (strcmp(key, "zone") == 0) {
		if ((name = checked_name(l, "zone", value)) == NULL)
			return;
		if (add_unique(&p->zones, &p->nzones, name) == -1)
			bad(l, l->phys, "duplicate zone %s", name);
		else {
			l->zone_line = xreallocarray(l->zone_line, p->nzones,
			    sizeof *l->zone_line);
			l->zone_line[p->nzones - 1] = l->phys;
		}
		free(name);
	} else
		bad(l, l->phys, "unknown key '%s' in [plan]; the keys are "
		    "domain, zone, ttl, cutover-ttl and from", key);
}

static void
gateway_address(struct loader *l, struct gateway *g, const char *value)
{
	unsigned char bin[16];
	struct plan_addr a;

	memset(&a, 0, sizeof a);
	if (strcasecmp(value, "external") == 0) {
		g->external = 1;
		return;
	}
	if (inet_pton(AF_INET, value, bin) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, value, bin) == 1)
		a.family = AF_INET6;
	else {
		bad(l, l->phys, "address '%s' is not an IPv4 or IPv6 address",
		    value);
		return;
	}
	inet_ntop(a.family, bin, a.text, sizeof a.text);
	for (size_t i = 0; i < g->naddrs; i++) {
		if (strcmp(g->addrs[i].text, a.text) == 0) {
			bad(l, l->phys, "duplicate address %s", a.text);
			return;
		}
	}
	g->addrs = xreallocarray(g->addrs, g->naddrs + 1, sizeof *g->addrs);
	g->addrs[g->naddrs++] = a;
}

static char *
plan_relative(const char *plan_path, const char *file)
{
	char *copy, *dir, *out;

	if (file[0] == '/')
		return xstrdup(file);
	copy = xstrdup(plan_path);
	dir = dirname(copy);
	out = strcmp(dir, ".") == 0 ? xstrdup(file) :
	    xasprintf("%s/%s", dir, file);
	free(copy);
	return out;
}

static void
gateway_key(struct loader *l, const char *key, const char *value)
{
	struct gateway *g = &l->plan->gateways[l->gw];
	struct gw_lines *w = &l->gwl[l->gw];
	uint64_t v;
	FILE *fp;

	if (strcmp(key, "role") == 0) {
		if (once(l, &w->role, key) == -1)
			return;
		/* names are case-insensitive in the plan */
		if (strcasecmp(value, "old") == 0)
			g->role = ROLE_OLD;
		else if (strcasecmp(value, "new") == 0)
			g->role = ROLE_NEW;
		else {
			bad(l, l->phys, "role '%s' is neither old nor new",
			    value);
		}
	} else if (strcmp(key, "address") == 0) {
		gateway_address(l, g, value);
	} else if (strcmp(key, "port") == 0) {
		if (once(l, &w->port, key) == 0 &&
		    number(l, key, value, 1, 65535, &v) == 0)
			g->port = (unsigned)v;
	} else if (strcmp(key, "direct-tls-port") == 0) {
		if (once(l, &w->direct_tls_port, key) == 0 &&
		    number(l, key, value, 1, 65535, &v) == 0)
			g->direct_tls_port = (unsigned)v;
	} else if (strcmp(key, "priority") == 0) {
		if (once(l, &w->priority, key) == 0 &&
		    number(l, key, value, 0, 65535, &v) == 0)
			g->priority = (unsigned)v;
	} else if (strcmp(key, "weight") == 0) {
		if (once(l, &w->weight, key) == 0 &&
		    number(l, key, value, 0, 65535, &v) == 0)
			g->weight = (unsigned)v;
	} else if (strcmp(key, "cert") == 0) {
		if (once(l, &w->cert, key) == -1)
			return;
		g->cert = plan_relative(l->path, value);
		g->cert_line = l->phys;
		if ((fp = fopen(g->cert, "r")) == NULL)
			bad(l, l->phys, "cannot read cert file %s: %s",
			    g->cert, strerror(errno));
		else
			fclose(fp);
	} else
		bad(l, l->phys, "unknown key '%s' in [gateway %s]; the keys "
		    "are role, address, port, priority, weight, "
		    "direct-tls-port and cert", key, g->host);
}

static int
handler(void *user, const char *section, const char *key, const char *value)
{
	struct loader *l = user;

	(void)section;	/* inih truncates long names: we keep our own */
	if (strcmp(key, SECTION_MARK) == 0) {
		enter_section(l, value);
		return 1;
	}
	switch (l->sec) {
	case SEC_NONE:
		bad(l, l->phys, "'%s' is outside any section; start the "
		    "file with [plan]", key);
		break;
	case SEC_PLAN:
		plan_key(l, key, value);
		break;
	case SEC_GATEWAY:
		gateway_key(l, key, value);
		break;
	case SEC_PARTNER:
		bad(l, l->phys, "[partner] sections take no keys ('%s')", key);
		break;
	case SEC_BAD:
		break;		/* the section's problem is reported */
	}
	return 1;
}

/* Checks that need the whole file. */
static void
finish(struct loader *l)
{
	struct plan *p = l->plan;
	unsigned at = l->plan_line ? l->plan_line : 1;

	if (l->plan_line == 0)
		bad(l, 1, "no [plan] section");
	else if (p->ndomains == 0)
		bad(l, at, "no domain: add 'domain = example.com' to [plan]");
	if (l->ttl_line == 0)
		p->ttl = PLAN_DEFAULT_TTL;
	if (l->cutover_ttl_line == 0)
		p->cutover_ttl = p->ttl < PLAN_DEFAULT_CUTOVER_TTL ?
		    p->ttl : PLAN_DEFAULT_CUTOVER_TTL;
	else if (p->cutover_ttl > p->ttl)
		bad(l, l->cutover_ttl_line, "cutover-ttl %u is above ttl %u; "
		    "the cutover TTL must be the lower one", p->cutover_ttl,
		    p->ttl);
	for (size_t i = 0; i < p->ngateways; i++) {
		struct gateway *g = &p->gateways[i];
		struct gw_lines *w = &l->gwl[i];

		if (w->role == 0)
			bad(l, g->line, "[gateway %s] has no role: add "
			    "'role = old' or 'role = new'", g->host);
		if (g->naddrs == 0 && !g->external)
			bad(l, g->line, "[gateway %s] has no address: give "
			    "its addresses, or 'address = external' when its "
			    "host records are kept outside the plan", g->host);
		if (g->naddrs > 0 && g->external)
			bad(l, g->line, "[gateway %s] has addresses and "
			    "'address = external': one or the other", g->host);
		for (size_t k = 0; k < i; k++)
			if (strcmp(p->gateways[k].host, g->host) == 0 &&
			    (p->gateways[k].role == g->role || w->role == 0))
				bad(l, g->line, "duplicate gateway %s (first at "
				    "line %u): a host name may appear twice only "
				    "as old and new (a name that moves to a new "
				    "address)", g->host, p->gateways[k].line);
		if (g->direct_tls_port != 0 && g->direct_tls_port == g->port)
			bad(l, w->direct_tls_port, "direct-tls-port %u is "
			    "also the STARTTLS port", g->port);
		if (w->role != 0 && w->weight == 0 &&
		    plan_count_role(p, g->role) > 1)
			bad(l, g->line, "[gateway %s] needs a weight: there "
			    "is more than one %s gateway", g->host,
			    role_name(g->role));
	}
	if (plan_count_role(p, ROLE_NEW) == 0)
		bad(l, at, "no gateway with 'role = new': the plan needs "
		    "the gateway to move to");
	/* a zone key that holds no name of the plan is a misspelt one */
	for (size_t i = 0; i < p->nzones; i++) {
		int holds = 0;

		for (size_t k = 0; k < p->ndomains && !holds; k++)
			holds = dname_is_under(p->domains[k], p->zones[i]);
		for (size_t k = 0; k < p->ngateways && !holds; k++)
			holds = dname_is_under(p->gateways[k].host,
			    p->zones[i]);
		if (!holds)
			bad(l, l->zone_line[i], "zone %s holds no domain and "
			    "no gateway of the plan: misspelt? (a zone key "
			    "names the zone of plan names)", p->zones[i]);
	}
}

struct plan *
plan_load(const char *path, struct findings *f)
{
	struct loader l;
	struct plan *p = xcalloc(1, sizeof *p);
	int rc;

	memset(&l, 0, sizeof l);
	l.path = path;
	l.f = f;
	l.plan = p;
	p->path = xstrdup(path);
	if ((l.fp = fopen(path, "r")) == NULL) {
		bad(&l, 0, "cannot read the plan: %s", strerror(errno));
		plan_free(p);
		return NULL;
	}
	rc = ini_parse_stream(reader, &l, handler, &l);
	if (rc < 0)
		bad(&l, 0, "cannot read the plan");
	else if (rc > 0 && (size_t)rc <= l.nmap &&
	    !line_has_finding(&l, l.map[rc - 1]))
		bad(&l, l.map[rc - 1], "syntax error: expected [section], "
		    "key = value, or a comment");
	else if (rc > 0 && (size_t)rc > l.nmap)
		bad(&l, l.phys, "syntax error");
	if (ferror(l.fp))
		bad(&l, l.phys, "read error: %s", strerror(errno));
	fclose(l.fp);
	finish(&l);
	free(l.map);
	free(l.gwl);
	free(l.pending);
	free(l.zone_line);
	if (l.errors > 0) {
		plan_free(p);
		return NULL;
	}
	return p;
}

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ndomains; i++)
		free(p->domains[i]);
	free(p->domains);
	for (size_t i = 0; i < p->ngateways; i++) {
		free(p->gateways[i].host);
		free(p->gateways[i].addrs);
		free(p->gateways[i].cert);
	}
	free(p->gateways);
	for (size_t i = 0; i < p->npartners; i++)
		free(p->partners[i]);
	free(p->partners);
	for (size_t i = 0; i < p->nzones; i++)
		free(p->zones[i]);
	free(p->zones);
	free(p->from);
	free(p->path);
	free(p);
}

const char *
role_name(enum role r)
{
	return r == ROLE_OLD ? "old" : "new";
}

size_t
plan_count_role(const struct plan *p, enum role r)
{
	size_t n = 0;

	for (size_t i = 0; i < p->ngateways; i++)
		if (p->gateways[i].role == r)
			n++;
	return n;
}
