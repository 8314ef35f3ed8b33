/* Fuzz what monitor and diff read back: a report or a state file (JSON),
 * the observations taken from it, and a comparison with itself and with
 * nothing. */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "observe.h"
#include "state.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings f = { 0 };
	enum state_read how;
	struct state *st;
	const char *why;
	static char dir[64];
	char path[96], *cause = NULL;
	json_t *doc, *obs, *empty, *ch;
	int fd, busy;

	if (size > 256 * 1024)
		return 0;
	if ((doc = json_loadb((const char *)data, size, 0, NULL)) != NULL) {
		if ((obs = observe_report(doc, &why)) != NULL) {
			empty = json_object();
			json_decref(observe_compare(obs, obs, &f));
			json_decref(observe_compare(empty, obs, &f));
			ch = observe_compare(obs, empty, &f);
			json_decref(ch);
			json_decref(empty);
			json_decref(obs);
		}
		json_decref(doc);
	}
	/* the same bytes as a state file, in a folder of our own (its lock
	 * goes beside it) */
	if (dir[0] == '\0') {
		snprintf(dir, sizeof dir, "/tmp/fuzz-state.XXXXXX");
		if (mkdtemp(dir) == NULL) {
			dir[0] = '\0';
			return 0;
		}
	}
	snprintf(path, sizeof path, "%s/state.json", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1) {
		ssize_t w = write(fd, data, size);

		close(fd);
		if (w == (ssize_t)size &&
		    (st = state_open(path, &busy, &cause)) != NULL) {
			json_decref(state_read(st, &how, &cause));
			state_close(st);
		}
		free(cause);
	}
	findings_free(&f);
	return 0;
}
