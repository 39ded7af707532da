// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of xe's real dma-buf callbacks on a mock device: real BOs of a
 * fake DG2 (xe's own TTM driver, system and VRAM managers, no hardware) are
 * exported with xe_dmabuf_ops, and the offers xe makes, the attachment the
 * core negotiates, the runtime PM reference and the table a map returns
 * are checked. Included from xe_dma_buf.c, for its static callbacks.
 *
 * A user BO can only be created in system memory here: placing one in VRAM
 * clears it with the migrate engine, which a mock device does not have. The
 * VRAM case is a kernel BO pinned in VRAM (kernel BOs are not cleared),
 * which is what a scanout buffer looks like to the exporter.
 */

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/delay.h>
#include <linux/dma-buf-mapping.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>

#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <drm/ttm/ttm_tt.h>

#include "tests/xe_dma_buf_real_test.h"
#include "tests/xe_kunit_helpers.h"
#include "tests/xe_pci_test.h"

#include "xe_ttm_sys_mgr.h"
#include "xe_ttm_vram_mgr.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* VRAM behind a made-up BAR above any RAM: dma_map_resource() maps it 1:1. */
#define REAL_VRAM_SIZE	SZ_64M
#define REAL_IO_START	BIT_ULL(39)

static void real_ttm_fini(struct drm_device *drm, void *arg)
{
	struct xe_device *xe = arg;

	ttm_device_fini(&xe->ttm);
}

static void real_dma_capable(struct kunit *test, struct device *dev)
{
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
}

static struct xe_pci_fake_data real_dg2 = {
	.platform = XE_DG2,
	.subplatform = XE_SUBPLATFORM_NONE,
};

/*
 * The mock xe device, and what xe_device_create() and the tile's memory
 * init would have set up for BOs: the TTM device with xe_ttm_funcs, the
 * system manager, one VRAM manager, and the locks BO pin and destroy take.
 * Released with the DRM device (drmm), TTM last.
 */
static int xe_dma_buf_real_init(struct kunit *test)
{
	struct xe_ttm_vram_mgr *vram_mgr;
	struct xe_device *xe;
	struct xe_tile *tile;
	int err;

	test->priv = &real_dg2;
	xe_kunit_helper_xe_device_test_init(test);
	xe = test->priv;
	KUNIT_ASSERT_TRUE(test, IS_DGFX(xe));
	real_dma_capable(test, xe->drm.dev);

	spin_lock_init(&xe->pinned.lock);
	INIT_LIST_HEAD(&xe->pinned.kernel_bo_present);
	INIT_LIST_HEAD(&xe->pinned.external_vram);
	INIT_LIST_HEAD(&xe->pinned.evicted);
	KUNIT_ASSERT_EQ(test, drmm_mutex_init(&xe->drm, &xe->mem_access.vram_userfault.lock), 0);
	INIT_LIST_HEAD(&xe->mem_access.vram_userfault.list);

	err = ttm_device_init(&xe->ttm, &xe_ttm_funcs, xe->drm.dev,
			      xe->drm.anon_inode->i_mapping,
			      xe->drm.vma_offset_manager, false, false);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, drmm_add_action_or_reset(&xe->drm, real_ttm_fini, xe), 0);
	KUNIT_ASSERT_EQ(test, xe_ttm_sys_mgr_init(xe), 0);

	tile = xe_device_get_root_tile(xe);
	tile->mem.vram.io_start = REAL_IO_START;
	tile->mem.vram.io_size = REAL_VRAM_SIZE;
	tile->mem.vram.usable_size = REAL_VRAM_SIZE;
	tile->mem.vram.actual_physical_size = REAL_VRAM_SIZE;
	vram_mgr = drmm_kzalloc(&xe->drm, sizeof(*vram_mgr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vram_mgr);
	tile->mem.vram_mgr = vram_mgr;
	KUNIT_ASSERT_EQ(test, xe_ttm_vram_mgr_init(tile, vram_mgr), 0);
	return 0;
}

static bool real_p2p_reachable;

static int real_p2p_distance(struct pci_dev *provider, struct device *client)
{
	return real_p2p_reachable ? 1 : -1;
}

/*
 * The last put of a dma-buf from a kernel thread is deferred: release it,
 * and a BO TTM destroys from its workqueue, while the device exists.
 */
static void real_put_dmabuf(void *arg)
{
	struct dma_buf *dmabuf = arg;
	struct xe_device *xe = to_xe_device(((struct drm_gem_object *)dmabuf->priv)->dev);

	dma_buf_put(dmabuf);
	flush_delayed_fput();
	flush_workqueue(xe->ttm.wq);
}

/* Export @bo as PRIME does; the dma-buf takes the caller's reference. */
static struct dma_buf *real_export(struct kunit *test, struct xe_bo *bo)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;

	info.ops = &xe_dmabuf_ops;
	info.size = bo->ttm.base.size;
	info.flags = O_RDWR;
	info.priv = &bo->ttm.base;
	info.resv = bo->ttm.base.resv;
	dmabuf = drm_gem_dmabuf_export(bo->ttm.base.dev, &info);
	xe_bo_put(bo);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, real_put_dmabuf, dmabuf), 0);
	return dmabuf;
}

