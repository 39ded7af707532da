/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interfaces between the dma-buf core files, and the hooks the core's own
 * KUnit tests use. Not for drivers: the hooks their KUnit tests may use
 * are declared in <linux/dma-buf-mapping.h>.
 */
#ifndef __DMA_BUF_INTERNAL_H__
#define __DMA_BUF_INTERNAL_H__

#include <linux/bug.h>
#include <linux/dma-buf.h>
#include <linux/module.h>

struct seq_file;

/* dma-buf-mapping.c */

/**
 * dma_buf_exporter_is_compat - does @dmabuf's exporter use the compat layer?
 * @dmabuf: the buffer
 *
 * An exporter without &dma_buf_ops.get_mapping_offers is a legacy one: the
 * core offers its &dma_buf_ops.map_dma_buf as the SGT type on its behalf.
 *
 * Return: true for a legacy exporter.
 */
static inline bool dma_buf_exporter_is_compat(const struct dma_buf *dmabuf)
{
	return !dmabuf->ops->get_mapping_offers;
}

/*
 * Does a map of @dmabuf pin it? The check of dma_buf_map_pin() and
 * dma_buf_map_unpin(), inline in the core's own map and unmap paths.
 */
static inline bool dma_buf_map_pins(const struct dma_buf *dmabuf)
{
	return dma_buf_is_dynamic(dmabuf) && !IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY);
}

int dma_buf_check_requests(const struct dma_buf_mapping_request *requests,
			   unsigned int count, struct device *dev);
int dma_buf_negotiate(struct dma_buf_attachment *attach,
		      const struct dma_buf_mapping_request *requests,
		      unsigned int count);

/**
 * dma_buf_mapping_put - drop what negotiation took for @attach
 * @attach: an attachment that dma_buf_negotiate() succeeded for
 */
static inline void dma_buf_mapping_put(struct dma_buf_attachment *attach)
{
	module_put(attach->mapping_type->owner);
}

void dma_buf_mapping_debugfs_show(struct seq_file *s,
				  const struct dma_buf_attachment *attach);

/*
 * The core's P2P check (pci_p2pdma_distance()); KUnit replaces it (its
 * declaration for the tests is in <linux/dma-buf-mapping.h>).
 */
int dma_buf_p2p_distance(struct pci_dev *provider, struct device *client);

bool dma_buf_mapping_report(const struct dma_buf *dmabuf,
			    const struct device *importer, const char *what,
			    long value);
/*
 * An exporter broke its contract: report it with the exporter's name
 * every time, and WARN once per call site for the stack trace.
 */
#define dma_buf_mapping_bug(dmabuf, what, value) \
	WARN_ON_ONCE(dma_buf_mapping_report(dmabuf, NULL, what, value))
/* The same for the importer of @attach, named by its device. */
#define dma_buf_mapping_importer_bug(attach, what, value) ({			\
	const struct dma_buf_attachment *__attach = (attach);			\
										\
	WARN_ON_ONCE(dma_buf_mapping_report(__attach->dmabuf, __attach->dev,	\
					    what, value));			\
})

/* dma-buf-pal.c */
int dma_buf_pal_adapter_match(const struct dma_buf_mapping_offer *offer,
			      const struct dma_buf_mapping_request *request);
struct sg_table *dma_buf_pal_map_sgt(struct dma_buf_attachment *attach,
				     enum dma_data_direction dir);
void dma_buf_pal_unmap_sgt(struct dma_buf_attachment *attach,
			   struct sg_table *sgt, enum dma_data_direction dir);
void dma_buf_pal_detach(struct dma_buf_attachment *attach);
int dma_buf_pal_sync_adapter(struct dma_buf *dmabuf,
			     enum dma_data_direction cpu_dir, bool for_cpu);

/*
 * The exporter's side of an SGT map, inline in the map and unmap paths: a
 * legacy exporter's own callback, the core's PAL adapter when the offer was
 * PAL, or the winning offer's &dma_buf_sgt_exp_ops. Same context as the
 * callback; returns the table or an ERR_PTR() (NULL from a legacy exporter).
 */
static inline struct sg_table *
dma_buf_sgt_exporter_map(struct dma_buf_attachment *attach,
			 enum dma_data_direction dir)
{
	if (dma_buf_exporter_is_compat(attach->dmabuf))
		return attach->dmabuf->ops->map_dma_buf(attach, dir);
	if (attach->offer.type == &dma_buf_mapping_pal)
		return dma_buf_pal_map_sgt(attach, dir);
	return attach->offer.sgt_offer.ops->map(attach, dir);
}

static inline void dma_buf_sgt_exporter_unmap(struct dma_buf_attachment *attach,
					      struct sg_table *sgt,
					      enum dma_data_direction dir)
{
	if (dma_buf_exporter_is_compat(attach->dmabuf))
		attach->dmabuf->ops->unmap_dma_buf(attach, sgt, dir);
	else if (attach->offer.type == &dma_buf_mapping_pal)
		dma_buf_pal_unmap_sgt(attach, sgt, dir);
	else
		attach->offer.sgt_offer.ops->unmap(attach, sgt, dir);
}

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
