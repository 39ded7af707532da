// SPDX-License-Identifier: MIT
/*
 * Allocation failures during cross-driver imports. For each exporter x
 * importer pair, the import (and for the test device, the first map) is
 * repeated with the n-th fault-injection point of the calling task failing
 * (/proc/thread-self/fail-nth), for n = 1, 2, ... until a call passes
 * every point without the fault being used. failslab and fail_page_alloc
 * are set to fail sleeping allocations too (ignore-gfp-wait=N; otherwise
 * GFP_KERNEL never fails) and order-0 pages (min-order=0, for the vmalloc
 * half of kvmalloc). Each failing call must return a clean errno and leave
 * no attachment of the importer behind; a call that succeeds despite the
 * fault (a fallback) must leave exactly one. After the sweep an import
 * without faults must succeed and read the buffer's pattern. The same,
 * until a call passes every point, for what virtio-gpu does with an import
 * later: a framebuffer of it, and a modeset showing it after the exporter
 * moved it. Sanitizer reports in the console fail the VM tier.
 *
 * The faults are kept out of DMA-API debugging's own bookkeeping (the
 * stack-trace filter's reject range covers kernel/dma/debug.c's entry
 * allocation and cacheline tracking): a failure there switches dma-debug
 * off for the rest of the run, and every test after it would run without
 * its checks.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include "igt.h"
#include "igt_dmabuf_exporter.h"
#include "igt_dmabuf_util.h"
#include "igt_dmabuf_testdev.h"

/**
 * TEST: prime fault injection
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DMABUF
 * Functionality: typed dma-buf mappings
 * Feature: prime, fault injection
 * Description: Allocation failures during cross-driver imports return a clean
 *              errno and leave nothing behind
 */
/**
 * SUBTEST: import-%s-to-%s
 * Description: Fail each allocation of an import in turn; every failure is
 *              clean and the import then succeeds.
 *
 * arg[1]:
 *
 * @udmabuf:
 * @virtio-gpu-a:
 * @test-native:
 * @test-pal:
 *
 * arg[2]:
 *
 * @virtio-gpu-b:
 * @vgem:
 * @vkms:
 * @test-device:
 */
/**
 * SUBTEST: import-%s-to-test-device-pal-only
 * Description: Fail each allocation of an import that asks for PAL alone,
 *              then of its first map, in turn (from an SGT exporter: the
 *              core's SGT-to-PAL converter); every failure is clean and the
 *              import then succeeds. Where the trust rule refuses PAL (IOMMU,
 *              bounce), the import is refused cleanly instead.
 *
 * arg[1]:
 *
 * @udmabuf:
 * @test-native:
 * @test-pal:
 */
/**
 * SUBTEST: import-vgem-to-%s
 * Description: Fail each allocation of an import of a vgem buffer in turn;
 *              every failure is clean and the import then succeeds.
 *
 * arg[1]:
 *
 * @virtio-gpu-b:
 * @vkms:
 * @test-device:
 */

/**
 * SUBTEST: framebuffer-test-native-to-virtio-gpu-b
 * Description: Fail each allocation of a framebuffer of an import, then of
 *              a modeset that shows it after a move of the exporter, in
 *              turn: every failure is clean and leaves the import unpinned,
 *              and then both work without a fault.
 */
/**
 * SUBTEST: cpu-access-udmabuf
 * Description: Fail each allocation of udmabuf's first CPU access (the table
 *              its syncs use) in turn: every failure is clean and leaves no
 *              table, and then the access works.
 */

#define BUF_SIZE	(64 * 1024)
#define MAX_POINTS	5000	/* more injection points than this is a bug */
#define FB_W		128	/* a framebuffer of BUF_SIZE bytes */
#define FB_H		128

static struct drm_dev virtio[2], vgem, vkms;
static int testdev = -1;		/* -1: this machine has no test device */
static char testdev_name[32];	/* the test device's importer, in bufinfo */

struct exporter {
	const char *name;
	struct dmabuf_source src;
};

