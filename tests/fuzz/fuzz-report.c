/* Fuzz what monitor and diff read back: the same bytes as a saved report
 * and as a state file, the observations taken from them compared with
 * themselves and with nothing, carried over, and written out and read
 * back again (what is written must read back the same). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "obsfile.h"
#include "observe.h"

static void
exercise(const struct observations *o)
{
	struct observations empty = { 0 }, copy = { 0 }, again = { 0 };
	struct findings f = { 0 };
	struct changes ch = { 0 };
	char *text, *why = NULL;

	observe_compare(o, o, &ch, &f);
	if (ch.n != 0)
		abort();	/* a run compared with itself moved nothing */
	observe_compare(&empty, o, &ch, &f);
	observe_compare(o, &empty, &ch, &f);
	observe_copy(&copy, o);
	observe_carry(&copy, o);
	text = obsfile_state_text(&copy);
	if (text != NULL) {
		if (obsfile_parse(text, strlen(text), OBSFILE_STATE, &again,
		    &why) == -1)
			abort();	/* what we write, we read */
		observations_free(&again);
		free(text);
	}
	free(why);
	changes_free(&ch);
	findings_free(&f);
	observations_free(&copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct observations o;
	char *why = NULL;

	if (size > 256 * 1024)
		return 0;
	for (int k = OBSFILE_REPORT; k <= OBSFILE_ANY; k++) {
		if (obsfile_parse((const char *)data, size,
		    (enum obsfile_kind)k, &o, &why) == 0) {
			exercise(&o);
			observations_free(&o);
		}
		free(why);
		why = NULL;
	}
	return 0;
}
