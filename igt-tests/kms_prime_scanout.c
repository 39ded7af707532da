// SPDX-License-Identifier: MIT
/*
 * virtio-gpu scans out imported buffers, checked on the host.
 *
 * A 64x64 XRGB8888 buffer holding a test pattern is made by another
 * exporter, imported into virtio-gpu card B (QEMU id gpu-b), put in a
 * framebuffer and scanned out. virtio-gpu backs a 2D resource with the
 * imported mapping's ranges and the host reads the pixels from there
 * (TRANSFER_TO_HOST_2D); the VM runner then takes a QEMU screen dump of
 * that card and compares it with the pattern, pixel for pixel
 * (harness/screendump.py). The live variant changes two pixels through
 * the exporter's CPU mapping after the import and flushes the framebuffer
 * for one of them: the dump must then differ in exactly that pixel, which
 * proves it shows the memory behind the mapping and not an earlier copy,
 * and that only the damage went to the host.
 *
 * Exporters align pitches: a 1366x768 buffer with a 256-byte aligned
 * pitch (5632 bytes, 42 pixels of padding a row) must scan out its visible
 * part (scanout-pitched-vgem).
 *
 * An import can be the cursor: a 64x64 vgem buffer set as card B's cursor
 * must be the cursor image the host shows, as QEMU's VNC server for the
 * card sends it (cursor-from-vgem).
 *
 * An import of a dynamic exporter (the test device's) is pinned only while
 * a plane shows it: the exporter can move the buffer after the import,
 * after AddFB and after the plane lets it go, not while it is shown; after
 * each move the next frame is the buffer's content at its new place
 * (scanout-after-move-test-native, -test-pal).
 *
 * An import is a scan-out source and nothing else for the host: the
 * ioctls that would hand it to the host for anything else must fail,
 * before and after it was scanned out, while MAP maps it for the CPU
 * through its exporter (import-host-ioctls).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <virtgpu_drm.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "igt_dmabuf_util.h"
#include "igt_dmabuf_exporter.h"
#include "igt_dmabuf_testdev.h"
#include "igt_vmctl.h"

/**
 * TEST: kms prime scanout
 * Category: Display
 * Mega feature: Display and Modesetting
 * Sub-category: DMABUF
 * Functionality: typed dma-buf mappings
 * Feature: prime, kms
 * Description: virtio-gpu scans out buffers imported from other drivers; the
 *              host's screen dump of the card is compared with the pattern
 *              pixel for pixel
 */
/**
 * SUBTEST: scanout-from-%s
 * Description: Scan out a buffer imported from the exporter and compare the
 *              host's screen dump with it.
 *
 * arg[1]:
 *
 * @vgem:
 * @udmabuf:
 * @system-heap:
 * @virtio-gpu-a:
 * @test-native:
 * @test-pal:
 */
/**
 * SUBTEST: scanout-live-change-%s
 * Description: Change two pixels through the exporter's CPU mapping after
 *              the import, flush one, and find exactly that change in the
 *              screen dump.
 *
 * arg[1]:
 *
 * @vgem:
 * @udmabuf:
 */
/**
 * SUBTEST: scanout-pitched-vgem
 * Description: Scan out an imported buffer whose pitch is wider than its width.
 */
/**
 * SUBTEST: cursor-from-vgem
 * Description: Use an imported buffer as the cursor and compare the cursor
 *              image the host sends.
 */
/**
 * SUBTEST: cursor-import-layout-refused
 * Description: An imported cursor framebuffer the host would not show (a
 *              pitch of 512 bytes, 64x128) is refused at atomic check.
 */
/**
 * SUBTEST: import-framebuffer-layout-kept
 * Description: An import's host resource takes the layout of its first
 *              framebuffer: another framebuffer of that layout on it works,
 *              one of another pitch, height or format is refused.
 */
/**
 * SUBTEST: scanout-after-move-%s
 * Description: A buffer of a dynamic exporter imported into virtio-gpu is
 *              pinned only while scanned out; after a move the next frame
 *              shows it from its new place.
 *
 * arg[1]:
 *
 * @test-native:
 * @test-pal:
 */
/**
 * SUBTEST: import-host-ioctls
 * Description: virtio-gpu's host ioctls on an imported object refuse or work as
 *              for a local one.
 */
/**
 * SUBTEST: import-map-exporter-without-mmap
 * Description: MAP of an import whose exporter cannot mmap fails with EINVAL;
 *              the import still scans out.
 */

