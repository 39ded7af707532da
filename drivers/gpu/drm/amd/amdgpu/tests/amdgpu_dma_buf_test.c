// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit tests of amdgpu's dma-buf decisions, without a device: which
 * mapping offers an exported BO makes for its state, what the dma-buf
 * core's negotiation then gives amdgpu importers (same XGMI hive or not)
 * and other importers (with and without P2P consent, legacy or native),
 * how an XGMI import is mapped through the offer's operations, and where
 * a map places the BO. The devices are zeroed amdgpu_device
 * structures with only the fields these decisions read set; the PCI P2P
 * distance is a static stub.
 */

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-mapping.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/pm_runtime.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <drm/ttm/ttm_tt.h>

#include "amdgpu.h"
#include "amdgpu_dma_buf.h"
#include "amdgpu_object.h"
#include "amdgpu_ttm.h"
#include "tests/amdgpu_dma_buf_test.h"

/* The PCI P2P distance is replaced through the core's KUnit stub. */
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define HIVE_A	0x1a1a
#define HIVE_B	0x2b2b

/* BO states */
#define VRAM_BO		{ .prefers_vram = true, .runtime_active = true, .in_hive = true }
#define VRAM_BO_NO_HIVE	{ .prefers_vram = true, .runtime_active = true }
/* Prefers GTT now; AMDGPU_GEM_OP_SET_PLACEMENT may move it to VRAM later. */
#define GTT_BO		{ .runtime_active = true, .in_hive = true }
#define DCC_BO		{ .prefers_vram = true, .gfx12_dcc = true, \
			  .runtime_active = true, .in_hive = true }
#define SUSPENDED_BO	{ .prefers_vram = true, .in_hive = true }

#define ALL_OFFERS	(AMDGPU_DMA_BUF_OFFER_XGMI | AMDGPU_DMA_BUF_OFFER_P2P | \
			 AMDGPU_DMA_BUF_OFFER_GTT)

struct mask_case {
	const char *name;
	struct amdgpu_dma_buf_bo_state st;
	unsigned int mask;
};

static const struct mask_case mask_cases[] = {
	{ "vram bo in a hive", VRAM_BO, ALL_OFFERS },
	{ "vram bo, no hive", VRAM_BO_NO_HIVE,
	  AMDGPU_DMA_BUF_OFFER_P2P | AMDGPU_DMA_BUF_OFFER_GTT },
	/* Peers are offered the BO whatever it prefers: each map decides. */
	{ "gtt bo in a hive", GTT_BO, ALL_OFFERS },
	{ "gfx12 dcc surface", DCC_BO, AMDGPU_DMA_BUF_OFFER_GTT },
	{ "runtime suspended exporter", SUSPENDED_BO, AMDGPU_DMA_BUF_OFFER_GTT },
};

static void mask_case_desc(const struct mask_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mask, mask_cases, mask_case_desc);

static void amdgpu_dma_buf_offers_mask(struct kunit *test)
{
	const struct mask_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, amdgpu_dma_buf_offer_mask(&c->st), c->mask);
}

enum importer {
	AMDGPU_SAME_HIVE,	/* amdgpu's requests, from a device of the hive */
	AMDGPU_OTHER_HIVE,
	AMDGPU_NO_HIVE,
	FOREIGN_P2P,		/* another driver: SGT, P2P allowed */
	FOREIGN_NO_P2P,
	LEGACY_P2P,		/* dma_buf_dynamic_attach(), allow_peer2peer */
	LEGACY_NO_P2P,
};

enum outcome { GOT_XGMI, GOT_P2P, GOT_GTT };

struct negotiate_case {
	const char *name;
	struct amdgpu_dma_buf_bo_state st;
	enum importer importer;
	bool reachable;		/* pci_p2pdma_distance() allows it */
	enum outcome outcome;
};

static const struct negotiate_case negotiate_cases[] = {
	{ "vram bo, same hive", VRAM_BO, AMDGPU_SAME_HIVE, true, GOT_XGMI },
	{ "vram bo, same hive, no pcie p2p", VRAM_BO, AMDGPU_SAME_HIVE, false, GOT_XGMI },
	{ "vram bo, other hive", VRAM_BO, AMDGPU_OTHER_HIVE, true, GOT_P2P },
	{ "vram bo, other hive, no pcie p2p", VRAM_BO, AMDGPU_OTHER_HIVE, false, GOT_GTT },
	{ "vram bo, importer in no hive", VRAM_BO, AMDGPU_NO_HIVE, true, GOT_P2P },
	{ "vram bo, exporter in no hive", VRAM_BO_NO_HIVE, AMDGPU_SAME_HIVE, true, GOT_P2P },
	{ "gtt bo, same hive", GTT_BO, AMDGPU_SAME_HIVE, true, GOT_XGMI },
	{ "gfx12 dcc, same hive", DCC_BO, AMDGPU_SAME_HIVE, true, GOT_GTT },
	{ "gfx12 dcc, other hive", DCC_BO, AMDGPU_OTHER_HIVE, true, GOT_GTT },
	{ "suspended exporter, same hive", SUSPENDED_BO, AMDGPU_SAME_HIVE, true, GOT_GTT },
	{ "suspended exporter, other hive", SUSPENDED_BO, AMDGPU_OTHER_HIVE, true, GOT_GTT },
	{ "vram bo, foreign p2p importer", VRAM_BO, FOREIGN_P2P, true, GOT_P2P },
	{ "vram bo, foreign p2p importer, no pcie p2p", VRAM_BO, FOREIGN_P2P, false, GOT_GTT },
	{ "vram bo, foreign importer without consent", VRAM_BO, FOREIGN_NO_P2P, true, GOT_GTT },
	{ "vram bo, legacy p2p importer", VRAM_BO, LEGACY_P2P, true, GOT_P2P },
	{ "vram bo, legacy importer without consent", VRAM_BO, LEGACY_NO_P2P, true, GOT_GTT },
	{ "gtt bo, foreign p2p importer", GTT_BO, FOREIGN_P2P, true, GOT_P2P },
};

static void negotiate_case_desc(const struct negotiate_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(negotiate, negotiate_cases, negotiate_case_desc);

static void free_adev(void *adev)
{
	vfree(adev);
}

/* A zeroed device in @hive (0: none) that attaches with KUnit device @name. */
static struct amdgpu_device *fake_adev(struct kunit *test, const char *name, u64 hive)
{
	struct amdgpu_device *adev;

	/* Too large for kmalloc on some configurations. */
	adev = vzalloc(sizeof(*adev));
	KUNIT_ASSERT_NOT_NULL(test, adev);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, free_adev, adev));
	adev->gmc.xgmi.hive_id = hive;
	/* Never dereferenced: the P2P distance is a stub. */
	adev->pdev = kunit_kzalloc(test, sizeof(*adev->pdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, adev->pdev);
	adev->ddev.dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, adev->ddev.dev);
	return adev;
}

/* The test's exporter: the offers amdgpu makes for one BO state. */
struct fake_export {
	unsigned int mask;
	struct amdgpu_device *adev;
};

