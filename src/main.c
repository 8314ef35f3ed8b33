/* main.c — xmppcut: move an XMPP federation gateway without breaking
 * federation. Everything but this file lives in libxmppcut.a. */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

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

int
main(int argc, char **argv)
{
	check_fds();
	signal(SIGPIPE, SIG_IGN);
	return cmd_main(argc, argv);
}
