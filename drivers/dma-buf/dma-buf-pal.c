// SPDX-License-Identifier: GPL-2.0-only
/*
 * The physical address list (PAL) mapping type: its trust rule, the
 * validation of every list an exporter hands out, the importer's map and
 * unmap, and the adapter that serves SGT importers from a PAL offer.
 *
 * See Documentation/driver-api/dma-buf-mapping-types.rst.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/swiotlb.h>

#include "dma-buf-internal.h"

/**
 * dma_buf_phys_list_alloc - allocate a physical address list
 * @nr_ranges: number of ranges, 1 to %DMA_BUF_PAL_MAX_RANGES
 *
 * The list is zeroed apart from &dma_buf_phys_list.nr_ranges. Long lists
 * come from vmalloc: free with dma_buf_phys_list_free(), never kfree().
 *
 * Context: process context, may sleep.
 * Return: the list, or NULL when @nr_ranges is out of bounds or memory is
 * short.
 */
struct dma_buf_phys_list *dma_buf_phys_list_alloc(unsigned int nr_ranges)
{
	struct dma_buf_phys_list *pal;

	if (!nr_ranges || nr_ranges > DMA_BUF_PAL_MAX_RANGES)
		return NULL;
	pal = kvzalloc(struct_size(pal, ranges, nr_ranges), GFP_KERNEL);
	if (pal)
		pal->nr_ranges = nr_ranges;
	return pal;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_list_alloc, DMA_BUF);

/**
 * dma_buf_phys_list_free - free a list from dma_buf_phys_list_alloc()
 * @pal: the list, or NULL
 */
void dma_buf_phys_list_free(struct dma_buf_phys_list *pal)
{
	kvfree(pal);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_list_free, DMA_BUF);

/**
 * dma_buf_dev_uses_phys_addrs - may @dev be handed CPU physical addresses?
 * @dev: an importing device
 *
 * The trust rule of the PAL type: a device gets raw physical ranges only
 * when the addresses the DMA API would give it are those very physical
 * addresses, so that handing it the list bypasses nothing. That rules out
 * devices behind an IOMMU, with their own DMA ops, with forced bounce
 * buffering or memory encryption, and with a DMA offset. All others are
 * served SGT (through the adapter if need be), which goes through the DMA
 * API. Importers that hand a device's DMA addresses to someone expecting
 * physical ones (a hypervisor) use it to decide whether they can at all.
 *
 * Context: any; reads only @dev's DMA configuration.
 * Return: true if @dev may import PAL.
 */
bool dma_buf_dev_uses_phys_addrs(struct device *dev)
{
	return !device_iommu_mapped(dev) && !get_dma_ops(dev) &&
	       !is_swiotlb_force_bounce(dev) && !force_dma_unencrypted(dev) &&
	       !dev->dma_range_map;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_dev_uses_phys_addrs, DMA_BUF);

/* Can @dev reach the BAR of @provider? Only with the importer's consent. */
static int pal_mmio_reachable(struct pci_dev *provider, struct device *dev,
			      bool consent)
{
	if (!provider)
		return 0;
	if (!consent || dma_buf_p2p_distance(provider, dev) < 0)
		return -EOPNOTSUPP;
	return 0;
}

static bool pal_valid_offer(const struct dma_buf_mapping_entry *offer)
{
	const struct dma_buf_pal_exp_ops *ops = offer->pal_offer.ops;

	return ops && ops->map && ops->unmap;
}

static bool pal_valid_request(const struct dma_buf_mapping_entry *request,
			      struct device *dev)
{
	return request->pal_request.dev == dev;
}

/*
 * A device that fails the trust rule is "not compatible", not an error:
 * an importer listing PAL then SGT gets SGT.
 */
