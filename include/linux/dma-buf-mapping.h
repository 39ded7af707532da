/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dma-buf mapping types: the kind of mapping an attachment uses, agreed
 * between exporter and importer when the attachment is made.
 *
 * See Documentation/driver-api/dma-buf-mapping-types.rst.
 */
#ifndef __DMA_BUF_MAPPING_H__
#define __DMA_BUF_MAPPING_H__

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/dma-direction.h>
#include <linux/errno.h>
#include <linux/types.h>

struct device;
struct dma_buf;
struct dma_buf_attachment;
struct module;
struct pci_dev;
struct seq_file;
struct sg_table;

/*
 * The most entries one offer or request list may have. Negotiation walks
 * offers x requests, so both are kept small and bounded.
 */
#define DMA_BUF_MAX_MAPPING_ENTRIES 8

struct dma_buf_mapping_offer;
struct dma_buf_mapping_offers;
struct dma_buf_mapping_request;

/**
 * struct dma_buf_mapping_type - a kind of mapping
 *
 * One static instance per kind of mapping; its address is its identity.
 * The core defines the types this header declares; drivers may define
 * private types without touching the core. The negotiation callbacks (@valid_offer,
 * @valid_request, @match) are called without the dma-buf's reservation
 * lock held, may sleep, and must not take the reservation lock (negotiation
 * runs before the attachment is visible to anyone, including the
 * exporter's &dma_buf_ops.attach); @debugfs_show is called with it held.
 */
struct dma_buf_mapping_type {
	/**
	 * @name: short lower-case name, shown in debugfs ("sgt", ...).
	 */
	const char *name;

	/**
	 * @owner: module that defines the type (THIS_MODULE), or NULL for
	 * built-in types. The core holds a reference to it for as long as
	 * an attachment uses the type, so the type cannot go away under an
	 * attachment.
	 */
	struct module *owner;

	/**
	 * @valid_offer: [optional] is this exporter offer complete (all the
	 * operations the type needs are set)? Asked of each offer when
	 * negotiation reaches it, before its pairs are matched. A false
	 * answer makes the attach fail with -EINVAL and a warning: it is an
	 * exporter bug.
	 */
	bool (*valid_offer)(const struct dma_buf_mapping_offer *offer);

	/**
	 * @valid_request: [optional] is this importer request, from the
	 * importer attaching with @dev, complete and consistent? A false
	 * answer makes the attach fail with -EINVAL before any exporter code
	 * runs.
	 */
	bool (*valid_request)(const struct dma_buf_mapping_request *request,
			      struct device *dev);

	/**
	 * @match: decide whether @offer (from the exporter of @dmabuf) and
	 * @request (from the importer attaching with @dev) are compatible.
	 *
	 * Returns 0 if they are: this pair becomes the attachment's mapping.
	 * Returns -EOPNOTSUPP if they are not: negotiation moves on to the
	 * next pair. Any other negative errno aborts the attach and is
	 * returned to the importer unchanged. Any other value is a bug: the
	 * core warns once and fails the attach with -EINVAL.
	 *
	 * Both entries are only valid during the call. @dmabuf is valid, its
	 * reservation lock is not held.
	 */
	int (*match)(struct dma_buf *dmabuf, struct device *dev,
		     const struct dma_buf_mapping_offer *offer,
		     const struct dma_buf_mapping_request *request);

	/**
	 * @debugfs_show: [optional] append type-specific fields to the
	 * attachment's line in /sys/kernel/debug/dma_buf/bufinfo, each as
	 * "\tkey=value". Called with the reservation lock held (and the
	 * dma-buf debugfs list mutex); must not take either.
	 */
	void (*debugfs_show)(struct seq_file *s,
			     const struct dma_buf_attachment *attach);

	/**
	 * @attach: [optional] set up, on the exporter's side, a new
	 * attachment whose mapping is of this type: call the per-type
	 * attach of the exporter operations that serve it (the winning
	 * offer's, or a converter's, which calls the offer's), and do what
	 * the type itself needs before the attachment is published.
	 *
	 * Called after &dma_buf_ops.attach succeeded, without the
	 * reservation lock, before the attachment is on the buffer's list;
	 * may sleep and may take the reservation lock. Returns 0 or a
	 * negative errno; on failure it has undone its own work, and the
	 * core calls &dma_buf_ops.detach and frees the attachment.
	 */
	int (*attach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);

