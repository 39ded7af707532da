// SPDX-License-Identifier: MIT
/*
 * PRIME under load: several threads share buffers across both virtio-gpu
 * cards, vgem, vkms and udmabuf at once, with the test device as a reader
 * through the negotiated mapping. Each thread, in random order: creates a
 * buffer on a random exporter with a data pattern and puts its dma-buf in
 * a shared pool (closing the exporter's GEM handle at once or later);
 * imports a pooled buffer into a random importer, checks that the import
 * is the same buffer and holds the pattern (through the dma-buf's mmap, or
 * through the test device's mapping), and keeps the import for a while;
 * closes a pooled buffer, exporter handle and fd, while other threads may
 * still hold imports of it. At the end every buffer the run created must
 * be gone from bufinfo; the VM tier then has kmemleak scan.
 *
 * concurrent-first-cpu-access: threads start CPU access (DMA_BUF_IOCTL_SYNC)
 * on a fresh buffer of each exporter at the same moment; kmemleak must find
 * nothing afterwards. udmabuf created its CPU access table unlocked on the
 * first SYNC, so two threads both created one and one leaked (found by the
 * stress run: kmemleak and a DMA-API overlapping-mapping report).
 *
 * Bounded in time and count. Knobs, from the environment (the VM passes
 * unknown kernel command-line words name=value to init as environment):
 * PRIME_STRESS_SECONDS (default 3), PRIME_STRESS_THREADS (default 4),
 * PRIME_STRESS_SEED (default 1, printed so that a run can be replayed as
 * far as thread scheduling allows).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <xf86drm.h>

#include "igt.h"
#include "igt_dmabuf_util.h"
#include "igt_dmabuf_testdev.h"

/**
 * TEST: prime stress
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DMABUF
 * Functionality: typed dma-buf mappings
 * Feature: prime, stress
 * Description: Threads share buffers across every driver at once
 */
/**
 * SUBTEST: shared-buffers
 * Description: Threads export, import, check and close buffers of random
 *              exporters and importers at once; afterwards nothing is left.
 */
/**
 * SUBTEST: concurrent-first-cpu-access
 * Description: Threads begin CPU access to a fresh buffer at the same time;
 *              one dynamic subtest per exporter (virtio-gpu-a, virtio-gpu-b,
 *              vgem, vkms, udmabuf).
 */

#define POOL_SLOTS	16
#define HELD_IMPORTS	8
/*
 * At most this many imports of one buffer at once, over all threads:
 * dma-debug tracks at most 7 overlapping DMA mappings of a cacheline and
 * WARNs beyond (a limit of the checker, not of the kernel), and a buffer
 * may also be mapped by its exporter's CPU access and by imports whose
 * free is still queued (virtio-gpu frees from a work item).
 */
#define MAX_IMPORTS_PER_BUFFER	4
#define MAX_THREADS	16
#define MAX_INODES	8192
#define MAX_OPS		100000	/* per thread, whatever the time */

static const size_t sizes[] = { 4096, 64 * 1024, 256 * 1024 };

static struct drm_dev virtio[2], vgem, vkms;

/* Exporters and importers; index into these in each thread's fds. */
static struct drm_dev *const drm_devs[] = { &virtio[0], &virtio[1], &vgem, &vkms };
#define N_DRM		ARRAY_SIZE(drm_devs)
#define EXP_UDMABUF	N_DRM		/* exporter index after the DRM devices */
#define IMP_TESTDEV	N_DRM		/* importer index after the DRM devices */

struct slot {
	bool used;
	int dmabuf;
	int exp_fd;		/* the creating thread's client of the exporter */
	uint32_t exp_handle;	/* its GEM handle there, 0 once closed */
	uint32_t seed;
	size_t size;
};

