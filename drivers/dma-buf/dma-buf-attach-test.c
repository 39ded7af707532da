// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for dma-buf attachments.
 *
 * "dma-buf-attach" pins down the attachment API as legacy importers use
 * it: static and dynamic attach, the mapping cache, pinning, peer2peer,
 * move_notify and error propagation. It must keep passing unchanged for
 * importers that are not converted.
 *
 * "dma-buf-mapping" covers mapping-type negotiation, the compat layer for
 * legacy importers, P2P, the contract checks, concurrency and allocation
 * failures.
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

MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

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
	int pin_err;		/* what pin returns */
	atomic_t attaches, detaches, maps, unmaps, pins, unpins;
	bool resv_held_in_map;
	/* one more than fits: the exporter that adds too many */
	struct dma_buf_mapping_offer offers[DMA_BUF_MAX_MAPPING_ENTRIES + 1];
	int noffers;		/* 0: one plain SGT offer; -1: none */
	int offers_ret;		/* get_mapping_offers returns it */
	int last_add_err;	/* what the last dma_buf_mapping_offer_add() said */
	bool offers_empty;	/* the core handed a list with no entry */
	bool poison_unused;	/* fill the entries past those added */
	int offer_calls;
	bool resv_held_in_offers;
	/* what the exporter's attach callback saw */
	const struct dma_buf_mapping_type *type_in_attach;
	bool listed_in_attach;
	bool bench;		/* timing: skip the list walk above */
	/* test-type matches: verdict[offer id][request id], and a log */
	int verdict[4][4];
	int match_log[16];
	int nmatches;
};

#define COUNT(x) atomic_read(&(x))

/*
 * fail-nth for allocations on the attach and map paths: the test
 * exporter's own, and the core's through a static stub. When it counts
 * down to zero, that allocation fails.
 */
static int test_fail_nth;

static bool test_alloc_fails(void)
{
	return test_fail_nth && --test_fail_nth == 0;
}

struct test_importer {
	int move_notifies;
	bool resv_held_in_move_notify;
};

static bool attachment_listed(struct dma_buf_attachment *attach);

static int test_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = dmabuf->priv;

	if (exp->attach_err)
		return exp->attach_err;
	exp->type_in_attach = attach->mapping_type;
	if (!exp->bench)
		exp->listed_in_attach = attachment_listed(attach);
	/* Per-attachment exporter state, as real exporters have. */
	if (test_alloc_fails())
		return -ENOMEM;
	attach->priv = kzalloc(16, GFP_KERNEL);
	if (!attach->priv)
		return -ENOMEM;
	atomic_inc(&exp->attaches);
	return 0;
}

static void test_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = dmabuf->priv;

	kfree(attach->priv);
	atomic_inc(&exp->detaches);
}

static int test_pin(struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = attach->dmabuf->priv;

	if (exp->pin_err)
		return exp->pin_err;
	atomic_inc(&exp->pins);
	return 0;
}

static void test_unpin(struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = attach->dmabuf->priv;

	atomic_inc(&exp->unpins);
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

	if (test_alloc_fails())
		return ERR_PTR(-ENOMEM);
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
	atomic_inc(&exp->maps);
	return sgt;
}

static void test_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct test_exporter *exp = attach->dmabuf->priv;

	atomic_inc(&exp->unmaps);
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

static const struct dma_buf_sgt_exp_ops test_sgt_ops = {
	.map = test_map,
	.unmap = test_unmap,
};

static int test_get_offers(struct dma_buf *dmabuf,
			   struct dma_buf_attachment *attach,
			   struct dma_buf_mapping_offers *offers)
{
	struct test_exporter *exp = dmabuf->priv;
	int i;

	exp->offer_calls++;
	exp->resv_held_in_offers = dma_resv_is_locked(dmabuf->resv);
	exp->offers_empty = !offers->count && !offers->overflowed;
	if (!exp->noffers)
		exp->last_add_err = dma_buf_mapping_offer_add(offers,
							      DMA_BUF_SGT_OFFER(&test_sgt_ops));
	for (i = 0; i < exp->noffers; i++)
		exp->last_add_err = dma_buf_mapping_offer_add(offers, exp->offers[i]);
	/* What a stack without auto-initialisation may hold there. */
	if (exp->poison_unused)
		memset(&offers->entries[offers->count], 0xa5,
		       (ARRAY_SIZE(offers->entries) - offers->count) *
		       sizeof(offers->entries[0]));
	return exp->offers_ret;
}

static const struct dma_buf_ops test_static_ops = {
	.attach = test_attach,
	.detach = test_detach,
	.get_mapping_offers = test_get_offers,
	.release = test_release,
};

static const struct dma_buf_ops test_dynamic_ops = {
	.attach = test_attach,
	.detach = test_detach,
	.pin = test_pin,
	.unpin = test_unpin,
	.get_mapping_offers = test_get_offers,
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

/*
 * Export a TEST_PAGES buffer with @ops. The buffer is released when the
 * test ends; its pages and counters live until then.
 */
static struct attach_test_ctx *export_test_buffer(struct kunit *test,
						  const struct dma_buf_ops *ops)
{
	static atomic_t instance;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct attach_test_ctx *ctx;
	struct test_exporter *exp;
	char name[32];
	int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	/* A test may export several buffers: each gets its own device. */
	snprintf(name, sizeof(name), "dma-buf-test.%d", atomic_inc_return(&instance));
	ctx->dev = kunit_device_register(test, name);
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
			kunit_add_action_or_reset(test, dma_buf_kunit_put, ctx->dmabuf));
	test->priv = ctx;
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
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
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
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 2);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 2);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->detaches), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/*
 * A kernel fence that signals when the test says so, at the test's end, or
 * after a backstop of 30 s: a wait that a signal no longer ends fails the
 * test (the fence is signalled when it returns) instead of hanging the
 * suite. The fence's lock lives as long as the fence.
 */
struct test_fence {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's */
	struct delayed_work backstop;
};

static const char *test_fence_name(struct dma_fence *fence)
{
	return "dma-buf-attach-test";
}

