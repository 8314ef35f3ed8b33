/* zonefile.c — zone files read for lint, with ldns, record by record. */
#include "zonefile.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <libgen.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dname.h"
#include "util.h"

/* A kept record: strings live in the arena. 20 bytes. */
struct zrec {
	uint32_t owner;		/* arena offset, normalised owner */
	uint32_t rdata;		/* arena offset, presentation form */
	uint32_t ttl;
	uint32_t line;
	uint16_t file;
	uint8_t type;		/* enum rrtype */
};

/* What the index knows of an owner of A, AAAA or CNAME records. */
#define IX_A 0x01
#define IX_AAAA 0x02
#define IX_CNAME 0x04
#define IX_A_MIXED 0x10
#define IX_AAAA_MIXED 0x20
struct ixent {
	uint64_t h;		/* 0: empty slot */
	uint32_t ttl_a, ttl_aaaa;
	uint32_t line;		/* of its first record */
	uint16_t file;
	uint8_t flags;
};

/* A zone cut: an owner of NS records below its file's apex. What lies at
 * or below it (glue, occluded data) is not the zone's own: servers give a
 * referral for it and its signatures are not there (RFC 4035 §2.2). */
struct cut {
	uint64_t h;
	size_t file;
	int dname;		/* a DNAME (else NS) */
	uint32_t target;	/* DNAME: its target's arena offset */
};

struct zfile {
	char *path;
	char *apex;		/* normalised, or NULL */
	unsigned soa_line;	/* of the first SOA */
	char *soa;		/* the first SOA, owner and data */
	unsigned long records;
	unsigned long kept_srv;
	unsigned long parse_errors;
	int has_dnskey;
	int crlf;
	int unreadable;
};

struct zoneset {
	struct zfile *files;
	size_t nfiles;
	char *arena;
	size_t alen, acap;
	struct zrec *recs;
	size_t nrecs, caprecs;
	struct ixent *ix;
	size_t nix, capix;	/* capix is a power of two */
	uint64_t *hosts;	/* hashes of the names kept in full */
	size_t nhosts;
	struct cut *cuts;	/* delegations (NS below a file's apex), by
				 * hash and file once every file is read */
	size_t ncuts, capcuts;
	int has_wildcard;	/* a file has a wildcard owner */
	uint64_t *names;	/* with a wildcard: hashes of every name
				 * that exists (owners and their ancestors
				 * within the zone), sorted */
	size_t nnames, capnames;
	uint64_t last_owner, last_parent;	/* while reading names */
	struct cut *aliases;	/* CNAME owners, with their lines */
	uint32_t *alias_lines;
	size_t naliases, capaliases, capalias_lines;
	size_t hint[3];		/* where the last lookup of an _xmpp-server,
				 * _xmpps-server or other owner ended */
	time_t now;
};

/* A wire-format name in presentation form, lowercase, without the
 * trailing dot ("" for the root), into out (at least 1025 bytes). The hot
 * path of reading a zone: ldns_rdf2str prints a character at a time. */
static void
wire_name(const ldns_rdf *r, char *out)
{
	const uint8_t *d = ldns_rdf_data(r);
	size_t n = ldns_rdf_size(r), off = 0, o = 0;

	while (off < n && d[off] != 0 && off + 1 + d[off] <= n) {
		size_t len = d[off++];

		if (o > 0)
			out[o++] = '.';
		for (size_t i = 0; i < len && o < 1020; i++) {
			uint8_t c = d[off + i];

			if (c >= 'A' && c <= 'Z')
				c |= 0x20;
			if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f)
				o += (size_t)snprintf(out + o, 5, "\\%03u", c);
			else
				out[o++] = (char)c;
		}
		off += len;
	}
	out[o] = '\0';
}

/* Names are hashed in their normalised presentation form: FNV-1a, never
 * 0 (0 marks an empty slot). */
static uint64_t
name_hash(const char *name)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h ? h : 1;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
rdf_hash(const ldns_rdf *r)
{
	char name[1025];

	wire_name(r, name);
	return name_hash(name);
}

static char *
rdf_name(const ldns_rdf *r)
{
	char name[1025];

	wire_name(r, name);
	return xstrdup(name);
}

static uint32_t
arena_add(struct zoneset *z, const char *s)
{
	size_t n = strlen(s) + 1, off = z->alen;

	grow(&z->arena, &z->acap, z->alen + n, 1);
	memcpy(z->arena + off, s, n);
	z->alen += n;
	return (uint32_t)off;
}

static void
keep(struct zoneset *z, const char *owner, enum rrtype type, uint32_t ttl,
    const char *rdata, size_t file, unsigned line)
{
	struct zrec *r;

	grow(&z->recs, &z->caprecs, z->nrecs + 1, sizeof *z->recs);
	r = &z->recs[z->nrecs++];
	r->owner = arena_add(z, owner);
	r->rdata = arena_add(z, rdata);
	r->ttl = ttl;
	r->line = line;
	r->file = (uint16_t)file;
	r->type = (uint8_t)type;
}

/* The index: open addressing, linear probing, at most 7/8 full. */
static struct ixent *
ix_slot(struct ixent *ix, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (ix[i].h != 0 && ix[i].h != h)
		i = (i + 1) & (cap - 1);
	return &ix[i];
}

/* The index is per file: the same name in a parent's file (glue) and in
 * its child's are two entries, judged apart. */
static uint64_t
ix_key(uint64_t h, size_t file)
{
	uint64_t k = h ^ ((uint64_t)(file + 1) * 0x9E3779B97F4A7C15ULL);

	return k ? k : 1;
}

static struct ixent *
ix_get(const struct zoneset *z, uint64_t h)
{
	struct ixent *e;

	if (z->capix == 0)
		return NULL;
	e = ix_slot(z->ix, z->capix, h);
	return e->h == h ? e : NULL;
}

static void
ix_note(struct zoneset *z, uint64_t h, enum rrtype type, uint32_t ttl,
    size_t file, unsigned line)
{
	struct ixent *e;

	if (8 * (z->nix + 1) > 7 * z->capix) {
		size_t cap = z->capix ? z->capix * 2 : 1024;
		struct ixent *ix = xcalloc(cap, sizeof *ix);

		for (size_t i = 0; i < z->capix; i++)
			if (z->ix[i].h != 0)
				*ix_slot(ix, cap, z->ix[i].h) = z->ix[i];
		free(z->ix);
		z->ix = ix;
		z->capix = cap;
	}
	e = ix_slot(z->ix, z->capix, h);
	if (e->h == 0) {
		e->h = h;
		e->file = (uint16_t)file;
		e->line = line;
		z->nix++;
	}
	if (type == RR_A) {
		if ((e->flags & IX_A) && e->ttl_a != ttl)
			e->flags |= IX_A_MIXED;
		if (!(e->flags & IX_A))
			e->ttl_a = ttl;
		e->flags |= IX_A;
	} else if (type == RR_AAAA) {
		if ((e->flags & IX_AAAA) && e->ttl_aaaa != ttl)
			e->flags |= IX_AAAA_MIXED;
		if (!(e->flags & IX_AAAA))
			e->ttl_aaaa = ttl;
		e->flags |= IX_AAAA;
	} else
		e->flags |= IX_CNAME;
}

static int
is_host(const struct zoneset *z, uint64_t h)
{
	for (size_t i = 0; i < z->nhosts; i++)
		if (z->hosts[i] == h)
			return 1;
	return 0;
}

/* The first two labels of a wire name, lowercased; "" when missing. */
static void
labels(const ldns_rdf *r, char l1[64], char l2[64])
{
	const uint8_t *d = ldns_rdf_data(r);
	size_t n = ldns_rdf_size(r), len;

	l1[0] = l2[0] = '\0';
	for (int k = 0, off = 0; k < 2; k++) {
		char *out = k == 0 ? l1 : l2;

		if ((size_t)off >= n || (len = d[off]) == 0 ||
		    (size_t)off + 1 + len > n)
			return;
		for (size_t i = 0; i < len; i++)
			out[i] = (char)((d[off + 1 + i] >= 'A' &&
			    d[off + 1 + i] <= 'Z') ? d[off + 1 + i] | 0x20 :
			    d[off + 1 + i]);
		out[len] = '\0';
		off += 1 + (int)len;
	}
}

/* 1 for a well-formed XMPP service owner; -1 (and *why) for a malformed
 * one; 0 for any other name. */
static int
service_owner(const ldns_rdf *owner, const char **why)
{
	char l1[64], l2[64];

	labels(owner, l1, l2);
	if (strcmp(l1, "_xmpp-server") == 0 ||
	    strcmp(l1, "_xmpps-server") == 0) {
		if (strcmp(l2, "_tcp") == 0)
			return 1;
		*why = "the protocol label must be _tcp";
		return -1;
	}
	if (strcmp(l1, "xmpp-server") == 0 || strcmp(l1, "xmpps-server") == 0) {
		*why = "the service label lacks its underscore (_xmpp-server)";
		return -1;
	}
	if (strcmp(l1, "_tcp") == 0 && (strcmp(l2, "_xmpp-server") == 0 ||
	    strcmp(l2, "_xmpps-server") == 0)) {
		*why = "the labels are swapped: _xmpp-server._tcp.DOMAIN";
		return -1;
	}
	return 0;
}