static const struct exporter exporters[] = {
	/* native, a cached table; PAL through the core's SGT-to-PAL converter */
	{ "udmabuf", { .kind = EXP_UDMABUF } },
	/* native */
	{ "virtio-gpu-a", { .kind = EXP_DUMB, .dev = &virtio[0] } },
	/* native, GEM PRIME helpers */
	{ "vgem", { .kind = EXP_DUMB, .dev = &vgem } },
	/* native and dynamic: a dynamic importer maps it on first use */
	{ "test-native", { .kind = EXP_TESTDEV, .offers = DMA_BUF_TEST_OFFER_SGT } },
	/* PAL only: an SGT importer's table is made by the core's adapter */
	{ "test-pal", { .kind = EXP_TESTDEV, .offers = DMA_BUF_TEST_OFFER_PAL } },
};

struct importer {
	const char *name;
	struct drm_dev *dev;	/* NULL: the test device */
	uint32_t requests;	/* the test device's: DMA_BUF_TEST_REQUEST_* */
};

static const struct importer importers[] = {
	{ "virtio-gpu-b", &virtio[1] },
	{ "vgem", &vgem },
	{ "vkms", &vkms },
	{ "test-device", NULL, DMA_BUF_TEST_REQUEST_SGT },
	/*
	 * PAL alone, which only the direct topology's trust rule grants:
	 * from an SGT exporter its first map is the core's converter.
	 */
	{ "test-device-pal-only", NULL, DMA_BUF_TEST_REQUEST_PAL },
};

/* Errors an allocation failure may surface as. */
static bool clean_errno(int err)
{
	return err == ENOMEM || err == ENOSPC || err == ENOBUFS || err == EAGAIN ||
	       err == EINTR;
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	igt_assert_f(fd >= 0, "open %s: %s", path, strerror(errno));
	igt_assert_f(write(fd, val, strlen(val)) == (ssize_t)strlen(val),
		     "write %s to %s: %s", val, path, strerror(errno));
	close(fd);
}

/*
 * The text of kernel/dma/debug.c that allocates for each mapping (its
 * entry pool, dma_entry_alloc() and dma_debug_create_entries(), and its
 * cacheline tracking, add_dma_entry()), from /proc/kallsyms: from the
 * lowest of the three to the symbol after the highest. One object's
 * text is contiguous, so everything in between is debug.c's too.
 */
static void dma_debug_text(unsigned long *start, unsigned long *end)
{
	static const char *const names[] = {
		"dma_entry_alloc", "dma_debug_create_entries", "add_dma_entry",
	};
	unsigned long addr, lo = ~0ul, hi = 0, next = ~0ul;
	char line[256], type, name[128];
	unsigned int found = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	igt_assert_f(f, "/proc/kallsyms: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %127s", &addr, &type, name) != 3)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			if (strcmp(name, names[i]))
				continue;
			found |= 1u << i;
			lo = addr < lo ? addr : lo;
			hi = addr > hi ? addr : hi;
		}
	}
	igt_assert_f(found == (1u << ARRAY_SIZE(names)) - 1 && lo,
		     "dma-debug's functions are not all in /proc/kallsyms (found %#x)", found);
	rewind(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %127s", &addr, &type, name) == 3 &&
		    addr > hi && addr < next)
			next = addr;
	fclose(f);
	*start = lo;
	*end = next;
}

/* Let failslab and fail_page_alloc spare dma-debug's own allocations. */
static void spare_dma_debug(void)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc" };
	unsigned long start, end;
	char path[96], val[32];

	igt_require_f(access("/sys/kernel/debug/failslab/reject-start", F_OK) == 0,
		      "needs CONFIG_FAULT_INJECTION_STACKTRACE_FILTER, or dma-debug "
		      "switches itself off on an injected failure\n");
	dma_debug_text(&start, &end);
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/reject-start", attrs[i]);
		snprintf(val, sizeof(val), "%#lx", start);
		write_file(path, val);
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/reject-end", attrs[i]);
		snprintf(val, sizeof(val), "%#lx", end);
		write_file(path, val);
	}
	igt_info("faults spare dma-debug's text %#lx-%#lx\n", start, end);
}

static int fail_nth = -1;

static void arm(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	igt_assert_f(pwrite(fail_nth, buf, len, 0) == len, "fail-nth: %s",
		     strerror(errno));
}

