/* xmpp.h — the XMPP server-to-server stream as a probe sees it, parsed
 * with expat: the stream header, the features, STARTTLS answers, stream
 * errors. Bounded: bytes per stream, element depth, attributes. The only
 * module that includes expat. */
#ifndef XMPPCUT_XMPP_H
#define XMPPCUT_XMPP_H

#include <stddef.h>

#define XMPP_MAX_STREAM_BYTES (64 * 1024)	/* up to the features */
#define XMPP_MAX_DEPTH 16
#define XMPP_MAX_ATTRS 32
#define XMPP_MAX_MECHANISMS 16

/* What the stream has reached; each later state implies the earlier. */
enum xmpp_state {
	XMPP_WAITING,		/* nothing complete yet */
	XMPP_OPENED,		/* the stream header arrived */
	XMPP_FEATURES,		/* <stream:features/> is complete */
	XMPP_PROCEED,		/* <proceed/> to STARTTLS */
	XMPP_FAILURE,		/* <failure/> to STARTTLS */
	XMPP_STREAM_ERROR,	/* <stream:error/>: condition in xmpp_why() */
	XMPP_CLOSED,		/* </stream:stream> */
	XMPP_INVALID,		/* not an XMPP stream: reason in xmpp_why() */
};

struct xmpp_features {
	int starttls;
	int starttls_required;
	int dialback;			/* urn:xmpp:features:dialback */
	char *mechanisms[XMPP_MAX_MECHANISMS];	/* SASL, as offered */
	size_t nmechanisms;
};

struct xmpp;

/* A parser for one stream. Newly allocated; free with xmpp_free(). NULL
 * when expat has no memory for a parser. */
struct xmpp *xmpp_new(void);
void xmpp_free(struct xmpp *x);

/* Start over for a new stream (after TLS). 0, or -1 when expat has no
 * memory for a parser (then only xmpp_free() may follow). */
int xmpp_restart(struct xmpp *x);

/* Feed bytes from the peer; returns the state reached. Once XMPP_INVALID,
 * XMPP_STREAM_ERROR, XMPP_CLOSED, XMPP_PROCEED or XMPP_FAILURE, further
 * bytes are ignored (xmpp_restart() starts the next stream). */
enum xmpp_state xmpp_feed(struct xmpp *x, const char *data, size_t len);

enum xmpp_state xmpp_state(const struct xmpp *x);
/* Why the stream is invalid, or the stream error's condition. */
const char *xmpp_why(const struct xmpp *x);
/* The stream error's <text/>, or NULL. */
const char *xmpp_error_text(const struct xmpp *x);
const struct xmpp_features *xmpp_features(const struct xmpp *x);
/* The stream header's attributes (NULL when absent). */
const char *xmpp_stream_from(const struct xmpp *x);
const char *xmpp_stream_version(const struct xmpp *x);

/* Our stream header for a server-to-server stream; newly allocated. */
char *xmpp_stream_open(const char *to, const char *from);

#endif
