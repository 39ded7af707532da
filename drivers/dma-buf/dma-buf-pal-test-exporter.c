// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PAL test exporter of the dma_buf_pal suite, and the fakes that
 * replace the core's hooks for it (DMA mapping, PCI BARs, the P2P
 * distance, the reports of contract violations and of malformed lists).
 * See dma-buf-pal-test-exporter.h.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "dma-buf-internal.h"
#include "dma-buf-kunit.h"
#include "dma-buf-pal-test-exporter.h"

MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

struct pal_test_fakes pal_fakes;

/*
 * Fake DMA mapping of a whole table: counts the entries it maps and
 * unmaps, puts every address PAL_TEST_DMA_OFFSET from its phys, and fails
 * the table with pal_fakes.dma_fail_err when asked.
 */
static int fake_dma_map_sgtable(struct device *dev, enum dma_buf_pal_memory memory,
				struct sg_table *sgt, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i;

	if (pal_fakes.dma_fail_err)
		return pal_fakes.dma_fail_err;
	for_each_sgtable_sg(sgt, sg, i) {
		/* MMIO entries carry their phys as DMA address, RAM its page. */
		sg_dma_address(sg) = (memory == DMA_BUF_PAL_RAM ? sg_phys(sg) :
				      sg_dma_address(sg)) + PAL_TEST_DMA_OFFSET;
		sg_dma_len(sg) = sg->length;
		pal_fakes.dma_maps++;
	}
	sgt->nents = sgt->orig_nents;
	pal_fakes.dma_tables++;
	return 0;
}

static void fake_dma_unmap_sgtable(struct device *dev, enum dma_buf_pal_memory memory,
				   struct sg_table *sgt, enum dma_data_direction dir)
{
	pal_fakes.dma_unmaps += sgt->nents;
	pal_fakes.dma_tables--;
}

/* Fake PCI BAR of every MMIO provider (pal_fakes.mmio_*). */
static int fake_mmio_bus_offset(struct pci_dev *provider, phys_addr_t base,
				size_t len, u64 *offset)
{
	if (base < pal_fakes.mmio_bar_start || base + (len - 1) > pal_fakes.mmio_bar_end)
		return -EINVAL;
	*offset = pal_fakes.mmio_bus_offset;
	return 0;
}

/* Contract violations reported by the core (stubbed: no WARN in the log). */
static bool count_report(const struct dma_buf *dmabuf, const struct device *importer,
			 const char *what, long value)
{
	pal_fakes.reports++;
	pal_fakes.reported_importer = importer;
	return false;
}

/* The check that refused the last malformed list (stubbed: quiet log). */
static int record_invalid(const struct dma_buf_attachment *attach, const char *why,
			  unsigned int range)
{
	pal_fakes.invalid_why = why;
	return -EINVAL;
}

static int fake_p2p_distance(struct pci_dev *provider, struct device *client)
{
	return pal_fakes.p2p_reachable ? 1 : -1;
}

static struct dma_buf_phys_list *pal_exp_map(struct dma_buf_attachment *attach)
{
	struct pal_exporter *exp = attach->dmabuf->priv;
	size_t bytes = struct_size(exp->list, ranges, exp->list->nr_ranges);
	struct dma_buf_phys_list *pal;

	dma_resv_assert_held(attach->dmabuf->resv);
	atomic_inc(&exp->maps);
	if (exp->map_null)
		return NULL;
	/* Not dma_buf_phys_list_alloc(): it would refuse the bad counts. */
	pal = kvmalloc(bytes, GFP_KERNEL);
	if (!pal)
		return ERR_PTR(-ENOMEM);
	memcpy(pal, exp->list, bytes);
	return pal;
}

static void pal_exp_unmap(struct dma_buf_attachment *attach,
			  struct dma_buf_phys_list *pal)
{
	struct pal_exporter *exp = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	atomic_inc(&exp->unmaps);
	dma_buf_phys_list_free(pal);
}

