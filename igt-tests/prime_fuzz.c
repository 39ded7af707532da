// SPDX-License-Identifier: MIT
/*
 * Hostile input: random and boundary values for the PRIME ioctls of every
 * DRM driver in the VM (virtio-gpu A and B, vgem, vkms) and for the dma-buf
 * ioctls (DMA_BUF_IOCTL_SYNC flags, SET_NAME lengths and pointers,
 * EXPORT_SYNC_FILE / IMPORT_SYNC_FILE flags and fds, unknown commands) on
 * a buffer of every exporter (those four, udmabuf, the system heap, the
 * test device). Each call's result is checked against what the uAPI says
 * it must be for that input (an oracle, not just "no crash"); a name that
 * was set must show in the fd's fdinfo. Afterwards every handle and fd is
 * closed and bufinfo must be back to where it started.
 *
 * Bounded: PRIME_FUZZ_ITERS calls per subtest (default 400). The seed,
 * PRIME_FUZZ_SEED (default 0x5eed), is printed with every failure together
 * with the iteration, so that a failure can be replayed exactly.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "igt.h"
#include "igt_dmabuf_exporter.h"
#include "igt_dmabuf_util.h"
#include "igt_dmabuf_testdev.h"

/**
 * TEST: prime fuzz
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DMABUF
 * Functionality: typed dma-buf mappings
 * Feature: prime, fuzzing
 * Description: Random and boundary input to the PRIME and dma-buf ioctls,
 *              checked against what the uAPI says
 */
/**
 * SUBTEST: prime-ioctls-%s
 * Description: Random and boundary values for the PRIME ioctls of the driver.
 *
 * arg[1]:
 *
 * @virtio-gpu-a:
 * @virtio-gpu-b:
 * @vgem:
 * @vkms:
 */
/**
 * SUBTEST: dmabuf-ioctls-%s
 * Description: Random and boundary values for the dma-buf ioctls on a buffer of
 *              the exporter.
 *
 * arg[1]:
 *
 * @virtio-gpu-a:
 * @virtio-gpu-b:
 * @vgem:
 * @vkms:
 * @udmabuf:
 * @system-heap:
 * @test-device:
 */

#define BUF_SIZE	(16 * 1024)
#define N_HANDLES	4

static struct drm_dev virtio[2], vgem, vkms;
static uint64_t rng;
static unsigned long seed, iters, iter;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32) % n;
}

static uint32_t rnd32(void)
{
	return rnd(0xffffffffu) ^ (rnd(2) << 31);
}

/* Every check names the seed and iteration that replays it. */
#define check(cond, ...)						\
	igt_assert_f(cond, "seed %#lx, iteration %lu: " __VA_ARGS__)

/* Run an ioctl; 0 or -errno. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static void start(const char *what)
{
	const char *v = getenv("PRIME_FUZZ_SEED");

	seed = v && *v ? strtoul(v, NULL, 0) : 0x5eed;
	v = getenv("PRIME_FUZZ_ITERS");
	iters = v && *v ? strtoul(v, NULL, 0) : 400;
	rng = (seed + 1) * 0x9e3779b97f4a7c15ull;
	for (const char *p = what; *p; p++)
		rng = (rng ^ (uint8_t)*p) * 0x100000001b3ull;
	rng |= 1;
	igt_info("%s: seed %#lx, %lu iterations (PRIME_FUZZ_SEED, PRIME_FUZZ_ITERS)\n",
		 what, seed, iters);
}

/* Foreign dma-bufs to import: udmabuf, the system heap, another driver's. */
#define N_SOURCES 3

static void sources_describe(struct dmabuf_source *src, const struct drm_dev *self)
{
	src[0] = (struct dmabuf_source){ .kind = EXP_UDMABUF };
	src[1] = (struct dmabuf_source){ .kind = EXP_HEAP, .heap = "system" };
	src[2] = (struct dmabuf_source){ .kind = EXP_DUMB,
					 .dev = self == &vgem ? &vkms : &vgem };
}

/* A handle value: one of ours, or a boundary or random one. */
static uint32_t pick_handle(const uint32_t *valid)
{
	switch (rnd(5)) {
	case 0: return valid[rnd(N_HANDLES)];
	case 1: return 0;
	case 2: return 0xffffffffu;
	case 3: return 1 + rnd(64);
	default: return rnd32();
	}
}

