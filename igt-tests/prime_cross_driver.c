// SPDX-License-Identifier: MIT
/*
 * Cross-driver PRIME sharing: every exporter x every importer.
 *
 * A buffer is created by the exporter, a data pattern is written through
 * the exporter's own CPU mapping, the dma-buf is imported by the importer,
 * and the importer's side is checked:
 *
 *  - the import shows up as an attachment of the importer's device in
 *    /sys/kernel/debug/dma_buf/bufinfo (found by the dma-buf's inode), with
 *    the negotiated mapping type and whether each side is native or went
 *    through the compat layer, and is gone again once the importer lets go;
 *  - the pattern is read back through the importer's handle.
 *
 * Where the kernel cannot do a pair the subtest asserts what it does
 * instead, so no cell is skipped silently:
 *
 *  - a driver importing its own buffer gets its own GEM object back: no
 *    attachment, and the importer's dumb mapping is the object itself;
 *  - vgem and vkms refuse a CPU mapping of an imported object (MAP_DUMB
 *    says EINVAL), so the CPU reads the import through the dma-buf that the
 *    importer's handle exports again, which is the same buffer (same inode)
 *    and goes to the exporter's mmap: this proves identity, not the
 *    importer's device mapping;
 *  - virtio-gpu maps an import for the CPU (MAP_DUMB and mmap of the DRM
 *    file, what Mesa's software winsys does with every buffer it samples
 *    from) through the exporter's mmap: the pattern reads back through the
 *    importer's handle; the mapping keeps the buffer after the import and
 *    the exporter let go, and it goes with the mapping (a read-only dma-buf
 *    maps read-only: virtio-gpu-import-map-read-only);
 *  - virtio-gpu imports foreign buffers as 2D resources whose backing is
 *    the imported mapping; what the host reads through it is checked by
 *    kms_prime_scanout, here the attachment and identity are;
 *  - vivid (dma-contig) is a capture device: it writes a solid red frame
 *    into the imported page, and the exporter's own mapping must show it;
 *  - the test device (CONFIG_DMABUF_TEST_DEVICE) imports with a PCI DMA
 *    master (QEMU's edu) and reads the buffer through the negotiated
 *    mapping's addresses, the first and last page by the device's own DMA:
 *    its columns are the data check of every exporter through a device
 *    mapping. As "test-device" it requests SGT, as "test-device-pal" a
 *    physical address list first, and "test-device-dma32" asks for PAL
 *    with a 32-bit DMA mask, below the VM's memory above 4 GiB.
 *
 * The "test-pal" exporter offers only a physical address list (PAL). An
 * importer that requests PAL gets it as such only where the core's trust
 * rule lets its device take physical addresses: in the direct topology,
 * with a DMA mask that reaches all memory. Under an IOMMU, with forced
 * bouncing or with a limited mask it gets SGT built by the core's
 * PAL-to-SGT adapter ("via=pal" in bufinfo), as every other importer,
 * legacy ones included, does. The importers' table says which, per DMA
 * topology (harness/vm.sh VM_TOPOLOGY; read from the running system).
 * "test-device-pal-only" asks for PAL alone: where the trust rule admits
 * it, the exporters whose SGT offer says its pages are write-back RAM
 * (udmabuf, the heaps, the test device) serve it through the core's
 * SGT-to-PAL converter ("via=sgt"), and the PAL-only exporter directly;
 * the GEM exporters (their pages may be write-combined) do not. Where it
 * is not served its import is refused with EOPNOTSUPP and leaves no
 * attachment.
 *
 * Which drivers are native (offer or request mapping types themselves) and
 * which go through the compat layer is written in the tables below, from
 * the kernel's conversions: every exporter is native; vivid (videobuf2)
 * and the test device's static importer import through the legacy API,
 * the compat path.
 *
 * Each subtest prints one "cell:" line for the table of `make`.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "igt.h"
#include "igt_dmabuf_exporter.h"
#include "igt_dmabuf_util.h"
#include "igt_dmabuf_testdev.h"
#include "igt_vivid.h"

/**
 * TEST: prime cross driver
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DMABUF
 * Functionality: typed dma-buf mappings
 * Feature: prime
 * Description: Every exporter shares a buffer with every importer: the data
 *              arrives and debugfs shows the negotiated mapping type
 */
/**
 * SUBTEST: %s-to-%s
 * Description: Share a buffer holding a pattern from the exporter with the
 *              importer: the pattern arrives, bufinfo shows the negotiated type
 *              and native or compat, and the attachment goes with the import.
 *
 * arg[1]:
 *
 * @cma-heap:
 * @system-heap:
 * @test-high:
 * @test-native:
 * @test-pal:
 * @udmabuf:
 * @vivid-dma-contig:
 * @vivid-vmalloc:
 * @vgem:
 * @virtio-gpu-a:
 * @virtio-gpu-b:
 * @vkms:
 *
 * arg[2]:
 *
 * @test-device:
 * @test-device-dma32:
 * @test-device-pal:
 * @test-device-pal-only:
 * @test-device-static:
 * @vgem:
 * @virtio-gpu-a:
 * @virtio-gpu-b:
 * @vivid:
 * @vkms:
 */