static const struct dma_fence_ops test_fence_ops = {
	.get_driver_name = test_fence_name,
	.get_timeline_name = test_fence_name,
};

static void test_fence_backstop(struct work_struct *work)
{
	dma_fence_signal(&container_of(work, struct test_fence, backstop.work)->base);
}

static void test_fence_done(void *data)
{
	struct test_fence *f = data;

	cancel_delayed_work_sync(&f->backstop);
	dma_fence_signal(&f->base);
	dma_fence_put(&f->base);
}

/* An unsignalled kernel fence on @dmabuf; the test's reference is put at its end. */
static struct dma_fence *test_fence_add(struct kunit *test, struct dma_buf *dmabuf)
{
	struct test_fence *f = kzalloc(sizeof(*f), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, f);
	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &test_fence_ops, &f->lock, dma_fence_context_alloc(1), 1);
	INIT_DELAYED_WORK(&f->backstop, test_fence_backstop);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, test_fence_done, f));
	dma_resv_lock(dmabuf->resv, NULL);
	ret = dma_resv_reserve_fences(dmabuf->resv, 1);
	if (!ret)
		dma_resv_add_fence(dmabuf->resv, &f->base, DMA_RESV_USAGE_KERNEL);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_ASSERT_EQ(test, ret, 0);
	schedule_delayed_work(&f->backstop, 30 * HZ);
	return &f->base;
}

/*
 * A static importer's map waits for the buffer's kernel fences, and a
 * signal ends the wait: the map fails with -ERESTARTSYS (the ioctl that
 * mapped restarts) and the exporter's table goes back. Once the fence
 * signals, the same map succeeds.
 */
static void attach_static_map_interrupted(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_static_ops);
	struct dma_fence *fence = test_fence_add(test, ctx->dmabuf);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	/* The test runs in a kernel thread, which takes signals it allows. */
	allow_signal(SIGUSR1);
	send_sig(SIGUSR1, current, 1);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	flush_signals(current);
	disallow_signal(SIGUSR1);
	KUNIT_EXPECT_FALSE_MSG(test, dma_fence_is_signaled(fence), "the backstop ended the wait");
	KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -ERESTARTSYS);
	if (!IS_ERR_OR_NULL(sgt))
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);

	dma_fence_signal(fence);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(sgt));
	if (!IS_ERR_OR_NULL(sgt))
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_TO_DEVICE);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), COUNT(ctx->exp->unmaps));
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
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	again = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, sgt, again);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	expect_exporter_pages(test, ctx, sgt);
	dma_buf_unmap_attachment_unlocked(attach, again, DMA_TO_DEVICE);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 0);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unpins), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->detaches), 1);
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
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_PTR_EQ(test, attach->importer_priv, (void *)&ctx->imp);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(sgt));
	if (!IS_ERR_OR_NULL(sgt)) {
		expect_exporter_pages(test, ctx, sgt);
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	}
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
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
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 0);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(sgt));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), pins_per_map);
	if (!IS_ERR_OR_NULL(sgt)) {
		expect_exporter_pages(test, ctx, sgt);
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	}
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unpins), pins_per_map);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->detaches), 1);
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
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 1);
	dma_buf_unpin(attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unpins), 1);
	dma_resv_unlock(ctx->dmabuf->resv);

	dma_buf_detach(ctx->dmabuf, attach);
}

/* dma_buf_p2p_distance(), without a PCI topology. */
static bool test_p2p_reachable;

static int test_p2p_distance(struct pci_dev *provider, struct device *client)
{
	return test_p2p_reachable ? 1 : -1;
}

/*
 * An importer's consent (&dma_buf_attach_ops.allow_peer2peer) gets it an
 * exporter's P2P offer, and peer2peer; NULL importer_ops means none, and a
 * static importer.
 */
static void attach_peer2peer_flag(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	/* The stub never looks at the provider: any distinct pointer does. */
	struct pci_dev *provider = kunit_kzalloc(test, 8, GFP_KERNEL);
	struct dma_buf_attachment *p2p, *plain, *legacy;

	kunit_activate_static_stub(test, dma_buf_p2p_distance, test_p2p_distance);
	test_p2p_reachable = true;
	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&test_sgt_ops, provider);
	ctx->exp->offers[1] = DMA_BUF_SGT_OFFER(&test_sgt_ops);
	ctx->exp->noffers = 2;

	p2p = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
				     &test_importer_p2p_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p2p);
	plain = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
				       &test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, plain);
	legacy = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev, NULL, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, legacy);

	KUNIT_EXPECT_TRUE(test, p2p->peer2peer);
	KUNIT_EXPECT_PTR_EQ(test, p2p->offer.sgt_offer.p2p_provider, provider);
	KUNIT_EXPECT_FALSE(test, plain->peer2peer);
	KUNIT_EXPECT_FALSE(test, legacy->peer2peer);
	/* NULL importer_ops is a static importer: pinned and mapped at once. */
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 1);
	KUNIT_EXPECT_NOT_NULL(test, legacy->sgt);

	dma_buf_detach(ctx->dmabuf, legacy);
	dma_buf_detach(ctx->dmabuf, plain);
	dma_buf_detach(ctx->dmabuf, p2p);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->detaches), 3);

	/* Consent, but the P2P offer cannot reach it: the plain offer. */
	test_p2p_reachable = false;
	p2p = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
				     &test_importer_p2p_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p2p);
	KUNIT_EXPECT_FALSE(test, p2p->peer2peer);
	KUNIT_EXPECT_NULL(test, p2p->offer.sgt_offer.p2p_provider);
	dma_buf_detach(ctx->dmabuf, p2p);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unpins), 1);
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
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->detaches), 0);
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
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
	dma_buf_detach(ctx->dmabuf, attach);

	/* Static importer of a dynamic exporter maps in attach. */
	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENOSPC);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), COUNT(ctx->exp->detaches));
}

/*
 * The exporter cannot pin: a map that pins (a dynamic exporter without
 * DMABUF_MOVE_NOTIFY) fails with the pin's error before the exporter's
 * map, and a static importer's attach, which pins and maps at once, fails
 * with it and leaves nothing behind.
 */