static void real_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops real_importer_ops = {
	.allow_peer2peer = true,
	.invalidate_mappings = real_invalidate,
};

static int real_pm_usage(struct xe_device *xe)
{
#ifdef CONFIG_PM
	return atomic_read(&xe->drm.dev->power.usage_count);
#else
	return 0;
#endif
}

/*
 * A dynamic SGT importer on a DMA-capable device of its own, with or
 * without P2P consent; the exporter holds one more runtime PM reference.
 */
static struct dma_buf_attachment *real_attach(struct kunit *test, struct dma_buf *dmabuf,
					      bool consent)
{
	struct xe_device *xe = to_xe_device(((struct drm_gem_object *)dmabuf->priv)->dev);
	struct dma_buf_mapping_request request;
	struct dma_buf_attachment *attach;
	static atomic_t instance;
	int usage = real_pm_usage(xe);
	struct device *dev;
	char name[32];

	snprintf(name, sizeof(name), "xe-real-importer.%d", atomic_inc_return(&instance));
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	real_dma_capable(test, dev);
	request = DMA_BUF_SGT_REQUEST(dev, consent);
	attach = dma_buf_mapping_attach(dmabuf, dev, &request, 1, &real_importer_ops, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	if (IS_ENABLED(CONFIG_PM))
		KUNIT_EXPECT_EQ(test, real_pm_usage(xe), usage + 1);
	return attach;
}

static void real_detach(struct kunit *test, struct dma_buf *dmabuf,
			struct dma_buf_attachment *attach)
{
	struct xe_device *xe = to_xe_device(((struct drm_gem_object *)dmabuf->priv)->dev);
	int usage = real_pm_usage(xe);

	dma_buf_detach(dmabuf, attach);
	if (IS_ENABLED(CONFIG_PM))
		KUNIT_EXPECT_EQ(test, real_pm_usage(xe), usage - 1);
}

/* xe's own get_mapping_offers: which SGT offers, P2P first, nothing past them. */
static void expect_real_offers(struct kunit *test, struct dma_buf *dmabuf, bool p2p, bool tt)
{
	struct dma_buf_mapping_offers list = {};
	struct dma_buf_mapping_offer *offers = list.entries;
	struct drm_gem_object *obj = dmabuf->priv;
	int i = 0;

	memset(list.entries, 0x5a, sizeof(list.entries));
	KUNIT_ASSERT_EQ(test, xe_dma_buf_get_mapping_offers(dmabuf, NULL, &list), 0);
	KUNIT_ASSERT_EQ(test, list.count, p2p + tt);
	if (p2p) {
		KUNIT_EXPECT_PTR_EQ(test, offers[i].type, &dma_buf_mapping_sgt);
		KUNIT_EXPECT_PTR_EQ(test, offers[i].sgt_offer.p2p_provider,
				    to_pci_dev(obj->dev->dev));
		i++;
	}
	if (tt) {
		KUNIT_EXPECT_PTR_EQ(test, offers[i].type, &dma_buf_mapping_sgt);
		KUNIT_EXPECT_NULL(test, offers[i].sgt_offer.p2p_provider);
		i++;
	}
	for (; i < ARRAY_SIZE(list.entries); i++)
		KUNIT_EXPECT_NULL(test, memchr_inv(&offers[i], 0x5a, sizeof(offers[i])));
}

/*
 * Map through the core and xe's map: expect @err, or the BO's own pages
 * when it is in TT, and bus addresses in the VRAM BAR covering it once
 * when it is in VRAM.
 */
static void expect_real_map(struct kunit *test, struct dma_buf_attachment *attach,
			    struct xe_bo *bo, int err)
{
	struct sg_dma_page_iter iter;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i = 0;
	u64 len = 0;

	dma_resv_lock(attach->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (err || IS_ERR(sgt)) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), err);
		if (!IS_ERR(sgt))
			dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
		dma_resv_unlock(attach->dmabuf->resv);
		return;
	}
	if (xe_bo_is_mem_type(bo, XE_PL_TT)) {
		for_each_sgtable_dma_page(sgt, &iter, 0) {
			if (i < bo->ttm.ttm->num_pages)
				KUNIT_EXPECT_EQ(test, sg_page_iter_dma_address(&iter),
						page_to_phys(bo->ttm.ttm->pages[i]));
			i++;
		}
		KUNIT_EXPECT_EQ(test, i, bo->ttm.ttm->num_pages);
	} else {
		KUNIT_EXPECT_TRUE(test, xe_bo_is_mem_type(bo, XE_PL_VRAM0));
		for_each_sgtable_dma_sg(sgt, sg, i) {
			KUNIT_EXPECT_NULL(test, sg_page(sg));
			KUNIT_EXPECT_GE(test, sg_dma_address(sg), REAL_IO_START);
			KUNIT_EXPECT_LE(test, sg_dma_address(sg) + sg_dma_len(sg),
					REAL_IO_START + REAL_VRAM_SIZE);
			len += sg_dma_len(sg);
		}
		KUNIT_EXPECT_EQ(test, len, bo->size);
	}
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(attach->dmabuf->resv);
}