static int fake_get_offers(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
			   struct dma_buf_mapping_offers *offers)
{
	struct fake_export *fe = dmabuf->priv;

	amdgpu_dma_buf_fill_offers(fe->mask, fe->adev, offers);
	return 0;
}

static int fake_pin(struct dma_buf_attachment *attach)
{
	return 0;
}

static void fake_unpin(struct dma_buf_attachment *attach)
{
}

static void fake_release(struct dma_buf *dmabuf)
{
}

/*
 * Dynamic, like amdgpu's exporter: the core then never maps at attach time
 * (the offers' map is amdgpu's and needs a real BO; these tests only attach).
 */
static const struct dma_buf_ops fake_dma_buf_ops = {
	.get_mapping_offers = fake_get_offers,
	.pin = fake_pin,
	.unpin = fake_unpin,
	.release = fake_release,
};

static void fake_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops fake_importer_ops = {
	.allow_peer2peer = true,
	.invalidate_mappings = fake_invalidate,
};

static const struct dma_buf_attach_ops fake_importer_nop2p_ops = {
	.invalidate_mappings = fake_invalidate,
};

static bool p2p_reachable;

static int fake_p2p_distance(struct pci_dev *provider, struct device *client)
{
	return p2p_reachable ? 1 : -1;
}

static void put_dmabuf(void *dmabuf)
{
	dma_buf_put(dmabuf);
}

static struct dma_buf *fake_export(struct kunit *test, struct amdgpu_device *adev,
				   unsigned int mask)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct fake_export *fe;
	struct dma_buf *dmabuf;

	fe = kunit_kzalloc(test, sizeof(*fe), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fe);
	fe->mask = mask;
	fe->adev = adev;
	info.ops = &fake_dma_buf_ops;
	info.size = PAGE_SIZE;
	info.priv = fe;
	dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, put_dmabuf, dmabuf));
	return dmabuf;
}

static struct dma_buf_attachment *attach_as(struct kunit *test, struct dma_buf *dmabuf,
					    enum importer importer)
{
	struct dma_buf_mapping_request requests[2];
	static atomic_t instance;
	struct amdgpu_device *imp;
	struct device *dev;
	unsigned int count;
	char name[32];

	/* KUnit device names must be unique while the test runs. */
	snprintf(name, sizeof(name), "%s-importer.%d",
		 importer <= AMDGPU_NO_HIVE ? "amdgpu" : "foreign",
		 atomic_inc_return(&instance));
	switch (importer) {
	case AMDGPU_SAME_HIVE:
	case AMDGPU_OTHER_HIVE:
	case AMDGPU_NO_HIVE:
		imp = fake_adev(test, name,
				importer == AMDGPU_SAME_HIVE ? HIVE_A :
				importer == AMDGPU_OTHER_HIVE ? HIVE_B : 0);
		count = amdgpu_dma_buf_fill_requests(imp, requests);
		return dma_buf_mapping_attach(dmabuf, imp->ddev.dev, requests, count,
					      &fake_importer_ops, NULL);
	default:
		break;
	}

	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	switch (importer) {
	case FOREIGN_P2P:
	case FOREIGN_NO_P2P:
		requests[0] = DMA_BUF_SGT_REQUEST(dev, importer == FOREIGN_P2P);
		return dma_buf_mapping_attach(dmabuf, dev, requests, 1,
					      &fake_importer_ops, NULL);
	case LEGACY_P2P:
		return dma_buf_dynamic_attach(dmabuf, dev, &fake_importer_ops, NULL);
	default:
		return dma_buf_dynamic_attach(dmabuf, dev, &fake_importer_nop2p_ops,
					      NULL);
	}
}

/* The mask amdgpu computes for each state, then the core's negotiation. */
static void amdgpu_dma_buf_offers_negotiate(struct kunit *test)
{
	const struct negotiate_case *c = test->param_value;
	struct dma_buf_attachment *attach;
	struct amdgpu_device *exp;
	struct dma_buf *dmabuf;

	exp = fake_adev(test, "amdgpu-exporter", c->st.in_hive ? HIVE_A : 0);
	dmabuf = fake_export(test, exp, amdgpu_dma_buf_offer_mask(&c->st));
	p2p_reachable = c->reachable;
	kunit_activate_static_stub(test, dma_buf_p2p_distance, fake_p2p_distance);

	attach = attach_as(test, dmabuf, c->importer);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	switch (c->outcome) {
	case GOT_XGMI:
		KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type,
				    &amdgpu_dma_buf_mapping_xgmi);
		KUNIT_EXPECT_PTR_EQ(test, attach->offer.priv.data, exp);
		KUNIT_EXPECT_FALSE(test, attach->peer2peer);
		break;
	case GOT_P2P:
		KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
		KUNIT_EXPECT_PTR_EQ(test, attach->offer.sgt_offer.p2p_provider,
				    exp->pdev);
		KUNIT_EXPECT_TRUE(test, attach->peer2peer);
		break;
	case GOT_GTT:
		KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
		KUNIT_EXPECT_NULL(test, attach->offer.sgt_offer.p2p_provider);
		KUNIT_EXPECT_FALSE(test, attach->peer2peer);
		break;
	}
	dma_buf_detach(dmabuf, attach);
}

/*
 * Exactly the offers of the mask are added, in order, and nothing past
 * them: the core must never read an entry amdgpu did not initialise.
 */
static void amdgpu_dma_buf_offers_entries(struct kunit *test)
{
	struct dma_buf_mapping_offers list;
	struct dma_buf_mapping_offer *offers = list.entries;
	struct amdgpu_device *adev = fake_adev(test, "amdgpu-exporter", HIVE_A);
	unsigned int mask;
	int i;

	for (mask = 0; mask <= ALL_OFFERS; mask++) {
		memset(list.entries, 0x5a, sizeof(list.entries));
		list.count = 0;
		list.overflowed = false;
		amdgpu_dma_buf_fill_offers(mask, adev, &list);
		KUNIT_EXPECT_EQ(test, list.count, hweight32(mask));
		KUNIT_EXPECT_FALSE(test, list.overflowed);
		i = 0;
		if (mask & AMDGPU_DMA_BUF_OFFER_XGMI) {
			KUNIT_EXPECT_PTR_EQ(test, offers[i].type,
					    &amdgpu_dma_buf_mapping_xgmi);
			KUNIT_EXPECT_PTR_EQ(test, offers[i].priv.data, adev);
			KUNIT_EXPECT_TRUE(test,
					  amdgpu_dma_buf_mapping_xgmi.valid_offer(&offers[i]));
			i++;
		}
		if (mask & AMDGPU_DMA_BUF_OFFER_P2P) {
			KUNIT_EXPECT_PTR_EQ(test, offers[i].type, &dma_buf_mapping_sgt);
			KUNIT_EXPECT_PTR_EQ(test, offers[i].sgt_offer.p2p_provider,
					    adev->pdev);
			KUNIT_EXPECT_TRUE(test, dma_buf_mapping_sgt.valid_offer(&offers[i]));
			i++;
		}
		if (mask & AMDGPU_DMA_BUF_OFFER_GTT) {
			KUNIT_EXPECT_PTR_EQ(test, offers[i].type, &dma_buf_mapping_sgt);
			KUNIT_EXPECT_NULL(test, offers[i].sgt_offer.p2p_provider);
			KUNIT_EXPECT_TRUE(test, dma_buf_mapping_sgt.valid_offer(&offers[i]));
			i++;
		}
		for (; i < ARRAY_SIZE(list.entries); i++)
			KUNIT_EXPECT_NULL(test, memchr_inv(&offers[i], 0x5a, sizeof(offers[i])));
	}
}

