// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the GEM PRIME export helpers as seen by importers: the
 * errno an attach to a GEM object without get_sg_table fails with is
 * uAPI (PRIME_FD_TO_HANDLE returns it), and must stay what it was before
 * the helpers became a native dma-buf exporter.
 */

#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sizes.h>

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
	{}
};

static struct kunit_suite drm_prime_test_suite = {
	.name = "drm_prime",
	.init = drm_prime_test_init,
	.test_cases = drm_prime_test_cases,
};

kunit_test_suite(drm_prime_test_suite);

MODULE_DESCRIPTION("KUnit tests of the GEM PRIME export helpers");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
