/* SPDX-License-Identifier: MIT */
/*
 * The dma-buf exporters the PRIME tests share buffers from: dumb buffers
 * of a DRM card, udmabuf, a dma-heap, a vivid capture queue and the test
 * device's exporter. A test keeps a table of sources, calls
 * source_require() at the start of a subtest (it skips when this machine
 * lacks the exporter) and makes buffers holding a data pattern with
 * source_export().
 */
#ifndef IGT_DMABUF_EXPORTER_H
#define IGT_DMABUF_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "igt_dmabuf_util.h"

enum exp_kind { EXP_DUMB, EXP_UDMABUF, EXP_HEAP, EXP_VIVID, EXP_TESTDEV };

struct dmabuf_source {
	enum exp_kind kind;
	const struct drm_dev *dev;	/* EXP_DUMB */
	char heap[32];		/* EXP_HEAP: its name under /dev/dma_heap */
	int vivid;		/* EXP_VIVID: the instance (vivid.allocators) */
	uint32_t offers;	/* EXP_TESTDEV: DMA_BUF_TEST_OFFER_* */
	uint32_t flags;		/* EXP_TESTDEV: DMA_BUF_TEST_EXPORT_* */
};

/* A buffer made by source_export() and what keeps its creator open. */
struct dmabuf_buffer {
	int dmabuf;
	ino_t ino;
	int fd;			/* the exporter's DRM client or test device, or -1 */
	uint32_t handle;	/* EXP_DUMB: the GEM handle in @fd */
};

/* Skip the subtest unless this machine has the exporter. */
void source_require(const struct dmabuf_source *s);
/*
 * A buffer of @size bytes holding pattern @seed, written by the CPU through
 * the exporter's own mapping (the test device fills its own); asserts.
 */
struct dmabuf_buffer source_export(const struct dmabuf_source *s, size_t size,
				   uint32_t seed);
/* Close the dma-buf and whatever source_export() opened for it. */
void buffer_release(struct dmabuf_buffer *b);

/*
 * What the exporter offers, as the core negotiates it. PAL alone: an SGT
 * importer's table is made by the core's PAL-to-SGT adapter.
 */
bool source_offers_pal_only(const struct dmabuf_source *s);
/*
 * A request for PAL alone is served (where the PAL trust rule holds): by a
 * PAL offer, or by the core's SGT-to-PAL converter from an SGT offer of
 * pages (udmabuf, the heaps, the test device's).
 */
bool source_serves_pal(const struct dmabuf_source *s);

#endif /* IGT_DMABUF_EXPORTER_H */