/*
 * The XGMI type's contract with the core: a request must name the device
 * it attaches with, an offer its device; neither is ever matched against
 * anything but XGMI, and a pair of one device with itself never matches.
 */
static void amdgpu_dma_buf_xgmi_contract(struct kunit *test)
{
	struct amdgpu_device *exp = fake_adev(test, "amdgpu-exporter", HIVE_A);
	struct amdgpu_device *imp = fake_adev(test, "amdgpu-importer", HIVE_A);
	struct dma_buf_mapping_request requests[2];
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct device *other;
	unsigned int count;

	dmabuf = fake_export(test, exp, ALL_OFFERS);
	kunit_activate_static_stub(test, dma_buf_p2p_distance, fake_p2p_distance);
	p2p_reachable = true;

	count = amdgpu_dma_buf_fill_requests(imp, requests);
	KUNIT_ASSERT_EQ(test, count, 2);
	KUNIT_EXPECT_PTR_EQ(test, requests[0].type, &amdgpu_dma_buf_mapping_xgmi);
	KUNIT_EXPECT_PTR_EQ(test, requests[0].priv.data, imp);
	KUNIT_EXPECT_PTR_EQ(test, requests[1].type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, requests[1].sgt_request.dev, imp->ddev.dev);
	KUNIT_EXPECT_TRUE(test, requests[1].sgt_request.allow_p2p);

	/* Attaching with another device than the request names. */
	other = kunit_device_register(test, "amdgpu-dma-buf-other");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	attach = dma_buf_mapping_attach(dmabuf, other, requests, count,
					&fake_importer_ops, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);

	/* The exporter's own device: not a peer of itself, P2P SGT instead. */
	count = amdgpu_dma_buf_fill_requests(exp, requests);
	attach = dma_buf_mapping_attach(dmabuf, exp->ddev.dev, requests, count,
					&fake_importer_ops, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	dma_buf_detach(dmabuf, attach);

	/* An importer asking only for XGMI from another hive gets nothing. */
	imp->gmc.xgmi.hive_id = HIVE_B;
	count = amdgpu_dma_buf_fill_requests(imp, requests);
	attach = dma_buf_mapping_attach(dmabuf, imp->ddev.dev, requests, 1,
					&fake_importer_ops, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
}

/* An exporter of the XGMI type alone, with its own operations, counting. */
struct xgmi_export {
	struct amdgpu_device *adev;
	const struct amdgpu_dma_buf_xgmi_ops *ops;
	struct amdgpu_dma_buf_xgmi_map map;
	struct sg_table sgt;
	int maps, unmaps, pins, unpins;
};

static struct amdgpu_dma_buf_xgmi_map *xgmi_exp_map(struct dma_buf_attachment *attach)
{
	struct xgmi_export *xe = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	xe->maps++;
	xe->map.sgt = &xe->sgt;
	return &xe->map;
}

static void xgmi_exp_unmap(struct dma_buf_attachment *attach,
			   struct amdgpu_dma_buf_xgmi_map *map)
{
	struct xgmi_export *xe = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (map == &xe->map)
		xe->unmaps++;
}

static const struct amdgpu_dma_buf_xgmi_ops xgmi_exp_ops = {
	.map = xgmi_exp_map,
	.unmap = xgmi_exp_unmap,
};

static int xgmi_exp_offers(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
			   struct dma_buf_mapping_offers *offers)
{
	struct xgmi_export *xe = dmabuf->priv;

	return dma_buf_mapping_offer_add(offers, amdgpu_dma_buf_xgmi_offer(xe->adev, xe->ops));
}

static int xgmi_exp_pin(struct dma_buf_attachment *attach)
{
	((struct xgmi_export *)attach->dmabuf->priv)->pins++;
	return 0;
}

static void xgmi_exp_unpin(struct dma_buf_attachment *attach)
{
	((struct xgmi_export *)attach->dmabuf->priv)->unpins++;
}

static const struct dma_buf_ops xgmi_exp_dma_buf_ops = {
	.get_mapping_offers = xgmi_exp_offers,
	.pin = xgmi_exp_pin,
	.unpin = xgmi_exp_unpin,
	.release = fake_release,
};

static int mapping_reports;

static bool count_mapping_report(const struct dma_buf *dmabuf, const struct device *importer,
				 const char *what, long value)
{
	mapping_reports++;
	return false;
}

/*
 * An XGMI import is mapped through the operations of the exporter's
 * offer, never by calling amdgpu's exporter directly, and pinned around
 * the mapping exactly where the core pins its own types (without
 * DMABUF_MOVE_NOTIFY). A mapping the importer leaves behind at detach is
 * reported and undone by the type's detach, as the core does for SGT and
 * PAL. An offer without operations is an exporter bug that the core
 * refuses at attach.
 */
static void amdgpu_dma_buf_xgmi_map_ops(struct kunit *test)
{
	int pins_per_map = IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : 1;
	struct amdgpu_device *exp = fake_adev(test, "amdgpu-xgmi-exporter", HIVE_A);
	struct amdgpu_device *imp = fake_adev(test, "amdgpu-xgmi-importer", HIVE_A);
	struct amdgpu_dma_buf_xgmi_map *map = NULL;
	struct dma_buf_mapping_request request;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf_attachment *attach;
	struct xgmi_export *xe;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;

	xe = kunit_kzalloc(test, sizeof(*xe), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, xe);
	xe->adev = exp;
	xe->ops = &xgmi_exp_ops;
	info.ops = &xgmi_exp_dma_buf_ops;
	info.size = PAGE_SIZE;
	info.priv = xe;
	dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, put_dmabuf, dmabuf));

	request = AMDGPU_DMA_BUF_XGMI_REQUEST(imp);
	attach = dma_buf_mapping_attach(dmabuf, imp->ddev.dev, &request, 1,
					&fake_importer_ops, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &amdgpu_dma_buf_mapping_xgmi);

	dma_resv_lock(dmabuf->resv, NULL);
	sgt = amdgpu_dma_buf_map_import(attach, &map);
	KUNIT_EXPECT_PTR_EQ(test, sgt, &xe->sgt);
	KUNIT_EXPECT_PTR_EQ(test, map, &xe->map);
	KUNIT_EXPECT_EQ(test, xe->maps, 1);
	KUNIT_EXPECT_EQ(test, xe->pins, pins_per_map);
	if (!IS_ERR(sgt))
		amdgpu_dma_buf_unmap_import(attach, sgt, &map);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_EQ(test, xe->unmaps, 1);
	KUNIT_EXPECT_EQ(test, xe->unpins, xe->pins);
	KUNIT_EXPECT_NULL(test, map);
	KUNIT_EXPECT_NULL(test, attach->priv_mapping);
	mapping_reports = 0;
	kunit_activate_static_stub(test, dma_buf_mapping_report, count_mapping_report);
	dma_buf_detach(dmabuf, attach);
	KUNIT_EXPECT_EQ(test, mapping_reports, 0);

	/*
	 * An importer that detaches with its XGMI mapping still held: the
	 * type's detach reports it and unmaps and unpins it for the exporter.
	 */
	attach = dma_buf_mapping_attach(dmabuf, imp->ddev.dev, &request, 1,
					&fake_importer_ops, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = amdgpu_dma_buf_map_import(attach, &map);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_EXPECT_PTR_EQ(test, attach->priv_mapping, map);
	KUNIT_EXPECT_EQ(test, xe->pins, 2 * pins_per_map);
	dma_buf_detach(dmabuf, attach);
	KUNIT_EXPECT_EQ(test, mapping_reports, 1);
	KUNIT_EXPECT_EQ(test, xe->maps, 2);
	KUNIT_EXPECT_EQ(test, xe->unmaps, 2);
	KUNIT_EXPECT_EQ(test, xe->unpins, xe->pins);

	xe->ops = NULL;
	mapping_reports = 0;
	attach = dma_buf_mapping_attach(dmabuf, imp->ddev.dev, &request, 1,
					&fake_importer_ops, NULL);
	kunit_deactivate_static_stub(test, dma_buf_mapping_report);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, mapping_reports, 1);
}