#define W 64
#define H 64
#define PITCH (W * 4)
#define FB_SIZE (PITCH * H)

static struct drm_dev virtio[2], vgem, vkms;
static int testdev = -1;

/* The exporters by name, for what each needs (source_require()). */
static const struct {
	const char *name;
	struct dmabuf_source src;
} exporters[] = {
	{ "vgem", { .kind = EXP_DUMB, .dev = &vgem } },
	{ "udmabuf", { .kind = EXP_UDMABUF } },
	{ "system-heap", { .kind = EXP_HEAP, .heap = "system" } },
	{ "virtio-gpu-a", { .kind = EXP_DUMB, .dev = &virtio[0] } },
	{ "test-native", { .kind = EXP_TESTDEV, .offers = DMA_BUF_TEST_OFFER_SGT } },
	{ "test-pal", { .kind = EXP_TESTDEV, .offers = DMA_BUF_TEST_OFFER_PAL } },
};

/*
 * Skip unless this machine has card B, @exporter (NULL: none) and, with
 * @screen, the VM's screen dumps.
 */
static void require(const char *exporter, bool screen)
{
	size_t i;

	drm_require(&virtio[1]);
	if (screen)
		vmctl_require();
	if (!exporter)
		return;
	for (i = 0; i < ARRAY_SIZE(exporters) && strcmp(exporters[i].name, exporter); i++)
		;
	igt_assert_f(i < ARRAY_SIZE(exporters), "unknown exporter %s", exporter);
	source_require(&exporters[i].src);
}

struct source {
	int dmabuf;
	int drm_fd;		/* exporter's DRM client, or -1 */
	uint32_t handle;
	void *map;		/* exporter's CPU mapping */
	size_t map_size;
};

