// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of virtio-gpu's dma-buf code on the VM's real virtio-gpu
 * devices. As exporter: the mapping types it offers for host-visible
 * (VRAM) objects. Such objects need host-visible memory, which QEMU 7.2
 * does not offer, so no real one can exist in the test VM: the tests use
 * a VRAM object made up around a range of the card's own BAR, and go
 * through the dma-buf core's negotiation and the offers' map and unmap.
 * As importer: the host backing an import of another driver's buffer gets
 * (virtgpu_dma_buf_import_sgt()), and a 3D device's refusal of imports.
 */

#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/swiotlb.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/virtio_dma_buf.h>

#include "virtgpu_drv.h"

#define VIRTIO_GPU_PCI_DEVICE	0x1050

struct vram_test_card {
	struct pci_dev *pdev;
	struct drm_device *drm;
	struct device *vdev;	/* the virtio device */
};

struct vram_test_ctx {
	struct vram_test_card card[2];
	struct virtio_gpu_object_vram vram;
	struct dma_buf *dmabuf;
	bool fake_drm;		/* the object is on a made-up DRM device */
};

static int find_virtio_child(struct device *dev, void *data)
{
	struct device **out = data;

	if (!is_virtio_device(dev))
		return 0;
	*out = dev;
	return 1;
}

static int vram_test_get_offers(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach,
				struct dma_buf_mapping_offers *offers)
{
	struct drm_gem_object *obj = dmabuf->priv;

	return virtio_gpu_vram_get_mapping_offers(gem_to_virtio_gpu_obj(obj),
						  attach, offers);
}

static const uuid_t vram_test_uuid =
	UUID_INIT(0x6b1e7a3c, 0x52d4, 0x4f0e, 0x9a, 0x11, 0x3d, 0x2c, 0x5e, 0x77, 0x08, 0x91);

static int vram_test_get_uuid(struct dma_buf *dmabuf, uuid_t *uuid)
{
	uuid_copy(uuid, &vram_test_uuid);
	return 0;
}

static void vram_test_release(struct dma_buf *dmabuf)
{
}

/* A virtio dma-buf, as virtio-gpu exports, with the VRAM offers. */
static const struct virtio_dma_buf_ops vram_test_ops = {
	.ops = {
		.attach = virtio_dma_buf_attach,
		.get_mapping_offers = vram_test_get_offers,
		.release = vram_test_release,
	},
	.get_uuid = vram_test_get_uuid,
};

static void vram_test_put(void *data)
{
	struct vram_test_ctx *ctx = data;

	if (ctx->dmabuf) {
		dma_buf_put(ctx->dmabuf);
		/* A made-up device has no mmap offsets to give back. */
		if (ctx->fake_drm)
			drm_gem_private_object_fini(&ctx->vram.base.base.base);
		else
			drm_gem_object_release(&ctx->vram.base.base.base);
	}
	pci_dev_put(ctx->card[0].pdev);
	pci_dev_put(ctx->card[1].pdev);
}

/*
 * Card A's made-up VRAM object, exported; @blob_flags as the host set them.
 * @make_drm, when given, makes the DRM device the object is on (card A's
 * by default).
 */
