/* hostile.c — misbehaving XMPP server-to-server peers for the tests.
 *
 *   hostile [--cert FILE --key FILE] [--delay MS] [--workers N]
 *           ADDR:PORT=MODE ...
 *
 * One process listens on every ADDR:PORT and forks a child per
 * connection; the child plays MODE and exits. With --workers N (one
 * listener only), N processes forked up front each accept and serve
 * connections in turn: many slow peers at once, with no fork on the way
 * (scripts/bench-probe.sh). It reads what the client
 * sends without parsing it (a test peer, not a server): enough to answer
 * at the right moment.
 *
 *   silent        accepts, never sends a byte
 *   trickle       sends a stream header one byte a second
 *   garbage       sends bytes that are not XML
 *   deep          nests elements far deeper than any stream does
 *   endless       features that never end
 *   host-unknown  answers the stream with a <host-unknown/> stream error
 *   tls-failure   offers STARTTLS, answers it with <failure/>
 *   no-starttls   offers dialback only, no STARTTLS
 *   tls-garbage   says <proceed/>, then sends garbage for TLS
 *   close-mid     says <proceed/>, reads the ClientHello, hangs up
 *   tls           a well-behaved peer: STARTTLS with --cert, then
 *                 features with dialback (--delay before answering)
 *   direct        the same over direct TLS (XEP-0368)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEADER "<?xml version='1.0'?><stream:stream xmlns='jabber:server' " \
	"xmlns:stream='http://etherx.jabber.org/streams' " \
	"xmlns:db='jabber:server:dialback' id='hostile' version='1.0'>"
#define TLS_NS "urn:ietf:params:xml:ns:xmpp-tls"
#define F_STARTTLS "<stream:features><starttls xmlns='" TLS_NS "'/>" \
	"</stream:features>"
#define F_DIALBACK "<stream:features><dialback " \
	"xmlns='urn:xmpp:features:dialback'/></stream:features>"

static const char *cert_file, *key_file;
static unsigned delay_ms;
static SSL_CTX *server_ctx;	/* made once, before any fork */
static int worker;		/* serving in turn: errors end the connection */

struct conn {
	int fd;
	SSL *ssl;
};

static void
out(struct conn *c, const char *s, size_t n)
{
	if (c->ssl != NULL)
		SSL_write(c->ssl, s, (int)n);
	else if (write(c->fd, s, n) < 0 && !worker)
		exit(0);
}

static void
say(struct conn *c, const char *s)
{
	out(c, s, strlen(s));
}

/* Read until the client has sent something containing want (or
 * anything, for ""); 0 when it hung up. */
static int
await(struct conn *c, const char *want)
{
	char buf[8192];
	size_t have = 0;

	for (;;) {
		int n = c->ssl != NULL ? SSL_read(c->ssl, buf + have,
		    (int)(sizeof buf - 1 - have)) : (int)read(c->fd, buf + have,
		    sizeof buf - 1 - have);

		if (n <= 0)
			return 0;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, want) != NULL)
			return 1;
		if (have > sizeof buf / 2) {
			memmove(buf, buf + have / 2, have - have / 2);
			have -= have / 2;
		}
	}
}

static void
drain(struct conn *c)
{
	while (await(c, "\001never\001"))
		;
}

static SSL_CTX *
make_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "hostile: cannot load %s\n", cert_file);
		exit(1);
	}
	return ctx;
}