static void attach_pin_error(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	struct dma_buf_attachment *attach;

	ctx->exp->pin_err = -EBUSY;
	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EBUSY);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), COUNT(ctx->exp->detaches));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);

	if (IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY))
		return;	/* a dynamic importer's map does not pin */
	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_map_attachment_unlocked(attach,
								      DMA_BIDIRECTIONAL)),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unpins), 0);
	dma_buf_detach(ctx->dmabuf, attach);
}

static struct kunit_case dma_buf_attach_cases[] = {
	KUNIT_CASE(attach_static_static),
	KUNIT_CASE(attach_static_map_interrupted),
	KUNIT_CASE(attach_dynamic_exporter_static_importer),
	KUNIT_CASE(attach_static_exporter_dynamic_importer),
	KUNIT_CASE(attach_dynamic_dynamic),
	KUNIT_CASE(attach_explicit_pin),
	KUNIT_CASE(attach_peer2peer_flag),
	KUNIT_CASE(attach_move_notify),
	KUNIT_CASE(attach_exporter_refuses),
	KUNIT_CASE(attach_map_error),
	KUNIT_CASE(attach_pin_error),
	{}
};

static struct kunit_suite dma_buf_attach_suite = {
	.name = "dma-buf-attach",
	.test_cases = dma_buf_attach_cases,
};

kunit_test_suite(dma_buf_attach_suite);

/* ---- mapping types ---- */

static int test_type_match(struct dma_buf *dmabuf, struct device *dev,
			   const struct dma_buf_mapping_offer *offer,
			   const struct dma_buf_mapping_request *request)
{
	struct test_exporter *exp = dmabuf->priv;
	long o = (long)offer->priv.data, r = (long)request->priv.data;

	if (exp->nmatches < (int)ARRAY_SIZE(exp->match_log))
		exp->match_log[exp->nmatches++] = o * 10 + r;
	return exp->verdict[o][r];
}

static const struct dma_buf_mapping_type test_type_a = {
	.name = "test-a",
	.match = test_type_match,
};

static const struct dma_buf_mapping_type test_type_b = {
	.name = "test-b",
	.match = test_type_match,
};

static const struct dma_buf_mapping_type test_type_no_match = {
	.name = "test-no-match",
};

static const struct dma_buf_mapping_type test_type_no_name = {
	.match = test_type_match,
};

/* An offer or a request of a test type, identified by @id (0..3). */
#define TEST_OFFER(_type, _id) \
	((struct dma_buf_mapping_offer){ .type = (_type), .priv.data = (void *)(_id) })
#define TEST_REQUEST(_type, _id) \
	((struct dma_buf_mapping_request){ .type = (_type), .priv.data = (void *)(_id) })

/* Contract violations the core reported, and the exporters they named. */
static int bug_reports;
static const char *bug_exporters[4];

static bool count_mapping_bug(const struct dma_buf *dmabuf, const struct device *importer,
			      const char *what, long value)
{
	if (bug_reports < ARRAY_SIZE(bug_exporters))
		bug_exporters[bug_reports] = dmabuf->exp_name;
	bug_reports++;
	/* No WARN: a test run that expects none must not see one. */
	return false;
}

static struct attach_test_ctx *native_buffer(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);

	bug_reports = 0;
	kunit_activate_static_stub(test, dma_buf_mapping_report, count_mapping_bug);
	return ctx;
}

static struct dma_buf_attachment *
native_attach(struct attach_test_ctx *ctx, const struct dma_buf_mapping_request *req,
	      unsigned int count)
{
	return dma_buf_mapping_attach(ctx->dmabuf, ctx->dev, req, count,
				      &test_importer_ops, &ctx->imp);
}

/* Map and check pages through the SGT entry points, then unmap. */
static void expect_sgt_maps(struct kunit *test, struct attach_test_ctx *ctx,
			    struct dma_buf_attachment *attach)
{
	struct sg_table *sgt;

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(sgt));
	expect_exporter_pages(test, ctx, sgt);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
}

/* The exporter's order wins over the importer's. */
static void mapping_exporter_order_wins(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		TEST_REQUEST(&test_type_b, 0), TEST_REQUEST(&test_type_a, 1),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&test_type_a, 0);
	ctx->exp->offers[1] = TEST_OFFER(&test_type_b, 1);
	ctx->exp->noffers = 2;
	attach = native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &test_type_a);
	KUNIT_EXPECT_EQ(test, (long)attach->offer.priv.data, 0);
	KUNIT_EXPECT_EQ(test, (long)attach->request.priv.data, 1);
	/* Only same-type pairs are asked, and the first match ends it. */
	KUNIT_EXPECT_EQ(test, ctx->exp->nmatches, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->match_log[0], 1);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* Among requests of one type, the importer's order decides. */
static void mapping_importer_order_within_type(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		TEST_REQUEST(&test_type_a, 0), TEST_REQUEST(&test_type_a, 1),
		TEST_REQUEST(&test_type_a, 2),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&test_type_a, 0);
	ctx->exp->noffers = 1;
	ctx->exp->verdict[0][0] = -EOPNOTSUPP;
	attach = native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, (long)attach->request.priv.data, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->nmatches, 2);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* -EOPNOTSUPP moves on to the next offer; no match at all is -EOPNOTSUPP. */
static void mapping_not_supported_falls_through(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		TEST_REQUEST(&test_type_a, 0), TEST_REQUEST(&test_type_b, 1),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&test_type_a, 0);
	ctx->exp->offers[1] = TEST_OFFER(&test_type_b, 1);
	ctx->exp->noffers = 2;
	ctx->exp->verdict[0][0] = -EOPNOTSUPP;
	attach = native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &test_type_b);
	dma_buf_detach(ctx->dmabuf, attach);

	ctx->exp->verdict[1][1] = -EOPNOTSUPP;
	attach = native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));

	/* An exporter with nothing to offer to this importer. */
	ctx->exp->noffers = -1;
	attach = native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 1);
	KUNIT_EXPECT_EQ(test, bug_reports, 0);
}