static bool is_valid(const uint32_t *valid, uint32_t h)
{
	for (int i = 0; i < N_HANDLES; i++)
		if (valid[i] == h)
			return true;
	return false;
}

/* Imports the fuzzer keeps open: valid handles too. */
struct kept {
	uint32_t handles[8];
	int n;
};

static bool is_kept(const struct kept *k, uint32_t h)
{
	for (int i = 0; i < k->n; i++)
		if (k->handles[i] == h)
			return true;
	return false;
}

static void kept_remove(struct kept *k, uint32_t h)
{
	for (int i = 0; i < k->n; i++)
		if (k->handles[i] == h)
			k->handles[i] = k->handles[--k->n];
}

static uint32_t pick_prime_flags(void)
{
	static const uint32_t good[] = { 0, DRM_CLOEXEC, DRM_RDWR, DRM_CLOEXEC | DRM_RDWR };

	return rnd(3) ? good[rnd(4)] : rnd32();
}

static void fuzz_prime(struct drm_dev *dev)
{
	int fd = drm_reopen_driver(dev->fd), closed, memfd, pipefd[2];
	uint32_t valid[N_HANDLES];
	struct dmabuf_source srcs[N_SOURCES];
	struct dmabuf_buffer bufs[N_SOURCES];
	struct kept kept = {};
	size_t map_size;
	void *map;

	sources_describe(srcs, dev);
	for (int i = 0; i < N_SOURCES; i++)
		bufs[i] = source_export(&srcs[i], BUF_SIZE, i);
	for (int i = 0; i < N_HANDLES; i++) {
		valid[i] = dumb_create(fd, BUF_SIZE, &map, &map_size);
		munmap(map, map_size);
	}
	memfd = memfd_create("not-a-dma-buf", MFD_CLOEXEC);
	igt_assert(memfd >= 0 && pipe(pipefd) == 0);
	closed = dup(memfd);
	close(closed);

	for (iter = 0; iter < iters; iter++) {
		struct drm_prime_handle args = {};
		struct drm_gem_close gc = {};
		int ret, want;

		switch (rnd(3)) {
		case 0:	/* HANDLE_TO_FD */
			args.handle = pick_handle(valid);
			args.flags = pick_prime_flags();
			args.fd = rnd32();
			ret = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args);
			want = args.flags & ~(DRM_CLOEXEC | DRM_RDWR) ? -EINVAL :
			       !is_valid(valid, args.handle) &&
			       !is_kept(&kept, args.handle) ? -ENOENT : 0;
			check(ret == want, "HANDLE_TO_FD handle %#x flags %#x: %d, expected %d",
			      seed, iter, args.handle, args.flags, ret, want);
			if (!ret)
				close(args.fd);
			break;
		case 1: {	/* FD_TO_HANDLE */
			const int bad[] = { -1, INT_MAX, closed, memfd, pipefd[0], fd };
			const int bad_errno[] = { -EBADF, -EBADF, -EBADF, -EINVAL, -EINVAL,
						  -EINVAL };
			int k = rnd(ARRAY_SIZE(bad) + N_SOURCES);

			args.flags = rnd32();
			args.handle = rnd32();
			if (k < (int)ARRAY_SIZE(bad)) {
				args.fd = bad[k];
				want = bad_errno[k];
			} else {
				args.fd = bufs[k - ARRAY_SIZE(bad)].dmabuf;
				want = 0;
			}
			ret = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args);
			check(ret == want, "FD_TO_HANDLE fd %d flags %#x: %d, expected %d",
			      seed, iter, args.fd, args.flags, ret, want);
			if (!ret) {
				check(!is_valid(valid, args.handle),
				      "a foreign import got handle %#x of a dumb buffer",
				      seed, iter, args.handle);
				/*
				 * Half of the imports stay for a while (the same
				 * buffer imported again is the same handle).
				 */
				if (rnd(2)) {
					gc.handle = args.handle;
					check(!xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc),
					      "GEM_CLOSE of an import", seed, iter);
					kept_remove(&kept, args.handle);
				} else if (!is_kept(&kept, args.handle)) {
					igt_assert(kept.n < (int)ARRAY_SIZE(kept.handles));
					kept.handles[kept.n++] = args.handle;
				}
			}
			break;
		}
		default:	/* GEM_CLOSE of what is not a handle */
			gc.handle = pick_handle(valid);
			gc.pad = rnd(4) ? 0 : rnd32();
			if (is_valid(valid, gc.handle) || gc.handle < 64)
				break;	/* ours, or possibly an import that is still open */
			ret = xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
			check(ret == -EINVAL, "GEM_CLOSE handle %#x: %d, expected -EINVAL",
			      seed, iter, gc.handle, ret);
			break;
		}
	}

	close(pipefd[0]);
	close(pipefd[1]);
	close(memfd);
	for (int i = 0; i < N_SOURCES; i++)
		buffer_release(&bufs[i]);
	close(fd);
}

