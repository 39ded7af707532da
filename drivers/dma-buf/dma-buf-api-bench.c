// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the dma-buf attach and map paths through the importer API
 * that existed before mapping types (dma_buf_attach(),
 * dma_buf_dynamic_attach(), dma_buf_map_attachment_unlocked()), so that
 * this one file builds in the unmodified kernel too, where its exporter
 * has .map_dma_buf, and in one with mapping types, where its exporter
 * offers the same map as an SGT offer, so that the two kernels can be
 * compared. Reported, never asserted: a module (CONFIG_DMABUF_BENCH) that
 * runs once when it is loaded, or at boot when built in, and prints its
 * table to the kernel log; it fails to load only when the API fails.
 *
 * Each row is attach + map + unmap + detach, for a static and a dynamic
 * exporter and importer, and with 0, 16 and 256 other attachments on the
 * buffer (the cost must not grow with them); two more rows split the
 * static/static one into its attach + detach and its map + unmap (on an
 * attachment made before the timing), to show where a difference is. Rows
 * alternate within each of BENCH_ROUNDS rounds; the median, minimum and
 * maximum are printed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>

MODULE_IMPORT_NS(DMA_BUF);

#define BENCH_ROUNDS		11

/* Iterations per row and round; an instruction trace needs only a few. */
static unsigned int iterations = 5000;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations, "iterations of each row per round (default 5000)");

#define BENCH_MAX_OTHERS	256

/* One page in a one-entry table, not DMA-mapped: dma-buf's cost, not the DMA API's. */
static struct sg_table *bench_map(struct dma_buf_attachment *attach,
				  enum dma_data_direction dir)
{
	struct sg_table *sgt = kmalloc(sizeof(*sgt), GFP_KERNEL);

	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, 1, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	sg_set_page(sgt->sgl, attach->dmabuf->priv, PAGE_SIZE, 0);
	return sgt;
}

static void bench_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
			enum dma_data_direction dir)
{
	sg_free_table(sgt);
	kfree(sgt);
}

static int bench_pin(struct dma_buf_attachment *attach)
{
	return 0;
}

static void bench_unpin(struct dma_buf_attachment *attach)
{
}

static void bench_release(struct dma_buf *dmabuf)
{
}

/*
 * The exporter's map in each kernel's shape: an SGT offer with mapping
 * types (DMA_BUF_SGT_OFFER is theirs), .map_dma_buf without.
 */
#ifdef DMA_BUF_SGT_OFFER
static const struct dma_buf_sgt_exp_ops bench_sgt_ops = {
	.map = bench_map,
	.unmap = bench_unmap,
};

static int bench_get_offers(struct dma_buf *dmabuf,
			    struct dma_buf_attachment *attach,
			    struct dma_buf_mapping_offers *offers)
{
	return dma_buf_mapping_offer_add(offers, DMA_BUF_SGT_OFFER(&bench_sgt_ops));
}

static const struct dma_buf_ops bench_static_ops = {
	.get_mapping_offers = bench_get_offers,
	.release = bench_release,
};

static const struct dma_buf_ops bench_dynamic_ops = {
	.get_mapping_offers = bench_get_offers,
	.pin = bench_pin,
	.unpin = bench_unpin,
	.release = bench_release,
};
#else
static const struct dma_buf_ops bench_static_ops = {
	.map_dma_buf = bench_map,
	.unmap_dma_buf = bench_unmap,
	.release = bench_release,
};

static const struct dma_buf_ops bench_dynamic_ops = {
	.map_dma_buf = bench_map,
	.unmap_dma_buf = bench_unmap,
	.pin = bench_pin,
	.unpin = bench_unpin,
	.release = bench_release,
};
#endif

static void bench_invalidate(struct dma_buf_attachment *attach)
{
}

/* 6.12's name, which a kernel with mapping types keeps as an alias. */
static const struct dma_buf_attach_ops bench_importer_ops = {
	.move_notify = bench_invalidate,
};

static struct dma_buf *bench_export(const struct dma_buf_ops *ops, struct page *page)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);

	info.ops = ops;
	info.size = PAGE_SIZE;
	info.priv = page;
	return dma_buf_export(&info);
}

/* What a row's iteration does. */
enum bench_step {
	BENCH_ALL,		/* attach + map + unmap + detach */
	BENCH_ATTACH,		/* attach + detach */
	BENCH_MAP,		/* map + unmap of one attachment */
};

struct bench_row {
	const char *name;
	bool dynamic_exporter;
	bool dynamic_importer;
	int others;		/* attachments already on the buffer */
	enum bench_step step;
	struct dma_buf *dmabuf;
	struct page *page;
	struct dma_buf_attachment *other[BENCH_MAX_OTHERS];
	u64 ns[BENCH_ROUNDS];
};

static struct bench_row bench_rows[] = {
	{ "static exporter, static importer", false, false, 0 },
	{ "static exporter, dynamic importer", false, true, 0 },
	{ "dynamic exporter, static importer", true, false, 0 },
	{ "dynamic exporter, dynamic importer", true, true, 0 },
	{ "dynamic/dynamic, 16 other attachments", true, true, 16 },
	{ "dynamic/dynamic, 256 other attachments", true, true, 256 },
	{ "static/static, attach + detach only", false, false, 0, BENCH_ATTACH },
	{ "static/static, map + unmap only", false, false, 0, BENCH_MAP },
};

