// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of what each mapping type does at attach and detach: the
 * exporter's per-type attach and detach (order, once each, error paths,
 * one function shared by two types), the SGT type's cached table (at
 * attach for a static importer, or asked for by the offer's
 * cache_mapping), the cleanup a private type runs for a mapping its
 * importer left behind, and dma_buf_export() refusing an exporter
 * without offers.
 */

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "dma-buf-internal.h"
#include "dma-buf-kunit.h"

MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/*
 * The exporter writes one letter per callback into @log: A and D for
 * &dma_buf_ops.attach and .detach, the first letter of the mapping type's
 * name for a per-type attach ('s' for SGT, 'p' for PAL, 'x' for the
 * private type) and its capital for the per-type detach, m and u for
 * maps and unmaps, n and N for pins and unpins.
 */
struct hooks_exporter {
	char log[32];
	unsigned int len;
	int attach_err, type_attach_err, pin_err;
	struct page *page;
	int maps, unmaps;
	bool map_null;	/* the SGT map returns neither a table nor an error */
};

struct hooks_ctx {
	struct device *dev;
	struct dma_buf *dmabuf;
	struct hooks_exporter *exp;
};

static void log_call(struct dma_buf *dmabuf, char c)
{
	struct hooks_exporter *exp = dmabuf->priv;

	if (exp->len < sizeof(exp->log) - 1)
		exp->log[exp->len++] = c;
}

static int hooks_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct hooks_exporter *exp = dmabuf->priv;

	log_call(dmabuf, 'A');
	return exp->attach_err;
}

static void hooks_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	log_call(dmabuf, 'D');
}

/* One per-type attach for every type: it reads the type it serves. */
static int hooks_type_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct hooks_exporter *exp = dmabuf->priv;

	log_call(dmabuf, attach->mapping_type->name[0]);
	return exp->type_attach_err;
}

static void hooks_type_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	log_call(dmabuf, attach->mapping_type->name[0] - 'a' + 'A');
}

static struct sg_table *hooks_map(struct dma_buf_attachment *attach,
				  enum dma_data_direction dir)
{
	struct hooks_exporter *exp = attach->dmabuf->priv;
	struct sg_table *sgt;

	dma_resv_assert_held(attach->dmabuf->resv);
	log_call(attach->dmabuf, 'm');
	exp->maps++;
	if (exp->map_null)
		return NULL;
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	if (sg_alloc_table(sgt, 1, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	sg_set_page(sgt->sgl, exp->page, PAGE_SIZE, 0);
	sg_dma_address(sgt->sgl) = page_to_phys(exp->page);
	sg_dma_len(sgt->sgl) = PAGE_SIZE;
	return sgt;
}

static void hooks_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
			enum dma_data_direction dir)
{
	struct hooks_exporter *exp = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	log_call(attach->dmabuf, 'u');
	exp->unmaps++;
	sg_free_table(sgt);
	kfree(sgt);
}

static const struct dma_buf_sgt_exp_ops hooks_sgt_ops = {
	.attach = hooks_type_attach,
	.detach = hooks_type_detach,
	.map = hooks_map,
	.unmap = hooks_unmap,
};

static const struct dma_buf_sgt_exp_ops hooks_cached_sgt_ops = {
	.map = hooks_map,
	.unmap = hooks_unmap,
	.cache_mapping = true,
};

static struct dma_buf_phys_list *hooks_pal_map(struct dma_buf_attachment *attach)
{
	struct hooks_exporter *exp = attach->dmabuf->priv;
	struct dma_buf_phys_list *pal = dma_buf_phys_list_alloc(1);