/**
 * SUBTEST: move-notify-%s-remap
 * Description: The exporter moves a buffer and notifies its importers, which
 *              remap it and read the moved data.
 *
 * arg[1]:
 *
 * @native:
 * @pal:
 * @adapter:
 */
/**
 * SUBTEST: move-notify-unmap-late
 * Description: An importer keeps its old mapping across a move and fences
 *              its last reads; the exporter reuses the old pages only after
 *              that fence signals.
 */
/**
 * SUBTEST: adapter-cpu-write-sync
 * Description: The CPU writes a buffer the core's adapter has mapped for a
 *              device, inside DMA_BUF_IOCTL_SYNC; the device reads the new
 *              data.
 */
/**
 * SUBTEST: move-blocked-while-pinned
 * Description: A buffer cannot move while a pinned importer holds it.
 */
/**
 * SUBTEST: virtio-gpu-import-map-private
 * Description: virtio-gpu refuses a private CPU mapping of an import whose
 *              exporter (udmabuf) refuses one; a shared one reads the buffer.
 */
/**
 * SUBTEST: virtio-gpu-import-map-read-only
 * Description: virtio-gpu maps the import of a read-only dma-buf for the
 *              CPU read-only.
 */

#define BUF_SIZE (64 * 1024)

/* The CMA heap's name: the default CMA area, reserved by cma= (vm.sh). */
#define CMA_HEAP "reserved"

struct exporter {
	const char *name;
	struct dmabuf_source src;
	/*
	 * Its unmap syncs for the CPU (no DMA_ATTR_SKIP_CPU_SYNC): under
	 * bouncing that copies the bounce buffer back over the pages.
	 */
	bool unmap_syncs;
};

enum imp_kind { IMP_DRM, IMP_VIVID, IMP_TESTDEV };

struct importer {
	const char *name;
	enum imp_kind kind;
	struct drm_dev *dev;	/* IMP_DRM */
	bool native;		/* requests mapping types itself */
	bool pal[TOPO_COUNT];	/* gets PAL from a PAL-only exporter */
	bool pal_only;		/* requests PAL alone: refused without pal[] */
	bool cpu_map;		/* IMP_DRM: MAP_DUMB maps an import */
	uint32_t requests;	/* IMP_TESTDEV */
	uint32_t flags;		/* IMP_TESTDEV: DMA_BUF_TEST_IMPORT_* */
	unsigned int device;	/* IMP_TESTDEV: TESTDEV_DMA64 or _DMA32 */
	char devname[32];	/* IMP_TESTDEV: the device, as bufinfo names it */
};

static struct drm_dev virtio[2], vgem, vkms;
static struct vivid vivid = { .fd = -1 };
static int testdev = -1;
static enum dma_topology topology;
static char dma64_name[32];	/* the 64-bit importing device of the test device */

static struct exporter exporters[] = {
	{ .name = "virtio-gpu-a", .src = { .kind = EXP_DUMB, .dev = &virtio[0] } },
	{ .name = "virtio-gpu-b", .src = { .kind = EXP_DUMB, .dev = &virtio[1] } },
	{ .name = "vgem", .src = { .kind = EXP_DUMB, .dev = &vgem } },
	{ .name = "vkms", .src = { .kind = EXP_DUMB, .dev = &vkms } },
	{ .name = "udmabuf", .src = { .kind = EXP_UDMABUF } },
	{ .name = "system-heap", .src = { .kind = EXP_HEAP, .heap = "system" },
	  .unmap_syncs = true },
	{ .name = "cma-heap", .src = { .kind = EXP_HEAP, .heap = CMA_HEAP },
	  .unmap_syncs = true },
	/*
	 * videobuf2's exporters: vivid.0 allocates with dma-contig, whose
	 * unmap skips the CPU sync, vivid.1 with vmalloc, whose unmap syncs.
	 */
	{ .name = "vivid-dma-contig", .src = { .kind = EXP_VIVID, .vivid = 0 } },
	{ .name = "vivid-vmalloc", .src = { .kind = EXP_VIVID, .vivid = 1 },
	  .unmap_syncs = true },
	{ .name = "test-native",
	  .src = { .kind = EXP_TESTDEV, .offers = DMA_BUF_TEST_OFFER_SGT },
	  .unmap_syncs = true },
	/* The core's adapter unmaps with a sync. */
	{ .name = "test-pal",
	  .src = { .kind = EXP_TESTDEV, .offers = DMA_BUF_TEST_OFFER_PAL },
	  .unmap_syncs = true },
	/*
	 * Pages above 4 GiB: out of reach of the 32-bit importers (the
	 * test device's dma32 one, vivid), which must bounce in every
	 * topology; reading it right proves the bounce.
	 */
	{ .name = "test-high",
	  .src = { .kind = EXP_TESTDEV, .offers = DMA_BUF_TEST_OFFER_SGT,
		   .flags = DMA_BUF_TEST_EXPORT_ABOVE_4G },
	  .unmap_syncs = true },
};

