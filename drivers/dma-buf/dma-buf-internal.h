/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interfaces between the dma-buf core files, and the hooks KUnit uses.
 * Not for drivers.
 */
#ifndef __DMA_BUF_INTERNAL_H__
#define __DMA_BUF_INTERNAL_H__

#include <linux/dma-buf.h>

struct seq_file;

bool dma_buf_exporter_is_compat(const struct dma_buf *dmabuf);
int dma_buf_check_requests(const struct dma_buf_mapping_entry *requests,
			   unsigned int count, struct device *dev);
int dma_buf_negotiate(struct dma_buf_attachment *attach,
		      const struct dma_buf_mapping_entry *requests,
		      unsigned int count);
void dma_buf_mapping_put(struct dma_buf_attachment *attach);
void dma_buf_mapping_debugfs_show(struct seq_file *s,
				  const struct dma_buf_attachment *attach);
struct sg_table *dma_buf_sgt_exporter_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir);
void dma_buf_sgt_exporter_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt, enum dma_data_direction dir);

/* dma-buf-pal.c */
int dma_buf_pal_adapter_match(const struct dma_buf_mapping_entry *offer,
			      const struct dma_buf_mapping_entry *request);
struct sg_table *dma_buf_pal_map_sgt(struct dma_buf_attachment *attach,
				     enum dma_data_direction dir);
void dma_buf_pal_unmap_sgt(struct dma_buf_attachment *attach,
			   struct sg_table *sgt, enum dma_data_direction dir);

#if IS_ENABLED(CONFIG_KUNIT)
/* Replaced by KUnit static stubs in the tests. */
void dma_buf_mapping_bug(const struct dma_buf *dmabuf, const char *what,
			 long value);
struct dma_buf_attachment *dma_buf_alloc_attachment(void);
dma_addr_t dma_buf_pal_dma_map(struct device *dev,
			       enum dma_buf_pal_memory memory,
			       phys_addr_t phys, size_t len,
			       enum dma_data_direction dir);
void dma_buf_pal_dma_unmap(struct device *dev, enum dma_buf_pal_memory memory,
			   dma_addr_t addr, size_t len,
			   enum dma_data_direction dir);
#endif

#endif /* __DMA_BUF_INTERNAL_H__ */
