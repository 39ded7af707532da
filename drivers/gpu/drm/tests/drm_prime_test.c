// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the GEM PRIME helpers. As seen by importers: the errno
 * an attach to a GEM object without get_sg_table fails with is uAPI
 * (PRIME_FD_TO_HANDLE returns it), and must stay what it was before the
 * helpers became a native dma-buf exporter. As importers: an import made
 * by drm_gem_prime_attach_pinned() is freed completely by
 * drm_prime_gem_destroy(), whatever type it negotiated, and a signal does
 * not fail an import that waits for the exporter's lock (6.12's did not).
 */

#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-mapping.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/kthread.h>
#include <linux/scatterlist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>

#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_gem.h>
#include <drm/drm_kunit_helpers.h>
#include <drm/drm_prime.h>

#define TEST_SIZE	SZ_64K

static void drm_prime_test_free(struct drm_gem_object *obj)
{
	drm_gem_object_release(obj);
	kfree(obj);
}

static struct sg_table *drm_prime_test_get_sg_table(struct drm_gem_object *obj)
{
	return ERR_PTR(-ENOMEM);
}

/* A GEM object that cannot give its pages: vram or host-only objects. */
static const struct drm_gem_object_funcs drm_prime_test_no_sgt_funcs = {
	.free = drm_prime_test_free,
};

static const struct drm_gem_object_funcs drm_prime_test_sgt_funcs = {
	.free = drm_prime_test_free,
	.get_sg_table = drm_prime_test_get_sg_table,
};

/* Export a new object with @funcs through the default helpers. */
static struct dma_buf *drm_prime_test_export(struct kunit *test,
					     const struct drm_gem_object_funcs *funcs)
{
	struct drm_device *drm = test->priv;
	struct drm_gem_object *obj;
	struct dma_buf *dmabuf;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->funcs = funcs;
	drm_gem_private_object_init(drm, obj, TEST_SIZE);
	dmabuf = drm_gem_prime_export(obj, O_RDWR);
	/* The dma-buf holds its own reference to the object. */
	drm_gem_object_put(obj);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	return dmabuf;
}

/*
 * 6.12 refused the attach in drm_gem_map_attach() with ENOSYS; the native
 * export path must refuse it with the same errno, from the same place
 * (not with the negotiation's EOPNOTSUPP), and leave nothing attached.
 */
static void drm_prime_test_attach_without_sg_table(struct kunit *test)
{
	struct dma_buf *dmabuf = drm_prime_test_export(test, &drm_prime_test_no_sgt_funcs);
	struct dma_buf_attachment probe = { .dmabuf = dmabuf };
	struct drm_device *drm = test->priv;
	struct dma_buf_attachment *attach;
	int want;

	KUNIT_EXPECT_TRUE(test, dmabuf->ops->get_mapping_offers ==
				drm_gem_dmabuf_get_mapping_offers);
	/* What 6.12's attach callback answers for this object. */
	want = drm_gem_map_attach(dmabuf, &probe);
	KUNIT_EXPECT_LT(test, want, 0);
	attach = dma_buf_attach(dmabuf, drm->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), want);
	KUNIT_EXPECT_NE(test, PTR_ERR(attach), -EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));
	dma_buf_put(dmabuf);
}

