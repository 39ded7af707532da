// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the dma-buf attachment API as importers and exporters
 * use it today: static and dynamic attach, the mapping cache, pinning,
 * peer2peer, move_notify and error propagation.
 *
 * These pin down the behaviour that every later change to the attach and
 * map paths must keep for drivers that do not change.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

MODULE_IMPORT_NS(DMA_BUF);

#define TEST_PAGES 4

/*
 * A test exporter: TEST_PAGES pages, an sg_table per map whose DMA
 * addresses are the pages' physical addresses (no IOMMU), and counters of
 * every callback the core makes.
 */
struct test_exporter {
	struct page *pages[TEST_PAGES];
	int attach_err;
	int map_err;
	int attaches, detaches, maps, unmaps, pins, unpins;
	bool resv_held_in_map;
};

struct test_importer {
	int move_notifies;
	bool resv_held_in_move_notify;
};

static int test_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = dmabuf->priv;

	if (exp->attach_err)
		return exp->attach_err;
	exp->attaches++;
	return 0;
}

static void test_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = dmabuf->priv;

	exp->detaches++;
}

static int test_pin(struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = attach->dmabuf->priv;

	exp->pins++;
	return 0;
}

static void test_unpin(struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = attach->dmabuf->priv;

	exp->unpins++;
}

static struct sg_table *test_map(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir)
{
	struct test_exporter *exp = attach->dmabuf->priv;
	struct scatterlist *sg;
	struct sg_table *sgt;
	int ret, i;

	exp->resv_held_in_map = dma_resv_is_locked(attach->dmabuf->resv);
	if (exp->map_err)
		return ERR_PTR(exp->map_err);

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	/* One entry per page, so that the order of pages can be checked. */
	ret = sg_alloc_table(sgt, TEST_PAGES, GFP_KERNEL);
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	for_each_sgtable_sg(sgt, sg, i) {
		sg_set_page(sg, exp->pages[i], PAGE_SIZE, 0);
		sg_dma_address(sg) = page_to_phys(exp->pages[i]);
		sg_dma_len(sg) = PAGE_SIZE;
	}
	sgt->nents = sgt->orig_nents;
	exp->maps++;
	return sgt;
}

static void test_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct test_exporter *exp = attach->dmabuf->priv;

	exp->unmaps++;
	sg_free_table(sgt);
	kfree(sgt);
}

static void free_test_exporter(struct test_exporter *exp)
{
	int i;

	for (i = 0; i < TEST_PAGES; i++)
		__free_page(exp->pages[i]);
	kfree(exp);
}

static void test_release(struct dma_buf *dmabuf)
{
	free_test_exporter(dmabuf->priv);
}

static const struct dma_buf_ops test_static_ops = {
	.attach = test_attach,
	.detach = test_detach,
	.map_dma_buf = test_map,
	.unmap_dma_buf = test_unmap,
	.release = test_release,
};

static const struct dma_buf_ops test_dynamic_ops = {
	.attach = test_attach,
	.detach = test_detach,
	.pin = test_pin,
	.unpin = test_unpin,
	.map_dma_buf = test_map,
	.unmap_dma_buf = test_unmap,
	.release = test_release,
};

static void test_move_notify(struct dma_buf_attachment *attach)
{
	struct test_importer *imp = attach->importer_priv;

	imp->resv_held_in_move_notify = dma_resv_is_locked(attach->dmabuf->resv);
	imp->move_notifies++;
}

static const struct dma_buf_attach_ops test_importer_ops = {
	.move_notify = test_move_notify,
};

static const struct dma_buf_attach_ops test_importer_p2p_ops = {
	.allow_peer2peer = true,
	.move_notify = test_move_notify,
};

struct attach_test_ctx {
	struct device *dev;
	struct dma_buf *dmabuf;
	struct test_exporter *exp;
	struct test_importer imp;
};

static void put_dmabuf(void *dmabuf)
{
	dma_buf_put(dmabuf);
}

/*
 * Export a TEST_PAGES buffer with @ops. The buffer is released when the
 * test ends; its pages and counters live until then.
 */