static int pal_exp_type_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	atomic_inc(&((struct pal_exporter *)dmabuf->priv)->type_attaches);
	return 0;
}

static void pal_exp_type_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	atomic_inc(&((struct pal_exporter *)dmabuf->priv)->type_detaches);
}

static const struct dma_buf_pal_exp_ops pal_exp_ops = {
	.attach = pal_exp_type_attach,
	.detach = pal_exp_type_detach,
	.map = pal_exp_map,
	.unmap = pal_exp_unmap,
};

/*
 * A native SGT offer of the same ranges, as an SGT exporter maps: a table
 * entry per range, DMA-mapped by the same fake mapping as the adapter's.
 */
static struct sg_table *pal_exp_sgt_map(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	struct pal_exporter *exp = attach->dmabuf->priv;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;

	atomic_inc(&exp->sgt_maps);
	if (exp->map_null)
		return NULL;
	if (exp->sgt_map_err)
		return ERR_PTR(exp->sgt_map_err);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, exp->list->nr_ranges, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	for_each_sgtable_sg(sgt, sg, i) {
		const struct phys_vec *r = &exp->list->ranges[i];

		if (exp->sgt_pageless) {
			sg_set_page(sg, NULL, r->len, 0);
			sg_dma_address(sg) = r->paddr;
			sg_dma_len(sg) = r->len;
			continue;
		}
		sg_set_page(sg, pfn_to_page(PHYS_PFN(r->paddr)), r->len, 0);
	}
	if (exp->sgt_pageless)
		return sgt;
	if (dma_buf_pal_dma_map_sgtable(attach->dev, DMA_BUF_PAL_RAM, sgt, dir)) {
		sg_free_table(sgt);
		kfree(sgt);
		return ERR_PTR(-EIO);
	}
	return sgt;
}

static void pal_exp_sgt_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir)
{
	struct pal_exporter *exp = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	atomic_inc(&exp->sgt_unmaps);
	if (!exp->sgt_pageless)
		dma_buf_pal_dma_unmap_sgtable(attach->dev, DMA_BUF_PAL_RAM, sgt, dir);
	sg_free_table(sgt);
	kfree(sgt);
}

/* Pages of the test block, write-back: the SGT-to-PAL converter lists them. */
const struct dma_buf_sgt_exp_ops pal_test_sgt_ops = {
	.attach = pal_exp_type_attach,
	.detach = pal_exp_type_detach,
	.map = pal_exp_sgt_map,
	.unmap = pal_exp_sgt_unmap,
	.pal_cached = true,
};

/* The same without saying so: never converted. */
const struct dma_buf_sgt_exp_ops pal_test_sgt_unsaid_ops = {
	.attach = pal_exp_type_attach,
	.detach = pal_exp_type_detach,
	.map = pal_exp_sgt_map,
	.unmap = pal_exp_sgt_unmap,
};

static int pal_exp_offers(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
			  struct dma_buf_mapping_offers *offers)
{
	struct pal_exporter *exp = dmabuf->priv;
	int i, ret = 0;

	for (i = 0; i < exp->noffers && !ret; i++)
		ret = dma_buf_mapping_offer_add(offers, exp->offers[i]);
	return ret;
}

static int pal_exp_pin(struct dma_buf_attachment *attach)
{
	struct pal_exporter *exp = attach->dmabuf->priv;

	if (exp->pin_err)
		return exp->pin_err;
	atomic_inc(&exp->pins);
	return 0;
}

static void pal_exp_unpin(struct dma_buf_attachment *attach)
{
	atomic_inc(&((struct pal_exporter *)attach->dmabuf->priv)->unpins);
}

static void free_pal_exporter(struct pal_exporter *exp)
{
	kvfree(exp->list);
	kfree(exp);
}

static void pal_exp_release(struct dma_buf *dmabuf)
{
	free_pal_exporter(dmabuf->priv);
}

static const struct dma_buf_ops pal_exp_dma_buf_ops = {
	.get_mapping_offers = pal_exp_offers,
	.pin = pal_exp_pin,
	.unpin = pal_exp_unpin,
	.release = pal_exp_release,
};

