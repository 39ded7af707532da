// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of xe's dma-buf offers, without a device: which mapping
 * offers a BO makes for its placement and pinning, and what the dma-buf
 * core's negotiation then gives an importer with and without P2P consent,
 * and when the P2P distance check fails. The live test (xe_dma_buf.c)
 * checks the same on hardware.
 */

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-mapping.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "xe_dma_buf.h"

MODULE_IMPORT_NS(DMA_BUF);

enum expect { EXPECT_NONE, EXPECT_P2P, EXPECT_TT };

struct offers_case {
	const char *name;
	struct xe_dma_buf_bo_state st;
	bool consent;		/* the importer accepts P2P */
	bool reachable;		/* pci_p2pdma_distance() allows it */
	enum expect expect;
};

#define VRAM_ONLY	{ .can_vram = true, .in_vram = true }
#define SYSTEM_ONLY	{ .can_tt = true }
#define MIGRATABLE	{ .can_vram = true, .can_tt = true, .in_vram = true }
#define PINNED_VRAM	{ .can_vram = true, .can_tt = true, .pinned = true, .in_vram = true }
#define PINNED_VRAM_ONLY { .can_vram = true, .pinned = true, .in_vram = true }
#define PINNED_TT	{ .can_vram = true, .can_tt = true, .pinned = true }
/* An imported BO (ttm_bo_type_sg) can migrate nowhere. */
#define NOWHERE		{ }

static const struct offers_case offers_cases[] = {
	{ "vram-only, p2p importer", VRAM_ONLY, true, true, EXPECT_P2P },
	{ "vram-only, no consent", VRAM_ONLY, false, true, EXPECT_NONE },
	{ "vram-only, distance fails", VRAM_ONLY, true, false, EXPECT_NONE },
	{ "system-only, p2p importer", SYSTEM_ONLY, true, true, EXPECT_TT },
	{ "system-only, no consent", SYSTEM_ONLY, false, true, EXPECT_TT },
	{ "migratable, p2p importer", MIGRATABLE, true, true, EXPECT_P2P },
	{ "migratable, no consent", MIGRATABLE, false, true, EXPECT_TT },
	{ "migratable, distance fails", MIGRATABLE, true, false, EXPECT_TT },
	{ "pinned in vram, p2p importer", PINNED_VRAM, true, true, EXPECT_P2P },
	/*
	 * A scanout BO pinned in VRAM while the importer attaches: the pin
	 * may be gone by the first map (which otherwise fails), so the TT
	 * offer stays, as 6.12's attach allowed it.
	 */
	{ "pinned in vram, migratable, no consent", PINNED_VRAM, false, true, EXPECT_TT },
	{ "pinned in vram, vram-only, no consent", PINNED_VRAM_ONLY, false, true, EXPECT_NONE },
	{ "pinned in tt, p2p importer", PINNED_TT, true, true, EXPECT_P2P },
	{ "pinned in tt, no consent", PINNED_TT, false, true, EXPECT_TT },
	{ "nowhere to go", NOWHERE, true, true, EXPECT_NONE },
};

