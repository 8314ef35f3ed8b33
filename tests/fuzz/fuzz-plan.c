/* Fuzz the plan parser (inih behind our line reader). */
#include <stdlib.h>

#include "fuzz.h"
#include "plan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings f = { 0 };
	struct plan *p;
	char path[64];
	int fd;

	if (size > 64 * 1024 || (fd = fuzz_file(data, size, path)) == -1)
		return 0;
	p = plan_load(path, &f);
	plan_free(p);
	findings_free(&f);
	close(fd);
	return 0;
}
