/*
 * tests/unit/test.h -- the unit test harness: one binary per module.
 * TEST(name) { ... } defines a test; CHECK(expr) records a failure and
 * goes on; main() runs every test and prints "N passed, N failed".
 */
#ifndef LB_TEST_H
#define LB_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lbtest {
	const char *name;
	void (*fn)(void);
};

static int test_failed_now;
static int test_checks;

#define MAX_TESTS 256
static struct lbtest test_list[MAX_TESTS];
static int test_count;

#define TEST(n)								\
	static void test_##n(void);					\
	__attribute__((constructor)) static void reg_##n(void)		\
	{								\
		if (test_count < MAX_TESTS)				\
			test_list[test_count++] =			\
			    (struct lbtest){ #n, test_##n };		\
	}								\
	static void test_##n(void)

#define CHECK(e) do {							\
	test_checks++;							\
	if (!(e)) {							\
		fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__,	\
		    __LINE__, #e);					\
		test_failed_now = 1;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	test_checks++;							\
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {		\
		fprintf(stderr, "  FAIL %s:%d: \"%s\" != \"%s\"\n",	\
		    __FILE__, __LINE__, a_ ? a_ : "(null)",		\
		    b_ ? b_ : "(null)");				\
		test_failed_now = 1;					\
	}								\
} while (0)

int
main(int argc, char **argv)
{
	int i, passed = 0, failed = 0;

	(void)argc;
	for (i = 0; i < test_count; i++) {
		test_failed_now = 0;
		test_list[i].fn();
		if (test_failed_now) {
			failed++;
			fprintf(stderr, "FAIL %s: %s\n", argv[0],
			    test_list[i].name);
		} else
			passed++;
	}
	printf("%s: %d passed, %d failed\n", argv[0], passed, failed);
	return failed ? 1 : 0;
}

#endif
