// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "igt.h"
#include "igt_dmabuf_testdev.h"

int testdev_try_open(void)
{
	return open(TESTDEV_PATH, O_RDWR | O_CLOEXEC);
}

int testdev_open(void)
{
	int fd = testdev_try_open();

	testdev_require(fd, TESTDEV_ANY);
	return fd;
}

void testdev_require(int td, unsigned int device)
{
	struct dma_buf_test_info info;

	igt_require_f(td >= 0, "no %s (CONFIG_DMABUF_TEST_DEVICE)\n",
		      TESTDEV_PATH);
	if (device != TESTDEV_ANY)
		igt_require_f(testdev_info(td, device, &info),
			      "no importing device %u of the test device (no QEMU edu device)\n",
			      device);
}

bool testdev_info(int td, unsigned int device, struct dma_buf_test_info *info)
{
	memset(info, 0, sizeof(*info));
	info->device = device;
	return ioctl(td, DMA_BUF_TEST_IOCTL_INFO, info) == 0;
}

int testdev_export(int td, size_t size, uint32_t offers, uint32_t seed,
		   uint32_t flags)
{
	struct dma_buf_test_export args = {
		.size = size,
		.offers = offers,
		.seed = seed,
		.flags = flags,
	};

	igt_assert_f(ioctl(td, DMA_BUF_TEST_IOCTL_EXPORT, &args) == 0,
		     "test device export: %s", strerror(errno));
	return args.fd;
}

int testdev_import(int td, unsigned int device, int dmabuf, uint32_t requests,
		   uint32_t *handle)
{
	return testdev_import_flags(td, device, dmabuf, requests, 0, handle);
}

int testdev_import_flags(int td, unsigned int device, int dmabuf,
			 uint32_t requests, uint32_t flags, uint32_t *handle)
{
	struct dma_buf_test_import args = {
		.fd = dmabuf,
		.requests = requests,
		.device = device,
		.flags = flags,
	};

	if (ioctl(td, DMA_BUF_TEST_IOCTL_IMPORT, &args))
		return -errno;
	*handle = args.handle;
	return 0;
}

int testdev_read(int td, uint32_t handle, uint32_t flags,
		 struct dma_buf_test_read *out)
{
	memset(out, 0, sizeof(*out));
	out->handle = handle;
	out->flags = flags;
	return ioctl(td, DMA_BUF_TEST_IOCTL_READ, out) ? -errno : 0;
}

void testdev_release(int td, uint32_t handle)
{
	igt_assert_f(ioctl(td, DMA_BUF_TEST_IOCTL_RELEASE, &handle) == 0,
		     "test device release: %s", strerror(errno));
}

int testdev_move(int td, int dmabuf)
{
	struct dma_buf_test_move args = { .fd = dmabuf };

	return ioctl(td, DMA_BUF_TEST_IOCTL_MOVE, &args) ? -errno : 0;
}

void testdev_hold_resv(int td, int dmabuf, unsigned int ms)
{
	struct dma_buf_test_hold args = { .fd = dmabuf, .ms = ms };

	igt_assert_f(ioctl(td, DMA_BUF_TEST_IOCTL_HOLD_RESV, &args) == 0,
		     "test device hold of a reservation lock: %s", strerror(errno));
}

uint64_t pattern_checksum(size_t size, uint32_t seed)
{
	uint64_t hash = 0xcbf29ce484222325ull;
	size_t i;
	int b;

	for (i = 0; i < size / 4; i++) {
		uint32_t w = dma_buf_test_pattern(seed, i);

		/* The buffer's bytes in memory order (little endian). */
		for (b = 0; b < 4; b++)
			hash = (hash ^ ((w >> (8 * b)) & 0xff)) * 0x100000001b3ull;
	}
	return hash;
}

void testdev_check_pattern(int td, int dmabuf, size_t size, uint32_t seed)
{
	struct dma_buf_test_read rd;
	uint32_t handle = 0;
	int ret;

	ret = testdev_import(td, TESTDEV_DMA64, dmabuf, DMA_BUF_TEST_REQUEST_SGT,
			     &handle);
	igt_assert_f(ret == 0, "test device import: %s", strerror(-ret));
	ret = testdev_read(td, handle, DMA_BUF_TEST_READ_DMA, &rd);
	testdev_release(td, handle);
	igt_assert_f(ret == 0, "test device read: %s", strerror(-ret));
	igt_assert_eq((long long)rd.bytes, (long long)size);
	igt_assert_f(rd.dma_bytes > 0, "the device read nothing by DMA");
	igt_assert_f(rd.checksum == pattern_checksum(size, seed),
		     "read through the mapping: checksum %016llx, pattern %016llx",
		     (unsigned long long)rd.checksum,
		     (unsigned long long)pattern_checksum(size, seed));
}
