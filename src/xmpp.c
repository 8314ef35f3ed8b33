/* xmpp.c — the XMPP server-to-server stream, parsed with expat. */
#include "xmpp.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* expat joins namespace and local name with this byte. */
#define NS_SEP '\001'
#define NS_STREAMS "http://etherx.jabber.org/streams"
#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_STREAM_ERRORS "urn:ietf:params:xml:ns:xmpp-streams"
#define NS_DIALBACK_FEATURE "urn:xmpp:features:dialback"

struct xmpp {
	XML_Parser p;
	enum xmpp_state state;
	char *why;
	size_t bytes;
	int depth;
	/* what depth 2 element we are in, and its first child */
	enum { IN_NONE, IN_FEATURES, IN_ERROR, IN_PROCEED, IN_FAILURE,
	    IN_OTHER } in;
	int in_starttls, in_mechanism, in_error_text;
	struct buf text;	/* of a <mechanism/> or the error's <text/> */
	char *error_text;
	struct xmpp_features features;
	char *from, *version;
};

static void invalid(struct xmpp *, const char *, ...) PRINTFLIKE(2, 3);

static void
invalid(struct xmpp *x, const char *fmt, ...)
{
	va_list ap;

	if (x->state == XMPP_INVALID)
		return;
	x->state = XMPP_INVALID;
	free(x->why);
	va_start(ap, fmt);
	x->why = xvasprintf(fmt, ap);
	va_end(ap);
	if (x->p != NULL)
		XML_StopParser(x->p, XML_FALSE);
}

/* Split "ns\001local" into pointers; ns is "" without a namespace. */
static void
split(const char *name, char *ns, size_t nslen, const char **local)
{
	const char *sep = strchr(name, NS_SEP);

	if (sep == NULL) {
		ns[0] = '\0';
		*local = name;
		return;
	}
	snprintf(ns, nslen, "%.*s", (int)(sep - name), name);
	*local = sep + 1;
}

static int
is(const char *ns, const char *local, const char *wns, const char *wlocal)
{
	return strcmp(ns, wns) == 0 && strcmp(local, wlocal) == 0;
}

