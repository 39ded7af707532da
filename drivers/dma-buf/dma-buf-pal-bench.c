// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the physical address list (PAL) type (CONFIG_DMABUF_BENCH):
 * the cost of one map + unmap through the core for an SGT exporter (a
 * table entry per range, DMA-mapped by the exporter), a PAL exporter (the
 * list, validated by the core) and the PAL-to-SGT adapter (the list,
 * validated, made a table and DMA-mapped by the core), for buffers of
 * 4 KiB to 1 GiB, contiguous (one range) and fragmented (one range per
 * page). Reported, never asserted: the module runs once when it is loaded,
 * or at boot when built in, prints to the kernel log, and fails to load
 * only when the API fails or the machine cannot run it.
 *
 * The buffers are RAM from physical address 0 that the module does not
 * own. Nothing reads or writes it: the importer is a device of the
 * module's own that never does DMA, and the module runs only where the
 * DMA API would hand that device the physical addresses unchanged (the
 * PAL trust rule, dma_buf_dev_uses_phys_addrs(): no IOMMU, no bounce
 * buffer to copy through), and neither with DMA_API_DEBUG nor with KMSAN
 * (below).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-mapping.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

MODULE_IMPORT_NS(DMA_BUF);

static const size_t bench_sizes[] = { SZ_4K, SZ_64K, SZ_1M, SZ_16M, SZ_256M, SZ_1G };

/* The exporter: the buffer's list, and the offers it makes, in order. */
struct pal_bench_exporter {
	struct dma_buf_phys_list *list;
	struct dma_buf_mapping_offer offers[2];
	unsigned int noffers;
};

static struct dma_buf_phys_list *pal_bench_map_pal(struct dma_buf_attachment *attach)
{
	struct pal_bench_exporter *exp = attach->dmabuf->priv;
	struct dma_buf_phys_list *pal = dma_buf_phys_list_alloc(exp->list->nr_ranges);

	if (!pal)
		return ERR_PTR(-ENOMEM);
	pal->memory = exp->list->memory;
	pal->caching = exp->list->caching;
	memcpy(pal->ranges, exp->list->ranges, pal->nr_ranges * sizeof(pal->ranges[0]));
	return pal;
}

static void pal_bench_unmap_pal(struct dma_buf_attachment *attach,
				struct dma_buf_phys_list *pal)
{
	dma_buf_phys_list_free(pal);
}

static const struct dma_buf_pal_exp_ops pal_bench_pal_ops = {
	.map = pal_bench_map_pal,
	.unmap = pal_bench_unmap_pal,
};

/* A table entry per range of the list, DMA-mapped for the importer. */
static struct sg_table *pal_bench_map_sgt(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct pal_bench_exporter *exp = attach->dmabuf->priv;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, exp->list->nr_ranges, GFP_KERNEL))
		goto free;
	for_each_sgtable_sg(sgt, sg, i) {
		const struct phys_vec *r = &exp->list->ranges[i];

		sg_set_page(sg, pfn_to_page(PHYS_PFN(r->paddr)), r->len, 0);
	}
	if (!dma_map_sgtable(attach->dev, sgt, dir, 0))
		return sgt;
	sg_free_table(sgt);
free:
	kfree(sgt);
	return ERR_PTR(-ENOMEM);
}

static void pal_bench_unmap_sgt(struct dma_buf_attachment *attach,
				struct sg_table *sgt, enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static const struct dma_buf_sgt_exp_ops pal_bench_sgt_ops = {
	.map = pal_bench_map_sgt,
	.unmap = pal_bench_unmap_sgt,
};

static int pal_bench_offers(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
			    struct dma_buf_mapping_offers *offers)
{
	struct pal_bench_exporter *exp = dmabuf->priv;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < exp->noffers && !ret; i++)
		ret = dma_buf_mapping_offer_add(offers, exp->offers[i]);
	return ret;
}

static int pal_bench_pin(struct dma_buf_attachment *attach)
{
	return 0;
}

static void pal_bench_unpin(struct dma_buf_attachment *attach)
{
}

static void pal_bench_free_exporter(struct pal_bench_exporter *exp)
{
	dma_buf_phys_list_free(exp->list);
	kfree(exp);
}

static void pal_bench_release(struct dma_buf *dmabuf)
{
	pal_bench_free_exporter(dmabuf->priv);
}

static const struct dma_buf_ops pal_bench_dma_buf_ops = {
	.get_mapping_offers = pal_bench_offers,
	.pin = pal_bench_pin,
	.unpin = pal_bench_unpin,
	.release = pal_bench_release,
};

static void pal_bench_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops pal_bench_importer_ops = {
	.invalidate_mappings = pal_bench_invalidate,
};

/*
 * A @size buffer of the RAM from physical 0, in one range or in pages in
 * reverse order (so that nothing merges them), offering PAL and, if @sgt,
 * SGT after it.
 */
static struct dma_buf *pal_bench_export(size_t size, bool fragmented, bool sgt)
{
	unsigned int i, n = fragmented ? size >> PAGE_SHIFT : 1;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct pal_bench_exporter *exp;
	struct dma_buf *dmabuf;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	exp->list = dma_buf_phys_list_alloc(n);
	if (!exp->list) {
		kfree(exp);
		return ERR_PTR(-ENOMEM);
	}
	exp->list->memory = DMA_BUF_PAL_RAM;
	exp->list->caching = DMA_BUF_PAL_CACHED;
	for (i = 0; i < n; i++) {
		exp->list->ranges[i].paddr = (phys_addr_t)(n - 1 - i) * (size / n);
		exp->list->ranges[i].len = size / n;
	}
	exp->offers[exp->noffers++] = DMA_BUF_PAL_OFFER(&pal_bench_pal_ops);
	if (sgt)
		exp->offers[exp->noffers++] = DMA_BUF_SGT_OFFER(&pal_bench_sgt_ops);

