// SPDX-License-Identifier: MIT
/*
 * PRIME round-trip benchmark, for `make bench` (not a test: it reports and
 * never fails). Uses only uAPI that the unmodified kernel has, so that the
 * same binary runs on both kernels.
 *
 * roundtrip: one export + import + close cycle per iteration: the
 * exporter's buffer becomes a dma-buf fd (a DRM exporter's handle through
 * HANDLE_TO_FD: it keeps its dma-buf while the handle lives, so this is a
 * new fd of the same buffer; vivid's capture buffer through VIDIOC_EXPBUF, a
 * new dma-buf of the same buffer; udmabuf and the system dma-heap: a fresh
 * UDMABUF_CREATE or DMA_HEAP_IOCTL_ALLOC, a new buffer), the importer
 * imports it (FD_TO_HANDLE: attach and map, the GEM PRIME importers pin),
 * then the import handle and the fd are closed (unmap, detach). Printed
 * per pair and size as
 *   roundtrip <pair> <size> <round trips per second> <thread ns per round trip>
 * or "roundtrip <pair> <size> error <errno name>" when the kernel refuses
 * the import (the unmodified 6.12 virtio-gpu imports nothing foreign) or
 * the exporter cannot make a buffer of that size (vivid's dma-contig
 * allocator takes it from the guest's 16 MiB CMA area).
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
 * PRIME_BENCH_ONLY=<pair>:<size> or attachments:<K> runs that one row,
 * e.g. "udmabuf>vgem:65536", and PRIME_BENCH_CALLS=N makes it exactly N
 * calls instead of a time (harness/bench-trace.py traces one row so).
 *
 * With PRIME_BENCH_DAMAGE set (make bench runs it once more, in the bounce
 * topology: swiotlb=force, as in SEV-SNP and TDX guests), instead: how many
 * imports of a 4K (3840x2160) vgem buffer virtio-gpu-b holds at once
 * before the swiotlb pool runs out (each is mapped, and bounced, for its
 * whole life):
 *   imports-4k <count> <errno name of the first failure, or "none">
 * then what one damage update (DirtyFB) of such an import that
 * virtio-gpu-b scans out costs, for the full frame and for a band of 16
 * rows (virtio-gpu copies the exporter's data into the import's bounce
 * slots before each transfer to the host):
 *   damage <rows> <updates per second> <thread ns per update>
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

#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <xf86drm.h>

#include "igt.h"
#include "igt_dmabuf_util.h"
#include "igt_vivid.h"

static struct drm_dev virtio[2], vgem, vkms;
static long bench_ms, bench_calls;
static const char *bench_only;

/* Does PRIME_BENCH_ONLY, if set, name row @name:@n? */
static bool row_wanted(const char *name, long n)
{
	char row[96];

	if (!bench_only)
		return true;
	snprintf(row, sizeof(row), "%s:%ld", name, n);
	return !strcmp(row, bench_only);
}

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

/*
 * An exporter's buffer, made once per row; each iteration exports it. The
 * 6.12 exporters that the VM has: a DRM card's dumb buffer, udmabuf, the
 * system dma-heap and vivid's two videobuf2 allocators.
 */
enum source_kind { SRC_DUMB, SRC_UDMABUF, SRC_HEAP, SRC_VIVID };

struct source {
	enum source_kind kind;
	int fd;			/* DRM client, udmabuf device, heap or vivid node */
	uint32_t handle;	/* SRC_DUMB */
	int memfd;		/* SRC_UDMABUF */
	size_t size;
};