static struct vram_test_ctx *
vram_test_setup_on(struct kunit *test, u32 blob_flags,
		   struct drm_device *(*make_drm)(struct kunit *test, struct pci_dev *pdev))
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct pci_dev *pdev = NULL;
	struct vram_test_ctx *ctx;
	struct drm_gem_object *obj;
	int n = 0;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, vram_test_put, ctx));
	while (n < 2 && (pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET,
					       VIRTIO_GPU_PCI_DEVICE, pdev))) {
		struct vram_test_card *c = &ctx->card[n];

		if (!device_for_each_child(&pdev->dev, &c->vdev, find_virtio_child) ||
		    !dev_to_virtio(c->vdev)->priv)
			continue;
		c->drm = dev_to_virtio(c->vdev)->priv;
		c->pdev = pci_dev_get(pdev);
		n++;
	}
	pci_dev_put(pdev);
	if (n < 2)
		kunit_skip(test, "needs two bound virtio-gpu PCI devices");

	/* One page of card A's first memory BAR stands in for host memory. */
	obj = &ctx->vram.base.base.base;
	if (make_drm) {
		drm_gem_private_object_init(make_drm(test, ctx->card[0].pdev), obj, PAGE_SIZE);
		ctx->fake_drm = true;
	} else {
		drm_gem_private_object_init(ctx->card[0].drm, obj, PAGE_SIZE);
	}
	ctx->vram.base.blob_flags = blob_flags;
	ctx->vram.vram_node.start = pci_resource_start(ctx->card[0].pdev, 4);
	ctx->vram.vram_node.size = PAGE_SIZE;
	/* The host has backed it, write-combined. */
	ctx->vram.map_state = STATE_OK;
	ctx->vram.map_info = VIRTIO_GPU_MAP_CACHE_WC;
	KUNIT_ASSERT_NE(test, ctx->vram.vram_node.start, 0);

	info.ops = &vram_test_ops.ops;
	info.size = PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = obj;
	ctx->dmabuf = virtio_dma_buf_export(&info);
	if (IS_ERR(ctx->dmabuf)) {
		if (ctx->fake_drm)
			drm_gem_private_object_fini(obj);
		else
			drm_gem_object_release(obj);
		KUNIT_FAIL_AND_ABORT(test, "export: %pe", ctx->dmabuf);
	}
	return ctx;
}

static struct vram_test_ctx *vram_test_setup(struct kunit *test, u32 blob_flags)
{
	return vram_test_setup_on(test, blob_flags, NULL);
}

static const struct drm_driver vram_test_fake_driver = {
	.name = "virtio-gpu-kunit",
};

/*
 * A made-up virtio-gpu DRM device on card A's PCI device, with just what
 * the VRAM offers use: a live card is not unplugged under its users.
 */
