/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Interface of /dev/dma-buf-test, the dma-buf test device
 * (CONFIG_DMABUF_TEST_DEVICE). It exists only in test kernels and is not
 * a stable uAPI: igt-tests/ is built against this file.
 */
#ifndef __DMA_BUF_TEST_DEVICE_H__
#define __DMA_BUF_TEST_DEVICE_H__

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Offers of an exported buffer (struct dma_buf_test_export.offers), made in
 * this order; at least one.
 */
#define DMA_BUF_TEST_OFFER_SGT_P2P	0x1u  /* SGT needing P2P */
#define DMA_BUF_TEST_OFFER_SGT		0x2u  /* SGT of system memory */
#define DMA_BUF_TEST_OFFER_PAL		0x4u  /* physical address list of RAM */
#define DMA_BUF_TEST_OFFER_ALL		(DMA_BUF_TEST_OFFER_SGT_P2P | \
					 DMA_BUF_TEST_OFFER_SGT | \
					 DMA_BUF_TEST_OFFER_PAL)

/*
 * Requests of an import (struct dma_buf_test_import.requests), made in
 * this order: PAL first, the device reads physical ranges directly.
 */
#define DMA_BUF_TEST_REQUEST_SGT_P2P	0x1u  /* SGT, P2P accepted */
#define DMA_BUF_TEST_REQUEST_SGT	0x2u  /* SGT, no P2P */
#define DMA_BUF_TEST_REQUEST_PAL	0x4u  /* physical address list, RAM only */
#define DMA_BUF_TEST_REQUEST_ALL	(DMA_BUF_TEST_REQUEST_SGT_P2P | \
					 DMA_BUF_TEST_REQUEST_SGT | \
					 DMA_BUF_TEST_REQUEST_PAL)

/* struct dma_buf_test_export.flags */
#define DMA_BUF_TEST_EXPORT_ABOVE_4G	0x1u  /* pages above 4 GiB, or ENOSPC */
#define DMA_BUF_TEST_EXPORT_ODD_SIZE	0x2u  /* dma-buf size not page aligned */
#define DMA_BUF_TEST_EXPORT_NO_MMAP	0x4u  /* no mmap in the dma-buf's ops */
#define DMA_BUF_TEST_EXPORT_ALL		(DMA_BUF_TEST_EXPORT_ABOVE_4G | \
					 DMA_BUF_TEST_EXPORT_ODD_SIZE | \
					 DMA_BUF_TEST_EXPORT_NO_MMAP)
/* With ODD_SIZE, the dma-buf is this much smaller than its pages. */
#define DMA_BUF_TEST_ODD_SIZE_SHORT	512u

/**
 * struct dma_buf_test_export - DMA_BUF_TEST_IOCTL_EXPORT
 * @size: in: bytes, a non-zero multiple of the page size, at most 64 MiB
 * @offers: in: DMA_BUF_TEST_OFFER_* bits, at least one
 * @seed: in: the buffer is filled with dma_buf_test_pattern(@seed, i) in
 *	its 32-bit word i (host byte order)
 * @p2p_provider: in: PCI device named by a P2P offer, as
 *	domain << 16 | bus << 8 | devfn; ignored without that offer
 * @fd: out: the dma-buf, O_RDWR | O_CLOEXEC
 * @flags: in: DMA_BUF_TEST_EXPORT_* bits; with ABOVE_4G every page of
 *	the buffer (and of its moves) lies above 4 GiB, out of a 32-bit
 *	device's reach, or the export fails with -ENOSPC; with ODD_SIZE the
 *	dma-buf's size is @size - DMA_BUF_TEST_ODD_SIZE_SHORT, not a
 *	multiple of the page size, as some exporters make them (not with a
 *	PAL offer, whose ranges cover the size exactly: -EINVAL); with
 *	NO_MMAP the dma-buf has no CPU mapping for userspace (its mmap fails
 *	with -EINVAL), as exporters of device memory do
 * @pad: must be 0
 */
