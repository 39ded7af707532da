// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dma_buf_mapping: mapping-type negotiation, the compat layer
 * for legacy importers, P2P, the contract checks, concurrency and
 * allocation failures.
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

static const struct dma_buf_mapping_type test_type_b = {
	.name = "test-b",
	.match = attach_test_type_match,
};

static const struct dma_buf_mapping_type test_type_no_match = {
	.name = "test-no-match",
};

static const struct dma_buf_mapping_type test_type_no_name = {
	.match = attach_test_type_match,
};

/* Map and check pages through the SGT entry points, then unmap. */
static void expect_sgt_maps(struct kunit *test, struct attach_test_ctx *ctx,
			    struct dma_buf_attachment *attach)
{
	struct sg_table *sgt;

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(sgt));
	attach_test_expect_pages(test, ctx, sgt);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
}

/* The exporter's order wins over the importer's. */
static void mapping_exporter_order_wins(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		TEST_REQUEST(&test_type_b, 0), TEST_REQUEST(&attach_test_type_a, 1),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	ctx->exp->offers[1] = TEST_OFFER(&test_type_b, 1);
	ctx->exp->noffers = 2;
	attach = attach_test_native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &attach_test_type_a);
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
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		TEST_REQUEST(&attach_test_type_a, 0), TEST_REQUEST(&attach_test_type_a, 1),
		TEST_REQUEST(&attach_test_type_a, 2),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	ctx->exp->noffers = 1;
	ctx->exp->verdict[0][0] = -EOPNOTSUPP;
	attach = attach_test_native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, (long)attach->request.priv.data, 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->nmatches, 2);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* -EOPNOTSUPP moves on to the next offer; no match at all is -EOPNOTSUPP. */
static void mapping_not_supported_falls_through(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		TEST_REQUEST(&attach_test_type_a, 0), TEST_REQUEST(&test_type_b, 1),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	ctx->exp->offers[1] = TEST_OFFER(&test_type_b, 1);
	ctx->exp->noffers = 2;
	ctx->exp->verdict[0][0] = -EOPNOTSUPP;
	attach = attach_test_native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &test_type_b);
	dma_buf_detach(ctx->dmabuf, attach);

	ctx->exp->verdict[1][1] = -EOPNOTSUPP;
	attach = attach_test_native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));

	/* An exporter with nothing to offer to this importer. */
	ctx->exp->noffers = -1;
	attach = attach_test_native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 1);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 0);
}

/* Any other errno aborts at once and is returned unchanged. */
static void mapping_errno_aborts(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		TEST_REQUEST(&attach_test_type_a, 0), TEST_REQUEST(&test_type_b, 1),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	ctx->exp->offers[1] = TEST_OFFER(&test_type_b, 1);
	ctx->exp->noffers = 2;
	ctx->exp->verdict[0][0] = -ENOSPC;
	attach = attach_test_native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ctx->exp->nmatches, 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));

	/* The same for the exporter's offer callback. */
	ctx->exp->offers_ret = -ENXIO;
	attach = attach_test_native_attach(ctx, req, ARRAY_SIZE(req));
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -ENXIO);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 0);
}

/* A positive or out-of-range return is a bug: warned, and -EINVAL. */
static void mapping_bogus_return(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req[] = { TEST_REQUEST(&attach_test_type_a, 0) };
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	ctx->exp->noffers = 1;
	ctx->exp->verdict[0][0] = 1;
	attach = attach_test_native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 1);

	ctx->exp->verdict[0][0] = -MAX_ERRNO - 1;
	attach = attach_test_native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 2);

	/* A count where 0 or an errno belongs (the callback adds, not counts). */
	ctx->exp->verdict[0][0] = 0;
	ctx->exp->offers_ret = 1;
	attach = attach_test_native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 3);

	/* An offer without a type, and an SGT offer without ops. */
	ctx->exp->offers_ret = 0;
	ctx->exp->offers[0] = (struct dma_buf_mapping_offer){};
	attach = attach_test_native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	ctx->exp->offers[0] = DMA_BUF_SGT_OFFER(NULL);
	attach = attach_test_native_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 5);
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
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_SGT_REQUEST(ctx->dev, false),
	};
	struct dma_buf_attachment *attach;

	ctx->exp->poison_unused = true;
	attach = attach_test_native_attach(ctx, req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_TRUE(test, ctx->exp->offers_empty);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.sgt_offer.ops, &attach_test_sgt_ops);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 0);
}

/*
 * An exporter that adds one offer more than the list holds: the helper
 * refuses the extra entry (nothing is written past the list: KASAN watches
 * the core's stack frame), and the attach fails with -EINVAL and one report,
 * whether the exporter passes the helper's -ENOSPC on or ignores it.
 */
