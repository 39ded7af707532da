// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of videobuf2-dma-sg as a dma-buf exporter: a buffer made by
 * its own memory operations, exported with its get_dmabuf and imported by
 * another device, reaches the importer as the buffer's own pages through
 * the scatter-table offer the exporter declares, and is not handed to an
 * importer that asks only for physical addresses (videobuf2 does not say
 * its pages are write-back RAM). No V4L2 device in the tree that QEMU can
 * emulate allocates with dma-sg, so this is where its exporter runs.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/scatterlist.h>
#include <media/videobuf2-core.h>
#include <media/videobuf2-dma-sg.h>

MODULE_IMPORT_NS(DMA_BUF);

#define TEST_PAGES	5

struct vb2_sg_test {
	struct vb2_queue *queue;
	struct vb2_buffer *vb;
	void *buf;			/* the memory operations' buffer */
	struct dma_buf *dmabuf;
	struct device *importer;
};

/*
 * A device the DMA API maps for directly: a 64-bit mask, and no swiotlb
 * (so that the PAL trust rule would admit it, and only the offer decides).
 */
static struct device *test_dma_device(struct kunit *test, const char *name)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	dev->dma_mask = &dev->coherent_dma_mask;
#ifdef CONFIG_SWIOTLB
	dev->dma_io_tlb_mem = NULL;
#endif
	return dev;
}

static void test_put_buf(void *buf)
{
	vb2_dma_sg_memops.put(buf);
}

static void test_put_dmabuf(void *dmabuf)
{
	dma_buf_put(dmabuf);
}

static struct vb2_sg_test *test_export(struct kunit *test)
{
	struct vb2_sg_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct device *capture;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->queue = kunit_kzalloc(test, sizeof(*t->queue), GFP_KERNEL);
	t->vb = kunit_kzalloc(test, sizeof(*t->vb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->queue);
	KUNIT_ASSERT_NOT_NULL(test, t->vb);
	/*
	 * An output queue: DMA-API debugging reports two writable mappings
	 * of the same cache line (the capture device's and the importer's).
	 */
	t->queue->dma_dir = DMA_TO_DEVICE;
	t->vb->vb2_queue = t->queue;

	capture = test_dma_device(test, "vb2-dma-sg-capture");
	t->importer = test_dma_device(test, "vb2-dma-sg-importer");
	t->buf = vb2_dma_sg_memops.alloc(t->vb, capture, TEST_PAGES * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->buf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, test_put_buf, t->buf));

	t->dmabuf = vb2_dma_sg_memops.get_dmabuf(t->vb, t->buf, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dmabuf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, test_put_dmabuf, t->dmabuf));
	return t;
}

/*
 * @sgt must map the buffer's own pages, in order: the importer may not
 * look at the pages (CONFIG_DMABUF_DEBUG scrambles them), but both
 * devices map directly (no IOMMU, no bouncing), so the buffer's own
 * table, mapped for the capture device, has the same DMA addresses.
 */
static void expect_buffer_pages(struct kunit *test, struct vb2_sg_test *t,
				struct sg_table *sgt)
{
	struct sg_table *own = vb2_dma_sg_memops.cookie(t->vb, t->buf);
	struct sg_dma_page_iter got, want;
	unsigned int n = 0;

	__sg_page_iter_start(&want.base, own->sgl, own->nents, 0);
	__sg_page_iter_start(&got.base, sgt->sgl, sgt->nents, 0);
	while (__sg_page_iter_dma_next(&want)) {
		KUNIT_ASSERT_TRUE(test, __sg_page_iter_dma_next(&got));
		KUNIT_EXPECT_EQ(test, sg_page_iter_dma_address(&got),
				sg_page_iter_dma_address(&want));
		n++;
	}
	KUNIT_EXPECT_FALSE(test, __sg_page_iter_dma_next(&got));
	KUNIT_EXPECT_EQ(test, n, TEST_PAGES);
}

/*
 * A static importer (dma_buf_attach()) and a dynamic one asking for SGT
 * (dma_buf_mapping_attach()) both get the exporter's SGT offer, and its
 * map gives them the buffer's pages, DMA-mapped for them.
 */
static void vb2_dma_sg_export_sgt(struct kunit *test)
{
	struct vb2_sg_test *t = test_export(test);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_attach(t->dmabuf, t->importer);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_NOT_NULL(test, attach->offer.sgt_offer.ops);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_GT(test, sgt->nents, 0);
	expect_buffer_pages(test, t, sgt);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(t->dmabuf, attach);
}

static void test_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops test_importer_ops = {
	.invalidate_mappings = test_invalidate,
};

/*
 * An importer that asks only for physical addresses is refused: the
 * offer does not say its pages are write-back RAM (pal_cached), so the
 * core's SGT-to-PAL converter does not serve it. With SGT listed too, the
 * importer gets the scatter table.
 */
static void vb2_dma_sg_no_pal(struct kunit *test)
{
	struct vb2_sg_test *t = test_export(test);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_PAL_REQUEST(t->importer, false),
		DMA_BUF_SGT_REQUEST(t->importer, false),
	};
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = dma_buf_mapping_attach(t->dmabuf, t->importer, req, 1,
					&test_importer_ops, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->dmabuf->attachments));

	attach = dma_buf_mapping_attach(t->dmabuf, t->importer, req, ARRAY_SIZE(req),
					&test_importer_ops, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	dma_resv_lock(t->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_TO_DEVICE);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, sgt);
	if (!IS_ERR_OR_NULL(sgt)) {
		expect_buffer_pages(test, t, sgt);
		dma_buf_unmap_attachment(attach, sgt, DMA_TO_DEVICE);
	}
	dma_resv_unlock(t->dmabuf->resv);
	dma_buf_detach(t->dmabuf, attach);
}

static struct kunit_case vb2_dma_sg_dmabuf_cases[] = {
	KUNIT_CASE(vb2_dma_sg_export_sgt),
	KUNIT_CASE(vb2_dma_sg_no_pal),
	{}
};

static struct kunit_suite vb2_dma_sg_dmabuf_suite = {
	.name = "videobuf2_dma_sg_dmabuf",
	.test_cases = vb2_dma_sg_dmabuf_cases,
};

kunit_test_suite(vb2_dma_sg_dmabuf_suite);

MODULE_DESCRIPTION("KUnit tests of videobuf2-dma-sg's dma-buf exporter");
MODULE_LICENSE("GPL");