/*
 * A BO of @adev exported with amdgpu's own dma_buf_ops, so that the real
 * get_mapping_offers, attach and detach run. Only the fields they read
 * are set: the BO's device, flags and preferred domains, and the device's
 * DRM core fields that export and release use (real_device()). The
 * dma-buf holds the object's first reference and one on the device, as
 * amdgpu's export does; the test's own reference keeps the fake device
 * from ever being released by the DRM core.
 */
static void real_bo_free(struct drm_gem_object *obj)
{
	drm_gem_object_release(obj);
}

static const struct drm_gem_object_funcs real_bo_funcs = {
	.free = real_bo_free,
};

static const struct drm_driver real_bo_driver = {
	.name = "amdgpu-dma-buf-test",
};

static void destroy_vma_offset_manager(void *mgr)
{
	drm_vma_offset_manager_destroy(mgr);
}

/*
 * The VMA offset manager is what releasing a GEM object locks: it goes
 * after the case's dma-bufs, which are exported later and so put first.
 */
static void real_device(struct kunit *test, struct amdgpu_device *adev)
{
	struct drm_vma_offset_manager *vma;

	vma = kunit_kzalloc(test, sizeof(*vma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	drm_vma_offset_manager_init(vma, 1, SZ_1M);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, destroy_vma_offset_manager, vma), 0);
	adev->ddev.vma_offset_manager = vma;
	adev->ddev.driver = &real_bo_driver;
	kref_init(&adev->ddev.ref);
}

/*
 * The last put of a dma-buf from a kernel thread is deferred: release it
 * now, while the BO and the device it points at still exist.
 */
static void put_dmabuf_now(void *dmabuf)
{
	dma_buf_put(dmabuf);
	flush_delayed_fput();
}

/* Export @obj with amdgpu's dma_buf_ops; the dma-buf takes the caller's reference. */
static struct dma_buf *real_export(struct kunit *test, struct drm_gem_object *obj)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	int ret;

	info.ops = &amdgpu_dmabuf_ops;
	info.size = obj->size;
	info.flags = O_RDWR;
	info.priv = obj;
	info.resv = obj->resv;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		drm_gem_object_put(obj);
		KUNIT_FAIL_AND_ABORT(test, "export: %pe", dmabuf);
	}
	drm_dev_get(obj->dev);
	ret = kunit_add_action_or_reset(test, put_dmabuf_now, dmabuf);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return dmabuf;
}

/* A GEM object of @adev that is an amdgpu_bo in name only: no TTM behind it. */
static struct drm_gem_object *fake_bo(struct kunit *test, struct amdgpu_device *adev,
				      u64 flags)
{
	struct amdgpu_bo *bo;

	bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);
	bo->tbo.bdev = &adev->mman.bdev;
	bo->flags = flags;
	bo->preferred_domains = AMDGPU_GEM_DOMAIN_VRAM;
	bo->tbo.base.funcs = &real_bo_funcs;
	drm_gem_private_object_init(&adev->ddev, &bo->tbo.base, PAGE_SIZE);
	return &bo->tbo.base;
}

/* The exporter's runtime PM usage count; without CONFIG_PM none is kept. */
static int pm_usage(struct amdgpu_device *adev)
{
#ifdef CONFIG_PM
	return atomic_read(&adev_to_drm(adev)->dev->power.usage_count);
#else
	return 0;
#endif
}

/* What a peer attachment adds to it. */
#define PEER_PM_REF	(IS_ENABLED(CONFIG_PM) ? 1 : 0)

/*
 * Attach @importer to @dmabuf (exported by @exp) with amdgpu's real
 * callbacks, expect @type and @peer, a runtime PM reference on @exp for
 * exactly the peer attachments, and none left after the detach.
 */
static void expect_real_attach(struct kunit *test, struct amdgpu_device *exp,
			       struct dma_buf *dmabuf, enum importer importer,
			       const struct dma_buf_mapping_type *type, bool peer)
{
	int usage = pm_usage(exp);
	struct dma_buf_attachment *attach;

	attach = attach_as(test, dmabuf, importer);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, type);
	if (type == &amdgpu_dma_buf_mapping_xgmi)
		KUNIT_EXPECT_PTR_EQ(test, attach->offer.priv.data, exp);
	else
		KUNIT_EXPECT_EQ(test, attach->peer2peer, peer);
	KUNIT_EXPECT_EQ(test, pm_usage(exp), usage + (peer ? PEER_PM_REF : 0));
	dma_buf_detach(dmabuf, attach);
	KUNIT_EXPECT_EQ(test, pm_usage(exp), usage);
}

/*
 * amdgpu's real get_mapping_offers, attach and detach: an amdgpu importer
 * of the hive gets XGMI and holds a runtime PM reference on the exporter
 * until it detaches, a P2P importer too; an importer without P2P consent
 * gets plain SGT and none; a GFX12 DCC surface is offered to nobody as a
 * peer.
 */