static void mapping_offers_overflow(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_SGT_REQUEST(ctx->dev, false),
	};
	struct dma_buf_attachment *attach;
	int i;

	for (i = 0; i < ARRAY_SIZE(ctx->exp->offers); i++)
		ctx->exp->offers[i] = DMA_BUF_SGT_OFFER(&attach_test_sgt_ops);
	/* A full list is fine. */
	ctx->exp->noffers = DMA_BUF_MAX_MAPPING_ENTRIES;
	attach = attach_test_native_attach(ctx, req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, ctx->exp->last_add_err, 0);
	dma_buf_detach(ctx->dmabuf, attach);

	ctx->exp->noffers = DMA_BUF_MAX_MAPPING_ENTRIES + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->exp->last_add_err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 1);

	ctx->exp->offers_ret = -ENOSPC;
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 2);
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
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
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
	*type = attach_test_type_a;
	type->owner = owner;
	req = TEST_REQUEST(type, 0);
	ctx->exp->offers[0] = TEST_OFFER(type, 0);
	ctx->exp->noffers = 1;

	attach = attach_test_native_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), 1);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), 0);

	ctx->exp->attach_err = -EBUSY;
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, &req, 1)), -EBUSY);
	KUNIT_EXPECT_EQ(test, module_refcount(owner), 0);

	ctx->exp->attach_err = 0;
	owner->state = MODULE_STATE_GOING;
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, &req, 1)), -ENODEV);
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
	struct attach_test_ctx *a = attach_test_native_buffer(test);
	struct attach_test_ctx *b = attach_test_export(test, &attach_test_dynamic_ops);
	const struct dma_buf_mapping_request req[] = { TEST_REQUEST(&attach_test_type_a, 0) };
	const char *name_a = a->dmabuf->exp_name, *name_b = b->dmabuf->exp_name;

	a->dmabuf->exp_name = "exporter-a";
	b->dmabuf->exp_name = "exporter-b";
	a->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	a->exp->noffers = 1;
	a->exp->verdict[0][0] = 1;
	b->exp->offers_ret = 1;

	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(a, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(b, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(a, req, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(b, req, 1)), -EINVAL);
	KUNIT_ASSERT_EQ(test, attach_test_bug_reports, 4);
	KUNIT_EXPECT_STREQ(test, attach_test_bug_exporters[0], "exporter-a");
	KUNIT_EXPECT_STREQ(test, attach_test_bug_exporters[1], "exporter-b");
	KUNIT_EXPECT_STREQ(test, attach_test_bug_exporters[2], "exporter-a");
	KUNIT_EXPECT_STREQ(test, attach_test_bug_exporters[3], "exporter-b");

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
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	struct pci_dev *provider = kunit_kzalloc(test, 8, GFP_KERNEL);
	const struct dma_buf_mapping_request p2p[] = {
		TEST_REQUEST(&attach_test_type_a, 0), DMA_BUF_SGT_REQUEST(ctx->dev, true),
	};
	struct dma_buf_attachment *attach;

	KUNIT_ASSERT_NOT_NULL(test, provider);
	attach_test_p2p_reachable = true;
	kunit_activate_static_stub(test, dma_buf_p2p_distance, attach_test_p2p_distance);

	ctx->exp->offers[0] = DMA_BUF_SGT_OFFER(&attach_test_sgt_ops);
	ctx->exp->noffers = 1;
	attach = attach_test_native_attach(ctx, &p2p[1], 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);

	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&attach_test_sgt_ops, provider);
	attach = attach_test_native_attach(ctx, &p2p[1], 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);

	ctx->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	attach = attach_test_native_attach(ctx, p2p, ARRAY_SIZE(p2p));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &attach_test_type_a);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* Operations without what every offer of their type needs; never called. */
static const struct dma_buf_sgt_exp_ops test_sgt_ops_no_map = {
	.unmap = attach_test_unmap,
};

static const struct dma_buf_sgt_exp_ops test_sgt_ops_no_unmap = {
	.map = attach_test_map,
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
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_SGT_REQUEST(ctx->dev, false),
	};
	const struct dma_buf_mapping_request req_a[] = {
		TEST_REQUEST(&attach_test_type_a, 0),
	};
	struct dma_buf_attachment *attach;
	int nmatches;
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
		attach = attach_test_native_attach(ctx, req, 1);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(attach), -EINVAL, "offer %d", i);
		if (!IS_ERR(attach))
			dma_buf_detach(ctx->dmabuf, attach);
		KUNIT_EXPECT_EQ_MSG(test, attach_test_bug_reports, i + 1, "offer %d", i);
	}
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 0);

	/*
	 * An entry is checked when the walk reaches it: a bad one fails the
	 * attach even if a later one would match; one after the winner is
	 * never used, so it is not checked either.
	 */
	ctx->exp->offers[0] = bad[0];
	ctx->exp->offers[1] = TEST_OFFER(&attach_test_type_a, 0);
	ctx->exp->noffers = 2;
	nmatches = ctx->exp->nmatches;
	attach = attach_test_native_attach(ctx, req_a, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	if (!IS_ERR(attach))
		dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, ARRAY_SIZE(bad) + 1);
	KUNIT_EXPECT_EQ(test, ctx->exp->nmatches, nmatches);
	ctx->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	ctx->exp->offers[1] = bad[0];
	attach = attach_test_native_attach(ctx, req_a, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, ARRAY_SIZE(bad) + 1);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* Malformed requests are refused before any exporter code runs. */