static void make_source(const char *exporter, uint32_t seed, struct source *src)
{
	memset(src, 0, sizeof(*src));
	src->drm_fd = -1;
	if (!strcmp(exporter, "vgem") || !strcmp(exporter, "virtio-gpu-a")) {
		struct drm_dev *dev = !strcmp(exporter, "vgem") ? &vgem : &virtio[0];

		src->drm_fd = drm_reopen_driver(dev->fd);
		src->handle = dumb_create(src->drm_fd, FB_SIZE, &src->map, &src->map_size);
		pattern_fill(src->map, FB_SIZE, seed);
		src->dmabuf = prime_handle_to_fd_for_mmap(src->drm_fd, src->handle);
	} else if (!strcmp(exporter, "udmabuf")) {
		src->dmabuf = udmabuf_create(FB_SIZE, &src->map);
		src->map_size = FB_SIZE;
		pattern_fill(src->map, FB_SIZE, seed);
	} else if (!strcmp(exporter, "system-heap")) {
		src->dmabuf = heap_alloc("system", FB_SIZE);
		src->map = dmabuf_mmap(src->dmabuf, FB_SIZE);
		src->map_size = FB_SIZE;
		dmabuf_sync(src->dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		pattern_fill(src->map, FB_SIZE, seed);
		dmabuf_sync(src->dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	} else if (!strcmp(exporter, "test-native") || !strcmp(exporter, "test-pal")) {
		/*
		 * test-pal offers only PAL: virtio-gpu imports it as such in
		 * the direct topology, through the core's adapter under an
		 * IOMMU or bouncing (prime_cross_driver asserts which).
		 */
		src->dmabuf = testdev_export(testdev, FB_SIZE,
					     strcmp(exporter, "test-pal") ?
					     DMA_BUF_TEST_OFFER_SGT : DMA_BUF_TEST_OFFER_PAL,
					     seed, 0);
		src->map = dmabuf_mmap(src->dmabuf, FB_SIZE);
		src->map_size = FB_SIZE;
	} else {
		igt_assert_f(0, "unknown exporter %s", exporter);
	}
}

static void free_source(struct source *src)
{
	munmap(src->map, src->map_size);
	close(src->dmabuf);
	if (src->drm_fd >= 0) {
		gem_close(src->drm_fd, src->handle);
		close(src->drm_fd);
	}
}

/*
 * A fenced host command after the commit: when its fence signals, the
 * host has processed everything queued before it, including the transfer
 * and flush of the scanout.
 */
static void host_sync(int fd)
{
	struct drm_virtgpu_resource_create rc = {
		.target = 2, .format = 2 /* B8G8R8X8 */, .width = 1, .height = 1,
		.depth = 1, .array_size = 1, .size = 4096,
	};
	struct drm_virtgpu_3d_wait wait = { 0 };

	igt_assert_f(drmIoctl(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, &rc) == 0,
		     "VIRTGPU_RESOURCE_CREATE: %s", strerror(errno));
	wait.handle = rc.bo_handle;
	igt_assert_f(drmIoctl(fd, DRM_IOCTL_VIRTGPU_WAIT, &wait) == 0,
		     "VIRTGPU_WAIT: %s", strerror(errno));
	gem_close(fd, rc.bo_handle);
}

static void scanout(const char *exporter, uint32_t seed, bool live)
{
	drmModeModeInfo mode = kms_user_mode(W, H);
	uint32_t handles[4] = { 0 }, pitches[4] = { PITCH }, offsets[4] = { 0 };
	int fd = virtio[1].fd;
	uint32_t conn = 0, crtc = 0, fb = 0;
	struct source src;
	char result[128], tag[48];
	ino_t ino;
	int ret;

	make_source(exporter, seed, &src);
	ino = fd_inode(src.dmabuf);

	ret = __prime_fd_to_handle(fd, src.dmabuf, &handles[0]);
	igt_assert_f(ret == 0, "card B import: %s", strerror(-ret));
	igt_assert_eq(bufinfo_count_dev(ino, virtio[1].devname), 1);
	igt_assert_f(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0,
		     "AddFB2 of the import: %s", strerror(errno));
	kms_find_output(fd, &conn, &crtc);
	igt_assert_f(drmModeSetCrtc(fd, crtc, fb, 0, 0, &conn, 1, &mode) == 0,
		     "SetCrtc: %s", strerror(errno));

	if (live) {
		/*
		 * After the import: change pixels (17, 42) and (40, 10), and
		 * flush the fb for the first only. Only the damage goes to
		 * the host: it shows the second unchanged.
		 */
		drmModeClip clip = { .x1 = 17, .y1 = 42, .x2 = 18, .y2 = 43 };
		uint32_t *px = (uint32_t *)src.map + 42 * W + 17;

		/* The host reads the first upload when it gets to it: wait. */
		host_sync(fd);
		*px ^= 0x00ffffff;
		((uint32_t *)src.map)[10 * W + 40] ^= 0x00ffffff;
		igt_assert_f(drmModeDirtyFB(fd, fb, &clip, 1) == 0,
			     "DirtyFB: %s", strerror(errno));
	}
	host_sync(fd);

	snprintf(tag, sizeof(tag), "%s%s", exporter, live ? "-live" : "");
	vmctl_screendump("gpu-b", W, H, seed, tag, result, sizeof(result));
	igt_info("screendump of gpu-b, %s: %s\n", tag, result);

	igt_assert_eq(drmModeSetCrtc(fd, crtc, 0, 0, 0, NULL, 0, NULL), 0);
	drmModeRmFB(fd, fb);
	gem_close(fd, handles[0]);
	free_source(&src);

	if (live)
		igt_assert_f(!strcmp(result, "mismatch 1 17 42"),
			     "the dump must differ in exactly pixel (17, 42), the damage: %s\n",
			     result);
	else
		igt_assert_f(!strcmp(result, "match"),
			     "the dump of gpu-b differs from the pattern: %s", result);
	igt_info("cell: %s -> virtio-gpu-b: scanout: %s\n", exporter,
		 live ? "live-change-seen" : "screendump-match");
}

/* Show @fb on card B and compare the host's dump of it with pattern @seed. */
static void show_and_compare(int fd, uint32_t fb, uint32_t seed, const char *tag)
{
	drmModeModeInfo mode = kms_user_mode(W, H);
	uint32_t conn = 0, crtc = 0;
	char result[128];

	kms_find_output(fd, &conn, &crtc);
	igt_assert_f(drmModeSetCrtc(fd, crtc, fb, 0, 0, &conn, 1, &mode) == 0,
		     "SetCrtc (%s): %s", tag, strerror(errno));
	host_sync(fd);
	vmctl_screendump("gpu-b", W, H, seed, tag, result, sizeof(result));
	igt_info("screendump of gpu-b, %s: %s\n", tag, result);
	igt_assert_f(!strcmp(result, "match"),
		     "%s: the dump of gpu-b differs from the pattern: %s", tag, result);
}

static void hide(int fd)
{
	uint32_t conn = 0, crtc = 0;

	kms_find_output(fd, &conn, &crtc);
	igt_assert_eq(drmModeSetCrtc(fd, crtc, 0, 0, 0, NULL, 0, NULL), 0);
}

/*
 * The test device's MOVE fails with EBUSY while any attachment pins the
 * buffer, and otherwise copies it to new pages, notifies the importers,
 * waits for their fences and poisons the old pages: a frame read from a
 * stale mapping shows the poison.
 */
static void expect_move(const char *when, int dmabuf, int want)
{
	int ret = testdev_move(testdev, dmabuf);

	igt_assert_f(ret == want, "MOVE %s: %s, expected %s\n", when,
		     ret ? strerror(-ret) : "moved",
		     want ? strerror(-want) : "moved (the import must not pin it)");
}

static void scanout_after_move(const char *exporter, uint32_t seed)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { PITCH }, offsets[4] = { 0 };
	int fd = virtio[1].fd, ret;
	char tag[48];
	struct source src;
	uint32_t fb = 0;

	make_source(exporter, seed, &src);
	ret = __prime_fd_to_handle(fd, src.dmabuf, &handles[0]);
	igt_assert_f(ret == 0, "card B import: %s", strerror(-ret));
	expect_move("after the import", src.dmabuf, 0);

	igt_assert_f(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0,
		     "AddFB2 of the import: %s", strerror(errno));
	expect_move("after AddFB", src.dmabuf, 0);

	snprintf(tag, sizeof(tag), "%s-moved", exporter);
	show_and_compare(fd, fb, seed, tag);
	expect_move("while scanned out", src.dmabuf, -EBUSY);
	hide(fd);
	expect_move("once no plane shows it", src.dmabuf, 0);

	snprintf(tag, sizeof(tag), "%s-moved-again", exporter);
	show_and_compare(fd, fb, seed, tag);
	hide(fd);
	drmModeRmFB(fd, fb);
	expect_move("after RmFB", src.dmabuf, 0);

	gem_close(fd, handles[0]);
	free_source(&src);
	igt_info("%s -> virtio-gpu-b: pinned only while shown; the frames after two moves match\n",
		 exporter);
}

#define PW 1366
#define PH 768
#define PPITCH 5632	/* 1366 * 4 rounded up to 256 */

/*
 * A vgem buffer of PW x PH pixels with a pitch of PPITCH, imported into
 * card B and scanned out in a PW x PH mode: the dump must be the pattern,
 * row after row, and none of the padding between the rows.
 */
static void scanout_pitched(uint32_t seed)
{
	drmModeModeInfo mode = kms_user_mode(PW, PH);
	uint32_t handles[4] = { 0 }, pitches[4] = { PPITCH }, offsets[4] = { 0 };
	int fd = virtio[1].fd, vfd = drm_reopen_driver(vgem.fd);
	uint32_t conn = 0, crtc = 0, fb = 0, vhandle;
	size_t map_size;
	char result[128];
	uint32_t *rows;
	uint8_t *map;
	int dmabuf, ret;

	vhandle = dumb_create(vfd, (size_t)PPITCH * PH, (void **)&map, &map_size);
	/* Pixel (x, y) is pattern word y * PW + x; the padding is not. */
	rows = malloc((size_t)PW * PH * 4);
	igt_assert(rows);
	pattern_fill(rows, (size_t)PW * PH * 4, seed);
	memset(map, 0xa5, map_size);
	for (int y = 0; y < PH; y++)
		memcpy(map + (size_t)y * PPITCH, rows + (size_t)y * PW, PW * 4);
	free(rows);
	dmabuf = prime_handle_to_fd_for_mmap(vfd, vhandle);

	ret = __prime_fd_to_handle(fd, dmabuf, &handles[0]);
	igt_assert_f(ret == 0, "card B import: %s", strerror(-ret));
	igt_assert_f(drmModeAddFB2(fd, PW, PH, DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0,
		     "AddFB2 of the import with pitch %d: %s", PPITCH, strerror(errno));
	kms_find_output(fd, &conn, &crtc);
	igt_assert_f(drmModeSetCrtc(fd, crtc, fb, 0, 0, &conn, 1, &mode) == 0,
		     "SetCrtc: %s", strerror(errno));
	host_sync(fd);
	vmctl_screendump("gpu-b", PW, PH, seed, "vgem-pitched", result, sizeof(result));
	igt_info("screendump of gpu-b, vgem %dx%d pitch %d: %s\n", PW, PH, PPITCH, result);

	igt_assert_eq(drmModeSetCrtc(fd, crtc, 0, 0, 0, NULL, 0, NULL), 0);
	drmModeRmFB(fd, fb);
	gem_close(fd, handles[0]);
	close(dmabuf);
	munmap(map, map_size);
	gem_close(vfd, vhandle);
	close(vfd);
	igt_assert_f(!strcmp(result, "match"),
		     "the dump of gpu-b differs from the pattern: %s", result);
	igt_info("cell: vgem -> virtio-gpu-b: scanout pitch %d: screendump-match\n", PPITCH);
}

/* Card B's cursor plane for @crtc_id (universal planes on). */
static uint32_t cursor_plane(int fd, uint32_t crtc_id)
{
	drmModePlaneRes *res;
	drmModeRes *kms = drmModeGetResources(fd);
	uint32_t found = 0, crtc_bit = 0;

	igt_assert(kms);
	for (int i = 0; i < kms->count_crtcs; i++)
		if (kms->crtcs[i] == crtc_id)
			crtc_bit = 1u << i;
	drmModeFreeResources(kms);
	igt_assert_eq(drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1), 0);
	res = drmModeGetPlaneResources(fd);
	igt_assert(res);
	for (uint32_t i = 0; i < res->count_planes && !found; i++) {
		drmModePlane *p = drmModeGetPlane(fd, res->planes[i]);
		uint64_t type = 0;

		if (p && (p->possible_crtcs & crtc_bit) &&
		    kmstest_get_property(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type",
					 NULL, &type, NULL) &&
		    type == DRM_PLANE_TYPE_CURSOR)
			found = p->plane_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(res);
	igt_assert_f(found, "no cursor plane on card B");
	return found;
}

/*
 * The host shows a cursor only from a 64x64 resource, and an import's
 * resource is as wide as its framebuffer's pitch and as tall as the
 * framebuffer: a 64x64 framebuffer of pitch 512 (on the cursor plane) and
 * a 64x128 one (through the legacy cursor ioctl) are refused with EINVAL
 * instead of showing no cursor. Each is an import of its own: an import's
 * resource keeps the layout of its first framebuffer.
 */
static void cursor_layout_refused(void)
{
	drmModeModeInfo mode = kms_user_mode(W, H);
	uint32_t handles[4] = { 0 }, pitches[4] = { PITCH }, offsets[4] = { 0 };
	uint32_t conn = 0, crtc = 0, fb = 0, cfb = 0, tall = 0, wide = 0;
	int fd = virtio[1].fd, tall_buf, wide_buf, ret;
	void *tall_map, *wide_map;
	uint64_t created;

	handles[0] = kmstest_dumb_create(fd, W, H, 32, NULL, &created);
	igt_assert_eq(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				    offsets, &fb, 0), 0);
	kms_find_output(fd, &conn, &crtc);
	igt_assert_eq(drmModeSetCrtc(fd, crtc, fb, 0, 0, &conn, 1, &mode), 0);

	tall_buf = udmabuf_create(PITCH * 2 * H, &tall_map);
	igt_assert_eq(__prime_fd_to_handle(fd, tall_buf, &tall), 0);
	ret = drmModeSetCursor(fd, crtc, tall, W, 2 * H) ? -errno : 0;
	igt_assert_f(ret == -EINVAL, "a 64x128 imported cursor: %s\n", strerror(-ret));

	wide_buf = udmabuf_create(2 * PITCH * H, &wide_map);
	igt_assert_eq(__prime_fd_to_handle(fd, wide_buf, &wide), 0);
	handles[1] = wide;
	pitches[1] = 2 * PITCH;
	igt_assert_eq(drmModeAddFB2(fd, W, H, DRM_FORMAT_ARGB8888, &handles[1],
				    &pitches[1], offsets, &cfb, 0), 0);
	ret = drmModeSetPlane(fd, cursor_plane(fd, crtc), crtc, cfb, 0, 0, 0, W, H,
			      0, 0, W << 16, H << 16) ? -errno : 0;
	igt_assert_f(ret == -EINVAL, "a pitch-512 imported cursor: %s\n", strerror(-ret));

	igt_assert_eq(drmModeSetCrtc(fd, crtc, 0, 0, 0, NULL, 0, NULL), 0);
	drmModeRmFB(fd, cfb);
	drmModeRmFB(fd, fb);
	gem_close(fd, wide);
	gem_close(fd, tall);
	gem_close(fd, handles[0]);
	close(wide_buf);
	close(tall_buf);
	munmap(wide_map, 2 * PITCH * H);
	munmap(tall_map, PITCH * 2 * H);
}

/*
 * The host resource of an import is created with its first framebuffer
 * and keeps that layout: a second framebuffer of the same layout shares
 * it, one of another pitch, height or format would need another resource
 * over the same memory and is refused with EINVAL. The buffer is twice
 * the first framebuffer, so that the pitch alone differs.
 */
static void import_fb_layout_kept(void)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { PITCH }, offsets[4] = { 0 };
	uint32_t fb = 0, again = 0, other = 0;
	int fd = virtio[1].fd, buf, ret;
	void *map;

	buf = udmabuf_create(2 * PITCH * H, &map);
	igt_assert_eq(__prime_fd_to_handle(fd, buf, &handles[0]), 0);
	igt_assert_eq(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				    offsets, &fb, 0), 0);
	igt_assert_eq(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				    offsets, &again, 0), 0);
	ret = drmModeAddFB2(fd, W, H / 2, DRM_FORMAT_XRGB8888, handles, pitches,
			    offsets, &other, 0) ? -errno : 0;
	igt_assert_f(ret == -EINVAL, "another height on the same import: %s\n",
		     strerror(-ret));
	pitches[0] = 2 * PITCH;
	ret = drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
			    offsets, &other, 0) ? -errno : 0;
	igt_assert_f(ret == -EINVAL, "another pitch on the same import: %s\n",
		     strerror(-ret));
	pitches[0] = PITCH;
	ret = drmModeAddFB2(fd, W, H, DRM_FORMAT_ARGB8888, handles, pitches,
			    offsets, &other, 0) ? -errno : 0;
	igt_assert_f(ret == -EINVAL, "another format on the same import: %s\n",
		     strerror(-ret));

	drmModeRmFB(fd, again);
	drmModeRmFB(fd, fb);
	gem_close(fd, handles[0]);
	close(buf);
	munmap(map, 2 * PITCH * H);
}