/* Where the BO is placed: read under its reservation lock, as xe requires. */
static bool real_bo_placed_in(struct xe_bo *bo, u32 mem_type)
{
	bool placed;

	xe_bo_lock(bo, false);
	placed = xe_bo_is_mem_type(bo, mem_type);
	xe_bo_unlock(bo);
	return placed;
}

/*
 * A user BO in system memory: the TT offer alone, so a consenting importer
 * gets plain SGT too, and a map hands it the BO's pages.
 */
static void xe_dma_buf_real_system_bo(struct kunit *test)
{
	struct xe_device *xe = test->priv;
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct xe_bo *bo;

	bo = xe_bo_create_user(xe, NULL, NULL, SZ_64K, DRM_XE_GEM_CPU_CACHING_WB,
			       XE_BO_FLAG_SYSTEM);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bo);
	KUNIT_ASSERT_TRUE(test, real_bo_placed_in(bo, XE_PL_TT));
	dmabuf = real_export(test, bo);
	expect_real_offers(test, dmabuf, false, true);

	attach = real_attach(test, dmabuf, true);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	expect_real_map(test, attach, bo, 0);
	real_detach(test, dmabuf, attach);
}

static void real_unpin(void *arg)
{
	struct xe_bo *bo = arg;

	xe_bo_lock(bo, false);
	xe_bo_unpin(bo);
	xe_bo_unlock(bo);
}

/*
 * A BO pinned in VRAM that could also live in TT: both offers. A P2P
 * importer is given VRAM bus addresses; an importer without P2P consent
 * got the TT offer at attach and its map is refused while the pin holds,
 * never handed VRAM. Without DMABUF_MOVE_NOTIFY the core pins every
 * dynamic map, and xe refuses to pin a BO pinned outside TT.
 */
static void xe_dma_buf_real_pinned_vram_bo(struct kunit *test)
{
	int refused = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? -EOPNOTSUPP : -EINVAL;
	int p2p = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : -EINVAL;
	struct dma_buf_attachment *peer, *plain;
	struct xe_device *xe = test->priv;
	struct dma_buf *dmabuf;
	struct xe_bo *bo;
	int ret;

	kunit_activate_static_stub(test, dma_buf_p2p_distance, real_p2p_distance);
	real_p2p_reachable = true;

	bo = xe_bo_create(xe, xe_device_get_root_tile(xe), NULL, SZ_64K, ttm_bo_type_kernel,
			  XE_BO_FLAG_VRAM0 | XE_BO_FLAG_PINNED);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bo);
	KUNIT_ASSERT_TRUE(test, real_bo_placed_in(bo, XE_PL_VRAM0));
	/* Asserted once unlocked: a failed assertion leaves the case at once. */
	xe_bo_lock(bo, false);
	ret = xe_bo_pin(bo);
	xe_bo_unlock(bo);
	KUNIT_ASSERT_EQ(test, ret, 0);
	dmabuf = real_export(test, bo);
	/* Unpinned before the dma-buf is released, whatever fails below. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, real_unpin, bo), 0);
	expect_real_offers(test, dmabuf, true, true);

	peer = real_attach(test, dmabuf, true);
	KUNIT_EXPECT_TRUE(test, peer->peer2peer);
	expect_real_map(test, peer, bo, p2p);
	plain = real_attach(test, dmabuf, false);
	KUNIT_EXPECT_FALSE(test, plain->peer2peer);
	expect_real_map(test, plain, bo, refused);

	/* Out of P2P reach, a consenting importer gets TT, refused alike. */
	real_p2p_reachable = false;
	real_detach(test, dmabuf, peer);
	peer = real_attach(test, dmabuf, true);
	KUNIT_EXPECT_FALSE(test, peer->peer2peer);
	expect_real_map(test, peer, bo, refused);

	real_detach(test, dmabuf, peer);
	real_detach(test, dmabuf, plain);
}

