// SPDX-License-Identifier: GPL-2.0-only
/*
 * The physical address list (PAL) mapping type: its trust rule, the
 * validation of every list an exporter hands out, and the importer's map
 * and unmap.
 *
 * The core's converters between PAL and SGT: the adapter that serves SGT
 * importers from a PAL offer, and the one that serves PAL importers from
 * an SGT offer of pages.
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
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
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
 * The part of the PAL type's trust rule that can be decided before any list
 * exists: a device gets raw physical ranges only when the DMA API would give
 * it those very addresses for every page of RAM, with nothing to do in
 * between. That rules out devices without a DMA mask, behind an IOMMU, with
 * their own DMA ops, with forced bounce buffering or memory encryption, with
 * a DMA offset, that cannot address all of RAM (dma-direct would bounce),
 * that are not cache coherent (no one would do the cache maintenance), and
 * platforms where phys_to_dma() is not the identity (an AMD SME host sets
 * the C-bit, some architectures translate). dma_buf_map_pal() then checks
 * every range of every list against the device's DMA limits. All other
 * devices are served SGT (through the adapter if need be), which goes
 * through the DMA API. Importers that hand a device's DMA addresses to
 * someone expecting physical ones (a hypervisor) use it to decide whether
 * they can at all.
 *
 * Context: any; reads only @dev's DMA configuration.
 * Return: true if @dev may import PAL.
 */
bool dma_buf_dev_uses_phys_addrs(struct device *dev)
{
	phys_addr_t ram = PFN_PHYS(max_pfn ? max_pfn - 1 : 0);

	return dev->dma_mask && !device_iommu_mapped(dev) && !get_dma_ops(dev) &&
	       !is_swiotlb_force_bounce(dev) && !force_dma_unencrypted(dev) &&
	       !dev->dma_range_map && dev_is_dma_coherent(dev) &&
	       !dma_addressing_limited(dev) &&
	       phys_to_dma(dev, ram) == ram;
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

/**
 * dma_buf_pal_mmio_bus_offset - PCI bus address of a range of a BAR
 * @provider: the PCI device named by the offer
 * @base: CPU physical address of the range
 * @len: its length
 * @offset: set to the bus address minus the CPU address, 0 on most hosts
 *	but not on all
 *
 * KUnit replaces this function: there are no real BARs under UML.
 *
 * Return: 0, or -EINVAL when no memory BAR of @provider holds the whole
 * range.
 */
VISIBLE_IF_KUNIT int dma_buf_pal_mmio_bus_offset(struct pci_dev *provider,
						 phys_addr_t base, size_t len,
						 u64 *offset)
{
#ifdef CONFIG_PCI
	int bar;

	KUNIT_STATIC_STUB_REDIRECT(dma_buf_pal_mmio_bus_offset, provider, base, len,
				   offset);
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct resource *res = pci_resource_n(provider, bar);

		if (!(resource_type(res) & IORESOURCE_MEM) ||
		    base < res->start || base + (len - 1) > res->end)
			continue;
		*offset = pci_bus_address(provider, bar) - res->start;
		return 0;
	}
	return -EINVAL;
#else
	KUNIT_STATIC_STUB_REDIRECT(dma_buf_pal_mmio_bus_offset, provider, base, len,
				   offset);
	/* No PCI: no provider can exist outside KUnit. */
	return -EINVAL;
#endif
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_pal_mmio_bus_offset);

static bool pal_valid_offer(const struct dma_buf_mapping_offer *offer)
{
	const struct dma_buf_pal_exp_ops *ops = offer->pal_offer.ops;

	return ops && ops->map && ops->unmap;
}

static bool pal_valid_request(const struct dma_buf_mapping_request *request,
			      struct device *dev)
{
	return request->pal_request.dev == dev;
}

/*
 * A device that fails the trust rule is "not compatible", not an error:
 * an importer listing PAL then SGT gets SGT.
 */
static int pal_match(struct dma_buf *dmabuf, struct device *dev,
		     const struct dma_buf_mapping_offer *offer,
		     const struct dma_buf_mapping_request *request)
{
	if (!dma_buf_dev_uses_phys_addrs(dev))
		return -EOPNOTSUPP;
	return pal_mmio_reachable(offer->pal_offer.mmio_provider, dev,
				  request->pal_request.allow_mmio);
}

/*
 * The BAR a PAL attachment's list may point into: its PAL offer's, none
 * when the SGT-to-PAL converter serves it (pages only).
 */
static struct pci_dev *pal_mmio_provider(const struct dma_buf_attachment *attach)
{
	if (attach->offer.type != &dma_buf_mapping_pal)
		return NULL;
	return attach->offer.pal_offer.mmio_provider;
}

static void pal_debugfs_show(struct seq_file *s,
			     const struct dma_buf_attachment *attach)
{
	seq_printf(s, "\tmmio=%s", pal_mmio_provider(attach) ? "yes" : "no");
}

static int pal_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	const struct dma_buf_pal_exp_ops *ops = dma_buf_attach_pal_ops(attach);

	return ops->attach ? ops->attach(dmabuf, attach) : 0;
}

static void pal_unmap(struct dma_buf_attachment *attach);

