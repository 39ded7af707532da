/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test exporter and importers of the dma-buf KUnit suites
 * dma_buf_attach, dma_buf_mapping and dma_buf_p2p_topology
 * (dma-buf-test-exporter.c). Not for drivers.
 */
#ifndef __DMA_BUF_TEST_EXPORTER_H__
#define __DMA_BUF_TEST_EXPORTER_H__

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-mapping.h>

struct pci_dev;

#define TEST_PAGES 4

/*
 * A test exporter: TEST_PAGES pages, an sg_table per map whose DMA
 * addresses are the pages' physical addresses (no IOMMU), and counters of
 * every callback the core makes.
 */
struct test_exporter {
	struct page *pages[TEST_PAGES];
	int attach_err;
	int map_err;
	int pin_err;		/* what pin returns */
	atomic_t attaches, detaches, maps, unmaps, pins, unpins;
	bool resv_held_in_map;
	/* one more than fits: the exporter that adds too many */
	struct dma_buf_mapping_offer offers[DMA_BUF_MAX_MAPPING_ENTRIES + 1];
	int noffers;		/* 0: one plain SGT offer; -1: none */
	int offers_ret;		/* get_mapping_offers returns it */
	int last_add_err;	/* what the last dma_buf_mapping_offer_add() said */
	bool offers_empty;	/* the core handed a list with no entry */
	bool poison_unused;	/* fill the entries past those added */
	int offer_calls;
	bool resv_held_in_offers;
	/* what the exporter's attach callback saw */
	const struct dma_buf_mapping_type *type_in_attach;
	bool listed_in_attach;
	/* test-type matches: verdict[offer id][request id], and a log */
	int verdict[4][4];
	int match_log[16];
	int nmatches;
};

#define COUNT(x) atomic_read(&(x))

struct test_importer {
	int move_notifies;
	bool resv_held_in_move_notify;
};

struct attach_test_ctx {
	struct device *dev;
	struct dma_buf *dmabuf;
	struct test_exporter *exp;
	struct test_importer imp;
};

/*
 * fail-nth for allocations on the attach and map paths: the test
 * exporter's own, and the core's through a static stub. When it counts
 * down to zero, that allocation fails.
 */
extern int attach_test_fail_nth;
bool attach_test_alloc_fails(void);

/* The exporter: its table's map and unmap, and its ops. */
struct sg_table *attach_test_map(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir);
void attach_test_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir);
extern const struct dma_buf_sgt_exp_ops attach_test_sgt_ops;
extern const struct dma_buf_ops attach_test_static_ops;
extern const struct dma_buf_ops attach_test_dynamic_ops;

/* The importer, without and with P2P consent. */
extern const struct dma_buf_attach_ops attach_test_importer_ops;
extern const struct dma_buf_attach_ops attach_test_importer_p2p_ops;

struct attach_test_ctx *attach_test_export(struct kunit *test,
					   const struct dma_buf_ops *ops);
bool attach_test_listed(struct dma_buf_attachment *attach);
void attach_test_expect_pages(struct kunit *test, struct attach_test_ctx *ctx,
			      struct sg_table *sgt);

/* dma_buf_p2p_distance() without a PCI topology, through a static stub. */
extern bool attach_test_p2p_reachable;
int attach_test_p2p_distance(struct pci_dev *provider, struct device *client);

/* An offer or a request of a test type, identified by @id (0..3). */
#define TEST_OFFER(_type, _id) \
	((struct dma_buf_mapping_offer){ .type = (_type), .priv.data = (void *)(_id) })
#define TEST_REQUEST(_type, _id) \
	((struct dma_buf_mapping_request){ .type = (_type), .priv.data = (void *)(_id) })

/*
 * The test mapping type "test-a": its match records the pair in the
 * exporter's match_log and returns exp->verdict[offer id][request id].
 */
int attach_test_type_match(struct dma_buf *dmabuf, struct device *dev,
			   const struct dma_buf_mapping_offer *offer,
			   const struct dma_buf_mapping_request *request);
extern const struct dma_buf_mapping_type attach_test_type_a;

/* Contract violations the core reported, and the exporters they named. */
extern int attach_test_bug_reports;
extern const char *attach_test_bug_exporters[4];

/*
 * A dynamic test buffer whose contract reports are counted instead of
 * logged, and a native attachment of it with @count requests.
 */
struct attach_test_ctx *attach_test_native_buffer(struct kunit *test);
struct dma_buf_attachment *
attach_test_native_attach(struct attach_test_ctx *ctx,
			  const struct dma_buf_mapping_request *req, unsigned int count);

#endif /* __DMA_BUF_TEST_EXPORTER_H__ */
