// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dma_buf_attach: the attachment API as legacy importers use
 * it: static and dynamic attach, the mapping cache, pinning, peer2peer,
 * move_notify and error propagation. It must keep passing unchanged for
 * importers that are not converted.
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

static void attach_static_static(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_static_ops);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	KUNIT_EXPECT_NULL(test, attach->importer_ops);
	KUNIT_EXPECT_TRUE(test, attach_test_listed(attach));

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_TRUE(test, ctx->exp->resv_held_in_map);
	attach_test_expect_pages(test, ctx, sgt);
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_static_ops);
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
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
	attach_test_expect_pages(test, ctx, sgt);
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_static_ops);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&attach_test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_PTR_EQ(test, attach->importer_priv, (void *)&ctx->imp);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(sgt));
	if (!IS_ERR_OR_NULL(sgt)) {
		attach_test_expect_pages(test, ctx, sgt);
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
	int pins_per_map = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : 1;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&attach_test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 0);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(sgt));
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), pins_per_map);
	if (!IS_ERR_OR_NULL(sgt)) {
		attach_test_expect_pages(test, ctx, sgt);
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
	struct dma_buf_attachment *attach;

	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&attach_test_importer_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	KUNIT_EXPECT_EQ(test, dma_buf_pin(attach), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 1);
	dma_buf_unpin(attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unpins), 1);
	dma_resv_unlock(ctx->dmabuf->resv);

	dma_buf_detach(ctx->dmabuf, attach);
}

/*
 * An importer's consent (&dma_buf_attach_ops.allow_peer2peer) gets it an
 * exporter's P2P offer, and peer2peer; NULL importer_ops means none, and a
 * static importer.
 */
static void attach_peer2peer_flag(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
	/* The stub never looks at the provider: any distinct pointer does. */
	struct pci_dev *provider = kunit_kzalloc(test, 8, GFP_KERNEL);
	struct dma_buf_attachment *p2p, *plain, *legacy;

	kunit_activate_static_stub(test, dma_buf_p2p_distance, attach_test_p2p_distance);
	attach_test_p2p_reachable = true;
	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&attach_test_sgt_ops, provider);
	ctx->exp->offers[1] = DMA_BUF_SGT_OFFER(&attach_test_sgt_ops);
	ctx->exp->noffers = 2;

	p2p = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
				     &attach_test_importer_p2p_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p2p);
	plain = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
				       &attach_test_importer_ops, &ctx->imp);
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
	attach_test_p2p_reachable = false;
	p2p = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
				     &attach_test_importer_p2p_ops, &ctx->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p2p);
	KUNIT_EXPECT_FALSE(test, p2p->peer2peer);
	KUNIT_EXPECT_NULL(test, p2p->offer.sgt_offer.p2p_provider);
	dma_buf_detach(ctx->dmabuf, p2p);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unpins), 1);
}

/* move_notify reaches dynamic importers only, under the reservation lock. */
static void attach_move_notify(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
	struct dma_buf_attachment *dynamic, *legacy;

	dynamic = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					 &attach_test_importer_ops, &ctx->imp);
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_static_ops);
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	ctx->exp->map_err = -ENOSPC;
	attach = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev,
					&attach_test_importer_ops, &ctx->imp);
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
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
					&attach_test_importer_ops, &ctx->imp);
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
	.name = "dma_buf_attach",
	.test_cases = dma_buf_attach_cases,
};

kunit_test_suite(dma_buf_attach_suite);