/* A dma-buf of exporter @name, and what keeps its creator alive. */
struct victim {
	int dmabuf;
	int fd, td;
	uint32_t handle;
	/*
	 * udmabuf creates its CPU access table on the first SYNC_START and
	 * refuses an END before it with -EINVAL.
	 */
	bool end_needs_start;
	bool started;
};

/*
 * Untouched by the CPU: no SYNC has started udmabuf's CPU access, which
 * the SYNC fuzzing needs (source_export() syncs the heap's buffer).
 */
static struct victim victim_open(const struct dmabuf_source *src)
{
	struct victim v = { .fd = -1, .td = -1 };
	size_t map_size;
	void *map;

	switch (src->kind) {
	case EXP_UDMABUF:
		v.dmabuf = udmabuf_create(BUF_SIZE, &map);
		munmap(map, BUF_SIZE);
		v.end_needs_start = true;
		break;
	case EXP_HEAP:
		v.dmabuf = heap_alloc(src->heap, BUF_SIZE);
		break;
	case EXP_TESTDEV:
		v.td = testdev_open();
		v.dmabuf = testdev_export(v.td, BUF_SIZE, src->offers, 1, 0);
		break;
	case EXP_DUMB:
		v.fd = drm_reopen_driver(src->dev->fd);
		v.handle = dumb_create(v.fd, BUF_SIZE, &map, &map_size);
		munmap(map, map_size);
		v.dmabuf = prime_handle_to_fd_for_mmap(v.fd, v.handle);
		break;
	default:
		igt_assert_f(0, "no fuzzing of exporter kind %d", src->kind);
	}
	return v;
}

static void victim_close(struct victim *v)
{
	close(v->dmabuf);
	if (v->fd >= 0) {
		gem_close(v->fd, v->handle);
		close(v->fd);
	}
	if (v->td >= 0)
		close(v->td);
}

/* The "name:" of the dma-buf's fdinfo. */
static void fdinfo_name(int dmabuf, char *out, size_t size)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", dmabuf);
	f = fopen(path, "r");
	igt_assert(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "name:\t", 6)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, size, "%.*s", (int)size - 1, line + 6);
		}
	fclose(f);
}

static uint64_t pick_sync_flags(void)
{
	static const uint64_t good[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
		0, DMA_BUF_SYNC_START, DMA_BUF_SYNC_END,
	};

	switch (rnd(3)) {
	case 0: return good[rnd(ARRAY_SIZE(good))];
	case 1: return 1ull << rnd(64);
	default: return (uint64_t)rnd32() << 32 | rnd32();
	}
}

/* The result the uAPI promises for SYNC with @flags. */
static int sync_result(uint64_t flags)
{
	if (flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK)
		return -EINVAL;
	return flags & DMA_BUF_SYNC_RW ? 0 : -EINVAL;
}

