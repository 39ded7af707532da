// SPDX-License-Identifier: MIT
/*
 * PRIME between every exporter and every DRM device the machine has: the
 * hardware kit's test (make hw-kit), for machines with real GPUs.
 *
 * Unlike prime_cross_driver, which knows the VM's devices and asserts what
 * each pair must negotiate, this test finds its devices: every DRM card
 * (amdgpu, xe, i915, nouveau, virtio-gpu, vgem, ...), udmabuf, every
 * dma-heap and, on a test kernel, the dma-buf test device's exporters (a
 * native SGT exporter and a PAL-only one, which real GPUs can only import
 * through the core's PAL-to-SGT adapter). Its three subtests are the same
 * everywhere; each has one dynamic subtest per pair or card found
 * ("<exporter>-to-<importer>", a card as "<driver>-card<N>"), so those
 * differ between machines. Discovery runs in a fixture.
 *
 * Each pair: the exporter creates a buffer holding a data pattern (a dumb
 * buffer written through the card's own CPU mapping, a udmabuf, a heap
 * buffer), the importer card imports it with PRIME. The import must
 * succeed and be the same buffer (its handle exports the same dma-buf
 * again, whose CPU mapping still holds the pattern); bufinfo must list
 * exactly one attachment of the importer's device, with a negotiated
 * mapping type and each side flagged native or compat, which the cell
 * line reports (what real hardware negotiates is what this test is for,
 * so it is reported, not prescribed); once the importer lets go the
 * attachment must leave bufinfo, and once everything is closed the buffer
 * too. A card importing its own buffer gets its own object back: no
 * attachment.
 *
 * The importer's own CPU mapping of an import is not read: for a P2P or
 * VRAM import there may be no struct page behind it, and a fault there
 * would kill the run instead of failing one subtest.
 *
 * Per importer card, bad input: a file that is not a dma-buf and a closed
 * fd are refused with EINVAL and EBADF, and the same buffer imported twice
 * through one client is one handle with one attachment.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <xf86drm.h>

#include "igt.h"
#include "igt_dmabuf_exporter.h"
#include "igt_dmabuf_util.h"
#include "igt_dmabuf_testdev.h"

/**
 * TEST: prime gpu matrix
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DMABUF
 * Functionality: typed dma-buf mappings
 * Feature: prime
 * Description: PRIME between every exporter and every DRM card the machine has;
 *              dynamic subtests are named after the devices found, so they
 *              differ from machine to machine
 */
/**
 * SUBTEST: export-import
 * Description: Share a buffer from each exporter with each importer card (one
 *              dynamic subtest per pair): the import is the buffer, its
 *              attachment shows the negotiated mapping and leaves with it.
 */
/**
 * SUBTEST: import-bad-fd
 * Description: A file that is not a dma-buf and a closed fd are refused with
 *              EINVAL and EBADF (one dynamic subtest per importer card).
 */
/**
 * SUBTEST: import-twice
 * Description: The same buffer imported twice through one client is one handle
 *              and one attachment (one dynamic subtest per importer card).
 */

#define BUF_SIZE	(64 * 1024)
#define MAX_CARDS	16
#define MAX_HEAPS	8
#define MAX_EXPORTERS	(MAX_CARDS + MAX_HEAPS + 4)
#define NAME_LEN	48

struct exporter {
	char name[NAME_LEN];
	struct dmabuf_source src;
};

struct importer {
	char name[NAME_LEN];
	struct drm_dev *dev;
};

static struct drm_dev cards[MAX_CARDS];
static struct exporter exporters[MAX_EXPORTERS];
static struct importer importers[MAX_CARDS];
static int n_cards, n_exporters, n_importers;

/* IGT subtest names take letters, digits, '-' and '_' only. */
static void subtest_name(char *name)
{
	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			*p = '-';
}

static bool card_cap(const struct drm_dev *d, uint64_t cap, uint64_t bits)
{
	uint64_t value = 0;

	return drmGetCap(d->fd, cap, &value) == 0 && (value & bits) == bits;
}

/*
 * Can the card make a dumb buffer? Render-only drivers (vgem) have them
 * but do not report DRM_CAP_DUMB_BUFFER (a KMS-only cap): make one.
 */