	/**
	 * @detach: [optional] the other end of @attach: undo what the type
	 * keeps for the attachment (the SGT type's cached table) and a
	 * mapping the type tracks that the importer left behind (a private
	 * type's &dma_buf_attachment.priv_mapping, say), reporting the
	 * importer's bug with dma_buf_mapping_importer_leaked(), then call
	 * the exporter's per-type detach. SGT tables an importer maps
	 * itself are not tracked, as in 6.12.
	 *
	 * Called from dma_buf_detach() after the attachment left the buffer's
	 * list (no invalidate_mappings reaches it any more) and before
	 * &dma_buf_ops.detach, without the reservation lock; may sleep and
	 * take the reservation lock to undo a mapping. It may test the
	 * attachment's mapping fields (&dma_buf_attachment.sgt and the union
	 * after it) without the lock, and take it only when there is
	 * something to undo: the importer is detaching, and an importer
	 * must not map or unmap an attachment while it detaches it (nor
	 * after: dma_buf_detach() frees it), so nobody else writes them.
	 * This keeps the lock out of the detach of every clean attachment.
	 */
	void (*detach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
};

/**
 * struct dma_buf_sgt_exp_ops - exporter operations of an SGT offer
 *
 * An exporter hands out scatter tables through an SGT offer with these
 * operations (what dma_buf_ops.map_dma_buf and .unmap_dma_buf did before
 * mapping types). @map and @unmap are called with the dma-buf's
 * reservation lock held and may sleep.
 */
struct dma_buf_sgt_exp_ops {
	/**
	 * @attach: [optional] what this exporter does for an attachment that
	 * maps through these operations, after &dma_buf_ops.attach. Same
	 * context and failure rule as &dma_buf_ops.attach;
	 * &dma_buf_attachment.mapping_type and .offer say what was agreed, so
	 * that one function can serve the attach of several types.
	 */
	int (*attach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	/**
	 * @detach: [optional] undo @attach; called before &dma_buf_ops.detach,
	 * without the reservation lock, after the core has undone any mapping
	 * left behind.
	 */
	void (*detach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	/**
	 * @map: map the buffer for @attach->dev. Returns a table the caller
	 * owns until it hands it back to @unmap, DMA-mapped for @attach->dev in
	 * direction @dir, with page-aligned addresses and lengths, or an
	 * ERR_PTR() (-EINTR when a signal interrupted a wait). A new table each
	 * call: the core caches it when @cache_mapping says so and for a static
	 * importer of a dynamic exporter, the importer otherwise. May allocate
	 * or move the backing storage first; constraints of the importing
	 * device are in its &device.dma_parms, which &dma_buf_ops.attach should
	 * check too. A static exporter returns memory that is ready for use
	 * (moves and clears done); a dynamic one need not wait, since a static
	 * importer's buffer is pinned (and ready) through &dma_buf_ops.pin and
	 * a dynamic importer obeys the buffer's fences. NULL, which some
	 * exporters return, is taken as -ENOMEM.
	 */
	struct sg_table *(*map)(struct dma_buf_attachment *attach,
				enum dma_data_direction dir);
	/**
	 * @unmap: undo one @map; frees @sgt.
	 */
	void (*unmap)(struct dma_buf_attachment *attach, struct sg_table *sgt,
		      enum dma_data_direction dir);
	/**
	 * @cache_mapping: the core keeps the first table mapped for an
	 * attachment and hands it out again for every later map of the same
	 * direction, unmapping it at detach (what
	 * dma_buf_ops.cache_sgt_mapping did for the whole exporter before
	 * mapping types). Only for exporters without &dma_buf_ops.pin: a
	 * cached table never follows a move.
	 */
	bool cache_mapping;
	/**
	 * @pal_cached: every table @map returns is made of whole pages of
	 * system RAM that the kernel maps write-back (not remapped
	 * write-combined or uncached, as TTM's page pools and write-combined
	 * GEM objects are). The core's SGT-to-PAL converter may then list
	 * them for an importer that asks for a physical address list, as
	 * %DMA_BUF_PAL_CACHED; it calls @map for a PAL attachment, always
	 * with %DMA_BIDIRECTIONAL, and ignores @cache_mapping. PAL importers
	 * are not served from an offer without it.
	 */
	bool pal_cached;
};

/**
 * struct dma_buf_mapping_offer - one entry of an exporter's offer list
 * @type: the mapping type; NULL is invalid.
 * @sgt_offer: an offer of &dma_buf_mapping_sgt.
 * @sgt_offer.ops: the exporter's map and unmap.
 * @sgt_offer.p2p_provider: non-NULL when the table may hold PCI bus
 *	addresses of this device's memory (P2P); the core then matches only
 *	importers that accept P2P and pass pci_p2pdma_distance().
 * @pal_offer: an offer of &dma_buf_mapping_pal.
 * @pal_offer.ops: the exporter's map and unmap.
 * @pal_offer.mmio_provider: non-NULL when the list may hold MMIO ranges
 *	(a BAR of this PCI device); the core then matches only importers
 *	that accept MMIO and pass pci_p2pdma_distance(). A list of MMIO
 *	from an offer without a provider is malformed.
 * @priv: free for driver-private types.
 * @priv.ops: type-specific exporter operations. Untyped here, since the
 *	core cannot name a private type's operations: the type's owner puts
 *	them in and takes them out only through typed helpers of its own
 *	(amdgpu_dma_buf_xgmi_offer() and amdgpu_dma_buf_xgmi_offer_ops()),
 *	so that a wrong pointer does not compile.
 * @priv.data: type-specific data.
 *
 * Built by &dma_buf_ops.get_mapping_offers, usually with the
 * DMA_BUF_*_OFFER() macros. Offers and requests are distinct C types, so
 * that an entry of one kind cannot be handed where the other belongs.
 * The core copies the winning offer into &dma_buf_attachment.offer.
 */
struct dma_buf_mapping_offer {
	const struct dma_buf_mapping_type *type;
	union {
		struct {
			const struct dma_buf_sgt_exp_ops *ops;
			struct pci_dev *p2p_provider;
		} sgt_offer;
		struct {
			const struct dma_buf_pal_exp_ops *ops;
			struct pci_dev *mmio_provider;
		} pal_offer;
		struct {
			const void *ops;
			void *data;
		} priv;
	};
};

/**
 * struct dma_buf_mapping_offers - the offer list of one attach
 * @count: how many entries were added
 * @overflowed: an entry was refused for want of room
 * @entries: the offers, most preferred first
 *
 * The core hands an empty one (@count 0, @entries not cleared) to
 * &dma_buf_ops.get_mapping_offers, which adds entries with
 * dma_buf_mapping_offer_add() only: that helper, not the exporter, decides
 * whether an entry fits, so no exporter can write past @entries. Exporters
 * and tests read @count and the first @count @entries.
 */
struct dma_buf_mapping_offers {
	unsigned int count;
	bool overflowed;
	struct dma_buf_mapping_offer entries[DMA_BUF_MAX_MAPPING_ENTRIES];
};

int dma_buf_mapping_offer_add(struct dma_buf_mapping_offers *offers,
			      struct dma_buf_mapping_offer offer);

/**
 * struct dma_buf_mapping_request - one entry of an importer's request list
 * @type: the mapping type; NULL is invalid.
 * @sgt_request: a request of &dma_buf_mapping_sgt.
 * @sgt_request.dev: the device the table is DMA-mapped for: the attaching
 *	device (&dma_buf_attachment.dev).
 * @sgt_request.allow_p2p: the importer can DMA to PCI bus addresses.
 * @pal_request: a request of &dma_buf_mapping_pal.
 * @pal_request.dev: the attaching device (&dma_buf_attachment.dev); the
 *	core checks that it may be handed physical addresses (the trust rule
 *	in Documentation/driver-api/dma-buf-mapping-types.rst).
 * @pal_request.allow_mmio: the importer can use MMIO ranges.
 * @priv: free for driver-private types.
 * @priv.ops: type-specific importer operations, untyped as
 *	&dma_buf_mapping_offer.priv.ops is, and converted the same way.
 * @priv.data: type-specific data.
 *
 * Built by the importer, usually with the DMA_BUF_*_REQUEST() macros, and
 * passed to dma_buf_mapping_attach(). The core copies the winning request
 * into &dma_buf_attachment.request.
 *
 * A request of the core's types names its device although the attach names it as
 * well: a request is "this mapping, for this device", complete on its own
 * (the attachment keeps the winning one, and the type's match and map
 * read it without the attach call's arguments), and the core refuses a
 * request whose device is not the attaching one, so the two cannot
 * disagree.
 */
struct dma_buf_mapping_request {
	const struct dma_buf_mapping_type *type;
	union {
		struct {
			struct device *dev;
			bool allow_p2p;
		} sgt_request;
		struct {
			struct device *dev;
			bool allow_mmio;
		} pal_request;
		struct {
			const void *ops;
			void *data;
		} priv;
	};
};

/**
 * DOC: dma_buf_mapping_sgt
 *
 * ``dma_buf_mapping_sgt`` is the scatter table mapping type. The mapping
 * is a &struct sg_table DMA-mapped for the importing device, as
 * dma_buf_map_attachment() has always returned. A table from an offer
 * with &dma_buf_mapping_offer.sgt_offer.p2p_provider set may contain PCI
 * bus addresses; the attachment's &dma_buf_attachment.peer2peer is then
 * true. The core requests this type for importers that attach with
 * dma_buf_attach() or dma_buf_dynamic_attach(). Map it with
 * dma_buf_map_attachment().
 */
extern const struct dma_buf_mapping_type dma_buf_mapping_sgt;

/**
 * DMA_BUF_SGT_OFFER - exporter offer of an SGT mapping of system memory
 * @_ops: &struct dma_buf_sgt_exp_ops
 */
#define DMA_BUF_SGT_OFFER(_ops)						\
	((struct dma_buf_mapping_offer){				\
		.type = &dma_buf_mapping_sgt,				\
		.sgt_offer = { .ops = (_ops) },				\
	})

/**
 * DMA_BUF_SGT_P2P_OFFER - exporter offer of an SGT mapping that needs P2P
 * @_ops: &struct dma_buf_sgt_exp_ops
 * @_pdev: the PCI device whose memory the table may point into
 */
#define DMA_BUF_SGT_P2P_OFFER(_ops, _pdev)				\
	((struct dma_buf_mapping_offer){				\
		.type = &dma_buf_mapping_sgt,				\
		.sgt_offer = { .ops = (_ops), .p2p_provider = (_pdev) }, \
	})

/**
 * DMA_BUF_SGT_REQUEST - importer request of an SGT mapping
 * @_dev: the importing device
 * @_p2p: whether the importer accepts PCI bus addresses
 */
#define DMA_BUF_SGT_REQUEST(_dev, _p2p)					\
	((struct dma_buf_mapping_request){				\
		.type = &dma_buf_mapping_sgt,				\
		.sgt_request = { .dev = (_dev), .allow_p2p = (_p2p) },	\
	})

int dma_buf_map_pin(struct dma_buf_attachment *attach);
void dma_buf_map_unpin(struct dma_buf_attachment *attach);
void dma_buf_mapping_importer_leaked(const struct dma_buf_attachment *attach,
				     const char *what, long value);

/*
 * The most ranges one physical address list may have: 2^20 ranges of at
 * least a page each, 4 GiB in 4 KiB fragments, a 16 MiB list. The core
 * refuses longer lists before it reads a single range.
 */
#define DMA_BUF_PAL_MAX_RANGES	BIT(20)

/**
 * enum dma_buf_pal_memory - what a physical address list points at
 * @DMA_BUF_PAL_RAM: system memory with struct pages
 * @DMA_BUF_PAL_MMIO: device memory behind a PCI BAR; no struct pages
 */
enum dma_buf_pal_memory {
	DMA_BUF_PAL_RAM,
	DMA_BUF_PAL_MMIO,
};

/**
 * enum dma_buf_pal_caching - how the CPU may map the memory of a list
 * @DMA_BUF_PAL_CACHED: write-back cacheable
 * @DMA_BUF_PAL_WRITE_COMBINED: uncached, writes may be combined
 * @DMA_BUF_PAL_UNCACHED: uncached
 */
enum dma_buf_pal_caching {
	DMA_BUF_PAL_CACHED,
	DMA_BUF_PAL_WRITE_COMBINED,
	DMA_BUF_PAL_UNCACHED,
};

/**
 * struct dma_buf_phys_list - a buffer as a physical address list (PAL)
 * @nr_ranges: number of entries in @ranges, 1 to %DMA_BUF_PAL_MAX_RANGES
 * @memory: what every range points at
 * @caching: how the CPU may map every range
 * @ranges: the buffer's pieces in buffer order: byte 0 of the buffer is
 *	at @ranges[0].paddr, byte @ranges[0].len at @ranges[1].paddr, and so
 *	on. Each starts on a page boundary and is a non-zero multiple of
 *	the page size long; they do not overlap and add up to the dma-buf's
 *	size.
 *
 * Allocate with dma_buf_phys_list_alloc() and free with
 * dma_buf_phys_list_free().
 */
struct dma_buf_phys_list {
	unsigned int nr_ranges;
	enum dma_buf_pal_memory memory;
	enum dma_buf_pal_caching caching;
	struct phys_vec ranges[] __counted_by(nr_ranges);
};

/**
 * struct dma_buf_pal_exp_ops - exporter operations of a PAL offer
 *
 * Called with the dma-buf's reservation lock held; may sleep. The list
 * describes where the buffer is while it stays mapped, under the rule SGT
 * mappings of dynamic exporters have always followed: the exporter may
 * move the memory only after telling the importers through
 * dma_buf_invalidate_mappings() (under the lock), and may reuse the old memory
 * only once every fence the reservation object held then has signalled
 * (%DMA_RESV_USAGE_BOOKKEEP: importers still reading the old location
 * fence those reads). A PAL importer may unmap the old list after its
 * fence (the unmap touches no memory); an SGT importer served by the
 * core's adapter unmaps before it (the unmap may copy a bounce buffer back
 * to the old memory), as for any SGT mapping of pages. A pinned buffer
 * does not move.
 */
struct dma_buf_pal_exp_ops {
	/**
	 * @attach: [optional] as &dma_buf_sgt_exp_ops.attach, for an
	 * attachment served from a PAL offer.
	 */
	int (*attach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	/**
	 * @detach: [optional] as &dma_buf_sgt_exp_ops.detach.
	 */
	void (*detach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	/**
	 * @map: describe the buffer for @attach; returns a list allocated
	 * with dma_buf_phys_list_alloc(), or an ERR_PTR(), never NULL. The
	 * core validates the list before the importer sees it, and hands a
	 * malformed one back to @unmap.
	 */
	struct dma_buf_phys_list *(*map)(struct dma_buf_attachment *attach);
	/**
	 * @unmap: undo one @map; frees @pal with dma_buf_phys_list_free().
	 */
	void (*unmap)(struct dma_buf_attachment *attach,
		      struct dma_buf_phys_list *pal);
};

/**
 * DOC: dma_buf_mapping_pal
 *
 * ``dma_buf_mapping_pal`` is the physical address list mapping type. The
 * mapping is a &struct dma_buf_phys_list of CPU physical addresses, not
 * DMA-mapped for anyone: only importers whose device reaches memory at its
 * CPU physical address may get it (dma_buf_dev_uses_phys_addrs() at
 * attach, every range checked at map). Map it with dma_buf_map_pal().
 *
 * Importers that request SGT are served from a PAL offer by the core,
 * which builds and DMA-maps the table; importers that request PAL are
 * served from an SGT offer whose operations say their pages are
 * write-back RAM (&dma_buf_sgt_exp_ops.pal_cached) by the core, which
 * lists the pages of the exporter's table.
 */
extern const struct dma_buf_mapping_type dma_buf_mapping_pal;

/**
 * DMA_BUF_PAL_OFFER - exporter offer of a PAL of system memory
 * @_ops: &struct dma_buf_pal_exp_ops
 */
#define DMA_BUF_PAL_OFFER(_ops)						\
	((struct dma_buf_mapping_offer){				\
		.type = &dma_buf_mapping_pal,				\
		.pal_offer = { .ops = (_ops) },				\
	})

/**
 * DMA_BUF_PAL_MMIO_OFFER - exporter offer of a PAL that may hold MMIO
 * @_ops: &struct dma_buf_pal_exp_ops
 * @_pdev: the PCI device whose BAR the ranges may point into
 */
#define DMA_BUF_PAL_MMIO_OFFER(_ops, _pdev)				\
	((struct dma_buf_mapping_offer){				\
		.type = &dma_buf_mapping_pal,				\
		.pal_offer = { .ops = (_ops), .mmio_provider = (_pdev) }, \
	})

/**
 * DMA_BUF_PAL_REQUEST - importer request of a PAL
 * @_dev: the importing device
 * @_mmio: whether the importer accepts MMIO ranges
 */
#define DMA_BUF_PAL_REQUEST(_dev, _mmio)				\
	((struct dma_buf_mapping_request){				\
		.type = &dma_buf_mapping_pal,				\
		.pal_request = { .dev = (_dev), .allow_mmio = (_mmio) }, \
	})

bool dma_buf_dev_uses_phys_addrs(struct device *dev);
struct dma_buf_phys_list *dma_buf_phys_list_alloc(unsigned int nr_ranges);
void dma_buf_phys_list_free(struct dma_buf_phys_list *pal);
const struct dma_buf_phys_list *dma_buf_map_pal(struct dma_buf_attachment *attach);
void dma_buf_unmap_pal(struct dma_buf_attachment *attach,
		       const struct dma_buf_phys_list *pal);

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * The core's hooks for KUnit tests, of the core and of drivers, which
 * replace them with static stubs (kunit_activate_static_stub()): the P2P
 * decision (pci_p2pdma_distance(), which needs a real PCI topology), and
 * the report of a driver that broke the mapping contract (to count the
 * reports and keep the WARN out of the test's log). Exported only to
 * KUnit (EXPORT_SYMBOL_IF_KUNIT).
 */
int dma_buf_p2p_distance(struct pci_dev *provider, struct device *client);
bool dma_buf_mapping_report(const struct dma_buf *dmabuf,
			    const struct device *importer, const char *what,
			    long value);
#endif

#endif /* __DMA_BUF_MAPPING_H__ */
