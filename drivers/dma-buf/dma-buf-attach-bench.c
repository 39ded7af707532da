// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of what mapping types add to attach (CONFIG_DMABUF_BENCH):
 * attach + map + unmap + detach of an SGT exporter through the legacy
 * importer API and through dma_buf_mapping_attach(), how negotiation
 * grows with n offers x m requests, and how attach grows with the
 * attachments a buffer already has. Reported, never asserted: the module
 * runs once when it is loaded, or at boot when built in, prints to the
 * kernel log, and fails to load only when the API fails.
 *
 * Every row is timed over BENCH_ROUNDS rounds and the median, minimum and
 * maximum are printed; the two importer paths alternate within a round.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-mapping.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>

MODULE_IMPORT_NS(DMA_BUF);

#define BENCH_ROUNDS		11
#define BENCH_ITERATIONS	20000
#define BENCH_MAX_OTHERS	256

/* The exporter: one page, and the offers it makes, in order. */
struct bench_exporter {
	struct page *page;
	struct dma_buf_mapping_offer offers[DMA_BUF_MAX_MAPPING_ENTRIES];
	unsigned int noffers;
};

/* One page in a one-entry table, not DMA-mapped: dma-buf's cost only. */
static struct sg_table *bench_map(struct dma_buf_attachment *attach,
				  enum dma_data_direction dir)
{
	struct bench_exporter *exp = attach->dmabuf->priv;
	struct sg_table *sgt = kmalloc(sizeof(*sgt), GFP_KERNEL);

	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, 1, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	sg_set_page(sgt->sgl, exp->page, PAGE_SIZE, 0);
	return sgt;
}

static void bench_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
			enum dma_data_direction dir)
{
	sg_free_table(sgt);
	kfree(sgt);
}

static const struct dma_buf_sgt_exp_ops bench_sgt_ops = {
	.map = bench_map,
	.unmap = bench_unmap,
};

static int bench_get_offers(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
			    struct dma_buf_mapping_offers *offers)
{
	struct bench_exporter *exp = dmabuf->priv;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < exp->noffers && !ret; i++)
		ret = dma_buf_mapping_offer_add(offers, exp->offers[i]);
	return ret;
}

static int bench_pin(struct dma_buf_attachment *attach)
{
	return 0;
}

static void bench_unpin(struct dma_buf_attachment *attach)
{
}

static void bench_free_exporter(struct bench_exporter *exp)
{
	__free_page(exp->page);
	kfree(exp);
}

static void bench_release(struct dma_buf *dmabuf)
{
	bench_free_exporter(dmabuf->priv);
}

static const struct dma_buf_ops bench_dynamic_ops = {
	.get_mapping_offers = bench_get_offers,
	.pin = bench_pin,
	.unpin = bench_unpin,
	.release = bench_release,
};

/*
 * A private type no pair of which ever matches: the refused compares that
 * negotiation makes before it reaches the SGT pair at the end of both lists.
 */
static int bench_refuse_match(struct dma_buf *dmabuf, struct device *dev,
			      const struct dma_buf_mapping_offer *offer,
			      const struct dma_buf_mapping_request *request)
{
	return -EOPNOTSUPP;
}

static const struct dma_buf_mapping_type bench_refused_type = {
	.name = "bench-refused",
	.owner = THIS_MODULE,
	.match = bench_refuse_match,
};

static void bench_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops bench_importer_ops = {
	.invalidate_mappings = bench_invalidate,
};

struct bench_ctx {
	struct device *dev;
	struct dma_buf *dmabuf;
	struct dma_buf_mapping_request req[DMA_BUF_MAX_MAPPING_ENTRIES];
	unsigned int nreq;
	int failures;
};

/*
 * A buffer offering @noffers offers: @noffers - 1 of the refused type,
 * then SGT; and requests likewise, @nreq - 1 refused, then SGT.
 */
static int bench_export(struct bench_ctx *ctx, unsigned int noffers, unsigned int nreq)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct bench_exporter *exp;
	unsigned int i;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return -ENOMEM;
	exp->page = alloc_page(GFP_KERNEL);
	if (!exp->page) {
		kfree(exp);
		return -ENOMEM;
	}
	for (i = 0; i < noffers - 1; i++)
		exp->offers[i] = (struct dma_buf_mapping_offer){ .type = &bench_refused_type };
	exp->offers[i] = DMA_BUF_SGT_OFFER(&bench_sgt_ops);
	exp->noffers = noffers;
	for (i = 0; i < nreq - 1; i++)
		ctx->req[i] = (struct dma_buf_mapping_request){ .type = &bench_refused_type };
	ctx->req[i] = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	ctx->nreq = nreq;

	info.ops = &bench_dynamic_ops;
	info.size = PAGE_SIZE;
	info.priv = exp;
	ctx->dmabuf = dma_buf_export(&info);
	if (IS_ERR(ctx->dmabuf)) {
		bench_free_exporter(exp);
		return PTR_ERR(ctx->dmabuf);
	}
	return 0;
}

static struct dma_buf_attachment *attach_bench_attach(struct bench_ctx *ctx, bool native)
{
	if (!native)
		return dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev, &bench_importer_ops, NULL);
	return dma_buf_mapping_attach(ctx->dmabuf, ctx->dev, ctx->req, ctx->nreq,
				      &bench_importer_ops, NULL);
}