/* Disarm; returns true if the armed fault was injected. */
static bool disarm(void)
{
	char buf[16] = "";
	bool injected;

	igt_assert(pread(fail_nth, buf, sizeof(buf) - 1, 0) > 0);
	injected = atoi(buf) == 0;
	arm(0);
	return injected;
}

static const char *devname_of(const struct importer *imp)
{
	return imp->dev ? imp->dev->devname : testdev_name;
}

/* One import into @fd (a DRM client) or the test device: 0 or -errno. */
static int import(const struct importer *imp, int fd, int dmabuf, uint32_t *handle)
{
	if (imp->dev)
		return __prime_fd_to_handle(fd, dmabuf, handle);
	return testdev_import(fd, TESTDEV_DMA64, dmabuf, imp->requests, handle);
}

static void release(const struct importer *imp, int fd, uint32_t handle)
{
	if (imp->dev)
		gem_close(fd, handle);
	else
		testdev_release(fd, handle);
}

struct tally {
	int points, fallbacks, errnos[256];
};

static void report(const char *what, const struct tally *t)
{
	char line[256];
	int len = 0;

	for (int e = 0; e < 256; e++)
		if (t->errnos[e])
			len += snprintf(line + len, sizeof(line) - len, " %s x%d",
					strerrorname_np(e) ?: "?", t->errnos[e]);
	line[len] = '\0';
	if (!t->points)
		igt_info("%s: no injection point (nothing left to allocate)\n", what);
	else
		igt_info("%s: %d injection points, %d succeeded anyway, failed with:%s\n",
			 what, t->points, t->fallbacks, len ? line : " none");
}

/*
 * A call made with each injection point of the task in turn, until one
 * passes them all. @prepare (may be NULL) runs before the fault is armed;
 * @call returns 0 or -errno; @ok undoes a call that succeeded (@injected:
 * despite the fault, a fallback) and @failed checks what a failed one
 * left (either may be NULL). A failure must come from the fault and
 * have a clean errno.
 */
struct sweep {
	const char *what;
	void (*prepare)(void *ctx, int n);
	int (*call)(void *ctx);
	void (*ok)(void *ctx, bool injected);
	void (*failed)(void *ctx);
};

static struct tally sweep(const struct sweep *s, void *ctx)
{
	struct tally t = {};
	bool injected;
	int n, ret;

	for (n = 1; n <= MAX_POINTS; n++) {
		if (s->prepare)
			s->prepare(ctx, n);
		arm(n);
		ret = s->call(ctx);
		injected = disarm();
		if (ret == 0) {
			if (s->ok)
				s->ok(ctx, injected);
			if (!injected)
				break;
			t.fallbacks++;
			continue;
		}
		igt_assert_f(injected, "%s failed without a fault: %s", s->what,
			     strerror(-ret));
		igt_assert_f(clean_errno(-ret), "fault %d: %s failed with %s", n, s->what,
			     strerror(-ret));
		t.errnos[-ret & 0xff]++;
		if (s->failed)
			s->failed(ctx);
	}
	igt_assert_f(n <= MAX_POINTS, "%s: more than %d injection points", s->what,
		     MAX_POINTS);
	t.points = n - 1;
	report(s->what, &t);
	return t;
}

/* What the import and map sweeps work on. */
struct import_ctx {
	const struct importer *imp;
	struct dmabuf_buffer *b;
	int fd;
	uint32_t handle, seed;
	struct dma_buf_test_read rd;
};

static int import_call(void *data)
{
	struct import_ctx *c = data;

	return import(c->imp, c->fd, c->b->dmabuf, &c->handle);
}

static void import_ok(void *data, bool injected)
{
	struct import_ctx *c = data;

	bufinfo_wait_count_dev(c->b->ino, devname_of(c->imp), 1);
	release(c->imp, c->fd, c->handle);
	bufinfo_wait_count_dev(c->b->ino, devname_of(c->imp), 0);
}

static void import_failed(void *data)
{
	struct import_ctx *c = data;

	bufinfo_wait_count_dev(c->b->ino, devname_of(c->imp), 0);
}