/* With get_sg_table the same attach works, and offers SGT natively. */
static void drm_prime_test_attach_with_sg_table(struct kunit *test)
{
	struct dma_buf *dmabuf = drm_prime_test_export(test, &drm_prime_test_sgt_funcs);
	struct drm_device *drm = test->priv;
	struct dma_buf_attachment *attach;

	attach = dma_buf_attach(dmabuf, drm->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
}

/*
 * A dynamic exporter offering a PAL of one page, which counts what the
 * importer does to it and notes an unpin that comes while a list is still
 * mapped (the exporter may move the buffer as soon as it is unpinned).
 */
struct drm_prime_test_pal_exporter {
	struct page *page;
	int maps, unmaps, pins, unpins;
	bool unpinned_while_mapped;
	/* What pin and map return instead (0: they work). */
	int pin_err, map_err;
};

static struct dma_buf_phys_list *drm_prime_test_pal_map(struct dma_buf_attachment *attach)
{
	struct drm_prime_test_pal_exporter *exp = attach->dmabuf->priv;
	struct dma_buf_phys_list *pal;

	if (exp->map_err)
		return ERR_PTR(exp->map_err);
	pal = dma_buf_phys_list_alloc(1);
	if (!pal)
		return ERR_PTR(-ENOMEM);
	pal->ranges[0].paddr = page_to_phys(exp->page);
	pal->ranges[0].len = PAGE_SIZE;
	exp->maps++;
	return pal;
}

static void drm_prime_test_pal_unmap(struct dma_buf_attachment *attach,
				     struct dma_buf_phys_list *pal)
{
	struct drm_prime_test_pal_exporter *exp = attach->dmabuf->priv;

	exp->unmaps++;
	dma_buf_phys_list_free(pal);
}

static const struct dma_buf_pal_exp_ops drm_prime_test_pal_ops = {
	.map = drm_prime_test_pal_map,
	.unmap = drm_prime_test_pal_unmap,
};

static int drm_prime_test_pal_offers(struct dma_buf *dmabuf,
				     struct dma_buf_attachment *attach,
				     struct dma_buf_mapping_offers *offers)
{
	return dma_buf_mapping_offer_add(offers, DMA_BUF_PAL_OFFER(&drm_prime_test_pal_ops));
}

static int drm_prime_test_pal_pin(struct dma_buf_attachment *attach)
{
	struct drm_prime_test_pal_exporter *exp = attach->dmabuf->priv;

	if (exp->pin_err)
		return exp->pin_err;
	exp->pins++;
	return 0;
}

static void drm_prime_test_pal_unpin(struct dma_buf_attachment *attach)
{
	struct drm_prime_test_pal_exporter *exp = attach->dmabuf->priv;

	if (exp->maps != exp->unmaps)
		exp->unpinned_while_mapped = true;
	exp->unpins++;
}

static void drm_prime_test_pal_release(struct dma_buf *dmabuf)
{
}

static const struct dma_buf_ops drm_prime_test_pal_dma_buf_ops = {
	.get_mapping_offers = drm_prime_test_pal_offers,
	.pin = drm_prime_test_pal_pin,
	.unpin = drm_prime_test_pal_unpin,
	.release = drm_prime_test_pal_release,
};

static int drm_prime_test_reports;

static bool drm_prime_test_count_report(const struct dma_buf *dmabuf,
					const struct device *importer,
					const char *what, long value)
{
	drm_prime_test_reports++;
	kunit_info(kunit_get_current_test(), "contract report: %s (%ld)\n",
		   what, value);
	return false;
}

static void drm_prime_test_put_dmabuf(void *dmabuf)
{
	dma_buf_put(dmabuf);
}

static void drm_prime_test_free_page(void *page)
{
	__free_page(page);
}

/* A buffer of @exp's (freed by the test's cleanup), as the exporter. */
static struct dma_buf *drm_prime_test_pal_export(struct kunit *test,
						 struct drm_prime_test_pal_exporter *exp)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	int ret;

	exp->page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp->page);
	ret = kunit_add_action_or_reset(test, drm_prime_test_free_page, exp->page);
	KUNIT_ASSERT_EQ(test, ret, 0);
	info.ops = &drm_prime_test_pal_dma_buf_ops;
	info.size = PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	ret = kunit_add_action_or_reset(test, drm_prime_test_put_dmabuf, dmabuf);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return dmabuf;
}

/* An importing device the PAL trust rule accepts: no IOMMU, no bouncing. */
static struct device *drm_prime_test_pal_importer(struct kunit *test)
{
	struct device *dev;

	dev = kunit_device_register(test, "drm-prime-test-pal-importer");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	dev->dma_mask = &dev->coherent_dma_mask;
#ifdef CONFIG_SWIOTLB
	dev->dma_io_tlb_mem = NULL;
#endif
	return dev;
}

/*
 * A driver that imports with drm_gem_prime_attach_pinned() and frees with
 * drm_prime_gem_destroy(), which is handed only a table (none for PAL):
 * the list must be unmapped before the unpin, every map undone, and the
 * core must not have to clean up after the helper.
 */
