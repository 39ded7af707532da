// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dma_buf_bench (CONFIG_DMABUF_KUNIT_BENCH): what attach and
 * map cost through the compat and the native importer paths, reported,
 * never asserted.
 */

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>

#include "dma-buf-internal.h"
#include "dma-buf-kunit.h"
#include "dma-buf-test-exporter.h"

/*
 * Benchmark, reported and never asserted: attach + map + unmap + detach
 * of an SGT exporter through the compat importer path (dma_buf_attach(),
 * what every unconverted importer takes) and the native one, in
 * alternating rounds; the median of the rounds is reported, with the
 * ratio to the compat path.
 */
#define BENCH_ROUNDS 11
#define BENCH_ITERATIONS 20000

enum bench_path { BENCH_COMPAT_IMP, BENCH_NATIVE, BENCH_PATHS };

static const char * const bench_names[BENCH_PATHS] = {
	"native exporter + legacy importer",
	"native exporter + native importer",
};

static u64 bench_round(struct kunit *test, struct attach_test_ctx *ctx, bool native)
{
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	u64 start = ktime_get_ns();
	int i;

	for (i = 0; i < BENCH_ITERATIONS; i++) {
		attach = native ? attach_test_native_attach(ctx, &req, 1) :
				  dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
							 &attach_test_importer_ops, &ctx->imp);
		if (IS_ERR(attach))
			break;
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		if (!IS_ERR(sgt))
			dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
		dma_buf_detach(ctx->dmabuf, attach);
	}
	KUNIT_EXPECT_EQ(test, i, BENCH_ITERATIONS);
	return div_u64(ktime_get_ns() - start, BENCH_ITERATIONS);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bench_attach_map(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
	u64 ns[BENCH_PATHS][BENCH_ROUNDS], med[BENCH_PATHS];
	int r, p;

	for (r = 0; r < BENCH_ROUNDS; r++) {
		ns[BENCH_COMPAT_IMP][r] = bench_round(test, ctx, false);
		ns[BENCH_NATIVE][r] = bench_round(test, ctx, true);
	}
	for (p = 0; p < BENCH_PATHS; p++) {
		sort(ns[p], BENCH_ROUNDS, sizeof(u64), cmp_u64, NULL);
		med[p] = ns[p][BENCH_ROUNDS / 2];
	}
	for (p = 0; p < BENCH_PATHS; p++)
		kunit_info(test, "bench: %-34s %6llu ns (min %llu, max %llu) ratio to legacy importer %llu.%03llu\n",
			   bench_names[p], med[p], ns[p][0], ns[p][BENCH_ROUNDS - 1],
			   div_u64(med[p] * 1000, med[BENCH_COMPAT_IMP]) / 1000,
			   div_u64(med[p] * 1000, med[BENCH_COMPAT_IMP]) % 1000);
}

/* Mean ns of one native attach + detach with @req. */
static u64 bench_attach_round(struct kunit *test, struct attach_test_ctx *ctx,
			      const struct dma_buf_mapping_request *req, unsigned int count)
{
	struct dma_buf_attachment *attach;
	u64 start = ktime_get_ns();
	int i;

	for (i = 0; i < BENCH_ITERATIONS; i++) {
		attach = attach_test_native_attach(ctx, req, count);
		if (IS_ERR(attach))
			break;
		dma_buf_detach(ctx->dmabuf, attach);
	}
	KUNIT_EXPECT_EQ(test, i, BENCH_ITERATIONS);
	return div_u64(ktime_get_ns() - start, BENCH_ITERATIONS);
}

static u64 bench_median(u64 *ns)
{
	sort(ns, BENCH_ROUNDS, sizeof(u64), cmp_u64, NULL);
	return ns[BENCH_ROUNDS / 2];
}

/*
 * How negotiation grows: n offers x m requests, where only the last offer
 * and the last request (SGT) match and every other pair is of a test type
 * whose match refuses: (n - 1) x (m - 1) refused match calls. And how attach grows
 * with K attachments already on the buffer. Native attach + detach, no map.
 */
static void bench_negotiation(struct kunit *test)
{
	static const unsigned int lens[] = { 1, 2, 4, 8 };
	static const unsigned int others[] = { 0, 16, 256 };
	struct dma_buf_mapping_request req[DMA_BUF_MAX_MAPPING_ENTRIES];
	struct dma_buf_attachment **other;
	struct attach_test_ctx *ctx;
	u64 ns[BENCH_ROUNDS], med;
	unsigned int n, m, k, i;
	int r;

	for (n = 0; n < ARRAY_SIZE(lens); n++) {
		for (m = 0; m < ARRAY_SIZE(lens); m++) {
			ctx = attach_test_native_buffer(test);
			ctx->exp->verdict[0][0] = -EOPNOTSUPP;
			for (i = 0; i < lens[n] - 1; i++)
				ctx->exp->offers[i] = TEST_OFFER(&attach_test_type_a, 0);
			ctx->exp->offers[i] = DMA_BUF_SGT_OFFER(&attach_test_sgt_ops);
			ctx->exp->noffers = lens[n];
			for (i = 0; i < lens[m] - 1; i++)
				req[i] = TEST_REQUEST(&attach_test_type_a, 0);
			req[i] = DMA_BUF_SGT_REQUEST(ctx->dev, false);
			for (r = 0; r < BENCH_ROUNDS; r++)
				ns[r] = bench_attach_round(test, ctx, req, lens[m]);
			med = bench_median(ns);
			kunit_info(test, "bench: negotiation %u offers x %u requests %6llu ns (min %llu, max %llu)\n",
				   lens[n], lens[m], med, ns[0], ns[BENCH_ROUNDS - 1]);
		}
	}

	other = kunit_kcalloc(test, 256, sizeof(*other), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	for (k = 0; k < ARRAY_SIZE(others); k++) {
		ctx = attach_test_native_buffer(test);
		ctx->exp->bench = true;
		req[0] = DMA_BUF_SGT_REQUEST(ctx->dev, false);
		for (i = 0; i < others[k]; i++) {
			other[i] = attach_test_native_attach(ctx, req, 1);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other[i]);
		}
		for (r = 0; r < BENCH_ROUNDS; r++)
			ns[r] = bench_attach_round(test, ctx, req, 1);
		for (i = 0; i < others[k]; i++)
			dma_buf_detach(ctx->dmabuf, other[i]);
		med = bench_median(ns);
		kunit_info(test, "bench: native attach with %3u other attachments %6llu ns (min %llu, max %llu)\n",
			   others[k], med, ns[0], ns[BENCH_ROUNDS - 1]);
	}
}

static struct kunit_case dma_buf_bench_cases[] = {
	KUNIT_CASE_SLOW(bench_attach_map),
	KUNIT_CASE_SLOW(bench_negotiation),
	{}
};

static struct kunit_suite dma_buf_bench_suite = {
	.name = "dma_buf_bench",
	.test_cases = dma_buf_bench_cases,
};

kunit_test_suite(dma_buf_bench_suite);