/*
 * A 64x64 vgem buffer as card B's cursor over a card B dumb framebuffer:
 * the host's cursor image must be the pattern.
 */
static void cursor_from_vgem(uint32_t seed)
{
	drmModeModeInfo mode = kms_user_mode(W, H);
	uint32_t handles[4] = { 0 }, pitches[4] = { PITCH }, offsets[4] = { 0 };
	uint32_t conn = 0, crtc = 0, fb = 0, cursor = 0;
	int fd = virtio[1].fd;
	struct source src;
	uint64_t created;
	char result[128];
	int ret;

	/*
	 * The primary plane: a W x H dumb buffer of card B itself. Its host
	 * resource has the dumb buffer's size, which the framebuffer must
	 * match (the host refuses a transfer, scan-out and flush of 64x64
	 * from a 128x32 resource).
	 */
	handles[0] = kmstest_dumb_create(fd, W, H, 32, NULL, &created);
	igt_assert_f(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0, "AddFB2: %s", strerror(errno));
	kms_find_output(fd, &conn, &crtc);
	igt_assert_f(drmModeSetCrtc(fd, crtc, fb, 0, 0, &conn, 1, &mode) == 0,
		     "SetCrtc: %s", strerror(errno));

	make_source("vgem", seed, &src);
	ret = __prime_fd_to_handle(fd, src.dmabuf, &cursor);
	igt_assert_f(ret == 0, "card B import: %s", strerror(-ret));
	igt_assert_f(drmModeSetCursor(fd, crtc, cursor, W, H) == 0,
		     "SetCursor with the import: %s", strerror(errno));
	host_sync(fd);
	vmctl_cursor(W, H, seed, "vgem-cursor", result, sizeof(result));
	igt_info("cursor of gpu-b from vgem: %s\n", result);
	/* The host only read the exporter's buffer: its fence says so. */
	igt_assert_eq(bufinfo_count_fences(fd_inode(src.dmabuf), "write", "virtio_gpu"), 0);
	igt_assert_lt(0, bufinfo_count_fences(fd_inode(src.dmabuf), "read", "virtio_gpu"));

	igt_assert_eq(drmModeSetCursor(fd, crtc, 0, 0, 0), 0);
	igt_assert_eq(drmModeSetCrtc(fd, crtc, 0, 0, 0, NULL, 0, NULL), 0);
	drmModeRmFB(fd, fb);
	gem_close(fd, cursor);
	gem_close(fd, handles[0]);
	free_source(&src);
	igt_assert_f(!strcmp(result, "match"),
		     "the cursor of gpu-b differs from the pattern: %s", result);
	igt_info("cell: vgem -> virtio-gpu-b: cursor: vnc-cursor-match\n");
}