/* The record's data in presentation form; SRV, A, AAAA and CNAME written
 * here (the hot path), the rest by ldns. */
static char *
rdata_string(const ldns_rr *rr)
{
	char name[1025], addr[INET6_ADDRSTRLEN];
	const ldns_rdf *r0 = ldns_rr_rdf(rr, 0);
	struct buf b = { 0 };
	char *s;

	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_SRV:
		if (ldns_rr_rd_count(rr) != 4)
			break;
		wire_name(ldns_rr_rdf(rr, 3), name);
		return xasprintf("%u %u %u %s.", ldns_rdf2native_int16(r0),
		    ldns_rdf2native_int16(ldns_rr_rdf(rr, 1)),
		    ldns_rdf2native_int16(ldns_rr_rdf(rr, 2)), name);
	case LDNS_RR_TYPE_A:
	case LDNS_RR_TYPE_AAAA:
		if (r0 == NULL || inet_ntop(ldns_rdf_size(r0) == 4 ? AF_INET :
		    AF_INET6, ldns_rdf_data(r0), addr, sizeof addr) == NULL)
			break;
		return xstrdup(addr);
	case LDNS_RR_TYPE_CNAME:
		if (r0 == NULL)
			break;
		wire_name(r0, name);
		return xasprintf("%s.", name);
	default:
		break;
	}
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		s = ldns_rdf2str(ldns_rr_rdf(rr, i));
		buf_addf(&b, "%s%s", i ? " " : "", s ? s : "");
		free(s);
	}
	return buf_take(&b);
}

/* An SOA record's owner and data, for comparing; newly allocated. */
static char *
soa_text(const ldns_rr *rr)
{
	char *o = rdf_name(ldns_rr_owner(rr)), *d = rdata_string(rr), *t;

	t = xasprintf("%s %s", o, d ? d : "");
	free(o);
	free(d);
	return t;
}

/* 1 when rr is the file's first SOA again. */
static int
same_soa(const struct zfile *zf, const ldns_rr *rr)
{
	char *t = soa_text(rr);
	int same = zf->soa != NULL && strcmp(t, zf->soa) == 0;

	free(t);
	return same;
}

/* 1 when name is outside the file's zone (once its SOA is known): data a
 * server ignores when it loads the file, as named-checkzone says. */
static int
out_of_zone(const struct zfile *zf, const char *name)
{
	return zf->apex != NULL && !dname_is_under(name, zf->apex);
}

/* name ends in APEX.APEX: an absolute name written without its final dot
 * in a zone file ("_xmpp-server._tcp.example.com" under $ORIGIN
 * example.com.), which the zone's name was added to again. */
static int
doubled_apex(const struct zfile *zf, const char *name)
{
	size_t n = strlen(name), a = zf->apex ? strlen(zf->apex) : 0;

	return a > 0 && n >= 2 * a + 1 && strcmp(name + n - a, zf->apex) ==
	    0 && name[n - a - 1] == '.' && strncmp(name + n - 2 * a - 1,
	    zf->apex, a) == 0 && (n == 2 * a + 1 || name[n - 2 * a - 2] ==
	    '.');
}

static void
take_record(struct zoneset *z, size_t fi, ldns_rr *rr, unsigned line,
    struct findings *f)
{
	struct zfile *zf = &z->files[fi];
	const ldns_rdf *owner = ldns_rr_owner(rr);
	ldns_rr_type t = ldns_rr_get_type(rr);
	const char *why = NULL;
	char *name, *rd, text[1025];
	enum rrtype type;
	uint64_t h;
	int svc;

	zf->records++;
	if (ldns_rdf_size(owner) >= 2 && ldns_rdf_data(owner)[0] == 1 &&
	    ldns_rdf_data(owner)[1] == '*')
		z->has_wildcard = 1;
	switch (t) {
	case LDNS_RR_TYPE_NS:
		name = rdf_name(owner);
		if (zf->apex != NULL && strcmp(name, zf->apex) != 0 &&
		    dname_is_under(name, zf->apex)) {
			grow(&z->cuts, &z->capcuts, z->ncuts + 1,
			    sizeof *z->cuts);
			z->cuts[z->ncuts++] = (struct cut){ name_hash(name),
			    fi, 0, 0 };
		}
		free(name);
		return;
	case LDNS_RR_TYPE_DNAME:
		/* nothing below it is the zone's: names there are aliases
		 * of names below its target (RFC 6672 §2.3) */
		name = rdf_name(owner);
		if (!out_of_zone(zf, name) && ldns_rr_rdf(rr, 0) != NULL) {
			char *dt = rdf_name(ldns_rr_rdf(rr, 0));

			grow(&z->cuts, &z->capcuts, z->ncuts + 1,
			    sizeof *z->cuts);
			z->cuts[z->ncuts++] = (struct cut){ name_hash(name),
			    fi, 1, arena_add(z, dt[0] ? dt : ".") };
			free(dt);
		}
		free(name);
		return;
	case LDNS_RR_TYPE_SOA:
		if (zf->soa == NULL) {	/* the apex is the SOA's owner */
			free(zf->apex);
			zf->apex = rdf_name(owner);
			zf->soa_line = line;
			zf->soa = soa_text(rr);
		} else if (!same_soa(zf, rr))
			/* named-checkzone refuses to load it; the same SOA
			 * again ends an AXFR dump (dig, kdig) */
			findings_add_at(f, SEV_ERROR, F_ZONE_PARSE_ERROR,
			    zf->path, line, NULL, "a second SOA record (the "
			    "first is at line %u): a zone has one", zf->soa_line);
		return;
	case LDNS_RR_TYPE_DNSKEY:
		name = rdf_name(owner);
		if (zf->apex == NULL || strcmp(name, zf->apex) == 0)
			zf->has_dnskey = 1;
		free(name);
		return;
	case LDNS_RR_TYPE_SRV:
		svc = service_owner(owner, &why);
		if (svc == 0)
			return;
		name = rdf_name(owner);
		if (out_of_zone(zf, name)) {
			free(name);
			return;
		}
		if (svc > 0 && doubled_apex(zf, name))
			findings_add_at(f, SEV_WARNING, F_SRV_OWNER_MALFORMED,
			    zf->path, line, name, "the owner ends in the "
			    "zone's name twice: a name written without its "
			    "final dot; partners look up the name without the "
			    "second %s", zf->apex);
		if (svc < 0) {
			findings_add_at(f, SEV_WARNING, F_SRV_OWNER_MALFORMED,
			    zf->path, line, name, "%s: partners never look "
			    "this name up", why);
		} else {
			rd = rdata_string(rr);
			keep(z, name, RR_SRV, ldns_rr_ttl(rr), rd, fi, line);
			zf->kept_srv++;
			free(rd);
		}
		free(name);
		return;
	case LDNS_RR_TYPE_TLSA:
		type = RR_TLSA;
		break;
	case LDNS_RR_TYPE_A:
	case LDNS_RR_TYPE_AAAA:
	case LDNS_RR_TYPE_CNAME:
		type = t == LDNS_RR_TYPE_A ? RR_A : t == LDNS_RR_TYPE_AAAA ?
		    RR_AAAA : RR_CNAME;
		wire_name(owner, text);
		if (out_of_zone(zf, text))
			return;
		h = name_hash(text);
		ix_note(z, ix_key(h, fi), type, ldns_rr_ttl(rr), fi, line);
		if (type == RR_CNAME) {
			grow(&z->aliases, &z->capaliases, z->naliases + 1,
			    sizeof *z->aliases);
			grow(&z->alias_lines, &z->capalias_lines,
			    z->naliases + 1, sizeof *z->alias_lines);
			z->alias_lines[z->naliases] = line;
			z->aliases[z->naliases++] = (struct cut){ h, fi, 0,
			    0 };
		}
		/* a wildcard's values are kept too (they are few): a plan
		 * host may take its addresses from it */
		if (!is_host(z, h) && strncmp(text, "*.", 2) != 0)
			return;
		break;
	default:
		return;
	}
	name = rdf_name(owner);
	if (out_of_zone(zf, name)) {
		free(name);
		return;
	}
	rd = rdata_string(rr);
	keep(z, name, type, ldns_rr_ttl(rr), rd, fi, line);
	free(rd);
	free(name);
}

/* The origin for a file without --origin: its name, as in
 * "example.com.zone", "db.example.com" or "example.com". */