static int pal_match(struct dma_buf *dmabuf, struct device *dev,
		     const struct dma_buf_mapping_entry *offer,
		     const struct dma_buf_mapping_entry *request)
{
	if (!dma_buf_dev_uses_phys_addrs(dev))
		return -EOPNOTSUPP;
	return pal_mmio_reachable(offer->pal_offer.mmio_provider, dev,
				  request->pal_request.allow_mmio);
}

static void pal_debugfs_show(struct seq_file *s,
			     const struct dma_buf_attachment *attach)
{
	seq_printf(s, "\tmmio=%s",
		   attach->offer.pal_offer.mmio_provider ? "yes" : "no");
}

const struct dma_buf_mapping_type dma_buf_mapping_pal = {
	.name = "pal",
	.valid_offer = pal_valid_offer,
	.valid_request = pal_valid_request,
	.match = pal_match,
	.debugfs_show = pal_debugfs_show,
};
EXPORT_SYMBOL_NS_GPL(dma_buf_mapping_pal, DMA_BUF);

/**
 * dma_buf_pal_adapter_match - can the core serve @request from @offer?
 * @offer: an exporter's PAL offer
 * @request: an importer's SGT request
 *
 * The adapter DMA-maps the list for the importer: RAM for any importer,
 * MMIO only for one that accepts P2P and passes the distance check.
 *
 * Return: 0 if it can, -EOPNOTSUPP if not.
 */
int dma_buf_pal_adapter_match(const struct dma_buf_mapping_entry *offer,
			      const struct dma_buf_mapping_entry *request)
{
	return pal_mmio_reachable(offer->pal_offer.mmio_provider,
				  request->sgt_request.dev,
				  request->sgt_request.allow_p2p);
}

/* Validation: every list is checked before anyone walks it. */

static int pal_invalid(const struct dma_buf_attachment *attach,
		       const char *why, unsigned int range)
{
	pr_err_ratelimited("dma-buf: exporter %s: malformed physical address list for %s: %s (range %u)\n",
			   attach->dmabuf->exp_name, dev_name(attach->dev),
			   why, range);
	return -EINVAL;
}

