// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dma_buf_p2p_topology: the P2P rule on the PCI topology of
 * the machine it runs on (CONFIG_PCI_P2PDMA).
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

/*
 * The P2P rule on real PCI topology (the x86_64 test VM): two virtio-gpu
 * cards behind one PCIe switch, and a device on another root port. The
 * host bridge of the VM is not on the P2P whitelist (QEMU runs with
 * -cpu qemu64), so only the path through the switch allows P2P.
 */
#define VIRTIO_GPU_PCI_DEVICE	0x1050

struct p2p_topology {
	struct pci_dev *gpu_a, *gpu_b, *other;
};

static void put_pci_dev(void *pdev)
{
	pci_dev_put(pdev);
}

static struct pci_dev *hold_pci_dev(struct kunit *test, struct pci_dev *pdev)
{
	pci_dev_get(pdev);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, put_pci_dev, pdev));
	return pdev;
}

static void find_topology(struct kunit *test, struct p2p_topology *t)
{
	struct pci_dev *pdev = NULL;

	memset(t, 0, sizeof(*t));
	while ((pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET,
				      VIRTIO_GPU_PCI_DEVICE, pdev))) {
		if (!t->gpu_a)
			t->gpu_a = hold_pci_dev(test, pdev);
		else if (!t->gpu_b)
			t->gpu_b = hold_pci_dev(test, pdev);
	}
	if (!t->gpu_a || !t->gpu_b)
		kunit_skip(test, "needs two virtio-gpu PCI devices");
	KUNIT_ASSERT_PTR_EQ_MSG(test, pcie_find_root_port(t->gpu_a),
				pcie_find_root_port(t->gpu_b),
				"the two cards must share a root port (one switch)");

	/* An endpoint behind another root port. */
	pdev = NULL;
	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		struct pci_dev *rp = pcie_find_root_port(pdev);

		if (rp && rp != pcie_find_root_port(t->gpu_a) &&
		    pdev->hdr_type == PCI_HEADER_TYPE_NORMAL) {
			t->other = hold_pci_dev(test, pdev);
			pci_dev_put(pdev);
			break;
		}
	}
	if (!t->other)
		kunit_skip(test, "needs an endpoint behind another root port");
}

static struct attach_test_ctx *p2p_buffer(struct kunit *test,
					  struct pci_dev *provider)
{
	struct attach_test_ctx *ctx = attach_test_native_buffer(test);

	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&attach_test_sgt_ops, provider);
	ctx->exp->noffers = 1;
	return ctx;
}

static struct dma_buf_attachment *p2p_attach(struct attach_test_ctx *ctx,
					     struct pci_dev *importer,
					     bool allow_p2p)
{
	const struct dma_buf_mapping_request req =
		DMA_BUF_SGT_REQUEST(&importer->dev, allow_p2p);

	return dma_buf_mapping_attach(ctx->dmabuf, &importer->dev, &req, 1,
				      &attach_test_importer_ops, &ctx->imp);
}

/* A consenting importer behind the same switch gets the P2P offer. */
static void p2p_same_switch(struct kunit *test)
{
	struct dma_buf_attachment *attach;
	struct attach_test_ctx *ctx;
	struct p2p_topology t;

	find_topology(test, &t);
	/*
	 * The same decision with a translating IOMMU (the VM's iommu
	 * topology): the switch's downstream ports have no ACS capability,
	 * so nothing redirects the cards' requests upstream to the IOMMU
	 * and the switch routes them to each other at bus addresses.
	 */
	KUNIT_EXPECT_EQ(test, pci_find_ext_capability(pci_upstream_bridge(t.gpu_b),
						      PCI_EXT_CAP_ID_ACS), 0);
	KUNIT_ASSERT_GE(test, pci_p2pdma_distance(t.gpu_a, &t.gpu_b->dev, false), 0);
	ctx = p2p_buffer(test, t.gpu_a);
	attach = p2p_attach(ctx, t.gpu_b, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.sgt_offer.p2p_provider, t.gpu_a);
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, attach_test_bug_reports, 0);
}

/* The same importer without consent does not match. */
static void p2p_same_switch_no_consent(struct kunit *test)
{
	struct attach_test_ctx *ctx;
	struct p2p_topology t;

	find_topology(test, &t);
	ctx = p2p_buffer(test, t.gpu_a);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p2p_attach(ctx, t.gpu_b, false)),
			-EOPNOTSUPP);
	KUNIT_EXPECT_TRUE(test, list_empty(&ctx->dmabuf->attachments));
}

/* A consenting importer on another root port is refused by the topology. */
static void p2p_other_root_port(struct kunit *test)
{
	struct dma_buf_attachment *attach;
	struct attach_test_ctx *ctx;
	struct p2p_topology t;

	find_topology(test, &t);
	KUNIT_ASSERT_LT(test, pci_p2pdma_distance(t.gpu_a, &t.other->dev, false), 0);
	ctx = p2p_buffer(test, t.gpu_a);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p2p_attach(ctx, t.other, true)),
			-EOPNOTSUPP);

	/* With a plain offer after the P2P one, that is what it gets. */
	ctx->exp->offers[1] = DMA_BUF_SGT_OFFER(&attach_test_sgt_ops);
	ctx->exp->noffers = 2;
	attach = p2p_attach(ctx, t.other, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_NULL(test, attach->offer.sgt_offer.p2p_provider);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_detach(ctx->dmabuf, attach);
}

static struct kunit_case dma_buf_p2p_topology_cases[] = {
	KUNIT_CASE(p2p_same_switch),
	KUNIT_CASE(p2p_same_switch_no_consent),
	KUNIT_CASE(p2p_other_root_port),
	{}
};

static struct kunit_suite dma_buf_p2p_topology_suite = {
	.name = "dma_buf_p2p_topology",
	.test_cases = dma_buf_p2p_topology_cases,
};

kunit_test_suite(dma_buf_p2p_topology_suite);
