/* nsupdate.h — RFC 2136 update scripts for nsupdate(1), one message per
 * zone, each guarded by prerequisites on what the previous stage left. */
#ifndef XMPPCUT_NSUPDATE_H
#define XMPPCUT_NSUPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "stage.h"

struct zonemap;

struct nsupdate_opts {
	const char *server;	/* "ADDR[@PORT]", or NULL for the SOA's */
	const char *tsig_file;	/* key file, or NULL: named in a comment
				 * (nsupdate -k FILE), never copied in */
	const struct zonemap *zones;	/* the zone of every name */
};

/* One RFC 2136 operation, in the order of nsupdate(1)'s statements. */
enum upd_kind {
	UPD_PREREQ_EXACT,	/* the RRset holds exactly these values (one
				 * op per value; TTLs are not compared) */
	UPD_PREREQ_ABSENT,	/* no RRset of this type at the owner */
	UPD_DELETE,		/* delete the RRset */
	UPD_ADD,		/* add one record */
};

struct upd_op {
	enum upd_kind kind;
	char *owner;		/* no trailing dot */
	enum rrtype type;
	uint32_t ttl;		/* UPD_ADD; UPD_PREREQ_EXACT: the TTL the
				 * previous stage gave the record (not sent:
				 * RFC 2136 compares no TTL) */
	char *rdata;		/* UPD_PREREQ_EXACT, UPD_ADD */
	int after;		/* a prerequisite of an SRV part that the same
				 * zone's hosts part makes true (the stage's
				 * values at its hosts): the script's SRV
				 * message is refused when the hosts message
				 * was; apply judges the zone before either */
};

/* What of a zone a message sets. When two or more zones each hold a plan
 * domain and a gateway host whose addresses (kept by the plan) or TLSA
 * records the previous stage did not publish (the new ones at cutover,
 * the old ones at rollback), each gets two messages: its
 * hosts, sent with every other zone's hosts, then its SRV records, sent
 * after them -- so that no SRV names a host before the host resolves,
 * whichever zone it lives in. Otherwise a zone gets one message. */
enum upd_part {
	UPD_ALL,		/* everything of the stage in the zone */
	UPD_HOSTS,		/* its gateway hosts' A, AAAA and TLSA */
	UPD_SRV,		/* its domains' SRV records */
};
const char *upd_part_name(enum upd_part p);	/* "all", "hosts", "srv" */

/* The message for one zone (or part of it): prerequisites first (nprereq
 * of them). */
struct upd_msg {
	char *zone;
	enum upd_part part;
	struct upd_op *v;
	size_t n, nprereq;
};

struct upd_set {
	struct upd_msg *v;	/* in sending order */
	size_t n;
};

/* The messages of stage s, one per zone (two for a zone split as
 * upd_part says), in sending order: the zones that hold only the stage's
 * gateway hosts, then the hosts of the zones that also hold domains, then
 * the domains' SRV records -- new targets resolve before any SRV names
 * them. 0, or -1 with *cause. The script and `apply` send the same. */
int nsupdate_messages(const struct plan *p, enum stage s,
    const struct zonemap *zones, struct upd_set *out, char **cause);
/* 1 when m has prerequisites on values (or absence) of the plan's
 * RRsets, beyond "no name it sets is an alias". */
int upd_msg_guards_values(const struct upd_msg *m);
/* in, one message per zone: a split zone's parts joined (prerequisites
 * of both, then updates of both), in the order of each zone's first
 * message. What a zone's servers must serve when the stage is in place,
 * for watching them. */
void upd_set_by_zone(const struct upd_set *in, struct upd_set *out);
void upd_msg_free(struct upd_msg *m);
void upd_set_free(struct upd_set *u);

/* A message's operations as nsupdate(1) statements (no "zone" line, no
 * "send"). */
struct buf;
void nsupdate_render(struct buf *b, const struct upd_msg *m);

/* The script for stage s. Newly allocated; NULL with *cause set (free it)
 * when a cert cannot be read, a name's zone is not known or the server is
 * malformed. */
char *nsupdate_script(const struct plan *p, enum stage s,
    const struct nsupdate_opts *o, char **cause);

/* Read a TSIG key file: BIND's format (key "name" { algorithm ALG;
 * secret "B64"; };, as written by tsig-keygen) or one line ALG:NAME:SECRET.
 * Returns "ALG:NAME SECRET" for nsupdate's key statement, newly allocated;
 * NULL with *cause set on failure. */
char *nsupdate_tsig_key(const char *path, char **cause);

#endif