static void amdgpu_dma_buf_real_attach_detach(struct kunit *test)
{
	struct amdgpu_device *exp = fake_adev(test, "amdgpu-real-exporter", HIVE_A);
	struct dma_buf *dmabuf;

	kunit_activate_static_stub(test, dma_buf_p2p_distance, fake_p2p_distance);
	p2p_reachable = true;
	real_device(test, exp);
	dmabuf = real_export(test, fake_bo(test, exp, 0));
	expect_real_attach(test, exp, dmabuf, AMDGPU_SAME_HIVE,
			   &amdgpu_dma_buf_mapping_xgmi, true);
	expect_real_attach(test, exp, dmabuf, FOREIGN_P2P, &dma_buf_mapping_sgt, true);
	expect_real_attach(test, exp, dmabuf, FOREIGN_NO_P2P, &dma_buf_mapping_sgt, false);

	/* GFX12 with a DCC surface: compression metadata is device-local. */
	exp->ip_versions[GC_HWIP][0] = IP_VERSION(12, 0, 0);
	dmabuf = real_export(test, fake_bo(test, exp, AMDGPU_GEM_CREATE_GFX12_DCC));
	expect_real_attach(test, exp, dmabuf, AMDGPU_SAME_HIVE, &dma_buf_mapping_sgt, false);
}

/*
 * A device with amdgpu's own TTM driver (amdgpu_bo_driver) and its GTT and
 * VRAM managers, without hardware: real amdgpu BOs are created, placed and
 * mapped. GTT pages come from TTM's pool; VRAM is a made-up aperture above
 * any RAM, which dma_map_resource() maps like a PCI BAR (the importers are
 * KUnit devices without an IOMMU, so a DMA address is the bus address).
 * Moving a BO out of VRAM needs a copy engine, so no case does.
 */
#define TTM_VRAM_SIZE	SZ_64M
#define TTM_GTT_SIZE	SZ_256M
#define TTM_APER_BASE	BIT_ULL(39)

struct ttm_adev_backing {
	struct address_space mapping;
};

static void ttm_adev_fini(void *data)
{
	struct amdgpu_device *adev = data;

	/* A BO released while busy is destroyed from TTM's workqueue. */
	flush_workqueue(adev->mman.bdev.wq);
	amdgpu_vram_mgr_fini(adev);
	amdgpu_gtt_mgr_fini(adev);
	ttm_device_fini(&adev->mman.bdev);
}

static void dma_capable_64(struct kunit *test, struct device *dev)
{
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
}

static struct amdgpu_device *ttm_adev(struct kunit *test, const char *name, u64 hive)
{
	struct amdgpu_device *adev = fake_adev(test, name, hive);
	struct device *dev = adev_to_drm(adev)->dev;
	struct ttm_adev_backing *t;
	int ret;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	real_device(test, adev);
	dma_capable_64(test, dev);
	address_space_init_once(&t->mapping);
	spin_lock_init(&adev->mm_stats.lock);
	adev->gmc.mc_vram_size = TTM_VRAM_SIZE;
	adev->gmc.real_vram_size = TTM_VRAM_SIZE;
	adev->gmc.visible_vram_size = TTM_VRAM_SIZE;
	adev->gmc.aper_base = TTM_APER_BASE;
	adev->gmc.aper_size = TTM_VRAM_SIZE;
	adev->gmc.gart_size = TTM_GTT_SIZE;

	ret = ttm_device_init(&adev->mman.bdev, &amdgpu_bo_driver, dev, &t->mapping,
			      adev->ddev.vma_offset_manager, false, false);
	if (ret)
		KUNIT_FAIL_AND_ABORT(test, "ttm_device_init: %d", ret);
	KUNIT_ASSERT_EQ(test, amdgpu_gtt_mgr_init(adev, TTM_GTT_SIZE), 0);
	KUNIT_ASSERT_EQ(test, amdgpu_vram_mgr_init(adev), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ttm_adev_fini, adev), 0);
	return adev;
}

/* A real four-page BO of @adev created in @domain with @flags. */
static struct amdgpu_bo *ttm_bo_flags(struct kunit *test, struct amdgpu_device *adev,
				      u32 domain, u64 flags)
{
	struct amdgpu_bo_param bp = {
		.size = 4 * PAGE_SIZE,
		.byte_align = PAGE_SIZE,
		.domain = domain,
		.flags = flags,
		.type = ttm_bo_type_device,
		.bo_ptr_size = sizeof(struct amdgpu_bo),
	};
	struct amdgpu_bo *bo;

	KUNIT_ASSERT_EQ(test, amdgpu_bo_create(adev, &bp, &bo), 0);
	KUNIT_ASSERT_EQ(test, bo->tbo.resource->mem_type,
			domain == AMDGPU_GEM_DOMAIN_VRAM ? TTM_PL_VRAM : TTM_PL_TT);
	return bo;
}

static struct amdgpu_bo *ttm_bo(struct kunit *test, struct amdgpu_device *adev, u32 domain)
{
	return ttm_bo_flags(test, adev, domain, 0);
}

static void free_cpu_vram(void *data)
{
	struct amdgpu_device *adev = data;

	vfree((void __force *)adev->mman.aper_base_kaddr);
	adev->mman.aper_base_kaddr = NULL;
}

/*
 * Give @adev's made-up VRAM a kernel mapping (memory of its own), as a
 * device whose BAR covers all of VRAM has: TTM can then move contiguous
 * VRAM BOs with the CPU (amdgpu_bo_move()'s fallback without a copy
 * engine). Returns that memory.
 */
static u8 *ttm_adev_cpu_vram(struct kunit *test, struct amdgpu_device *adev)
{
	u8 *vram = vzalloc(TTM_VRAM_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, vram);
	adev->mman.aper_base_kaddr = (void __force __iomem *)vram;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_cpu_vram, adev), 0);
	return vram;
}

/*
 * What a map of @bo must return: its own pages when it is in GTT, and
 * when in VRAM, bus addresses in the aperture covering the BO once, with
 * no struct page behind them.
 */
static void expect_table(struct kunit *test, struct amdgpu_bo *bo, struct sg_table *sgt)
{
	struct sg_dma_page_iter iter;
	struct scatterlist *sg;
	unsigned int i = 0;
	u64 len = 0;

	if (bo->tbo.resource->mem_type == TTM_PL_TT) {
		for_each_sgtable_dma_page(sgt, &iter, 0) {
			if (i < bo->tbo.ttm->num_pages)
				KUNIT_EXPECT_EQ(test, sg_page_iter_dma_address(&iter),
						page_to_phys(bo->tbo.ttm->pages[i]));
			i++;
		}
		KUNIT_EXPECT_EQ(test, i, bo->tbo.ttm->num_pages);
		return;
	}
	KUNIT_ASSERT_EQ(test, bo->tbo.resource->mem_type, TTM_PL_VRAM);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_NULL(test, sg_page(sg));
		KUNIT_EXPECT_GE(test, sg_dma_address(sg), TTM_APER_BASE);
		KUNIT_EXPECT_LE(test, sg_dma_address(sg) + sg_dma_len(sg),
				TTM_APER_BASE + TTM_VRAM_SIZE);
		len += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, len, amdgpu_bo_size(bo));
}

/*
 * @bo exported (the dma-buf takes the creation reference), and an importer
 * of @kind attached with a DMA-capable device.
 */