static struct {
	pthread_mutex_t lock;
	struct slot slots[POOL_SLOTS];
	ino_t inodes[MAX_INODES];
	int n_inodes;
	bool inodes_overflow;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct held {
	int imp;		/* index into drm_devs, or IMP_TESTDEV */
	uint32_t handle;
	ino_t ino;		/* the buffer's, for import_slots */
};

/* Imports held or being made per buffer, under pool.lock. */
static struct {
	ino_t ino;
	int n;
} import_slots[MAX_THREADS * (HELD_IMPORTS + 1)];

/* Reserve one import of buffer @ino; false when it has its maximum. */
static bool import_reserve(ino_t ino)
{
	int i, free_slot = -1;
	bool ok = false;

	pthread_mutex_lock(&pool.lock);
	for (i = 0; i < (int)ARRAY_SIZE(import_slots); i++) {
		if (import_slots[i].n && import_slots[i].ino == ino)
			break;
		if (!import_slots[i].n && free_slot < 0)
			free_slot = i;
	}
	if (i == (int)ARRAY_SIZE(import_slots) && free_slot >= 0) {
		i = free_slot;
		import_slots[i].ino = ino;
	}
	if (i < (int)ARRAY_SIZE(import_slots) && import_slots[i].n < MAX_IMPORTS_PER_BUFFER) {
		import_slots[i].n++;
		ok = true;
	}
	pthread_mutex_unlock(&pool.lock);
	return ok;
}

static void import_unreserve(ino_t ino)
{
	pthread_mutex_lock(&pool.lock);
	for (int i = 0; i < (int)ARRAY_SIZE(import_slots); i++) {
		if (import_slots[i].n && import_slots[i].ino == ino) {
			import_slots[i].n--;
			break;
		}
	}
	pthread_mutex_unlock(&pool.lock);
}

struct worker {
	pthread_t thread;
	int id;
	uint64_t rng;
	time_t deadline;
	/*
	 * This thread's own DRM clients, one to export from and one to
	 * import into: an import into the exporting client would return
	 * the exporter's own handle.
	 */
	int exp_fds[N_DRM];
	int imp_fds[N_DRM];
	int testdev;
	int udmabuf_dev;
	struct held held[HELD_IMPORTS];
	int n_held;
	/* counts */
	long created, imports, checks, closes, exporter_closes_early;
	char failure[256];	/* the first failure, "" if none */
};

static uint32_t rnd(struct worker *w, uint32_t n)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 0x2545f4914f6cdd1dull) >> 32) % n;
}

__attribute__((format(printf, 2, 3)))
static void fail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->failure, sizeof(w->failure), fmt, ap);
	va_end(ap);
}

static void record_inode(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return;
	pthread_mutex_lock(&pool.lock);
	if (pool.n_inodes < MAX_INODES)
		pool.inodes[pool.n_inodes++] = st.st_ino;
	else
		pool.inodes_overflow = true;
	pthread_mutex_unlock(&pool.lock);
}

/* A dumb buffer with pattern @seed on DRM client @fd; 0 on failure. */
static uint32_t dumb_with_pattern(struct worker *w, int fd, size_t size, uint32_t seed)
{
	struct drm_mode_create_dumb create = { .width = size / 4, .height = 1, .bpp = 32 };
	struct drm_mode_map_dumb map = {};
	void *p;

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		fail(w, "CREATE_DUMB: %s", strerror(errno));
		return 0;
	}
	map.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		fail(w, "MAP_DUMB: %s", strerror(errno));
		return create.handle;
	}
	p = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
	if (p == MAP_FAILED) {
		fail(w, "mmap dumb: %s", strerror(errno));
		return create.handle;
	}
	pattern_fill(p, size, seed);
	munmap(p, create.size);
	return create.handle;
}

static void close_handle(struct worker *w, int fd, uint32_t handle)
{
	struct drm_gem_close arg = { .handle = handle };

	if (drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &arg))
		fail(w, "GEM_CLOSE: %s", strerror(errno));
}

static int udmabuf_with_pattern(struct worker *w, size_t size, uint32_t seed)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int memfd, buf = -1;
	void *p;

	memfd = memfd_create("prime-stress", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, size)) {
		fail(w, "memfd: %s", strerror(errno));
		goto out;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (p == MAP_FAILED) {
		fail(w, "mmap memfd: %s", strerror(errno));
		goto out;
	}
	pattern_fill(p, size, seed);
	munmap(p, size);
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		fail(w, "F_SEAL_SHRINK: %s", strerror(errno));
		goto out;
	}
	create.memfd = memfd;
	buf = ioctl(w->udmabuf_dev, UDMABUF_CREATE, &create);
	if (buf < 0)
		fail(w, "UDMABUF_CREATE: %s", strerror(errno));