/* Any other errno aborts at once and is returned unchanged. */
static void mapping_errno_aborts(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		TEST_REQUEST(&test_type_a, 0), TEST_REQUEST(&test_type_b, 1),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&test_type_a, 0);
	ctx->exp->offers[1] = TEST_OFFER(&test_type_b, 1);
	ctx->exp->noffers = 2;
	ctx->exp->verdict[0][0] = -ENOSPC;
	attach = native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ctx->exp->nmatches, 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));

	/* The same for the exporter's offer callback. */
	ctx->exp->offers_ret = -ENXIO;
	attach = native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENXIO);
	KUNIT_EXPECT_EQ(test, bug_reports, 0);
}

/* A positive or out-of-range return is a bug: warned, and -EINVAL. */
static void mapping_bogus_return(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req[] = { TEST_REQUEST(&test_type_a, 0) };
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&test_type_a, 0);
	ctx->exp->noffers = 1;
	ctx->exp->verdict[0][0] = 1;
	attach = native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, bug_reports, 1);

	ctx->exp->verdict[0][0] = -MAX_ERRNO - 1;
	attach = native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, bug_reports, 2);

	/* A count where 0 or an errno belongs (the callback adds, not counts). */
	ctx->exp->verdict[0][0] = 0;
	ctx->exp->offers_ret = 1;
	attach = native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, bug_reports, 3);

	/* An offer without a type, and an SGT offer without ops. */
	ctx->exp->offers_ret = 0;
	ctx->exp->offers[0] = (struct dma_buf_mapping_offer){};
	attach = native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	ctx->exp->offers[0] = DMA_BUF_SGT_OFFER(NULL);
	attach = native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, bug_reports, 5);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/*
 * The offer list reaches the exporter empty, and the core reads only the
 * entries the exporter added: the entries past them are not cleared (that
 * would cost every attach), so they hold whatever the stack held (build
 * bots use INIT_STACK_NONE). Here they hold garbage, and the attach still
 * negotiates the one offer added, with no report.
 */
static void mapping_offers_only_added_read(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_SGT_REQUEST(ctx->dev, false),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->poison_unused = true;
	attach = native_attach(ctx, req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_TRUE(test, ctx->exp->offers_empty);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.sgt_offer.ops, &test_sgt_ops);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, bug_reports, 0);
}

/*
 * An exporter that adds one offer more than the list holds: the helper
 * refuses the extra entry (nothing is written past the list: KASAN watches
 * the core's stack frame), and the attach fails with -EINVAL and one report,
 * whether the exporter passes the helper's -ENOSPC on or ignores it.
 */
static void mapping_offers_overflow(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_SGT_REQUEST(ctx->dev, false),
	};
	struct dma_buf_attachment *attach;
	int i;

	for (i = 0; i < ARRAY_SIZE(ctx->exp->offers); i++)
		ctx->exp->offers[i] = DMA_BUF_SGT_OFFER(&test_sgt_ops);
	/* A full list is fine. */
	ctx->exp->noffers = DMA_BUF_MAX_MAPPING_ENTRIES;
	attach = native_attach(ctx, req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->last_add_err, 0);
	dma_buf_detach(ctx->dmabuf, attach);

	ctx->exp->noffers = DMA_BUF_MAX_MAPPING_ENTRIES + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->exp->last_add_err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, bug_reports, 1);

	ctx->exp->offers_ret = -ENOSPC;
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, bug_reports, 2);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 1);
}

/*
 * A type defined in a module holds a reference to it from the negotiation
 * to dma_buf_detach(), and gives it back on a failure after the
 * negotiation (the exporter's attach refusing); a module on its way out
 * fails the attach with -ENODEV. Counted on a stand-in module, of which
 * the core uses only the reference count and the state.
 */
static void mapping_type_module_reference(struct kunit *test)
{
#ifdef CONFIG_MODULE_UNLOAD
	struct attach_test_ctx *ctx = native_buffer(test);
	struct dma_buf_mapping_request req;
	struct dma_buf_attachment *attach;
	struct dma_buf_mapping_type *type;
	struct module *owner;

	owner = kunit_kzalloc(test, sizeof(*owner), GFP_KERNEL);
	type = kunit_kzalloc(test, sizeof(*type), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, owner);
	KUNIT_ASSERT_NOT_NULL(test, type);
	owner->state = MODULE_STATE_LIVE;
	atomic_set(&owner->refcnt, 1);	/* as a loaded module's: no users */
	KUNIT_ASSERT_EQ(test, module_refcount(owner), 0);
	*type = test_type_a;
	type->owner = owner;
	req = TEST_REQUEST(type, 0);
	ctx->exp->offers[0] = TEST_OFFER(type, 0);
	ctx->exp->noffers = 1;

	attach = native_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), 1);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), 0);

	ctx->exp->attach_err = -EBUSY;
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, &req, 1)), -EBUSY);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), 0);

	ctx->exp->attach_err = 0;
	owner->state = MODULE_STATE_GOING;
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, &req, 1)), -ENODEV);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
#else
	kunit_skip(test, "module references are counted only with CONFIG_MODULE_UNLOAD");
#endif
}

/*
 * Every contract violation is reported, naming its exporter: a second
 * buggy exporter is not silenced by the first, nor a second bug of one.
 */