/* The errno of an ioctl that must fail, 0 if it succeeded. */
static int ioctl_errno(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg) ? errno : 0;
}

/*
 * The host ioctls refuse an import; MAP (as MODE_MAP_DUMB) maps it for the
 * CPU through the exporter, which must show the exporter's pattern.
 */
static void check_host_ioctls(int fd, uint32_t handle, bool has_3d, uint32_t seed,
			      const char *when)
{
	struct drm_virtgpu_resource_info info = { .bo_handle = handle };
	struct drm_virtgpu_3d_transfer_to_host to = {
		.bo_handle = handle, .box = { .w = W, .h = H, .d = 1 },
	};
	struct drm_virtgpu_3d_transfer_from_host from = {
		.bo_handle = handle, .box = { .w = W, .h = H, .d = 1 },
	};
	struct drm_virtgpu_execbuffer exec = {
		.bo_handles = (uintptr_t)&handle, .num_bo_handles = 1,
	};
	struct drm_virtgpu_map map = { .handle = handle };
	/* Without 3D these two are refused for every object, first. */
	int no_3d = has_3d ? EOPNOTSUPP : ENOSYS;
	void *p;
	long bad;
	int e;

	e = ioctl_errno(fd, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &info);
	igt_assert_f(e == EOPNOTSUPP, "RESOURCE_INFO of an import %s: %s", when, strerror(e));
	e = ioctl_errno(fd, DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, &to);
	igt_assert_f(e == EOPNOTSUPP, "TRANSFER_TO_HOST of an import %s: %s", when, strerror(e));
	e = ioctl_errno(fd, DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &from);
	igt_assert_f(e == no_3d, "TRANSFER_FROM_HOST of an import %s: %s", when, strerror(e));
	e = ioctl_errno(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &exec);
	igt_assert_f(e == no_3d, "EXECBUFFER naming an import %s: %s", when, strerror(e));
	e = ioctl_errno(fd, DRM_IOCTL_VIRTGPU_MAP, &map);
	igt_assert_f(e == 0, "MAP of an import %s: %s", when, strerror(e));
	p = mmap(NULL, FB_SIZE, PROT_READ, MAP_SHARED, fd, map.offset);
	igt_assert_f(p != MAP_FAILED, "mmap of an import's MAP offset %s: %s", when,
		     strerror(errno));
	bad = pattern_check(p, FB_SIZE, seed);
	munmap(p, FB_SIZE);
	igt_assert_f(bad < 0, "an import's CPU mapping %s: pattern differs at byte %ld",
		     when, bad);
	igt_info("import %s: RESOURCE_INFO, TRANSFER_TO_HOST refused (EOPNOTSUPP); "
		 "TRANSFER_FROM_HOST, EXECBUFFER refused (%s); MAP maps the exporter's pattern\n",
		 when, strerror(no_3d));
}