out:
	if (memfd >= 0)
		close(memfd);
	return buf;
}

static void op_create(struct worker *w)
{
	int exp = rnd(w, N_DRM + 1), i, dmabuf;
	size_t size = sizes[rnd(w, ARRAY_SIZE(sizes))];
	uint32_t seed = rnd(w, 0xffffffffu), handle = 0;
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC };

	if (exp == EXP_UDMABUF) {
		dmabuf = udmabuf_with_pattern(w, size, seed);
	} else {
		handle = dumb_with_pattern(w, w->exp_fds[exp], size, seed);
		if (!handle)
			return;
		prime.handle = handle;
		if (drmIoctl(w->exp_fds[exp], DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime)) {
			fail(w, "%s: HANDLE_TO_FD: %s", drm_devs[exp]->driver, strerror(errno));
			close_handle(w, w->exp_fds[exp], handle);
			return;
		}
		dmabuf = prime.fd;
		/* Half the time the exporter lets go at once. */
		if (rnd(w, 2)) {
			close_handle(w, w->exp_fds[exp], handle);
			handle = 0;
			w->exporter_closes_early++;
		}
	}
	if (dmabuf < 0)
		return;
	record_inode(dmabuf);
	w->created++;

	pthread_mutex_lock(&pool.lock);
	for (i = 0; i < POOL_SLOTS && pool.slots[i].used; i++)
		;
	if (i < POOL_SLOTS)
		pool.slots[i] = (struct slot){
			.used = true, .dmabuf = dmabuf,
			.exp_fd = exp == EXP_UDMABUF ? -1 : w->exp_fds[exp],
			.exp_handle = handle, .seed = seed, .size = size,
		};
	pthread_mutex_unlock(&pool.lock);
	if (i == POOL_SLOTS) {
		/* Pool full: this buffer lived only as long as its creation. */
		if (handle)
			close_handle(w, w->exp_fds[exp], handle);
		close(dmabuf);
	}
}

/* Take a reference (a dup) to a random pooled buffer; -1 if none. */
static int pool_get(struct worker *w, uint32_t *seed, size_t *size)
{
	int start = rnd(w, POOL_SLOTS), fd = -1;

	pthread_mutex_lock(&pool.lock);
	for (int k = 0; k < POOL_SLOTS; k++) {
		struct slot *s = &pool.slots[(start + k) % POOL_SLOTS];

		if (!s->used)
			continue;
		fd = fcntl(s->dmabuf, F_DUPFD_CLOEXEC, 0);
		*seed = s->seed;
		*size = s->size;
		break;
	}
	pthread_mutex_unlock(&pool.lock);
	return fd;
}

static void check_mmap(struct worker *w, int dmabuf, size_t size, uint32_t seed,
		       const char *who)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	long off;
	void *p;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, dmabuf, 0);
	if (p == MAP_FAILED) {
		fail(w, "%s: mmap of the re-exported import: %s", who, strerror(errno));
		return;
	}
	if (ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync))
		fail(w, "%s: SYNC start: %s", who, strerror(errno));
	off = pattern_check(p, size, seed);
	if (off >= 0)
		fail(w, "%s: pattern differs at byte %ld", who, off * 4);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	if (ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync))
		fail(w, "%s: SYNC end: %s", who, strerror(errno));
	munmap(p, size);
	w->checks++;
}

static void release_held(struct worker *w, int i)
{
	struct held *h = &w->held[i];

	if (h->imp == IMP_TESTDEV) {
		if (ioctl(w->testdev, DMA_BUF_TEST_IOCTL_RELEASE, &h->handle))
			fail(w, "test device release: %s", strerror(errno));
	} else {
		close_handle(w, w->imp_fds[h->imp], h->handle);
	}
	import_unreserve(h->ino);
	w->held[i] = w->held[--w->n_held];
}

static void keep_or_release(struct worker *w, int imp, uint32_t handle, ino_t ino)
{
	/*
	 * A buffer imported again into the same DRM client is the same
	 * import, with the same handle: it is held once.
	 */
	for (int i = 0; i < w->n_held; i++) {
		if (w->held[i].imp == imp && w->held[i].handle == handle) {
			import_unreserve(ino);
			return;
		}
	}
	if (w->n_held == HELD_IMPORTS)
		release_held(w, rnd(w, w->n_held));
	w->held[w->n_held++] = (struct held){ .imp = imp, .handle = handle, .ino = ino };
	if (rnd(w, 2))
		release_held(w, w->n_held - 1);
}