	log_call(attach->dmabuf, 'm');
	if (!pal)
		return ERR_PTR(-ENOMEM);
	pal->ranges[0].paddr = page_to_phys(exp->page);
	pal->ranges[0].len = PAGE_SIZE;
	return pal;
}

static void hooks_pal_unmap(struct dma_buf_attachment *attach,
			    struct dma_buf_phys_list *pal)
{
	log_call(attach->dmabuf, 'u');
	dma_buf_phys_list_free(pal);
}

static const struct dma_buf_pal_exp_ops hooks_pal_ops = {
	.attach = hooks_type_attach,
	.detach = hooks_type_detach,
	.map = hooks_pal_map,
	.unmap = hooks_pal_unmap,
};

/*
 * A private type with one mapping per attachment at a time, recorded in
 * &dma_buf_attachment.priv_mapping, and the cleanup of one left behind.
 */
struct hooks_priv_ops {
	void *(*map)(struct dma_buf_attachment *attach);
	void (*unmap)(struct dma_buf_attachment *attach, void *mapping);
};

static void *hooks_priv_map(struct dma_buf_attachment *attach)
{
	log_call(attach->dmabuf, 'm');
	return kzalloc(16, GFP_KERNEL) ?: ERR_PTR(-ENOMEM);
}

static void hooks_priv_unmap(struct dma_buf_attachment *attach, void *mapping)
{
	log_call(attach->dmabuf, 'u');
	kfree(mapping);
}

static const struct hooks_priv_ops hooks_priv_exp_ops = {
	.map = hooks_priv_map,
	.unmap = hooks_priv_unmap,
};

static int hooks_priv_match(struct dma_buf *dmabuf, struct device *dev,
			    const struct dma_buf_mapping_offer *offer,
			    const struct dma_buf_mapping_request *request)
{
	return 0;
}

/* The importer side of the private type: what its importers call. */
static void *hooks_priv_map_attachment(struct dma_buf_attachment *attach)
{
	const struct hooks_priv_ops *ops = attach->offer.priv.ops;
	void *mapping;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (attach->priv_mapping)
		return ERR_PTR(-EBUSY);
	mapping = ops->map(attach);
	if (!IS_ERR(mapping))
		attach->priv_mapping = mapping;
	return mapping;
}

static void hooks_priv_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	const struct hooks_priv_ops *ops = attach->offer.priv.ops;

	if (!attach->priv_mapping)
		return;
	dma_resv_lock(dmabuf->resv, NULL);
	dma_buf_mapping_importer_leaked(attach, "detached with a test mapping still mapped", 1);
	ops->unmap(attach, attach->priv_mapping);
	attach->priv_mapping = NULL;
	dma_resv_unlock(dmabuf->resv);
}

static const struct dma_buf_mapping_type hooks_priv_type = {
	.name = "xtest",
	.match = hooks_priv_match,
	.detach = hooks_priv_detach,
};

/* The offers the exporter makes, set per test. */
enum hooks_offers { OFFER_SGT, OFFER_PAL, OFFER_CACHED_SGT, OFFER_PRIV };
static enum hooks_offers hooks_offer;

static int hooks_get_offers(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
			    struct dma_buf_mapping_offers *offers)
{
	struct dma_buf_mapping_offer priv = {
		.type = &hooks_priv_type,
		.priv.ops = &hooks_priv_exp_ops,
	};

	switch (hooks_offer) {
	case OFFER_PAL:
		return dma_buf_mapping_offer_add(offers, DMA_BUF_PAL_OFFER(&hooks_pal_ops));
	case OFFER_CACHED_SGT:
		return dma_buf_mapping_offer_add(offers,
						 DMA_BUF_SGT_OFFER(&hooks_cached_sgt_ops));
	case OFFER_PRIV:
		return dma_buf_mapping_offer_add(offers, priv);
	default:
		return dma_buf_mapping_offer_add(offers, DMA_BUF_SGT_OFFER(&hooks_sgt_ops));
	}
}

static int hooks_pin(struct dma_buf_attachment *attach)
{
	struct hooks_exporter *exp = attach->dmabuf->priv;

	log_call(attach->dmabuf, 'n');
	return exp->pin_err;
}

static void hooks_unpin(struct dma_buf_attachment *attach)
{
	log_call(attach->dmabuf, 'N');
}

static void hooks_release(struct dma_buf *dmabuf)
{
	struct hooks_exporter *exp = dmabuf->priv;

	__free_page(exp->page);
	kfree(exp);
}

static const struct dma_buf_ops hooks_static_ops = {
	.attach = hooks_attach,
	.detach = hooks_detach,
	.get_mapping_offers = hooks_get_offers,
	.release = hooks_release,
};

static const struct dma_buf_ops hooks_dynamic_ops = {
	.attach = hooks_attach,
	.detach = hooks_detach,
	.get_mapping_offers = hooks_get_offers,
	.pin = hooks_pin,
	.unpin = hooks_unpin,
	.release = hooks_release,
};

static int reports;
static const struct device *reported_importer;

static bool count_report(const struct dma_buf *dmabuf, const struct device *importer,
			 const char *what, long value)
{
	reports++;
	reported_importer = importer;
	return false;
}

static void hooks_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops hooks_importer_ops = {
	.invalidate_mappings = hooks_invalidate,
};