static void import_host_ioctls(void)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { PITCH }, offsets[4] = { 0 };
	int fd = virtio[1].fd, has_3d = 0;
	struct drm_virtgpu_getparam gp = {
		.param = VIRTGPU_PARAM_3D_FEATURES, .value = (uintptr_t)&has_3d,
	};
	struct source src;
	uint32_t fb = 0, seed = 0x5c4000fdu;

	igt_assert_eq(ioctl_errno(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &gp), 0);
	make_source("vgem", seed, &src);
	igt_assert_eq(__prime_fd_to_handle(fd, src.dmabuf, &handles[0]), 0);

	/* Before any framebuffer: the host has no resource for it yet. */
	check_host_ioctls(fd, handles[0], has_3d, seed, "before scan-out");
	/* As a framebuffer it has a 2D resource, still only for scan-out. */
	igt_assert_f(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0,
		     "AddFB2 of the import after the refusals: %s", strerror(errno));
	check_host_ioctls(fd, handles[0], has_3d, seed, "with a framebuffer");

	drmModeRmFB(fd, fb);
	gem_close(fd, handles[0]);
	free_source(&src);
}

/*
 * An exporter without a CPU mapping for userspace (as exporters of device
 * memory are): MAP and MODE_MAP_DUMB of its import fail with EINVAL, which
 * tells a software renderer to read it some other way, and the import
 * still scans out.
 */