static void drm_prime_test_destroy_pal_import(struct kunit *test)
{
	struct drm_prime_test_pal_exporter exp = { };
	struct dma_buf_mapping_request request;
	struct drm_device *drm = test->priv;
	struct dma_buf_attachment *attach;
	struct drm_prime_mapping map;
	struct drm_gem_object *obj;
	struct dma_buf *dmabuf;
	struct device *dev;

	dmabuf = drm_prime_test_pal_export(test, &exp);
	dev = drm_prime_test_pal_importer(test);

	request = DMA_BUF_PAL_REQUEST(dev, false);
	attach = drm_gem_prime_attach_pinned(dmabuf, dev, &request, 1,
					     DMA_BIDIRECTIONAL, &map);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_pal);
	KUNIT_EXPECT_NOT_NULL(test, map.pal);
	KUNIT_EXPECT_NULL(test, map.sgt);
	KUNIT_EXPECT_EQ(test, exp.maps, 1);
	/* The import's pin, and the map's without DMABUF_MOVE_NOTIFY. */
	KUNIT_EXPECT_EQ(test, exp.pins, IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 1 : 2);

	/* What the driver's free does, as an SGT import's would. */
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->funcs = &drm_prime_test_no_sgt_funcs;
	drm_gem_private_object_init(drm, obj, PAGE_SIZE);
	obj->import_attach = attach;
	drm_prime_test_reports = 0;
	kunit_activate_static_stub(test, dma_buf_mapping_report,
				   drm_prime_test_count_report);
	drm_prime_gem_destroy(obj, NULL);
	kunit_deactivate_static_stub(test, dma_buf_mapping_report);
	drm_gem_object_put(obj);

	KUNIT_EXPECT_EQ(test, drm_prime_test_reports, 0);
	KUNIT_EXPECT_EQ(test, exp.unmaps, exp.maps);
	KUNIT_EXPECT_EQ(test, exp.unpins, exp.pins);
	KUNIT_EXPECT_FALSE(test, exp.unpinned_while_mapped);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));
}

/*
 * The pinned import fails as the exporter does: a pin error and a map
 * error come back unchanged, with nothing left pinned, mapped or
 * attached. A working import does not move: an invalidation from the
 * exporter leaves its mapping alone.
 */
static void drm_prime_test_pinned_import(struct kunit *test)
{
	struct drm_prime_test_pal_exporter exp = { };
	struct dma_buf_mapping_request request;
	struct dma_buf_attachment *attach;
	struct drm_prime_mapping map;
	struct dma_buf *dmabuf;
	struct device *dev;
	int pins, unpins;

	dmabuf = drm_prime_test_pal_export(test, &exp);
	dev = drm_prime_test_pal_importer(test);
	request = DMA_BUF_PAL_REQUEST(dev, false);

	exp.pin_err = -EBUSY;
	attach = drm_gem_prime_attach_pinned(dmabuf, dev, &request, 1,
					     DMA_BIDIRECTIONAL, &map);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EBUSY);
	KUNIT_EXPECT_EQ(test, exp.maps, 0);
	KUNIT_EXPECT_EQ(test, exp.unpins, exp.pins);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));

	exp.pin_err = 0;
	exp.map_err = -ENOSPC;
	attach = drm_gem_prime_attach_pinned(dmabuf, dev, &request, 1,
					     DMA_BIDIRECTIONAL, &map);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENOSPC);
	/* Not the ERR_PTR the map returned. */
	KUNIT_EXPECT_NULL(test, map.pal);
	KUNIT_EXPECT_EQ(test, exp.unpins, exp.pins);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));

	exp.map_err = 0;
	attach = drm_gem_prime_attach_pinned(dmabuf, dev, &request, 1,
					     DMA_BIDIRECTIONAL, &map);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	pins = exp.pins;
	unpins = exp.unpins;
	dma_resv_lock(dmabuf->resv, NULL);
	dma_buf_invalidate_mappings(dmabuf);
	dma_resv_unlock(dmabuf->resv);
	/* Still mapped and pinned, as the driver's object expects. */
	KUNIT_EXPECT_EQ(test, exp.maps, 1);
	KUNIT_EXPECT_EQ(test, exp.unmaps, 0);
	KUNIT_EXPECT_EQ(test, exp.pins, pins);
	KUNIT_EXPECT_EQ(test, exp.unpins, unpins);
	KUNIT_EXPECT_PTR_EQ(test, attach->pal, map.pal);
	drm_gem_prime_detach_pinned(attach, &map);
	KUNIT_EXPECT_EQ(test, exp.unmaps, 1);
	KUNIT_EXPECT_EQ(test, exp.unpins, exp.pins);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));
}