static void fuzz_set_name(int dmabuf, char *guard_edge)
{
	static const int lens[] = { 0, 1, 16, 30, 31, 32, 33, 64, 4095 };
	char name[4096], seen[128];
	unsigned long cmd = rnd(2) ? DMA_BUF_SET_NAME_A : DMA_BUF_SET_NAME_B;
	const char *arg;
	int len, ret, want;

	switch (rnd(4)) {
	case 0:		/* bad pointers */
		arg = rnd(2) ? NULL : (const char *)(uintptr_t)(1 + rnd(4095));
		ret = xioctl(dmabuf, cmd, (void *)arg);
		check(ret == -EFAULT, "SET_NAME(%p): %d, expected -EFAULT", seed, iter, arg,
		      ret);
		return;
	case 1:		/* unterminated, running into an unmapped page */
		len = 1 + rnd(64);
		memset(guard_edge - len, 'x', len);
		ret = xioctl(dmabuf, cmd, guard_edge - len);
		/* 32 bytes with no NUL are too long before the fault. */
		want = len >= DMA_BUF_NAME_LEN ? -EINVAL : -EFAULT;
		check(ret == want, "SET_NAME of %d bytes up to a hole: %d, expected %d",
		      seed, iter, len, ret, want);
		return;
	default:
		len = lens[rnd(ARRAY_SIZE(lens))];
		for (int i = 0; i < len; i++)
			name[i] = 'a' + rnd(26);
		name[len] = '\0';
		ret = xioctl(dmabuf, cmd, name);
		/* The limit counts the NUL. */
		want = len + 1 > DMA_BUF_NAME_LEN ? -EINVAL : 0;
		check(ret == want, "SET_NAME of %d bytes: %d, expected %d", seed, iter, len,
		      ret, want);
		if (ret)
			return;
		fdinfo_name(dmabuf, seen, sizeof(seen));
		check(!strcmp(seen, name), "name \"%s\" reads back as \"%s\"", seed, iter,
		      name, seen);
	}
}