static struct dma_buf_attachment *ttm_attach(struct kunit *test, struct amdgpu_bo *bo,
					     struct dma_buf **dmabuf, enum importer kind)
{
	struct dma_buf_attachment *attach;

	*dmabuf = real_export(test, &bo->tbo.base);
	attach = attach_as(test, *dmabuf, kind);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	dma_capable_64(test, attach->dev);
	return attach;
}

/*
 * Map through the core and amdgpu's real map: expect @err, or a table of
 * the BO where @mem_type says, and the BO pinned for the map only where
 * the core pins (a dynamic importer without DMABUF_MOVE_NOTIFY).
 */
static void expect_real_map(struct kunit *test, struct dma_buf_attachment *attach,
			    struct amdgpu_bo *bo, u32 mem_type, int err)
{
	unsigned int pins = bo->tbo.pin_count;
	struct sg_table *sgt;

	dma_resv_lock(attach->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (err) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), err);
		if (!IS_ERR(sgt))
			dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
		KUNIT_EXPECT_EQ(test, bo->tbo.pin_count, pins);
		dma_resv_unlock(attach->dmabuf->resv);
		return;
	}
	if (IS_ERR(sgt)) {
		dma_resv_unlock(attach->dmabuf->resv);
		KUNIT_FAIL_AND_ABORT(test, "map: %pe", sgt);
	}
	KUNIT_EXPECT_EQ(test, bo->tbo.resource->mem_type, mem_type);
	KUNIT_EXPECT_EQ(test, bo->tbo.pin_count,
			pins + !IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY));
	expect_table(test, bo, sgt);
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, bo->tbo.pin_count, pins);
	dma_resv_unlock(attach->dmabuf->resv);
}

/* A GTT BO: every importer is handed its pages, pinned or not. */
static void amdgpu_dma_buf_real_map_gtt(struct kunit *test)
{
	struct dma_buf_attachment *plain, *peer;
	struct amdgpu_device *adev;
	struct dma_buf *dmabuf;
	struct amdgpu_bo *bo;

	kunit_activate_static_stub(test, dma_buf_p2p_distance, fake_p2p_distance);
	p2p_reachable = true;
	adev = ttm_adev(test, "amdgpu-ttm-gtt", HIVE_A);
	bo = ttm_bo(test, adev, AMDGPU_GEM_DOMAIN_GTT);
	plain = ttm_attach(test, bo, &dmabuf, FOREIGN_NO_P2P);
	peer = attach_as(test, dmabuf, FOREIGN_P2P);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, peer);
	dma_capable_64(test, peer->dev);
	KUNIT_EXPECT_TRUE(test, peer->peer2peer);

	expect_real_map(test, plain, bo, TTM_PL_TT, 0);
	expect_real_map(test, peer, bo, TTM_PL_TT, 0);

	/* Pinned in GTT (scanout on an APU): mapped where it is. */
	KUNIT_ASSERT_EQ(test, amdgpu_bo_reserve(bo, false), 0);
	KUNIT_ASSERT_EQ(test, amdgpu_bo_pin(bo, AMDGPU_GEM_DOMAIN_GTT), 0);
	amdgpu_bo_unreserve(bo);
	expect_real_map(test, plain, bo, TTM_PL_TT, 0);
	expect_real_map(test, peer, bo, TTM_PL_TT, 0);
	KUNIT_ASSERT_EQ(test, amdgpu_bo_reserve(bo, false), 0);
	amdgpu_bo_unpin(bo);
	amdgpu_bo_unreserve(bo);

	dma_buf_detach(dmabuf, peer);
	dma_buf_detach(dmabuf, plain);
}

/*
 * A VRAM BO: a P2P importer and an XGMI importer of the hive are given
 * its VRAM and the BO stays there; pinned in VRAM it cannot be mapped.
 * Without DMABUF_MOVE_NOTIFY the core pins every map into GTT instead:
 * amdgpu_dma_buf_real_map_vram_core_pins.
 */
static void amdgpu_dma_buf_real_map_vram(struct kunit *test)
{
	struct amdgpu_dma_buf_xgmi_map *xgmi = NULL;
	struct dma_buf_attachment *peer, *hive;
	struct amdgpu_device *adev;
	struct dma_buf *dmabuf;
	struct amdgpu_bo *bo;
	struct sg_table *sgt;

	if (!IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY))
		kunit_skip(test, "peers are pinned into GTT without CONFIG_DMABUF_MOVE_NOTIFY");

	kunit_activate_static_stub(test, dma_buf_p2p_distance, fake_p2p_distance);
	p2p_reachable = true;
	adev = ttm_adev(test, "amdgpu-ttm-vram", HIVE_A);
	bo = ttm_bo(test, adev, AMDGPU_GEM_DOMAIN_VRAM);
	peer = ttm_attach(test, bo, &dmabuf, FOREIGN_P2P);
	KUNIT_EXPECT_TRUE(test, peer->peer2peer);
	hive = attach_as(test, dmabuf, AMDGPU_SAME_HIVE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, hive);
	KUNIT_ASSERT_PTR_EQ(test, hive->mapping_type, &amdgpu_dma_buf_mapping_xgmi);
	dma_capable_64(test, hive->dev);

	expect_real_map(test, peer, bo, TTM_PL_VRAM, 0);

	/* The importer's side of an XGMI map: amdgpu_ttm_backend_bind()'s call. */
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = amdgpu_dma_buf_map_import(hive, &xgmi);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, bo->tbo.resource->mem_type, TTM_PL_VRAM);
	KUNIT_EXPECT_PTR_EQ(test, amdgpu_dma_buf_xgmi_vram_bo(xgmi), bo);
	expect_table(test, bo, sgt);
	amdgpu_dma_buf_unmap_import(hive, sgt, &xgmi);
	KUNIT_EXPECT_NULL(test, xgmi);
	dma_resv_unlock(dmabuf->resv);

	/* Pinned in VRAM (scanout): no importer may map it, peer or not. */
	KUNIT_ASSERT_EQ(test, amdgpu_bo_reserve(bo, false), 0);
	KUNIT_ASSERT_EQ(test, amdgpu_bo_pin(bo, AMDGPU_GEM_DOMAIN_VRAM), 0);
	amdgpu_bo_unreserve(bo);
	expect_real_map(test, peer, bo, TTM_PL_VRAM, -EBUSY);
	KUNIT_ASSERT_EQ(test, amdgpu_bo_reserve(bo, false), 0);
	amdgpu_bo_unpin(bo);
	amdgpu_bo_unreserve(bo);

	dma_buf_detach(dmabuf, hive);
	dma_buf_detach(dmabuf, peer);
}

/* Place @bo (reserved by the caller) in @domain, as a validation does. */
static int place_bo(struct amdgpu_bo *bo, u32 domain)
{
	struct ttm_operation_ctx ctx = { .interruptible = false };

	amdgpu_bo_placement_from_domain(bo, domain);
	return ttm_bo_validate(&bo->tbo, &bo->placement, &ctx);
}