struct dma_buf_test_export {
	__u64 size;
	__u32 offers;
	__u32 seed;
	__u32 p2p_provider;
	__s32 fd;
	__u32 flags;
	__u32 pad;
};

/**
 * struct dma_buf_test_info - DMA_BUF_TEST_IOCTL_INFO
 * @device: in: index of an importing device, 0 for the first
 * @dma_bits: out: the device's DMA mask, in bits
 * @iommu: out: 1 if the device's DMA goes through a translating IOMMU
 * @pad: 0
 * @name: out: dev_name() of the device, as bufinfo prints it
 *
 * The importing devices are the QEMU "edu" PCI devices the driver is bound
 * to, in probe order; -ENODEV past the last one.
 */
struct dma_buf_test_info {
	__u32 device;
	__u32 dma_bits;
	__u32 iommu;
	__u32 pad;
	char name[32];
};

/**
 * struct dma_buf_test_import - DMA_BUF_TEST_IOCTL_IMPORT
 * @fd: in: any dma-buf
 * @requests: in: DMA_BUF_TEST_REQUEST_* bits, at least one
 * @handle: out: the import, valid until RELEASE or close of the device
 * @device: in: index of the importing device (struct dma_buf_test_info)
 * @flags: in: DMA_BUF_TEST_IMPORT_* bits
 * @pad: must be 0
 *
 * Attaches that device to the buffer with dma_buf_mapping_attach(), as a
 * dynamic importer; with DMA_BUF_TEST_IMPORT_STATIC, with dma_buf_attach()
 * instead, as a static importer that knows nothing of mapping types (the
 * core requests SGT without P2P for it: @requests must be
 * DMA_BUF_TEST_REQUEST_SGT, and UNMAP_LATE is refused). With
 * DMA_BUF_TEST_IMPORT_UNMAP_LATE (a buffer of this
 * device only: its exporter waits for fences without the reservation
 * lock), invalidate_mappings keeps the mapping and adds a fence to the buffer's
 * reservation object (DMA_RESV_USAGE_BOOKKEEP) instead, like a GPU that
 * is still reading; 200 ms later a worker reads the old mapping, unmaps
 * it and signals the fence. The next read maps the new location at once.
 */
struct dma_buf_test_import {
	__s32 fd;
	__u32 requests;
	__u32 handle;
	__u32 device;
	__u32 flags;
	__u32 pad;
};

/* struct dma_buf_test_import.flags */
#define DMA_BUF_TEST_IMPORT_UNMAP_LATE	0x1u
#define DMA_BUF_TEST_IMPORT_STATIC	0x2u
#define DMA_BUF_TEST_IMPORT_ALL		(DMA_BUF_TEST_IMPORT_UNMAP_LATE | \
					 DMA_BUF_TEST_IMPORT_STATIC)

/* struct dma_buf_test_read.flags */
#define DMA_BUF_TEST_READ_DMA		0x1u  /* the device DMAs samples too */
#define DMA_BUF_TEST_READ_ALL		DMA_BUF_TEST_READ_DMA

/**
 * struct dma_buf_test_read - DMA_BUF_TEST_IOCTL_READ
 * @handle: in: an import
 * @flags: in: DMA_BUF_TEST_READ_* bits
 * @checksum: out: 64-bit FNV-1a of the buffer's bytes as the device sees
 *	them: at the mapping's DMA addresses (SGT) or physical ranges (PAL),
 *	cut to the device's DMA mask and translated by its IOMMU if it has
 *	one, read by the CPU
 * @bytes: out: bytes read, the sum of the mapping's segment lengths
 * @segments: out: DMA segments (SGT) or ranges (PAL) of the mapping
 * @maps: out: how many times the import has mapped the buffer
 * @moves: out: how many invalidate_mappings calls the import has seen
 * @dma_bytes: out: with DMA_BUF_TEST_READ_DMA, bytes the device itself
 *	read by DMA at the same addresses (the first and the last 2 KiB of
 *	the mapping) and found equal to what the checksum covers; a
 *	difference fails the read with -EIO
 * @late_unmaps: out: old mappings a DMA_BUF_TEST_IMPORT_UNMAP_LATE import
 *	has read and unmapped after a move
 * @late_changed: out: how many of those read other data than the last
 *	read before the move (the exporter reused the memory under the fence)
 *
 * Maps the buffer if the import holds no mapping (the first read, or after
 * a move), and keeps the mapping until the next move or the release. A
 * DMA address the IOMMU does not translate fails the read with -EFAULT.
 */