	info.ops = &pal_bench_dma_buf_ops;
	info.size = size;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf))
		pal_bench_free_exporter(exp);
	return dmabuf;
}

enum pal_bench_path { BENCH_SGT, BENCH_PAL, BENCH_ADAPTER, BENCH_PATHS };

/* ns per map + unmap of @attach, over enough rounds to time @n ranges. */
static u64 pal_bench_map(struct dma_buf_attachment *attach, unsigned int n)
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

static int pal_bench_one(struct device *dev, size_t size, bool fragmented)
{
	const struct dma_buf_mapping_request sgt_req = DMA_BUF_SGT_REQUEST(dev, false);
	const struct dma_buf_mapping_request pal_req = DMA_BUF_PAL_REQUEST(dev, false);
	unsigned int n = fragmented ? size >> PAGE_SHIFT : 1;
	struct dma_buf_attachment *attach[BENCH_PATHS] = {};
	struct dma_buf *both, *pal_only;
	u64 ns[BENCH_PATHS] = {};
	int p, ret = 0;

	if (!pfn_valid(PHYS_PFN(size - 1))) {
		pr_info("%5zu KiB: not run, more than this machine's RAM\n", size >> 10);
		return 0;
	}
	both = pal_bench_export(size, fragmented, true);
	if (IS_ERR(both))
		return PTR_ERR(both);
	pal_only = pal_bench_export(size, fragmented, false);
	if (IS_ERR(pal_only)) {
		dma_buf_put(both);
		return PTR_ERR(pal_only);
	}
	attach[BENCH_SGT] = dma_buf_mapping_attach(both, dev, &sgt_req, 1,
						   &pal_bench_importer_ops, NULL);
	attach[BENCH_PAL] = dma_buf_mapping_attach(both, dev, &pal_req, 1,
						   &pal_bench_importer_ops, NULL);
	attach[BENCH_ADAPTER] = dma_buf_mapping_attach(pal_only, dev, &sgt_req, 1,
						       &pal_bench_importer_ops, NULL);
	for (p = 0; p < BENCH_PATHS; p++) {
		if (IS_ERR(attach[p])) {
			ret = PTR_ERR(attach[p]);
			continue;
		}
		if (!ret) {
			ns[p] = pal_bench_map(attach[p], n);
			if (!ns[p])
				ret = -EIO;
		}
		dma_buf_detach(attach[p]->dmabuf, attach[p]);
	}
	dma_buf_put(pal_only);
	dma_buf_put(both);
	if (ret)
		return ret;
	pr_info("%5zu KiB %-10s ranges %6u  sgt %9llu ns  pal %9llu ns  adapter %9llu ns  pal/sgt %llu.%02llu  adapter/sgt %llu.%02llu\n",
		size >> 10, fragmented ? "fragmented" : "contiguous", n,
		ns[BENCH_SGT], ns[BENCH_PAL], ns[BENCH_ADAPTER],
		div64_u64(ns[BENCH_PAL] * 100, ns[BENCH_SGT]) / 100,
		div64_u64(ns[BENCH_PAL] * 100, ns[BENCH_SGT]) % 100,
		div64_u64(ns[BENCH_ADAPTER] * 100, ns[BENCH_SGT]) / 100,
		div64_u64(ns[BENCH_ADAPTER] * 100, ns[BENCH_SGT]) % 100);
	return 0;
}

/* Its maximum segment size: the adapter may make one entry of a gigabyte. */
static struct device_dma_parameters pal_bench_dma_parms;

static int __init dma_buf_pal_bench_init(void)
{
	struct device *dev;
	unsigned int i;
	int ret = 0;

	/*
	 * Both would act on memory the module does not own: DMA_API_DEBUG
	 * rightly objects to maps of kernel text, KMSAN would mark every
	 * mapped byte initialised.
	 */
	if (IS_ENABLED(CONFIG_DMA_API_DEBUG) || IS_ENABLED(CONFIG_KMSAN)) {
		pr_err("not run: not with DMA_API_DEBUG or KMSAN\n");
		return -EOPNOTSUPP;
	}
	dev = root_device_register(KBUILD_MODNAME);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	dev->dma_mask = &dev->coherent_dma_mask;
	dev->dma_parms = &pal_bench_dma_parms;
	dma_set_max_seg_size(dev, UINT_MAX & PAGE_MASK);
	if (!dma_buf_dev_uses_phys_addrs(dev)) {
		pr_err("not run: the DMA API would not give a device physical addresses here (IOMMU, bounce buffers, encryption)\n");
		ret = -ENODEV;
	}
	for (i = 0; i < ARRAY_SIZE(bench_sizes) && !ret; i++) {
		if (bench_sizes[i] < PAGE_SIZE)
			continue;
		ret = pal_bench_one(dev, bench_sizes[i], false);
		if (!ret)
			ret = pal_bench_one(dev, bench_sizes[i], true);
	}
	dev->dma_parms = NULL;
	root_device_unregister(dev);
	if (ret)
		pr_err("not run to the end: %d\n", ret);
	return ret;
}
module_init(dma_buf_pal_bench_init);

/* Nothing stays behind: unloading only lets it be loaded, and run, again. */
static void __exit dma_buf_pal_bench_exit(void)
{
}
module_exit(dma_buf_pal_bench_exit);

MODULE_DESCRIPTION("Benchmark of the dma-buf physical address list type");
MODULE_LICENSE("GPL");