/*
 * A list the importer did not unmap is its bug, reported naming it:
 * without the unmap the exporter's list, and without DMABUF_MOVE_NOTIFY
 * its pin, would leak.
 */
static void pal_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	const struct dma_buf_pal_exp_ops *ops = dma_buf_attach_pal_ops(attach);

	/* Read unlocked: see &dma_buf_mapping_type.detach. */
	if (attach->pal) {
		dma_resv_lock(dmabuf->resv, NULL);
		dma_buf_mapping_importer_leaked(attach,
						"detached with a PAL still mapped (ranges)",
						attach->pal->nr_ranges);
		pal_unmap(attach);
		dma_resv_unlock(dmabuf->resv);
	}
	if (ops->detach)
		ops->detach(dmabuf, attach);
}

const struct dma_buf_mapping_type dma_buf_mapping_pal = {
	.name = "pal",
	.valid_offer = pal_valid_offer,
	.valid_request = pal_valid_request,
	.match = pal_match,
	.debugfs_show = pal_debugfs_show,
	.attach = pal_attach,
	.detach = pal_detach,
};
EXPORT_SYMBOL_NS_GPL(dma_buf_mapping_pal, DMA_BUF);

/* Validation: every list is checked before anyone walks it. */

/*
 * A malformed list: said (rate-limited), and -EINVAL. KUnit replaces it to
 * learn which check refused a list.
 */
VISIBLE_IF_KUNIT int dma_buf_pal_invalid(const struct dma_buf_attachment *attach,
					 const char *why, unsigned int range)
{
	KUNIT_STATIC_STUB_REDIRECT(dma_buf_pal_invalid, attach, why, range);
	pr_err_ratelimited("dma-buf: exporter %s: malformed physical address list for %s: %s (range %u)\n",
			   attach->dmabuf->exp_name, dev_name(attach->dev),
			   why, range);
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_pal_invalid);