/* Each injection point of one import in turn. */
static const struct sweep import_sweep = {
	.what = "import",
	.call = import_call,
	.ok = import_ok,
	.failed = import_failed,
};

/*
 * The test device maps on its first read: each injection point of that,
 * on a fresh import each time.
 */
static void map_prepare(void *data, int n)
{
	struct import_ctx *c = data;

	igt_assert_eq(import(c->imp, c->fd, c->b->dmabuf, &c->handle), 0);
}

static int map_call(void *data)
{
	struct import_ctx *c = data;

	return testdev_read(c->fd, c->handle, 0, &c->rd);
}

static void map_failed(void *data)
{
	struct import_ctx *c = data;

	release(c->imp, c->fd, c->handle);
	bufinfo_wait_count_dev(c->b->ino, devname_of(c->imp), 0);
}

static void map_ok(void *data, bool injected)
{
	struct import_ctx *c = data;

	/* Released first: an assertion must not leave the import behind. */
	map_failed(data);
	igt_assert(c->rd.checksum == pattern_checksum(BUF_SIZE, c->seed));
}

static const struct sweep map_sweep = {
	.what = "first map",
	.prepare = map_prepare,
	.call = map_call,
	.ok = map_ok,
	.failed = map_failed,
};

static void pair(const struct exporter *e, const struct importer *imp)
{
	uint32_t seed = 0xfa017000u, handle;
	struct dmabuf_buffer b;
	struct import_ctx c;
	void *map;
	int fd;

	source_require(&e->src);
	if (imp->dev)
		drm_require(imp->dev);
	else
		testdev_require(testdev, TESTDEV_DMA64);
	b = source_export(&e->src, BUF_SIZE, seed);
	fd = imp->dev ? drm_reopen_driver(imp->dev->fd) : testdev_open();
	c = (struct import_ctx){ .imp = imp, .b = &b, .fd = fd, .seed = seed };
	if (imp->requests == DMA_BUF_TEST_REQUEST_PAL && dma_topology() != TOPO_DIRECT) {
		/* No PAL for this device here: refused cleanly, nothing to sweep. */
		igt_assert_eq(import(imp, fd, b.dmabuf, &handle), -EOPNOTSUPP);
		igt_assert_eq(bufinfo_count_dev(b.ino, devname_of(imp)), 0);
		igt_info("%s: the trust rule refuses PAL in the %s topology\n", imp->name,
			 dma_topology_name(dma_topology()));
		close(fd);
		buffer_release(&b);
		return;
	}

	sweep(&import_sweep, &c);
	if (!imp->dev) {
		struct tally t = sweep(&map_sweep, &c);

		/* Its first map allocates a list: the converter's from an SGT exporter. */
		igt_assert_f(imp->requests != DMA_BUF_TEST_REQUEST_PAL || t.points > t.fallbacks,
			     "no fault failed the first map: it allocated no list");
	}

	/* Without faults: the import works and sees the buffer. */
	igt_assert_eq(import(imp, fd, b.dmabuf, &handle), 0);
	bufinfo_wait_count_dev(b.ino, devname_of(imp), 1);
	if (imp->dev) {
		int again = prime_handle_to_fd_for_mmap(fd, handle);

		igt_assert_eq(fd_inode(again), b.ino);
		map = dmabuf_mmap(again, BUF_SIZE);
		igt_assert_eq(pattern_check(map, BUF_SIZE, seed), -1);
		munmap(map, BUF_SIZE);
		close(again);
		gem_close(fd, handle);
	} else {
		testdev_release(fd, handle);
		testdev_check_pattern(fd, b.dmabuf, BUF_SIZE, seed);
	}
	close(fd);
	bufinfo_wait_count_dev(b.ino, devname_of(imp), 0);
	buffer_release(&b);
}

static void pair_subtest(const struct exporter *e, const struct importer *imp)
{
	if (e->src.dev && e->src.dev == imp->dev)
		return;	/* a self-import attaches nothing */
	if (imp->requests == DMA_BUF_TEST_REQUEST_PAL && !source_serves_pal(&e->src))
		return;	/* refused before anything is allocated (prime_cross_driver) */
	igt_describe("Each allocation of the import fails in turn: a clean errno, "
		     "no attachment left, then a clean import works.");
	igt_subtest_f("import-%s-to-%s", e->name, imp->name)
		pair(e, imp);
}