static struct hooks_ctx *hooks_export(struct kunit *test, enum hooks_offers offer,
				      bool dynamic)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct hooks_exporter *exp;
	struct hooks_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = dma_buf_kunit_phys_device(test, "dma-buf-type-ops-test");

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	exp->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!exp->page) {
		kfree(exp);
		KUNIT_FAIL_AND_ABORT(test, "out of memory");
	}
	hooks_offer = offer;
	info.ops = dynamic ? &hooks_dynamic_ops : &hooks_static_ops;
	info.size = PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = exp;
	ctx->dmabuf = dma_buf_export(&info);
	if (IS_ERR(ctx->dmabuf)) {
		__free_page(exp->page);
		kfree(exp);
		KUNIT_FAIL_AND_ABORT(test, "dma_buf_export: %pe", ctx->dmabuf);
	}
	ctx->exp = exp;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, dma_buf_kunit_put,
							   ctx->dmabuf));
	kunit_activate_static_stub(test, dma_buf_mapping_report, count_report);
	reports = 0;
	reported_importer = NULL;
	return ctx;
}

static struct dma_buf_attachment *hooks_attach_native(struct hooks_ctx *ctx,
						      const struct dma_buf_mapping_request *req)
{
	return dma_buf_mapping_attach(ctx->dmabuf, ctx->dev, req, 1,
				      &hooks_importer_ops, ctx);
}

/*
 * The exporter's attach, then its per-type attach; detach in reverse. A
 * dynamic importer of a static exporter: the SGT type maps at attach.
 */
static void type_hooks_order(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_SGT, false);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = hooks_attach_native(ctx, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "Asm");

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "AsmuSD");
	KUNIT_EXPECT_EQ(test, reports, 0);
}

/* The same function serves PAL: it reads the type from the attachment. */
static void type_hooks_shared_function(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_PAL, false);
	const struct dma_buf_mapping_request req = DMA_BUF_PAL_REQUEST(ctx->dev, false);
	const struct dma_buf_phys_list *pal;
	struct dma_buf_attachment *attach;

	attach = hooks_attach_native(ctx, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_pal);
	dma_resv_lock(ctx->dmabuf->resv, NULL);
	pal = dma_buf_map_pal(attach);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, pal);
	if (!IS_ERR(pal))
		dma_buf_unmap_pal(attach, pal);
	dma_resv_unlock(ctx->dmabuf->resv);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "ApmuPD");
}

/* A failed per-type attach: the exporter's detach, not the per-type one. */
static void type_attach_fails(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_SGT, false);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;

	ctx->exp->type_attach_err = -EIO;
	attach = hooks_attach_native(ctx, &req);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EIO);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "AsD");
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/* A failed exporter attach: no per-type attach at all. */
static void generic_attach_fails(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_SGT, false);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;

	ctx->exp->attach_err = -ENOSPC;
	attach = hooks_attach_native(ctx, &req);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENOSPC);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "A");
}

/*
 * A static importer of a dynamic exporter: the SGT type pins and maps at
 * attach, after the per-type attach, and undoes both at detach, before
 * the per-type detach.
 */
static void type_hooks_static_importer(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_SGT, true);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "Asnm");
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_PTR_EQ(test, sgt, attach->sgt);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "AsnmuNSD");
}

/* The pin of that step fails: the per-type detach, then the exporter's. */
static void type_hooks_static_importer_pin_fails(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_SGT, true);
	struct dma_buf_attachment *attach;

	ctx->exp->pin_err = -ENOMEM;
	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENOMEM);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "AsnSD");
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/*
 * cache_mapping of the SGT offer, for a static importer of a static
 * exporter (which the core does not map at attach): one exporter map,
 * unmapped at detach.
 */
static void cache_mapping_offer(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_CACHED_SGT, false);
	struct dma_buf_attachment *attach;
	struct sg_table *a, *b;

	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	a = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	dma_buf_unmap_attachment_unlocked(attach, a, DMA_TO_DEVICE);
	b = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	dma_buf_unmap_attachment_unlocked(attach, b, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->unmaps, 0);
	/* Another direction is refused, as with cache_sgt_mapping before. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE)),
			-EBUSY);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->unmaps, 1);
	KUNIT_EXPECT_EQ(test, reports, 0);
}

/*
 * The exporter's map returns neither a table nor an error for the table a
 * dynamic importer of a static exporter gets at attach: the attach fails
 * with -ENOMEM, as a map would, with nothing to unmap and the exporter's
 * detach run.
 */