static int cmp_range_base(const void *a, const void *b)
{
	const struct phys_vec *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/* The overlap check of a list whose ranges are not in address order. */
static int pal_check_overlap_sorted(const struct dma_buf_attachment *attach,
				    const struct dma_buf_phys_list *pal)
{
	struct phys_vec *r;
	unsigned int i;
	int ret = 0;

	r = kvmalloc_array(pal->nr_ranges, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	memcpy(r, pal->ranges, pal->nr_ranges * sizeof(*r));
	sort(r, pal->nr_ranges, sizeof(*r), cmp_range_base, NULL);
	for (i = 1; i < pal->nr_ranges; i++) {
		/* Every range was checked not to wrap. */
		if (r[i].paddr <= r[i - 1].paddr + (r[i - 1].len - 1)) {
			ret = dma_buf_pal_invalid(attach, "ranges overlap", i);
			break;
		}
	}
	kvfree(r);
	return ret;
}

/*
 * Is [@base, @last] RAM: memory the kernel manages, with online struct
 * pages (pfn_to_online_page()): not a hole, not offline memory, not device
 * memory (ZONE_DEVICE: P2P BARs, device-private memory)? Checked once per
 * subsection the range touches, the granularity at which memory is onlined
 * and device memory comes with SPARSEMEM: a hole or device memory inside a
 * range is found, not only at its ends, at the cost of one check per 2 MiB
 * (x86_64). What the memory map cannot tell apart passes: pages reserved
 * by firmware inside boot memory, and, without SPARSEMEM, anything inside
 * the memory map, where the ends are what can be checked.
 */
static bool pal_range_is_ram(phys_addr_t base, phys_addr_t last)
{
	unsigned long pfn = PHYS_PFN(base), end = PHYS_PFN(last);

	for (;;) {
		if (!pfn_to_online_page(pfn))
			return false;
		if (pfn == end)
			return true;
#ifdef CONFIG_SPARSEMEM
		pfn = min(ALIGN(pfn + 1, PAGES_PER_SUBSECTION), end);
#else
		pfn = end;
#endif
	}
}

/*
 * Check @pal, from the exporter of @attach, against the invariants of the
 * type: count, kind, alignment, overflow, coverage, overlap, RAM that is
 * RAM (pal_range_is_ram()), MMIO inside a BAR of the provider. O(n) and
 * no allocation; the overlap of a list out of address order, which needs a
 * sorted copy (O(n log n), up to 16 MiB, under the reservation lock at
 * every map), only with CONFIG_DMABUF_DEBUG.
 */
static int pal_check(const struct dma_buf_attachment *attach,
		     const struct dma_buf_phys_list *pal)
{
	struct pci_dev *provider = pal_mmio_provider(attach);
	size_t size = attach->dmabuf->size;
	phys_addr_t last, prev_base = 0, prev_last = 0;
	bool in_order = true;
	size_t total = 0;
	unsigned int i;
	u64 offset;

	if (!pal->nr_ranges)
		return dma_buf_pal_invalid(attach, "no ranges", 0);
	if (pal->nr_ranges > DMA_BUF_PAL_MAX_RANGES)
		return dma_buf_pal_invalid(attach, "more than DMA_BUF_PAL_MAX_RANGES ranges",
					   pal->nr_ranges);
	if (pal->nr_ranges > size >> PAGE_SHIFT)
		return dma_buf_pal_invalid(attach, "more ranges than the buffer has pages",
					   pal->nr_ranges);
	if (pal->memory != DMA_BUF_PAL_RAM && pal->memory != DMA_BUF_PAL_MMIO)
		return dma_buf_pal_invalid(attach, "unknown kind of memory", 0);
	if (pal->caching != DMA_BUF_PAL_CACHED &&
	    pal->caching != DMA_BUF_PAL_WRITE_COMBINED &&
	    pal->caching != DMA_BUF_PAL_UNCACHED)
		return dma_buf_pal_invalid(attach, "unknown caching", 0);
	if (pal->memory == DMA_BUF_PAL_MMIO && !provider)
		return dma_buf_pal_invalid(attach, "MMIO from an offer without a provider", 0);

	for (i = 0; i < pal->nr_ranges; i++) {
		const struct phys_vec *r = &pal->ranges[i];

		if (!r->len)
			return dma_buf_pal_invalid(attach, "zero length", i);
		if (!PAGE_ALIGNED(r->paddr))
			return dma_buf_pal_invalid(attach, "base not page aligned", i);
		if (!PAGE_ALIGNED(r->len))
			return dma_buf_pal_invalid(attach, "length not page aligned", i);
		if (check_add_overflow(r->paddr, (phys_addr_t)(r->len - 1), &last))
			return dma_buf_pal_invalid(attach, "base + length overflows", i);
		if (check_add_overflow(total, r->len, &total) || total > size)
			return dma_buf_pal_invalid(attach, "longer than the buffer", i);
		if (pal->memory == DMA_BUF_PAL_RAM && !pal_range_is_ram(r->paddr, last))
			return dma_buf_pal_invalid(attach, "RAM range outside memory", i);
		if (pal->memory == DMA_BUF_PAL_MMIO &&
		    dma_buf_pal_mmio_bus_offset(provider, r->paddr, r->len, &offset))
			return dma_buf_pal_invalid(attach,
						   "MMIO range outside the provider's BARs", i);
		if (i && r->paddr <= prev_last) {
			/* Starting inside the previous range is an overlap. */
			if (r->paddr >= prev_base)
				return dma_buf_pal_invalid(attach, "ranges overlap", i);
			in_order = false;
		}
		prev_base = r->paddr;
		prev_last = last;
	}
	if (total != size)
		return dma_buf_pal_invalid(attach, "shorter than the buffer", i - 1);
	/* In address order, each range starting after the last is enough. */
	if (in_order || !IS_ENABLED(CONFIG_DMABUF_DEBUG))
		return 0;
	return pal_check_overlap_sorted(attach, pal);
}

/*
 * The exporter's map, checked. A malformed list goes back to the exporter's
 * unmap, so nothing leaks.
 */
static struct dma_buf_phys_list *pal_map_checked(struct dma_buf_attachment *attach)
{
	const struct dma_buf_pal_exp_ops *ops = dma_buf_attach_pal_ops(attach);
	struct dma_buf_phys_list *pal;
	int ret;

	pal = ops->map(attach);
	if (IS_ERR(pal))
		return pal;
	if (!pal) {
		dma_buf_pal_invalid(attach, "map returned NULL", 0);
		return ERR_PTR(-EINVAL);
	}
	ret = pal_check(attach, pal);
	if (ret) {
		ops->unmap(attach, pal);
		return ERR_PTR(ret);
	}
	return pal;
}

/*
 * The part of the trust rule that needs the list: can the importer reach
 * every range at the address it is handed? RAM must be at its physical
 * address for the device (phys_to_dma() is the identity) and within its
 * DMA mask and bus limit; MMIO must have a PCI bus address equal to its
 * CPU physical address, within the mask too.
 */
static int pal_check_reach(const struct dma_buf_attachment *attach,
			   const struct dma_buf_phys_list *pal)
{
	struct pci_dev *provider = pal_mmio_provider(attach);
	bool ram = pal->memory == DMA_BUF_PAL_RAM;
	struct device *dev = attach->dev;
	unsigned int i;
	u64 offset;

	for (i = 0; i < pal->nr_ranges; i++) {
		const struct phys_vec *r = &pal->ranges[i];

		if (ram && phys_to_dma(dev, r->paddr) != r->paddr)
			return -ERANGE;
		if (!ram && (dma_buf_pal_mmio_bus_offset(provider, r->paddr, r->len,
							 &offset) || offset))
			return -ERANGE;
		if (!dma_capable(dev, r->paddr, r->len, ram))
			return -ERANGE;
	}
	return 0;
}

/**
 * dma_buf_map_pal - map a PAL attachment
 * @attach: an attachment whose negotiated type is &dma_buf_mapping_pal
 *
 * Asks the exporter for the list, validates it, and checks that the
 * importing device can reach every range at its physical address. The
 * list stays valid until dma_buf_unmap_pal(), or until the importer's
 * invalidate_mappings is called, after which the importer must stop using
 * it and unmap it.
 * An attachment holds one list at a time; dma_buf_detach() undoes one the
 * importer forgot to unmap (and reports the importer's bug).
 *
 * Context: process context with the reservation lock of the buffer held;
 * may sleep. The importer waits for the exporter's kernel fences itself.
 *
 * Return: the list, owned by the exporter and read-only for the importer
 * (const); -EINVAL for an attachment of another type, a malformed list
 * from the exporter or, through the SGT-to-PAL converter, a table that is
 * not whole pages of RAM; -E2BIG or -ENOMEM when the converter cannot
 * allocate the list; -EBUSY when the attachment already holds a list;
 * -ERANGE when a range is out of the device's reach at its physical
 * address (a DMA mask or bus limit below it, a bus address that differs
 * from the CPU's): such an importer re-attaches requesting SGT, which the
 * DMA API bounces or translates; the exporter's error otherwise.
 */
const struct dma_buf_phys_list *dma_buf_map_pal(struct dma_buf_attachment *attach)
{
	struct dma_buf_phys_list *pal;
	int ret;

	might_sleep();
	if (WARN_ON(!attach || !attach->dmabuf))
		return ERR_PTR(-EINVAL);
	dma_resv_assert_held(attach->dmabuf->resv);
	if (attach->mapping_type != &dma_buf_mapping_pal)
		return ERR_PTR(-EINVAL);
	if (attach->pal)
		return ERR_PTR(-EBUSY);

	ret = dma_buf_map_pin(attach);
	if (ret)
		return ERR_PTR(ret);
	pal = pal_map_checked(attach);
	if (!IS_ERR(pal)) {
		ret = pal_check_reach(attach, pal);
		if (ret) {
			dma_buf_attach_pal_ops(attach)->unmap(attach, pal);
			pal = ERR_PTR(ret);
		}
	}
	if (IS_ERR(pal)) {
		dma_buf_map_unpin(attach);
		return pal;
	}
	attach->pal = pal;
	return pal;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_pal, DMA_BUF);

static void pal_unmap(struct dma_buf_attachment *attach)
{
	dma_buf_attach_pal_ops(attach)->unmap(attach, attach->pal);
	attach->pal = NULL;
	dma_buf_map_unpin(attach);
}

/**
 * dma_buf_unmap_pal - unmap what dma_buf_map_pal() returned
 * @attach: the attachment
 * @pal: the list
 *
 * Context: process context with the reservation lock held; may sleep.
 */
void dma_buf_unmap_pal(struct dma_buf_attachment *attach,
		       const struct dma_buf_phys_list *pal)
{
	might_sleep();
	if (WARN_ON(!attach || !attach->dmabuf || IS_ERR_OR_NULL(pal)))
		return;
	dma_resv_assert_held(attach->dmabuf->resv);
	if (WARN_ON(attach->mapping_type != &dma_buf_mapping_pal ||
		    attach->pal != pal))
		return;
	pal_unmap(attach);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unmap_pal, DMA_BUF);

/* The adapter: an SGT for an SGT importer, built from a PAL offer. */

struct pal_sgt {
	struct sg_table sgt;
	struct dma_buf_phys_list *pal;
	/* MMIO at PCI bus addresses, routed by a switch: nothing DMA-mapped. */
	bool bus_addr;
	/* On dma_buf.adapter_tables when it maps RAM, to be synced. */
	struct list_head node;
	struct device *dev;
	enum dma_data_direction dir;
};

/**
 * dma_buf_pal_to_sgt_match - can the core serve an SGT request from a PAL
 *	offer?
 * @dmabuf: the buffer
 * @dev: the importing device
 * @offer: an exporter's PAL offer
 * @request: an importer's SGT request
 *
 * The converter DMA-maps the list for the importer: RAM for any importer,
 * MMIO only for one that accepts P2P and passes the distance check.
 *
 * Return: 0 if it can, -EOPNOTSUPP if not.
 */
int dma_buf_pal_to_sgt_match(struct dma_buf *dmabuf, struct device *dev,
			     const struct dma_buf_mapping_offer *offer,
			     const struct dma_buf_mapping_request *request)
{
	return pal_mmio_reachable(offer->pal_offer.mmio_provider, dev,
				  request->sgt_request.allow_p2p);
}

#ifdef CONFIG_PCI
static bool pal_bridge_redirects(struct pci_dev *bridge)
{
	u16 ctrl;

	if (!bridge->acs_cap)
		return false;
	pci_read_config_word(bridge, bridge->acs_cap + PCI_ACS_CTRL, &ctrl);
	return ctrl & (PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC);
}

/* Does any bridge from @dev up to, not including, @top redirect P2P? */
static bool pal_path_redirects(struct pci_dev *dev, struct pci_dev *top)
{
	for (; dev && dev != top; dev = pci_upstream_bridge(dev))
		if (pal_bridge_redirects(dev))
			return true;
	return false;
}
#endif

/*
 * Does P2P from @client to the BAR of @provider stay below a PCI switch,
 * so that the client must use the PCI bus address (a transaction the
 * switch routes never reaches the host bridge or its IOMMU)? Otherwise it
 * goes through the host bridge, and the DMA API maps it.
 *
 * pci-p2pdma makes the same decision (the common upstream bridge, ACS
 * redirection on the way: pal_bridge_redirects() tests the same RR, CR and
 * EC bits), but keeps it to itself: it is computed by a static function
 * and handed out only through pci_p2pdma_map_segment() for pages of a
 * provider's ZONE_DEVICE memory (pci_p2pdma_add_resource()). A BAR offered
 * as a PAL has no such pages, and pci_p2pdma_distance(), which the core
 * does use to decide reachability, says how far, not which way.
 */
static bool pal_p2p_below_switch(struct pci_dev *provider, struct device *client)
{
#ifdef CONFIG_PCI
	struct pci_dev *up, *a, *b;

	if (!dev_is_pci(client))
		return false;
	for (a = pci_upstream_bridge(provider); a; a = pci_upstream_bridge(a)) {
		for (b = pci_upstream_bridge(to_pci_dev(client)); b;
		     b = pci_upstream_bridge(b)) {
			if (a != b)
				continue;
			up = pci_upstream_bridge(a);
			return !pal_path_redirects(provider, up) &&
			       !pal_path_redirects(to_pci_dev(client), a);
		}
	}
#endif
	return false;
}

/**
 * dma_buf_pal_dma_map_sgtable - DMA-map the adapter's table for @dev
 * @dev: the importing device
 * @memory: what the table points at
 * @sgt: the table; for MMIO, each entry's DMA address holds the CPU
 *	physical address on entry (there is no struct page)
 * @dir: direction
 *
 * RAM goes through dma_map_sgtable(), so that an IOMMU maps the table in
 * one go and may merge it; MMIO reached through the host bridge through
 * dma_map_resource(), entry by entry. RAM is mapped and unmapped with the
 * DMA API's CPU syncs, as an SGT exporter of pages maps: the unmap copies
 * what the device wrote into a bounce buffer back to the buffer, so an
 * importer of such a table unmaps before its fence signals (the move rule
 * of &struct dma_buf_pal_exp_ops). KUnit replaces this function, where
 * the DMA API cannot run (UML) or to fail it.
 *
 * Return: 0, or a negative errno with nothing left mapped.
 */
VISIBLE_IF_KUNIT int dma_buf_pal_dma_map_sgtable(struct device *dev,
						 enum dma_buf_pal_memory memory,
						 struct sg_table *sgt,
						 enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i, j;
	dma_addr_t addr;

	KUNIT_STATIC_STUB_REDIRECT(dma_buf_pal_dma_map_sgtable, dev, memory, sgt, dir);
	if (memory == DMA_BUF_PAL_RAM)
		return dma_map_sgtable(dev, sgt, dir, 0);

	for_each_sgtable_sg(sgt, sg, i) {
		addr = dma_map_resource(dev, sg_dma_address(sg), sg->length, dir, 0);
		if (dma_mapping_error(dev, addr)) {
			for_each_sgtable_sg(sgt, sg, j) {
				if (j == i)
					break;
				dma_unmap_resource(dev, sg_dma_address(sg),
						   sg_dma_len(sg), dir, 0);
			}
			return -EIO;
		}
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = sg->length;
	}
	sgt->nents = sgt->orig_nents;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_pal_dma_map_sgtable);

/**
 * dma_buf_pal_dma_unmap_sgtable - undo dma_buf_pal_dma_map_sgtable()
 * @dev: the importing device
 * @memory: what the table points at
 * @sgt: the table
 * @dir: direction
 */
VISIBLE_IF_KUNIT void dma_buf_pal_dma_unmap_sgtable(struct device *dev,
						    enum dma_buf_pal_memory memory,
						    struct sg_table *sgt,
						    enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i;

	KUNIT_STATIC_STUB_REDIRECT(dma_buf_pal_dma_unmap_sgtable, dev, memory, sgt, dir);
	if (memory == DMA_BUF_PAL_RAM) {
		dma_unmap_sgtable(dev, sgt, dir, 0);
		return;
	}
	for_each_sgtable_dma_sg(sgt, sg, i)
		dma_unmap_resource(dev, sg_dma_address(sg), sg_dma_len(sg), dir, 0);
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_pal_dma_unmap_sgtable);

/*
 * The longest entry the adapter gives @dev: its maximum segment size and,
 * for RAM, the longest single mapping the DMA API can make for it. When
 * it bounces (swiotlb forced, CoCo guests, a DMA mask below the memory)
 * that is a run of bounce slots, and a longer entry fails the whole map
 * with -EIO. MMIO goes through dma_map_resource(), which never bounces.
 */
static u64 pal_max_segment(struct device *dev, enum dma_buf_pal_memory memory)
{
	u64 max_seg = dma_get_max_seg_size(dev);
	size_t max_map = dma_max_mapping_size(dev);

	/* 0: no DMA API at all (UML); SIZE_MAX: no limit. */
	if (memory == DMA_BUF_PAL_RAM && max_map)
		max_seg = min_t(u64, max_seg, max_map);
	return max(max_seg & PAGE_MASK, PAGE_SIZE);
}

/*
 * Lay @pal out as table entries for @dev: ranges that continue each other
 * physically become one entry, and entries are split so that none is
 * longer than pal_max_segment() or crosses the device's segment
 * boundary. With @sgt NULL only counts; otherwise fills @sgt, whose
 * entries must be as many as the count. RAM entries get their pages, MMIO
 * entries their CPU physical address as DMA address (see
 * dma_buf_pal_dma_map_sgtable()).
 */
static u64 pal_sgt_layout(const struct dma_buf_phys_list *pal,
			  struct device *dev, struct sg_table *sgt)
{
	unsigned long boundary = dma_get_seg_boundary(dev);
	u64 max_seg = pal_max_segment(dev, pal->memory);
	struct scatterlist *sg = sgt ? sgt->sgl : NULL;
	unsigned int i = 0;
	u64 count = 0;

	while (i < pal->nr_ranges) {
		phys_addr_t phys = pal->ranges[i].paddr;
		u64 left = pal->ranges[i].len;

		/*
		 * Ranges that continue each other become one run. Compared
		 * through the last byte, which never wraps (pal_check()): a
		 * run ending at the top of the physical address space is not
		 * continued by a range at 0.
		 */
		for (i++; i < pal->nr_ranges && pal->ranges[i].paddr &&
		     pal->ranges[i].paddr - 1 == phys + (left - 1); i++)
			left += pal->ranges[i].len;
		while (left) {
			u64 len = min(left, max_seg);

			if (boundary != ULONG_MAX)
				len = min_t(u64, len, boundary - (phys & boundary) + 1);
			if (sg) {
				if (pal->memory == DMA_BUF_PAL_RAM) {
					sg_set_page(sg, pfn_to_page(PHYS_PFN(phys)), len, 0);
				} else {
					sg_set_page(sg, NULL, len, 0);
					sg_dma_address(sg) = phys;
				}
				sg = sg_next(sg);
			}
			count++;
			phys += len;
			left -= len;
		}
		cond_resched();
	}
	return count;
}

/* MMIO routed by a switch: the table holds PCI bus addresses, not mapped. */
static int pal_sgt_bus_addrs(struct pci_dev *provider, struct sg_table *sgt)
{
	struct scatterlist *sg;
	dma_addr_t addr;
	unsigned int i;
	u64 offset;

	for_each_sgtable_sg(sgt, sg, i) {
		addr = sg_dma_address(sg);
		if (dma_buf_pal_mmio_bus_offset(provider, addr, sg->length, &offset))
			return -EINVAL;
		sg_dma_address(sg) += offset;
		sg_dma_len(sg) = sg->length;
	}
	sgt->nents = sgt->orig_nents;
	return 0;
}

/**
 * pal_to_sgt_map - the adapter's map
 * @attach: an SGT attachment negotiated from a PAL offer
 * @dir: direction
 *
 * Gets the exporter's list (validated), lays it out as an sg_table within
 * the device's segment limits and DMA-maps it for @attach->dev in one go.
 * MMIO that P2P reaches below a PCI switch gets the ranges' PCI bus
 * addresses; MMIO through the host bridge is mapped with
 * dma_map_resource(). Same context as &dma_buf_sgt_exp_ops.map.
 *
 * Return: the table, or an ERR_PTR(); nothing is left mapped on failure.
 */
static struct sg_table *pal_to_sgt_map(struct dma_buf_attachment *attach,
				       enum dma_data_direction dir)
{
	struct pci_dev *provider = attach->offer.pal_offer.mmio_provider;
	struct pal_sgt *ps;
	u64 nents;
	int ret;

	ps = kzalloc(sizeof(*ps), GFP_KERNEL);
	if (!ps)
		return ERR_PTR(-ENOMEM);
	ps->pal = pal_map_checked(attach);
	if (IS_ERR(ps->pal)) {
		ret = PTR_ERR(ps->pal);
		goto err_free;
	}

	nents = pal_sgt_layout(ps->pal, attach->dev, NULL);
	if (nents > UINT_MAX) {
		ret = -E2BIG;
		goto err_unmap_pal;
	}
	ret = sg_alloc_table(&ps->sgt, nents, GFP_KERNEL);
	if (ret)
		goto err_unmap_pal;
	pal_sgt_layout(ps->pal, attach->dev, &ps->sgt);

	ps->bus_addr = ps->pal->memory == DMA_BUF_PAL_MMIO &&
		       pal_p2p_below_switch(provider, attach->dev);
	if (ps->bus_addr)
		ret = pal_sgt_bus_addrs(provider, &ps->sgt);
	else
		ret = dma_buf_pal_dma_map_sgtable(attach->dev, ps->pal->memory,
						  &ps->sgt, dir);
	if (ret)
		goto err_table;
	INIT_LIST_HEAD(&ps->node);
	if (ps->pal->memory == DMA_BUF_PAL_RAM) {
		ps->dev = attach->dev;
		ps->dir = dir;
		list_add_tail(&ps->node, &attach->dmabuf->adapter_tables);
	}
	return &ps->sgt;

err_table:
	sg_free_table(&ps->sgt);
err_unmap_pal:
	attach->offer.pal_offer.ops->unmap(attach, ps->pal);
err_free:
	kfree(ps);
	return ERR_PTR(ret);
}

/*
 * One table, DMA segment by DMA segment: the table the importer holds has
 * its page links mangled under CONFIG_DMABUF_DEBUG, and only its DMA
 * addresses can be trusted.
 */
static void pal_sync_table(struct pal_sgt *ps, bool for_cpu)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(&ps->sgt, sg, i) {
		if (for_cpu)
			dma_sync_single_for_cpu(ps->dev, sg_dma_address(sg),
						sg_dma_len(sg), ps->dir);
		else
			dma_sync_single_for_device(ps->dev, sg_dma_address(sg),
						   sg_dma_len(sg), ps->dir);
	}
}

/**
 * dma_buf_pal_sync_adapter - sync the adapter's tables around CPU access
 * @dmabuf: the buffer
 * @cpu_dir: the CPU's access, as dma_buf_begin_cpu_access() takes it
 *	(DMA_FROM_DEVICE: the CPU reads; DMA_TO_DEVICE: it writes)
 * @for_cpu: true from dma_buf_begin_cpu_access(), false from
 *	dma_buf_end_cpu_access()
 *
 * The adapter DMA-maps its tables itself (dma_buf_pal_dma_map_sgtable()),
 * so neither the exporter (which handed over physical ranges) nor the
 * importer (which may be a compat one that never syncs) can sync them
 * between map and unmap: with a bounce buffer or a non-coherent
 * device, the device would otherwise read what the buffer held at map
 * time, and the CPU never see what the device wrote. Before the CPU reads,
 * each table of RAM the device may write is synced for the CPU; after the
 * CPU wrote, each one the device reads is synced for the device. MMIO
 * needs no sync.
 *
 * Context: process context; takes the reservation lock when the buffer has
 * such tables at all, interruptibly for the CPU (the caller may report
 * -EINTR) and uninterruptibly for the device (a sync that did not happen
 * cannot be reported).
 *
 * Return: 0, or -EINTR when a signal ended the wait for the lock.
 */
int dma_buf_pal_sync_adapter(struct dma_buf *dmabuf,
			     enum dma_data_direction cpu_dir, bool for_cpu)
{
	enum dma_data_direction skip = for_cpu ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	struct pal_sgt *ps;
	int ret;

	/* The CPU neither reads (begin) nor wrote (end): nothing to sync. */
	if (cpu_dir == skip)
		return 0;
	/* Only a buffer with a PAL offer ever has tables: skip the lock. */
	if (list_empty(&dmabuf->adapter_tables))
		return 0;
	if (for_cpu) {
		ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
		if (ret)
			return ret;
	} else {
		dma_resv_lock(dmabuf->resv, NULL);
	}
	list_for_each_entry(ps, &dmabuf->adapter_tables, node)
		if (ps->dir != skip)
			pal_sync_table(ps, for_cpu);
	dma_resv_unlock(dmabuf->resv);
	return 0;
}

/**
 * pal_to_sgt_unmap - the adapter's unmap
 * @attach: the attachment
 * @sgt: a table from pal_to_sgt_map()
 * @dir: direction
 */
static void pal_to_sgt_unmap(struct dma_buf_attachment *attach,
			     struct sg_table *sgt, enum dma_data_direction dir)
{
	struct pal_sgt *ps = container_of(sgt, struct pal_sgt, sgt);

	list_del(&ps->node);
	if (!ps->bus_addr)
		dma_buf_pal_dma_unmap_sgtable(attach->dev, ps->pal->memory, sgt, dir);
	sg_free_table(sgt);
	attach->offer.pal_offer.ops->unmap(attach, ps->pal);
	kfree(ps);
}

/* The exporter's per-type attach and detach are its PAL offer's. */
static int pal_to_sgt_attach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attach)
{
	const struct dma_buf_pal_exp_ops *ops = attach->offer.pal_offer.ops;

	return ops->attach ? ops->attach(dmabuf, attach) : 0;
}

