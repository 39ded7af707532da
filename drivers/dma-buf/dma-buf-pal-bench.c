// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dma_buf_pal_bench (CONFIG_DMABUF_KUNIT_BENCH): the map cost
 * of SGT, PAL and the PAL-to-SGT adapter for 4 KiB to 1 GiB buffers,
 * contiguous and fragmented, through the PAL test exporter
 * (dma-buf-pal-test-exporter.c).
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "dma-buf-internal.h"
#include "dma-buf-pal-test-exporter.h"

/*
 * Benchmark, reported and never asserted: the cost of one map + unmap
 * through the core for an SGT exporter (a table entry per range), a PAL
 * exporter (the list, validated by the core) and the PAL-to-SGT adapter,
 * for buffers of 4 KiB to 1 GiB, contiguous (one range) and fragmented
 * (one range per page). DMA mapping is the same fake for all three.
 */
static const size_t bench_sizes[] = { SZ_4K, SZ_64K, SZ_1M, SZ_16M, SZ_256M, SZ_1G };

/*
 * A @size buffer of RAM from physical 0 in one range, or in pages in
 * reverse order (so that nothing merges them). NULL when the machine has
 * less RAM than that: the core refuses lists of memory that is not RAM.
 */
static struct dma_buf_phys_list *bench_list(struct kunit *test, size_t size,
					    bool fragmented)
{
	unsigned int i, n = fragmented ? size >> PAGE_SHIFT : 1;
	struct dma_buf_phys_list *list;

	if (!pfn_valid(PHYS_PFN(size - 1)))
		return NULL;
	list = pal_test_list(test, n);
	for (i = 0; i < n; i++) {
		list->ranges[i].paddr = (phys_addr_t)(n - 1 - i) * (size / n);
		list->ranges[i].len = size / n;
	}
	return list;
}

enum bench_path { BENCH_SGT, BENCH_PAL, BENCH_ADAPTER, BENCH_PATHS };

/* ns per map + unmap of @attach, over enough rounds to time @n ranges. */
static u64 bench_map(struct dma_buf_attachment *attach, unsigned int n)
{
	unsigned int i, iters = clamp(65536U / n, 4U, 2000U);
	bool pal = attach->mapping_type == &dma_buf_mapping_pal;
	const struct dma_buf_phys_list *list;
	struct sg_table *sgt;
	u64 start;

	dma_resv_lock(attach->dmabuf->resv, NULL);
	start = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		if (pal) {
			list = dma_buf_map_pal(attach);
			if (IS_ERR(list))
				break;
			dma_buf_unmap_pal(attach, list);
		} else {
			sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
			if (IS_ERR(sgt))
				break;
			dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
		}
	}
	start = ktime_get_ns() - start;
	dma_resv_unlock(attach->dmabuf->resv);
	return i == iters ? div_u64(start, iters) : 0;
}

static void bench_one(struct kunit *test, size_t size, bool fragmented)
{
	unsigned int n = fragmented ? size >> PAGE_SHIFT : 1;
	struct dma_buf_phys_list *list = bench_list(test, size, fragmented);
	struct dma_buf_attachment *attach[BENCH_PATHS];
	struct device_dma_parameters *parms;
	struct pal_ctx *both, *pal_only;
	u64 ns[BENCH_PATHS];
	int p;

	if (!list) {
		kunit_info(test, "bench: pal %5zu KiB: not run, more than this machine's RAM\n",
			   size >> 10);
		return;
	}
	both = pal_test_export(test, list, size, false, true);
	pal_only = pal_test_export(test, bench_list(test, size, fragmented), size, false, false);

	/* The adapter may then make one segment of a contiguous gigabyte. */
	parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parms);
	pal_only->dev->dma_parms = parms;
	dma_set_max_seg_size(pal_only->dev, UINT_MAX & PAGE_MASK);

	attach[BENCH_SGT] = pal_test_attach(both, &DMA_BUF_SGT_REQUEST(both->dev, false), 1);
	attach[BENCH_PAL] = pal_test_attach(both, &DMA_BUF_PAL_REQUEST(both->dev, false), 1);
	attach[BENCH_ADAPTER] = pal_test_attach(pal_only,
						&DMA_BUF_SGT_REQUEST(pal_only->dev, false), 1);
	/*
	 * Make the fake DMA mapping the newest stub, so that its cost stays
	 * the same, and small, whatever the test allocated before.
	 */
	kunit_deactivate_static_stub(test, dma_buf_pal_dma_map_sgtable);
	kunit_deactivate_static_stub(test, dma_buf_pal_dma_unmap_sgtable);
	pal_test_stub_dma(test);
	for (p = 0; p < BENCH_PATHS; p++) {
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach[p]);
		ns[p] = bench_map(attach[p], n);
		KUNIT_EXPECT_NE(test, ns[p], 0);
		dma_buf_detach(attach[p]->dmabuf, attach[p]);
	}
	pal_only->dev->dma_parms = NULL;
	kunit_info(test, "bench: pal %5zu KiB %-10s ranges %6u  sgt %9llu ns  pal %9llu ns  adapter %9llu ns  pal/sgt %llu.%02llu  adapter/sgt %llu.%02llu\n",
		   size >> 10, fragmented ? "fragmented" : "contiguous", n,
		   ns[BENCH_SGT], ns[BENCH_PAL], ns[BENCH_ADAPTER],
		   div64_u64(ns[BENCH_PAL] * 100, max(ns[BENCH_SGT], 1ULL)) / 100,
		   div64_u64(ns[BENCH_PAL] * 100, max(ns[BENCH_SGT], 1ULL)) % 100,
		   div64_u64(ns[BENCH_ADAPTER] * 100, max(ns[BENCH_SGT], 1ULL)) / 100,
		   div64_u64(ns[BENCH_ADAPTER] * 100, max(ns[BENCH_SGT], 1ULL)) % 100);
}

static void bench_pal_map(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_sizes); i++) {
		bench_one(test, bench_sizes[i], false);
		bench_one(test, bench_sizes[i], true);
	}
}

static struct kunit_case dma_buf_pal_bench_cases[] = {
	KUNIT_CASE_SLOW(bench_pal_map),
	{}
};

static struct kunit_suite dma_buf_pal_bench_suite = {
	.name = "dma_buf_pal_bench",
	.test_cases = dma_buf_pal_bench_cases,
};

kunit_test_suite(dma_buf_pal_bench_suite);