static struct attach_test_ctx *export_test_buffer(struct kunit *test,
						  const struct dma_buf_ops *ops)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct attach_test_ctx *ctx;
	struct test_exporter *exp;
	int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = kunit_device_register(test, "dma-buf-attach-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->dev);

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	for (i = 0; i < TEST_PAGES; i++) {
		exp->pages[i] = alloc_page(GFP_KERNEL);
		if (!exp->pages[i]) {
			while (i--)
				__free_page(exp->pages[i]);
			kfree(exp);
			KUNIT_FAIL_AND_ABORT(test, "out of memory for test pages");
		}
	}

	info.ops = ops;
	info.size = TEST_PAGES * PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = exp;
	ctx->dmabuf = dma_buf_export(&info);
	if (IS_ERR(ctx->dmabuf)) {
		free_test_exporter(exp);
		KUNIT_FAIL_AND_ABORT(test, "dma_buf_export: %pe", ctx->dmabuf);
	}
	ctx->exp = exp;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, put_dmabuf, ctx->dmabuf));
	return ctx;
}

/* Is @attach on its buffer's attachment list? */
static bool attachment_listed(struct dma_buf_attachment *attach)
{
	struct dma_buf_attachment *a;
	bool found = false;

	dma_resv_lock(attach->dmabuf->resv, NULL);
	list_for_each_entry(a, &attach->dmabuf->attachments, node)
		found |= a == attach;
	dma_resv_unlock(attach->dmabuf->resv);
	return found;
}

/* The sg_table covers the exporter's pages, in order. */
static void expect_exporter_pages(struct kunit *test, struct attach_test_ctx *ctx,
				  struct sg_table *sgt)
{
	struct scatterlist *sg;
	int i;

	KUNIT_ASSERT_EQ(test, sgt->nents, TEST_PAGES);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, (u64)sg_dma_address(sg),
				(u64)page_to_phys(ctx->exp->pages[i]));
		KUNIT_EXPECT_EQ(test, sg_dma_len(sg), PAGE_SIZE);
	}
}

/* Static exporter, static importer: nothing cached, a map per call. */
static void attach_static_static(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_static_ops);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->attaches, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 0);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	KUNIT_EXPECT_NULL(test, attach->importer_ops);
	KUNIT_EXPECT_TRUE(test, attachment_listed(attach));

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_TRUE(test, ctx->exp->resv_held_in_map);
	expect_exporter_pages(test, ctx, sgt);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_TO_DEVICE);

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 2);
	KUNIT_EXPECT_EQ(test, ctx->exp->unmaps, 2);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->detaches, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->pins, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/*
 * Dynamic exporter, static importer: attach pins and maps once; every
 * map returns that cached table; detach unmaps and unpins.
 */
static void attach_dynamic_exporter_static_importer(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt, *again;

	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->pins, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 1);

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	again = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, sgt, again);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 1);
	expect_exporter_pages(test, ctx, sgt);
	dma_buf_unmap_attachment_unlocked(attach, again, DMA_TO_DEVICE);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, ctx->exp->unmaps, 0);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->unmaps, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->unpins, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->detaches, 1);
}

/* Static exporter, dynamic importer: the mapping is cached at attach. */
static void attach_static_exporter_dynamic_importer(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_static_ops);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 1);
	KUNIT_EXPECT_PTR_EQ(test, attach->importer_priv, (void *)&ctx->imp);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(sgt));
	if (!IS_ERR_OR_NULL(sgt)) {
		expect_exporter_pages(test, ctx, sgt);
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	}
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 1);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->unmaps, 1);
}

/*
 * Dynamic exporter, dynamic importer: a map per call; without
 * DMABUF_MOVE_NOTIFY every map pins and every unmap unpins.
 */
static void attach_dynamic_dynamic(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	int pins_per_map = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : 1;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 0);
	KUNIT_EXPECT_EQ(test, ctx->exp->pins, 0);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(sgt));
	KUNIT_EXPECT_EQ(test, ctx->exp->pins, pins_per_map);
	if (!IS_ERR_OR_NULL(sgt)) {
		expect_exporter_pages(test, ctx, sgt);
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	}
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, ctx->exp->maps, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->unmaps, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->unpins, pins_per_map);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->detaches, 1);
}

