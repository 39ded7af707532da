// SPDX-License-Identifier: MIT
/*
 * The IGT-compatible harness: subtest selection and listing, fixtures,
 * skip/fail bookkeeping, IGT's result lines and exit codes.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"

sigjmp_buf igt_jmpbuf;

enum block { BLOCK_NONE, BLOCK_FIXTURE, BLOCK_SUBTEST };

static struct {
	const char *prog;
	const char *run_pattern;	/* --run-subtest */
	const char *describe_pattern;	/* --describe */
	bool list_only;
	bool describe_only;
	const char *description;	/* for the next subtest */
	enum block block;
	const char *subtest;
	struct timespec started;
	/* A fixture failed or skipped: later subtests inherit that. */
	bool fixture_failed;
	bool fixture_skipped;
	char fixture_reason[512];
	int succeeded, failed, skipped;
} igt;

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - igt.started.tv_sec) +
	       (now.tv_nsec - igt.started.tv_nsec) / 1e9;
}

/*
 * Mark the kernel log as IGT's core does ("[IGT] test: starting subtest
 * NAME"), so that a runner can cut dmesg per subtest; needs root.
 */
__attribute__((format(printf, 1, 2))) static void kmsg(const char *fmt, ...)
{
	char line[512];
	int fd, n;
	va_list ap;

	if (igt.list_only || igt.describe_only)
		return;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "<6>[IGT] %s: ", igt.prog);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* Best effort: a test does not fail on its log. */
	if (write(fd, line, strlen(line)) < 0)
		igt_debug("/dev/kmsg: %s\n", strerror(errno));
	close(fd);
}

static bool matches(const char *patterns, const char *name)
{
	char buf[1024], *tok, *save;

	if (!patterns)
		return true;
	snprintf(buf, sizeof(buf), "%s", patterns);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (fnmatch(tok, name, 0) == 0)
			return true;
	return false;
}

void igt_subtest_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list-subtests", no_argument, NULL, 'l' },
		{ "describe", optional_argument, NULL, 'd' },
		{ "run-subtest", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	igt.prog = basename(argv[0]);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			igt.list_only = true;
			break;
		case 'd':
			igt.describe_only = true;
			igt.describe_pattern = optarg;
			break;
		case 'r':
			igt.run_pattern = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: %s [--list-subtests] [--describe[=PATTERN]] [--run-subtest PATTERN[,PATTERN...]]\n",
				argv[0]);
			exit(c == 'h' ? 0 : IGT_EXIT_FAILURE);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	kmsg("executing\n");
}

void igt_describe(const char *description)
{
	igt.description = description;
}

bool __igt_enter_fixture(void)
{
	/* Listing runs no code: fixtures open devices. */
	if (igt.list_only || igt.describe_only || igt.fixture_failed ||
	    igt.fixture_skipped)
		return false;
	igt.block = BLOCK_FIXTURE;
	return true;
}

static void finish_subtest(const char *result)
{
	printf("Subtest %s: %s (%.3fs)\n", igt.subtest, result, elapsed());
	fflush(stdout);
	igt.block = BLOCK_NONE;
	igt.subtest = NULL;
}

bool __igt_run_subtest(const char *name)
{
	const char *description = igt.description;

	igt.description = NULL;
	if (igt.list_only) {
		printf("%s\n", name);
		return false;
	}
	if (igt.describe_only) {
		if (matches(igt.describe_pattern, name))
			printf("SUB %s:\n  %s\n\n", name,
			       description ?: "NO DOCUMENTATION!");
		return false;
	}
	if (!matches(igt.run_pattern, name))
		return false;

	igt.subtest = name;
	igt.block = BLOCK_SUBTEST;
	clock_gettime(CLOCK_MONOTONIC, &igt.started);
	printf("Starting subtest: %s\n", name);
	fflush(stdout);
	kmsg("starting subtest %s\n", name);

	if (igt.fixture_failed) {
		printf("Fixture failed earlier: %s\n", igt.fixture_reason);
		igt.failed++;
		finish_subtest("FAIL");
		return false;
	}
	if (igt.fixture_skipped) {
		printf("Fixture skipped earlier: %s\n", igt.fixture_reason);
		igt.skipped++;
		finish_subtest("SKIP");
		return false;
	}
	return true;
}

/* The body of a fixture or subtest ran to its end. */
void __igt_leave_block(void)
{
	if (igt.block == BLOCK_SUBTEST) {
		igt.succeeded++;
		finish_subtest("SUCCESS");
	}
	igt.block = BLOCK_NONE;
}

static __attribute__((noreturn)) void leave_block(bool failed,
						  const char *reason)
{
	switch (igt.block) {
	case BLOCK_SUBTEST:
		if (failed)
			igt.failed++;
		else
			igt.skipped++;
		finish_subtest(failed ? "FAIL" : "SKIP");
		break;
	case BLOCK_FIXTURE:
		if (failed)
			igt.fixture_failed = true;
		else
			igt.fixture_skipped = true;
		snprintf(igt.fixture_reason, sizeof(igt.fixture_reason), "%s",
			 reason);
		break;
	case BLOCK_NONE:
		/* Outside any block: the whole test ends here. */
		fprintf(stderr, "%s outside a subtest: %s\n",
			failed ? "failure" : "skip", reason);
		exit(failed ? IGT_EXIT_FAILURE : IGT_EXIT_SKIP);
	}
	igt.block = BLOCK_NONE;
	siglongjmp(igt_jmpbuf, 1);
}

void __igt_fail_assert(const char *file, int line, const char *func,
		       const char *cond, const char *fmt, ...)
{
	char msg[384], reason[512];
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("(%s:%d) %s:\nStack trace not available\n"
	       "Failed assertion: %s\n%s%s", file, line, func, cond, msg,
	       msg[0] && msg[strlen(msg) - 1] != '\n' ? "\n" : "");
	if (err)
		printf("Last errno: %d, %s\n", err, strerror(err));
	snprintf(reason, sizeof(reason), "%s:%d: %s", file, line, cond);
	leave_block(true, reason);
}

void __igt_skip(const char *file, int line, const char *func,
		const char *fmt, ...)
{
	char msg[384], reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("Test requirement not met in function %s, file %s:%d:\n%s%s",
	       func, file, line, msg,
	       msg[0] && msg[strlen(msg) - 1] != '\n' ? "\n" : "");
	snprintf(reason, sizeof(reason), "%s", msg);
	leave_block(false, reason);
}

void igt_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void igt_debug(const char *fmt, ...)
{
	va_list ap;

	if (!getenv("IGT_LOG_LEVEL") || strcmp(getenv("IGT_LOG_LEVEL"), "debug"))
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

int igt_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

void igt_exit(void)
{
	int ret = IGT_EXIT_SUCCESS;

	if (igt.list_only || igt.describe_only)
		exit(IGT_EXIT_SUCCESS);
	if (igt.failed)
		ret = IGT_EXIT_FAILURE;
	else if (!igt.succeeded && (igt.skipped || igt.fixture_skipped))
		ret = IGT_EXIT_SKIP;
	kmsg("exiting, ret=%d\n", ret);
	exit(ret);
}
