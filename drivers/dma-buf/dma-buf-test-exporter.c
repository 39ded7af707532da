// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test exporter and importers of the dma-buf KUnit suites
 * (dma-buf-attach-test.c, dma-buf-mapping-test.c,
 * dma-buf-p2p-topology-test.c), which make up one test module.
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

MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/*
 * fail-nth for allocations on the attach and map paths: the test
 * exporter's own, and the core's through a static stub. When it counts
 * down to zero, that allocation fails.
 */
int attach_test_fail_nth;

bool attach_test_alloc_fails(void)
{
	return attach_test_fail_nth && --attach_test_fail_nth == 0;
}

static int test_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct test_exporter *exp = dmabuf->priv;

	if (exp->attach_err)
		return exp->attach_err;
	exp->type_in_attach = attach->mapping_type;
	exp->listed_in_attach = attach_test_listed(attach);
	/* Per-attachment exporter state, as real exporters have. */
	if (attach_test_alloc_fails())
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

struct sg_table *attach_test_map(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir)
{
	struct test_exporter *exp = attach->dmabuf->priv;
	struct scatterlist *sg;
	struct sg_table *sgt;
	int ret, i;

	exp->resv_held_in_map = dma_resv_is_locked(attach->dmabuf->resv);
	if (exp->map_err)
		return ERR_PTR(exp->map_err);

	if (attach_test_alloc_fails())
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

void attach_test_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
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

const struct dma_buf_sgt_exp_ops attach_test_sgt_ops = {
	.map = attach_test_map,
	.unmap = attach_test_unmap,
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
	if (!exp->noffers) {
		struct dma_buf_mapping_offer sgt = DMA_BUF_SGT_OFFER(&attach_test_sgt_ops);

		exp->last_add_err = dma_buf_mapping_offer_add(offers, sgt);
	}
	for (i = 0; i < exp->noffers; i++)
		exp->last_add_err = dma_buf_mapping_offer_add(offers, exp->offers[i]);
	/* What a stack without auto-initialisation may hold there. */
	if (exp->poison_unused)
		memset(&offers->entries[offers->count], 0xa5,
		       (ARRAY_SIZE(offers->entries) - offers->count) *
		       sizeof(offers->entries[0]));
	return exp->offers_ret;
}

const struct dma_buf_ops attach_test_static_ops = {
	.attach = test_attach,
	.detach = test_detach,
	.get_mapping_offers = test_get_offers,
	.release = test_release,
};

const struct dma_buf_ops attach_test_dynamic_ops = {
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

/*
 * Written as a 6.12 importer is: move_notify is the older name of
 * invalidate_mappings. The legacy suite and the native attaches of the
 * other suites import through these ops, so all of them prove it works.
 */
const struct dma_buf_attach_ops attach_test_importer_ops = {
	.move_notify = test_move_notify,
};

const struct dma_buf_attach_ops attach_test_importer_p2p_ops = {
	.allow_peer2peer = true,
	.move_notify = test_move_notify,
};

/*
 * Export a TEST_PAGES buffer with @ops. The buffer is released when the
 * test ends; its pages and counters live until then.
 */
struct attach_test_ctx *attach_test_export(struct kunit *test,
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
bool attach_test_listed(struct dma_buf_attachment *attach)
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
void attach_test_expect_pages(struct kunit *test, struct attach_test_ctx *ctx,
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

/* dma_buf_p2p_distance(), without a PCI topology. */
bool attach_test_p2p_reachable;

int attach_test_p2p_distance(struct pci_dev *provider, struct device *client)
{
	return attach_test_p2p_reachable ? 1 : -1;
}

int attach_test_type_match(struct dma_buf *dmabuf, struct device *dev,
			   const struct dma_buf_mapping_offer *offer,
			   const struct dma_buf_mapping_request *request)
{
	struct test_exporter *exp = dmabuf->priv;
	long o = (long)offer->priv.data, r = (long)request->priv.data;

	if (exp->nmatches < (int)ARRAY_SIZE(exp->match_log))
		exp->match_log[exp->nmatches++] = o * 10 + r;
	return exp->verdict[o][r];
}

const struct dma_buf_mapping_type attach_test_type_a = {
	.name = "test-a",
	.match = attach_test_type_match,
};

/* Contract violations the core reported, and the exporters they named. */
int attach_test_bug_reports;
const char *attach_test_bug_exporters[4];

static bool count_mapping_bug(const struct dma_buf *dmabuf, const struct device *importer,
			      const char *what, long value)
{
	if (attach_test_bug_reports < ARRAY_SIZE(attach_test_bug_exporters))
		attach_test_bug_exporters[attach_test_bug_reports] = dmabuf->exp_name;
	attach_test_bug_reports++;
	/* No WARN: a test run that expects none must not see one. */
	return false;
}

struct attach_test_ctx *attach_test_native_buffer(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);

	attach_test_bug_reports = 0;
	kunit_activate_static_stub(test, dma_buf_mapping_report, count_mapping_bug);
	return ctx;
}

struct dma_buf_attachment *
attach_test_native_attach(struct attach_test_ctx *ctx,
			  const struct dma_buf_mapping_request *req, unsigned int count)
{
	return dma_buf_mapping_attach(ctx->dmabuf, ctx->dev, req, count,
				      &attach_test_importer_ops, &ctx->imp);
}

MODULE_DESCRIPTION("KUnit tests for dma-buf attachments and mapping types");
MODULE_LICENSE("GPL");