static struct drm_device *vram_test_fake_drm(struct kunit *test, struct pci_dev *pdev)
{
	struct virtio_gpu_device *vgdev = kunit_kzalloc(test, sizeof(*vgdev), GFP_KERNEL);
	struct drm_device *drm = kunit_kzalloc(test, sizeof(*drm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vgdev);
	KUNIT_ASSERT_NOT_NULL(test, drm);
	init_waitqueue_head(&vgdev->resp_wq);
	vgdev->ddev = drm;
	drm->driver = &vram_test_fake_driver;
	drm->dev_private = vgdev;
	drm->dev = &pdev->dev;
	return drm;
}

static void vram_test_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops vram_test_importer_ops = {
	.invalidate_mappings = vram_test_invalidate,
};

static struct dma_buf_attachment *
vram_test_attach(struct vram_test_ctx *ctx, struct device *dev,
		 const struct dma_buf_mapping_request *req)
{
	return dma_buf_mapping_attach(ctx->dmabuf, dev, req, 1,
				      &vram_test_importer_ops, NULL);
}

/*
 * Mappable VRAM is MMIO of card A: a PAL of MMIO, which card B (behind the
 * same switch) gets as such when it accepts MMIO, and as a DMA-mapped
 * table built by the core's adapter when it asks for SGT with P2P.
 */
static void vram_mappable_is_mmio_pal(struct kunit *test)
{
	struct vram_test_ctx *ctx = vram_test_setup(test, VIRTGPU_BLOB_FLAG_USE_MAPPABLE);
	struct device *b = &ctx->card[1].pdev->dev;
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(b, true);
	const struct dma_buf_mapping_request plain = DMA_BUF_SGT_REQUEST(b, false);
	const struct dma_buf_mapping_request pal_mmio = DMA_BUF_PAL_REQUEST(b, true);
	const struct dma_buf_mapping_request pal_ram = DMA_BUF_PAL_REQUEST(b, false);
	phys_addr_t bar = ctx->vram.vram_node.start;
	struct dma_buf_attachment *attach;
	const struct dma_buf_phys_list *pal;
	struct sg_table *sgt;

	attach = vram_test_attach(ctx, b, &pal_mmio);
	if (device_iommu_mapped(b) || is_swiotlb_force_bounce(b)) {
		/*
		 * Behind a translating IOMMU (the VM's iommu topology) or
		 * with forced bouncing, card B's DMA addresses are not
		 * physical ones: the trust rule refuses it the PAL.
		 */
		KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	} else {
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
		KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_pal);
		KUNIT_EXPECT_PTR_EQ(test, attach->offer.pal_offer.mmio_provider,
				    ctx->card[0].pdev);
		dma_resv_lock(ctx->dmabuf->resv, NULL);
		pal = dma_buf_map_pal(attach);
		KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(pal));
		if (!IS_ERR_OR_NULL(pal)) {
			KUNIT_EXPECT_EQ(test, pal->nr_ranges, 1);
			KUNIT_EXPECT_EQ(test, pal->memory, DMA_BUF_PAL_MMIO);
			KUNIT_EXPECT_EQ(test, pal->caching, DMA_BUF_PAL_WRITE_COMBINED);
			KUNIT_EXPECT_EQ(test, pal->ranges[0].paddr, bar);
			KUNIT_EXPECT_EQ(test, pal->ranges[0].len, PAGE_SIZE);
			dma_buf_unmap_pal(attach, pal);
		}
		dma_resv_unlock(ctx->dmabuf->resv);
		dma_buf_detach(ctx->dmabuf, attach);
	}

	/* Through the adapter, with the real dma_map_resource(). */
	attach = vram_test_attach(ctx, b, &p2p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_pal);
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sgt->nents, 1);
	KUNIT_EXPECT_EQ(test, sg_dma_len(sgt->sgl), PAGE_SIZE);
	/* Without an IOMMU the bus sees the BAR at its physical address. */
	if (!device_iommu_mapped(b))
		KUNIT_EXPECT_EQ(test, sg_dma_address(sgt->sgl), (dma_addr_t)bar);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, attach);

	/* MMIO is not offered to a native importer that cannot take it. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vram_test_attach(ctx, b, &pal_ram)), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vram_test_attach(ctx, b, &plain)), -EOPNOTSUPP);

	/* A legacy importer gets 6.12's table: the BAR range, no consent asked. */
	attach = dma_buf_attach(ctx->dmabuf, b);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_sgt);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sgt->nents, 1);
	KUNIT_EXPECT_EQ(test, sg_dma_len(sgt->sgl), PAGE_SIZE);
	if (!device_iommu_mapped(b))
		KUNIT_EXPECT_EQ(test, sg_dma_address(sgt->sgl), (dma_addr_t)bar);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/*
 * VRAM without a guest mapping: the virtio UUID type for native importers,
 * and for legacy ones 6.12's answer: an empty table for a virtio device of
 * a host that assigns UUIDs (it reads the UUID), -EIO at map otherwise.
 * On a made-up device, so that both host answers can be tried.
 */