static SSL *
tls_accept(int fd)
{
	SSL *ssl;

	if (server_ctx == NULL) {
		fprintf(stderr, "hostile: this mode needs --cert and --key\n");
		exit(1);
	}
	ssl = SSL_new(server_ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		if (!worker)
			exit(0);
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

static void
serve(int fd, const char *mode)
{
	struct conn c = { fd, NULL };
	char junk[4096];

	if (delay_ms > 0)
		usleep(delay_ms * 1000);
	if (strcmp(mode, "direct") == 0) {
		if ((c.ssl = tls_accept(fd)) == NULL)
			return;
		await(&c, "<stream:stream");
		say(&c, HEADER F_DIALBACK);
		drain(&c);
		return;
	}
	if (strcmp(mode, "silent") == 0) {
		drain(&c);
		return;
	}
	await(&c, "<stream:stream");
	if (strcmp(mode, "trickle") == 0) {
		for (const char *p = HEADER F_STARTTLS; *p; p++) {
			out(&c, p, 1);
			sleep(1);
		}
		return;
	}
	if (strcmp(mode, "garbage") == 0) {
		say(&c, "HTTP/1.1 400 Bad Request\r\nServer: not-xmpp\r\n\r\n");
		drain(&c);
		return;
	}
	if (strcmp(mode, "deep") == 0) {
		say(&c, HEADER);
		for (int i = 0; i < 10000; i++)
			say(&c, "<x>");
		drain(&c);
		return;
	}
	if (strcmp(mode, "endless") == 0) {
		say(&c, HEADER "<stream:features>");
		for (;;)
			say(&c, "<dialback xmlns='urn:xmpp:features:dialback'/>");
	}
	if (strcmp(mode, "host-unknown") == 0) {
		say(&c, HEADER "<stream:error><host-unknown xmlns='urn:ietf:"
		    "params:xml:ns:xmpp-streams'/></stream:error>"
		    "</stream:stream>");
		return;
	}
	if (strcmp(mode, "forge") == 0) {
		/* a stream error whose text tries to forge report lines: line
		 * breaks (raw and as character references) and a right-to-left
		 * override (U+202E) */
		say(&c, HEADER "<stream:error><undefined-condition xmlns='urn:"
		    "ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:"
		    "params:xml:ns:xmpp-streams'>bye\nXMPPCUT OK - forged "
		    "| forged=1&#10;&#13;info: [changed] forged.test: "
		    "\xe2\x80\xae" "fdp.exe</text></stream:error>"
		    "</stream:stream>");
		return;
	}
	if (strcmp(mode, "no-starttls") == 0) {
		say(&c, HEADER F_DIALBACK);
		drain(&c);
		return;
	}
	say(&c, HEADER F_STARTTLS);
	if (!await(&c, "<starttls"))
		return;
	if (strcmp(mode, "tls-failure") == 0) {
		say(&c, "<failure xmlns='" TLS_NS "'/></stream:stream>");
		return;
	}
	say(&c, "<proceed xmlns='" TLS_NS "'/>");
	if (strcmp(mode, "tls-garbage") == 0) {
		memset(junk, 'x', sizeof junk);
		out(&c, junk, sizeof junk);
		drain(&c);
		return;
	}
	if (strcmp(mode, "close-mid") == 0) {
		if (read(fd, junk, sizeof junk) < 0)
			return;
		return;		/* hang up in the middle of the handshake */
	}
	if ((c.ssl = tls_accept(fd)) == NULL)
		return;
	await(&c, "<stream:stream");
	say(&c, HEADER F_DIALBACK);
	drain(&c);
	SSL_free(c.ssl);
}

/* A whole decimal number from 0 to max, or exit. */
static unsigned
number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max) {
		fprintf(stderr, "hostile: %s: not a number up to %lu\n", s, max);
		exit(1);
	}
	return (unsigned)v;
}

static int
listen_on(const char *spec, char **mode)
{
	char *copy = strdup(spec), *eq = strchr(copy, '='), *colon;
	struct sockaddr_in sin;
	int fd, one = 1;

	if (eq == NULL || (colon = strrchr(copy, ':')) == NULL || colon > eq) {
		fprintf(stderr, "hostile: %s: expected ADDR:PORT=MODE\n", spec);
		exit(1);
	}
	*eq = *colon = '\0';
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)number(colon + 1, 65535));
	if (inet_pton(AF_INET, copy, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 512) == -1) {
		fprintf(stderr, "hostile: %s: %s\n", spec, strerror(errno));
		exit(1);
	}
	*mode = strdup(eq + 1);
	free(copy);
	return fd;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[64];
	char *modes[64];
	int n = 0, workers = 0;

	signal(SIGCHLD, SIG_IGN);	/* children reap themselves */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
			cert_file = argv[++i];
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key_file = argv[++i];
		else if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc)
			delay_ms = number(argv[++i], 60000);
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			workers = (int)number(argv[++i], 4096);
		else if (n < 64) {
			pfd[n].fd = listen_on(argv[i], &modes[n]);
			pfd[n++].events = POLLIN;
		}
	}
	if (cert_file != NULL)
		server_ctx = make_ctx();
	if (workers > 0 && n == 1) {
		for (int w = 0; w < workers; w++) {
			if (fork() != 0)
				continue;
			worker = 1;
			for (;;) {	/* Linux wakes one blocked accept */
				int fd = accept(pfd[0].fd, NULL, NULL);

				if (fd == -1)
					continue;
				serve(fd, modes[0]);
				close(fd);
			}
		}
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n; i++) {
			int fd;

			if (!(pfd[i].revents & POLLIN) ||
			    (fd = accept(pfd[i].fd, NULL, NULL)) == -1)
				continue;
			if (fork() == 0) {
				for (int k = 0; k < n; k++)
					close(pfd[k].fd);
				serve(fd, modes[i]);
				_exit(0);
			}
			close(fd);
		}
	}
}