static void mapping_bad_requests(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	static const struct dma_buf_attach_ops no_invalidate = {};
	struct dma_buf_mapping_request req[DMA_BUF_MAX_MAPPING_ENTRIES + 1];
	struct device *other;
	int i;

	for (i = 0; i < ARRAY_SIZE(req); i++)
		req[i] = DMA_BUF_SGT_REQUEST(ctx->dev, false);

	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, NULL, 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, ARRAY_SIZE(req))),
			-EINVAL);
	req[1] = (struct dma_buf_mapping_request){};
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, 2)), -EINVAL);
	req[1] = DMA_BUF_SGT_REQUEST(NULL, true);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, 2)), -EINVAL);
	/* An SGT request is for the attaching device, not another one. */
	other = kunit_device_register(test, "dma-buf-test-other");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	req[1] = DMA_BUF_SGT_REQUEST(other, true);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, 2)), -EINVAL);
	/* A type without the operations every type needs, or without a name. */
	req[1] = TEST_REQUEST(&test_type_no_match, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, 2)), -EINVAL);
	req[1] = TEST_REQUEST(&test_type_no_name, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, req, 2)), -EINVAL);
	/* A buffer and a device to attach are not optional. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_mapping_attach(NULL, ctx->dev, req, 1,
							     &attach_test_importer_ops, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_mapping_attach(ctx->dmabuf, NULL, req, 1,
							     &attach_test_importer_ops, NULL)),
			-EINVAL);
	/* The new attach is for dynamic importers only. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_mapping_attach(ctx->dmabuf, ctx->dev,
							     req, 1, NULL, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_mapping_attach(ctx->dmabuf, ctx->dev,
							     req, 1, &no_invalidate,
							     NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->exp->offer_calls, 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), 0);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 0);
}

/*
 * Negotiation runs without the reservation lock, and the exporter's
 * attach callback sees the outcome before the attachment is published.
 */
static void mapping_outcome_before_publish(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;

	attach = attach_test_native_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_FALSE(test, ctx->exp->resv_held_in_offers);
	KUNIT_EXPECT_PTR_EQ(test, ctx->exp->type_in_attach, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_FALSE(test, ctx->exp->listed_in_attach);
	KUNIT_EXPECT_TRUE(test, attach_test_listed(attach));
	dma_buf_detach(ctx->dmabuf, attach);
}

/*
 * Native exporter, legacy importers: static (cached, pinned mapping),
 * dynamic, and NULL importer_ops through dma_buf_dynamic_attach().
 */
static void compat_native_exporter_legacy_importer(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
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

	dyn = dma_buf_dynamic_attach(ctx->dmabuf, ctx->dev, &attach_test_importer_ops,
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
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_static_ops);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, true);
	struct dma_buf_attachment *attach;

	attach = attach_test_native_attach(ctx, &req, 1);
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
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request req = TEST_REQUEST(&attach_test_type_a, 0);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	ctx->exp->offers[0] = TEST_OFFER(&attach_test_type_a, 0);
	ctx->exp->noffers = 1;
	attach = attach_test_native_attach(ctx, &req, 1);
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
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	/* The stub never looks at the provider: any distinct pointer does. */
	struct pci_dev *provider = kunit_kzalloc(test, 8, GFP_KERNEL);
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(ctx->dev, true);
	const struct dma_buf_mapping_request plain = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;

	kunit_activate_static_stub(test, dma_buf_p2p_distance, attach_test_p2p_distance);
	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&attach_test_sgt_ops, provider);
	ctx->exp->offers[1] = DMA_BUF_SGT_OFFER(&attach_test_sgt_ops);
	ctx->exp->noffers = 2;

	attach_test_p2p_reachable = true;
	attach = attach_test_native_attach(ctx, &p2p, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.sgt_offer.p2p_provider, provider);
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
	dma_buf_kunit_expect_bufinfo(test, attach,
				     "\tmapping=sgt\texporter=native\timporter=native\tp2p=yes");
	dma_buf_detach(ctx->dmabuf, attach);

	/* No consent: the plain offer. */
	attach = attach_test_native_attach(ctx, &plain, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_NULL(test, attach->offer.sgt_offer.p2p_provider);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);

	/* Consent, but the topology does not allow it. */
	attach_test_p2p_reachable = false;
	attach = attach_test_native_attach(ctx, &p2p, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);

	/* A buffer that can only be reached over P2P. */
	ctx->exp->noffers = 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, &p2p, 1)), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach_test_native_attach(ctx, &plain, 1)), -EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/*
 * Without the stub the real pci_p2pdma_distance() runs: with or without
 * PCI_P2PDMA it refuses an importer that is not a PCI device (before it
 * looks at the provider), so the plain offer wins.
 */