static bool card_has_dumb(const struct drm_dev *d)
{
	struct drm_mode_create_dumb arg = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_mode_destroy_dumb destroy = {};

	if (igt_ioctl(d->fd, DRM_IOCTL_MODE_CREATE_DUMB, &arg))
		return false;
	destroy.handle = arg.handle;
	igt_ioctl(d->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	return true;
}

static struct exporter *add_exporter(enum exp_kind kind, const char *name)
{
	struct exporter *e = &exporters[n_exporters++];

	e->src.kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	subtest_name(e->name);
	return e;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* What this machine has: it only opens nodes and reads sysfs. */
static void discover(void)
{
	char heaps[MAX_HEAPS][32];
	int n_heaps = 0, td;
	struct dirent *de;
	DIR *dir;

	n_cards = drm_open_all(NULL, cards, MAX_CARDS);
	for (int i = 0; i < n_cards; i++) {
		struct drm_dev *d = &cards[i];
		char name[NAME_LEN];

		snprintf(name, sizeof(name), "%s-card%d", d->driver, d->minor);
		if (card_cap(d, DRM_CAP_PRIME, DRM_PRIME_CAP_EXPORT) && card_has_dumb(d))
			add_exporter(EXP_DUMB, name)->src.dev = d;
		if (card_cap(d, DRM_CAP_PRIME, DRM_PRIME_CAP_IMPORT)) {
			struct importer *imp = &importers[n_importers++];

			imp->dev = d;
			snprintf(imp->name, sizeof(imp->name), "%s", name);
			subtest_name(imp->name);
		}
	}
	if (access("/dev/udmabuf", R_OK | W_OK) == 0)
		add_exporter(EXP_UDMABUF, "udmabuf");
	dir = opendir("/dev/dma_heap");
	while (dir && (de = readdir(dir)) && n_heaps < MAX_HEAPS)
		if (de->d_name[0] != '.' && strlen(de->d_name) < sizeof(heaps[0]))
			snprintf(heaps[n_heaps++], sizeof(heaps[0]), "%s", de->d_name);
	if (dir)
		closedir(dir);
	qsort(heaps, n_heaps, sizeof(heaps[0]), cmp_str);
	for (int i = 0; i < n_heaps; i++) {
		char name[NAME_LEN];
		struct exporter *e;

		snprintf(name, sizeof(name), "heap-%.*s", (int)sizeof(name) - 6, heaps[i]);
		e = add_exporter(EXP_HEAP, name);
		snprintf(e->src.heap, sizeof(e->src.heap), "%s", heaps[i]);
	}
	td = testdev_try_open();
	if (td >= 0) {
		add_exporter(EXP_TESTDEV, "test-native")->src.offers = DMA_BUF_TEST_OFFER_SGT;
		add_exporter(EXP_TESTDEV, "test-pal")->src.offers = DMA_BUF_TEST_OFFER_PAL;
		close(td);
	}
}

/* The negotiated mapping of the importer's one attachment, for the cell line. */
static const char *describe_attachment(ino_t ino, const char *devname)
{
	static char desc[160];
	struct bufinfo_attachment att;
	const char *mapping, *v;
	char exp[16], imp[16];

	bufinfo_get_dev(ino, devname, &att);
	mapping = bufinfo_field(&att, "mapping");
	igt_assert_f(mapping, "no mapping= field for %s: \"%s\"", devname, att.rest);
	snprintf(desc, sizeof(desc), "mapping=%s", mapping);
	v = bufinfo_field(&att, "exporter");
	igt_assert_f(v && (!strcmp(v, "native") || !strcmp(v, "compat")),
		     "exporter=%s", v ?: "(none)");
	snprintf(exp, sizeof(exp), "%s", v);
	v = bufinfo_field(&att, "importer");
	igt_assert_f(v && (!strcmp(v, "native") || !strcmp(v, "compat")),
		     "importer=%s", v ?: "(none)");
	snprintf(imp, sizeof(imp), "%s", v);
	snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc),
		 " exporter=%s importer=%s", exp, imp);
	v = bufinfo_field(&att, "p2p");
	if (v)
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), " p2p=%s", v);
	if (bufinfo_field(&att, "via"))
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), " via=%s",
			 bufinfo_field(&att, "via"));
	return desc;
}

static void cell(struct exporter *e, struct importer *imp, uint32_t seed)
{
	const char *devname = imp->dev->devname;
	bool self = e->src.kind == EXP_DUMB && e->src.dev == imp->dev;
	const char *what = "self-import";
	struct dmabuf_buffer b = source_export(&e->src, BUF_SIZE, seed);
	int fd, again, ret;
	uint32_t handle = 0;

	igt_assert_eq(bufinfo_count_dev(b.ino, devname), 0);

	fd = drm_reopen_driver(imp->dev->fd);
	ret = __prime_fd_to_handle(fd, b.dmabuf, &handle);
	igt_assert_f(ret == 0, "PRIME import into %s: %s", imp->name, strerror(-ret));
	/* Its own buffer comes back as the same object, without an attachment. */
	bufinfo_wait_count_dev(b.ino, devname, self ? 0 : 1);
	if (!self)
		what = describe_attachment(b.ino, devname);

	/* The import is the buffer: its handle exports the same dma-buf. */
	again = prime_handle_to_fd_for_mmap(fd, handle);
	igt_assert_eq(fd_inode(again), b.ino);
	dmabuf_check_pattern(again, BUF_SIZE, seed);
	close(again);

	gem_close(fd, handle);
	bufinfo_wait_count_dev(b.ino, devname, 0);
	close(fd);
	buffer_release(&b);
	bufinfo_wait_buffer_gone(b.ino);
	igt_info("cell: %s -> %s: %s\n", e->name, imp->name, what);
}