static void vram_unmappable_is_uuid(struct kunit *test)
{
	struct vram_test_ctx *ctx = vram_test_setup_on(test, 0, vram_test_fake_drm);
	struct virtio_gpu_device *vgdev = ctx->vram.base.base.base.dev->dev_private;
	const struct dma_buf_mapping_request uuid = VIRTIO_DMA_BUF_UUID_REQUEST();
	struct device *b_virtio = ctx->card[1].vdev;
	struct device *b_pci = &ctx->card[1].pdev->dev;
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(b_pci, true);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	uuid_t got;

	for (int has_uuid = 0; has_uuid < 2; has_uuid++) {
		vgdev->has_resource_assign_uuid = has_uuid;
		if (has_uuid) {
			attach = vram_test_attach(ctx, b_virtio, &uuid);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
			KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type,
					    &virtio_dma_buf_mapping_uuid);
			KUNIT_EXPECT_FALSE(test, attach->peer2peer);
			KUNIT_EXPECT_EQ(test, virtio_dma_buf_attachment_uuid(attach, &got), 0);
			KUNIT_EXPECT_TRUE(test, uuid_equal(&got, &vram_test_uuid));
			/* It is not an SGT attachment. */
			sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
			KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -EINVAL);
			dma_buf_detach(ctx->dmabuf, attach);
			/* Only a virtio device can hand a UUID to the host. */
			KUNIT_EXPECT_EQ(test, PTR_ERR(vram_test_attach(ctx, b_pci, &uuid)),
					-EINVAL);
		} else {
			KUNIT_EXPECT_EQ(test, PTR_ERR(vram_test_attach(ctx, b_virtio, &uuid)),
					-EOPNOTSUPP);
		}
		/* No table for a native importer: there is no memory to map. */
		KUNIT_EXPECT_EQ(test, PTR_ERR(vram_test_attach(ctx, b_pci, &p2p)),
				-EOPNOTSUPP);

		/* Legacy importers: what 6.12's map gave them. */
		attach = dma_buf_attach(ctx->dmabuf, b_virtio);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		if (has_uuid) {
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
			KUNIT_EXPECT_EQ(test, sgt->nents, 0);
			dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
		} else {
			KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -EIO);
		}
		dma_buf_detach(ctx->dmabuf, attach);
		attach = dma_buf_attach(ctx->dmabuf, b_pci);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
		sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -EIO);
		dma_buf_detach(ctx->dmabuf, attach);
	}
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/* An importer that attaches to and maps the VRAM object from its own thread. */
struct vram_test_attacher {
	struct vram_test_ctx *ctx;
	struct completion started, done;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
};

static int vram_test_attach_and_map(void *data)
{
	struct vram_test_attacher *a = data;
	struct device *b = &a->ctx->card[1].pdev->dev;
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(b, true);

	complete(&a->started);
	a->attach = vram_test_attach(a->ctx, b, &p2p);
	if (!IS_ERR(a->attach))
		a->sgt = dma_buf_map_attachment_unlocked(a->attach, DMA_BIDIRECTIONAL);
	kthread_complete_and_exit(&a->done, 0);
}

/*
 * The host has not answered MAP_BLOB yet when an importer attaches and
 * maps: it must wait without the reservation lock (a host that never
 * answers would otherwise hang every user of that lock), and go on once
 * the answer comes. A mapping the host refused is offered to no one.
 */