/* dma_buf_pin()/dma_buf_unpin() reach the exporter for a dynamic importer. */
static void attach_explicit_pin(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	struct dma_buf_attachment *attach;

	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	KUNIT_EXPECT_EQ(test, dma_buf_pin(attach), 0);
	KUNIT_EXPECT_EQ(test, ctx->exp->pins, 1);
	dma_buf_unpin(attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->unpins, 1);
	dma_resv_unlock(ctx->dmabuf->resv);

	dma_buf_detach(ctx->dmabuf, attach);
}

/* peer2peer follows the importer's consent; NULL importer_ops means none. */
static void attach_peer2peer_flag(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	struct dma_buf_attachment *p2p, *plain, *legacy;

	p2p = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
				     &test_importer_p2p_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p2p);
	plain = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
				       &test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, plain);
	legacy = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev, NULL, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, legacy);

	KUNIT_EXPECT_TRUE(test, p2p->peer2peer);
	KUNIT_EXPECT_FALSE(test, plain->peer2peer);
	KUNIT_EXPECT_FALSE(test, legacy->peer2peer);
	/* NULL importer_ops is a static importer: pinned and mapped at once. */
	KUNIT_EXPECT_EQ(test, ctx->exp->pins, 1);
	KUNIT_EXPECT_NOT_NULL(test, legacy->sgt);

	dma_buf_detach(ctx->dmabuf, legacy);
	dma_buf_detach(ctx->dmabuf, plain);
	dma_buf_detach(ctx->dmabuf, p2p);
	KUNIT_EXPECT_EQ(test, ctx->exp->detaches, 3);
	KUNIT_EXPECT_EQ(test, ctx->exp->unpins, 1);
}

/* move_notify reaches dynamic importers only, under the reservation lock. */
static void attach_move_notify(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	struct dma_buf_attachment *dynamic, *legacy;

	dynamic = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					 &test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dynamic);
	legacy = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, legacy);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	dma_buf_move_notify(ctx->dmabuf);
	dma_buf_move_notify(ctx->dmabuf);
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, ctx->imp.move_notifies, 2);
	KUNIT_EXPECT_TRUE(test, ctx->imp.resv_held_in_move_notify);

	dma_buf_detach(ctx->dmabuf, legacy);
	dma_buf_detach(ctx->dmabuf, dynamic);

	/* Nothing is notified once the importer has detached. */
	dma_resv_lock(ctx->dmabuf->resv, NULL);
	dma_buf_move_notify(ctx->dmabuf);
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, ctx->imp.move_notifies, 2);
}

/* An exporter's attach error is returned unchanged and nothing is listed. */
static void attach_exporter_refuses(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_static_ops);
	struct dma_buf_attachment *attach;

	ctx->exp->attach_err = -EBUSY;
	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EBUSY);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
	KUNIT_EXPECT_EQ(test, ctx->exp->detaches, 0);
}

/* A map error is returned unchanged; a failed cached map fails attach. */
static void attach_map_error(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	ctx->exp->map_err = -ENOSPC;
	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -ENOSPC);
	/* A failed map leaves no pin behind. */
	KUNIT_EXPECT_EQ(test, ctx->exp->pins, ctx->exp->unpins);
	dma_buf_detach(ctx->dmabuf, attach);

	/* Static importer of a dynamic exporter maps in attach. */
	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ctx->exp->pins, ctx->exp->unpins);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
	KUNIT_EXPECT_EQ(test, ctx->exp->attaches, ctx->exp->detaches);
}

static struct kunit_case dma_buf_attach_cases[] = {
	KUNIT_CASE(attach_static_static),
	KUNIT_CASE(attach_dynamic_exporter_static_importer),
	KUNIT_CASE(attach_static_exporter_dynamic_importer),
	KUNIT_CASE(attach_dynamic_dynamic),
	KUNIT_CASE(attach_explicit_pin),
	KUNIT_CASE(attach_peer2peer_flag),
	KUNIT_CASE(attach_move_notify),
	KUNIT_CASE(attach_exporter_refuses),
	KUNIT_CASE(attach_map_error),
	{}
};

static struct kunit_suite dma_buf_attach_suite = {
	.name = "dma-buf-attach",
	.test_cases = dma_buf_attach_cases,
};
kunit_test_suite(dma_buf_attach_suite);

MODULE_DESCRIPTION("KUnit tests for dma-buf attachments");
MODULE_LICENSE("GPL");