static void fuzz_dmabuf(const struct dmabuf_source *src)
{
	struct victim v = victim_open(src);
	int memfd = memfd_create("not-a-sync-file", MFD_CLOEXEC), closed;
	long pagesz = sysconf(_SC_PAGESIZE);
	char *page;

	igt_assert(memfd >= 0);
	closed = dup(memfd);
	close(closed);
	/* A page followed by a hole, for strings that never end. */
	page = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	igt_assert(page != MAP_FAILED);
	igt_assert(munmap(page + pagesz, pagesz) == 0);

	for (iter = 0; iter < iters; iter++) {
		struct dma_buf_export_sync_file exp = {};
		struct dma_buf_import_sync_file imp = {};
		struct dma_buf_sync sync = {};
		int ret, want;

		switch (rnd(5)) {
		case 0:
			sync.flags = pick_sync_flags();
			ret = xioctl(v.dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
			want = sync_result(sync.flags);
			if (!want && (sync.flags & DMA_BUF_SYNC_END) && v.end_needs_start &&
			    !v.started)
				want = -EINVAL;
			if (!ret && !(sync.flags & DMA_BUF_SYNC_END))
				v.started = true;
			check(ret == want, "SYNC flags %#llx: %d, expected %d", seed, iter,
			      (unsigned long long)sync.flags, ret, want);
			break;
		case 1:
			fuzz_set_name(v.dmabuf, page + pagesz);
			break;
		case 2:
			exp.flags = rnd(2) ? rnd(4) : rnd32();
			exp.fd = rnd32();
			ret = xioctl(v.dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp);
			want = exp.flags & ~DMA_BUF_SYNC_RW || !(exp.flags & DMA_BUF_SYNC_RW) ?
			       -EINVAL : 0;
			check(ret == want, "EXPORT_SYNC_FILE flags %#x: %d, expected %d", seed,
			      iter, exp.flags, ret, want);
			if (ret)
				break;
			check(exp.fd >= 0, "EXPORT_SYNC_FILE gave fd %d", seed, iter, exp.fd);
			/* Hand it back, with good and bad flags. */
			imp.flags = rnd(2) ? rnd(4) : rnd32();
			imp.fd = exp.fd;
			ret = xioctl(v.dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp);
			want = imp.flags & ~DMA_BUF_SYNC_RW || !(imp.flags & DMA_BUF_SYNC_RW) ?
			       -EINVAL : 0;
			check(ret == want, "IMPORT_SYNC_FILE flags %#x: %d, expected %d",
			      seed, iter, imp.flags, ret, want);
			close(exp.fd);
			break;
		case 3: {	/* IMPORT_SYNC_FILE of what is not a sync file */
			const int bad[] = { -1, INT_MAX, closed, memfd, v.dmabuf };

			imp.flags = DMA_BUF_SYNC_RW;
			imp.fd = bad[rnd(ARRAY_SIZE(bad))];
			ret = xioctl(v.dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp);
			check(ret == -EINVAL, "IMPORT_SYNC_FILE fd %d: %d, expected -EINVAL",
			      seed, iter, imp.fd, ret);
			break;
		}
		default: {	/* unknown commands of the dma-buf ioctl space */
			static const unsigned long known[] = {
				DMA_BUF_IOCTL_SYNC, DMA_BUF_SET_NAME_A, DMA_BUF_SET_NAME_B,
				DMA_BUF_IOCTL_EXPORT_SYNC_FILE, DMA_BUF_IOCTL_IMPORT_SYNC_FILE,
			};
			uint64_t buf[8] = {};
			unsigned long cmd = _IOC(rnd(4), DMA_BUF_BASE, rnd(16), rnd(64));
			bool is_known = false;

			for (size_t k = 0; k < ARRAY_SIZE(known); k++)
				is_known |= cmd == known[k];
			if (is_known)
				break;
			ret = xioctl(v.dmabuf, cmd, buf);
			check(ret == -ENOTTY, "ioctl %#lx: %d, expected -ENOTTY", seed, iter,
			      cmd, ret);
			break;
		}
		}
	}

	munmap(page, pagesz);
	close(memfd);
	victim_close(&v);
}

static void prime_subtest(struct drm_dev *dev, const char *name)
{
	struct dmabuf_source srcs[N_SOURCES];
	char before[128], what[64];

	igt_describe("Random and boundary handles, flags and fds for the PRIME "
		     "ioctls: each result as the uAPI says, nothing left behind.");
	igt_subtest_f("prime-ioctls-%s", name) {
		drm_require(dev);
		sources_describe(srcs, dev);
		for (int i = 0; i < N_SOURCES; i++)
			source_require(&srcs[i]);
		snprintf(what, sizeof(what), "prime-ioctls-%s", name);
		start(what);
		bufinfo_total(before, sizeof(before));
		fuzz_prime(dev);
		bufinfo_expect_total(before);
	}
}

static void dmabuf_subtest(const char *exporter, const struct dmabuf_source *src)
{
	char before[128], what[64];

	igt_describe("Random and boundary SYNC flags, SET_NAME strings and "
		     "pointers, sync-file flags and fds, unknown commands on a "
		     "dma-buf: each result as the uAPI says, nothing left behind.");
	igt_subtest_f("dmabuf-ioctls-%s", exporter) {
		source_require(src);
		snprintf(what, sizeof(what), "dmabuf-ioctls-%s", exporter);
		start(what);
		bufinfo_total(before, sizeof(before));
		fuzz_dmabuf(src);
		bufinfo_expect_total(before);
	}
}

igt_main
{
	static const struct {
		const char *name;
		struct dmabuf_source src;
	} exporters[] = {
		{ "virtio-gpu-a", { .kind = EXP_DUMB, .dev = &virtio[0] } },
		{ "virtio-gpu-b", { .kind = EXP_DUMB, .dev = &virtio[1] } },
		{ "vgem", { .kind = EXP_DUMB, .dev = &vgem } },
		{ "vkms", { .kind = EXP_DUMB, .dev = &vkms } },
		{ "udmabuf", { .kind = EXP_UDMABUF } },
		{ "system-heap", { .kind = EXP_HEAP, .heap = "system" } },
		{ "test-device", { .kind = EXP_TESTDEV, .offers = DMA_BUF_TEST_OFFER_SGT } },
	};

	igt_fixture {
		drm_open_vm_devices(virtio, &vgem, &vkms);
	}

	prime_subtest(&virtio[0], "virtio-gpu-a");
	prime_subtest(&virtio[1], "virtio-gpu-b");
	prime_subtest(&vgem, "vgem");
	prime_subtest(&vkms, "vkms");
	for (size_t i = 0; i < ARRAY_SIZE(exporters); i++)
		dmabuf_subtest(exporters[i].name, &exporters[i].src);
}