static int cmp_range_base(const void *a, const void *b)
{
	const struct dma_buf_phys_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* The overlap check of a list whose ranges are not in address order. */
static int pal_check_overlap_sorted(const struct dma_buf_attachment *attach,
				    const struct dma_buf_phys_list *pal)
{
	struct dma_buf_phys_range *r;
	unsigned int i;
	int ret = 0;

	r = kvmalloc_array(pal->nr_ranges, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	memcpy(r, pal->ranges, pal->nr_ranges * sizeof(*r));
	sort(r, pal->nr_ranges, sizeof(*r), cmp_range_base, NULL);
	for (i = 1; i < pal->nr_ranges; i++) {
		/* Every range was checked not to wrap. */
		if (r[i].base <= r[i - 1].base + (r[i - 1].len - 1)) {
			ret = pal_invalid(attach, "ranges overlap", i);
			break;
		}
	}
	kvfree(r);
	return ret;
}

/*
 * Check @pal, from the exporter of @attach, against the invariants of the
 * type: count, kind, alignment, overflow, coverage, overlap. O(n) for lists
 * in address order, O(n log n) with a temporary copy otherwise.
 */
static int pal_check(const struct dma_buf_attachment *attach,
		     const struct dma_buf_phys_list *pal)
{
	size_t size = attach->dmabuf->size;
	phys_addr_t last, prev_last = 0;
	bool in_order = true;
	size_t total = 0;
	unsigned int i;

	if (!pal->nr_ranges)
		return pal_invalid(attach, "no ranges", 0);
	if (pal->nr_ranges > DMA_BUF_PAL_MAX_RANGES)
		return pal_invalid(attach, "more than DMA_BUF_PAL_MAX_RANGES ranges",
				   pal->nr_ranges);
	if (pal->nr_ranges > size >> PAGE_SHIFT)
		return pal_invalid(attach, "more ranges than the buffer has pages",
				   pal->nr_ranges);
	if (pal->memory != DMA_BUF_PAL_RAM && pal->memory != DMA_BUF_PAL_MMIO)
		return pal_invalid(attach, "unknown kind of memory", 0);
	if (pal->caching != DMA_BUF_PAL_CACHED &&
	    pal->caching != DMA_BUF_PAL_WRITE_COMBINED &&
	    pal->caching != DMA_BUF_PAL_UNCACHED)
		return pal_invalid(attach, "unknown caching", 0);
	if (pal->memory == DMA_BUF_PAL_MMIO &&
	    !attach->offer.pal_offer.mmio_provider)
		return pal_invalid(attach, "MMIO from an offer without a provider", 0);

	for (i = 0; i < pal->nr_ranges; i++) {
		const struct dma_buf_phys_range *r = &pal->ranges[i];

		if (!r->len)
			return pal_invalid(attach, "zero length", i);
		if (!PAGE_ALIGNED(r->base))
			return pal_invalid(attach, "base not page aligned", i);
		if (!PAGE_ALIGNED(r->len))
			return pal_invalid(attach, "length not page aligned", i);
		if (check_add_overflow(r->base, (phys_addr_t)(r->len - 1), &last))
			return pal_invalid(attach, "base + length overflows", i);
		if (check_add_overflow(total, r->len, &total) || total > size)
			return pal_invalid(attach, "longer than the buffer", i);
		if (i && r->base <= prev_last)
			in_order = false;
		prev_last = last;
	}
	if (total != size)
		return pal_invalid(attach, "shorter than the buffer", i - 1);
	/* In address order, each range starting after the last is enough. */
	return in_order ? 0 : pal_check_overlap_sorted(attach, pal);
}

/*
 * The exporter's map, checked. A malformed list goes back to the exporter's
 * unmap, so nothing leaks.
 */
static struct dma_buf_phys_list *pal_map_checked(struct dma_buf_attachment *attach)
{
	const struct dma_buf_pal_exp_ops *ops = attach->offer.pal_offer.ops;
	struct dma_buf_phys_list *pal;
	int ret;

	pal = ops->map(attach);
	if (IS_ERR(pal))
		return pal;
	if (!pal) {
		pal_invalid(attach, "map returned NULL", 0);
		return ERR_PTR(-EINVAL);
	}
	ret = pal_check(attach, pal);
	if (ret) {
		ops->unmap(attach, pal);
		return ERR_PTR(ret);
	}
	return pal;
}

/* Without move_notify, every map of a dynamic exporter pins, as for SGT. */
static bool pal_map_pins(const struct dma_buf_attachment *attach)
{
	return dma_buf_is_dynamic(attach->dmabuf) &&
	       !IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY);
}

/**
 * dma_buf_map_pal - map a PAL attachment
 * @attach: an attachment whose negotiated type is &dma_buf_mapping_pal
 *
 * Asks the exporter for the list and validates it. The list stays valid
 * until dma_buf_unmap_pal(), or until the importer's move_notify, after
 * which the importer must stop using it and unmap it.
 *
 * Context: process context with the reservation lock of the buffer held;
 * may sleep. The importer waits for the exporter's kernel fences itself.
 *
 * Return: the list, owned by the exporter; -EINVAL for an attachment of
 * another type or a malformed list from the exporter; the exporter's
 * error otherwise.
 */
struct dma_buf_phys_list *dma_buf_map_pal(struct dma_buf_attachment *attach)
{
	struct dma_buf_phys_list *pal;
	int ret;

	might_sleep();
	if (WARN_ON(!attach || !attach->dmabuf))
		return ERR_PTR(-EINVAL);
	dma_resv_assert_held(attach->dmabuf->resv);
	if (attach->mapping_type != &dma_buf_mapping_pal)
		return ERR_PTR(-EINVAL);

	if (pal_map_pins(attach)) {
		ret = attach->dmabuf->ops->pin(attach);
		if (ret)
			return ERR_PTR(ret);
	}
	pal = pal_map_checked(attach);
	if (IS_ERR(pal) && pal_map_pins(attach))
		attach->dmabuf->ops->unpin(attach);
	return pal;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_pal, DMA_BUF);

/**
 * dma_buf_unmap_pal - unmap what dma_buf_map_pal() returned
 * @attach: the attachment
 * @pal: the list
 *
 * Context: process context with the reservation lock held; may sleep.
 */
void dma_buf_unmap_pal(struct dma_buf_attachment *attach,
		       struct dma_buf_phys_list *pal)
{
	might_sleep();
	if (WARN_ON(!attach || !attach->dmabuf || IS_ERR_OR_NULL(pal)))
		return;
	dma_resv_assert_held(attach->dmabuf->resv);
	if (WARN_ON(attach->mapping_type != &dma_buf_mapping_pal))
		return;

	attach->offer.pal_offer.ops->unmap(attach, pal);
	if (pal_map_pins(attach))
		attach->dmabuf->ops->unpin(attach);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unmap_pal, DMA_BUF);

/* The adapter: an SGT for an SGT importer, built from a PAL offer. */

struct pal_sgt {
	struct sg_table sgt;
	struct dma_buf_phys_list *pal;
};

/**
 * dma_buf_pal_dma_map - DMA-map one piece of a list for @dev
 * @dev: the importing device
 * @memory: what the list points at
 * @phys: physical address of the piece
 * @len: its length
 * @dir: direction
 *
 * RAM goes through dma_map_page_attrs(), MMIO through dma_map_resource().
 * KUnit replaces this function to inject failures.
 *
 * Return: the DMA address, or %DMA_MAPPING_ERROR.
 */
VISIBLE_IF_KUNIT dma_addr_t dma_buf_pal_dma_map(struct device *dev,
						enum dma_buf_pal_memory memory,
						phys_addr_t phys, size_t len,
						enum dma_data_direction dir)
{
	KUNIT_STATIC_STUB_REDIRECT(dma_buf_pal_dma_map, dev, memory, phys, len, dir);
	if (memory == DMA_BUF_PAL_MMIO)
		return dma_map_resource(dev, phys, len, dir, 0);
	return dma_map_page_attrs(dev, pfn_to_page(PHYS_PFN(phys)), 0, len,
				  dir, 0);
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_pal_dma_map);

/**
 * dma_buf_pal_dma_unmap - undo dma_buf_pal_dma_map()
 * @dev: the importing device
 * @memory: what the list points at
 * @addr: the DMA address
 * @len: the length
 * @dir: direction
 */
VISIBLE_IF_KUNIT void dma_buf_pal_dma_unmap(struct device *dev,
					    enum dma_buf_pal_memory memory,
					    dma_addr_t addr, size_t len,
					    enum dma_data_direction dir)
{
	KUNIT_STATIC_STUB_REDIRECT(dma_buf_pal_dma_unmap, dev, memory, addr, len, dir);
	if (memory == DMA_BUF_PAL_MMIO)
		dma_unmap_resource(dev, addr, len, dir, 0);
	else
		dma_unmap_page_attrs(dev, addr, len, dir, 0);
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_pal_dma_unmap);

static void pal_sgt_unmap_entries(struct device *dev, struct pal_sgt *ps,
				  unsigned int count,
				  enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sg(ps->sgt.sgl, sg, count, i)
		dma_buf_pal_dma_unmap(dev, ps->pal->memory, sg_dma_address(sg),
				      sg_dma_len(sg), dir);
}

/* Map every range in pieces of at most @seg bytes; unwinds on failure. */
static int pal_sgt_fill(struct device *dev, struct pal_sgt *ps,
			unsigned int seg, enum dma_data_direction dir)
{
	const struct dma_buf_phys_list *pal = ps->pal;
	struct scatterlist *sg = ps->sgt.sgl;
	unsigned int i, mapped = 0;

	for (i = 0; i < pal->nr_ranges; i++) {
		phys_addr_t phys = pal->ranges[i].base;
		size_t left = pal->ranges[i].len;

		while (left) {
			unsigned int len = min_t(size_t, left, seg);
			dma_addr_t addr;

			addr = dma_buf_pal_dma_map(dev, pal->memory, phys, len, dir);
			if (dma_mapping_error(dev, addr)) {
				pal_sgt_unmap_entries(dev, ps, mapped, dir);
				return -EIO;
			}
			/* MMIO has no struct page. */
			sg_set_page(sg, pal->memory == DMA_BUF_PAL_RAM ?
				    pfn_to_page(PHYS_PFN(phys)) : NULL, len, 0);
			sg_dma_address(sg) = addr;
			sg_dma_len(sg) = len;
			sg = sg_next(sg);
			mapped++;
			phys += len;
			left -= len;
		}
		cond_resched();
	}
	return 0;
}

/**
 * dma_buf_pal_map_sgt - the adapter's map
 * @attach: an SGT attachment negotiated from a PAL offer
 * @dir: direction
 *
 * Gets the exporter's list (validated), then builds an sg_table of it
 * DMA-mapped for @attach->dev, in pieces no longer than the device's
 * maximum segment size. Same context as &dma_buf_sgt_exp_ops.map.
 *
 * Return: the table, or an ERR_PTR(); nothing is left mapped on failure.
 */
struct sg_table *dma_buf_pal_map_sgt(struct dma_buf_attachment *attach,
				     enum dma_data_direction dir)
{
	unsigned int seg = dma_get_max_seg_size(attach->dev) & PAGE_MASK;
	unsigned long nents = 0;
	struct pal_sgt *ps;
	unsigned int i;
	int ret;

	ps = kzalloc(sizeof(*ps), GFP_KERNEL);
	if (!ps)
		return ERR_PTR(-ENOMEM);
	ps->pal = pal_map_checked(attach);
	if (IS_ERR(ps->pal)) {
		ret = PTR_ERR(ps->pal);
		goto err_free;
	}
	/* Negotiation made sure of this; a list of MMIO needs a provider. */
	if (WARN_ON(ps->pal->memory == DMA_BUF_PAL_MMIO && !attach->peer2peer)) {
		ret = -EINVAL;
		goto err_unmap_pal;
	}

	if (!seg)
		seg = PAGE_SIZE;
	for (i = 0; i < ps->pal->nr_ranges; i++)
		nents += DIV_ROUND_UP(ps->pal->ranges[i].len, seg);
	if (nents > UINT_MAX) {
		ret = -E2BIG;
		goto err_unmap_pal;
	}
	ret = sg_alloc_table(&ps->sgt, nents, GFP_KERNEL);
	if (ret)
		goto err_unmap_pal;
	ret = pal_sgt_fill(attach->dev, ps, seg, dir);
	if (ret)
		goto err_table;
	return &ps->sgt;

err_table:
	sg_free_table(&ps->sgt);
err_unmap_pal:
	attach->offer.pal_offer.ops->unmap(attach, ps->pal);
err_free:
	kfree(ps);
	return ERR_PTR(ret);
}

/**
 * dma_buf_pal_unmap_sgt - the adapter's unmap
 * @attach: the attachment
 * @sgt: a table from dma_buf_pal_map_sgt()
 * @dir: direction
 */
void dma_buf_pal_unmap_sgt(struct dma_buf_attachment *attach,
			   struct sg_table *sgt, enum dma_data_direction dir)
{
	struct pal_sgt *ps = container_of(sgt, struct pal_sgt, sgt);

	pal_sgt_unmap_entries(attach->dev, ps, sgt->orig_nents, dir);
	sg_free_table(sgt);
	attach->offer.pal_offer.ops->unmap(attach, ps->pal);
	kfree(ps);
}