static void op_import(struct worker *w)
{
	int imp = rnd(w, N_DRM + 1), dmabuf, ret;
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC };
	struct dma_buf_test_read rd;
	struct stat a, b;
	uint32_t seed, handle;
	size_t size;

	dmabuf = pool_get(w, &seed, &size);
	if (dmabuf < 0)
		return;
	if (fstat(dmabuf, &b) || !import_reserve(b.st_ino)) {
		close(dmabuf);
		return;
	}
	w->imports++;
	if (imp == IMP_TESTDEV) {
		ret = testdev_import(w->testdev, TESTDEV_DMA64, dmabuf,
				     DMA_BUF_TEST_REQUEST_SGT, &handle);
		if (ret) {
			fail(w, "test device import: %s", strerror(-ret));
			import_unreserve(b.st_ino);
			goto out;
		}
		ret = testdev_read(w->testdev, handle, 0, &rd);
		if (ret)
			fail(w, "test device read: %s", strerror(-ret));
		else if (rd.bytes != size || rd.checksum != pattern_checksum(size, seed))
			fail(w, "test device read %llu bytes, checksum %016llx, pattern %016llx",
			     (unsigned long long)rd.bytes, (unsigned long long)rd.checksum,
			     (unsigned long long)pattern_checksum(size, seed));
		else
			w->checks++;
		keep_or_release(w, imp, handle, b.st_ino);
		goto out;
	}

	ret = __prime_fd_to_handle(w->imp_fds[imp], dmabuf, &handle);
	if (ret) {
		fail(w, "%s: FD_TO_HANDLE: %s", drm_devs[imp]->driver, strerror(-ret));
		import_unreserve(b.st_ino);
		goto out;
	}
	/* The import is the same buffer: exported again, same inode. */
	prime.handle = handle;
	if (drmIoctl(w->imp_fds[imp], DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime)) {
		fail(w, "%s: HANDLE_TO_FD of an import: %s", drm_devs[imp]->driver,
		     strerror(errno));
	} else {
		if (fstat(prime.fd, &a) || a.st_ino != b.st_ino)
			fail(w, "%s: the import exports another buffer", drm_devs[imp]->driver);
		else
			check_mmap(w, prime.fd, size, seed, drm_devs[imp]->driver);
		close(prime.fd);
	}
	keep_or_release(w, imp, handle, b.st_ino);
out:
	close(dmabuf);
}

static void op_close(struct worker *w)
{
	int start = rnd(w, POOL_SLOTS);
	struct slot s = {};

	pthread_mutex_lock(&pool.lock);
	for (int k = 0; k < POOL_SLOTS; k++) {
		struct slot *p = &pool.slots[(start + k) % POOL_SLOTS];

		if (p->used) {
			s = *p;
			p->used = false;
			break;
		}
	}
	pthread_mutex_unlock(&pool.lock);
	if (!s.used)
		return;
	/* The creator's client stays open until every thread is done. */
	if (s.exp_handle)
		close_handle(w, s.exp_fd, s.exp_handle);
	close(s.dmabuf);
	w->closes++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (long n = 0; n < MAX_OPS && !w->failure[0] && time(NULL) < w->deadline; n++) {
		uint32_t r = rnd(w, 10);

		if (r < 3)
			op_create(w);
		else if (r < 8)
			op_import(w);
		else
			op_close(w);
	}
	while (w->n_held)
		release_held(w, 0);
	return NULL;
}

/* How many of the buffers the run created bufinfo still lists. */
static int buffers_left(void)
{
	char line[512];
	int left = 0;
	FILE *f;

	f = fopen(BUFINFO_PATH, "r");
	igt_assert_f(f, "open %s: %s", BUFINFO_PATH, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long size, ino;
		unsigned int flags, mode;
		char exp[64];
		long count;

		if (sscanf(line, "%llu\t%x\t%x\t%ld\t%63s\t%llu", &size, &flags,
			   &mode, &count, exp, &ino) != 6)
			continue;
		for (int i = 0; i < pool.n_inodes; i++)
			if (pool.inodes[i] == (ino_t)ino)
				left++;
	}
	fclose(f);
	return left;
}

