// SPDX-License-Identifier: MIT
/*
 * PRIME ioctls with bad input, on each native DRM importer: every call
 * fails with a clean errno and leaves no attachment behind, a buffer
 * imported twice is one object, an import outlives the exporter's handle,
 * a dma-buf whose size is not a multiple of the page size is imported or
 * refused cleanly (virtio-gpu refuses it: its resources are whole pages),
 * and closing everything returns bufinfo to where it started.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "igt_dmabuf_testdev.h"
#include "igt_dmabuf_util.h"

/**
 * TEST: prime bad input
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DMABUF
 * Functionality: typed dma-buf mappings
 * Feature: prime
 * Description: PRIME ioctls with bad input on each native DRM importer fail
 *              with a clean errno and leave no attachment behind
 */
/**
 * SUBTEST: bad-input-%s
 * Description: Bad fds, flags and handles; a buffer imported twice is one
 *              object; an import outlives the exporter's handle; a buffer
 *              size that is not page aligned; bufinfo returns to where it
 *              started after each. One dynamic subtest per check (bad-fds,
 *              bad-handles, double-import, import-after-exporter-close,
 *              odd-size), each skipped alone where the machine lacks what
 *              it needs.
 *
 * arg[1]:
 *
 * @virtio-gpu-b:
 * @vgem:
 * @vkms:
 */

#define BUF_SIZE (16 * 1024)

static struct drm_dev virtio[2], vgem, vkms;
static int testdev = -1;

struct target {
	const char *name;
	struct drm_dev *dev;
};

static struct target targets[] = {
	{ "virtio-gpu-b", &virtio[1] },
	{ "vgem", &vgem },
	{ "vkms", &vkms },
};

static int fd_to_handle_errno(int fd, int dmabuf)
{
	uint32_t handle;

	return __prime_fd_to_handle(fd, dmabuf, &handle);
}

static void bad_fds(struct target *t)
{
	int fd = drm_reopen_driver(t->dev->fd);
	int memfd = memfd_create("not-a-dma-buf", MFD_CLOEXEC);
	int closed, pipefd[2];

	igt_assert(memfd >= 0);
	igt_assert(pipe(pipefd) == 0);
	closed = dup(memfd);
	close(closed);

	igt_assert_eq(fd_to_handle_errno(fd, closed), -EBADF);
	igt_assert_eq(fd_to_handle_errno(fd, -1), -EBADF);
	igt_assert_eq(fd_to_handle_errno(fd, 1 << 30), -EBADF);
	igt_assert_eq(fd_to_handle_errno(fd, memfd), -EINVAL);
	igt_assert_eq(fd_to_handle_errno(fd, pipefd[0]), -EINVAL);

	close(pipefd[0]);
	close(pipefd[1]);
	close(memfd);
	close(fd);
}

static void bad_handles(struct target *t)
{
	struct drm_prime_handle args = { .handle = 0x7fffffff, .flags = DRM_CLOEXEC };
	int fd = drm_reopen_driver(t->dev->fd);
	size_t map_size;
	void *map;

	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args), -1);
	igt_assert_eq(errno, ENOENT);

	args.handle = dumb_create(fd, BUF_SIZE, &map, &map_size);
	munmap(map, map_size);
	args.flags = 0x40000000;	/* neither DRM_CLOEXEC nor DRM_RDWR */
	igt_assert_eq(drmIoctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args), -1);
	igt_assert_eq(errno, EINVAL);
	gem_close(fd, args.handle);
	close(fd);
}

/* A buffer imported twice into one file is one object and one attachment. */
static void double_import(struct target *t)
{
	uint32_t h1 = 0, h2 = 0;
	int fd, dmabuf;
	void *map;
	ino_t ino;

	udmabuf_require();
	fd = drm_reopen_driver(t->dev->fd);
	dmabuf = udmabuf_create(BUF_SIZE, &map);
	ino = fd_inode(dmabuf);
	munmap(map, BUF_SIZE);

	igt_assert_eq(__prime_fd_to_handle(fd, dmabuf, &h1), 0);
	igt_assert_eq(__prime_fd_to_handle(fd, dmabuf, &h2), 0);
	igt_assert_eq(h1, h2);
	igt_assert_eq(bufinfo_count_dev(ino, t->dev->devname), 1);
	gem_close(fd, h1);
	close(fd);
	bufinfo_wait_count_dev(ino, t->dev->devname, 0);
	close(dmabuf);
}

/*
 * The exporter (virtio-gpu card A, another device than every target)
 * closes its handle: the dma-buf keeps the object alive.
 */