static ldns_rdf *
origin_from_path(const char *path)
{
	static const char *const suffixes[] = { ".zone", ".db", ".signed",
		".txt", ".conf" };
	char *copy = xstrdup(path), *base = basename(copy), *name;
	const char *why;
	ldns_rdf *r = NULL;
	size_t len;

	name = xstrdup(strncmp(base, "db.", 3) == 0 ? base + 3 : base);
	for (int again = 1; again;) {
		again = 0;
		for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes;
		    i++) {
			len = strlen(name);
			if (len > strlen(suffixes[i]) && strcmp(name + len -
			    strlen(suffixes[i]), suffixes[i]) == 0) {
				name[len - strlen(suffixes[i])] = '\0';
				again = 1;
			}
		}
	}
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		name[len - 1] = '\0';
	if (strchr(name, '.') != NULL && dname_check(name, &why) == 0) {
		char *fq = xasprintf("%s.", name);

		r = ldns_dname_new_frm_str(fq);
		free(fq);
	}
	free(name);
	free(copy);
	return r;
}

static ldns_rdf *
start_origin(const struct zoneset_opts *o, const char *path)
{
	char *fq;
	ldns_rdf *r;

	if (o->origin == NULL)
		return origin_from_path(path);
	fq = xasprintf("%s.", o->origin);
	r = ldns_dname_new_frm_str(fq);
	free(fq);
	return r;
}

typedef void (*record_fn)(struct zoneset *, size_t, ldns_rr *, unsigned,
    void *);

/* The line where the record ldns read from pos starts: first (the line
 * after the previous record) plus the blank and comment lines ldns skipped
 * on its way. The file left where it was. */
static unsigned
record_line(FILE *fp, long pos, unsigned first)
{
	long stop = ftell(fp);
	int c, comment = 0;

	if (stop < 0 || fseek(fp, pos, SEEK_SET) != 0)
		return first;
	while (ftell(fp) < stop && (c = getc(fp)) != EOF) {
		if (c == '\n') {
			first++;
			comment = 0;
		} else if (c == ';')
			comment = 1;
		else if (!comment && c != ' ' && c != '\t' && c != '\r')
			break;
	}
	clearerr(fp);
	fseek(fp, stop, SEEK_SET);
	return first;
}

/* The logical line of the record ldns read from pos, as ldns reads it
 * (comments and blank lines skipped, parentheses joined), into line (at
 * least LDNS_MAX_LINELEN + 1 bytes): its length, or 0. The file left
 * where it was. */
static size_t
logical_line(FILE *fp, long pos, char *line)
{
	long stop = ftell(fp);
	size_t len = stop > pos ? (size_t)(stop - pos) : 0;
	ssize_t n = -1;

	if (stop < 0 || fseek(fp, pos, SEEK_SET) != 0)
		return 0;
	/* most records: one line with nothing the tokenizer changes (no
	 * comment, parenthesis, quote or escape): the text as it is */
	if (len <= LDNS_MAX_LINELEN && fread(line, 1, len, fp) == len) {
		while (len > 0 && strchr(" \t\r\n", line[len - 1]) != NULL)
			len--;
		line[len] = '\0';
		if (len > 0 && strcspn(line, ";()\"\\\n\r\f\v") == len &&
		    line[strspn(line, " \t")] != '\0') {
			fseek(fp, stop, SEEK_SET);
			return len;
		}
		fseek(fp, pos, SEEK_SET);
	}
	while (ftell(fp) < stop && (n = ldns_fget_token_l(fp, line,
	    LDNS_PARSE_SKIP_SPACE, LDNS_MAX_LINELEN, NULL)) >= 0 &&
	    line[strspn(line, " \t")] == '\0')
		n = -1;
	clearerr(fp);
	fseek(fp, stop, SEEK_SET);
	return n > 0 ? (size_t)n : 0;
}

/* The end of the token at p (a run of non-blanks, "\x" escapes kept). */
static const char *
token_end(const char *p)
{
	while (*p != '\0' && *p != ' ' && *p != '\t') {
		if (*p == '\\' && p[1] != '\0')
			p++;
		p++;
	}
	return p;
}

/* A class as named and Knot write it: IN, CH, HS, CS, NONE, ANY or
 * CLASSnn (ldns alone also takes "CLASS1x"). */
static int
is_class(const char *t)
{
	static const char *const names[] = { "IN", "CH", "HS", "CS", "NONE",
		"ANY" };

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcasecmp(t, names[i]) == 0)
			return 1;
	return strncasecmp(t, "CLASS", 5) == 0 && t[5] != '\0' &&
	    strspn(t + 5, "0123456789") == strlen(t + 5);
}

/* A TTL as named and Knot read it: digits, or groups of digits with a
 * unit (1w2d, 1h30m), at most 2^32 - 1; ldns alone reads "1x" as 1, "3O0"
 * as 3 and larger numbers modulo 2^32. */
static int
is_ttl(const char *t, size_t len)
{
	unsigned long long v = 0, n = 0;
	size_t i = 0;

	if (len == 0)
		return 0;
	while (i < len) {
		static const char units[] = "wdhms";
		static const unsigned long mult[] = { 604800, 86400, 3600, 60,
			1 };
		const char *u;
		size_t start = i;

		for (n = 0; i < len && t[i] >= '0' && t[i] <= '9'; i++)
			if ((n = n * 10 + (unsigned)(t[i] - '0')) > 0xffffffffULL)
				return 0;
		if (i == start)
			return 0;
		if (i == len) {	/* plain digits; after a unit, not a TTL */
			v += n;
			if (start > 0)
				return 0;
			break;
		}
		if ((u = strchr(units, t[i] | 0x20)) == NULL || t[i] == '\0')
			return 0;
		v += n * mult[u - units];
		i++;
		if (v > 0xffffffffULL)
			return 0;
	}
	return v <= 0xffffffffULL;
}

/* RFC 1035 §5.1 lets the class come before the TTL ("www IN 300 A ...");
 * named, NSD and Knot load it, ldns reads only the TTL first. Given the
 * logical line of a record ldns refused: when a class and then a TTL
 * follow the owner, parse it again with the two swapped. LDNS_STATUS_OK
 * and *rr set, or an error status (the first one stands). */
static ldns_status
parse_class_before_ttl(const char *line, uint32_t ttl, ldns_rdf *origin,
    ldns_rdf **prev, ldns_rr **rr)
{
	ldns_status s = LDNS_STATUS_SYNTAX_ERR;
	char cls[32], *fixed;
	const char *p, *c, *c_end, *t, *t_end;

	/* a line starting blank has no owner: it is the previous one's */
	p = line[0] == ' ' || line[0] == '\t' ? line : token_end(line);
	c = p + strspn(p, " \t");
	c_end = token_end(c);
	t = c_end + strspn(c_end, " \t");
	t_end = token_end(t);
	if (c_end == c || (size_t)(c_end - c) >= sizeof cls ||
	    !is_ttl(t, (size_t)(t_end - t)))
		return s;
	memcpy(cls, c, (size_t)(c_end - c));
	cls[c_end - c] = '\0';
	if (!is_class(cls))
		return s;
	/* owner, TTL, class, the rest */
	fixed = xasprintf("%.*s %.*s %s%s", (int)(p - line), line,
	    (int)(t_end - t), t, cls, t_end);
	s = ldns_rr_new_frm_str(rr, fixed, ttl, origin, prev);
	free(fixed);
	return s;
}

/* What the servers refuse in a record's logical line although ldns reads
 * it: a TTL that is no TTL (ldns reads "1x" as 1), SRV numbers above
 * 65535 and TLSA numbers above 255 (ldns reads them modulo 2^16 and 2^8:
 * 99999 becomes 34463, usage 259 becomes 3), or numbers with a sign. type
 * is what ldns read (SRV written as TYPE33 too). NULL, or why, in buf. */
static const char *
record_unreadable(const char *line, ldns_rr_type type, char *buf,
    size_t size)
{
	static const char *const srv[] = { "priority", "weight", "port" };
	static const char *const tlsa[] = { "certificate usage", "selector",
		"matching type" };
	int is_srv = type == LDNS_RR_TYPE_SRV;
	unsigned long max = is_srv ? 65535 : 255;
	const char *p = line[0] == ' ' || line[0] == '\t' ? line :
	    token_end(line), *t, *e;
	char cls[32];

	/* a TTL and a class, in either order, then the type */
	for (int k = 0; k < 3; k++) {
		size_t len;

		t = p + strspn(p, " \t");
		e = token_end(t);
		len = (size_t)(e - t);
		if (len == 0)
			return NULL;
		p = e;
		if (t[0] >= '0' && t[0] <= '9') {
			if (!is_ttl(t, len)) {
				snprintf(buf, size, "the TTL %.*s is not a TTL "
				    "(named and Knot refuse it; ldns would read "
				    "a part of it)", (int)(len > 20 ? 20 : len),
				    t);
				return buf;
			}
			continue;
		}
		if (len < sizeof cls) {
			memcpy(cls, t, len);
			cls[len] = '\0';
			if (is_class(cls))
				continue;
		}
		break;	/* the type */
	}
	if (type != LDNS_RR_TYPE_SRV && type != LDNS_RR_TYPE_TLSA)
		return NULL;
	for (int i = 0; i < 3; i++) {
		unsigned long v;

		t = p + strspn(p, " \t");
		e = token_end(t);
		if ((t[0] == '+' || t[0] == '-') && e - t > 1 &&
		    strspn(t + 1, "0123456789") == (size_t)(e - t - 1)) {
			snprintf(buf, size, "the %s %s %.*s has a sign (named "
			    "and Knot refuse it)", is_srv ? "SRV" : "TLSA",
			    is_srv ? srv[i] : tlsa[i], (int)(e - t > 12 ? 12 :
			    e - t), t);
			return buf;
		}
		if (e == t || strspn(t, "0123456789") != (size_t)(e - t))
			return NULL;	/* \# generic data, or ldns said */
		v = strtoul(t, NULL, 10);
		if (e - t > 10 || v > max) {
			snprintf(buf, size, "the %s %s is above %lu (named and "
			    "Knot refuse it; ldns would read it modulo %lu)",
			    is_srv ? "SRV" : "TLSA", is_srv ? srv[i] : tlsa[i],
			    max, max + 1);
			return buf;
		}
		p = e;
	}
	return NULL;
}