static void mapping_report_every_exporter(struct kunit *test)
{
	struct attach_test_ctx *a = native_buffer(test);
	struct attach_test_ctx *b = export_test_buffer(test, &test_dynamic_ops);
	const struct dma_buf_mapping_request req[] = { TEST_REQUEST(&test_type_a, 0) };
	const char *name_a = a->dmabuf->exp_name, *name_b = b->dmabuf->exp_name;

	a->dmabuf->exp_name = "exporter-a";
	b->dmabuf->exp_name = "exporter-b";
	a->exp->offers[0] = TEST_OFFER(&test_type_a, 0);
	a->exp->noffers = 1;
	a->exp->verdict[0][0] = 1;
	b->exp->offers_ret = 1;

	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(a, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(b, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(a, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(b, req, 1)), -EINVAL);
	KUNIT_ASSERT_EQ(test, bug_reports, 4);
	KUNIT_EXPECT_STREQ(test, bug_exporters[0], "exporter-a");
	KUNIT_EXPECT_STREQ(test, bug_exporters[1], "exporter-b");
	KUNIT_EXPECT_STREQ(test, bug_exporters[2], "exporter-a");
	KUNIT_EXPECT_STREQ(test, bug_exporters[3], "exporter-b");

	/* The real report: each one asks for its call site's WARN. */
	kunit_deactivate_static_stub(test, dma_buf_mapping_report);
	KUNIT_EXPECT_TRUE(test, dma_buf_mapping_report(a->dmabuf, NULL, "kunit: a", 1));
	KUNIT_EXPECT_TRUE(test, dma_buf_mapping_report(b->dmabuf, a->dev, "kunit: b", 2));
	a->dmabuf->exp_name = name_a;
	b->dmabuf->exp_name = name_b;
}

/*
 * What peer2peer means on a native exporter's attachment: the mapping
 * may point into a PCI device's memory. An SGT offer without a provider
 * leaves it false even for an importer that consents; a P2P offer sets it;
 * a private type leaves it false.
 */
static void mapping_peer2peer_meaning(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	struct pci_dev *provider = kunit_kzalloc(test, 8, GFP_KERNEL);
	const struct dma_buf_mapping_request p2p[] = {
		TEST_REQUEST(&test_type_a, 0), DMA_BUF_SGT_REQUEST(ctx->dev, true),
	};
	struct dma_buf_attachment *attach;

	KUNIT_ASSERT_NOT_NULL(test, provider);
	test_p2p_reachable = true;
	kunit_activate_static_stub(test, dma_buf_p2p_distance, test_p2p_distance);

	ctx->exp->offers[0] = DMA_BUF_SGT_OFFER(&test_sgt_ops);
	ctx->exp->noffers = 1;
	attach = native_attach(ctx, &p2p[1], 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);

	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&test_sgt_ops, provider);
	attach = native_attach(ctx, &p2p[1], 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);

	ctx->exp->offers[0] = TEST_OFFER(&test_type_a, 0);
	attach = native_attach(ctx, p2p, ARRAY_SIZE(p2p));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &test_type_a);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* Operations without what every offer of their type needs; never called. */
static const struct dma_buf_sgt_exp_ops test_sgt_ops_no_map = {
	.unmap = test_unmap,
};

static const struct dma_buf_sgt_exp_ops test_sgt_ops_no_unmap = {
	.map = test_map,
};

static struct dma_buf_phys_list *test_pal_map_unused(struct dma_buf_attachment *attach)
{
	return ERR_PTR(-EIO);
}

static void test_pal_unmap_unused(struct dma_buf_attachment *attach,
				  struct dma_buf_phys_list *pal)
{
}

static const struct dma_buf_pal_exp_ops test_pal_ops_no_map = {
	.unmap = test_pal_unmap_unused,
};

static const struct dma_buf_pal_exp_ops test_pal_ops_no_unmap = {
	.map = test_pal_map_unused,
};

/*
 * Offers the core cannot serve are the exporter's bug, whatever the
 * importer asks for: an entry without a type, a type without match, SGT
 * or PAL operations missing, or without map or unmap. Each fails the
 * attach with -EINVAL and one report, before the exporter's attach.
 */
static void mapping_bad_offers(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_SGT_REQUEST(ctx->dev, false),
	};
	struct dma_buf_attachment *attach;
	const struct dma_buf_mapping_offer bad[] = {
		{ },
		TEST_OFFER(&test_type_no_match, 0),
		DMA_BUF_SGT_OFFER(NULL),
		DMA_BUF_SGT_OFFER(&test_sgt_ops_no_map),
		DMA_BUF_SGT_OFFER(&test_sgt_ops_no_unmap),
		DMA_BUF_PAL_OFFER(NULL),
		DMA_BUF_PAL_OFFER(&test_pal_ops_no_map),
		DMA_BUF_PAL_OFFER(&test_pal_ops_no_unmap),
	};
	int i;

	ctx->exp->noffers = 1;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ctx->exp->offers[0] = bad[i];
		attach = native_attach(ctx, req, 1);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(attach), -EINVAL, "offer %d", i);
		if (!IS_ERR(attach))
			dma_buf_detach(ctx->dmabuf, attach);
		KUNIT_EXPECT_EQ_MSG(test, bug_reports, i + 1, "offer %d", i);
	}
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 0);
}

/* Malformed requests are refused before any exporter code runs. */
static void mapping_bad_requests(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	static const struct dma_buf_attach_ops no_move_notify = {};
	struct dma_buf_mapping_request req[DMA_BUF_MAX_MAPPING_ENTRIES + 1];
	struct device *other;
	int i;

	for (i = 0; i < ARRAY_SIZE(req); i++)
		req[i] = DMA_BUF_SGT_REQUEST(ctx->dev, false);

	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, NULL, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, ARRAY_SIZE(req))),
			-EINVAL);
	req[1] = (struct dma_buf_mapping_request){};
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, 2)), -EINVAL);
	req[1] = DMA_BUF_SGT_REQUEST(NULL, true);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, 2)), -EINVAL);
	/* An SGT request is for the attaching device, not another one. */
	other = kunit_device_register(test, "dma-buf-test-other");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	req[1] = DMA_BUF_SGT_REQUEST(other, true);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, 2)), -EINVAL);
	/* A type without the operations every type needs, or without a name. */
	req[1] = TEST_REQUEST(&test_type_no_match, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, 2)), -EINVAL);
	req[1] = TEST_REQUEST(&test_type_no_name, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, req, 2)), -EINVAL);
	/* A buffer and a device to attach are not optional. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_mapping_attach(NULL, ctx->dev, req, 1,
							     &test_importer_ops, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_mapping_attach(ctx->dmabuf, NULL, req, 1,
							     &test_importer_ops, NULL)),
			-EINVAL);
	/* The new attach is for dynamic importers only. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_mapping_attach(ctx->dmabuf, ctx->dev,
							     req, 1, NULL, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_mapping_attach(ctx->dmabuf, ctx->dev,
							     req, 1, &no_move_notify,
							     NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->exp->offer_calls, 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 0);
	KUNIT_EXPECT_EQ(test, bug_reports, 0);
}

/*
 * Negotiation runs without the reservation lock, and the exporter's
 * attach callback sees the outcome before the attachment is published.
 */
