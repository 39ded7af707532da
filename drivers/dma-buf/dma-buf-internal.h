/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interfaces between the dma-buf core files, and the hooks KUnit uses.
 * Not for drivers (their KUnit tests may use the hooks).
 */
#ifndef __DMA_BUF_INTERNAL_H__
#define __DMA_BUF_INTERNAL_H__

#include <linux/bug.h>
#include <linux/dma-buf.h>

struct seq_file;

/* dma-buf-mapping.c */
bool dma_buf_exporter_is_compat(const struct dma_buf *dmabuf);
int dma_buf_check_requests(const struct dma_buf_mapping_request *requests,
			   unsigned int count, struct device *dev);
int dma_buf_negotiate(struct dma_buf_attachment *attach,
		      const struct dma_buf_mapping_request *requests,
		      unsigned int count);
void dma_buf_mapping_put(struct dma_buf_attachment *attach);
void dma_buf_mapping_debugfs_show(struct seq_file *s,
				  const struct dma_buf_attachment *attach);
struct sg_table *dma_buf_sgt_exporter_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir);
void dma_buf_sgt_exporter_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt, enum dma_data_direction dir);

/*
 * The core's P2P check (pci_p2pdma_distance()); exported only to KUnit
 * tests, which replace it with a static stub to model PCI topologies.
 */
int dma_buf_p2p_distance(struct pci_dev *provider, struct device *client);

bool dma_buf_mapping_report(const struct dma_buf *dmabuf, const char *what,
			    long value);
/*
 * A driver callback broke its contract: report it with the exporter's name
 * every time, and WARN once per call site for the stack trace.
 */
#define dma_buf_mapping_bug(dmabuf, what, value) \
	WARN_ON_ONCE(dma_buf_mapping_report(dmabuf, what, value))

/* dma-buf-pal.c */
int dma_buf_pal_adapter_match(const struct dma_buf_mapping_offer *offer,
			      const struct dma_buf_mapping_request *request);
struct sg_table *dma_buf_pal_map_sgt(struct dma_buf_attachment *attach,
				     enum dma_data_direction dir);
void dma_buf_pal_unmap_sgt(struct dma_buf_attachment *attach,
			   struct sg_table *sgt, enum dma_data_direction dir);
void dma_buf_pal_detach(struct dma_buf_attachment *attach);

#if IS_ENABLED(CONFIG_KUNIT)
/* Replaced by KUnit static stubs in the tests. */
struct dma_buf_attachment *dma_buf_alloc_attachment(void);
int dma_buf_pal_dma_map_sgtable(struct device *dev,
				enum dma_buf_pal_memory memory,
				struct sg_table *sgt,
				enum dma_data_direction dir);
void dma_buf_pal_dma_unmap_sgtable(struct device *dev,
				   enum dma_buf_pal_memory memory,
				   struct sg_table *sgt,
				   enum dma_data_direction dir);
int dma_buf_pal_mmio_bus_offset(struct pci_dev *provider, phys_addr_t base,
				size_t len, u64 *offset);
#endif

#endif /* __DMA_BUF_INTERNAL_H__ */