#define ZS_GENERATE (LDNS_STATUS_SYNTAX_INCLUDE + 1000)
#define ZS_REFUSED (LDNS_STATUS_SYNTAX_INCLUDE + 1001)

/* A directive line ($TTL, $ORIGIN, $INCLUDE, $GENERATE), read here in
 * any case as named, NSD and Knot read them (ldns knows them in capitals
 * only: it read "$ttl 300" as a broken record and "$origin x." as a record
 * of owner $origin, which the next ownerless line then took). The status
 * it stands for (ZS_REFUSED with why in buf for what the servers
 * refuse); *ttl and *origin follow it. */
static ldns_status
directive(const char *line, uint32_t *ttl, ldns_rdf **origin, char *buf,
    size_t size)
{
	const char *e = token_end(line), *arg = e + strspn(e, " \t");
	const char *arg_end = token_end(arg), *end;
	size_t len = (size_t)(e - line), alen = (size_t)(arg_end - arg), bs;

	if (len == 4 && strncasecmp(line, "$TTL", 4) == 0) {
		if (!is_ttl(arg, alen)) {
			snprintf(buf, size, "$TTL %.*s is not a TTL (named and "
			    "Knot refuse it)", (int)(alen > 20 ? 20 : alen), arg);
			return ZS_REFUSED;
		}
		*ttl = ldns_str2period(arg, &end);
		return LDNS_STATUS_SYNTAX_TTL;
	}
	if (len == 7 && strncasecmp(line, "$ORIGIN", 7) == 0) {
		ldns_rdf *o;
		char *name;

		/* absolute: a final dot, not escaped (an odd run of
		 * backslashes before it escapes it) */
		for (bs = 0; bs + 1 < alen && arg[alen - 2 - bs] == '\\'; bs++)
			;
		if (alen == 0 || arg[alen - 1] != '.' || bs % 2 == 1) {
			snprintf(buf, size, "$ORIGIN %.*s is not absolute: "
			    "named reads it below the origin before it, NSD and "
			    "Knot refuse the file; end it with a dot",
			    (int)(alen > 255 ? 255 : alen), arg);
			return ZS_REFUSED;
		}
		name = xstrndup(arg, alen);
		o = ldns_dname_new_frm_str(name);
		free(name);
		if (o == NULL)
			return LDNS_STATUS_SYNTAX_DNAME_ERR;
		ldns_rdf_deep_free(*origin);
		*origin = o;
		return LDNS_STATUS_SYNTAX_ORIGIN;
	}
	if (len == 8 && strncasecmp(line, "$INCLUDE", 8) == 0)
		return LDNS_STATUS_SYNTAX_INCLUDE;
	if (len == 9 && strncasecmp(line, "$GENERATE", 9) == 0)
		return ZS_GENERATE;
	snprintf(buf, size, "%.*s is a directive NSD and Knot do not know "
	    "(they know $ORIGIN, $TTL, $INCLUDE): they refuse the file",
	    (int)(len > 40 ? 40 : len), line);
	return ZS_REFUSED;
}

/* What a character scan of the file from where it stands finds that
 * ldns reads on past: a line ending in CR LF outside a comment (ldns,
 * named and NSD read such a file, Knot refuses it: "unsupported CRLF
 * newline"; a CR at the end of a comment it reads as part of the
 * comment), and parentheses that do not balance (named, NSD and Knot
 * refuse the file; ldns reads a ")" without "(" as the end of a line, and
 * a "(" never closed as a record running to the end of the file). */
struct text_scan {
	int crlf;
	unsigned stray_close;	/* the line of a ")" without "(", or 0 */
	unsigned open_line;	/* the line of a "(" never closed, or 0 */
};

/* The scan, the file left where it was; nothing for a file that cannot
 * be read twice (a pipe). */
static void
scan_text(FILE *fp, struct text_scan *ts)
{
	long pos = ftell(fp);
	char buf[1 << 14];
	size_t n;
	unsigned line = 1, open_at = 0;
	int cr = 0, comment = 0, quoted = 0, escaped = 0, depth = 0;

	memset(ts, 0, sizeof *ts);
	if (pos < 0)
		return;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		for (size_t i = 0; i < n; i++) {
			char ch = buf[i];

			if (ch == '\n') {
				ts->crlf |= cr && !comment;
				comment = quoted = escaped = 0;
				line++;
			} else if (escaped)
				escaped = 0;
			else if (ch == '\\')
				escaped = 1;
			else if (comment)
				;
			else if (ch == '"')
				quoted = !quoted;
			else if (quoted)
				;
			else if (ch == ';')
				comment = 1;
			else if (ch == '(' && depth++ == 0)
				open_at = line;
			else if (ch == ')' && --depth < 0) {
				if (ts->stray_close == 0)
					ts->stray_close = line;
				depth = 0;
			}
			cr = ch == '\r';
		}
	}
	if (depth > 0)
		ts->open_line = open_at;
	clearerr(fp);
	fseek(fp, pos, SEEK_SET);
}

/* The owner of the file's first SOA record, or NULL (none, or the file
 * cannot be read): records before it are read and dropped. */
static char *
soa_owner(const char *path, const struct zoneset_opts *o)
{
	ldns_rdf *origin = start_origin(o, path), *prev = NULL;
	uint32_t ttl = 3600;
	char *owner = NULL;
	FILE *fp = fopen(path, "r");
	int line = 0;

	while (fp != NULL && owner == NULL && !feof(fp)) {
		long pos = ftell(fp);
		ldns_rr *rr = NULL;

		if (ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev,
		    &line) == LDNS_STATUS_OK) {
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
				owner = rdf_name(ldns_rr_owner(rr));
			ldns_rr_free(rr);
		} else if (ftell(fp) == pos)
			break;	/* no progress */
	}
	if (fp != NULL)
		fclose(fp);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return owner;
}

/* An address or alias of a plan host (its TTL is compared with the
 * plan): the only other records whose text is read again. Cheap when the
 * plan names no host (no plan), as in most large zones. */
static int
plan_host_address(const struct zoneset *z, const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);

	return z->nhosts > 0 && (t == LDNS_RR_TYPE_A ||
	    t == LDNS_RR_TYPE_AAAA || t == LDNS_RR_TYPE_CNAME) &&
	    is_host(z, rdf_hash(ldns_rr_owner(rr)));
}

/* A zone-parse-error at the line, on the first pass (report set). */
static void
parse_error(struct zfile *zf, struct findings *report, unsigned at,
    const char *why)
{
	if (report == NULL)
		return;
	zf->parse_errors++;
	findings_add_at(report, SEV_ERROR, F_ZONE_PARSE_ERROR, zf->path, at,
	    NULL, "%s", why);
}

/* Read one file record by record; parse errors are findings (only on the
 * first pass: report is set) and reading goes on. */
static int
read_file(struct zoneset *z, size_t fi, const struct zoneset_opts *o,
    struct findings *report, record_fn fn, void *arg)
{
	struct zfile *zf = &z->files[fi];
	ldns_rdf *origin = start_origin(o, zf->path), *prev = NULL;
	uint32_t ttl = 3600;
	int line = 0, before;
	unsigned at;
	long pos;
	ldns_status s;
	ldns_rr *rr;
	char *ll;
	struct stat st;
	FILE *fp;