static void mapping_p2p_real_distance(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);
	const struct dma_buf_mapping_request p2p = DMA_BUF_SGT_REQUEST(ctx->dev, true);
	struct pci_dev *provider = kunit_kzalloc(test, 8, GFP_KERNEL);
	struct dma_buf_attachment *attach;

	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&attach_test_sgt_ops, provider);
	ctx->exp->offers[1] = DMA_BUF_SGT_OFFER(&attach_test_sgt_ops);
	ctx->exp->noffers = 2;
	attach = attach_test_native_attach(ctx, &p2p, 1);
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

		attach = t->native ? attach_test_native_attach(ctx, &req, 1) :
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

static int stress_invalidate(void *data)
{
	struct stress_thread *t = data;
	int i;

	for (i = 0; i < t->iterations; i++) {
		dma_resv_lock(t->ctx->dmabuf->resv, NULL);
		dma_buf_invalidate_mappings(t->ctx->dmabuf);
		dma_resv_unlock(t->ctx->dmabuf->resv);
		cond_resched();
	}
	complete(&t->done);
	return 0;
}

/*
 * Several threads attach, map, unmap and detach natively and through the
 * legacy API while another invalidates the mappings, a bounded number of
 * times.
 */
static void mapping_concurrency(struct kunit *test)
{
	struct attach_test_ctx *ctx = attach_test_export(test, &attach_test_dynamic_ops);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *held;
	struct stress_thread t[5] = {};
	int i;

	/* One attachment lives throughout: every invalidation reaches it. */
	held = attach_test_native_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, held);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		t[i].ctx = ctx;
		t[i].native = i % 2;
		t[i].iterations = 200;
		init_completion(&t[i].done);
		t[i].task = kthread_run(i == ARRAY_SIZE(t) - 1 ? stress_invalidate :
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
	if (attach_test_alloc_fails())
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
	struct attach_test_ctx *ctx = attach_test_export(test, ops);
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	int nth, failures = 0;

	kunit_activate_static_stub(test, dma_buf_alloc_attachment,
				   failing_alloc_attachment);
	for (nth = 1; nth < 20; nth++) {
		attach_test_fail_nth = nth;
		attach = native ? attach_test_native_attach(ctx, &req, 1) :
				  dma_buf_attach(ctx->dmabuf, ctx->dev);
		sgt = ERR_PTR(-EINVAL);
		if (!IS_ERR(attach)) {
			sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
			if (!IS_ERR(sgt))
				dma_buf_unmap_attachment_unlocked(attach, sgt,
								  DMA_BIDIRECTIONAL);
			dma_buf_detach(ctx->dmabuf, attach);
		}
		if (!attach_test_fail_nth) {
			/* The nth allocation failed: the step that did it says so. */
			failures++;
			KUNIT_EXPECT_EQ(test, IS_ERR(attach) ? PTR_ERR(attach) : PTR_ERR(sgt),
					-ENOMEM);
		} else {
			/* Fewer allocations than nth: everything succeeded. */
			KUNIT_EXPECT_FALSE(test, IS_ERR(attach));
			KUNIT_EXPECT_FALSE(test, IS_ERR(sgt));
			attach_test_fail_nth = 0;
			break;
		}
		KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
		KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->attaches), COUNT(ctx->exp->detaches));
		KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), COUNT(ctx->exp->unmaps));
		KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
	}
	attach_test_fail_nth = 0;
	/* The attachment, the exporter's attach state and the sg_table. */
	KUNIT_EXPECT_GE(test, failures, 3);
	KUNIT_EXPECT_LT(test, nth, 20);
}

static void mapping_alloc_failures_native(struct kunit *test)
{
	alloc_failures(test, &attach_test_dynamic_ops, true);
}

static void mapping_alloc_failures_static_importer(struct kunit *test)
{
	alloc_failures(test, &attach_test_dynamic_ops, false);
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
	.name = "dma_buf_mapping",
	.test_cases = dma_buf_mapping_cases,
};

kunit_test_suite(dma_buf_mapping_suite);