/* Mean ns of one attach (+ map + unmap if @map) + detach. */
static u64 bench_round(struct bench_ctx *ctx, bool native, bool map)
{
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	u64 start = ktime_get_ns();
	int i;

	for (i = 0; i < BENCH_ITERATIONS; i++) {
		attach = attach_bench_attach(ctx, native);
		if (IS_ERR(attach)) {
			ctx->failures++;
			continue;
		}
		if (map) {
			sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
			if (IS_ERR(sgt))
				ctx->failures++;
			else
				dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
		}
		dma_buf_detach(ctx->dmabuf, attach);
	}
	return div_u64(ktime_get_ns() - start, BENCH_ITERATIONS);
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 bench_median(u64 *ns)
{
	sort(ns, BENCH_ROUNDS, sizeof(u64), bench_cmp_u64, NULL);
	return ns[BENCH_ROUNDS / 2];
}

/* The legacy importer API and the native one, on one native exporter. */
static int bench_paths(struct bench_ctx *ctx)
{
	static const char * const names[] = {
		"native exporter + legacy importer",
		"native exporter + native importer",
	};
	u64 ns[ARRAY_SIZE(names)][BENCH_ROUNDS], med[ARRAY_SIZE(names)];
	int r, p, ret;

	ret = bench_export(ctx, 1, 1);
	if (ret)
		return ret;
	for (r = 0; r < BENCH_ROUNDS; r++)
		for (p = 0; p < ARRAY_SIZE(names); p++)
			ns[p][r] = bench_round(ctx, p == 1, true);
	dma_buf_put(ctx->dmabuf);
	for (p = 0; p < ARRAY_SIZE(names); p++)
		med[p] = bench_median(ns[p]);
	for (p = 0; p < ARRAY_SIZE(names); p++)
		pr_info("%-34s %6llu ns (min %llu, max %llu) ratio to legacy importer %llu.%03llu\n",
			names[p], med[p], ns[p][0], ns[p][BENCH_ROUNDS - 1],
			div64_u64(med[p] * 1000, max(med[0], 1ULL)) / 1000,
			div64_u64(med[p] * 1000, max(med[0], 1ULL)) % 1000);
	return 0;
}

/*
 * How negotiation grows: n offers x m requests of which only the last
 * pair (SGT) matches, so (n - 1) x (m - 1) refused match calls. Native
 * attach + detach, no map.
 */
static int bench_negotiation(struct bench_ctx *ctx)
{
	static const unsigned int lens[] = { 1, 2, 4, 8 };
	unsigned int n, m;
	u64 ns[BENCH_ROUNDS], med;
	int r, ret;

	for (n = 0; n < ARRAY_SIZE(lens); n++) {
		for (m = 0; m < ARRAY_SIZE(lens); m++) {
			ret = bench_export(ctx, lens[n], lens[m]);
			if (ret)
				return ret;
			for (r = 0; r < BENCH_ROUNDS; r++)
				ns[r] = bench_round(ctx, true, false);
			dma_buf_put(ctx->dmabuf);
			med = bench_median(ns);
			pr_info("negotiation %u offers x %u requests %6llu ns (min %llu, max %llu)\n",
				lens[n], lens[m], med, ns[0], ns[BENCH_ROUNDS - 1]);
		}
	}
	return 0;
}

/* How native attach grows with the attachments already on the buffer. */
static int bench_others(struct bench_ctx *ctx)
{
	static const unsigned int others[] = { 0, 16, BENCH_MAX_OTHERS };
	struct dma_buf_attachment **other;
	u64 ns[BENCH_ROUNDS], med;
	unsigned int k, i;
	int r, ret = 0;

	other = kcalloc(BENCH_MAX_OTHERS, sizeof(*other), GFP_KERNEL);
	if (!other)
		return -ENOMEM;
	for (k = 0; k < ARRAY_SIZE(others) && !ret; k++) {
		ret = bench_export(ctx, 1, 1);
		if (ret)
			break;
		for (i = 0; i < others[k]; i++) {
			other[i] = attach_bench_attach(ctx, true);
			if (IS_ERR(other[i])) {
				ret = PTR_ERR(other[i]);
				break;
			}
		}
		for (r = 0; r < BENCH_ROUNDS && !ret; r++)
			ns[r] = bench_round(ctx, true, false);
		while (i--)
			dma_buf_detach(ctx->dmabuf, other[i]);
		dma_buf_put(ctx->dmabuf);
		if (ret)
			break;
		med = bench_median(ns);
		pr_info("native attach with %3u other attachments %6llu ns (min %llu, max %llu)\n",
			others[k], med, ns[0], ns[BENCH_ROUNDS - 1]);
	}
	kfree(other);
	return ret;
}

static int __init dma_buf_attach_bench_init(void)
{
	struct bench_ctx ctx = {};
	int ret;

	ctx.dev = root_device_register(KBUILD_MODNAME);
	if (IS_ERR(ctx.dev))
		return PTR_ERR(ctx.dev);
	ret = bench_paths(&ctx);
	if (!ret)
		ret = bench_negotiation(&ctx);
	if (!ret)
		ret = bench_others(&ctx);
	root_device_unregister(ctx.dev);
	if (!ret && ctx.failures) {
		pr_err("%d iterations failed\n", ctx.failures);
		ret = -EIO;
	}
	if (ret)
		pr_err("not run to the end: %d\n", ret);
	return ret;
}
module_init(dma_buf_attach_bench_init);

/* Nothing stays behind: unloading only lets it be loaded, and run, again. */
static void __exit dma_buf_attach_bench_exit(void)
{
}
module_exit(dma_buf_attach_bench_exit);

MODULE_DESCRIPTION("Benchmark of dma-buf attach with mapping types");
MODULE_LICENSE("GPL");