/* 0, or -errno from an exporter that cannot make a buffer of this size. */
static int source_open(struct source *s, enum source_kind kind,
		       const struct drm_dev *dev, int vivid, size_t size)
{
	size_t map_size;
	void *map;

	*s = (struct source){ .kind = kind, .fd = -1, .memfd = -1, .size = size };
	switch (kind) {
	case SRC_DUMB:
		s->fd = drm_reopen_driver(dev->fd);
		s->handle = dumb_create(s->fd, size, &map, &map_size);
		munmap(map, map_size);
		return 0;
	case SRC_UDMABUF:
		s->memfd = memfd_create("prime-bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);
		igt_assert(s->memfd >= 0 && ftruncate(s->memfd, size) == 0);
		igt_assert(fcntl(s->memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
		s->fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
		igt_assert(s->fd >= 0);
		return 0;
	case SRC_HEAP:
		s->fd = open("/dev/dma_heap/system", O_RDWR | O_CLOEXEC);
		igt_assert_f(s->fd >= 0, "no system dma-heap: %s", strerror(errno));
		return 0;
	case SRC_VIVID:
		s->fd = vivid_open_mmap(vivid, size);
		return s->fd < 0 ? s->fd : 0;
	}
	igt_assert_f(0, "unknown exporter kind %d", kind);
	return -EINVAL;
}

/*
 * A new dma-buf fd: of the same buffer for a DRM exporter (which keeps its
 * dma-buf while the handle lives) and vivid (a new dma-buf per
 * VIDIOC_EXPBUF), of a new buffer for udmabuf and the heap. Or -errno.
 */
static int source_export(struct source *s)
{
	struct udmabuf_create create = {
		.memfd = s->memfd, .flags = UDMABUF_FLAGS_CLOEXEC, .size = s->size,
	};
	struct dma_heap_allocation_data alloc = {
		.len = s->size, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	int ret = -EINVAL;

	switch (s->kind) {
	case SRC_DUMB:
		ret = prime_handle_to_fd_for_mmap(s->fd, s->handle);
		break;
	case SRC_UDMABUF:
		ret = ioctl(s->fd, UDMABUF_CREATE, &create);
		break;
	case SRC_HEAP:
		ret = ioctl(s->fd, DMA_HEAP_IOCTL_ALLOC, &alloc) ?: (int)alloc.fd;
		break;
	case SRC_VIVID:
		return vivid_expbuf(s->fd);
	}
	return ret < 0 ? -errno : ret;
}

static void source_close(struct source *s)
{
	if (s->kind == SRC_DUMB && s->fd >= 0)
		gem_close(s->fd, s->handle);
	if (s->fd >= 0)
		close(s->fd);
	if (s->memfd >= 0)
		close(s->memfd);
}

struct pair {
	const char *name;
	enum source_kind kind;
	struct drm_dev *exp;	/* SRC_DUMB */
	int vivid;		/* SRC_VIVID: the instance (vivid.allocators) */
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

	for (int i = 0; i < (bench_calls ? 1 : SEGMENTS); i++) {
		double t0 = now(), c0 = thread_cpu(), t, ns;
		long n = 0;

		do {
			int err = op(arg);

			if (err)
				return err;
			n++;
			t = now();
		} while (bench_calls ? n < bench_calls : t - t0 < seg);
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

	if (dmabuf < 0)
		return -dmabuf;
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

	err = -source_open(&c.src, p->kind, p->exp, p->vivid, size);
	if (!err)
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

#define DAMAGE_W 3840
#define DAMAGE_H 2160
#define DAMAGE_MAX_IMPORTS 8

struct damage_ctx {
	int fd;
	uint32_t fb;
	drmModeClip clip;
};

static int damage_once(void *arg)
{
	struct damage_ctx *c = arg;

	return drmModeDirtyFB(c->fd, c->fb, &c->clip, 1) ? errno : 0;
}

/* A 4K vgem buffer as a dma-buf fd, or -1; its vgem handle is closed. */
static int vgem_4k(int vfd)
{
	uint64_t size;
	uint32_t handle;
	int dmabuf;

	handle = kmstest_dumb_create(vfd, DAMAGE_W, DAMAGE_H, 32, NULL, &size);
	dmabuf = prime_handle_to_fd(vfd, handle);
	gem_close(vfd, handle);
	return dmabuf;
}

/* The first connector and CRTC of @fd, driven at @w x @h. */
static bool damage_set_crtc(int fd, uint32_t fb, int w, int h)
{
	drmModeModeInfo mode = {
		.hdisplay = w, .hsync_start = w + 8, .hsync_end = w + 16, .htotal = w + 32,
		.vdisplay = h, .vsync_start = h + 2, .vsync_end = h + 4, .vtotal = h + 8,
		.clock = (w + 32) * (h + 8) * 60 / 1000, .vrefresh = 60,
	};
	drmModeRes *res = drmModeGetResources(fd);
	uint32_t conn = 0, crtc = 0;
	bool ok;

	igt_assert(res);
	snprintf(mode.name, sizeof(mode.name), "%dx%d", w, h);
	for (int i = 0; i < res->count_connectors && !conn; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);

		if (c && c->connection == DRM_MODE_CONNECTED && c->count_encoders) {
			drmModeEncoder *e = drmModeGetEncoder(fd, c->encoders[0]);

			if (e && e->possible_crtcs) {
				conn = c->connector_id;
				crtc = res->crtcs[ffs(e->possible_crtcs) - 1];
			}
			drmModeFreeEncoder(e);
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	ok = conn && !drmModeSetCrtc(fd, crtc, fb, 0, 0, &conn, 1, fb ? &mode : NULL);
	return ok;
}

static void damage(void)
{
	static const int bands[] = { DAMAGE_H, 16 };
	uint32_t handles[4] = { 0 }, pitches[4] = { DAMAGE_W * 4 }, offsets[4] = { 0 };
	uint32_t imported[DAMAGE_MAX_IMPORTS];
	/* The master fd: it drives the CRTC. */
	struct damage_ctx c = { .fd = virtio[1].fd };
	int vfd = drm_reopen_driver(vgem.fd);
	double per_s, thread_ns;
	int dmabuf, n, err = 0;

	/*
	 * How many 4K imports the bounce pool holds at once: first, while
	 * nothing else of virtio-gpu-b's is mapped (imports outside a
	 * framebuffer are freed before the next import maps).
	 */
	for (n = 0; n < DAMAGE_MAX_IMPORTS && !err; n++) {
		dmabuf = vgem_4k(vfd);
		igt_assert(dmabuf >= 0);
		err = -__prime_fd_to_handle(c.fd, dmabuf, &imported[n]);
		close(dmabuf);
	}
	if (err)
		n--;
	printf("imports-4k %d %s\n", n, err ? strerrorname_np(err) : "none");
	for (int i = 0; i < n; i++)
		gem_close(c.fd, imported[i]);

	dmabuf = vgem_4k(vfd);
	igt_assert(dmabuf >= 0);
	err = -__prime_fd_to_handle(c.fd, dmabuf, &handles[0]);
	close(dmabuf);
	if (err) {
		printf("damage %d error %s\n", DAMAGE_H, strerrorname_np(err));
		goto out;
	}
	igt_assert_eq(drmModeAddFB2(c.fd, DAMAGE_W, DAMAGE_H, DRM_FORMAT_XRGB8888,
				    handles, pitches, offsets, &c.fb, 0), 0);
	igt_assert(damage_set_crtc(c.fd, c.fb, DAMAGE_W, DAMAGE_H));
	for (size_t i = 0; i < ARRAY_SIZE(bands); i++) {
		c.clip = (drmModeClip){ .x1 = 0, .y1 = 0, .x2 = DAMAGE_W, .y2 = bands[i] };
		err = measure(damage_once, &c, &per_s, &thread_ns);
		if (err)
			printf("damage %d error %s\n", bands[i], strerrorname_np(err));
		else
			printf("damage %d %.1f %.1f\n", bands[i], per_s, thread_ns);
	}
	damage_set_crtc(c.fd, 0, 0, 0);
	drmModeRmFB(c.fd, c.fb);
	gem_close(c.fd, handles[0]);
out:
	close(vfd);
}

/* One more import + close of a udmabuf that @k vgem clients hold. */
static void attachments(int k)
{
	struct import_ctx c = { .imp = drm_reopen_driver(vkms.fd) };
	struct source src;
	int holders[64];
	double per_s, thread_ns;
	uint32_t handle;

	igt_assert_eq(source_open(&src, SRC_UDMABUF, NULL, 0, 64 * 1024), 0);
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
		{ "udmabuf>vgem", SRC_UDMABUF, .imp = &vgem },
		{ "heap-system>vgem", SRC_HEAP, .imp = &vgem },
		/* vivid.allocators=1,0: instance 0 dma-contig, 1 vmalloc */
		{ "vivid-contig>vgem", SRC_VIVID, .vivid = 0, .imp = &vgem },
		{ "vivid-vmalloc>vgem", SRC_VIVID, .vivid = 1, .imp = &vgem },
		{ "vgem>vkms", SRC_DUMB, &vgem, .imp = &vkms },
		{ "vgem>virtio-gpu", SRC_DUMB, &vgem, .imp = &virtio[1] },
		{ "virtio-gpu-a>virtio-gpu-b", SRC_DUMB, &virtio[0], .imp = &virtio[1] },
		{ "udmabuf>virtio-gpu", SRC_UDMABUF, .imp = &virtio[1] },
		{ "virtio-gpu-a>vgem", SRC_DUMB, &virtio[0], .imp = &vgem },
	};

	igt_fixture {
		const char *v = getenv("PRIME_BENCH_MS");

		bench_ms = v && *v ? strtol(v, NULL, 0) : 400;
		v = getenv("PRIME_BENCH_CALLS");
		bench_calls = v && *v ? strtol(v, NULL, 0) : 0;
		v = getenv("PRIME_BENCH_ONLY");
		bench_only = v && *v ? v : NULL;
		drm_open_vm_devices(virtio, &vgem, &vkms);
	}

	igt_subtest("roundtrip") {
		if (getenv("PRIME_BENCH_DAMAGE")) {
			damage();
		} else {
			for (size_t i = 0; i < ARRAY_SIZE(ks); i++)
				if (row_wanted("attachments", ks[i]))
					attachments(ks[i]);
			for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
				for (size_t j = 0; j < ARRAY_SIZE(sizes); j++)
					if (row_wanted(pairs[i].name, sizes[j]))
						roundtrip(&pairs[i], sizes[j]);
		}
		fflush(stdout);
	}
}