static void pal_to_sgt_detach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	const struct dma_buf_pal_exp_ops *ops = attach->offer.pal_offer.ops;

	if (ops->detach)
		ops->detach(dmabuf, attach);
}

/* The PAL-to-SGT converter's SGT operations. */
const struct dma_buf_sgt_exp_ops dma_buf_pal_to_sgt_ops = {
	.attach = pal_to_sgt_attach,
	.detach = pal_to_sgt_detach,
	.map = pal_to_sgt_map,
	.unmap = pal_to_sgt_unmap,
};

/* The SGT-to-PAL converter: a PAL for a PAL importer, from an SGT offer. */

/**
 * dma_buf_sgt_to_pal_match - can the core serve a PAL request from an SGT
 *	offer?
 * @dmabuf: the buffer
 * @dev: the importing device
 * @offer: an exporter's SGT offer
 * @request: an importer's PAL request
 *
 * Only an offer whose operations say their tables are write-back pages
 * of RAM (&dma_buf_sgt_exp_ops.pal_cached): the core cannot tell how the
 * kernel maps an exporter's pages, and an exporter that does not say so
 * never agreed to hand out physical addresses. Never a P2P offer:
 * its tables may hold PCI bus addresses without pages, which no list of
 * CPU physical addresses can describe. Only for an importer the PAL trust
 * rule admits, as a PAL offer is (dma_buf_dev_uses_phys_addrs()); the rest
 * of the rule, every range within the device's reach, is checked at every
 * map.
 *
 * Return: 0 if it can, -EOPNOTSUPP if not.
 */
