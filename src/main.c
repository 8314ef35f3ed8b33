/* main.c — xmppcut: move an XMPP federation gateway without breaking
 * federation. Everything but this file lives in libxmppcut.a. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cert.h"
#include "cmd.h"

/* A closed stdin, stdout or stderr would make the next file we open take
 * its number, and our output would land in it. */
static void
check_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1)
			_exit(XC_EXIT_UNKNOWN);
	}
}

/* What was printed must have reached stdout: a full disk or a closed
 * pipe is exit 3, never a status that says the output is whole. */
static int
stdout_flushed(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout) )
		return 1;
	fputs("xmppcut: cannot write the output (standard output)\n", stderr);
	return 0;
}

int
main(int argc, char **argv)
{
	int status;

	check_fds();
	signal(SIGPIPE, SIG_IGN);
	status = cmd_main(argc, argv);
	cert_cleanup();
	if (!stdout_flushed())
		status = XC_EXIT_UNKNOWN;
	return status;
}