static void pal_invalidate(struct dma_buf_attachment *attach)
{
	struct pal_ctx *ctx = attach->importer_priv;

	ctx->invalidations++;
}

const struct dma_buf_attach_ops pal_test_importer_ops = {
	.invalidate_mappings = pal_invalidate,
};

/* A list of @n ranges, any count (even 0): the exporter's template. */
struct dma_buf_phys_list *pal_test_list(struct kunit *test, unsigned int n)
{
	struct dma_buf_phys_list *pal;

	pal = kvzalloc(struct_size(pal, ranges, n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pal);
	pal->nr_ranges = n;
	return pal;
}

/*
 * Export a buffer of @size bytes whose maps return copies of @list
 * (owned by the exporter from here on), offering PAL first. @mmio makes
 * it a PAL offer that may hold MMIO; @sgt adds a native SGT offer.
 */
struct pal_ctx *pal_test_export(struct kunit *test, struct dma_buf_phys_list *list,
				size_t size, bool mmio, bool sgt)
{
	static atomic_t instance;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct pal_exporter *exp;
	struct pal_ctx *ctx;
	char name[32];

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	snprintf(name, sizeof(name), "dma-buf-pal-test.%d", atomic_inc_return(&instance));
	/* Forced bouncing's refusal is pal_trust_forced_bounce's. */
	ctx->dev = dma_buf_kunit_phys_device(test, name);

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp) {
		kvfree(list);
		KUNIT_FAIL_AND_ABORT(test, "out of memory");
	}
	exp->list = list;
	if (mmio) {
		/* Never dereferenced: the P2P distance and BARs are stubs. */
		struct pci_dev *provider = kunit_kzalloc(test, sizeof(*provider),
							 GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, provider);
		exp->offers[exp->noffers++] = DMA_BUF_PAL_MMIO_OFFER(&pal_exp_ops,
								     provider);
	} else {
		exp->offers[exp->noffers++] = DMA_BUF_PAL_OFFER(&pal_exp_ops);
	}
	if (sgt)
		exp->offers[exp->noffers++] = DMA_BUF_SGT_OFFER(&pal_test_sgt_ops);

	info.ops = &pal_exp_dma_buf_ops;
	info.size = size;
	info.flags = O_RDWR;
	info.priv = exp;
	ctx->dmabuf = dma_buf_export(&info);
	if (IS_ERR(ctx->dmabuf)) {
		free_pal_exporter(exp);
		KUNIT_FAIL_AND_ABORT(test, "dma_buf_export: %pe", ctx->dmabuf);
	}
	ctx->exp = exp;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, dma_buf_kunit_put, ctx->dmabuf));

	kunit_activate_static_stub(test, dma_buf_pal_dma_map_sgtable, fake_dma_map_sgtable);
	kunit_activate_static_stub(test, dma_buf_pal_dma_unmap_sgtable,
				   fake_dma_unmap_sgtable);
	kunit_activate_static_stub(test, dma_buf_p2p_distance, fake_p2p_distance);
	kunit_activate_static_stub(test, dma_buf_pal_mmio_bus_offset, fake_mmio_bus_offset);
	kunit_activate_static_stub(test, dma_buf_mapping_report, count_report);
	kunit_activate_static_stub(test, dma_buf_pal_invalid, record_invalid);
	pal_fakes = (struct pal_test_fakes){
		.mmio_bar_end = PHYS_ADDR_MAX,
		.p2p_reachable = true,
	};
	return ctx;
}

struct dma_buf_attachment *pal_test_attach(struct pal_ctx *ctx,
					   const struct dma_buf_mapping_request *req,
					   unsigned int count)
{
	return dma_buf_mapping_attach(ctx->dmabuf, ctx->dev, req, count,
				      &pal_test_importer_ops, ctx);
}

MODULE_DESCRIPTION("KUnit tests for the dma-buf physical address list type");
MODULE_LICENSE("GPL");
