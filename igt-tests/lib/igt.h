/* SPDX-License-Identifier: MIT */
/*
 * A small harness compatible with the parts of IGT's igt_core.h that our
 * tests use, so that a test written against it drops into IGT with few
 * changes. IGT is not packaged for Debian 12.
 *
 * Structure:
 *
 *	igt_main {
 *		igt_fixture { ... open devices, igt_require(...) ... }
 *		igt_describe("what it proves");
 *		igt_subtest("name") { ... igt_assert(...) ... }
 *	}
 *
 * Result lines are IGT's: "Starting subtest: NAME" and
 * "Subtest NAME: SUCCESS|FAIL|SKIP (T.TTTs)". Exit codes are IGT's:
 * 0 success, 77 every subtest skipped, 98 a failure.
 * Options: --list-subtests, --describe[=PATTERN], --run-subtest PATTERN
 * (fnmatch, comma-separated).
 */
#ifndef IGT_LIB_H
#define IGT_LIB_H

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define IGT_EXIT_SUCCESS 0
#define IGT_EXIT_SKIP 77
#define IGT_EXIT_FAILURE 98

extern sigjmp_buf igt_jmpbuf;

void igt_subtest_init(int argc, char **argv);
bool __igt_run_subtest(const char *name);
bool __igt_enter_fixture(void);
void __igt_leave_block(void);
void igt_describe(const char *description);
__attribute__((noreturn)) void igt_exit(void);

__attribute__((noreturn, format(printf, 5, 6)))
void __igt_fail_assert(const char *file, int line, const char *func,
		       const char *cond, const char *fmt, ...);
__attribute__((noreturn, format(printf, 4, 5)))
void __igt_skip(const char *file, int line, const char *func,
		const char *fmt, ...);

__attribute__((format(printf, 1, 2))) void igt_info(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void igt_debug(const char *fmt, ...);

#define igt_main                                                   \
	static void __igt_main_body(void);                         \
	int main(int argc, char **argv)                            \
	{                                                          \
		igt_subtest_init(argc, argv);                      \
		__igt_main_body();                                 \
		igt_exit();                                        \
	}                                                          \
	static void __igt_main_body(void)

/* The body runs once; a failed assert or a skip jumps out of it. */
#define igt_subtest(name)                                            \
	for (int __igt_once = __igt_run_subtest(name);               \
	     __igt_once && sigsetjmp(igt_jmpbuf, 1) == 0;            \
	     __igt_once = 0, __igt_leave_block())

#define igt_subtest_f(...)                                           \
	for (char __igt_name[256], *__igt_p =                        \
		(snprintf(__igt_name, sizeof(__igt_name), __VA_ARGS__), \
		 __igt_name);                                        \
	     __igt_p; __igt_p = NULL)                                \
		igt_subtest(__igt_name)

#define igt_fixture                                                  \
	for (int __igt_once = __igt_enter_fixture();                 \
	     __igt_once && sigsetjmp(igt_jmpbuf, 1) == 0;            \
	     __igt_once = 0, __igt_leave_block())

#define igt_assert_f(cond, ...)                                      \
	do {                                                         \
		if (!(cond))                                         \
			__igt_fail_assert(__FILE__, __LINE__, __func__, \
					  #cond, __VA_ARGS__);       \
	} while (0)

#define igt_assert(cond) igt_assert_f(cond, "%s", "")

#define igt_assert_cmpint(a, op, b)                                       \
	do {                                                              \
		long long __a = (a), __b = (b);                           \
		if (!(__a op __b))                                        \
			__igt_fail_assert(__FILE__, __LINE__, __func__,   \
					  #a " " #op " " #b,              \
					  "error: %lld " #op " %lld", __a, __b); \
	} while (0)

#define igt_assert_eq(a, b) igt_assert_cmpint(a, ==, b)
#define igt_assert_neq(a, b) igt_assert_cmpint(a, !=, b)
#define igt_assert_lt(a, b) igt_assert_cmpint(a, <, b)
#define igt_assert_lte(a, b) igt_assert_cmpint(a, <=, b)

/* Assert that a call returning -1/errno failed with exactly @err. */
#define igt_assert_errno(call, err)                                       \
	do {                                                              \
		errno = 0;                                                \
		long __r = (call);                                        \
		igt_assert_f(__r == -1 && errno == (err),                 \
			     "%s returned %ld, errno %d (%s); expected errno %d (%s)", \
			     #call, __r, errno, strerror(errno), (err),  \
			     strerror(err));                              \
	} while (0)

#define igt_skip(...) __igt_skip(__FILE__, __LINE__, __func__, __VA_ARGS__)

#define igt_require_f(cond, ...)                                     \
	do {                                                         \
		if (!(cond))                                         \
			igt_skip(__VA_ARGS__);                       \
	} while (0)

#define igt_require(cond) igt_require_f(cond, "Test requirement: %s\n", #cond)

#define do_ioctl(fd, req, arg)                                            \
	igt_assert_f(igt_ioctl(fd, req, arg) == 0, "ioctl %s failed: %s", \
		     #req, strerror(errno))

int igt_ioctl(int fd, unsigned long request, void *arg);

#endif /* IGT_LIB_H */