static const char *
attr(const char **atts, const char *name)
{
	for (size_t i = 0; atts[i] != NULL; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static void XMLCALL
on_start(void *data, const char *name, const char **atts)
{
	struct xmpp *x = data;
	char ns[256];
	const char *local, *v;
	size_t n = 0;

	if (x->state == XMPP_INVALID)
		return;		/* expat may deliver the rest of a token */
	while (atts[n] != NULL)
		n++;
	if (n / 2 > XMPP_MAX_ATTRS) {
		invalid(x, "an element with more than %d attributes", XMPP_MAX_ATTRS);
		return;
	}
	if (++x->depth > XMPP_MAX_DEPTH) {
		invalid(x, "elements nested deeper than %d", XMPP_MAX_DEPTH);
		return;
	}
	split(name, ns, sizeof ns, &local);
	if (x->depth == 1) {
		if (!is(ns, local, NS_STREAMS, "stream")) {
			invalid(x, "the first element is <%s>, not "
			    "<stream:stream>", local);
			return;
		}
		if ((v = attr(atts, "from")) != NULL)
			x->from = xstrndup(v, 1024);
		if ((v = attr(atts, "version")) != NULL)
			x->version = xstrndup(v, 16);
		x->state = XMPP_OPENED;
		return;
	}
	if (x->depth == 2) {
		x->in = is(ns, local, NS_STREAMS, "features") ? IN_FEATURES :
		    is(ns, local, NS_STREAMS, "error") ? IN_ERROR :
		    is(ns, local, NS_TLS, "proceed") ? IN_PROCEED :
		    is(ns, local, NS_TLS, "failure") ? IN_FAILURE : IN_OTHER;
		return;
	}
	if (x->in == IN_ERROR && x->depth == 3 &&
	    strcmp(ns, NS_STREAM_ERRORS) == 0) {
		if (strcmp(local, "text") == 0) {
			x->in_error_text = 1;
			buf_free(&x->text);
		} else if (x->why == NULL)
			x->why = xstrndup(local, 64);
		return;
	}
	if (x->in != IN_FEATURES)
		return;
	if (x->depth == 3 && is(ns, local, NS_TLS, "starttls")) {
		x->features.starttls = 1;
		x->in_starttls = 1;
	} else if (x->depth == 3 && is(ns, local, NS_DIALBACK_FEATURE,
	    "dialback"))
		x->features.dialback = 1;
	else if (x->depth == 4 && x->in_starttls &&
	    is(ns, local, NS_TLS, "required"))
		x->features.starttls_required = 1;
	else if (x->depth == 4 && is(ns, local, NS_SASL, "mechanism")) {
		x->in_mechanism = 1;
		buf_free(&x->text);
	}
}

static void XMLCALL
on_end(void *data, const char *name)
{
	struct xmpp *x = data;
	struct xmpp_features *f = &x->features;

	(void)name;
	if (x->state == XMPP_INVALID)
		return;
	if (x->in_mechanism && x->depth == 4) {
		if (f->nmechanisms < XMPP_MAX_MECHANISMS)
			f->mechanisms[f->nmechanisms++] = buf_take(&x->text);
		buf_free(&x->text);
		x->in_mechanism = 0;
	}
	if (x->in_error_text && x->depth == 3) {
		free(x->error_text);
		x->error_text = buf_take(&x->text);
		x->in_error_text = 0;
	}
	if (x->depth == 3)
		x->in_starttls = 0;
	if (x->depth == 2) {
		switch (x->in) {
		case IN_FEATURES:
			x->state = XMPP_FEATURES;
			break;
		case IN_ERROR:
			x->state = XMPP_STREAM_ERROR;
			if (x->why == NULL)
				x->why = xstrdup("undefined-condition");
			XML_StopParser(x->p, XML_FALSE);
			break;
		case IN_PROCEED:	/* TLS comes next, not XML */
			x->state = XMPP_PROCEED;
			XML_StopParser(x->p, XML_FALSE);
			break;
		case IN_FAILURE:	/* the stream ends with it */
			x->state = XMPP_FAILURE;
			XML_StopParser(x->p, XML_FALSE);
			break;
		default:
			break;
		}
		x->in = IN_NONE;
	}
	if (--x->depth == 0) {
		x->state = XMPP_CLOSED;
		XML_StopParser(x->p, XML_FALSE);
	}
}

static void XMLCALL
on_text(void *data, const char *s, int len)
{
	struct xmpp *x = data;

	if (x->state == XMPP_INVALID)
		return;
	if ((x->in_mechanism || x->in_error_text) &&
	    x->text.len + (size_t)len < 256) {
		char *t = xstrndup(s, (size_t)len);

		buf_add(&x->text, t);
		free(t);
	}
}

/* XMPP forbids DTDs, entities, comments and processing instructions
 * (RFC 6120 §11.1); a DTD is also how entity bombs arrive. */
static void XMLCALL
on_doctype(void *data, const char *name, const char *sysid,
    const char *pubid, int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	invalid(data, "a %s (XMPP forbids it)", "DTD");
}

static void XMLCALL
on_comment(void *data, const char *s)
{
	(void)s;
	invalid(data, "an %s (XMPP forbids it)", "XML comment");
}

static void XMLCALL
on_pi(void *data, const char *target, const char *s)
{
	(void)target;
	(void)s;
	invalid(data, "a %s (XMPP forbids it)", "processing instruction");
}

/* 0, or -1 when expat has no memory for a parser. */
static int
start(struct xmpp *x)
{
	x->p = XML_ParserCreateNS("UTF-8", NS_SEP);
	if (x->p == NULL)
		return -1;
	/* A peer sends a few bytes and waits for us: expat must not hold
	 * small chunks back until more arrive (its defence against quadratic
	 * reparsing; our input is bounded by XMPP_MAX_STREAM_BYTES). Older
	 * expat never defers. */
#if HAVE_DECL_XML_SETREPARSEDEFERRALENABLED
	XML_SetReparseDeferralEnabled(x->p, XML_FALSE);
#endif
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetCommentHandler(x->p, on_comment);
	XML_SetProcessingInstructionHandler(x->p, on_pi);
	return 0;
}

static void
clear(struct xmpp *x)
{
	if (x->p != NULL)
		XML_ParserFree(x->p);
	x->p = NULL;
	for (size_t i = 0; i < x->features.nmechanisms; i++)
		free(x->features.mechanisms[i]);
	memset(&x->features, 0, sizeof x->features);
	buf_free(&x->text);
	free(x->why);
	free(x->from);
	free(x->version);
	free(x->error_text);
	x->why = x->from = x->version = x->error_text = NULL;
	x->state = XMPP_WAITING;
	x->bytes = 0;
	x->depth = 0;
	x->in = IN_NONE;
	x->in_starttls = x->in_mechanism = x->in_error_text = 0;
}

struct xmpp *
xmpp_new(void)
{
	struct xmpp *x = xcalloc(1, sizeof *x);

	if (start(x) == -1) {
		free(x);
		return NULL;
	}
	return x;
}

void
xmpp_free(struct xmpp *x)
{
	if (x == NULL)
		return;
	clear(x);
	free(x);
}

int
xmpp_restart(struct xmpp *x)
{
	clear(x);
	return start(x);
}

enum xmpp_state
xmpp_feed(struct xmpp *x, const char *data, size_t len)
{
	if (x->p == NULL) {	/* a failed restart: nothing to parse with */
		invalid(x, "no parser");
		return x->state;
	}
	if (x->state == XMPP_INVALID || x->state == XMPP_STREAM_ERROR ||
	    x->state == XMPP_CLOSED || x->state == XMPP_PROCEED ||
	    x->state == XMPP_FAILURE)
		return x->state;
	if (x->bytes + len > XMPP_MAX_STREAM_BYTES) {
		invalid(x, "more than %d bytes before the stream's features",
		    XMPP_MAX_STREAM_BYTES);
		return x->state;
	}
	x->bytes += len;
	if (XML_Parse(x->p, data, (int)len, XML_FALSE) == XML_STATUS_ERROR &&
	    x->state != XMPP_INVALID && x->state != XMPP_STREAM_ERROR &&
	    x->state != XMPP_CLOSED && x->state != XMPP_PROCEED &&
	    x->state != XMPP_FAILURE)
		invalid(x, "not XML: %s",
		    XML_ErrorString(XML_GetErrorCode(x->p)));
	return x->state;
}

enum xmpp_state
xmpp_state(const struct xmpp *x)
{
	return x->state;
}

const char *
xmpp_why(const struct xmpp *x)
{
	return x->why ? x->why : "";
}

const char *
xmpp_error_text(const struct xmpp *x)
{
	return x->error_text;
}

const struct xmpp_features *
xmpp_features(const struct xmpp *x)
{
	return &x->features;
}

const char *
xmpp_stream_from(const struct xmpp *x)
{
	return x->from;
}

const char *
xmpp_stream_version(const struct xmpp *x)
{
	return x->version;
}

char *
xmpp_stream_open(const char *to, const char *from)
{
	/* names are checked domain names: nothing to escape */
	if (from != NULL)
		return xasprintf("<?xml version='1.0'?><stream:stream "
		    "xmlns='jabber:server' xmlns:stream='" NS_STREAMS "' "
		    "xmlns:db='jabber:server:dialback' to='%s' from='%s' "
		    "version='1.0'>", to, from);
	return xasprintf("<?xml version='1.0'?><stream:stream "
	    "xmlns='jabber:server' xmlns:stream='" NS_STREAMS "' "
	    "xmlns:db='jabber:server:dialback' to='%s' version='1.0'>", to);
}
