/* SPDX-License-Identifier: MIT */
/*
 * vivid (the V4L2 virtual video driver) as a dma-buf importer: the video
 * capture queue of its first instance, with vivid.allocators=1, imports
 * V4L2_MEMORY_DMABUF buffers through videobuf2-dma-contig, a legacy
 * (static) importer. And as an exporter: any instance's capture queue
 * exports its MMAP buffers (VIDIOC_EXPBUF) through the videobuf2
 * allocator of that instance (vivid.allocators: 0 vmalloc, 1 dma-contig).
 */
#ifndef IGT_VIVID_H
#define IGT_VIVID_H

#include <stddef.h>
#include <stdint.h>

#define VIVID_WIDTH 32
#define VIVID_HEIGHT 32
#define VIVID_FRAME_SIZE (VIVID_WIDTH * VIVID_HEIGHT * 4)

struct vivid {
	int fd;
	char devname[64];	/* dev_name() of the importing device */
};

/* Skip the subtest unless vivid instance @inst has a video capture node. */
void vivid_require(int inst);
/*
 * Open vivid's video capture node and set it up to produce
 * VIVID_WIDTH x VIVID_HEIGHT XBGR32 frames of solid 100% red, no OSD.
 * Returns false when no vivid capture node exists.
 */
bool vivid_open(struct vivid *v);

/*
 * Queue @dmabuf (at least VIVID_FRAME_SIZE bytes) as the one capture
 * buffer. Returns 0 or -errno from VIDIOC_QBUF.
 */
int vivid_queue(struct vivid *v, int dmabuf);

/* Capture one frame into the queued buffer, then release the queue. */
void vivid_capture(struct vivid *v);

/* Release the queue (and with it vivid's attachment) without capturing. */
void vivid_release(struct vivid *v);

/*
 * Export a capture buffer of vivid instance @inst holding pattern @seed:
 * a square XBGR32 frame of @size bytes (a power of 4 times 4 KiB). The
 * queue is released and the node closed; the dma-buf keeps the memory.
 * Returns the dma-buf fd; skips the subtest when the instance is missing.
 */
int vivid_export_pattern(int inst, size_t size, uint32_t seed);

/*
 * The capture node of vivid instance @inst with one MMAP buffer (index 0) of
 * @size bytes (as for vivid_export_pattern()), for vivid_expbuf(); close the
 * fd to free it. Returns the fd, or -errno when vivid cannot allocate the
 * buffer (VIDIOC_REQBUFS); skips the subtest when the instance is missing.
 */
int vivid_open_mmap(int inst, size_t size);
/* A new dma-buf of that buffer (VIDIOC_EXPBUF): its fd, or -errno. */
int vivid_expbuf(int fd);

/* Is every pixel of @frame the same 100% red? */
long vivid_check_red(const void *frame);

#endif /* IGT_VIVID_H */
