/* SPDX-License-Identifier: MIT */
/*
 * The dma-buf test device of our test kernels (/dev/dma-buf-test,
 * CONFIG_DMABUF_TEST_DEVICE): an importer that reads any dma-buf through
 * the negotiated mapping, and an exporter with a chosen list of offers.
 */
#ifndef IGT_TESTDEV_H
#define IGT_TESTDEV_H

#include <stddef.h>
#include <stdint.h>

#include "../../drivers/dma-buf/dma-buf-test-device.h"

#define TESTDEV_PATH "/dev/dma-buf-test"
/* dev_name() of the device it attaches with, as bufinfo prints it. */
#define TESTDEV_DEVNAME "dma-buf-test"

/* Open the test device; asserts that it exists. */
int testdev_open(void);
/* Export @size bytes filled with pattern @seed; returns the dma-buf fd. */
int testdev_export(int td, size_t size, uint32_t offers, uint32_t seed,
		   uint32_t p2p_provider);
/* Import @dmabuf; returns 0 and the handle, or -errno. */
int testdev_import(int td, int dmabuf, uint32_t requests, uint32_t *handle);
/* Read an import through its mapping; returns 0 or -errno. */
int testdev_read(int td, uint32_t handle, struct dma_buf_test_read *out);
void testdev_release(int td, uint32_t handle);
/* Move a buffer of the test device; returns 0 or -errno. */
int testdev_move(int td, int dmabuf);

/* FNV-1a 64 of the pattern @seed over @size bytes, as the reader computes it. */
uint64_t pattern_checksum(size_t size, uint32_t seed);
/* Import, read and release: asserts the read sees pattern @seed. */
void testdev_check_pattern(int td, int dmabuf, size_t size, uint32_t seed);

#endif /* IGT_TESTDEV_H */