struct real_attacher {
	struct dma_buf *dmabuf;
	struct device *dev;
	struct dma_buf_attachment *attach;
	struct completion ready, done;
};

static int real_attacher_fn(void *arg)
{
	struct real_attacher *a = arg;
	struct dma_buf_mapping_request request = DMA_BUF_SGT_REQUEST(a->dev, true);

	/* Kernel threads ignore signals unless they allow them. */
	allow_signal(SIGUSR1);
	complete(&a->ready);
	a->attach = dma_buf_mapping_attach(a->dmabuf, a->dev, &request, 1,
					   &real_importer_ops, NULL);
	complete(&a->done);
	return 0;
}

/*
 * xe reads the BO's placement for its offers under the BO lock, taken
 * uninterruptibly: a signal that arrives while an attach waits for the
 * lock does not fail the attach (6.12's attach never returned -EINTR, and
 * PRIME_FD_TO_HANDLE callers do not retry). The test holds the lock,
 * signals the attaching thread, and lets it go once it sleeps.
 */
static void xe_dma_buf_real_attach_signalled(struct kunit *test)
{
	struct xe_device *xe = test->priv;
	struct task_struct *task;
	struct real_attacher a;
	struct xe_bo *bo;
	int tries;

	bo = xe_bo_create_user(xe, NULL, NULL, SZ_64K, DRM_XE_GEM_CPU_CACHING_WB,
			       XE_BO_FLAG_SYSTEM);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bo);
	a.dmabuf = real_export(test, bo);
	a.dev = kunit_device_register(test, "xe-real-signalled");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a.dev);
	real_dma_capable(test, a.dev);
	init_completion(&a.ready);
	init_completion(&a.done);

	dma_resv_lock(a.dmabuf->resv, NULL);
	task = kthread_create(real_attacher_fn, &a, "xe-real-attacher");
	if (IS_ERR(task)) {
		dma_resv_unlock(a.dmabuf->resv);
		KUNIT_FAIL_AND_ABORT(test, "kthread_create: %pe", task);
	}
	get_task_struct(task);
	wake_up_process(task);
	wait_for_completion(&a.ready);
	send_sig(SIGUSR1, task, 1);
	/* Until it sleeps on the lock, or has given up on it. */
	for (tries = 0; tries < 5000 && !completion_done(&a.done) &&
	     READ_ONCE(task->__state) == TASK_RUNNING; tries++)
		usleep_range(200, 400);
	dma_resv_unlock(a.dmabuf->resv);
	wait_for_completion(&a.done);
	put_task_struct(task);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a.attach);
	KUNIT_EXPECT_PTR_EQ(test, a.attach->mapping_type, &dma_buf_mapping_sgt);
	dma_buf_detach(a.dmabuf, a.attach);
}

static struct kunit_case xe_dma_buf_real_cases[] = {
	KUNIT_CASE(xe_dma_buf_real_system_bo),
	KUNIT_CASE(xe_dma_buf_real_pinned_vram_bo),
	KUNIT_CASE(xe_dma_buf_real_attach_signalled),
	{}
};

/*
 * Built into xe.ko (the cases reach its static functions) and registered
 * by the test module, xe_test.ko, like xe's own suites: loading xe on a
 * machine runs no test.
 */
VISIBLE_IF_KUNIT
struct kunit_suite xe_dma_buf_real_suite = {
	.name = "xe_dma_buf_offers_real",
	.init = xe_dma_buf_real_init,
	.test_cases = xe_dma_buf_real_cases,
};
EXPORT_SYMBOL_IF_KUNIT(xe_dma_buf_real_suite);
