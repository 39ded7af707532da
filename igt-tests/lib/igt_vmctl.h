/* SPDX-License-Identifier: MIT */
/*
 * The tests' control port to the VM runner (third serial port, ttyS2):
 * requests the runner serves on the host (harness/screendump.py): a QEMU
 * screen dump of one card or card B's cursor compared with a test pattern.
 */
#ifndef IGT_VMCTL_H
#define IGT_VMCTL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The runner names the port in the tests' environment: only its VM has
 * one (a serial port at ttyS2 on another machine is not a runner).
 */
#define VMCTL_ENV "IGT_DMABUF_VMCTL"

/* Skip the subtest unless it runs in harness/vm.sh's VM (VMCTL_ENV set). */
void vmctl_require(void);

/*
 * Ask for a screen dump of the card QEMU knows as @qdev_id and its
 * comparison with pattern @seed over @width x @height pixels. Writes the
 * runner's verdict ("match", "mismatch N X Y" or "error ...") to @result;
 * asserts that an answer came within a minute.
 */
void vmctl_screendump(const char *qdev_id, int width, int height, uint32_t seed,
		      const char *tag, char *result, size_t size);

/*
 * Ask for card B's cursor image as QEMU's VNC server for that card sends
 * it (a screen dump does not contain the cursor) and its comparison with
 * pattern @seed over @width x @height pixels; the verdict is written to
 * @result as for vmctl_screendump().
 */
void vmctl_cursor(int width, int height, uint32_t seed, const char *tag,
		  char *result, size_t size);

#endif /* IGT_VMCTL_H */