static struct importer importers[] = {
	{ .name = "vgem", .kind = IMP_DRM, .dev = &vgem, .native = true },
	{ .name = "vkms", .kind = IMP_DRM, .dev = &vkms, .native = true },
	/* PAL only while the card bypasses the DMA API (direct). */
	{ .name = "virtio-gpu-a", .kind = IMP_DRM, .dev = &virtio[0], .native = true,
	  .pal = { [TOPO_DIRECT] = true }, .cpu_map = true },
	{ .name = "virtio-gpu-b", .kind = IMP_DRM, .dev = &virtio[1], .native = true,
	  .pal = { [TOPO_DIRECT] = true }, .cpu_map = true },
	{ .name = "vivid", .kind = IMP_VIVID },
	{ .name = "test-device", .kind = IMP_TESTDEV, .native = true,
	  .requests = DMA_BUF_TEST_REQUEST_SGT, .device = TESTDEV_DMA64 },
	/* dma_buf_attach(): the compat importer path, a static importer. */
	{ .name = "test-device-static", .kind = IMP_TESTDEV,
	  .requests = DMA_BUF_TEST_REQUEST_SGT, .flags = DMA_BUF_TEST_IMPORT_STATIC,
	  .device = TESTDEV_DMA64 },
	/* The trust rule refuses PAL under an IOMMU and with forced bouncing. */
	{ .name = "test-device-pal", .kind = IMP_TESTDEV, .native = true,
	  .pal = { [TOPO_DIRECT] = true },
	  .requests = DMA_BUF_TEST_REQUEST_PAL | DMA_BUF_TEST_REQUEST_SGT,
	  .device = TESTDEV_DMA64 },
	/* PAL alone: from every exporter of pages, where the trust rule holds. */
	{ .name = "test-device-pal-only", .kind = IMP_TESTDEV, .native = true,
	  .pal = { [TOPO_DIRECT] = true }, .pal_only = true,
	  .requests = DMA_BUF_TEST_REQUEST_PAL, .device = TESTDEV_DMA64 },
	/* ... and for a mask that does not reach all memory, in every topology. */
	{ .name = "test-device-dma32", .kind = IMP_TESTDEV, .native = true,
	  .requests = DMA_BUF_TEST_REQUEST_PAL | DMA_BUF_TEST_REQUEST_SGT,
	  .device = TESTDEV_DMA32 },
};

/*
 * The importer's attachment must be listed with the negotiated type, the
 * exporter native (every exporter is) and the importer native or compat
 * as the drivers are today. An
 * importer the trust rule admits (@imp_pal) gets PAL from a PAL-only
 * exporter, and, when it asks for PAL alone (@pal_only), from every other
 * exporter through the core's SGT-to-PAL converter ("via=sgt"); every
 * other pair is SGT, built by the core's adapter ("via=pal") from a
 * PAL-only exporter. Returns the fields for the table.
 */
static const char *check_attachment(struct exporter *e, bool imp_native,
				    bool imp_pal, bool pal_only, ino_t ino,
				    const char *devname)
{
	bool exp_pal_only = source_offers_pal_only(&e->src);
	const char *want = imp_pal && (exp_pal_only || pal_only) ? "pal" : "sgt";
	const char *via = exp_pal_only && !imp_pal ? "pal" :
			  !exp_pal_only && imp_pal && pal_only ? "sgt" : NULL;
	static char desc[96];
	struct bufinfo_attachment att;
	const char *v;

	bufinfo_get_dev(ino, devname, &att);
	v = bufinfo_field(&att, "mapping");
	igt_assert_f(v && !strcmp(v, want), "mapping=%s, expected %s", v ?: "(none)",
		     want);
	v = bufinfo_field(&att, "exporter");
	igt_assert_f(v && !strcmp(v, "native"), "exporter=%s, expected native",
		     v ?: "(none)");
	v = bufinfo_field(&att, "importer");
	igt_assert_f(v && !strcmp(v, imp_native ? "native" : "compat"),
		     "importer=%s, expected %s", v ?: "(none)",
		     imp_native ? "native" : "compat");
	v = bufinfo_field(&att, want[0] == 'p' ? "mmio" : "p2p");
	igt_assert_f(v && !strcmp(v, "no"), "%s=%s, expected no",
		     want[0] == 'p' ? "mmio" : "p2p", v ?: "(none)");
	v = bufinfo_field(&att, "via");
	igt_assert_f(via ? v && !strcmp(v, via) : !v, "via=%s, expected %s",
		     v ?: "(none)", via ?: "(none)");
	snprintf(desc, sizeof(desc), "%s native/%s%s%s", want,
		 imp_native ? "native" : "compat", via ? " via " : "", via ?: "");
	return desc;
}

