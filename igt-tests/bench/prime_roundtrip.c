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
 *   roundtrip <pair> <size> <round trips per second> <thread ns per round trip>
 * or "roundtrip <pair> <size> error <errno name>" when the kernel refuses
 * the import (the unmodified 6.12 virtio-gpu imports nothing foreign).
 * The rate is by elapsed time, everything the machine did included; the
 * last figure is the CPU time of the benchmark's own thread per round trip
 * (CLOCK_THREAD_CPUTIME_ID: the syscalls' own work, without other tasks'
 * or the wait for a device) in the quietest of the row's SEGMENTS parts,
 * which under QEMU's instruction counting counts the instructions that
 * thread executed.
 *
 * attachments: the cost of one more import + close of a buffer that K
 * other clients already hold imported (K = 0, 4, 16, 64):
 *   attachments <K> <imports per second> <thread ns per import>
 *
 * Each row runs for PRIME_BENCH_MS milliseconds (default 400).
 */
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

#include "igt.h"
#include "igt_dmabuf_util.h"

static struct drm_dev virtio[2], vgem, vkms;
static long bench_ms;

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static double thread_cpu(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
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
		s->fd = drm_reopen_driver(dev->fd);
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
		return prime_handle_to_fd_for_mmap(s->fd, s->handle);
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

/*
 * Time @op for PRIME_BENCH_MS in SEGMENTS parts: @per_s is the rate over
 * all of them by elapsed time; @thread_ns the benchmark thread's CPU time
 * per call in its quietest part (an interrupt taken while the thread runs
 * counts to it). Returns 0, or the errno of the first call that failed.
 */
#define SEGMENTS 8

static int measure(int (*op)(void *), void *arg, double *per_s, double *thread_ns)
{
	double seg = bench_ms / 1000.0 / SEGMENTS, elapsed = 0;
	long calls = 0;

	for (int i = 0; i < SEGMENTS; i++) {
		double t0 = now(), c0 = thread_cpu(), t, ns;
		long n = 0;

		do {
			int err = op(arg);

			if (err)
				return err;
			n++;
			t = now();
		} while (t - t0 < seg);
		ns = (thread_cpu() - c0) * 1e9 / n;
		if (!i || ns < *thread_ns)
			*thread_ns = ns;
		elapsed += t - t0;
		calls += n;
	}
	*per_s = calls / elapsed;
	return 0;
}

struct roundtrip_ctx {
	struct source src;
	int imp;
};

static int roundtrip_once(void *arg)
{
	struct roundtrip_ctx *c = arg;
	int dmabuf = source_export(&c->src), err;
	uint32_t handle;

	igt_assert(dmabuf >= 0);
	err = -__prime_fd_to_handle(c->imp, dmabuf, &handle);
	if (!err)
		gem_close(c->imp, handle);
	close(dmabuf);
	return err;
}

static void roundtrip(const struct pair *p, size_t size)
{
	struct roundtrip_ctx c = { .imp = drm_reopen_driver(p->imp->fd) };
	double per_s, thread_ns;
	int err;

	source_open(&c.src, p->exp, size);
	err = measure(roundtrip_once, &c, &per_s, &thread_ns);
	if (err)
		printf("roundtrip %s %zu error %s\n", p->name, size, strerrorname_np(err));
	else
		printf("roundtrip %s %zu %.1f %.1f\n", p->name, size, per_s, thread_ns);
	source_close(&c.src);
	close(c.imp);
}

struct import_ctx {
	int imp, dmabuf;
};

static int import_once(void *arg)
{
	struct import_ctx *c = arg;
	uint32_t handle;

	igt_assert_eq(__prime_fd_to_handle(c->imp, c->dmabuf, &handle), 0);
	gem_close(c->imp, handle);
	return 0;
}

/* One more import + close of a udmabuf that @k vgem clients hold. */
static void attachments(int k)
{
	struct import_ctx c = { .imp = drm_reopen_driver(vkms.fd) };
	struct source src;
	int holders[64];
	double per_s, thread_ns;
	uint32_t handle;

	source_open(&src, NULL, 64 * 1024);
	c.dmabuf = source_export(&src);
	igt_assert(c.dmabuf >= 0);
	for (int i = 0; i < k; i++) {
		holders[i] = drm_reopen_driver(vgem.fd);
		igt_assert_eq(__prime_fd_to_handle(holders[i], c.dmabuf, &handle), 0);
	}
	measure(import_once, &c, &per_s, &thread_ns);
	printf("attachments %d %.1f %.1f\n", k, per_s, thread_ns);
	for (int i = 0; i < k; i++)
		close(holders[i]);
	close(c.dmabuf);
	close(c.imp);
	source_close(&src);
}

igt_main
{
	static const size_t sizes[] = { 64 * 1024, 1024 * 1024, 16 * 1024 * 1024 };
	static const int ks[] = { 0, 4, 16, 64 };
	/*
	 * The pairs without virtio-gpu first: QEMU serves virtio-gpu's
	 * commands asynchronously to the guest's instructions, which makes
	 * everything after them less repeatable under instruction counting.
	 */
	const struct pair pairs[] = {
		{ "udmabuf>vgem", NULL, &vgem },
		{ "vgem>vkms", &vgem, &vkms },
		{ "vgem>virtio-gpu", &vgem, &virtio[1] },
		{ "virtio-gpu-a>virtio-gpu-b", &virtio[0], &virtio[1] },
		{ "udmabuf>virtio-gpu", NULL, &virtio[1] },
		{ "virtio-gpu-a>vgem", &virtio[0], &vgem },
	};

	igt_fixture {
		const char *v = getenv("PRIME_BENCH_MS");

		bench_ms = v && *v ? strtol(v, NULL, 0) : 400;
		drm_open_vm_devices(virtio, &vgem, &vkms);
	}

	igt_subtest("roundtrip") {
		for (size_t i = 0; i < ARRAY_SIZE(ks); i++)
			attachments(ks[i]);
		for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
			for (size_t j = 0; j < ARRAY_SIZE(sizes); j++)
				roundtrip(&pairs[i], sizes[j]);
		fflush(stdout);
	}
}