static void mapping_outcome_before_publish(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;

	attach = native_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_FALSE(test, ctx->exp->resv_held_in_offers);
	KUNIT_EXPECT_PTR_EQ(test, ctx->exp->type_in_attach, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_FALSE(test, ctx->exp->listed_in_attach);
	KUNIT_EXPECT_TRUE(test, attachment_listed(attach));
	dma_buf_detach(ctx->dmabuf, attach);
}

/*
 * Native exporter, legacy importers: static (cached, pinned mapping),
 * dynamic, and NULL importer_ops through dma_buf_dynamic_attach().
 */
static void compat_native_exporter_legacy_importer(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	struct dma_buf_attachment *stat, *dyn, *null_ops;

	stat = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, stat);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_TRUE(test, stat->importer_compat);
	dma_buf_kunit_expect_bufinfo(test, stat,
				     "\tmapping=sgt\texporter=native\timporter=compat\tp2p=no");
	expect_sgt_maps(test, ctx, stat);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);

	dyn = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev, &test_importer_ops,
				     &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dyn);
	expect_sgt_maps(test, ctx, dyn);

	null_ops = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev, NULL, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, null_ops);
	KUNIT_EXPECT_NOT_NULL(test, null_ops->sgt);
	expect_sgt_maps(test, ctx, null_ops);

	dma_buf_detach(ctx->dmabuf, null_ops);
	dma_buf_detach(ctx->dmabuf, dyn);
	dma_buf_detach(ctx->dmabuf, stat);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), COUNT(ctx->exp->unmaps));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->detaches), 3);
}

/* Native exporter, native importer. */
static void compat_native_exporter_native_importer(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_static_ops);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, true);
	struct dma_buf_attachment *attach;

	attach = native_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	/* A static exporter with a dynamic importer: mapped at attach. */
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	/* Plain SGT was offered: no P2P whatever the importer accepts. */
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_kunit_expect_bufinfo(test, attach,
				     "\tmapping=sgt\texporter=native\timporter=native\tp2p=no");
	expect_sgt_maps(test, ctx, attach);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
}

/* The SGT entry points refuse an attachment of another type. */
static void mapping_sgt_map_on_other_type(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request req = TEST_REQUEST(&test_type_a, 0);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	ctx->exp->offers[0] = TEST_OFFER(&test_type_a, 0);
	ctx->exp->noffers = 1;
	attach = native_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -EINVAL);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 0);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* P2P offers match only importers that consent and can reach the device. */
static void mapping_p2p_offer(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	/* The stub never looks at the provider: any distinct pointer does. */
	struct pci_dev *provider = kunit_kzalloc(test, 8, GFP_KERNEL);
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(ctx->dev, true);
	const struct dma_buf_mapping_request plain = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;

	kunit_activate_static_stub(test, dma_buf_p2p_distance, test_p2p_distance);
	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&test_sgt_ops, provider);
	ctx->exp->offers[1] = DMA_BUF_SGT_OFFER(&test_sgt_ops);
	ctx->exp->noffers = 2;

	test_p2p_reachable = true;
	attach = native_attach(ctx, &p2p, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.sgt_offer.p2p_provider, provider);
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
	dma_buf_kunit_expect_bufinfo(test, attach,
				     "\tmapping=sgt\texporter=native\timporter=native\tp2p=yes");
	dma_buf_detach(ctx->dmabuf, attach);

	/* No consent: the plain offer. */
	attach = native_attach(ctx, &plain, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_NULL(test, attach->offer.sgt_offer.p2p_provider);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);

	/* Consent, but the topology does not allow it. */
	test_p2p_reachable = false;
	attach = native_attach(ctx, &p2p, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);

	/* A buffer that can only be reached over P2P. */
	ctx->exp->noffers = 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, &p2p, 1)), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, PTR_ERR(native_attach(ctx, &plain, 1)), -EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/*
 * Without the stub the real pci_p2pdma_distance() runs: with or without
 * PCI_P2PDMA it refuses an importer that is not a PCI device (before it
 * looks at the provider), so the plain offer wins.
 */
static void mapping_p2p_real_distance(struct kunit *test)
{
	struct attach_test_ctx *ctx = native_buffer(test);
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(ctx->dev, true);
	struct pci_dev *provider = kunit_kzalloc(test, 8, GFP_KERNEL);
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&test_sgt_ops, provider);
	ctx->exp->offers[1] = DMA_BUF_SGT_OFFER(&test_sgt_ops);
	ctx->exp->noffers = 2;
	attach = native_attach(ctx, &p2p, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);
}

struct stress_thread {
	struct attach_test_ctx *ctx;
	struct task_struct *task;
	struct completion done;
	bool native;
	int iterations, errors;
};

static int stress_attach_map(void *data)
{
	struct stress_thread *t = data;
	struct attach_test_ctx *ctx = t->ctx;
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	int i;

	for (i = 0; i < t->iterations; i++) {
		struct dma_buf_attachment *attach;
		struct sg_table *sgt;

		attach = t->native ? native_attach(ctx, &req, 1) :
				     dma_buf_attach(ctx->dmabuf, ctx->dev);
		if (IS_ERR(attach)) {
			t->errors++;
			continue;
		}
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		if (IS_ERR_OR_NULL(sgt))
			t->errors++;
		else
			dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
		dma_buf_detach(ctx->dmabuf, attach);
		cond_resched();
	}
	complete(&t->done);
	return 0;
}

static int stress_move_notify(void *data)
{
	struct stress_thread *t = data;
	int i;

	for (i = 0; i < t->iterations; i++) {
		dma_resv_lock(t->ctx->dmabuf->resv, NULL);
		dma_buf_move_notify(t->ctx->dmabuf);
		dma_resv_unlock(t->ctx->dmabuf->resv);
		cond_resched();
	}
	complete(&t->done);
	return 0;
}