#define RACE_THREADS	4
#define RACE_ROUNDS	48

struct race {
	pthread_barrier_t *barrier;
	int dmabuf;
	int err;
};

static void *race_sync(void *arg)
{
	struct race *r = arg;
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };

	pthread_barrier_wait(r->barrier);
	if (ioctl(r->dmabuf, DMA_BUF_IOCTL_SYNC, &sync))
		r->err = errno;
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	if (!r->err && ioctl(r->dmabuf, DMA_BUF_IOCTL_SYNC, &sync))
		r->err = errno;
	return NULL;
}

static void kmemleak(const char *cmd)
{
	int fd = open("/sys/kernel/debug/kmemleak", O_WRONLY | O_CLOEXEC);

	igt_assert_f(fd >= 0, "kmemleak: %s", strerror(errno));
	igt_assert(write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd));
	close(fd);
}

/* Leaks kmemleak finds now that it did not report before the last "clear". */
static void expect_no_new_leaks(void)
{
	char report[512] = "";
	ssize_t n;
	int fd;

	/*
	 * kmemleak reports only objects older than 5 s, and one once it
	 * stayed unreferenced across a scan: what the last rounds leaked
	 * is reported here, not in the next exporter's check.
	 */
	sleep(6);
	kmemleak("scan");
	sleep(1);
	kmemleak("scan");
	fd = open("/sys/kernel/debug/kmemleak", O_RDONLY | O_CLOEXEC);
	igt_assert(fd >= 0);
	n = read(fd, report, sizeof(report) - 1);
	close(fd);
	igt_assert_f(n == 0, "kmemleak:\n%s", n > 0 ? report : strerror(errno));
}

/* A fresh dma-buf of exporter @e (an index of drm_devs, or EXP_UDMABUF). */
static int race_buffer(int e, int *fd, uint32_t *handle)
{
	size_t map_size;
	void *map;
	int dmabuf;

	if (e == EXP_UDMABUF) {
		dmabuf = udmabuf_create(64 * 1024, &map);
		munmap(map, 64 * 1024);
		return dmabuf;
	}
	*fd = drm_reopen_driver(drm_devs[e]->fd);
	*handle = dumb_create(*fd, 64 * 1024, &map, &map_size);
	munmap(map, map_size);
	return prime_handle_to_fd_for_mmap(*fd, *handle);
}

/* Threads start CPU access on fresh buffers of exporter @e at once. */
static void concurrent_first_cpu_access(int e)
{
	pthread_barrier_t barrier;
	pthread_t threads[RACE_THREADS];
	struct race races[RACE_THREADS];

	if (e == EXP_UDMABUF)
		udmabuf_require();
	else
		drm_require(drm_devs[e]);
	kmemleak("clear");
	igt_assert_eq(pthread_barrier_init(&barrier, NULL, RACE_THREADS), 0);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		uint32_t handle = 0;
		int fd = -1, dmabuf = race_buffer(e, &fd, &handle);

		for (int t = 0; t < RACE_THREADS; t++) {
			races[t] = (struct race){ .barrier = &barrier, .dmabuf = dmabuf };
			igt_assert_eq(pthread_create(&threads[t], NULL, race_sync,
						     &races[t]), 0);
		}
		for (int t = 0; t < RACE_THREADS; t++) {
			pthread_join(threads[t], NULL);
			igt_assert_f(!races[t].err, "SYNC: %s", strerror(races[t].err));
		}
		close(dmabuf);
		if (fd >= 0) {
			gem_close(fd, handle);
			close(fd);
		}
	}
	pthread_barrier_destroy(&barrier);
	expect_no_new_leaks();
}

static long env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	char *end;
	long x;

	if (!v || !*v)
		return def;
	x = strtol(v, &end, 0);
	igt_assert_f(!*end && x >= min && x <= max, "%s=%s: expected %ld..%ld",
		     name, v, min, max);
	return x;
}

