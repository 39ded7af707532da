/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the PRIME tests: DRM device discovery, dumb buffers,
 * dma-buf exporters from udmabuf and the dma-heaps, data patterns, a
 * parser for /sys/kernel/debug/dma_buf/bufinfo, and a KMS output and mode.
 */
#ifndef IGT_DMABUF_UTIL_H
#define IGT_DMABUF_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <xf86drmMode.h>

#define BUFINFO_PATH "/sys/kernel/debug/dma_buf/bufinfo"
#define MAX_ATTACHMENTS 16

/* An open DRM device and the name the kernel gives its struct device. */
struct drm_dev {
	int fd;
	char driver[32];	/* "virtio_gpu", "vgem", "amdgpu", ... */
	char devname[64];	/* dev_name(), as bufinfo prints it */
	char pci[32];		/* PCI address, "" when not a PCI device */
	int minor;
	char role[16];		/* drm_open_vm_devices(): "virtio-gpu-a", "vgem", ... */
};

/*
 * Open every /dev/dri/card* whose driver is @driver (NULL: any driver),
 * ordered by PCI address.
 */
int drm_open_all(const char *driver, struct drm_dev *devs, int max);
/*
 * The DRM devices of harness/vm.sh's VM: two virtio-gpu cards ("virtio-gpu-a"
 * and "virtio-gpu-b", by PCI address), vgem and vkms. Opens the ones this
 * machine has and asserts nothing, so that it can run in a fixture; a
 * device it lacks gets fd -1, and a subtest that needs it calls
 * drm_require(), which skips.
 */
void drm_open_vm_devices(struct drm_dev virtio[2], struct drm_dev *vgem,
			 struct drm_dev *vkms);
void drm_require(const struct drm_dev *d);
/*
 * A dumb buffer of at least @size bytes, mapped for reading and writing;
 * returns the handle.
 */
uint32_t dumb_create(int fd, size_t size, void **map, size_t *map_size);
/* PRIME import that returns 0 or -errno (IGT's prime_fd_to_handle() asserts). */
int __prime_fd_to_handle(int fd, int dmabuf, uint32_t *handle);

/* The first connected connector of @fd and a CRTC that can drive it; asserts. */
void kms_find_output(int fd, uint32_t *conn_id, uint32_t *crtc_id);
/* A user-defined mode of @w x @h pixels at 60 Hz. */
drmModeModeInfo kms_user_mode(int w, int h);

/* Skip the subtest unless this machine has udmabuf. */
void udmabuf_require(void);
int udmabuf_create(size_t size, void **memfd_map);
int heap_alloc(const char *heap, size_t size);

/* CPU access to a dma-buf through its own mmap, bracketed by DMA_BUF_IOCTL_SYNC. */
void *dmabuf_mmap(int dmabuf, size_t size);
void dmabuf_sync(int dmabuf, uint64_t flags);

void pattern_fill(void *p, size_t size, uint32_t seed);
/* Offset of the first word that differs from the pattern, or -1. */
long pattern_check(const void *p, size_t size, uint32_t seed);

/*
 * Buffers holding pattern @seed, written by the CPU through the exporter's
 * own mapping; each returns the dma-buf fd and asserts on failure. A dumb
 * buffer's GEM handle is returned in @handle (the caller closes it).
 */
int dumb_export_pattern(int fd, size_t size, uint32_t seed, uint32_t *handle);
int udmabuf_export_pattern(size_t size, uint32_t seed);
int heap_export_pattern(const char *heap, size_t size, uint32_t seed);
/* Assert that the dma-buf's own CPU mapping holds pattern @seed. */
void dmabuf_check_pattern(int dmabuf, size_t size, uint32_t seed);

ino_t fd_inode(int fd);

/*
 * How the VM's devices reach memory (harness/vm.sh, VM_TOPOLOGY): "direct"
 * (DMA addresses are physical), "iommu" (an IOMMU translates) or "bounce"
 * (swiotlb=force). Expectations that differ per topology index by it.
 */
enum dma_topology { TOPO_DIRECT, TOPO_IOMMU, TOPO_BOUNCE, TOPO_COUNT };
enum dma_topology dma_topology(void);
const char *dma_topology_name(enum dma_topology t);

/* One attachment line of bufinfo, split into its fields. */
struct bufinfo_attachment {
	char dev[64];
	char rest[192];		/* fields after the device name, if any */
};

/*
 * The attachments of the dma-buf whose inode is @ino, as bufinfo lists
 * them. Returns their count, or -1 when the buffer is not listed.
 */
int bufinfo_attachments(ino_t ino, struct bufinfo_attachment *att, int max);
/* The "Total N objects, M bytes" line of bufinfo, to compare later. */
void bufinfo_total(char *out, size_t size);
/*
 * Wait (up to 3 s: virtio-gpu frees asynchronously) until bufinfo's total
 * line is @before again; asserts that it is.
 */
void bufinfo_expect_total(const char *before);
/*
 * How many fences of buffer @ino's reservation object bufinfo lists with
 * usage @usage ("kernel", "write", "read", "bookkeep") and a driver name
 * of @driver.
 */
int bufinfo_count_fences(ino_t ino, const char *usage, const char *driver);
/* How many attachments of buffer @ino belong to device @devname. */
int bufinfo_count_dev(ino_t ino, const char *devname);
/*
 * Wait up to 3 s until buffer @ino has @want attachments of @devname
 * (virtio-gpu releases an import once the host dropped its resource, after
 * the GEM handle is gone); asserts that it has.
 */
void bufinfo_wait_count_dev(ino_t ino, const char *devname, int want);
/* Wait up to 3 s for buffer @ino to leave bufinfo; fail if it does not. */
void bufinfo_wait_buffer_gone(ino_t ino);
/* The one attachment of buffer @ino by @devname; asserts there is one. */
void bufinfo_get_dev(ino_t ino, const char *devname, struct bufinfo_attachment *att);
/*
 * The value of "key=value" among an attachment's appended fields, or NULL.
 * Points into a static buffer.
 */
const char *bufinfo_field(const struct bufinfo_attachment *att, const char *key);

#endif /* IGT_DMABUF_UTIL_H */