	if ((fp = fopen(zf->path, "r")) == NULL) {
		ldns_rdf_deep_free(origin);
		return -1;
	}
	/* read more than once (signatures, wildcards) and in places again
	 * (a record's own text): a pipe cannot be */
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		ldns_rdf_deep_free(origin);
		return -2;
	}
	/* ldns reads with getc(): one character, one lock, unless the
	 * (single-threaded) caller takes the locking over */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	setvbuf(fp, NULL, _IOFBF, 1 << 16);
	/* a UTF-8 byte order mark: ldns would read it as part of the first
	 * owner name; named-checkzone and Knot refuse the file */
	{
		unsigned char bom[3];

		if (fread(bom, 1, 3, fp) == 3 && bom[0] == 0xef &&
		    bom[1] == 0xbb && bom[2] == 0xbf)
			parse_error(zf, report, 1, "the file starts with a "
			    "UTF-8 byte order mark (EF BB BF): named-checkzone "
			    "and Knot refuse to load it; remove it");
		else
			rewind(fp);
	}
	if (report != NULL) {
		struct text_scan ts;

		scan_text(fp, &ts);
		zf->crlf = ts.crlf;
		if (ts.stray_close)
			parse_error(zf, report, ts.stray_close, "a \")\" "
			    "without its \"(\": named, NSD and Knot refuse the "
			    "file (ldns reads on, and counts the lines after "
			    "it one short)");
		if (ts.open_line)
			parse_error(zf, report, ts.open_line, "a \"(\" never "
			    "closed: the record runs to the end of the file; "
			    "named, NSD and Knot refuse it");
	}
	ll = xmalloc(LDNS_MAX_LINELEN + 1);
	while (!feof(fp)) {
		char why[320];
		int text, first;

		before = line;
		pos = ftell(fp);
		rr = NULL;
		at = (unsigned)before + 1;
		/* a directive starts its line: read here, not by ldns */
		if ((first = getc(fp)) != EOF)
			ungetc(first, fp);
		if (first == '$') {
			text = ldns_fget_token_l(fp, ll, LDNS_PARSE_SKIP_SPACE,
			    LDNS_MAX_LINELEN, &line) > 0;
			s = text ? directive(ll, &ttl, &origin, why, sizeof why) :
			    LDNS_STATUS_SYNTAX_ERR;
			goto judged;
		}
		s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		/* more than one line read: comments before it, or a record
		 * on several lines: find its own first line */
		if (line - before > 1)
			at = record_line(fp, pos, at);
		/* what ldns does not judge as the servers do: its text again
		 * (its SRV and TLSA numbers, a plan host's TTL, an error) */
		text = (s != LDNS_STATUS_OK && s != LDNS_STATUS_SYNTAX_EMPTY) ||
		    (rr != NULL && (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SRV ||
		    ldns_rr_get_type(rr) == LDNS_RR_TYPE_TLSA ||
		    plan_host_address(z, rr)));
		if (text && logical_line(fp, pos, ll) == 0)
			text = 0;
		if (text && s != LDNS_STATUS_OK &&
		    parse_class_before_ttl(ll, ttl, origin, &prev, &rr) ==
		    LDNS_STATUS_OK)
			s = LDNS_STATUS_OK;
		if (text && s == LDNS_STATUS_OK &&
		    record_unreadable(ll, ldns_rr_get_type(rr), why,
		    sizeof why) != NULL) {
			ldns_rr_free(rr);
			s = ZS_REFUSED;
		}
		if (s == LDNS_STATUS_OK &&
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
			char *c = ldns_rr_class2str(ldns_rr_get_class(rr));

			snprintf(why, sizeof why, "a record of class %s: a "
			    "zone holds class IN only (named-checkzone and "
			    "Knot refuse to load the file)", c ? c : "?");
			free(c);
			ldns_rr_free(rr);
			s = ZS_REFUSED;
		}
judged:
		switch ((int)s) {
		case LDNS_STATUS_OK:
			fn(z, fi, rr, at, arg);
			ldns_rr_free(rr);
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			parse_error(zf, report, at, "$INCLUDE is not supported: "
			    "lint the expanded zone, e.g. from named-compilezone "
			    "-o - ZONE FILE");
			break;
		case ZS_GENERATE:
			parse_error(zf, report, at, "$GENERATE (a BIND "
			    "extension) is not read here: lint the expanded "
			    "zone, e.g. from named-compilezone -o - ZONE FILE");
			break;
		case ZS_REFUSED:
			parse_error(zf, report, at, why);
			break;
		default:
			parse_error(zf, report, at, ldns_get_errorstr_by_id(s));
			break;
		}
		if (line == before && ftell(fp) == pos)
			break;	/* no progress: never loop forever */
	}
	free(ll);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(fp);
	return 0;
}

static void
pass1_record(struct zoneset *z, size_t fi, ldns_rr *rr, unsigned line,
    void *arg)
{
	take_record(z, fi, rr, line, arg);
}

static const struct cut *cut_of(const struct zoneset *z, size_t fi,
    const char *name, const char **at);

/* A record's owner and its ancestors down to its zone's apex exist
 * (RFC 4592 §2.2.2), unless it lies outside the zone; at or below a cut
 * there (a delegation's NS and DS, glue, occluded data) the cut's owner
 * and its ancestors do. */
static void
names_record(struct zoneset *z, size_t fi, ldns_rr *rr, unsigned line,
    void *arg)
{
	const struct zfile *zf = &z->files[fi];
	char buf[1025];
	const char *name = buf, *at;
	uint64_t h, prev_parent;

	(void)line;
	(void)arg;
	wire_name(ldns_rr_owner(rr), buf);
	if (zf->apex == NULL || out_of_zone(zf, name))
		return;
	if (cut_of(z, fi, name, &at) != NULL)
		name = at;
	if (strcmp(name, zf->apex) == 0)
		return;
	/* the apex once, by the caller; records in a row often share their
	 * owner or its parent, whose ancestors are in already */
	h = name_hash(name);
	if (h == z->last_owner)
		return;
	z->last_owner = h;
	grow(&z->names, &z->capnames, z->nnames + 1, sizeof *z->names);
	z->names[z->nnames++] = h;
	prev_parent = z->last_parent;
	for (const char *p = strchr(name, '.'); p != NULL;
	    p = strchr(p + 1, '.')) {
		if (strcmp(p + 1, zf->apex) == 0)
			break;
		h = name_hash(p + 1);
		if (p == strchr(name, '.'))
			z->last_parent = h;
		if (h == prev_parent)
			break;
		grow(&z->names, &z->capnames, z->nnames + 1,
		    sizeof *z->names);
		z->names[z->nnames++] = h;
	}
}

/* Sorting and finding kept records: by owner, type, file, line. Name
 * order keeps lookups close to each other in memory. */