static void cell_drm(struct exporter *e, struct importer *imp, uint32_t seed)
{
	const char *devname = imp->dev->devname;
	bool self = e->src.kind == EXP_DUMB && e->src.dev == imp->dev;
	uint32_t handle = 0;
	int fd, ret;
	const char *what, *mapping = "-";
	void *imp_map = NULL;
	struct dmabuf_buffer b = source_export(&e->src, BUF_SIZE, seed);

	igt_assert_eq(bufinfo_count_dev(b.ino, devname), 0);

	fd = drm_reopen_driver(imp->dev->fd);
	ret = __prime_fd_to_handle(fd, b.dmabuf, &handle);

	igt_assert_f(ret == 0, "PRIME import: %s", strerror(-ret));

	if (self) {
		void *map;
		long bad;

		/* Own buffer: the same GEM object, no attachment. */
		igt_assert_eq(bufinfo_count_dev(b.ino, devname), 0);
		map = kmstest_dumb_map_buffer(fd, handle, BUF_SIZE, PROT_READ | PROT_WRITE);
		bad = pattern_check(map, BUF_SIZE, seed);
		munmap(map, BUF_SIZE);
		igt_assert_f(bad < 0, "pattern differs at byte %ld", bad);
		what = "self-import";
	} else {
		struct drm_mode_map_dumb map_dumb = { .handle = handle };
		int again;

		mapping = check_attachment(e, imp->native, imp->pal[topology], false, b.ino,
					   devname);
		if (imp->cpu_map) {
			long bad;

			/*
			 * Read only: with forced bouncing, the heaps' CPU
			 * syncs and vb2's unmap copy a stale bounce buffer
			 * over what the CPU wrote (those exporters' 6.12
			 * behaviour), whichever mapping the CPU wrote through.
			 */
			imp_map = kmstest_dumb_map_buffer(fd, handle, BUF_SIZE, PROT_READ);
			bad = pattern_check(imp_map, BUF_SIZE, seed);
			igt_assert_f(bad < 0, "importer's mapping: pattern differs at byte %ld",
				     bad);
		} else {
			/* 6.12 refuses a CPU mapping of an imported object. */
			do_ioctl_err(fd, DRM_IOCTL_MODE_MAP_DUMB, &map_dumb, EINVAL);
		}
		/* The GEM handle re-exports the imported dma-buf itself. */
		again = prime_handle_to_fd_for_mmap(fd, handle);
		igt_assert_eq(fd_inode(again), b.ino);
		dmabuf_check_pattern(again, BUF_SIZE, seed);
		close(again);
		what = "imported";
	}
	gem_close(fd, handle);
	/* The importer let go: its attachment is gone. */
	bufinfo_wait_count_dev(b.ino, devname, 0);
	close(fd);
	buffer_release(&b);
	if (imp_map) {
		/*
		 * The mapping outlives the import and the exporter's own
		 * references: it holds the dma-buf, which goes with it.
		 */
		long bad = pattern_check(imp_map, BUF_SIZE, seed);

		munmap(imp_map, BUF_SIZE);
		igt_assert_f(bad < 0, "importer's mapping after close: pattern differs at byte %ld",
			     bad);
		bufinfo_wait_buffer_gone(b.ino);
	}
	igt_info("cell: %s -> %s: %s: %s\n", e->name, imp->name, what, mapping);
}

/*
 * vivid captures into the imported buffer (a legacy importer through
 * videobuf2-dma-contig); the exporter's own mapping must then show
 * vivid's frame in place of the pattern it wrote.
 *
 * vivid is a software device: it writes the frame with the CPU through
 * the buffer's vmap, not through its DMA mapping. When its mapping
 * bounces (forced in the bounce topology; for pages above 4 GiB always,
 * its DMA mask is 32 bits) the mapping is a bounce buffer holding the
 * pattern, and an exporter whose unmap syncs for the CPU copies that back
 * over vivid's frame when vb2 unmaps: there the exporter's pattern must
 * be intact instead (a vb2/vivid limitation of 6.12, not of the core).
 */
