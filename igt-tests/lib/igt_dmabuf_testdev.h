/* SPDX-License-Identifier: MIT */
/*
 * The dma-buf test device of our test kernels (/dev/dma-buf-test,
 * CONFIG_DMABUF_TEST_DEVICE): importers (QEMU edu PCI devices) that read
 * any dma-buf through the negotiated mapping, by DMA, and an exporter with
 * a chosen list of offers.
 */
#ifndef IGT_TESTDEV_H
#define IGT_TESTDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dma-buf-test-device.h"

#define TESTDEV_PATH "/dev/dma-buf-test"

/*
 * The importing devices of the VM (harness/vm.sh): edu with a 64-bit DMA
 * mask, and edu with a 32-bit mask, which bounces for memory above 4 GiB.
 */
#define TESTDEV_DMA64 0
#define TESTDEV_DMA32 1

/* Open the test device; skips the subtest when the kernel has none. */
int testdev_open(void);
/* The same for a fixture: returns -1 when the kernel has none. */
int testdev_try_open(void);
/*
 * Skip the subtest unless the test device @td (-1: none) is there and, for
 * @device other than TESTDEV_ANY, that importing device too.
 */
#define TESTDEV_ANY (~0u)
void testdev_require(int td, unsigned int device);
/*
 * Describe importing device @device; returns false when there is no such
 * device (no QEMU edu device bound).
 */
bool testdev_info(int td, unsigned int device, struct dma_buf_test_info *info);
/*
 * Export @size bytes filled with pattern @seed (DMA_BUF_TEST_EXPORT_*
 * @flags); returns the dma-buf fd.
 */
int testdev_export(int td, size_t size, uint32_t offers, uint32_t seed,
		   uint32_t flags);
/* Import @dmabuf into importing device @device; returns 0 and the handle, or -errno. */
int testdev_import(int td, unsigned int device, int dmabuf, uint32_t requests,
		   uint32_t *handle);
/* The same with DMA_BUF_TEST_IMPORT_* @flags. */
int testdev_import_flags(int td, unsigned int device, int dmabuf,
			 uint32_t requests, uint32_t flags, uint32_t *handle);
/* Read an import through its mapping (DMA_BUF_TEST_READ_* @flags); 0 or -errno. */
int testdev_read(int td, uint32_t handle, uint32_t flags,
		 struct dma_buf_test_read *out);
void testdev_release(int td, uint32_t handle);
/* Move a buffer of the test device; returns 0 or -errno. */
int testdev_move(int td, int dmabuf);
/*
 * Hold @dmabuf's reservation lock for @ms milliseconds from a kernel
 * worker; returns once it is held.
 */
void testdev_hold_resv(int td, int dmabuf, unsigned int ms);

/* FNV-1a 64 of the pattern @seed over @size bytes, as the reader computes it. */
uint64_t pattern_checksum(size_t size, uint32_t seed);
/*
 * Import into the 64-bit device, read with its DMA check and release:
 * asserts the read sees pattern @seed.
 */
void testdev_check_pattern(int td, int dmabuf, size_t size, uint32_t seed);

#endif /* IGT_TESTDEV_H */