static void import_map_without_mmap(void)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { PITCH }, offsets[4] = { 0 };
	uint32_t fb = 0, seed = 0x5c4000f7u;
	struct drm_virtgpu_map map = { 0 };
	struct drm_mode_map_dumb dumb = { 0 };
	int fd = virtio[1].fd, dmabuf, e;

	dmabuf = testdev_export(testdev, FB_SIZE, DMA_BUF_TEST_OFFER_SGT, seed,
				DMA_BUF_TEST_EXPORT_NO_MMAP);
	igt_assert_eq(__prime_fd_to_handle(fd, dmabuf, &handles[0]), 0);
	map.handle = handles[0];
	dumb.handle = handles[0];
	e = ioctl_errno(fd, DRM_IOCTL_VIRTGPU_MAP, &map);
	igt_assert_f(e == EINVAL, "MAP of an import without exporter mmap: %s", strerror(e));
	e = ioctl_errno(fd, DRM_IOCTL_MODE_MAP_DUMB, &dumb);
	igt_assert_f(e == EINVAL, "MODE_MAP_DUMB of an import without exporter mmap: %s",
		     strerror(e));

	igt_assert_f(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0,
		     "AddFB2 of the import: %s", strerror(errno));
	show_and_compare(fd, fb, seed, "test-no-mmap");
	hide(fd);
	drmModeRmFB(fd, fb);
	gem_close(fd, handles[0]);
	close(dmabuf);
}