static void vram_offer_waits_for_host(struct kunit *test)
{
	struct vram_test_ctx *ctx = vram_test_setup(test, VIRTGPU_BLOB_FLAG_USE_MAPPABLE);
	struct virtio_gpu_device *vgdev = ctx->card[0].drm->dev_private;
	struct device *b = &ctx->card[1].pdev->dev;
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(b, true);
	struct vram_test_attacher *a;
	struct task_struct *task;
	bool locked;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	a->ctx = ctx;
	init_completion(&a->started);
	init_completion(&a->done);
	ctx->vram.map_state = STATE_INITIALIZING;
	task = kthread_run(vram_test_attach_and_map, a, "vram-test-attach");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&a->started);
	/* Time to get as far as it can without the host's answer. */
	msleep(200);

	/* Not done, and not waiting under the lock: this thread can take it. */
	KUNIT_EXPECT_FALSE(test, completion_done(&a->done));
	locked = dma_resv_trylock(ctx->dmabuf->resv);
	KUNIT_EXPECT_TRUE(test, locked);
	if (locked)
		dma_resv_unlock(ctx->dmabuf->resv);

	/* The answer, as the control queue's completion delivers it. */
	WRITE_ONCE(ctx->vram.map_state, STATE_OK);
	wake_up_all(&vgdev->resp_wq);
	wait_for_completion(&a->done);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a->attach);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(a->sgt));
	if (!IS_ERR_OR_NULL(a->sgt))
		dma_buf_unmap_attachment_unlocked(a->attach, a->sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, a->attach);

	ctx->vram.map_state = STATE_ERR;
	KUNIT_EXPECT_EQ(test, PTR_ERR(vram_test_attach(ctx, b, &p2p)), -EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/*
 * The card goes away while an importer waits for the host's answer to
 * MAP_BLOB: the answer never comes (dropped after the unplug, reclaimed at
 * the reset), and the wait ends with ENODEV instead of lasting forever.
 * What virtio_gpu_remove() does, on a made-up device: mark it unplugged
 * (drm_dev_unplug()'s store), then wake the waiters for answers.
 */
static void vram_offer_wait_ends_at_unplug(struct kunit *test)
{
	struct vram_test_ctx *ctx = vram_test_setup_on(test, VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
						       vram_test_fake_drm);
	struct drm_device *drm = ctx->vram.base.base.base.dev;
	struct virtio_gpu_device *vgdev = drm->dev_private;
	struct device *b = &ctx->card[1].pdev->dev;
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(b, true);
	struct vram_test_attacher *a;
	struct task_struct *task;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	a->ctx = ctx;
	init_completion(&a->started);
	init_completion(&a->done);
	ctx->vram.map_state = STATE_INITIALIZING;
	task = kthread_run(vram_test_attach_and_map, a, "vram-test-attach");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&a->started);
	/* Time to get as far as it can without the host's answer. */
	msleep(200);
	KUNIT_EXPECT_FALSE(test, completion_done(&a->done));

	WRITE_ONCE(drm->unplugged, true);
	wake_up_all(&vgdev->resp_wq);
	if (!wait_for_completion_timeout(&a->done, 10 * HZ)) {
		/* Still waiting: let it go before the test's memory does. */
		WRITE_ONCE(ctx->vram.map_state, STATE_ERR);
		wake_up_all(&vgdev->resp_wq);
		wait_for_completion(&a->done);
		KUNIT_FAIL(test, "the unplug did not end the wait for the host");
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(a->attach), -ENODEV);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));

	/* An attach after the unplug does not wait at all. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vram_test_attach(ctx, b, &p2p)), -ENODEV);
}

/* An exporter of one page of RAM, offering PAL first, then SGT. */
struct import_test_exporter {
	struct page *page;
	unsigned int pins;	/* under the reservation lock */
};

static struct dma_buf_phys_list *import_test_pal_map(struct dma_buf_attachment *attach)
{
	struct import_test_exporter *exp = attach->dmabuf->priv;
	struct dma_buf_phys_list *pal = dma_buf_phys_list_alloc(1);

	if (!pal)
		return ERR_PTR(-ENOMEM);
	pal->ranges[0].paddr = page_to_phys(exp->page);
	pal->ranges[0].len = PAGE_SIZE;
	return pal;
}

static void import_test_pal_unmap(struct dma_buf_attachment *attach,
				  struct dma_buf_phys_list *pal)
{
	dma_buf_phys_list_free(pal);
}

static const struct dma_buf_pal_exp_ops import_test_pal_ops = {
	.map = import_test_pal_map,
	.unmap = import_test_pal_unmap,
};

