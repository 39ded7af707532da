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

/**
 * struct dma_buf_mapping_converter - the core serves one type from another
 * @from: the offer's type
 * @to: the request's type, which the attachment gets
 * @match: can @request be served from @offer for @dev? The contract of
 *	&dma_buf_mapping_type.match.
 * @ops: exporter operations of type @to (the struct of that type's
 *	exporter operations), which serve the mapping from the offer in
 *	&dma_buf_attachment.offer and call its per-type attach and detach.
 *
 * Negotiation consults the core's table of converters after every direct
 * pair of offer and request failed to match.
 */
struct dma_buf_mapping_converter {
	const struct dma_buf_mapping_type *from;
	const struct dma_buf_mapping_type *to;
	int (*match)(struct dma_buf *dmabuf, struct device *dev,
		     const struct dma_buf_mapping_offer *offer,
		     const struct dma_buf_mapping_request *request);
	const void *ops;
};

const void *dma_buf_mapping_converter_ops(const struct dma_buf_attachment *attach);

/* dma-buf.c: the SGT type's attach and detach. */
int dma_buf_sgt_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
void dma_buf_sgt_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);

/* dma-buf-pal.c: the converters to and from PAL. */
int dma_buf_pal_to_sgt_match(struct dma_buf *dmabuf, struct device *dev,
			     const struct dma_buf_mapping_offer *offer,
			     const struct dma_buf_mapping_request *request);
extern const struct dma_buf_sgt_exp_ops dma_buf_pal_to_sgt_ops;
int dma_buf_sgt_to_pal_match(struct dma_buf *dmabuf, struct device *dev,
			     const struct dma_buf_mapping_offer *offer,
			     const struct dma_buf_mapping_request *request);
extern const struct dma_buf_pal_exp_ops dma_buf_sgt_to_pal_ops;
int dma_buf_pal_sync_adapter(struct dma_buf *dmabuf,
			     enum dma_data_direction cpu_dir, bool for_cpu);

/*
 * The SGT operations serving @attach, an SGT attachment: its SGT offer's,
 * or a converter's. Inline in the map and unmap paths.
 */
static inline const struct dma_buf_sgt_exp_ops *
dma_buf_attach_sgt_ops(const struct dma_buf_attachment *attach)
{
	if (likely(attach->offer.type == &dma_buf_mapping_sgt))
		return attach->offer.sgt_offer.ops;
	return dma_buf_mapping_converter_ops(attach);
}

/* The PAL operations serving @attach, a PAL attachment. */
static inline const struct dma_buf_pal_exp_ops *
dma_buf_attach_pal_ops(const struct dma_buf_attachment *attach)
{
	if (likely(attach->offer.type == &dma_buf_mapping_pal))
		return attach->offer.pal_offer.ops;
	return dma_buf_mapping_converter_ops(attach);
}

#if IS_ENABLED(CONFIG_KUNIT)
/* Replaced by KUnit static stubs in the tests. */
bool dma_buf_export_report(const char *exp_name, const char *what);
struct dma_buf_attachment *dma_buf_alloc_attachment(void);
int dma_buf_pal_invalid(const struct dma_buf_attachment *attach,
			const char *why, unsigned int range);
int dma_buf_pal_mmio_bus_offset(struct pci_dev *provider, phys_addr_t base,
				size_t len, u64 *offset);
long dma_buf_sgt_to_pal_ranges(const struct sg_table *sgt,
			       struct dma_buf_phys_list *pal);
int dma_buf_pal_dma_map_sgtable(struct device *dev,
				enum dma_buf_pal_memory memory,
				struct sg_table *sgt,
				enum dma_data_direction dir);
void dma_buf_pal_dma_unmap_sgtable(struct device *dev,
				   enum dma_buf_pal_memory memory,
				   struct sg_table *sgt,
				   enum dma_data_direction dir);
#endif

#endif /* __DMA_BUF_INTERNAL_H__ */