/*
 * amdgpu's importer side with a real import: amdgpu_gem_prime_import()
 * of a VRAM BO of the hive negotiates XGMI, and amdgpu_dmabuf_is_xgmi_
 * accessible() (amdgpu_vm_bo_add()'s choice) says so; an importer of
 * another hive gets neither. Placing the import in GTT binds it
 * (amdgpu_ttm_backend_bind()), which maps it through the XGMI offer:
 * amdgpu_ttm_tt_xgmi_vram_bo(), what amdgpu_vm_bo_update() maps instead
 * of the import, is the exporter's BO, left in VRAM; without
 * DMABUF_MOVE_NOTIFY the core pins the exporter's BO for the map, into
 * GTT, and there is no VRAM to map. Placing the import back in system
 * memory unbinds it (amdgpu_ttm_backend_unbind()), which unmaps.
 */
static void amdgpu_dma_buf_real_import_xgmi(struct kunit *test)
{
	struct amdgpu_device *exp, *imp, *other;
	struct drm_gem_object *obj, *far;
	struct amdgpu_bo *bo, *ibo;
	struct dma_buf *dmabuf;

	exp = ttm_adev(test, "amdgpu-xgmi-exporter", HIVE_A);
	/* Without DMABUF_MOVE_NOTIFY the map moves the BO to GTT by CPU copy. */
	ttm_adev_cpu_vram(test, exp);
	imp = ttm_adev(test, "amdgpu-xgmi-importer", HIVE_A);
	other = ttm_adev(test, "amdgpu-other-hive", HIVE_B);
	bo = ttm_bo_flags(test, exp, AMDGPU_GEM_DOMAIN_VRAM,
			  AMDGPU_GEM_CREATE_VRAM_CONTIGUOUS);
	dmabuf = real_export(test, &bo->tbo.base);

	obj = amdgpu_gem_prime_import(&imp->ddev, dmabuf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	ibo = gem_to_amdgpu_bo(obj);
	KUNIT_EXPECT_PTR_EQ(test, obj->import_attach->mapping_type,
			    &amdgpu_dma_buf_mapping_xgmi);
	KUNIT_EXPECT_TRUE(test, amdgpu_dmabuf_is_xgmi_accessible(imp, ibo));
	KUNIT_EXPECT_FALSE(test, amdgpu_dmabuf_is_xgmi_accessible(other, ibo));
	KUNIT_EXPECT_TRUE(test, amdgpu_dmabuf_is_xgmi_accessible(imp, bo));

	far = amdgpu_gem_prime_import(&other->ddev, dmabuf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, far);
	KUNIT_EXPECT_PTR_NE(test, far->import_attach->mapping_type,
			    &amdgpu_dma_buf_mapping_xgmi);
	KUNIT_EXPECT_FALSE(test, amdgpu_dmabuf_is_xgmi_accessible(other,
								  gem_to_amdgpu_bo(far)));
	drm_gem_object_put(far);

	KUNIT_ASSERT_EQ(test, amdgpu_bo_reserve(ibo, false), 0);
	KUNIT_EXPECT_EQ(test, place_bo(ibo, AMDGPU_GEM_DOMAIN_GTT), 0);
	KUNIT_EXPECT_EQ(test, ibo->tbo.resource->mem_type, TTM_PL_TT);
	if (IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY)) {
		KUNIT_EXPECT_PTR_EQ(test, amdgpu_ttm_tt_xgmi_vram_bo(ibo->tbo.ttm), bo);
		KUNIT_EXPECT_EQ(test, bo->tbo.resource->mem_type, TTM_PL_VRAM);
	} else {
		KUNIT_EXPECT_NULL(test, amdgpu_ttm_tt_xgmi_vram_bo(ibo->tbo.ttm));
		KUNIT_EXPECT_EQ(test, bo->tbo.resource->mem_type, TTM_PL_TT);
		KUNIT_EXPECT_EQ(test, bo->tbo.pin_count, 1);
	}
	KUNIT_ASSERT_NOT_NULL(test, ibo->tbo.ttm->sg);
	expect_table(test, bo, ibo->tbo.ttm->sg);

	KUNIT_EXPECT_EQ(test, place_bo(ibo, AMDGPU_GEM_DOMAIN_CPU), 0);
	KUNIT_EXPECT_EQ(test, ibo->tbo.resource->mem_type, TTM_PL_SYSTEM);
	KUNIT_EXPECT_NULL(test, amdgpu_ttm_tt_xgmi_vram_bo(ibo->tbo.ttm));
	KUNIT_EXPECT_NULL(test, ibo->tbo.ttm->sg);
	amdgpu_bo_unreserve(ibo);
	drm_gem_object_put(obj);
}

/* The exporter device's runtime PM callbacks, counted. */
static atomic_t rpm_resumes, rpm_suspends;

static int rpm_resume(struct device *dev)
{
	atomic_inc(&rpm_resumes);
	return 0;
}

static int rpm_suspend(struct device *dev)
{
	atomic_inc(&rpm_suspends);
	return 0;
}

/* The exporter device's PM domain: runtime PM calls its callbacks. */
static struct dev_pm_domain rpm_domain = {
	.ops = {
		.runtime_resume = rpm_resume,
		.runtime_suspend = rpm_suspend,
	},
};

static void rpm_dev_release(struct device *dev)
{
	kfree(dev);
}

static void rpm_dev_unregister(void *dev)
{
	pm_runtime_disable(dev);
	device_unregister(dev);
}

/*
 * A device in rpm_domain, with runtime PM enabled, runtime suspended (as
 * registered devices start). Not a KUnit bus device: those are bound to
 * a driver at once, and a bound device's PM domain cannot be set.
 */
static struct device *rpm_device(struct kunit *test)
{
	struct device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	device_initialize(dev);
	dev->release = rpm_dev_release;
	dev->pm_domain = &rpm_domain;
	ret = dev_set_name(dev, "amdgpu-rpm-exporter");
	if (!ret)
		ret = device_add(dev);
	if (ret) {
		put_device(dev);
		KUNIT_FAIL_AND_ABORT(test, "device_add: %d", ret);
	}
	pm_runtime_enable(dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rpm_dev_unregister, dev), 0);
	return dev;
}

/*
 * Runtime PM actually resuming: amdgpu's attach callback, given a peer
 * attachment (what a P2P importer gets when the exporter was active while
 * offers were made) while the exporter is runtime suspended, wakes it up
 * and holds it awake until detach; a plain attachment does not. Only
 * that window reaches the resume: a suspended exporter offers peers
 * nothing, so the callbacks are called with made-up attachments.
 */