/*
 * A kernel fence of the exporter's that signals when the test says so, at
 * the test's end, or after a backstop of 30 s: a wait that a signal no
 * longer ends fails the test instead of hanging the suite.
 */
struct drm_prime_test_fence {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's */
	struct delayed_work backstop;
};

static const char *drm_prime_test_fence_name(struct dma_fence *fence)
{
	return "drm-prime-test";
}

static const struct dma_fence_ops drm_prime_test_fence_ops = {
	.get_driver_name = drm_prime_test_fence_name,
	.get_timeline_name = drm_prime_test_fence_name,
};

static void drm_prime_test_fence_backstop(struct work_struct *work)
{
	dma_fence_signal(&container_of(work, struct drm_prime_test_fence,
				       backstop.work)->base);
}

static void drm_prime_test_fence_done(void *data)
{
	struct drm_prime_test_fence *f = data;

	cancel_delayed_work_sync(&f->backstop);
	dma_fence_signal(&f->base);
	dma_fence_put(&f->base);
}

/* An unsignalled kernel fence on @dmabuf; the test's reference is put at its end. */
static struct dma_fence *drm_prime_test_fence_add(struct kunit *test, struct dma_buf *dmabuf)
{
	struct drm_prime_test_fence *f = kzalloc(sizeof(*f), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, f);
	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &drm_prime_test_fence_ops, &f->lock,
		       dma_fence_context_alloc(1), 1);
	INIT_DELAYED_WORK(&f->backstop, drm_prime_test_fence_backstop);
	ret = kunit_add_action_or_reset(test, drm_prime_test_fence_done, f);
	KUNIT_ASSERT_EQ(test, ret, 0);
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
 * The pinned import waits for the exporter's kernel fences once it has
 * mapped, and a signal ends that wait (unlike the wait for the lock, see
 * drm_prime_test_import_signalled): the import fails with -ERESTARTSYS,
 * which restarts the ioctl, leaving nothing mapped, pinned or attached.
 * Once the fence signals, the import succeeds.
 */
static void drm_prime_test_import_fence_interrupted(struct kunit *test)
{
	struct drm_prime_test_pal_exporter exp = { };
	struct dma_buf_mapping_request request;
	struct dma_buf_attachment *attach;
	struct drm_prime_mapping map;
	struct dma_fence *fence;
	struct dma_buf *dmabuf;
	struct device *dev;

	dmabuf = drm_prime_test_pal_export(test, &exp);
	dev = drm_prime_test_pal_importer(test);
	request = DMA_BUF_PAL_REQUEST(dev, false);
	fence = drm_prime_test_fence_add(test, dmabuf);

	/* The test runs in a kernel thread, which takes signals it allows. */
	allow_signal(SIGUSR1);
	send_sig(SIGUSR1, current, 1);
	attach = drm_gem_prime_attach_pinned(dmabuf, dev, &request, 1,
					     DMA_BIDIRECTIONAL, &map);
	flush_signals(current);
	disallow_signal(SIGUSR1);
	KUNIT_EXPECT_FALSE_MSG(test, dma_fence_is_signaled(fence), "the backstop ended the wait");
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ERESTARTSYS);
	if (!IS_ERR(attach))
		drm_gem_prime_detach_pinned(attach, &map);
	KUNIT_EXPECT_EQ(test, exp.maps, 1);
	KUNIT_EXPECT_EQ(test, exp.unmaps, 1);
	KUNIT_EXPECT_EQ(test, exp.unpins, exp.pins);
	KUNIT_EXPECT_TRUE(test, list_empty(&dmabuf->attachments));

	dma_fence_signal(fence);
	attach = drm_gem_prime_attach_pinned(dmabuf, dev, &request, 1,
					     DMA_BIDIRECTIONAL, &map);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	drm_gem_prime_detach_pinned(attach, &map);
	KUNIT_EXPECT_EQ(test, exp.unmaps, exp.maps);
	KUNIT_EXPECT_EQ(test, exp.unpins, exp.pins);
}

