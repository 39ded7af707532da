// SPDX-License-Identifier: MIT
/*
 * PRIME round-trip benchmark, for `make bench` (not a test: it reports and
 * never fails). Uses only uAPI that the unmodified kernel has, so that the
 * same binary runs on both kernels.
 *
 * roundtrip: one export + import + close cycle per iteration: the
 * exporter's handle becomes a dma-buf fd (HANDLE_TO_FD; a DRM exporter keeps
 * its dma-buf while the handle lives, so this is a new fd of the same
 * buffer; udmabuf: a fresh UDMABUF_CREATE, a new buffer), the importer
 * imports it (FD_TO_HANDLE: attach and map, the GEM PRIME importers pin),
 * then the import handle and the fd are closed (unmap, detach). Printed
 * per pair and size as
 *   roundtrip <pair> <size> <round trips per second>
 * or "roundtrip <pair> <size> error <errno name>" when the kernel refuses
 * the import (the unmodified 6.12 virtio-gpu imports nothing foreign).
 *
 * attachments: the cost of one more import + close of a buffer that K
 * other clients already hold imported (K = 0, 4, 16, 64):
 *   attachments <K> <imports per second>
 *
 * Each row runs for PRIME_BENCH_MS milliseconds (default 400).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/udmabuf.h>
#include <xf86drm.h>

#include "../lib/dmabuf_util.h"
#include "../lib/igt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct drm_dev virtio[2], vgem, vkms;
static long bench_ms;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* An exporter's buffer, made once per row; each iteration exports it. */
struct source {
	int fd;			/* DRM client, or -1 for udmabuf */
	uint32_t handle;
	int memfd, udmabuf_dev;
	size_t size;
};

static void source_open(struct source *s, struct drm_dev *dev, size_t size)
{
	size_t map_size;
	void *map;

	s->size = size;
	s->fd = -1;
	s->memfd = -1;
	if (dev) {
		s->fd = drm_reopen(dev);
		s->handle = dumb_create(s->fd, size, &map, &map_size);
		munmap(map, map_size);
		return;
	}
	s->memfd = memfd_create("prime-bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	igt_assert(s->memfd >= 0 && ftruncate(s->memfd, size) == 0);
	igt_assert(fcntl(s->memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	s->udmabuf_dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	igt_assert(s->udmabuf_dev >= 0);
}

static int source_export(struct source *s)
{
	struct udmabuf_create create = {
		.memfd = s->memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = s->size,
	};

	if (s->fd >= 0)
		return prime_handle_to_fd(s->fd, s->handle);
	return ioctl(s->udmabuf_dev, UDMABUF_CREATE, &create);
}

static void source_close(struct source *s)
{
	if (s->fd >= 0) {
		gem_close(s->fd, s->handle);
		close(s->fd);
	} else {
		close(s->memfd);
		close(s->udmabuf_dev);
	}
}

struct pair {
	const char *name;
	struct drm_dev *exp;	/* NULL: udmabuf */
	struct drm_dev *imp;
};

static void roundtrip(const struct pair *p, size_t size)
{
	struct source src;
	long n = 0;
	double t0, t;
	int imp = drm_reopen(p->imp), err = 0;

	source_open(&src, p->exp, size);
	t0 = now();
	do {
		uint32_t handle;
		int dmabuf = source_export(&src);

		igt_assert(dmabuf >= 0);
		err = -prime_fd_to_handle(imp, dmabuf, &handle);
		if (!err)
			gem_close(imp, handle);
		close(dmabuf);
		n++;
		t = now();
	} while (!err && t - t0 < bench_ms / 1000.0);
	if (err)
		printf("roundtrip %s %zu error %s\n", p->name, size, strerrorname_np(err));
	else
		printf("roundtrip %s %zu %.1f\n", p->name, size, n / (t - t0));
	source_close(&src);
	close(imp);
}

/* One more import + close of a udmabuf that @k vgem clients hold. */
static void attachments(int k)
{
	struct source src;
	int holders[64], imp = drm_reopen(&vkms), dmabuf;
	uint32_t handle;
	long n = 0;
	double t0, t;

	source_open(&src, NULL, 64 * 1024);
	dmabuf = source_export(&src);
	igt_assert(dmabuf >= 0);
	for (int i = 0; i < k; i++) {
		holders[i] = drm_reopen(&vgem);
		igt_assert_eq(prime_fd_to_handle(holders[i], dmabuf, &handle), 0);
	}
	t0 = now();
	do {
		igt_assert_eq(prime_fd_to_handle(imp, dmabuf, &handle), 0);
		gem_close(imp, handle);
		n++;
		t = now();
	} while (t - t0 < bench_ms / 1000.0);
	printf("attachments %d %.1f\n", k, n / (t - t0));
	for (int i = 0; i < k; i++)
		close(holders[i]);
	close(dmabuf);
	close(imp);
	source_close(&src);
}

igt_main
{
	static const size_t sizes[] = { 64 * 1024, 1024 * 1024, 16 * 1024 * 1024 };
	static const int ks[] = { 0, 4, 16, 64 };
	const struct pair pairs[] = {
		{ "vgem>virtio-gpu", &vgem, &virtio[1] },
		{ "virtio-gpu-a>virtio-gpu-b", &virtio[0], &virtio[1] },
		{ "udmabuf>virtio-gpu", NULL, &virtio[1] },
		{ "udmabuf>vgem", NULL, &vgem },
		{ "vgem>vkms", &vgem, &vkms },
		{ "virtio-gpu-a>vgem", &virtio[0], &vgem },
	};

	igt_fixture {
		const char *v = getenv("PRIME_BENCH_MS");

		bench_ms = v && *v ? strtol(v, NULL, 0) : 400;
		drm_open_vm_devices(virtio, &vgem, &vkms);
	}

	igt_subtest("roundtrip") {
		for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
			for (size_t j = 0; j < ARRAY_SIZE(sizes); j++)
				roundtrip(&pairs[i], sizes[j]);
		for (size_t i = 0; i < ARRAY_SIZE(ks); i++)
			attachments(ks[i]);
		fflush(stdout);
	}
}