static int
zrec_cmp(const void *a, const void *b, void *arg)
{
	const struct zrec *x = a, *y = b;
	const char *arena = arg;
	int c = strcmp(arena + x->owner, arena + y->owner);

	if (c != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int
key_cmp(const struct zoneset *z, size_t i, const char *owner,
    enum rrtype type)
{
	const struct zrec *r = &z->recs[i];
	int c = strcmp(z->arena + r->owner, owner);

	if (c != 0)
		return c;
	return r->type < type ? -1 : r->type > type;
}

/* The first kept record at owner/type, or NULL; *n is how many. The
 * checks look names up in sorted order, so the search gallops from where
 * the last lookup of the same kind of owner ended: near, and cached. */
static const struct zrec *
find(struct zoneset *z, const char *owner, enum rrtype type, size_t *n)
{
	size_t *hint = &z->hint[strncmp(owner, "_xmpp-server.", 13) == 0 ? 0 :
	    strncmp(owner, "_xmpps-server.", 14) == 0 ? 1 : 2];
	size_t lo = 0, hi = z->nrecs, k, step;

	if (z->nrecs == 0) {
		*n = 0;
		return NULL;
	}
	/* Bracket the first record not below the key, [lo, hi), by steps of
	 * 1, 2, 4... from the hint k. */
	k = *hint < z->nrecs ? *hint : z->nrecs - 1;
	if (key_cmp(z, k, owner, type) < 0) {
		lo = k + 1;
		for (step = 1; k + step < z->nrecs &&
		    key_cmp(z, k + step, owner, type) < 0; step *= 2)
			lo = k + step + 1;
		hi = k + step < z->nrecs ? k + step : z->nrecs;
	} else {
		hi = k;
		for (step = 1; step <= k &&
		    key_cmp(z, k - step, owner, type) >= 0; step *= 2)
			hi = k - step;
		lo = step <= k ? k - step + 1 : 0;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(z, mid, owner, type) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*hint = lo;
	for (k = lo; k < z->nrecs && key_cmp(z, k, owner, type) == 0; k++)
		;
	*n = k - lo;
	return k > lo ? &z->recs[lo] : NULL;
}

/* Pass 2 (signed files): verify the RRSIGs of the RRsets that matter. */

struct vset {
	uint64_t h;
	enum rrtype type;
	char *owner;
	unsigned line;
	ldns_rr_list *rrs, *sigs;
};

struct verify {
	struct vset *v;
	size_t n, cap;
	ldns_rr_list *keys;	/* the apex DNSKEY RRset */
	ldns_rr_list *key_sigs;	/* the RRSIGs over it */
	unsigned key_line;	/* of its first record */
};

static int
vset_cmp(const void *a, const void *b)
{
	const struct vset *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return (int)x->type - (int)y->type;
}

static struct vset *
vset_find(struct verify *vf, uint64_t h, enum rrtype type)
{
	struct vset key = { h, type, NULL, 0, NULL, NULL };

	return bsearch(&key, vf->v, vf->n, sizeof *vf->v, vset_cmp);
}

/* Sets are wanted many times (a target named by many SRV records):
 * appended here, made unique once sorted (vset_unique). */
static void
vset_want(struct verify *vf, const char *owner, enum rrtype type,
    unsigned line)
{
	struct vset *s;

	grow(&vf->v, &vf->cap, vf->n + 1, sizeof *vf->v);
	s = &vf->v[vf->n++];
	s->h = name_hash(owner);
	s->type = type;
	s->owner = xstrdup(owner);
	s->line = line;
	s->rrs = s->sigs = NULL;
}

static void
vset_unique(struct verify *vf)
{
	size_t k = 0;

	if (vf->n > 1)
		qsort(vf->v, vf->n, sizeof *vf->v, vset_cmp);
	for (size_t i = 0; i < vf->n; i++) {
		if (k > 0 && vset_cmp(&vf->v[k - 1], &vf->v[i]) == 0) {
			free(vf->v[i].owner);
			continue;
		}
		vf->v[k] = vf->v[i];
		vf->v[k].rrs = ldns_rr_list_new();
		vf->v[k++].sigs = ldns_rr_list_new();
	}
	vf->n = k;
}

static int
rrtype_of(ldns_rr_type t, enum rrtype *out)
{
	switch (t) {
	case LDNS_RR_TYPE_SRV:
		*out = RR_SRV;
		return 0;
	case LDNS_RR_TYPE_A:
		*out = RR_A;
		return 0;
	case LDNS_RR_TYPE_AAAA:
		*out = RR_AAAA;
		return 0;
	case LDNS_RR_TYPE_TLSA:
		*out = RR_TLSA;
		return 0;
	default:
		return -1;
	}
}

static void
verify_record(struct zoneset *z, size_t fi, ldns_rr *rr, unsigned line,
    void *arg)
{
	struct verify *vf = arg;
	ldns_rr_type t = ldns_rr_get_type(rr);
	enum rrtype type;
	struct vset *s;
	char *name;

	if (t == LDNS_RR_TYPE_DNSKEY || (t == LDNS_RR_TYPE_RRSIG &&
	    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) ==
	    LDNS_RR_TYPE_DNSKEY)) {
		ldns_rr_list *l = t == LDNS_RR_TYPE_DNSKEY ? vf->keys :
		    vf->key_sigs;

		name = rdf_name(ldns_rr_owner(rr));
		if ((z->files[fi].apex == NULL ||
		    strcmp(name, z->files[fi].apex) == 0) &&
		    !ldns_rr_list_contains_rr(l, rr)) {
			if (ldns_rr_list_rr_count(vf->keys) == 0 &&
			    t == LDNS_RR_TYPE_DNSKEY)
				vf->key_line = line;
			ldns_rr_list_push_rr(l, ldns_rr_clone(rr));
		}
		free(name);
		return;
	}
	if (t == LDNS_RR_TYPE_RRSIG) {
		if (rrtype_of(ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)),
		    &type) == 0 && (s = vset_find(vf,
		    rdf_hash(ldns_rr_owner(rr)), type)) != NULL)
			ldns_rr_list_push_rr(s->sigs, ldns_rr_clone(rr));
		return;
	}
	/* a record twice is one record to a server (RFC 2181 §5): it is
	 * signed once */
	if (rrtype_of(t, &type) == 0 &&
	    (s = vset_find(vf, rdf_hash(ldns_rr_owner(rr)), type)) != NULL &&
	    !ldns_rr_list_contains_rr(s->rrs, rr)) {
		if (ldns_rr_list_rr_count(s->rrs) == 0)
			s->line = line;
		ldns_rr_list_push_rr(s->rrs, ldns_rr_clone(rr));
	}
}

static const char *
sig_problem(ldns_status s)
{
	switch (s) {
	case LDNS_STATUS_CRYPTO_SIG_EXPIRED:
		return "the signature has expired: re-sign the zone";
	case LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED:
		return "the signature is not valid yet (inception in the "
		    "future): check the signer's clock";
	case LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY:
	case LDNS_STATUS_CRYPTO_NO_DNSKEY:
		return "no DNSKEY of the zone made this signature";
	default:
		return "the signature does not verify: the records were "
		    "changed after signing, or the key is wrong";
	}
}

/* LDNS_STATUS_OK when one of sigs verifies rrs with one of keys at now;
 * else the most telling failure (expired or not yet valid first). */
static ldns_status
verify_any(ldns_rr_list *rrs, ldns_rr_list *sigs, ldns_rr_list *keys,
    time_t now)
{
	ldns_status st, worst = LDNS_STATUS_CRYPTO_NO_RRSIG;

	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
		st = ldns_verify_rrsig_keylist_time(rrs,
		    ldns_rr_list_rr(sigs, i), keys, now, NULL);
		if (st == LDNS_STATUS_OK)
			return st;
		if (worst == LDNS_STATUS_CRYPTO_NO_RRSIG ||
		    st == LDNS_STATUS_CRYPTO_SIG_EXPIRED ||
		    st == LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED)
			worst = st;
	}
	return worst;
}

static void
verify_set(struct zoneset *z, size_t fi, const struct vset *s,
    ldns_rr_list *keys, struct findings *f)
{
	ldns_status worst;

	if (ldns_rr_list_rr_count(s->rrs) == 0)
		return;
	if (ldns_rr_list_rr_count(s->sigs) == 0) {
		findings_add_at(f, SEV_ERROR, F_DNSSEC_SIGNATURE_INVALID,
		    z->files[fi].path, s->line, s->owner, "no RRSIG covers the "
		    "%s RRset in this signed zone: validating resolvers will "
		    "reject it; re-sign the zone", rrtype_name(s->type));
		return;
	}
	if ((worst = verify_any(s->rrs, s->sigs, keys, z->now)) ==
	    LDNS_STATUS_OK)
		return;
	findings_add_at(f, SEV_ERROR, F_DNSSEC_SIGNATURE_INVALID,
	    z->files[fi].path, s->line, s->owner, "%s RRset: %s (%s)",
	    rrtype_name(s->type), sig_problem(worst),
	    ldns_get_errorstr_by_id(worst));
}

static int
in_apex(const struct zfile *zf, const char *name)
{
	return zf->apex != NULL && dname_is_under(name, zf->apex);
}

static int
cut_cmp(const void *a, const void *b)
{
	const struct cut *x = a, *y = b;

	return x->h != y->h ? (x->h < y->h ? -1 : 1) : x->file != y->file ?
	    (x->file < y->file ? -1 : 1) : 0;
}

/* A CNAME beside other data at one name (RFC 1034 §3.6.2, RFC 2181
 * §10.1): named-checkzone and Knot refuse to load the zone. Said for what
 * lint keeps of every name -- its A and AAAA -- and for the SRV and TLSA
 * owners; other types beside a CNAME are not seen. */
static void
check_aliases(struct zoneset *z, struct findings *f)
{
	for (size_t i = 0; i < z->naliases; i++) {
		const struct ixent *e = ix_get(z, ix_key(z->aliases[i].h,
		    z->aliases[i].file));

		if (e != NULL && (e->flags & (IX_A | IX_AAAA)))
			findings_add_at(f, SEV_ERROR, F_ZONE_PARSE_ERROR,
			    z->files[z->aliases[i].file].path,
			    z->alias_lines[i], NULL, "a CNAME and %s records "
			    "at one name: an alias holds nothing else (RFC "
			    "1034 3.6.2); named-checkzone and Knot refuse to "
			    "load the zone", e->flags & IX_A ? "A" : "AAAA");
	}
	for (size_t i = 0; z->naliases > 0 && i < z->nrecs; i++) {
		const struct zrec *r = &z->recs[i];
		const struct ixent *e;

		if (r->type != RR_SRV && r->type != RR_TLSA)
			continue;
		/* once an owner: the records are sorted by owner, type */
		if (i > 0 && z->recs[i - 1].type == r->type &&
		    strcmp(z->arena + z->recs[i - 1].owner, z->arena +
		    r->owner) == 0)
			continue;
		if ((e = ix_get(z, ix_key(name_hash(z->arena + r->owner),
		    r->file))) != NULL &&
		    (e->flags & IX_CNAME))
			/* at the alias (the owner's first A, AAAA or CNAME
			 * record: here the CNAME), as named-checkzone says */
			findings_add_at(f, SEV_ERROR, F_ZONE_PARSE_ERROR,
			    z->files[e->file].path, e->line, z->arena +
			    r->owner, "a CNAME and %s records at one name: an "
			    "alias holds nothing else (RFC 1034 3.6.2); "
			    "named-checkzone and Knot refuse to load the zone",
			    rrtype_name((enum rrtype)r->type));
	}
}

/* The cut of file fi that name lies at or below -- a delegation, or a
 * DNAME strictly above it -- or NULL: what is there is not the zone's own
 * data. *at: where in name the cut's owner begins. */