static struct sg_table *import_test_sgt_map(struct dma_buf_attachment *attach,
					    enum dma_data_direction dir)
{
	struct import_test_exporter *exp = attach->dmabuf->priv;
	struct sg_table *sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	int ret;

	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (ret)
		goto err_free;
	sg_set_page(sgt->sgl, exp->page, PAGE_SIZE, 0);
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret)
		goto err_table;
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void import_test_sgt_unmap(struct dma_buf_attachment *attach,
				  struct sg_table *sgt, enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static const struct dma_buf_sgt_exp_ops import_test_sgt_ops = {
	.map = import_test_sgt_map,
	.unmap = import_test_sgt_unmap,
};

static int import_test_offers(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
			      struct dma_buf_mapping_offers *offers)
{
	return dma_buf_mapping_offer_add(offers, DMA_BUF_PAL_OFFER(&import_test_pal_ops)) ?:
	       dma_buf_mapping_offer_add(offers, DMA_BUF_SGT_OFFER(&import_test_sgt_ops));
}

static int import_test_pin(struct dma_buf_attachment *attach)
{
	struct import_test_exporter *exp = attach->dmabuf->priv;

	exp->pins++;
	return 0;
}

static void import_test_unpin(struct dma_buf_attachment *attach)
{
	struct import_test_exporter *exp = attach->dmabuf->priv;

	exp->pins--;
}

static void import_test_release(struct dma_buf *dmabuf)
{
	struct import_test_exporter *exp = dmabuf->priv;

	__free_page(exp->page);
	kfree(exp);
}

static const struct dma_buf_ops import_test_dma_buf_ops = {
	.get_mapping_offers = import_test_offers,
	.pin = import_test_pin,
	.unpin = import_test_unpin,
	.release = import_test_release,
};

static void import_test_put_obj(void *obj)
{
	drm_gem_object_put(obj);
}

static bool import_test_mapped(struct virtio_gpu_object_import *imp)
{
	return imp->map.sgt || imp->map.pal;
}

static void import_test_move(struct dma_buf *dmabuf)
{
	dma_resv_lock(dmabuf->resv, NULL);
	dma_buf_invalidate_mappings(dmabuf);
	dma_resv_unlock(dmabuf->resv);
}

/*
 * Card B imports a page of RAM. The import is neither mapped nor pinned
 * until a framebuffer uses it; the framebuffer's resource (a 16x16 one,
 * as AddFB makes it) maps it, and virtgpu_dma_buf_import_sgt() turns the
 * mapping into the host's backing: the page's guest physical address when
 * the host reads guest memory directly (no VIRTIO_F_ACCESS_PLATFORM: PAL
 * is negotiated), its DMA address in the table otherwise (SGT). Only
 * scan-out pins it, once however many planes show it; a move while it is
 * not shown drops the mapping, the next scan-out maps it again, and a
 * move while it is shown keeps it.
 */
static void import_backing_follows_mapping(struct kunit *test)
{
	struct vram_test_ctx *ctx = vram_test_setup(test, 0);
	struct drm_device *drm = ctx->card[1].drm;
	struct virtio_gpu_device *vgdev = drm->dev_private;
	const struct drm_mode_fb_cmd2 fb = {
		.pixel_format = DRM_FORMAT_HOST_XRGB8888,
		.width = 16, .height = 16, .pitches = { 16 * 4 },
	};
	/* Without DMABUF_MOVE_NOTIFY the core pins every map itself. */
	unsigned int map_pins = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : 1;
	struct virtio_gpu_object_import *imp;
	struct import_test_exporter *exp;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct virtio_gpu_mem_entry *ents = NULL;
	struct drm_gem_object *obj;
	struct dma_buf *dmabuf;
	unsigned int nents = 0;
	u64 want;
	int ret;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	exp->page = alloc_page(GFP_KERNEL);
	if (!exp->page) {
		kfree(exp);
		KUNIT_FAIL_AND_ABORT(test, "out of memory");
	}
	info.ops = &import_test_dma_buf_ops;
	info.size = PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		__free_page(exp->page);
		kfree(exp);
		KUNIT_FAIL_AND_ABORT(test, "export: %pe", dmabuf);
	}

	obj = virtgpu_gem_prime_import(drm, dmabuf);
	/* The import holds its own reference to the buffer. */
	dma_buf_put(dmabuf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	ret = kunit_add_action_or_reset(test, import_test_put_obj, obj);
	KUNIT_ASSERT_EQ(test, ret, 0);
	imp = to_virtio_gpu_import(gem_to_virtio_gpu_obj(obj));
	dmabuf = obj->import_attach->dmabuf;
	KUNIT_EXPECT_FALSE_MSG(test, import_test_mapped(imp), "mapped at import");
	KUNIT_EXPECT_EQ_MSG(test, exp->pins, 0, "pinned at import");

	ret = virtgpu_dma_buf_import_create_resource(vgdev, &imp->base, &fb);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_TRUE_MSG(test, import_test_mapped(imp), "not mapped by AddFB");
	KUNIT_EXPECT_EQ_MSG(test, exp->pins, map_pins, "pinned by AddFB");

	ret = virtgpu_dma_buf_import_sgt(&ents, &nents, &imp->base, obj->import_attach);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_NOT_NULL(test, ents);
	if (!virtio_gpu_use_dma_api(vgdev->vdev)) {
		KUNIT_EXPECT_PTR_EQ(test, obj->import_attach->mapping_type,
				    &dma_buf_mapping_pal);
		want = page_to_phys(exp->page);
	} else {
		KUNIT_EXPECT_PTR_EQ(test, obj->import_attach->mapping_type,
				    &dma_buf_mapping_sgt);
		want = sg_dma_address(imp->map.sgt->sgl);
	}
	KUNIT_EXPECT_EQ(test, nents, 1);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(ents[0].addr), want);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(ents[0].length), PAGE_SIZE);
	kvfree(ents);

	/*
	 * Not shown: a move drops the mapping (and the host's backing).
	 * Without DMABUF_MOVE_NOTIFY the core keeps the mapping pinned, and
	 * no exporter moves it.
	 */
	if (IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY)) {
		import_test_move(dmabuf);
		KUNIT_EXPECT_FALSE_MSG(test, import_test_mapped(imp), "kept across a move");
		KUNIT_EXPECT_EQ(test, exp->pins, 0);
	}

	/* Two planes show it: mapped again, one pin of the exporter's. */
	KUNIT_ASSERT_EQ(test, virtgpu_dma_buf_import_pin(vgdev, &imp->base), 0);
	KUNIT_ASSERT_EQ(test, virtgpu_dma_buf_import_pin(vgdev, &imp->base), 0);
	KUNIT_EXPECT_TRUE_MSG(test, import_test_mapped(imp), "not mapped again");
	KUNIT_EXPECT_EQ(test, exp->pins, 1 + map_pins);
	import_test_move(dmabuf);
	KUNIT_EXPECT_TRUE_MSG(test, import_test_mapped(imp), "a pinned import dropped its mapping");
	virtgpu_dma_buf_import_unpin(&imp->base);
	KUNIT_EXPECT_EQ(test, exp->pins, 1 + map_pins);
	virtgpu_dma_buf_import_unpin(&imp->base);
	KUNIT_EXPECT_EQ_MSG(test, exp->pins, map_pins, "still pinned with no plane");
	KUNIT_EXPECT_TRUE(test, import_test_mapped(imp));
}