static void amdgpu_dma_buf_real_runtime_resume(struct kunit *test)
{
	struct amdgpu_device *exp = fake_adev(test, "amdgpu-rpm-exporter", HIVE_A);
	struct dma_buf_attachment peer = { .peer2peer = true }, plain = {};
	struct dma_buf *dmabuf;
	struct device *dev;

	if (!IS_ENABLED(CONFIG_PM))
		kunit_skip(test, "no runtime PM without CONFIG_PM");
	dev = rpm_device(test);
	exp->ddev.dev = dev;
	real_device(test, exp);
	dmabuf = real_export(test, fake_bo(test, exp, 0));
	KUNIT_ASSERT_TRUE(test, pm_runtime_suspended(dev));
	atomic_set(&rpm_resumes, 0);
	atomic_set(&rpm_suspends, 0);

	peer.dmabuf = dmabuf;
	peer.mapping_type = &dma_buf_mapping_sgt;
	plain.dmabuf = dmabuf;
	plain.mapping_type = &dma_buf_mapping_sgt;

	KUNIT_EXPECT_EQ(test, amdgpu_dmabuf_ops.attach(dmabuf, &plain), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rpm_resumes), 0);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));
	amdgpu_dmabuf_ops.detach(dmabuf, &plain);

	KUNIT_EXPECT_EQ(test, amdgpu_dmabuf_ops.attach(dmabuf, &peer), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rpm_resumes), 1);
	KUNIT_EXPECT_TRUE(test, pm_runtime_active(dev));
	KUNIT_EXPECT_EQ(test, pm_usage(exp), 1);
	/* Awake while attached: a suspend request fails. */
	KUNIT_EXPECT_LT(test, pm_runtime_suspend(dev), 0);

	/* The detach lets it suspend again (its put may already have). */
	amdgpu_dmabuf_ops.detach(dmabuf, &peer);
	KUNIT_EXPECT_EQ(test, pm_usage(exp), 0);
	KUNIT_EXPECT_GE(test, pm_runtime_suspend(dev), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&rpm_suspends), 1);
	KUNIT_EXPECT_TRUE(test, pm_runtime_suspended(dev));
}

/*
 * Without DMABUF_MOVE_NOTIFY (distributions' default) the core pins every
 * map of a dynamic importer, and amdgpu pins into GTT: a VRAM BO mapped
 * by a P2P importer moves to GTT for the map (the copy engine's job on a
 * device; TTM's CPU copy here), is handed as its GTT pages with its
 * content intact, and is unpinned again by the unmap.
 */
static void amdgpu_dma_buf_real_map_vram_core_pins(struct kunit *test)
{
	struct dma_buf_attachment *peer;
	struct amdgpu_device *adev;
	struct dma_buf *dmabuf;
	struct amdgpu_bo *bo;
	u32 *words;
	u8 *vram;
	int i;

	if (IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY))
		kunit_skip(test, "the core pins maps only without CONFIG_DMABUF_MOVE_NOTIFY");

	kunit_activate_static_stub(test, dma_buf_p2p_distance, fake_p2p_distance);
	p2p_reachable = true;
	adev = ttm_adev(test, "amdgpu-ttm-vram-pinned", HIVE_A);
	vram = ttm_adev_cpu_vram(test, adev);
	bo = ttm_bo_flags(test, adev, AMDGPU_GEM_DOMAIN_VRAM,
			  AMDGPU_GEM_CREATE_VRAM_CONTIGUOUS);
	words = (u32 *)(vram + ((u64)bo->tbo.resource->start << PAGE_SHIFT));
	for (i = 0; i < 4 * PAGE_SIZE / 4; i++)
		words[i] = 0x5a000000u + i;

	peer = ttm_attach(test, bo, &dmabuf, FOREIGN_P2P);
	KUNIT_EXPECT_TRUE(test, peer->peer2peer);
	expect_real_map(test, peer, bo, TTM_PL_TT, 0);

	KUNIT_ASSERT_EQ(test, bo->tbo.resource->mem_type, TTM_PL_TT);
	for (i = 0; i < 4; i++) {
		u32 *page = kmap_local_page(bo->tbo.ttm->pages[i]);
		unsigned int first = i * PAGE_SIZE / 4;

		KUNIT_EXPECT_EQ(test, page[0], 0x5a000000u + first);
		KUNIT_EXPECT_EQ(test, page[PAGE_SIZE / 4 - 1],
				0x5a000000u + first + PAGE_SIZE / 4 - 1);
		kunmap_local(page);
	}
	dma_buf_detach(dmabuf, peer);
}

struct map_case {
	const char *name;
	struct amdgpu_dma_buf_bo_state st;
	bool peer;
	int domains;
};

static const struct map_case map_cases[] = {
	{ "vram bo, peer", { .prefers_vram = true }, true,
	  AMDGPU_GEM_DOMAIN_GTT | AMDGPU_GEM_DOMAIN_VRAM },
	{ "vram bo, not a peer", { .prefers_vram = true }, false,
	  AMDGPU_GEM_DOMAIN_GTT },
	/* A peer attachment is handed system pages while the BO prefers GTT. */
	{ "gtt bo, peer", {}, true, AMDGPU_GEM_DOMAIN_GTT },
	{ "pinned in gtt, peer", { .prefers_vram = true, .pinned = true, .in_gtt = true },
	  true, 0 },
	{ "pinned in gtt, not a peer", { .pinned = true, .in_gtt = true }, false, 0 },
	{ "pinned in vram, peer", { .prefers_vram = true, .pinned = true }, true, -EBUSY },
	{ "pinned in vram, not a peer", { .prefers_vram = true, .pinned = true }, false,
	  -EBUSY },
};

static void map_case_desc(const struct map_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map, map_cases, map_case_desc);

static void amdgpu_dma_buf_map_placement(struct kunit *test)
{
	const struct map_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, amdgpu_dma_buf_map_domains(&c->st, c->peer), c->domains);
}

static struct kunit_case amdgpu_dma_buf_cases[] = {
	KUNIT_CASE_PARAM(amdgpu_dma_buf_offers_mask, mask_gen_params),
	KUNIT_CASE_PARAM(amdgpu_dma_buf_offers_negotiate, negotiate_gen_params),
	KUNIT_CASE(amdgpu_dma_buf_offers_entries),
	KUNIT_CASE(amdgpu_dma_buf_xgmi_contract),
	KUNIT_CASE(amdgpu_dma_buf_xgmi_map_ops),
	KUNIT_CASE(amdgpu_dma_buf_real_attach_detach),
	KUNIT_CASE(amdgpu_dma_buf_real_map_gtt),
	KUNIT_CASE(amdgpu_dma_buf_real_map_vram),
	KUNIT_CASE(amdgpu_dma_buf_real_map_vram_core_pins),
	KUNIT_CASE(amdgpu_dma_buf_real_import_xgmi),
	KUNIT_CASE(amdgpu_dma_buf_real_runtime_resume),
	KUNIT_CASE_PARAM(amdgpu_dma_buf_map_placement, map_gen_params),
	{}
};

/*
 * Built into amdgpu.ko (the cases reach its internal functions) and
 * registered by the test module, amdgpu_test.ko: loading amdgpu on a
 * machine runs no test.
 */
VISIBLE_IF_KUNIT
struct kunit_suite amdgpu_dma_buf_suite = {
	.name = "amdgpu_dma_buf",
	.test_cases = amdgpu_dma_buf_cases,
};
EXPORT_SYMBOL_IF_KUNIT(amdgpu_dma_buf_suite);