static void cell_vivid(struct exporter *e, uint32_t seed)
{
	bool bounces = topology == TOPO_BOUNCE ||
		       (e->src.flags & DMA_BUF_TEST_EXPORT_ABOVE_4G);
	bool frame_lost = bounces && e->unmap_syncs;
	size_t map_size = VIVID_FRAME_SIZE;
	const char *mapping;
	struct dmabuf_buffer b = source_export(&e->src, VIVID_FRAME_SIZE, seed);
	int ret;
	void *map;
	long bad;

	igt_assert_eq(bufinfo_count_dev(b.ino, vivid.devname), 0);

	ret = vivid_queue(&vivid, b.dmabuf);
	igt_assert_f(ret == 0, "VIDIOC_QBUF of the dma-buf: %s", strerror(-ret));
	/* videobuf2 is a legacy importer. */
	mapping = check_attachment(e, false, false, false, b.ino, vivid.devname);
	vivid_capture(&vivid);
	igt_assert_eq(bufinfo_count_dev(b.ino, vivid.devname), 0);

	/* Read back through the exporter's own CPU mapping. */
	if (e->src.kind == EXP_DUMB) {
		map = kmstest_dumb_map_buffer(b.fd, b.handle, map_size, PROT_READ | PROT_WRITE);
		bad = frame_lost ? pattern_check(map, map_size, seed) : vivid_check_red(map);
	} else {
		map = dmabuf_mmap(b.dmabuf, map_size);
		dmabuf_sync(b.dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		bad = frame_lost ? pattern_check(map, map_size, seed) : vivid_check_red(map);
		dmabuf_sync(b.dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	}
	munmap(map, map_size);
	buffer_release(&b);
	igt_assert_f(bad < 0, "%s differs at byte %ld",
		     frame_lost ? "the pattern (vivid's frame bounced away)" : "vivid's frame",
		     bad);
	igt_info("cell: %s -> vivid: %s: %s\n", e->name,
		 frame_lost ? "captured-bounced-away" : "captured", mapping);
}

/*
 * The test device imports (natively, or as a static importer through the
 * compat layer) and reads the buffer through the negotiated mapping: at its
 * DMA addresses, or at its physical ranges.
 */
static void cell_testdev(struct exporter *e, struct importer *imp, uint32_t seed)
{
	struct dma_buf_test_read rd;
	struct dmabuf_buffer b = source_export(&e->src, BUF_SIZE, seed);
	const char *mapping;
	uint32_t handle = 0;
	int ret;

	ret = testdev_import_flags(testdev, imp->device, b.dmabuf, imp->requests, imp->flags,
				   &handle);
	if (imp->pal_only && (!imp->pal[topology] || !source_serves_pal(&e->src))) {
		/* No PAL for this device or from this exporter, nothing else asked. */
		igt_assert_f(ret == -EOPNOTSUPP, "test device import: %s, expected %s",
			     strerror(-ret), strerror(EOPNOTSUPP));
		igt_assert_eq(bufinfo_count_dev(b.ino, imp->devname), 0);
		buffer_release(&b);
		igt_info("cell: %s -> %s: refused: %s\n", e->name, imp->name,
			 imp->pal[topology] ? "no pal from this exporter" : "pal trust rule");
		return;
	}
	igt_assert_f(ret == 0, "test device import: %s", strerror(-ret));
	mapping = check_attachment(e, imp->native, imp->pal[topology], imp->pal_only, b.ino,
				   imp->devname);
	ret = testdev_read(testdev, handle, DMA_BUF_TEST_READ_DMA, &rd);
	igt_assert_f(ret == 0, "test device read: %s", strerror(-ret));
	igt_assert_eq((long long)rd.bytes, BUF_SIZE);
	igt_assert_f(rd.dma_bytes > 0, "the device read nothing by DMA");
	igt_assert_f(rd.checksum == pattern_checksum(BUF_SIZE, seed),
		     "read through the mapping (%u segments): checksum %016llx, pattern %016llx",
		     rd.segments, (unsigned long long)rd.checksum,
		     (unsigned long long)pattern_checksum(BUF_SIZE, seed));
	testdev_release(testdev, handle);
	igt_assert_eq(bufinfo_count_dev(b.ino, imp->devname), 0);
	buffer_release(&b);
	igt_info("segments: %u, read by DMA: %u bytes\n", rd.segments, rd.dma_bytes);
	igt_info("cell: %s -> %s: read-via-mapping: %s\n",
		 e->name, imp->name, mapping);
}

/* Skip the cell unless this machine has both sides. */
static void require_cell(struct exporter *e, struct importer *imp)
{
	source_require(&e->src);
	switch (imp->kind) {
	case IMP_DRM:
		drm_require(imp->dev);
		break;
	case IMP_VIVID:
		igt_require_f(vivid.fd >= 0, "no vivid video capture node "
			      "(CONFIG_VIDEO_VIVID, vivid.allocators=1)\n");
		break;
	case IMP_TESTDEV:
		testdev_require(testdev, imp->device);
		break;
	}
}

static void cell(struct exporter *e, struct importer *imp, uint32_t seed)
{
	require_cell(e, imp);
	switch (imp->kind) {
	case IMP_DRM:
		cell_drm(e, imp, seed);
		break;
	case IMP_VIVID:
		cell_vivid(e, seed);
		break;
	case IMP_TESTDEV:
		cell_testdev(e, imp, seed);
		break;
	}
}

/*
 * A dynamic importer of a dynamic exporter: the exporter moves the buffer,
 * the importer drops its mapping in move_notify and maps again on the next
 * read, and sees the same data at the new pages (the old ones are poisoned).
 */
static void move_remap(uint32_t offers, uint32_t requests, uint32_t seed)
{
	struct dma_buf_test_read rd;
	uint64_t want = pattern_checksum(BUF_SIZE, seed);
	uint32_t handle = 0;
	int dmabuf, ret;

	dmabuf = testdev_export(testdev, BUF_SIZE, offers, seed, 0);
	ret = testdev_import(testdev, TESTDEV_DMA64, dmabuf, requests, &handle);
	igt_assert_f(ret == 0, "test device import: %s", strerror(-ret));
	igt_assert_eq(testdev_read(testdev, handle, DMA_BUF_TEST_READ_DMA, &rd), 0);
	igt_assert(rd.checksum == want);
	igt_assert_eq(rd.maps, 1);
	igt_assert_eq(rd.moves, 0);

	igt_assert_eq(testdev_move(testdev, dmabuf), 0);
	igt_assert_eq(testdev_read(testdev, handle, DMA_BUF_TEST_READ_DMA, &rd), 0);
	igt_assert_eq(rd.moves, 1);
	igt_assert_eq(rd.maps, 2);
	igt_assert_f(rd.checksum == want, "after the move the mapping reads %016llx",
		     (unsigned long long)rd.checksum);

	/* Reads without a move keep the mapping. */
	igt_assert_eq(testdev_read(testdev, handle, 0, &rd), 0);
	igt_assert_eq(rd.maps, 2);
	testdev_release(testdev, handle);
	close(dmabuf);
}

/*
 * An importer that unmaps late: its move_notify keeps the old mapping and
 * fences it, and a worker reads it, unmaps it and signals the fence 200 ms
 * later. The exporter must not reuse the old pages before that fence: the
 * move returns only after the late read, which found the old data intact.
 */
static void move_unmap_late(uint32_t offers, uint32_t requests, uint32_t seed)
{
	struct dma_buf_test_read rd;
	uint64_t want = pattern_checksum(BUF_SIZE, seed);
	uint32_t handle = 0;
	int dmabuf, ret;

	dmabuf = testdev_export(testdev, BUF_SIZE, offers, seed, 0);
	ret = testdev_import_flags(testdev, TESTDEV_DMA64, dmabuf, requests,
				   DMA_BUF_TEST_IMPORT_UNMAP_LATE, &handle);
	igt_assert_f(ret == 0, "test device import: %s", strerror(-ret));
	igt_assert_eq(testdev_read(testdev, handle, 0, &rd), 0);
	igt_assert(rd.checksum == want);

	igt_assert_eq(testdev_move(testdev, dmabuf), 0);
	igt_assert_eq(testdev_read(testdev, handle, DMA_BUF_TEST_READ_DMA, &rd), 0);
	igt_assert_eq(rd.moves, 1);
	igt_assert_f(rd.late_unmaps == 1,
		     "the move returned before the importer's fence signalled\n");
	igt_assert_f(rd.late_changed == 0,
		     "the old pages changed while the importer's fence was pending\n");
	igt_assert_eq(rd.maps, 2);
	igt_assert(rd.checksum == want);
	testdev_release(testdev, handle);

	close(dmabuf);

	/* Only the test device's own buffers take late importers. */
	dmabuf = udmabuf_export_pattern(BUF_SIZE, seed);
	ret = testdev_import_flags(testdev, TESTDEV_DMA64, dmabuf, requests,
				   DMA_BUF_TEST_IMPORT_UNMAP_LATE, &handle);
	igt_assert_eq(ret, -EINVAL);
	close(dmabuf);
}

/*
 * The core's adapter DMA-maps the table of a PAL-only exporter for an SGT
 * importer, so the core syncs it: the importer maps first, then the CPU
 * writes through an mmap of the dma-buf inside DMA_BUF_IOCTL_SYNC, and the
 * device reads the new data (under forced bouncing, from a bounce buffer
 * that only the sync at SYNC_END refreshes).
 */
static void adapter_cpu_write(uint32_t seed)
{
	struct dma_buf_test_read rd;
	uint32_t handle = 0;
	int dmabuf, ret;
	void *map;

	dmabuf = testdev_export(testdev, BUF_SIZE, DMA_BUF_TEST_OFFER_PAL, seed, 0);
	ret = testdev_import(testdev, TESTDEV_DMA64, dmabuf, DMA_BUF_TEST_REQUEST_SGT,
			     &handle);
	igt_assert_f(ret == 0, "test device import: %s", strerror(-ret));
	igt_assert_eq(testdev_read(testdev, handle, DMA_BUF_TEST_READ_DMA, &rd), 0);
	igt_assert(rd.checksum == pattern_checksum(BUF_SIZE, seed));

	map = dmabuf_mmap(dmabuf, BUF_SIZE);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	pattern_fill(map, BUF_SIZE, seed + 1);
	dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	munmap(map, BUF_SIZE);

	igt_assert_eq(testdev_read(testdev, handle, DMA_BUF_TEST_READ_DMA, &rd), 0);
	igt_assert_eq(rd.maps, 1);
	igt_assert_f(rd.checksum == pattern_checksum(BUF_SIZE, seed + 1),
		     "the device reads what the buffer held before the CPU wrote\n");
	testdev_release(testdev, handle);
	close(dmabuf);
}

/* A PAL-only request of the 64-bit device where the trust rule refuses it. */
static void pal_refused(uint32_t offers, uint32_t seed)
{
	uint32_t handle = 0;
	int dmabuf;

	dmabuf = testdev_export(testdev, BUF_SIZE, offers, seed, 0);
	igt_assert_eq(testdev_import(testdev, TESTDEV_DMA64, dmabuf,
				     DMA_BUF_TEST_REQUEST_PAL, &handle), -EOPNOTSUPP);
	igt_assert_eq(bufinfo_count_dev(fd_inode(dmabuf), dma64_name), 0);
	close(dmabuf);
}

/*
 * The GEM PRIME helpers import natively but pin: while vgem holds the
 * buffer, the exporter cannot move it.
 */
/*
 * virtio-gpu maps an import for the CPU through the exporter, but no more
 * than the dma-buf's own file allows: a vgem buffer exported read-only
 * (PRIME_HANDLE_TO_FD without DRM_RDWR) maps read-only through the
 * import, and neither a writable mapping nor mprotect() to one is let
 * through.
 */
static void import_map_read_only(uint32_t seed)
{
	struct drm_mode_map_dumb map_dumb = { };
	uint32_t vgem_handle, handle;
	size_t map_size;
	void *map;
	int dmabuf, fd;
	long bad;

	vgem_handle = dumb_create(vgem.fd, BUF_SIZE, &map, &map_size);
	pattern_fill(map, BUF_SIZE, seed);
	munmap(map, map_size);
	dmabuf = prime_handle_to_fd(vgem.fd, vgem_handle);
	igt_assert_eq(fcntl(dmabuf, F_GETFL) & O_ACCMODE, O_RDONLY);

	fd = drm_reopen_driver(virtio[0].fd);
	handle = prime_fd_to_handle(fd, dmabuf);
	map_dumb.handle = handle;
	map = kmstest_dumb_map_buffer(fd, handle, BUF_SIZE, PROT_READ);
	bad = pattern_check(map, BUF_SIZE, seed);
	igt_assert_f(bad < 0, "pattern differs at byte %ld", bad);
	igt_assert(mprotect(map, BUF_SIZE, PROT_READ | PROT_WRITE) == -1);
	igt_assert_eq(errno, EACCES);
	munmap(map, BUF_SIZE);
	do_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map_dumb);
	igt_assert(mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			map_dumb.offset) == MAP_FAILED);
	igt_assert_eq(errno, EACCES);

	gem_close(fd, handle);
	close(fd);
	close(dmabuf);
	gem_close(vgem.fd, vgem_handle);
}