static void import_after_exporter_close(struct target *t)
{
	uint32_t src, handle = 0;
	int exp, fd, dmabuf, again;
	size_t map_size;
	void *map;
	ino_t ino;

	drm_require(&virtio[0]);
	exp = drm_reopen_driver(virtio[0].fd);
	fd = drm_reopen_driver(t->dev->fd);

	src = dumb_create(exp, BUF_SIZE, &map, &map_size);
	pattern_fill(map, BUF_SIZE, 0xc105ed00u);
	munmap(map, map_size);
	dmabuf = prime_handle_to_fd_for_mmap(exp, src);
	ino = fd_inode(dmabuf);
	gem_close(exp, src);
	close(exp);

	igt_assert_eq(__prime_fd_to_handle(fd, dmabuf, &handle), 0);
	igt_assert_eq(bufinfo_count_dev(ino, t->dev->devname), 1);
	again = prime_handle_to_fd_for_mmap(fd, handle);
	igt_assert_eq(fd_inode(again), ino);
	map = dmabuf_mmap(again, BUF_SIZE);
	igt_assert_eq(pattern_check(map, BUF_SIZE, 0xc105ed00u), -1);
	munmap(map, BUF_SIZE);
	close(again);
	gem_close(fd, handle);
	close(fd);
	bufinfo_wait_count_dev(ino, t->dev->devname, 0);
	close(dmabuf);
}

/*
 * A dma-buf whose size is not a multiple of the page size (the test
 * device's, 512 bytes short of its pages). A GEM object is whole pages:
 * the shmem helpers round the size up, virtio-gpu refuses with EINVAL
 * (6.12.y with its importer hit a BUG_ON in drm_gem_private_object_init()).
 * Either way nothing stays attached.
 */
static void odd_size(struct target *t)
{
	int fd, dmabuf, ret;
	uint32_t handle = 0;
	ino_t ino;

	testdev_require(testdev, TESTDEV_ANY);
	fd = drm_reopen_driver(t->dev->fd);
	dmabuf = testdev_export(testdev, BUF_SIZE, DMA_BUF_TEST_OFFER_SGT,
				0x0dd512e0u, DMA_BUF_TEST_EXPORT_ODD_SIZE);
	ino = fd_inode(dmabuf);
	igt_assert_eq((long long)lseek(dmabuf, 0, SEEK_END),
		      (long long)(BUF_SIZE - DMA_BUF_TEST_ODD_SIZE_SHORT));
	ret = __prime_fd_to_handle(fd, dmabuf, &handle);
	if (t->dev == &virtio[1])
		igt_assert_eq(ret, -EINVAL);
	else
		igt_assert_f(ret == 0 || ret == -EINVAL,
			     "import of a %u-byte dma-buf: %s",
			     BUF_SIZE - DMA_BUF_TEST_ODD_SIZE_SHORT, strerror(-ret));
	igt_info("%s: a dma-buf of %u bytes: %s\n", t->name,
		 BUF_SIZE - DMA_BUF_TEST_ODD_SIZE_SHORT,
		 ret ? strerror(-ret) : "imported");
	if (ret == 0)
		gem_close(fd, handle);
	close(fd);
	bufinfo_wait_count_dev(ino, t->dev->devname, 0);
	close(dmabuf);
}

/* Each check is a dynamic subtest: it skips alone what this machine lacks. */
static const struct {
	const char *name;
	void (*check)(struct target *t);
} checks[] = {
	{ "bad-fds", bad_fds },
	{ "bad-handles", bad_handles },
	{ "double-import", double_import },
	{ "import-after-exporter-close", import_after_exporter_close },
	{ "odd-size", odd_size },
};

static void target_subtest(struct target *t)
{
	char before[128];

	igt_describe("Bad fds and handles, a double import, an import after the "
		     "exporter's close, a dma-buf size that is not page aligned: "
		     "clean errors, no attachment left, bufinfo back to where it "
		     "started after each.");
	igt_subtest_with_dynamic_f("bad-input-%s", t->name) {
		drm_require(t->dev);
		for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
			igt_dynamic(checks[i].name) {
				bufinfo_total(before, sizeof(before));
				checks[i].check(t);
				bufinfo_expect_total(before);
			}
		}
	}
}

igt_main
{
	igt_fixture {
		drm_open_vm_devices(virtio, &vgem, &vkms);
		testdev = testdev_try_open();
	}

	for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
		target_subtest(&targets[i]);
}
