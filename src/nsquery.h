/* nsquery.h — questions to one authoritative server, and to it alone:
 * recursion not desired (RD=0), no referral followed, no cache, over UDP
 * from the caller's event loop; ldns builds and reads the packets. What
 * a zone's servers each serve is compared through this (propagation). */
#ifndef XMPPCUT_NSQUERY_H
#define XMPPCUT_NSQUERY_H

#include "loop.h"
#include "resolver.h"
#include "rrset.h"

struct nsserver;

/* A server at addr (IPv4 or IPv6 literal), port 53 unless given; each
 * question times out after timeout_ms. Newly allocated; NULL with *cause
 * when no socket can be made. */
struct nsserver *nsserver_new(struct loop *l, const char *addr,
    unsigned port, unsigned timeout_ms, char **cause);

/* Cancels what is pending (no callbacks) and frees. */
void nsserver_free(struct nsserver *s);

/* Ask for name/type; fn is called from the loop with the answer (the
 * callee's, dns_answer_free): DNS_OK with the records of that type at
 * that name (no CNAME followed; nxdomain set for NXDOMAIN), DNS_FAILURE
 * when the server refuses, fails, or answers without authority (a lame
 * server), DNS_TIMEOUT when it does not answer in time. dnssec is always
 * DNSSEC_INSECURE: nothing is validated here. */
void nsserver_query(struct nsserver *s, const char *name, enum rrtype type,
    resolver_fn fn, void *arg);

#endif