static void cache_mapping_map_null(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_CACHED_SGT, false);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);

	ctx->exp->map_null = true;
	KUNIT_EXPECT_EQ(test, PTR_ERR(hooks_attach_native(ctx, &req)), -ENOMEM);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->unmaps, 0);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "AmD");
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
	KUNIT_EXPECT_EQ(test, reports, 0);
}

/* A dynamic exporter's cached table would not follow a move: refused. */
static void cache_mapping_dynamic_refused(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_CACHED_SGT, true);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;

	attach = hooks_attach_native(ctx, &req);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, reports, 1);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "AD");
}

/* A private type's mapping left behind: reported and undone at detach. */
static void private_type_leak(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_PRIV, false);
	const struct dma_buf_mapping_request req = { .type = &hooks_priv_type };
	struct dma_buf_attachment *attach;
	void *mapping;

	attach = hooks_attach_native(ctx, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	dma_resv_lock(ctx->dmabuf->resv, NULL);
	mapping = hooks_priv_map_attachment(attach);
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mapping);
	KUNIT_EXPECT_PTR_EQ(test, attach->priv_mapping, mapping);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, reports, 1);
	KUNIT_EXPECT_PTR_EQ(test, reported_importer, (const struct device *)ctx->dev);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "AmuD");
}

/* Without a leftover, the private type's detach reports nothing. */
static void private_type_no_leak(struct kunit *test)
{
	struct hooks_ctx *ctx = hooks_export(test, OFFER_PRIV, false);
	const struct dma_buf_mapping_request req = { .type = &hooks_priv_type };
	struct dma_buf_attachment *attach;

	attach = hooks_attach_native(ctx, &req);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	/* A type without debugfs_show: bufinfo has the core's fields only. */
	dma_buf_kunit_expect_bufinfo(test, attach,
				     "\tmapping=xtest\texporter=native\timporter=native");
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, reports, 0);
	KUNIT_EXPECT_STREQ(test, ctx->exp->log, "AD");
}

static bool export_reported;

static bool count_export_report(const char *exp_name, const char *what)
{
	export_reported = true;
	return false;
}

/* The refused exports never get a buffer to release. */
static void never_release(struct dma_buf *dmabuf)
{
}

/* An exporter that offers nothing: it could not map for anyone. */
static void export_refuses_no_offers(struct kunit *test)
{
	static const struct dma_buf_ops no_offers = {
		.release = never_release,
	};
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	int dummy;

	kunit_activate_static_stub(test, dma_buf_export_report, count_export_report);
	/* Refused before anything is allocated: priv is never used. */
	info.size = PAGE_SIZE;
	info.priv = &dummy;
	info.ops = &no_offers;
	export_reported = false;
	dmabuf = dma_buf_export(&info);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmabuf), -EINVAL);
	KUNIT_EXPECT_TRUE(test, export_reported);
	if (!IS_ERR(dmabuf))
		dma_buf_put(dmabuf);
	/* One with get_mapping_offers is exported, without a report. */
	export_reported = false;
	hooks_export(test, OFFER_SGT, false);
	KUNIT_EXPECT_FALSE(test, export_reported);

	/* The real report asks for its call site's WARN. */
	kunit_deactivate_static_stub(test, dma_buf_export_report);
	KUNIT_EXPECT_TRUE(test, dma_buf_export_report("kunit", "kunit: the real report"));
}

static struct kunit_case dma_buf_type_ops_cases[] = {
	KUNIT_CASE(type_hooks_order),
	KUNIT_CASE(type_hooks_shared_function),
	KUNIT_CASE(type_attach_fails),
	KUNIT_CASE(generic_attach_fails),
	KUNIT_CASE(type_hooks_static_importer),
	KUNIT_CASE(type_hooks_static_importer_pin_fails),
	KUNIT_CASE(cache_mapping_offer),
	KUNIT_CASE(cache_mapping_map_null),
	KUNIT_CASE(cache_mapping_dynamic_refused),
	KUNIT_CASE(private_type_leak),
	KUNIT_CASE(private_type_no_leak),
	KUNIT_CASE(export_refuses_no_offers),
	{}
};

static struct kunit_suite dma_buf_type_ops_suite = {
	.name = "dma_buf_type_ops",
	.test_cases = dma_buf_type_ops_cases,
};

kunit_test_suite(dma_buf_type_ops_suite);

MODULE_DESCRIPTION("KUnit tests of the per-type attach and detach of dma-buf mapping types");
MODULE_LICENSE("GPL");