static const struct exporter *exporter_named(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(exporters); i++)
		if (!strcmp(exporters[i].name, name))
			return &exporters[i];
	igt_assert_f(false, "no exporter %s", name);
	return NULL;
}

struct fb_ctx {
	struct dmabuf_buffer *b;
	int fd;
	uint32_t handles[4], pitches[4], offsets[4], fb, conn, crtc;
	drmModeModeInfo mode;
};

/* Unmapped (a fallback's call mapped it): each call maps it again. */
static void fb_move(void *data, int n)
{
	struct fb_ctx *c = data;
	int ret = testdev_move(c->b->fd, c->b->dmabuf);

	igt_assert_f(ret == 0, "MOVE before call %d: %s (left pinned?)", n, strerror(-ret));
}

static int fb_add(void *data)
{
	struct fb_ctx *c = data;

	return drmModeAddFB2(c->fd, FB_W, FB_H, DRM_FORMAT_XRGB8888, c->handles,
			     c->pitches, c->offsets, &c->fb, 0) ? -errno : 0;
}

/* The framebuffer of the call without a fault stays, for the modesets. */
static void fb_added(void *data, bool injected)
{
	struct fb_ctx *c = data;

	if (injected)
		igt_assert_eq(drmModeRmFB(c->fd, c->fb), 0);
}

static int fb_show(void *data)
{
	struct fb_ctx *c = data;

	return drmModeSetCrtc(c->fd, c->crtc, c->fb, 0, 0, &c->conn, 1, &c->mode) ?
		-errno : 0;
}

/* Shown: pinned, so MOVE fails; then off again. */
static void fb_shown(void *data, bool injected)
{
	struct fb_ctx *c = data;
	int shown = testdev_move(c->b->fd, c->b->dmabuf);

	igt_assert_eq(drmModeSetCrtc(c->fd, c->crtc, 0, 0, 0, NULL, 0, NULL), 0);
	igt_assert_f(shown == -EBUSY, "MOVE while shown: %s, expected EBUSY",
		     shown ? strerror(-shown) : "moved");
}

static const struct sweep addfb_sweep = {
	.what = "framebuffer",
	.prepare = fb_move,
	.call = fb_add,
	.ok = fb_added,
};

static const struct sweep modeset_sweep = {
	.what = "modeset after a move",
	.prepare = fb_move,
	.call = fb_show,
	.ok = fb_shown,
};

/*
 * udmabuf makes the table its CPU syncs use on the first SYNC_START: each
 * injection point of that, on a fresh udmabuf each time. A failed start
 * leaves no table (an END is then refused, as before any start); one that
 * succeeded ends.
 */
struct cpu_ctx {
	int dmabuf;
};

static void cpu_fresh(void *data, int n)
{
	struct cpu_ctx *c = data;
	void *map;

	if (c->dmabuf >= 0)
		close(c->dmabuf);
	c->dmabuf = udmabuf_create(BUF_SIZE, &map);
	munmap(map, BUF_SIZE);
}

static int cpu_start(void *data)
{
	struct cpu_ctx *c = data;
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };

	return igt_ioctl(c->dmabuf, DMA_BUF_IOCTL_SYNC, &sync) ? -errno : 0;
}

static void cpu_started(void *data, bool injected)
{
	struct cpu_ctx *c = data;

	dmabuf_sync(c->dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
}

static void cpu_not_started(void *data)
{
	struct cpu_ctx *c = data;
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ };

	igt_assert_f(igt_ioctl(c->dmabuf, DMA_BUF_IOCTL_SYNC, &sync) == -1 && errno == EINVAL,
		     "SYNC_END after a failed first SYNC_START: %s, expected EINVAL",
		     strerror(errno));
}

static const struct sweep cpu_sweep = {
	.what = "udmabuf's first CPU access",
	.prepare = cpu_fresh,
	.call = cpu_start,
	.ok = cpu_started,
	.failed = cpu_not_started,
};

