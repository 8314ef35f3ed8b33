/* rrset.h — DNS record sets as the XMPP checks see them, whatever their
 * source (a zone file, the live DNS): owner, type, TTL, values in
 * presentation form. No DNS library here. */
#ifndef XMPPCUT_RRSET_H
#define XMPPCUT_RRSET_H

#include <stddef.h>
#include <stdint.h>

enum rrtype { RR_SRV, RR_A, RR_AAAA, RR_TLSA, RR_CNAME, RR_NS, RR_SOA };

const char *rrtype_name(enum rrtype t);

struct srv_rdata {
	unsigned priority, weight, port;
	char *target;		/* normalised; "" for the root ("."): no
				 * service */
};

struct rrset {
	char *owner;		/* normalised, no trailing dot */
	enum rrtype type;
	uint32_t ttl;		/* the first record's */
	int ttl_mixed;		/* its records have different TTLs */
	uint32_t ttl_max;	/* the largest of its records' TTLs */
	size_t n;		/* records */
	char **rdata;		/* n values, normalised presentation form; NULL
				 * when the source knows only that the set
				 * exists (lint keeps no values of hosts the
				 * plan does not name) */
	struct srv_rdata *srv;	/* n parsed values when type is SRV */
	char *target;		/* CNAME: the canonical name, normalised */
	unsigned long serial;	/* SOA: the serial */
	const char *file;	/* where its first record is, or NULL; the
				 * source's string, not the set's */
	unsigned line;
};

/* A new empty set; free with rrset_free(). file is borrowed: it must
 * outlive the set. */
struct rrset *rrset_new(const char *owner, enum rrtype type,
    const char *file, unsigned line);
/* Add one record (rdata in presentation form; SRV "PRIO WEIGHT PORT
 * TARGET", addresses, TLSA "U S M HEX", CNAME and NS "TARGET", SOA as in a
 * master file). A value already
 * in the set is not added twice. 0, or -1 when rdata does not parse. */
int rrset_add(struct rrset *s, uint32_t ttl, const char *rdata);
/* An SRV value ("PRIO WEIGHT PORT TARGET") taken apart; out->target is
 * normalised and newly allocated ("" for the root). 0, or -1. */
int srv_parse(const char *rdata, struct srv_rdata *out);

/* A TLSA value ("U S M HEX", as rrset_add keeps it) taken apart: usage,
 * selector, matching type and up to cap bytes of data. Returns the number
 * of data bytes, or -1 when it is not a TLSA value. */
long tlsa_parse(const char *rdata, unsigned *usage, unsigned *selector,
    unsigned *mtype, unsigned char *data, size_t cap);

/* A copy, newly allocated (file stays borrowed). */
struct rrset *rrset_clone(const struct rrset *s);
void rrset_free(struct rrset *s);

/* Where the checks get their records. */
struct rrsource {
	/* The set at owner/type (normalised), newly allocated, or NULL. */
	struct rrset *(*get)(void *ctx, const char *owner, enum rrtype type);
	/* 1 when the name belongs to the data at hand (lint: a zone given);
	 * names outside it cannot be checked offline. */
	int (*in_scope)(void *ctx, const char *name);
	/* 1 when the source could not learn the set (a failed lookup):
	 * checks that need it say nothing. NULL: never. */
	int (*failed)(void *ctx, const char *owner, enum rrtype type);
	void *ctx;
	/* 1 when the set is known to be unsigned (live answers: DNSSEC
	 * insecure, not bogus). NULL: not known (zone files). */
	int (*insecure)(void *ctx, const char *owner, enum rrtype type);
	/* 1 when the source holds records at owner/type that are not served
	 * (zone files: below a delegation or a DNAME). NULL: never. */
	int (*hidden)(void *ctx, const char *owner, enum rrtype type);
};

#endif