static void offers_case_desc(const struct offers_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(offers, offers_cases, offers_case_desc);

/* The test's exporter: the offers xe makes for one BO state. */
struct fake_export {
	unsigned int mask;
	struct pci_dev *pdev;
};

static int fake_get_offers(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
			   struct dma_buf_mapping_offers *offers)
{
	struct fake_export *fe = dmabuf->priv;

	xe_dma_buf_fill_offers(fe->mask, fe->pdev, offers);
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
 * Dynamic, like xe's exporter: the core then never maps at attach time
 * (the offers' map is xe's and needs a real BO; these tests only attach).
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

/* The mask xe computes for each state, then the core's negotiation. */
static void xe_dma_buf_offers_negotiate(struct kunit *test)
{
	const struct offers_case *c = test->param_value;
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf_mapping_request request;
	struct dma_buf_attachment *attach;
	struct fake_export *fe;
	struct dma_buf *dmabuf;
	struct device *dev;

	fe = kunit_kzalloc(test, sizeof(*fe), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fe);
	/* Never dereferenced: the P2P distance is a stub. */
	fe->pdev = kunit_kzalloc(test, sizeof(*fe->pdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fe->pdev);
	fe->mask = xe_dma_buf_offer_mask(&c->st);
	dev = kunit_device_register(test, "xe-dma-buf-offers");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);

	info.ops = &fake_dma_buf_ops;
	info.size = PAGE_SIZE;
	info.priv = fe;
	dmabuf = dma_buf_export(&info);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, put_dmabuf, dmabuf));
	p2p_reachable = c->reachable;
	kunit_activate_static_stub(test, dma_buf_p2p_distance, fake_p2p_distance);

	request = DMA_BUF_SGT_REQUEST(dev, c->consent);
	attach = dma_buf_mapping_attach(dmabuf, dev, &request, 1,
					&fake_importer_ops, NULL);
	if (c->expect == EXPECT_NONE) {
		KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
		return;
	}
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_EQ(test, attach->peer2peer, c->expect == EXPECT_P2P);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.sgt_offer.p2p_provider,
			    c->expect == EXPECT_P2P ? fe->pdev : NULL);
	dma_buf_detach(dmabuf, attach);

	/* A legacy dynamic importer gets the same through the compat layer. */
	attach = dma_buf_dynamic_attach(dmabuf, dev, c->consent ? &fake_importer_ops :
					&fake_importer_nop2p_ops, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, attach->peer2peer, c->expect == EXPECT_P2P);
	dma_buf_detach(dmabuf, attach);
}

/*
 * Exactly the offers of the mask are added, P2P first, and nothing past
 * them: the core must never read an entry xe did not initialise.
 */
static void xe_dma_buf_offers_entries(struct kunit *test)
{
	struct dma_buf_mapping_offers list;
	struct dma_buf_mapping_offer *offers = list.entries;
	struct pci_dev *pdev = kunit_kzalloc(test, sizeof(*pdev), GFP_KERNEL);
	unsigned int mask;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, pdev);

	for (mask = 0; mask <= (XE_DMA_BUF_OFFER_P2P | XE_DMA_BUF_OFFER_TT); mask++) {
		memset(list.entries, 0x5a, sizeof(list.entries));
		list.count = 0;
		list.overflowed = false;
		xe_dma_buf_fill_offers(mask, pdev, &list);
		KUNIT_EXPECT_EQ(test, list.count, hweight32(mask));
		KUNIT_EXPECT_FALSE(test, list.overflowed);
		i = 0;
		if (mask & XE_DMA_BUF_OFFER_P2P) {
			KUNIT_EXPECT_PTR_EQ(test, offers[i].type, &dma_buf_mapping_sgt);
			KUNIT_EXPECT_PTR_EQ(test, offers[i].sgt_offer.p2p_provider, pdev);
			KUNIT_EXPECT_TRUE(test, dma_buf_mapping_sgt.valid_offer(&offers[i]));
			i++;
		}
		if (mask & XE_DMA_BUF_OFFER_TT) {
			KUNIT_EXPECT_PTR_EQ(test, offers[i].type, &dma_buf_mapping_sgt);
			KUNIT_EXPECT_NULL(test, offers[i].sgt_offer.p2p_provider);
			KUNIT_EXPECT_TRUE(test, dma_buf_mapping_sgt.valid_offer(&offers[i]));
			i++;
		}
		for (; i < ARRAY_SIZE(list.entries); i++)
			KUNIT_EXPECT_NULL(test, memchr_inv(&offers[i], 0x5a, sizeof(offers[i])));
	}
}

static struct kunit_case xe_dma_buf_offers_cases[] = {
	KUNIT_CASE_PARAM(xe_dma_buf_offers_negotiate, offers_gen_params),
	KUNIT_CASE(xe_dma_buf_offers_entries),
	{}
};

static struct kunit_suite xe_dma_buf_offers_suite = {
	.name = "xe_dma_buf_offers",
	.test_cases = xe_dma_buf_offers_cases,
};

kunit_test_suite(xe_dma_buf_offers_suite);