int dma_buf_sgt_to_pal_match(struct dma_buf *dmabuf, struct device *dev,
			     const struct dma_buf_mapping_offer *offer,
			     const struct dma_buf_mapping_request *request)
{
	if (!offer->sgt_offer.ops->pal_cached || offer->sgt_offer.p2p_provider ||
	    !dma_buf_dev_uses_phys_addrs(dev))
		return -EOPNOTSUPP;
	return 0;
}

/*
 * Count the physically contiguous runs of whole pages in @sgt, and fill
 * @pal with them when it is not NULL. -EINVAL for a table that is not
 * made of whole pages of RAM: an entry without a page (an exporter that
 * puts addresses of its own in the DMA fields only), a P2P page, or a
 * piece of a page. An entry may start a whole number of pages into its
 * page (udmabuf's entries of large folios do).
 */
VISIBLE_IF_KUNIT long dma_buf_sgt_to_pal_ranges(const struct sg_table *sgt,
						struct dma_buf_phys_list *pal)
{
	struct scatterlist *sg;
	phys_addr_t end = 0;
	unsigned long n = 0;
	unsigned int i;

	for_each_sgtable_sg(sgt, sg, i) {
		struct page *page = sg_page(sg);
		phys_addr_t phys;

		if (!page || is_pci_p2pdma_page(page) || !PAGE_ALIGNED(sg->offset) ||
		    !sg->length || !PAGE_ALIGNED(sg->length))
			return -EINVAL;
		phys = sg_phys(sg);
		if (n && phys == end) {
			if (pal)
				pal->ranges[n - 1].len += sg->length;
		} else {
			if (pal) {
				pal->ranges[n].paddr = phys;
				pal->ranges[n].len = sg->length;
			}
			n++;
		}
		end = phys + sg->length;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_sgt_to_pal_ranges);

/*
 * The converter's map: the exporter's table, mapped for the importing
 * device (which the trust rule made a device that reaches RAM at its
 * physical address, so the DMA API only computes addresses), listed page
 * run by page run. The core's validation and reach checks follow, as for
 * any exporter's list. The table stays mapped, in &dma_buf_attachment.sgt,
 * until the list is unmapped: the exporter's map is what keeps the pages
 * there (pinned, or followed by invalidate_mappings).
 */
static struct dma_buf_phys_list *sgt_to_pal_map(struct dma_buf_attachment *attach)
{
	const struct dma_buf_sgt_exp_ops *ops = attach->offer.sgt_offer.ops;
	struct dma_buf_phys_list *pal;
	struct sg_table *sgt;
	long n;
	int ret;