struct drm_prime_test_importer {
	struct dma_buf *dmabuf;
	struct device *dev;
	struct completion ready, done;
	struct dma_buf_attachment *attach;
	struct drm_prime_mapping map;
};

static int drm_prime_test_import_fn(void *arg)
{
	struct drm_prime_test_importer *imp = arg;
	struct dma_buf_mapping_request request = DMA_BUF_PAL_REQUEST(imp->dev, false);

	/* Kernel threads ignore signals unless they allow them. */
	allow_signal(SIGUSR1);
	complete(&imp->ready);
	imp->attach = drm_gem_prime_attach_pinned(imp->dmabuf, imp->dev,
						  &request, 1, DMA_BIDIRECTIONAL,
						  &imp->map);
	complete(&imp->done);
	return 0;
}

/*
 * A signal that comes while an import waits for the exporter's lock does
 * not fail the import: 6.12's PRIME import took that lock uninterruptibly,
 * never returned -EINTR, and its callers do not retry. The test holds the
 * lock, signals the importing thread once it runs, and lets the lock go
 * once the thread sleeps on it (or has given up).
 */
static void drm_prime_test_import_signalled(struct kunit *test)
{
	struct drm_prime_test_pal_exporter exp = { };
	struct drm_prime_test_importer imp = { };
	struct task_struct *task;
	int tries;

	imp.dmabuf = drm_prime_test_pal_export(test, &exp);
	imp.dev = drm_prime_test_pal_importer(test);
	init_completion(&imp.ready);
	init_completion(&imp.done);

	dma_resv_lock(imp.dmabuf->resv, NULL);
	task = kthread_create(drm_prime_test_import_fn, &imp, "drm-prime-importer");
	if (IS_ERR(task)) {
		dma_resv_unlock(imp.dmabuf->resv);
		KUNIT_FAIL_AND_ABORT(test, "kthread_create: %pe", task);
	}
	get_task_struct(task);
	wake_up_process(task);
	wait_for_completion(&imp.ready);
	send_sig(SIGUSR1, task, 1);
	for (tries = 0; tries < 5000 && !completion_done(&imp.done) &&
	     READ_ONCE(task->__state) == TASK_RUNNING; tries++)
		usleep_range(200, 400);
	dma_resv_unlock(imp.dmabuf->resv);
	wait_for_completion(&imp.done);
	put_task_struct(task);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, imp.attach);
	KUNIT_EXPECT_PTR_EQ(test, imp.attach->mapping_type, &dma_buf_mapping_pal);
	drm_gem_prime_detach_pinned(imp.attach, &imp.map);
	KUNIT_EXPECT_EQ(test, exp.unmaps, exp.maps);
	KUNIT_EXPECT_EQ(test, exp.unpins, exp.pins);
	KUNIT_EXPECT_TRUE(test, list_empty(&imp.dmabuf->attachments));
}

/* A GEM driver with the file operations the export helper names as owner. */
DEFINE_DRM_GEM_FOPS(drm_prime_test_fops);

static const struct drm_driver drm_prime_test_driver = {
	.driver_features = DRIVER_GEM,
	.fops = &drm_prime_test_fops,
};

static int drm_prime_test_init(struct kunit *test)
{
	struct drm_device *drm;
	struct device *dev;

	dev = drm_kunit_helper_alloc_device(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	drm = __drm_kunit_helper_alloc_drm_device_with_driver(test, dev, sizeof(*drm), 0,
							      &drm_prime_test_driver);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, drm);
	test->priv = drm;
	return 0;
}

static struct kunit_case drm_prime_test_cases[] = {
	KUNIT_CASE(drm_prime_test_attach_without_sg_table),
	KUNIT_CASE(drm_prime_test_attach_with_sg_table),
	KUNIT_CASE(drm_prime_test_destroy_pal_import),
	KUNIT_CASE(drm_prime_test_import_signalled),
	KUNIT_CASE(drm_prime_test_pinned_import),
	KUNIT_CASE(drm_prime_test_import_fence_interrupted),
	{}
};

static struct kunit_suite drm_prime_test_suite = {
	.name = "drm_prime",
	.init = drm_prime_test_init,
	.test_cases = drm_prime_test_cases,
};

kunit_test_suite(drm_prime_test_suite);

MODULE_DESCRIPTION("KUnit tests of the GEM PRIME helpers");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
