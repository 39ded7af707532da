/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PAL test exporter and the fakes of the core's hooks, for the
 * dma_buf_pal suite (dma-buf-pal-test.c), which makes up one test module
 * with dma-buf-pal-test-exporter.c. Not for drivers.
 */
#ifndef __DMA_BUF_PAL_TEST_EXPORTER_H__
#define __DMA_BUF_PAL_TEST_EXPORTER_H__

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-mapping.h>

/* The fake DMA mapping puts every address this far from its phys. */
#define PAL_TEST_DMA_OFFSET	BIT_ULL(40)

/*
 * A native, dynamic exporter that offers PAL (and SGT when asked). Each map
 * hands out a copy of @list, even a malformed one: that is what the core
 * must catch.
 */
struct pal_exporter {
	struct dma_buf_phys_list *list;
	struct dma_buf_mapping_offer offers[2];
	int noffers;
	atomic_t maps, unmaps, pins, unpins, sgt_maps, sgt_unmaps;
	/* The offers' own attach and detach (both offers count here). */
	atomic_t type_attaches, type_detaches;
	/* What the exporter's pin returns (0: it pins). */
	int pin_err;
	/* SGT maps hand out entries without pages (DMA addresses only). */
	bool sgt_pageless;
	/* The maps return NULL, neither a mapping nor an error. */
	bool map_null;
	/* The SGT map fails with it. */
	int sgt_map_err;
};

struct pal_ctx {
	struct device *dev;
	struct dma_buf *dmabuf;
	struct pal_exporter *exp;
	int invalidations;
};

#define COUNT(x) atomic_read(&(x))

/*
 * What the fakes of the core's hooks saw and what they do, reset by each
 * pal_test_export().
 */
struct pal_test_fakes {
	/* DMA mapping: entries mapped and unmapped, tables mapped, the error. */
	int dma_maps, dma_unmaps, dma_tables, dma_fail_err;
	/* The BAR of every MMIO provider, at bus address CPU address + offset. */
	u64 mmio_bar_start, mmio_bar_end, mmio_bus_offset;
	/* What the P2P distance says of every provider and client. */
	bool p2p_reachable;
	/* Contract violations the core reported, and the last importer named. */
	int reports;
	const struct device *reported_importer;
	/* The check that refused the last malformed list. */
	const char *invalid_why;
};

extern struct pal_test_fakes pal_fakes;
/* The test exporter's SGT offer, pages listed as write-back, and unsaid. */
extern const struct dma_buf_sgt_exp_ops pal_test_sgt_ops;
extern const struct dma_buf_sgt_exp_ops pal_test_sgt_unsaid_ops;
extern const struct dma_buf_attach_ops pal_test_importer_ops;

struct dma_buf_phys_list *pal_test_list(struct kunit *test, unsigned int n);
struct pal_ctx *pal_test_export(struct kunit *test, struct dma_buf_phys_list *list,
				size_t size, bool mmio, bool sgt);
struct dma_buf_attachment *pal_test_attach(struct pal_ctx *ctx,
					   const struct dma_buf_mapping_request *req,
					   unsigned int count);

#endif /* __DMA_BUF_PAL_TEST_EXPORTER_H__ */