	sgt = ops->map(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR_OR_NULL(sgt))
		return sgt ? ERR_CAST(sgt) : ERR_PTR(-ENOMEM);
	n = dma_buf_sgt_to_pal_ranges(sgt, NULL);
	if (n <= 0) {
		pr_err_ratelimited("dma-buf: exporter %s: a table for %s is not whole pages of RAM, no physical address list\n",
				   attach->dmabuf->exp_name, dev_name(attach->dev));
		ret = -EINVAL;
		goto err_unmap;
	}
	if (n > DMA_BUF_PAL_MAX_RANGES) {
		ret = -E2BIG;
		goto err_unmap;
	}
	pal = dma_buf_phys_list_alloc(n);
	if (!pal) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	dma_buf_sgt_to_pal_ranges(sgt, pal);
	/* What the offer's operations say of their pages (pal_cached). */
	pal->memory = DMA_BUF_PAL_RAM;
	pal->caching = DMA_BUF_PAL_CACHED;
	attach->sgt = sgt;
	attach->dir = DMA_BIDIRECTIONAL;
	return pal;

err_unmap:
	ops->unmap(attach, sgt, DMA_BIDIRECTIONAL);
	return ERR_PTR(ret);
}

static void sgt_to_pal_unmap(struct dma_buf_attachment *attach,
			     struct dma_buf_phys_list *pal)
{
	const struct dma_buf_sgt_exp_ops *ops = attach->offer.sgt_offer.ops;

	ops->unmap(attach, attach->sgt, attach->dir);
	attach->sgt = NULL;
	dma_buf_phys_list_free(pal);
}

/* The exporter's per-type attach and detach are its SGT offer's. */
static int sgt_to_pal_attach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attach)
{
	const struct dma_buf_sgt_exp_ops *ops = attach->offer.sgt_offer.ops;

	return ops->attach ? ops->attach(dmabuf, attach) : 0;
}

static void sgt_to_pal_detach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	const struct dma_buf_sgt_exp_ops *ops = attach->offer.sgt_offer.ops;

	if (ops->detach)
		ops->detach(dmabuf, attach);
}

/* The SGT-to-PAL converter's PAL operations. */
const struct dma_buf_pal_exp_ops dma_buf_sgt_to_pal_ops = {
	.attach = sgt_to_pal_attach,
	.detach = sgt_to_pal_detach,
	.map = sgt_to_pal_map,
	.unmap = sgt_to_pal_unmap,
};