/* A udmabuf, or else a buffer of the first exporter that is not @imp itself. */
static struct exporter *foreign_exporter(struct importer *imp)
{
	for (int i = 0; i < n_exporters; i++)
		if (exporters[i].src.kind == EXP_UDMABUF)
			return &exporters[i];
	for (int i = 0; i < n_exporters; i++)
		if (exporters[i].src.dev != imp->dev)
			return &exporters[i];
	return NULL;
}

static void bad_fds(struct importer *imp)
{
	uint32_t handle = 0;
	int fd = drm_reopen_driver(imp->dev->fd);
	int memfd = memfd_create("not-a-dma-buf", MFD_CLOEXEC);

	igt_assert(memfd >= 0);
	igt_assert_eq(__prime_fd_to_handle(fd, memfd, &handle), -EINVAL);
	close(memfd);
	/* memfd's number is free again now. */
	igt_assert_eq(__prime_fd_to_handle(fd, memfd, &handle), -EBADF);
	close(fd);
}

static void import_twice(struct importer *imp, uint32_t seed)
{
	struct exporter *e = foreign_exporter(imp);
	uint32_t first = 0, second = 0;
	struct dmabuf_buffer b;
	ino_t ino;
	int fd;

	igt_require_f(e, "no exporter other than %s on this machine\n", imp->name);
	b = source_export(&e->src, BUF_SIZE, seed);
	ino = b.ino;
	fd = drm_reopen_driver(imp->dev->fd);
	igt_assert_eq(__prime_fd_to_handle(fd, b.dmabuf, &first), 0);
	igt_assert_eq(__prime_fd_to_handle(fd, b.dmabuf, &second), 0);
	igt_assert_eq(first, second);
	bufinfo_wait_count_dev(ino, imp->dev->devname, 1);
	gem_close(fd, first);
	bufinfo_wait_count_dev(ino, imp->dev->devname, 0);
	close(fd);
	buffer_release(&b);
	bufinfo_wait_buffer_gone(ino);
	igt_info("import-twice: %s from %s: one handle, one attachment\n",
		 imp->name, e->name);
}

igt_main
{
	igt_fixture {
		discover();
		igt_require_f(n_importers > 0, "no DRM card that imports PRIME buffers\n");
		igt_require_f(access(BUFINFO_PATH, R_OK) == 0,
			      "%s not readable (debugfs mounted? root?)\n", BUFINFO_PATH);
		for (int i = 0; i < n_cards; i++)
			igt_info("card: %s card%d pci=%s dev=%s\n", cards[i].driver,
				 cards[i].minor, cards[i].pci[0] ? cards[i].pci : "-",
				 cards[i].devname);
		for (int i = 0; i < n_exporters; i++)
			igt_info("exporter: %s\n", exporters[i].name);
	}

	igt_describe("Share a buffer from each exporter with each importer card: "
		     "the import is the buffer, its attachment shows the "
		     "negotiated mapping and leaves with it.");
	igt_subtest_with_dynamic("export-import") {
		for (int i = 0; i < n_exporters; i++)
			for (int j = 0; j < n_importers; j++)
				igt_dynamic_f("%s-to-%s", exporters[i].name, importers[j].name)
					cell(&exporters[i], &importers[j],
					     0x6b690000u | (uint32_t)(i << 8 | j));
	}

	igt_describe("A file that is not a dma-buf and a closed fd are refused "
		     "with EINVAL and EBADF.");
	igt_subtest_with_dynamic("import-bad-fd") {
		for (int j = 0; j < n_importers; j++)
			igt_dynamic(importers[j].name)
				bad_fds(&importers[j]);
	}

	igt_describe("The same buffer imported twice through one client is one "
		     "handle and one attachment.");
	igt_subtest_with_dynamic("import-twice") {
		for (int j = 0; j < n_importers; j++)
			igt_dynamic(importers[j].name)
				import_twice(&importers[j], 0x6b697700u | (uint32_t)j);
	}
}
