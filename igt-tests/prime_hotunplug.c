// SPDX-License-Identifier: MIT
/*
 * A virtio-gpu card that goes away while it holds imports must let go of
 * the exporters' buffers.
 *
 * Card B imports two vgem buffers (pinned imports: the exporter's buffer
 * cannot move while they exist), one of them also used in a framebuffer
 * so that the host has a resource for it. The card is then removed from
 * the guest's PCI bus (sysfs "remove": the driver's remove path runs as
 * for a hot-unplug; QEMU's virtio-gpu-pci cannot be unplugged from the
 * host), while the test still holds the card open. The removal lets go
 * of the exporters' buffers at once (their DMA mappings were for the
 * removed device; DMA-API debugging reports any left at unbind): both
 * attachments must have left bufinfo when the removal returns, although
 * the test device holds one exporter's reservation lock for a second
 * across it. Closing the card afterwards frees the imports without a
 * device to tell (from work items, each holding a reference to the card,
 * which may be its last), and bufinfo's totals must come back once the
 * test closes the buffers. The runner's kmemleak and
 * KASAN checks cover the rest.
 *
 * It removes card B for good, so the VM runner runs it after every other
 * test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "igt_dmabuf_testdev.h"
#include "igt_dmabuf_util.h"
#include "igt_vmctl.h"

/**
 * TEST: prime hotunplug
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DMABUF
 * Functionality: typed dma-buf mappings
 * Feature: prime, hotunplug
 * Description: A virtio-gpu card removed while it holds imports lets go of the
 *              exporters' buffers
 */
/**
 * SUBTEST: unplug-with-imports
 * Description: Remove card B while it holds pinned imports, one of them scanned
 *              out: the removal releases them, closing the card frees them.
 */

#define W 64
#define H 64
#define FB_SIZE (W * H * 4)
#define HOLD_MS 1000

static struct drm_dev virtio[2], vgem, vkms;
static int testdev = -1;

struct vgem_buf {
	uint32_t handle;
	int dmabuf;
	ino_t ino;
	void *map;
	size_t map_size;
};

static void vgem_buf_create(int fd, struct vgem_buf *b)
{
	b->handle = dumb_create(fd, FB_SIZE, &b->map, &b->map_size);
	b->dmabuf = prime_handle_to_fd_for_mmap(fd, b->handle);
	b->ino = fd_inode(b->dmabuf);
}

/* Up to 3 s: virtio-gpu frees imports from a work item. */
static int attachments_left(const struct vgem_buf *b)
{
	struct bufinfo_attachment att[MAX_ATTACHMENTS];
	int n = -1;

	for (int i = 0; i < 30; i++) {
		n = bufinfo_attachments(b->ino, att, MAX_ATTACHMENTS);
		if (n == 0)
			break;
		usleep(100 * 1000);
	}
	return n;
}

static void unplug_with_imports(void)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { W * 4 }, offsets[4] = { 0 };
	struct vgem_buf scanout, plain;
	int vfd = drm_reopen_driver(vgem.fd);
	char total[128], sysfs[96];
	uint32_t fb = 0, plain_handle = 0;
	int fd = virtio[1].fd, rm;

	bufinfo_total(total, sizeof(total));
	vgem_buf_create(vfd, &scanout);
	vgem_buf_create(vfd, &plain);

	igt_assert_eq(__prime_fd_to_handle(fd, scanout.dmabuf, &handles[0]), 0);
	igt_assert_eq(__prime_fd_to_handle(fd, plain.dmabuf, &plain_handle), 0);
	/* A framebuffer gives the first import a host resource. */
	igt_assert_f(drmModeAddFB2(fd, W, H, DRM_FORMAT_XRGB8888, handles, pitches,
				   offsets, &fb, 0) == 0,
		     "AddFB2 of the import: %s", strerror(errno));
	igt_assert_eq(bufinfo_count_dev(scanout.ino, virtio[1].devname), 1);
	igt_assert_eq(bufinfo_count_dev(plain.ino, virtio[1].devname), 1);

	/* The removal must wait for vgem's lock to let go of the import. */
	testdev_hold_resv(testdev, plain.dmabuf, HOLD_MS);
	snprintf(sysfs, sizeof(sysfs), "/sys/bus/pci/devices/%s/remove", virtio[1].pci);
	rm = open(sysfs, O_WRONLY);
	igt_assert_f(rm >= 0, "%s: %s", sysfs, strerror(errno));
	igt_assert_f(write(rm, "1", 1) == 1, "removing card B: %s", strerror(errno));
	close(rm);
	snprintf(sysfs, sizeof(sysfs), "/sys/bus/pci/devices/%s", virtio[1].pci);
	igt_assert_f(access(sysfs, F_OK) != 0, "%s is still there", sysfs);
	igt_info("card B (%s) removed from the PCI bus\n", virtio[1].pci);
	igt_assert_f(bufinfo_count_dev(scanout.ino, virtio[1].devname) == 0,
		     "the removed card's import that was scanned out still holds vgem's buffer");
	igt_assert_f(bufinfo_count_dev(plain.ino, virtio[1].devname) == 0,
		     "the removed card's plain import still holds vgem's buffer");
	igt_info("the removal released both imports' attachments\n");

	/* The card is gone; closing it frees the framebuffer and the imports. */
	close(fd);
	virtio[1].fd = -1;
	igt_assert_eq(attachments_left(&scanout), 0);
	igt_assert_eq(attachments_left(&plain), 0);

	close(scanout.dmabuf);
	close(plain.dmabuf);
	munmap(scanout.map, scanout.map_size);
	munmap(plain.map, plain.map_size);
	gem_close(vfd, scanout.handle);
	gem_close(vfd, plain.handle);
	close(vfd);
	bufinfo_expect_total(total);
}

igt_main
{
	igt_fixture {
		drm_open_vm_devices(virtio, &vgem, &vkms);
		testdev = testdev_try_open();
	}

	igt_describe("Remove virtio-gpu card B from the PCI bus while it holds "
		     "imports of vgem buffers, one of them in a framebuffer: "
		     "the removal releases every import (waiting for an "
		     "exporter's lock if it must), and closing the card frees "
		     "them.");
	igt_subtest("unplug-with-imports") {
		/* It removes card B from the PCI bus: only in the test VM. */
		vmctl_require();
		drm_require(&virtio[1]);
		drm_require(&vgem);
		testdev_require(testdev, TESTDEV_ANY);
		unplug_with_imports();
	}
}
