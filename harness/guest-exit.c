// SPDX-License-Identifier: MIT
/*
 * guest-exit STATUS: leave QEMU through its isa-debug-exit device
 * (iobase 0xf4). QEMU then exits with (STATUS << 1) | 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	if (ioperm(0xf4, 4, 1)) {
		perror("ioperm");
		return 1;
	}
	outl(status, 0xf4);
	/* Not reached under QEMU with isa-debug-exit. */
	fprintf(stderr, "guest-exit: no isa-debug-exit device\n");
	return 1;
}