struct bench_run {
	struct device *dev;
	int failures;
};

/* Out of line: an instruction trace counts from one call to the next. */
static noinline struct dma_buf_attachment *bench_attach(struct bench_run *run,
							struct bench_row *row)
{
	return row->dynamic_importer ?
	       dma_buf_dynamic_attach(row->dmabuf, run->dev, &bench_importer_ops, NULL) :
	       dma_buf_attach(row->dmabuf, run->dev);
}

static void bench_map_unmap(struct bench_run *run, struct dma_buf_attachment *attach)
{
	struct sg_table *sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);

	if (IS_ERR(sgt))
		run->failures++;
	else
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
}

/*
 * Mean ns of one iteration of the row's step; counts failed iterations. Out
 * of line: an instruction trace stops at the next row's call.
 */
static noinline u64 api_bench_row(struct bench_run *run, struct bench_row *row)
{
	struct dma_buf_attachment *attach = NULL;
	u64 start, ns;
	int i;

	if (row->step == BENCH_MAP) {
		attach = bench_attach(run, row);
		if (IS_ERR(attach)) {
			run->failures++;
			return 0;
		}
	}
	start = ktime_get_ns();
	for (i = 0; i < iterations; i++) {
		if (row->step == BENCH_MAP) {
			bench_map_unmap(run, attach);
			continue;
		}
		attach = bench_attach(run, row);
		if (IS_ERR(attach)) {
			run->failures++;
			continue;
		}
		if (row->step == BENCH_ALL)
			bench_map_unmap(run, attach);
		dma_buf_detach(row->dmabuf, attach);
	}
	ns = div_u64(ktime_get_ns() - start, iterations);
	if (row->step == BENCH_MAP)
		dma_buf_detach(row->dmabuf, attach);
	return ns;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Each row's buffer and its other attachments, then BENCH_ROUNDS rounds. */
static int bench_run_rows(struct bench_run *run)
{
	struct bench_row *row;
	int i, r;

	for (row = bench_rows; row < bench_rows + ARRAY_SIZE(bench_rows); row++) {
		row->page = alloc_page(GFP_KERNEL);
		if (!row->page)
			return -ENOMEM;
		row->dmabuf = bench_export(row->dynamic_exporter ?
					   &bench_dynamic_ops : &bench_static_ops, row->page);
		if (IS_ERR(row->dmabuf))
			return PTR_ERR(row->dmabuf);
		for (i = 0; i < row->others; i++) {
			row->other[i] = dma_buf_dynamic_attach(row->dmabuf, run->dev,
							       &bench_importer_ops, NULL);
			if (IS_ERR(row->other[i]))
				return PTR_ERR(row->other[i]);
		}
	}
	for (r = 0; r < BENCH_ROUNDS; r++)
		for (row = bench_rows; row < bench_rows + ARRAY_SIZE(bench_rows); row++)
			row->ns[r] = api_bench_row(run, row);
	for (row = bench_rows; row < bench_rows + ARRAY_SIZE(bench_rows); row++) {
		sort(row->ns, BENCH_ROUNDS, sizeof(u64), bench_cmp_u64, NULL);
		pr_info("%-40s %6llu ns (min %llu, max %llu)\n", row->name,
			row->ns[BENCH_ROUNDS / 2], row->ns[0], row->ns[BENCH_ROUNDS - 1]);
	}
	return 0;
}

/* What bench_run_rows() took, whatever it got to. */
static void bench_free_rows(void)
{
	struct bench_row *row;
	int i;

	for (row = bench_rows; row < bench_rows + ARRAY_SIZE(bench_rows); row++) {
		for (i = 0; i < row->others && !IS_ERR_OR_NULL(row->other[i]); i++)
			dma_buf_detach(row->dmabuf, row->other[i]);
		if (!IS_ERR_OR_NULL(row->dmabuf))
			dma_buf_put(row->dmabuf);
		if (row->page)
			__free_page(row->page);
		memset(row->other, 0, sizeof(row->other));
		row->dmabuf = NULL;
		row->page = NULL;
	}
}

static int __init dma_buf_api_bench_init(void)
{
	struct bench_run run = {};
	int ret;

	if (!iterations) {
		pr_err("not run: iterations=0\n");
		return -EINVAL;
	}
	run.dev = root_device_register(KBUILD_MODNAME);
	if (IS_ERR(run.dev))
		return PTR_ERR(run.dev);
	ret = bench_run_rows(&run);
	bench_free_rows();
	root_device_unregister(run.dev);
	if (!ret && run.failures) {
		pr_err("%d iterations failed\n", run.failures);
		ret = -EIO;
	}
	if (ret)
		pr_err("not run to the end: %d\n", ret);
	return ret;
}
module_init(dma_buf_api_bench_init);

/* Nothing stays behind: unloading only lets it be loaded, and run, again. */
static void __exit dma_buf_api_bench_exit(void)
{
}
module_exit(dma_buf_api_bench_exit);

MODULE_DESCRIPTION("Benchmark of the dma-buf attach and map API");
MODULE_LICENSE("GPL");