static void scanout_subtest(const char *exporter, uint32_t seed)
{
	igt_describe("Scan out a buffer imported from the exporter on "
		     "virtio-gpu card B and compare QEMU's screen dump of the "
		     "card with the pattern.");
	igt_subtest_f("scanout-from-%s", exporter) {
		require(exporter, true);
		scanout(exporter, seed, false);
	}
}

igt_main
{
	igt_fixture {
		drm_open_vm_devices(virtio, &vgem, &vkms);
		testdev = testdev_try_open();
		/* Ordered by PCI address: gpu-a sits on the switch's port 0. */
		igt_info("gpu-a: %s, gpu-b: %s\n", virtio[0].pci, virtio[1].pci);
	}

	for (size_t i = 0; i < ARRAY_SIZE(exporters); i++)
		scanout_subtest(exporters[i].name, 0x5c400000u + (uint32_t)i);

	igt_describe("Change two pixels through the exporter after the import "
		     "and flush one: the screen dump must show exactly that "
		     "change (only the damage goes to the host).");
	igt_subtest("scanout-live-change-vgem") {
		require("vgem", true);
		scanout("vgem", 0x5c4000ffu, true);
	}
	igt_subtest("scanout-live-change-udmabuf") {
		require("udmabuf", true);
		scanout("udmabuf", 0x5c4000feu, true);
	}

	igt_describe("Scan out a 1366x768 buffer whose pitch is aligned to 256 "
		     "bytes: the screen dump must show the visible pixels only.");
	igt_subtest("scanout-pitched-vgem") {
		require("vgem", true);
		scanout_pitched(0x5c4000fcu);
	}

	igt_describe("Use a 64x64 buffer imported from vgem as card B's cursor: "
		     "the host's cursor image must be the pattern.");
	igt_subtest("cursor-from-vgem") {
		require("vgem", true);
		cursor_from_vgem(0x5c4000fbu);
	}

	igt_describe("An imported cursor framebuffer the host would not show "
		     "(pitch 512, 64x128) is refused at atomic check.");
	igt_subtest("cursor-import-layout-refused") {
		require("udmabuf", false);
		cursor_layout_refused();
	}

	igt_describe("An import's host resource keeps the layout of its first "
		     "framebuffer: the same layout again works, another pitch, "
		     "height or format is refused.");
	igt_subtest("import-framebuffer-layout-kept") {
		require("udmabuf", false);
		import_fb_layout_kept();
	}

	igt_describe("A dynamic exporter's buffer imported into card B is "
		     "pinned only while a plane shows it, and after a move "
		     "the next frame shows it from its new place.");
	igt_subtest("scanout-after-move-test-native") {
		require("test-native", true);
		scanout_after_move("test-native", 0x5c4000f9u);
	}
	igt_subtest("scanout-after-move-test-pal") {
		require("test-pal", true);
		scanout_after_move("test-pal", 0x5c4000f8u);
	}

	igt_describe("Every ioctl that would hand an import to the host for "
		     "anything but scan-out fails, before and after it is "
		     "used in a framebuffer; MAP maps it through its exporter.");
	igt_subtest("import-host-ioctls") {
		require("vgem", false);
		import_host_ioctls();
	}

	igt_describe("MAP and MODE_MAP_DUMB of an import whose exporter has no "
		     "mmap fail with EINVAL; the import still scans out.");
	igt_subtest("import-map-exporter-without-mmap") {
		require("test-native", true);
		import_map_without_mmap();
	}
}