/*
 * virtio-gpu maps an import through its exporter's mmap, so the exporter
 * decides: udmabuf refuses a private mapping, and so does the import,
 * while a shared one reads the buffer.
 */
static void import_map_private(uint32_t seed)
{
	struct drm_mode_map_dumb map_dumb = { };
	struct dmabuf_buffer b;
	uint32_t handle;
	void *map;
	int fd;

	b = source_export(&(struct dmabuf_source){ .kind = EXP_UDMABUF }, BUF_SIZE, seed);
	/* The exporter's own verdict. */
	igt_assert(mmap(NULL, BUF_SIZE, PROT_READ, MAP_PRIVATE, b.dmabuf, 0) == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	fd = drm_reopen_driver(virtio[0].fd);
	handle = prime_fd_to_handle(fd, b.dmabuf);
	map_dumb.handle = handle;
	do_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map_dumb);
	igt_assert(mmap(NULL, BUF_SIZE, PROT_READ, MAP_PRIVATE, fd,
			map_dumb.offset) == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	map = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, fd, map_dumb.offset);
	igt_assert(map != MAP_FAILED);
	igt_assert_eq(pattern_check(map, BUF_SIZE, seed), -1);
	munmap(map, BUF_SIZE);
	gem_close(fd, handle);
	close(fd);
	buffer_release(&b);
}

