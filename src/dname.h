/* dname.h — domain names as the plan and the records use them: lowercase,
 * presentation format, without the trailing dot unless said. */
#ifndef XMPPCUT_DNAME_H
#define XMPPCUT_DNAME_H

/* Check a host or domain name (letters, digits, hyphens; labels of 1-63,
 * at most 253 characters; one trailing dot allowed). 0 when valid; else -1
 * and *why points to a static reason. */
int dname_check(const char *name, const char **why);

/* Lowercase copy without the trailing dot; newly allocated. */
char *dname_normalize(const char *name);

/* 1 when name is zone or below it (both normalised). */
int dname_is_under(const char *name, const char *zone);

/* The name without its first label ("" for a single label). */
const char *dname_parent(const char *name);

#endif
