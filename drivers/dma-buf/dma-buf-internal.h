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

#if IS_ENABLED(CONFIG_KUNIT)
/* Replaced by KUnit static stubs in the tests. */
void dma_buf_mapping_bug(const struct dma_buf *dmabuf, const char *what,
			 long value);
int dma_buf_p2p_distance(struct pci_dev *provider, struct device *client);
struct dma_buf_attachment *dma_buf_alloc_attachment(void);
#endif

#endif /* __DMA_BUF_INTERNAL_H__ */