static void cpu_access_sweep(void)
{
	struct cpu_ctx c = { .dmabuf = -1 };
	struct tally t;

	udmabuf_require();
	t = sweep(&cpu_sweep, &c);
	igt_assert_f(t.points > t.fallbacks,
		     "no fault failed the first SYNC_START: it made no table");
	close(c.dmabuf);
}

/*
 * virtio-gpu maps an import when a framebuffer uses it (ADDFB2 makes its
 * host resource the first time), and again when a plane shows it after
 * the exporter moved it (the plane's prepare pins it and allocates the
 * flush's fence). Each injection point of both in turn. The test device's
 * MOVE, which fails with EBUSY on a pinned buffer, checks that a failed
 * call left nothing pinned, and unmaps the import so that every call maps
 * it again. At least one point must fail each call: otherwise the sweep
 * no longer reaches the map it is for.
 */
static void framebuffer_sweep(void)
{
	const struct exporter *e = exporter_named("test-native");
	struct dmabuf_buffer b;
	struct fb_ctx c = {
		.b = &b,
		.fd = virtio[1].fd,	/* the DRM master: it may set modes */
		.pitches = { FB_W * 4 },
		.mode = kms_user_mode(FB_W, FB_H),
	};
	struct tally t;

	igt_assert(e->src.kind == EXP_TESTDEV && e->src.offers == DMA_BUF_TEST_OFFER_SGT);
	source_require(&e->src);
	drm_require(&virtio[1]);
	b = source_export(&e->src, BUF_SIZE, 0xfa017100u);
	kms_find_output(c.fd, &c.conn, &c.crtc);
	igt_assert_eq(__prime_fd_to_handle(c.fd, b.dmabuf, &c.handles[0]), 0);
	t = sweep(&addfb_sweep, &c);
	igt_assert_f(t.points > t.fallbacks, "no fault failed AddFB2: it did not map the import");
	t = sweep(&modeset_sweep, &c);
	igt_assert_f(t.points > t.fallbacks, "no fault failed a modeset");

	igt_assert_eq(drmModeRmFB(c.fd, c.fb), 0);
	gem_close(c.fd, c.handles[0]);
	bufinfo_wait_count_dev(b.ino, virtio[1].devname, 0);
	buffer_release(&b);
}

igt_main
{
	igt_fixture {
		igt_require_f(access("/sys/kernel/debug/failslab", F_OK) == 0 &&
			      access("/proc/thread-self/fail-nth", F_OK) == 0,
			      "needs CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS\n");
		drm_open_vm_devices(virtio, &vgem, &vkms);
		testdev = testdev_try_open();
		{
			struct dma_buf_test_info info;

			if (testdev >= 0 && testdev_info(testdev, TESTDEV_DMA64, &info))
				snprintf(testdev_name, sizeof(testdev_name), "%s", info.name);
		}
		if (access("/sys/kernel/debug/dma-api", F_OK) == 0)
			spare_dma_debug();
		/* Sleeping allocations may fail too, quietly; pages of order 0 too. */
		write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
		write_file("/sys/kernel/debug/failslab/verbose", "0");
		write_file("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N");
		write_file("/sys/kernel/debug/fail_page_alloc/min-order", "0");
		write_file("/sys/kernel/debug/fail_page_alloc/verbose", "0");
		fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
		igt_assert(fail_nth >= 0);
	}

	for (size_t i = 0; i < ARRAY_SIZE(exporters); i++)
		for (size_t j = 0; j < ARRAY_SIZE(importers); j++)
			pair_subtest(&exporters[i], &importers[j]);

	igt_describe("Each allocation of a framebuffer of an import, and of a "
		     "modeset showing it after a move, fails in turn: a clean "
		     "errno, nothing left pinned, then both work.");
	igt_subtest("framebuffer-test-native-to-virtio-gpu-b")
		framebuffer_sweep();

	igt_describe("Each allocation of udmabuf's first CPU access (its "
		     "table) fails in turn: a clean errno and no table left, "
		     "then the access works.");
	igt_subtest("cpu-access-udmabuf")
		cpu_access_sweep();

	igt_fixture {
		write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "Y");
		write_file("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "Y");
		write_file("/sys/kernel/debug/fail_page_alloc/min-order", "1");
	}
}