static void move_pinned(uint32_t seed)
{
	uint32_t handle = 0, gem = 0;
	int dmabuf, fd, ret;

	dmabuf = testdev_export(testdev, BUF_SIZE, DMA_BUF_TEST_OFFER_SGT, seed, 0);
	fd = drm_reopen_driver(vgem.fd);
	ret = __prime_fd_to_handle(fd, dmabuf, &gem);
	igt_assert_f(ret == 0, "vgem import: %s", strerror(-ret));
	igt_assert_eq(testdev_move(testdev, dmabuf), -EBUSY);
	gem_close(fd, gem);
	close(fd);
	/* Unpinned: it moves, and a native import afterwards reads it. */
	igt_assert_eq(testdev_move(testdev, dmabuf), 0);
	ret = testdev_import(testdev, TESTDEV_DMA64, dmabuf, DMA_BUF_TEST_REQUEST_SGT,
			     &handle);
	igt_assert_eq(ret, 0);
	testdev_release(testdev, handle);
	testdev_check_pattern(testdev, dmabuf, BUF_SIZE, seed);
	close(dmabuf);
}

static void cell_subtest(size_t i, size_t j)
{
	igt_describe("Share a buffer from the exporter to the importer and "
		     "check the data and the attachment on the far side.");
	igt_subtest_f("%s-to-%s", exporters[i].name, importers[j].name)
		cell(&exporters[i], &importers[j],
		     0x5eed0000u | (uint32_t)(i << 8 | j));
}