/*
 * Several threads attach, map, unmap and detach natively and through the
 * legacy API while another fires move_notify, a bounded number of times.
 */
static void mapping_concurrency(struct kunit *test)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *held;
	struct stress_thread t[5] = {};
	int i;

	/* One attachment lives throughout: every move_notify reaches it. */
	held = native_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, held);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		t[i].ctx = ctx;
		t[i].native = i % 2;
		t[i].iterations = 200;
		init_completion(&t[i].done);
		t[i].task = kthread_run(i == ARRAY_SIZE(t) - 1 ? stress_move_notify :
					stress_attach_map, &t[i], "dma-buf-stress/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i].task));
	}
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		wait_for_completion(&t[i].done);
		KUNIT_EXPECT_EQ(test, t[i].errors, 0);
	}
	KUNIT_EXPECT_GE(test, ctx->imp.move_notifies, 200);
	dma_buf_detach(ctx->dmabuf, held);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 4 * 200 + 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->detaches), 4 * 200 + 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), COUNT(ctx->exp->unmaps));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
}

static struct dma_buf_attachment *failing_alloc_attachment(void)
{
	if (test_alloc_fails())
		return NULL;
	return kzalloc(sizeof(struct dma_buf_attachment), GFP_KERNEL);
}

/*
 * Fail each allocation of attach + map in turn: every failure is a clean
 * -ENOMEM, leaves nothing attached, mapped or pinned, and the buffer
 * still works afterwards.
 */
static void alloc_failures(struct kunit *test, const struct dma_buf_ops *ops,
			   bool native)
{
	struct attach_test_ctx *ctx = export_test_buffer(test, ops);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	int nth, failures = 0;

	kunit_activate_static_stub(test, dma_buf_alloc_attachment,
				   failing_alloc_attachment);
	for (nth = 1; nth < 20; nth++) {
		test_fail_nth = nth;
		attach = native ? native_attach(ctx, &req, 1) :
				  dma_buf_attach(ctx->dmabuf, ctx->dev);
		sgt = ERR_PTR(-EINVAL);
		if (!IS_ERR(attach)) {
			sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
			if (!IS_ERR(sgt))
				dma_buf_unmap_attachment_unlocked(attach, sgt,
								  DMA_BIDIRECTIONAL);
			dma_buf_detach(ctx->dmabuf, attach);
		}
		if (!test_fail_nth) {
			/* The nth allocation failed: the step that did it says so. */
			failures++;
			KUNIT_EXPECT_EQ(test, IS_ERR(attach) ? PTR_ERR(attach) : PTR_ERR(sgt),
					-ENOMEM);
		} else {
			/* Fewer allocations than nth: everything succeeded. */
			KUNIT_EXPECT_FALSE(test, IS_ERR(attach));
			KUNIT_EXPECT_FALSE(test, IS_ERR(sgt));
			test_fail_nth = 0;
			break;
		}
		KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
		KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), COUNT(ctx->exp->detaches));
		KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), COUNT(ctx->exp->unmaps));
		KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
	}
	test_fail_nth = 0;
	/* The attachment, the exporter's attach state and the sg_table. */
	KUNIT_EXPECT_GE(test, failures, 3);
	KUNIT_EXPECT_LT(test, nth, 20);
}

static void mapping_alloc_failures_native(struct kunit *test)
{
	alloc_failures(test, &test_dynamic_ops, true);
}

static void mapping_alloc_failures_static_importer(struct kunit *test)
{
	alloc_failures(test, &test_dynamic_ops, false);
}

static struct kunit_case dma_buf_mapping_cases[] = {
	KUNIT_CASE(mapping_exporter_order_wins),
	KUNIT_CASE(mapping_importer_order_within_type),
	KUNIT_CASE(mapping_not_supported_falls_through),
	KUNIT_CASE(mapping_errno_aborts),
	KUNIT_CASE(mapping_bogus_return),
	KUNIT_CASE(mapping_offers_only_added_read),
	KUNIT_CASE(mapping_offers_overflow),
	KUNIT_CASE(mapping_type_module_reference),
	KUNIT_CASE(mapping_report_every_exporter),
	KUNIT_CASE(mapping_peer2peer_meaning),
	KUNIT_CASE(mapping_bad_offers),
	KUNIT_CASE(mapping_bad_requests),
	KUNIT_CASE(mapping_outcome_before_publish),
	KUNIT_CASE(compat_native_exporter_legacy_importer),
	KUNIT_CASE(compat_native_exporter_native_importer),
	KUNIT_CASE(mapping_sgt_map_on_other_type),
	KUNIT_CASE(mapping_p2p_offer),
	KUNIT_CASE(mapping_p2p_real_distance),
	KUNIT_CASE(mapping_concurrency),
	KUNIT_CASE(mapping_alloc_failures_native),
	KUNIT_CASE(mapping_alloc_failures_static_importer),
	{}
};

static struct kunit_suite dma_buf_mapping_suite = {
	.name = "dma-buf-mapping",
	.test_cases = dma_buf_mapping_cases,
};

kunit_test_suite(dma_buf_mapping_suite);

#if IS_ENABLED(CONFIG_PCI_P2PDMA)
/*
 * The P2P rule on real PCI topology (the x86_64 test VM): two virtio-gpu
 * cards behind one PCIe switch, and a device on another root port. The
 * host bridge of the VM is not on the P2P whitelist (QEMU runs with
 * -cpu qemu64), so only the path through the switch allows P2P.
 */
#define VIRTIO_GPU_PCI_DEVICE	0x1050

struct p2p_topology {
	struct pci_dev *gpu_a, *gpu_b, *other;
};

static void put_pci_dev(void *pdev)
{
	pci_dev_put(pdev);
}

static struct pci_dev *hold_pci_dev(struct kunit *test, struct pci_dev *pdev)
{
	pci_dev_get(pdev);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, put_pci_dev, pdev));
	return pdev;
}