igt_main
{
	struct worker workers[MAX_THREADS] = {};
	long seconds, threads, seed;

	igt_fixture {
		drm_open_vm_devices(virtio, &vgem, &vkms);
	}

	igt_describe("Threads create, share, import, check and close buffers across "
		     "virtio-gpu A and B, vgem, vkms, udmabuf and the test device in "
		     "random order; afterwards no buffer is left in bufinfo.");
	igt_subtest("shared-buffers") {
		long created = 0, imports = 0, checks = 0, closes = 0, early = 0;
		time_t deadline;
		int left, w_td;

		for (size_t d = 0; d < N_DRM; d++)
			drm_require(drm_devs[d]);
		udmabuf_require();
		w_td = testdev_try_open();
		testdev_require(w_td, TESTDEV_DMA64);	/* imports into its 64-bit device */
		close(w_td);
		seconds = env_long("PRIME_STRESS_SECONDS", 3, 1, 3600);
		threads = env_long("PRIME_STRESS_THREADS", 4, 1, MAX_THREADS);
		seed = env_long("PRIME_STRESS_SEED", 1, 0, 0x7fffffff);
		igt_info("prime_stress: %ld threads, %ld s, seed %ld "
			 "(PRIME_STRESS_THREADS, _SECONDS, _SEED)\n", threads, seconds, seed);

		deadline = time(NULL) + seconds;
		for (int t = 0; t < threads; t++) {
			struct worker *w = &workers[t];

			w->id = t;
			w->rng = ((uint64_t)seed << 8 | t) * 0x9e3779b97f4a7c15ull | 1;
			w->deadline = deadline;
			for (size_t d = 0; d < N_DRM; d++) {
				w->exp_fds[d] = drm_reopen_driver(drm_devs[d]->fd);
				w->imp_fds[d] = drm_reopen_driver(drm_devs[d]->fd);
			}
			w->testdev = testdev_open();
			w->udmabuf_dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
			igt_assert_f(w->udmabuf_dev >= 0, "open /dev/udmabuf: %s",
				     strerror(errno));
		}
		for (int t = 0; t < threads; t++)
			igt_assert_eq(pthread_create(&workers[t].thread, NULL, worker_main,
						     &workers[t]), 0);
		for (int t = 0; t < threads; t++)
			pthread_join(workers[t].thread, NULL);

		/* What is still pooled goes now, then every client. */
		for (int i = 0; i < POOL_SLOTS; i++) {
			struct slot *s = &pool.slots[i];

			if (!s->used)
				continue;
			if (s->exp_handle)
				gem_close(s->exp_fd, s->exp_handle);
			close(s->dmabuf);
			s->used = false;
		}
		for (int t = 0; t < threads; t++) {
			struct worker *w = &workers[t];

			for (size_t d = 0; d < N_DRM; d++) {
				close(w->exp_fds[d]);
				close(w->imp_fds[d]);
			}
			close(w->testdev);
			close(w->udmabuf_dev);
			created += w->created;
			imports += w->imports;
			checks += w->checks;
			closes += w->closes;
			early += w->exporter_closes_early;
		}
		igt_info("prime_stress: created %ld (exporter handle closed at once: %ld), "
			 "imports %ld, data checks %ld, pool closes %ld\n",
			 created, early, imports, checks, closes);
		for (int t = 0; t < threads; t++)
			igt_assert_f(!workers[t].failure[0], "thread %d: %s", t,
				     workers[t].failure);
		igt_assert_f(imports > 0 && checks > 0, "the run did nothing");

		/* Every buffer is gone; virtio-gpu frees asynchronously. */
		for (int tries = 0; tries < 500 && (left = buffers_left()); tries++)
			usleep(10000);
		igt_assert_f(!left, "%d of %d buffers still in bufinfo", left, pool.n_inodes);
		igt_assert_f(!pool.inodes_overflow, "more than %d buffers: raise MAX_INODES",
			     MAX_INODES);
	}

	igt_describe("Threads start CPU access on a fresh buffer of each exporter "
		     "at once: no error, and kmemleak finds nothing.");
	igt_subtest_with_dynamic("concurrent-first-cpu-access") {
		igt_require_f(access("/sys/kernel/debug/kmemleak", F_OK) == 0,
			      "needs CONFIG_DEBUG_KMEMLEAK\n");
		for (int e = 0; e <= (int)EXP_UDMABUF; e++)
			igt_dynamic(e == EXP_UDMABUF ? "udmabuf" : drm_devs[e]->role)
				concurrent_first_cpu_access(e);
	}
}