igt_main
{
	igt_fixture {
		struct dma_buf_test_info info;

		drm_open_vm_devices(virtio, &vgem, &vkms);
		igt_info("virtio-gpu-a: %s (%s), virtio-gpu-b: %s (%s)\n",
			 virtio[0].devname, virtio[0].pci, virtio[1].devname,
			 virtio[1].pci);
		vivid_open(&vivid);
		testdev = testdev_try_open();
		for (size_t j = 0; j < ARRAY_SIZE(importers); j++)
			if (importers[j].kind == IMP_TESTDEV && testdev >= 0 &&
			    testdev_info(testdev, importers[j].device, &info))
				snprintf(importers[j].devname, sizeof(importers[j].devname),
					 "%s", info.name);
		if (testdev >= 0 && testdev_info(testdev, TESTDEV_DMA64, &info))
			snprintf(dma64_name, sizeof(dma64_name), "%s", info.name);
		topology = dma_topology();
		igt_info("DMA topology: %s\n", dma_topology_name(topology));
	}

	for (size_t i = 0; i < ARRAY_SIZE(exporters); i++)
		for (size_t j = 0; j < ARRAY_SIZE(importers); j++)
			cell_subtest(i, j);

	igt_describe("A native dynamic exporter moves the buffer: the native "
		     "importer's move_notify drops the mapping and the next "
		     "map reads the same data at the new pages.");
	igt_subtest("move-notify-native-remap") {
		testdev_require(testdev, TESTDEV_DMA64);
		move_remap(DMA_BUF_TEST_OFFER_SGT, DMA_BUF_TEST_REQUEST_SGT, 0x6d6f7601u);
	}

	igt_describe("The same with a physical address list: the importer "
		     "drops the list in move_notify and the next map gives "
		     "the new pages' ranges. Under an IOMMU or with forced "
		     "bouncing the trust rule refuses the PAL-only import.");
	igt_subtest("move-notify-pal-remap") {
		testdev_require(testdev, TESTDEV_DMA64);
		if (topology == TOPO_DIRECT)
			move_remap(DMA_BUF_TEST_OFFER_PAL, DMA_BUF_TEST_REQUEST_PAL,
				   0x6d6f7604u);
		else
			pal_refused(DMA_BUF_TEST_OFFER_PAL, 0x6d6f7604u);
	}

	igt_describe("The same through the core's PAL-to-SGT adapter: a "
		     "PAL-only exporter and an SGT importer.");
	igt_subtest("move-notify-adapter-remap") {
		testdev_require(testdev, TESTDEV_DMA64);
		move_remap(DMA_BUF_TEST_OFFER_PAL, DMA_BUF_TEST_REQUEST_SGT, 0x6d6f7605u);
	}

	igt_describe("An importer that keeps its old mapping across a move "
		     "and fences its last reads: the exporter reuses the old "
		     "pages only after that fence, SGT and PAL alike.");
	igt_subtest("move-notify-unmap-late") {
		testdev_require(testdev, TESTDEV_DMA64);
		udmabuf_require();
		move_unmap_late(DMA_BUF_TEST_OFFER_SGT, DMA_BUF_TEST_REQUEST_SGT,
				0x6d6f7606u);
		move_unmap_late(DMA_BUF_TEST_OFFER_PAL, DMA_BUF_TEST_REQUEST_SGT,
				0x6d6f7607u);
		if (topology == TOPO_DIRECT)
			move_unmap_late(DMA_BUF_TEST_OFFER_PAL, DMA_BUF_TEST_REQUEST_PAL,
					0x6d6f7608u);
	}

	igt_describe("The core syncs the tables its PAL-to-SGT adapter maps: "
		     "the CPU writes a mapped buffer inside DMA_BUF_IOCTL_SYNC "
		     "and the device reads the new data, bouncing or not.");
	igt_subtest("adapter-cpu-write-sync") {
		testdev_require(testdev, TESTDEV_DMA64);
		adapter_cpu_write(0x6d6f7609u);
	}

	igt_describe("A pinned native import (GEM PRIME helpers) keeps the "
		     "exporter from moving the buffer until it is released.");
	igt_subtest("move-blocked-while-pinned") {
		testdev_require(testdev, TESTDEV_DMA64);
		drm_require(&vgem);
		move_pinned(0x6d6f7603u);
	}

	igt_describe("virtio-gpu maps a read-only dma-buf's import for the "
		     "CPU read-only.");
	igt_subtest("virtio-gpu-import-map-read-only") {
		drm_require(&vgem);
		drm_require(&virtio[0]);
		import_map_read_only(0x726f6d70u);
	}

	igt_describe("virtio-gpu maps an import for the CPU as its exporter "
		     "allows: udmabuf's refuses a private mapping.");
	igt_subtest("virtio-gpu-import-map-private") {
		udmabuf_require();
		drm_require(&virtio[0]);
		import_map_private(0x70726976u);
	}
}