static void find_topology(struct kunit *test, struct p2p_topology *t)
{
	struct pci_dev *pdev = NULL;

	memset(t, 0, sizeof(*t));
	while ((pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET,
				      VIRTIO_GPU_PCI_DEVICE, pdev))) {
		if (!t->gpu_a)
			t->gpu_a = hold_pci_dev(test, pdev);
		else if (!t->gpu_b)
			t->gpu_b = hold_pci_dev(test, pdev);
	}
	if (!t->gpu_a || !t->gpu_b)
		kunit_skip(test, "needs two virtio-gpu PCI devices");
	KUNIT_ASSERT_PTR_EQ_MSG(test, pcie_find_root_port(t->gpu_a),
				pcie_find_root_port(t->gpu_b),
				"the two cards must share a root port (one switch)");

	/* An endpoint behind another root port. */
	pdev = NULL;
	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		struct pci_dev *rp = pcie_find_root_port(pdev);

		if (rp && rp != pcie_find_root_port(t->gpu_a) &&
		    pdev->hdr_type == PCI_HEADER_TYPE_NORMAL) {
			t->other = hold_pci_dev(test, pdev);
			pci_dev_put(pdev);
			break;
		}
	}
	if (!t->other)
		kunit_skip(test, "needs an endpoint behind another root port");
}

static struct attach_test_ctx *p2p_buffer(struct kunit *test,
					  struct pci_dev *provider)
{
	struct attach_test_ctx *ctx = native_buffer(test);

	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&test_sgt_ops, provider);
	ctx->exp->noffers = 1;
	return ctx;
}

static struct dma_buf_attachment *p2p_attach(struct attach_test_ctx *ctx,
					     struct pci_dev *importer,
					     bool allow_p2p)
{
	const struct dma_buf_mapping_request req =
		DMA_BUF_SGT_REQUEST(&importer->dev, allow_p2p);

	return dma_buf_mapping_attach(ctx->dmabuf, &importer->dev, &req, 1,
				      &test_importer_ops, &ctx->imp);
}

/* A consenting importer behind the same switch gets the P2P offer. */
static void p2p_same_switch(struct kunit *test)
{
	struct dma_buf_attachment *attach;
	struct attach_test_ctx *ctx;
	struct p2p_topology t;

	find_topology(test, &t);
	/*
	 * The same decision with a translating IOMMU (the VM's iommu
	 * topology): the switch's downstream ports have no ACS capability,
	 * so nothing redirects the cards' requests upstream to the IOMMU
	 * and the switch routes them to each other at bus addresses.
	 */
	KUNIT_EXPECT_EQ(test, pci_find_ext_capability(pci_upstream_bridge(t.gpu_b),
						      PCI_EXT_CAP_ID_ACS), 0);
	KUNIT_ASSERT_GE(test, pci_p2pdma_distance(t.gpu_a, &t.gpu_b->dev, false), 0);
	ctx = p2p_buffer(test, t.gpu_a);
	attach = p2p_attach(ctx, t.gpu_b, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.sgt_offer.p2p_provider, t.gpu_a);
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, bug_reports, 0);
}

/* The same importer without consent does not match. */
static void p2p_same_switch_no_consent(struct kunit *test)
{
	struct attach_test_ctx *ctx;
	struct p2p_topology t;

	find_topology(test, &t);
	ctx = p2p_buffer(test, t.gpu_a);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p2p_attach(ctx, t.gpu_b, false)),
			-EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/* A consenting importer on another root port is refused by the topology. */
static void p2p_other_root_port(struct kunit *test)
{
	struct dma_buf_attachment *attach;
	struct attach_test_ctx *ctx;
	struct p2p_topology t;

	find_topology(test, &t);
	KUNIT_ASSERT_LT(test, pci_p2pdma_distance(t.gpu_a, &t.other->dev, false), 0);
	ctx = p2p_buffer(test, t.gpu_a);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p2p_attach(ctx, t.other, true)),
			-EOPNOTSUPP);

	/* With a plain offer after the P2P one, that is what it gets. */
	ctx->exp->offers[1] = DMA_BUF_SGT_OFFER(&test_sgt_ops);
	ctx->exp->noffers = 2;
	attach = p2p_attach(ctx, t.other, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_NULL(test, attach->offer.sgt_offer.p2p_provider);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);
}

static struct kunit_case dma_buf_p2p_topology_cases[] = {
	KUNIT_CASE(p2p_same_switch),
	KUNIT_CASE(p2p_same_switch_no_consent),
	KUNIT_CASE(p2p_other_root_port),
	{}
};

static struct kunit_suite dma_buf_p2p_topology_suite = {
	.name = "dma-buf-p2p-topology",
	.test_cases = dma_buf_p2p_topology_cases,
};

kunit_test_suite(dma_buf_p2p_topology_suite);
#endif /* CONFIG_PCI_P2PDMA */

#if IS_ENABLED(CONFIG_DMABUF_KUNIT_BENCH)
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
		attach = native ? native_attach(ctx, &req, 1) :
				  dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
							 &test_importer_ops, &ctx->imp);
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
	struct attach_test_ctx *ctx = export_test_buffer(test, &test_dynamic_ops);
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
		attach = native_attach(ctx, req, count);
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
			ctx = native_buffer(test);
			ctx->exp->verdict[0][0] = -EOPNOTSUPP;
			for (i = 0; i < lens[n] - 1; i++)
				ctx->exp->offers[i] = TEST_OFFER(&test_type_a, 0);
			ctx->exp->offers[i] = DMA_BUF_SGT_OFFER(&test_sgt_ops);
			ctx->exp->noffers = lens[n];
			for (i = 0; i < lens[m] - 1; i++)
				req[i] = TEST_REQUEST(&test_type_a, 0);
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
		ctx = native_buffer(test);
		ctx->exp->bench = true;
		req[0] = DMA_BUF_SGT_REQUEST(ctx->dev, false);
		for (i = 0; i < others[k]; i++) {
			other[i] = native_attach(ctx, req, 1);
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
	.name = "dma-buf-bench",
	.test_cases = dma_buf_bench_cases,
};

kunit_test_suite(dma_buf_bench_suite);
#endif /* CONFIG_DMABUF_KUNIT_BENCH */

MODULE_DESCRIPTION("KUnit tests for dma-buf attachments");
MODULE_LICENSE("GPL");