struct dma_buf_test_read {
	__u32 handle;
	__u32 flags;
	__u64 checksum;
	__u64 bytes;
	__u32 segments;
	__u32 maps;
	__u32 moves;
	__u32 dma_bytes;
	__u32 late_unmaps;
	__u32 late_changed;
};

/**
 * struct dma_buf_test_move - DMA_BUF_TEST_IOCTL_MOVE
 * @fd: in: a buffer exported by this device
 * @pad: must be 0
 *
 * Moves the buffer to new pages (contents copied), notifies every
 * attachment with dma_buf_invalidate_mappings(), waits for every fence of the
 * buffer's reservation object (importers may still use the old pages
 * until theirs signal), then poisons and frees the old pages. -EBUSY
 * while an attachment has the buffer pinned or vmapped (dma_buf_vmap()
 * maps the pages themselves). CPU mappings (mmap of the dma-buf) made
 * before the move keep the old pages.
 */
struct dma_buf_test_move {
	__s32 fd;
	__u32 pad;
};

/**
 * struct dma_buf_test_hold - DMA_BUF_TEST_IOCTL_HOLD_RESV
 * @fd: in: any dma-buf
 * @ms: in: how long to hold its reservation lock, 1 to 10000 milliseconds
 *
 * A kernel worker takes the buffer's reservation lock and lets it go @ms
 * milliseconds later; the ioctl returns once the lock is held. Tests use
 * it to make a driver wait for an exporter's lock at a moment they choose
 * (a race the driver would otherwise win almost every time).
 */
struct dma_buf_test_hold {
	__s32 fd;
	__u32 ms;
};

/*
 * Not in ioctl-number.rst: a test interface for test kernels, not a
 * stable uAPI (0xB9 is free in 6.12's table).
 */
#define DMA_BUF_TEST_IOC		0xB9
#define DMA_BUF_TEST_IOCTL_EXPORT	_IOWR(DMA_BUF_TEST_IOC, 0, struct dma_buf_test_export)
#define DMA_BUF_TEST_IOCTL_IMPORT	_IOWR(DMA_BUF_TEST_IOC, 1, struct dma_buf_test_import)
#define DMA_BUF_TEST_IOCTL_READ		_IOWR(DMA_BUF_TEST_IOC, 2, struct dma_buf_test_read)
#define DMA_BUF_TEST_IOCTL_RELEASE	_IOW(DMA_BUF_TEST_IOC, 3, __u32)
#define DMA_BUF_TEST_IOCTL_MOVE		_IOW(DMA_BUF_TEST_IOC, 4, struct dma_buf_test_move)
#define DMA_BUF_TEST_IOCTL_INFO		_IOWR(DMA_BUF_TEST_IOC, 5, struct dma_buf_test_info)
#define DMA_BUF_TEST_IOCTL_HOLD_RESV	_IOW(DMA_BUF_TEST_IOC, 6, struct dma_buf_test_hold)

/* Word @i of a buffer filled with @seed; the tests compute the same. */
static inline __u32 dma_buf_test_pattern(__u32 seed, __u64 i)
{
	__u32 x = seed ^ (__u32)(i * 0x9e3779b1u);

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	return x ^ (x >> 12);
}

#endif /* __DMA_BUF_TEST_DEVICE_H__ */