static const struct cut *
cut_of(const struct zoneset *z, size_t fi, const char *name, const char **at)
{
	const struct zfile *zf = &z->files[fi];

	if (z->ncuts == 0 || !in_apex(zf, name))
		return NULL;
	for (const char *p = name;;) {
		struct cut key = { name_hash(p), fi, 0, 0 };
		const struct cut *c = bsearch(&key, z->cuts, z->ncuts,
		    sizeof *z->cuts, cut_cmp);

		/* a DNAME owner itself is the zone's (the DNAME is there) */
		if (c != NULL && (!c->dname || p != name)) {
			*at = p;
			return c;
		}
		if (strcmp(p, zf->apex) == 0 || (p = strchr(p, '.')) == NULL)
			break;
		p++;
	}
	return NULL;
}

static int
below_cut(const struct zoneset *z, size_t fi, const char *name)
{
	const char *at;

	return cut_of(z, fi, name, &at) != NULL;
}

/* The DNAME that name lies strictly below, in a file that holds it, or
 * NULL; *at: where in name its owner begins. */
static const struct cut *
dname_above(const struct zoneset *z, const char *name, const char **at)
{
	for (size_t i = 0; i < z->nfiles; i++) {
		const struct cut *c = cut_of(z, i, name, at);

		if (c != NULL && c->dname)
			return c;
	}
	return NULL;
}

/* Below a DNAME, a name is an alias: the CNAME the server synthesises
 * (RFC 6672 §2.2), newly allocated, or NULL. */
static char *
dname_alias(const struct zoneset *z, const char *name)
{
	const char *at, *t;
	const struct cut *c = dname_above(z, name, &at);

	if (c == NULL)
		return NULL;
	t = z->arena + c->target;
	return xasprintf("%.*s%s", (int)(at - name), name, strcmp(t, ".") ==
	    0 ? "" : t);
}

/* The DNSKEY RRset is signed by one of its own keys (RFC 4035 §5: a
 * validator trusts no key until it has): without that, or with that
 * signature expired, every answer of the zone is bogus to resolvers that
 * hold its DS. */
static void
verify_keys(struct zoneset *z, size_t fi, const struct verify *vf,
    struct findings *f)
{
	size_t n = ldns_rr_list_rr_count(vf->key_sigs);
	ldns_rr_list *sep = ldns_rr_list_new();
	ldns_status worst;

	/* the keys a parent's DS points at (the SEP flag, a KSK) sign it:
	 * a signature by the ZSK alone does not make resolvers trust it */
	for (size_t i = 0; i < ldns_rr_list_rr_count(vf->keys); i++) {
		ldns_rr *k = ldns_rr_list_rr(vf->keys, i);

		if (ldns_rdf2native_int16(ldns_rr_dnskey_flags(k)) &
		    LDNS_KEY_SEP_KEY)
			ldns_rr_list_push_rr(sep, k);
	}
	worst = verify_any(vf->keys, vf->key_sigs,
	    ldns_rr_list_rr_count(sep) > 0 ? sep : vf->keys, z->now);
	ldns_rr_list_free(sep);	/* the keys are vf's */
	if (worst == LDNS_STATUS_OK)
		return;
	if (n == 0)
		findings_add_at(f, SEV_ERROR, F_DNSSEC_SIGNATURE_INVALID,
		    z->files[fi].path, vf->key_line, z->files[fi].apex, "no "
		    "RRSIG covers the DNSKEY RRset: resolvers trust none of "
		    "the zone's keys, so every answer is bogus to those that "
		    "hold its DS; re-sign the zone");
	else
		findings_add_at(f, SEV_ERROR, F_DNSSEC_SIGNATURE_INVALID,
		    z->files[fi].path, vf->key_line, z->files[fi].apex,
		    "the DNSKEY RRset, which resolvers must trust before any "
		    "key of the zone: %s (%s)", sig_problem(worst),
		    ldns_get_errorstr_by_id(worst));
}

/* The RRsets of a signed file to verify: its SRV, TLSA and plan hosts,
 * and the addresses of SRV targets in its zone. */
static void
verify_prepare(struct zoneset *z, size_t fi, struct verify *vf)
{
	struct zfile *zf = &z->files[fi];

	*vf = (struct verify){ NULL, 0, 0, ldns_rr_list_new(),
	    ldns_rr_list_new(), 0 };
	for (size_t i = 0; i < z->nrecs; i++) {
		const struct zrec *r = &z->recs[i];
		struct srv_rdata srv = { 0, 0, 0, NULL };

		/* glue and occluded data are not signed */
		if (r->file == fi && !below_cut(z, fi, z->arena + r->owner))
			vset_want(vf, z->arena + r->owner, r->type, r->line);
		if (r->type != RR_SRV)
			continue;
		/* SRV targets in this file's zone, from any file */
		if (srv_parse(z->arena + r->rdata, &srv) == 0 &&
		    srv.target[0] != '\0' && in_apex(zf, srv.target) &&
		    !below_cut(z, fi, srv.target)) {
			vset_want(vf, srv.target, RR_A, r->line);
			vset_want(vf, srv.target, RR_AAAA, r->line);
		}
		free(srv.target);
	}
	vset_unique(vf);
}

/* Verify what verify_record collected, and free it. */
static void
verify_finish(struct zoneset *z, size_t fi, struct verify *vf,
    struct findings *f)
{
	verify_keys(z, fi, vf, f);
	for (size_t i = 0; i < vf->n; i++) {
		verify_set(z, fi, &vf->v[i], vf->keys, f);
		free(vf->v[i].owner);
		ldns_rr_list_deep_free(vf->v[i].rrs);
		ldns_rr_list_deep_free(vf->v[i].sigs);
	}
	free(vf->v);
	ldns_rr_list_deep_free(vf->keys);
	ldns_rr_list_deep_free(vf->key_sigs);
}

/* What the second reading of a file collects: the RRsets to verify (vf,
 * for a signed file) and the names that exist (for a wildcard). */
struct second {
	struct verify *vf;
	int names;
};

static void
second_record(struct zoneset *z, size_t fi, ldns_rr *rr, unsigned line,
    void *arg)
{
	struct second *sp = arg;

	if (sp->vf != NULL)
		verify_record(z, fi, rr, line, sp->vf);
	if (sp->names)
		names_record(z, fi, rr, line, NULL);
}

/* A file is read a second time, once, when it is signed (its signatures)
 * or any file has a wildcard (which names exist: a wildcard answers only
 * for names that do not, RFC 4592, and of most names the first pass keeps
 * nothing). */
static void
second_pass(struct zoneset *z, size_t fi, const struct zoneset_opts *o,
    struct findings *f)
{
	struct zfile *zf = &z->files[fi];
	struct second sp = { NULL, z->has_wildcard && zf->apex != NULL };
	struct verify vf;

	if (zf->unreadable || (!zf->has_dnskey && !sp.names))
		return;
	if (zf->has_dnskey) {
		verify_prepare(z, fi, &vf);
		sp.vf = &vf;
	}
	if (sp.names) {
		grow(&z->names, &z->capnames, z->nnames + 1,
		    sizeof *z->names);
		z->names[z->nnames++] = name_hash(zf->apex);
		z->last_owner = z->last_parent = 0;
	}
	read_file(z, fi, o, NULL, second_record, &sp);
	if (sp.vf != NULL)
		verify_finish(z, fi, &vf, f);
}

struct zoneset *
zoneset_read(char *const *files, size_t nfiles, const struct zoneset_opts *o,
    struct findings *f, int *unreadable)
{
	struct zoneset *z = xcalloc(1, sizeof *z);

	*unreadable = 0;
	z->now = o->now;
	z->files = xcalloc(nfiles, sizeof *z->files);
	z->nfiles = nfiles;
	z->hosts = xcalloc(o->nhosts, sizeof *z->hosts);
	for (size_t i = 0; i < o->nhosts; i++)
		z->hosts[z->nhosts++] = name_hash(o->hosts[i]);
	for (size_t i = 0; i < nfiles; i++) {
		z->files[i].path = xstrdup(files[i]);
		/* with --origin, the zone from the start: delegations and
		 * out-of-zone data are judged as they are read; a SOA in
		 * the file, wherever it is, says which zone it is */
		if (o->origin != NULL && (z->files[i].apex =
		    soa_owner(files[i], o)) == NULL)
			z->files[i].apex = dname_normalize(o->origin);
		int rc = read_file(z, i, o, f, pass1_record, f);

		if (rc < 0) {
			findings_add_at(f, SEV_ERROR, F_FILE_UNREADABLE,
			    files[i], 0, NULL, "%s", rc == -2 ? "not a regular "
			    "file (a directory, a pipe): lint reads a zone file "
			    "more than once; give a file" : "cannot read the "
			    "zone file");
			z->files[i].unreadable = 1;
			*unreadable = 1;
			continue;
		}
		if (z->files[i].records == 0) {
			findings_add_at(f, SEV_ERROR, F_FILE_UNREADABLE,
			    files[i], 0, NULL, "the file holds no record (an "
			    "empty transfer: was the AXFR refused?)");
			*unreadable = 1;
		} else if (z->files[i].apex == NULL && o->origin == NULL) {
			findings_add_at(f, SEV_ERROR, F_FILE_UNREADABLE,
			    files[i], 0, NULL, "the file has no SOA: for a "
			    "snippet, give the zone with --origin");
			*unreadable = 1;
		}
		if (z->files[i].apex == NULL && o->origin != NULL)
			z->files[i].apex = dname_normalize(o->origin);
	}
	if (z->nrecs > 1)
		qsort_r(z->recs, z->nrecs, sizeof *z->recs, zrec_cmp,
		    z->arena);
	if (z->ncuts > 1)
		qsort(z->cuts, z->ncuts, sizeof *z->cuts, cut_cmp);
	check_aliases(z, f);
	for (size_t i = 0; i < nfiles; i++)
		second_pass(z, i, o, f);
	if (z->nnames > 1) {
		size_t k = 1;

		qsort(z->names, z->nnames, sizeof *z->names, u64_cmp);
		for (size_t i = 1; i < z->nnames; i++)
			if (z->names[i] != z->names[k - 1])
				z->names[k++] = z->names[i];
		z->nnames = k;
	}
	return z;
}

