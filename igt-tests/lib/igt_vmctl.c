// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "igt.h"
#include "igt_vmctl.h"

void vmctl_require(void)
{
	igt_require_f(getenv(VMCTL_ENV),
		      "needs the screen dumps of harness/vm.sh's VM (%s unset)\n", VMCTL_ENV);
}

static int vmctl_open(void)
{
	static int fd = -1;
	struct termios tio;
	const char *port = getenv(VMCTL_ENV);

	if (fd >= 0)
		return fd;
	igt_assert_f(port, "%s unset: call vmctl_require() first", VMCTL_ENV);
	fd = open(port, O_RDWR | O_NOCTTY | O_CLOEXEC);
	igt_assert_f(fd >= 0, "%s: %s", port, strerror(errno));
	igt_assert(tcgetattr(fd, &tio) == 0);
	cfmakeraw(&tio);
	cfsetspeed(&tio, B115200);
	igt_assert(tcsetattr(fd, TCSANOW, &tio) == 0);
	tcflush(fd, TCIOFLUSH);
	return fd;
}

/*
 * Send @request and wait for the runner's line that starts with @want;
 * the rest of that line is the answer, written to @result.
 */
static void vmctl_request(const char *request, const char *want, char *result,
			  size_t size)
{
	char line[256];
	size_t len = 0;
	int fd = vmctl_open();

	igt_assert(write(fd, request, strlen(request)) == (ssize_t)strlen(request));
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char c;

		igt_assert_f(poll(&pfd, 1, 60000) == 1,
			     "no answer to \"%.*s\" within 60 s",
			     (int)strcspn(request, "\n"), request);
		igt_assert(read(fd, &c, 1) == 1);
		if (c == '\r')
			continue;
		if (c != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (!strncmp(line, want, strlen(want))) {
			snprintf(result, size, "%s", line + strlen(want));
			return;
		}
	}
}

void vmctl_screendump(const char *qdev_id, int width, int height, uint32_t seed,
		      const char *tag, char *result, size_t size)
{
	char request[256], want[96];

	snprintf(request, sizeof(request), "SCREENDUMP %s %d %d 0x%08x %s\n", qdev_id,
		 width, height, seed, tag);
	snprintf(want, sizeof(want), "SCREENDUMP-RESULT %s ", tag);
	vmctl_request(request, want, result, size);
}

void vmctl_cursor(int width, int height, uint32_t seed, const char *tag,
		  char *result, size_t size)
{
	char request[128], want[96];

	snprintf(request, sizeof(request), "CURSOR %d %d 0x%08x %s\n", width, height,
		 seed, tag);
	snprintf(want, sizeof(want), "CURSOR-RESULT %s ", tag);
	vmctl_request(request, want, result, size);
}
