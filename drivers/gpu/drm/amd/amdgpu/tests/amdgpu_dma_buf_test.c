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
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/pm_runtime.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>

#include "amdgpu.h"
#include "amdgpu_dma_buf.h"
/* The core's P2P check, which the tests replace to model PCI topologies. */
#include "../../../../../dma-buf/dma-buf-internal.h"

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
			   struct dma_buf_mapping_offer *offers, unsigned int max)
{
	struct fake_export *fe = dmabuf->priv;

	return amdgpu_dma_buf_fill_offers(fe->mask, fe->adev, offers, max);
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

static void fake_move_notify(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops fake_importer_ops = {
	.allow_peer2peer = true,
	.move_notify = fake_move_notify,
};

static const struct dma_buf_attach_ops fake_importer_nop2p_ops = {
	.move_notify = fake_move_notify,
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
 * Exactly the offers of the mask are written, in order, and nothing past
 * them: the core must never read an entry amdgpu did not initialise.
 */
static void amdgpu_dma_buf_offers_entries(struct kunit *test)
{
	struct dma_buf_mapping_offer offers[DMA_BUF_MAX_MAPPING_ENTRIES];
	struct amdgpu_device *adev = fake_adev(test, "amdgpu-exporter", HIVE_A);
	unsigned int mask;
	int n, i;

	for (mask = 0; mask <= ALL_OFFERS; mask++) {
		memset(offers, 0x5a, sizeof(offers));
		n = amdgpu_dma_buf_fill_offers(mask, adev, offers, ARRAY_SIZE(offers));
		KUNIT_EXPECT_EQ(test, n, hweight32(mask));
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
		for (; i < ARRAY_SIZE(offers); i++)
			KUNIT_EXPECT_NULL(test, memchr_inv(&offers[i], 0x5a, sizeof(offers[i])));
	}
	/* Too little room is an error, not a short list. */
	KUNIT_EXPECT_EQ(test, amdgpu_dma_buf_fill_offers(ALL_OFFERS, adev, offers, 2),
			-EINVAL);
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
			   struct dma_buf_mapping_offer *offers, unsigned int max)
{
	struct xgmi_export *xe = dmabuf->priv;

	offers[0] = AMDGPU_DMA_BUF_XGMI_OFFER(xe->adev, xe->ops);
	return 1;
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

static bool count_mapping_report(const struct dma_buf *dmabuf, const char *what,
				 long value)
{
	mapping_reports++;
	return false;
}

/*
 * An XGMI import is mapped through the operations of the exporter's
 * offer, never by calling amdgpu's exporter directly, and pinned around
 * the mapping exactly where the core pins its own types (without
 * DMABUF_MOVE_NOTIFY). An offer without operations is an exporter bug
 * that the core refuses at attach.
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
	dma_buf_detach(dmabuf, attach);

	xe->ops = NULL;
	mapping_reports = 0;
	kunit_activate_static_stub(test, dma_buf_mapping_report, count_mapping_report);
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

static void real_device(struct amdgpu_device *adev)
{
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

static struct dma_buf *real_export(struct kunit *test, struct amdgpu_device *adev,
				   u64 flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct amdgpu_bo *bo;
	struct dma_buf *dmabuf;
	int ret;

	bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);
	bo->tbo.bdev = &adev->mman.bdev;
	bo->flags = flags;
	bo->preferred_domains = AMDGPU_GEM_DOMAIN_VRAM;
	bo->tbo.base.funcs = &real_bo_funcs;
	drm_gem_private_object_init(&adev->ddev, &bo->tbo.base, PAGE_SIZE);

	info.ops = &amdgpu_dmabuf_ops;
	info.size = PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = &bo->tbo.base;
	info.resv = bo->tbo.base.resv;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		drm_gem_object_put(&bo->tbo.base);
		KUNIT_FAIL_AND_ABORT(test, "export: %pe", dmabuf);
	}
	drm_dev_get(&adev->ddev);
	ret = kunit_add_action_or_reset(test, put_dmabuf_now, dmabuf);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return dmabuf;
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
	real_device(exp);
	dmabuf = real_export(test, exp, 0);
	expect_real_attach(test, exp, dmabuf, AMDGPU_SAME_HIVE,
			   &amdgpu_dma_buf_mapping_xgmi, true);
	expect_real_attach(test, exp, dmabuf, FOREIGN_P2P, &dma_buf_mapping_sgt, true);
	expect_real_attach(test, exp, dmabuf, FOREIGN_NO_P2P, &dma_buf_mapping_sgt, false);

	/* GFX12 with a DCC surface: compression metadata is device-local. */
	exp->ip_versions[GC_HWIP][0] = IP_VERSION(12, 0, 0);
	dmabuf = real_export(test, exp, AMDGPU_GEM_CREATE_GFX12_DCC);
	expect_real_attach(test, exp, dmabuf, AMDGPU_SAME_HIVE, &dma_buf_mapping_sgt, false);
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
	KUNIT_CASE_PARAM(amdgpu_dma_buf_map_placement, map_gen_params),
	{}
};

static struct kunit_suite amdgpu_dma_buf_suite = {
	.name = "amdgpu_dma_buf",
	.test_cases = amdgpu_dma_buf_cases,
};

kunit_test_suite(amdgpu_dma_buf_suite);
