/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deliberate bugs, one per command, built only in sanitizer builds:
 * test_sanitizers.py checks that each one is reported and fails the
 * process, so a sanitizer build that has silently stopped checking
 * (flags or options lost) fails the suite instead of passing it.
 *
 *   sanitizer-canary clean|heap-overflow|stack-overflow|leak|overflow|shift
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opaque to the optimiser: the bugs below must happen at run time. */
static volatile int zero;

static int
heap_overflow(void)
{
	char *p = malloc(16 + zero);
	/*
	 * Through a volatile pointer the size is unknown to UBSan's
	 * object-size check (gcc 14 sees through the malloc above), so the
	 * read reaches ASan, whose report this case is about.
	 */
	char *volatile q = p;
	int c;

	if (p == NULL)
		return 1;
	memset(p, 1, 16);
	c = q[16 + zero];	/* one past the end */
	free(p);
	return c;
}

static int
stack_overflow(void)
{
	char buf[16] = { 0 };
	char *volatile q = buf;	/* bounds unknown to UBSan */

	return q[16 + zero];
}

static int
leak(void)
{
	void *volatile p = malloc(64);

	p = NULL;
	return p != NULL;
}

static int
overflow(void)
{
	volatile int x = INT_MAX;

	return x + 1 + zero;	/* signed overflow */
}

static int
shift(void)
{
	volatile int n = 32 + zero;

	return 1 << n;		/* exponent too large */
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} cmd[] = {
		{ "heap-overflow", heap_overflow },
		{ "stack-overflow", stack_overflow },
		{ "leak", leak },
		{ "overflow", overflow },
		{ "shift", shift },
	};
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s clean|heap-overflow|stack-overflow|"
			"leak|overflow|shift\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "clean") == 0)
		return 0;
	for (i = 0; i < sizeof(cmd) / sizeof(cmd[0]); i++)
		if (strcmp(argv[1], cmd[i].name) == 0) {
			cmd[i].fn();
			/* Reached only if nothing stopped the process. */
			printf("%s: no report\n", argv[1]);
			return 0;
		}
	fprintf(stderr, "%s: unknown command %s\n", argv[0], argv[1]);
	return 2;
}
