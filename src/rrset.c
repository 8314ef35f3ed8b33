/* rrset.c — DNS record sets as the XMPP checks see them. */
#include "rrset.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "util.h"

const char *
rrtype_name(enum rrtype t)
{
	static const char *const names[] = { "SRV", "A", "AAAA", "TLSA",
		"CNAME", "NS", "SOA" };

	return names[t];
}

struct rrset *
rrset_new(const char *owner, enum rrtype type, const char *file,
    unsigned line)
{
	struct rrset *s = xcalloc(1, sizeof *s);

	s->owner = dname_normalize(owner);
	s->type = type;
	s->file = file;
	s->line = line;
	return s;
}

/* "PRIO WEIGHT PORT TARGET": three numbers up to 65535 and a name of at
 * most 1024 characters. */
static int
srv_fields(const char *s, struct srv_rdata *srv, char target[1025])
{
	unsigned *f[3] = { &srv->priority, &srv->weight, &srv->port };
	size_t n;

	for (int i = 0; i < 3; i++) {
		unsigned long v = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s) && v <= 65535)
			v = v * 10 + (unsigned long)(*s++ - '0');
		if (v > 65535 || (*s != ' ' && *s != '\t'))
			return -1;
		*f[i] = (unsigned)v;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, " \t");
	if (n == 0 || n > 1024 || s[n] != '\0')
		return -1;
	memcpy(target, s, n);
	target[n] = '\0';
	return 0;
}

int
srv_parse(const char *rdata, struct srv_rdata *out)
{
	char target[1025];

	if (srv_fields(rdata, out, target) == -1)
		return -1;
	out->target = dname_normalize(target);
	return 0;
}

/* The value in the form every source gives: addresses as inet_ntop
 * writes them, names lowercase with the trailing dot, TLSA hex lowercase
 * without blanks. NULL when it does not parse. */
static char *
normalise(enum rrtype type, const char *rdata, struct srv_rdata *srv)
{
	unsigned char bin[16];
	char buf[INET6_ADDRSTRLEN], *t, *out;
	unsigned u, s, m;
	int off = 0;

	switch (type) {
	case RR_A:
	case RR_AAAA:
		if (inet_pton(type == RR_A ? AF_INET : AF_INET6, rdata,
		    bin) != 1)
			return NULL;
		inet_ntop(type == RR_A ? AF_INET : AF_INET6, bin, buf,
		    sizeof buf);
		return xstrdup(buf);
	case RR_SRV:
		if (srv_parse(rdata, srv) == -1)
			return NULL;
		return xasprintf("%u %u %u %s.", srv->priority, srv->weight,
		    srv->port, srv->target);
	case RR_CNAME:
	case RR_NS:
		t = dname_normalize(rdata);
		out = xasprintf("%s.", t);
		free(t);
		return out;
	case RR_SOA:
		return str_lower(rdata);
	case RR_TLSA:
		if (sscanf(rdata, "%u %u %u %n", &u, &s, &m, &off) != 3 ||
		    off == 0)
			return NULL;
		out = xasprintf("%u %u %u ", u, s, m);
		out = xreallocarray(out, strlen(out) + strlen(rdata) + 1, 1);
		t = out + strlen(out);
		for (const char *p = rdata + off; *p != '\0'; p++) {
			if (isspace((unsigned char)*p))
				continue;
			if (!isxdigit((unsigned char)*p)) {
				free(out);
				return NULL;
			}
			*t++ = (char)tolower((unsigned char)*p);
		}
		*t = '\0';
		return out;
	}
	return NULL;
}

int
rrset_add(struct rrset *s, uint32_t ttl, const char *rdata)
{
	struct srv_rdata srv = { 0, 0, 0, NULL };
	char *v = normalise(s->type, rdata, &srv);

	if (v == NULL)
		return -1;
	if (s->n == 0 || ttl > s->ttl_max)
		s->ttl_max = ttl;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->rdata[i], v) == 0) {
			if (ttl != s->ttl)
				s->ttl_mixed = 1;
			free(v);
			free(srv.target);
			return 0;
		}
	}
	if (s->n == 0)
		s->ttl = ttl;
	else if (ttl != s->ttl)
		s->ttl_mixed = 1;
	s->rdata = xreallocarray(s->rdata, s->n + 1, sizeof *s->rdata);
	s->rdata[s->n] = v;
	if (s->type == RR_SRV) {
		s->srv = xreallocarray(s->srv, s->n + 1, sizeof *s->srv);
		s->srv[s->n] = srv;
	}
	if (s->type == RR_CNAME && s->target == NULL)
		s->target = xstrndup(v, strlen(v) - 1);
	if (s->type == RR_SOA && s->n == 0)
		sscanf(v, "%*s %*s %lu", &s->serial);
	s->n++;
	return 0;
}

static int
hexval(char ch)
{
	return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
}

long
tlsa_parse(const char *rdata, unsigned *usage, unsigned *selector,
    unsigned *mtype, unsigned char *data, size_t cap)
{
	size_t len = 0;
	int off = 0;

	if (sscanf(rdata, "%u %u %u %n", usage, selector, mtype, &off) != 3)
		return -1;
	for (const char *p = rdata + off; p[0] != '\0'; p += 2) {
		if (!isxdigit((unsigned char)p[0]) ||
		    !isxdigit((unsigned char)p[1]) || len == cap)
			return -1;
		data[len++] = (unsigned char)(hexval(p[0]) << 4 | hexval(p[1]));
	}
	return (long)len;
}

struct rrset *
rrset_clone(const struct rrset *s)
{
	struct rrset *c = rrset_new(s->owner, s->type, s->file, s->line);

	c->ttl = s->ttl;
	c->ttl_mixed = s->ttl_mixed;
	c->ttl_max = s->ttl_max;
	c->n = s->n;
	c->serial = s->serial;
	c->target = s->target ? xstrdup(s->target) : NULL;
	if (s->rdata != NULL) {
		c->rdata = xcalloc(s->n, sizeof *c->rdata);
		for (size_t i = 0; i < s->n; i++)
			c->rdata[i] = xstrdup(s->rdata[i]);
	}
	if (s->srv != NULL) {
		c->srv = xcalloc(s->n, sizeof *c->srv);
		for (size_t i = 0; i < s->n; i++) {
			c->srv[i] = s->srv[i];
			c->srv[i].target = xstrdup(s->srv[i].target);
		}
	}
	return c;
}

void
rrset_free(struct rrset *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; s->rdata != NULL && i < s->n; i++)
		free(s->rdata[i]);
	for (size_t i = 0; s->srv != NULL && i < s->n; i++)
		free(s->srv[i].target);
	free(s->rdata);
	free(s->srv);
	free(s->target);
	free(s->owner);
	free(s);
}