/*
 * A 3D (virgl) device refuses foreign imports with 6.12's ENODEV before
 * attaching anything: Mesa's virgl winsys would leave a failed import's
 * handle open, and the buffer attached and pinned with it. The device is
 * a made-up one with virgl: the VM's cards are 2D, and a live card's
 * capabilities are not flipped under its users.
 */
static void import_refused_on_virgl(struct kunit *test)
{
	struct vram_test_ctx *ctx = vram_test_setup(test, VIRTGPU_BLOB_FLAG_USE_MAPPABLE);
	struct virtio_gpu_device *vgdev;
	struct drm_gem_object *obj;
	struct drm_device *drm;

	vgdev = kunit_kzalloc(test, sizeof(*vgdev), GFP_KERNEL);
	drm = kunit_kzalloc(test, sizeof(*drm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vgdev);
	KUNIT_ASSERT_NOT_NULL(test, drm);
	vgdev->has_virgl_3d = true;
	vgdev->ddev = drm;
	drm->dev_private = vgdev;
	drm->dev = &ctx->card[1].pdev->dev;

	obj = virtgpu_gem_prime_import(drm, ctx->dmabuf);
	KUNIT_EXPECT_EQ(test, PTR_ERR(obj), -ENODEV);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

static struct kunit_case virtgpu_vram_cases[] = {
	KUNIT_CASE(vram_mappable_is_mmio_pal),
	KUNIT_CASE(vram_unmappable_is_uuid),
	KUNIT_CASE(vram_offer_waits_for_host),
	KUNIT_CASE(vram_offer_wait_ends_at_unplug),
	KUNIT_CASE(import_backing_follows_mapping),
	KUNIT_CASE(import_refused_on_virgl),
	{}
};

static struct kunit_suite virtgpu_vram_suite = {
	.name = "virtio_gpu_vram_dma_buf",
	.test_cases = virtgpu_vram_cases,
};

kunit_test_suite(virtgpu_vram_suite);