void
zoneset_free(struct zoneset *z)
{
	if (z == NULL)
		return;
	for (size_t i = 0; i < z->nfiles; i++) {
		free(z->files[i].path);
		free(z->files[i].apex);
		free(z->files[i].soa);
	}
	free(z->files);
	free(z->arena);
	free(z->recs);
	free(z->ix);
	free(z->hosts);
	free(z->cuts);
	free(z->names);
	free(z->aliases);
	free(z->alias_lines);
	free(z);
}

size_t
zoneset_domains(struct zoneset *z, const char ***out)
{
	static const char xmpp[] = "_xmpp-server._tcp.";
	const char **v = NULL, *prev = NULL;
	size_t n = 0, cap = 0, dummy;

	/* In name order each domain comes once per service: a domain of
	 * _xmpps-server is new only when _xmpp-server has no records. */
	for (size_t i = 0; i < z->nrecs; i++) {
		const char *owner = z->arena + z->recs[i].owner, *d;

		if (z->recs[i].type != RR_SRV ||
		    (prev != NULL && strcmp(prev, owner) == 0))
			continue;
		prev = owner;
		d = dname_parent(dname_parent(owner));
		if (strncmp(owner, xmpp, sizeof xmpp - 1) != 0) {
			char *o = xasprintf("%s%s", xmpp, d);
			int dup = find(z, o, RR_SRV, &dummy) != NULL;

			free(o);
			if (dup)
				continue;
		}
		grow(&v, &cap, n + 1, sizeof *v);
		v[n++] = d;
	}
	*out = v;
	return n;
}

static int
zs_in_scope(void *ctx, const char *name)
{
	struct zoneset *z = ctx;

	/* a name below a delegation belongs to the child zone: in scope
	 * when its file is given too; below a DNAME, the zone answers (with
	 * an alias) */
	for (size_t i = 0; i < z->nfiles; i++) {
		const char *at;
		const struct cut *c;

		if (in_apex(&z->files[i], name) && ((c = cut_of(z, i, name,
		    &at)) == NULL || c->dname))
			return 1;
	}
	return 0;
}

/* The index entry of name in the file that serves it: within its zone
 * and not below a delegation there (the child's file, when given, not
 * the parent's glue), or NULL. */
static const struct ixent *
ix_find(const struct zoneset *z, const char *name)
{
	uint64_t h = name_hash(name);

	for (size_t i = 0; i < z->nfiles; i++) {
		const struct ixent *e;

		if (!in_apex(&z->files[i], name) || below_cut(z, i, name))
			continue;
		if ((e = ix_get(z, ix_key(h, i))) != NULL)
			return e;
	}
	return NULL;
}

/* 1 when name exists in the zone that serves it: it owns records, of any
 * type, or lies above a name that does (an empty non-terminal such as
 * im.example.com of _xmpp-server._tcp.im.example.com). Known only when a
 * file has a wildcard (the only question it answers). */
static int
name_exists(const struct zoneset *z, const char *name)
{
	uint64_t h = name_hash(name);

	return z->nnames > 0 && bsearch(&h, z->names, z->nnames,
	    sizeof *z->names, u64_cmp) != NULL;
}

/* The index entry of the wildcard that answers for owner, a name without
 * A, AAAA or CNAME records of its own (RFC 4592): *.P for the closest
 * ancestor P that exists, or NULL. A name that exists with other types
 * only (TXT, MX, an empty non-terminal) gets no wildcard's records, nor
 * does one below it; a wildcard with other types only answers, with no
 * address. */
static const struct ixent *
wildcard(const struct zoneset *z, const char *owner, char buf[1027])
{
	if (!z->has_wildcard || !zs_in_scope((void *)z, owner) ||
	    name_exists(z, owner))
		return NULL;
	for (const char *p = strchr(owner, '.'); p != NULL;
	    p = strchr(p + 1, '.')) {
		const struct ixent *e;

		if (snprintf(buf, 1027, "*%s", p) >= 1027)
			return NULL;
		if ((e = ix_find(z, buf)) != NULL)
			return e;
		if (name_exists(z, buf))
			return NULL;	/* a wildcard without addresses */
		if (name_exists(z, p + 1) || !zs_in_scope((void *)z, p + 1))
			return NULL;	/* the closest encloser, no wildcard */
	}
	return NULL;
}

/* The records r[0..n) at name, as the set at owner (owner: the name
 * asked; name: where the records are, a wildcard's for one it answers),
 * without those below a delegation in their own file (glue, occluded:
 * the child zone's, not this data); NULL when none is left. */
static struct rrset *
served_set(const struct zoneset *z, const char *name, const char *owner,
    enum rrtype type, const struct zrec *r, size_t n)
{
	struct rrset *s = NULL;

	for (size_t i = 0; i < n; i++) {
		if (below_cut(z, r[i].file, name))
			continue;
		if (s == NULL)
			s = rrset_new(owner, type, z->files[r[i].file].path,
			    r[i].line);
		rrset_add(s, r[i].ttl, z->arena + r[i].rdata);
	}
	return s;
}

static struct rrset *
zs_get(void *ctx, const char *owner, enum rrtype type)
{
	char wname[1027], *alias;
	struct zoneset *z = ctx;
	const struct zrec *r;
	struct rrset *s;
	const struct ixent *e;
	const char *at;
	size_t n;

	if ((r = find(z, owner, type, &n)) != NULL &&
	    ((s = served_set(z, owner, owner, type, r, n)) != NULL ||
	    type == RR_SRV || type == RR_TLSA))
		return s;
	if (type == RR_CNAME && (alias = dname_alias(z, owner)) != NULL) {
		s = rrset_new(owner, RR_CNAME, NULL, 0);
		rrset_add(s, 0, alias);
		free(alias);
		return s;
	}
	/* below a DNAME: an alias (above), no address of its own, nor one
	 * from a wildcard above the DNAME */
	if (type == RR_SRV || type == RR_TLSA || (type != RR_CNAME &&
	    dname_above(z, owner, &at) != NULL))
		return NULL;
	/* synthesised from a wildcard, whose values are kept */
	if ((e = ix_find(z, owner)) == NULL &&
	    (e = wildcard(z, owner, wname)) != NULL &&
	    (r = find(z, wname, type, &n)) != NULL)
		return served_set(z, wname, owner, type, r, n);
	if (e == NULL || below_cut(z, e->file, owner))
		return NULL;
	/* an owner only indexed: the set exists, its values are not kept */
	if ((type == RR_A && !(e->flags & IX_A)) ||
	    (type == RR_AAAA && !(e->flags & IX_AAAA)) ||
	    (type == RR_CNAME && !(e->flags & IX_CNAME)))
		return NULL;
	s = rrset_new(owner, type, z->files[e->file].path, e->line);
	s->n = 1;
	s->ttl = type == RR_A ? e->ttl_a : e->ttl_aaaa;
	s->ttl_mixed = (type == RR_A && (e->flags & IX_A_MIXED)) ||
	    (type == RR_AAAA && (e->flags & IX_AAAA_MIXED));
	return s;
}

/* Records at owner/type in some file, every one below a delegation or
 * a DNAME there. */
static int
zs_hidden(void *ctx, const char *owner, enum rrtype type)
{
	struct zoneset *z = ctx;
	const struct zrec *r;
	size_t n;

	if ((r = find(z, owner, type, &n)) == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!below_cut(z, r[i].file, owner))
			return 0;
	return 1;
}

void
zoneset_source(struct zoneset *z, struct rrsource *out)
{
	out->get = zs_get;
	out->in_scope = zs_in_scope;
	out->failed = NULL;
	out->insecure = NULL;
	out->hidden = zs_hidden;
	out->ctx = z;
}

size_t
zoneset_nfiles(const struct zoneset *z)
{
	return z->nfiles;
}

void
zoneset_file_facts(const struct zoneset *z, size_t i,
    struct zonefile_facts *out)
{
	const struct zfile *zf = &z->files[i];

	out->path = zf->path;
	out->apex = zf->apex;
	out->records = zf->records;
	out->xmpp_srv_records = zf->kept_srv;
	out->parse_errors = zf->parse_errors;
	out->is_signed = zf->has_dnskey;
	out->crlf = zf->crlf;
}
