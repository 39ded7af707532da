// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-buf mapping types: negotiation between the exporter's offers and the
 * importer's requests, the SGT mapping type, and the compat layer that
 * lets importers of the single sg_table API take part.
 *
 * See Documentation/driver-api/dma-buf-mapping-types.rst.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/pci-p2pdma.h>
#include <linux/seq_file.h>

#include "dma-buf-internal.h"

/**
 * dma_buf_mapping_report - report a driver that broke the mapping contract
 * @dmabuf: the buffer concerned
 * @importer: the importing device when the importer broke it, NULL when
 *	the exporter did
 * @what: what the driver did, naming the callback or entry point
 * @value: the value it returned or that shows the bug
 *
 * Every violation is reported with the exporter's name, and an importer's
 * with the importing device's too (ratelimited, so a driver that breaks
 * the contract on every attach cannot flood the log); the caller,
 * dma_buf_mapping_bug() or dma_buf_mapping_importer_bug(), adds one WARN
 * per call site for the stack trace, and the core then refuses what was
 * handed over (an attach fails with -EINVAL, so that a bogus value is
 * never handed onward) or undoes what was left behind (at detach). A bad
 * value from a type's match callback is reported under the exporter's
 * name too: the offer it judged is the exporter's. KUnit replaces this
 * function to count the reports (and, returning false, to keep the WARN
 * out of the test's log). Not static without KUnit either: dma-buf.c
 * reports through it.
 *
 * Context: any.
 * Return: true when the WARN of the call site should fire.
 */
bool dma_buf_mapping_report(const struct dma_buf *dmabuf,
			    const struct device *importer, const char *what,
			    long value)
{
	KUNIT_STATIC_STUB_REDIRECT(dma_buf_mapping_report, dmabuf, importer, what, value);
	if (importer)
		pr_err_ratelimited("dma-buf: importer %s broke the mapping contract on a buffer of exporter %s: %s (%ld)\n",
				   dev_name(importer), dmabuf->exp_name, what, value);
	else
		pr_err_ratelimited("dma-buf: exporter %s broke the mapping contract: %s (%ld)\n",
				   dmabuf->exp_name, what, value);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_mapping_report);

/**
 * dma_buf_p2p_distance - can @client reach @provider's memory over PCI P2P?
 * @provider: the PCI device whose memory an offer may point into
 * @client: the importing device
 *
 * The one place where the dma-buf core decides P2P, for the offers of
 * all its types alike; KUnit replaces it to model PCI topologies where there is
 * no PCI (UML).
 *
 * Return: the P2P distance, negative if P2P is not possible.
 */
int dma_buf_p2p_distance(struct pci_dev *provider, struct device *client)
{
	KUNIT_STATIC_STUB_REDIRECT(dma_buf_p2p_distance, provider, client);
	return pci_p2pdma_distance(provider, client, false);
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_p2p_distance);

/**
 * dma_buf_map_pin - pin the buffer for a map, where the contract says so
 * @attach: the attachment about to be mapped
 *
 * An importer that cannot follow moves (the kernel is built without
 * ``CONFIG_DMABUF_MOVE_NOTIFY``) must not see a dynamic exporter's buffer
 * move under a mapping, so every map pins and every unmap unpins. The
 * core's entry points (dma_buf_map_attachment() and the map of each of
 * the core's types) call this before the exporter's map; so must the
 * importer-side map of a driver-private type. Undo with
 * dma_buf_map_unpin() after the unmap, or when the map fails.
 *
 * Context: process context with the reservation lock of the buffer held;
 * may sleep.
 *
 * Return: 0 (nothing to pin, or pinned), or the exporter's pin error.
 */
int dma_buf_map_pin(struct dma_buf_attachment *attach)
{
	struct dma_buf *dmabuf = attach->dmabuf;

	dma_resv_assert_held(dmabuf->resv);
	if (!dma_buf_map_pins(dmabuf))
		return 0;
	return dmabuf->ops->pin(attach);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_pin, DMA_BUF);

/**
 * dma_buf_map_unpin - undo dma_buf_map_pin()
 * @attach: the attachment that was unmapped, or whose map failed
 *
 * Context: process context with the reservation lock of the buffer held.
 */
void dma_buf_map_unpin(struct dma_buf_attachment *attach)
{
	struct dma_buf *dmabuf = attach->dmabuf;

	dma_resv_assert_held(dmabuf->resv);
	if (!dma_buf_map_pins(dmabuf))
		return;
	dmabuf->ops->unpin(attach);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_unpin, DMA_BUF);

/**
 * dma_buf_mapping_importer_leaked - report a mapping left behind at detach
 * @attach: the attachment being detached
 * @what: what was left behind, naming the type
 * @value: a figure that identifies it (ranges, entries)
 *
 * For a type's &dma_buf_mapping_type.detach, which then undoes the
 * mapping: the importer detached without unmapping, and without the
 * type's cleanup the exporter's mapping (and, without DMABUF_MOVE_NOTIFY,
 * its pin) would leak. Reported naming the importer's device and the
 * exporter, with a WARN once for all types.
 *
 * Context: any.
 */
void dma_buf_mapping_importer_leaked(const struct dma_buf_attachment *attach,
				     const char *what, long value)
{
	dma_buf_mapping_importer_bug(attach, what, value);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_mapping_importer_leaked, DMA_BUF);

/* The SGT mapping type. */

static bool sgt_valid_offer(const struct dma_buf_mapping_offer *offer)
{
	const struct dma_buf_sgt_exp_ops *ops = offer->sgt_offer.ops;

	return ops && ops->map && ops->unmap;
}

static bool sgt_valid_request(const struct dma_buf_mapping_request *request,
			      struct device *dev)
{
	return request->sgt_request.dev == dev;
}

static int sgt_match(struct dma_buf *dmabuf, struct device *dev,
		     const struct dma_buf_mapping_offer *offer,
		     const struct dma_buf_mapping_request *request)
{
	struct pci_dev *provider = offer->sgt_offer.p2p_provider;

	if (!provider)
		return 0;
	if (!request->sgt_request.allow_p2p)
		return -EOPNOTSUPP;
	if (dma_buf_p2p_distance(provider, request->sgt_request.dev) < 0)
		return -EOPNOTSUPP;
	return 0;
}

static void sgt_debugfs_show(struct seq_file *s,
			     const struct dma_buf_attachment *attach)
{
	seq_printf(s, "\tp2p=%s", attach->peer2peer ? "yes" : "no");
}

/* The SGT entry points and attach/detach live in dma-buf.c. */
const struct dma_buf_mapping_type dma_buf_mapping_sgt = {
	.name = "sgt",
	.valid_offer = sgt_valid_offer,
	.valid_request = sgt_valid_request,
	.match = sgt_match,
	.debugfs_show = sgt_debugfs_show,
	.attach = dma_buf_sgt_attach,
	.detach = dma_buf_sgt_detach,
};
EXPORT_SYMBOL_NS_GPL(dma_buf_mapping_sgt, DMA_BUF);

/*
 * The core's converters, consulted in this order after the direct pairs.
 * What each costs and when it is refused:
 * Documentation/driver-api/dma-buf-mapping-types.rst.
 */
static const struct dma_buf_mapping_converter dma_buf_converters[] = {
	/*
	 * PAL to SGT: the core builds and DMA-maps a table from the
	 * exporter's list. SGT to PAL: the core lists the pages of the
	 * exporter's table for an importer the PAL trust rule admits.
	 */
	{
		.from = &dma_buf_mapping_pal,
		.to = &dma_buf_mapping_sgt,
		.match = dma_buf_pal_to_sgt_match,
		.ops = &dma_buf_pal_to_sgt_ops,
	},
	{
		.from = &dma_buf_mapping_sgt,
		.to = &dma_buf_mapping_pal,
		.match = dma_buf_sgt_to_pal_match,
		.ops = &dma_buf_sgt_to_pal_ops,
	},
};

/**
 * dma_buf_mapping_converter_ops - the operations of the converter serving
 *	@attach
 * @attach: an attachment whose offer's type is not its mapping type
 *
 * Return: the converter's exporter operations, of the attachment's
 * mapping type.
 */
const void *dma_buf_mapping_converter_ops(const struct dma_buf_attachment *attach)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dma_buf_converters); i++)
		if (dma_buf_converters[i].from == attach->offer.type &&
		    dma_buf_converters[i].to == attach->mapping_type)
			return dma_buf_converters[i].ops;
	/* Negotiation records no other pair. */
	WARN_ON_ONCE(1);
	return NULL;
}

static bool valid_type(const struct dma_buf_mapping_type *type)
{
	return type && type->name && type->match;
}

/**
 * dma_buf_check_requests - validate an importer's request list
 * @requests: the list
 * @count: its length
 * @dev: the attaching device
 *
 * Return: 0, or -EINVAL for an empty or too long list, an entry without a
 * complete type, or an entry its type finds incomplete.
 */
int dma_buf_check_requests(const struct dma_buf_mapping_request *requests,
			   unsigned int count, struct device *dev)
{
	const struct dma_buf_mapping_type *type;
	unsigned int i;

	if (!requests || !count || count > DMA_BUF_MAX_MAPPING_ENTRIES)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		type = requests[i].type;
		if (!valid_type(type) ||
		    (type->valid_request && !type->valid_request(&requests[i], dev)))
			return -EINVAL;
	}
	return 0;
}

/**
 * dma_buf_mapping_offer_add - append an offer to an exporter's list
 * @offers: the list handed to &dma_buf_ops.get_mapping_offers
 * @offer: the entry, usually from a DMA_BUF_*_OFFER() macro
 *
 * Out of line: the list's bound is the core's business, and sparse
 * misreads a compound literal passed to an inline function.
 *
 * Context: any; does not sleep.
 *
 * Return: 0, or -ENOSPC when @offers already holds
 * %DMA_BUF_MAX_MAPPING_ENTRIES entries. The entry is then dropped and the
 * list marked, and the core fails the attach with -EINVAL and a report
 * naming the exporter, whether or not the exporter passes the error on.
 */
int dma_buf_mapping_offer_add(struct dma_buf_mapping_offers *offers,
			      struct dma_buf_mapping_offer offer)
{
	if (offers->count >= ARRAY_SIZE(offers->entries)) {
		offers->overflowed = true;
		return -ENOSPC;
	}
	offers->entries[offers->count++] = offer;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_mapping_offer_add, DMA_BUF);

/*
 * Fill @offers, an empty list, from the exporter. The list itself keeps
 * the exporter inside it (dma_buf_mapping_offer_add() refuses an entry past
 * the end and marks the list); each entry is checked when negotiation
 * reaches it (offer_usable()). Returns 0 or a negative errno.
 */
static int get_offers(struct dma_buf_attachment *attach,
		      struct dma_buf_mapping_offers *offers)
{
	struct dma_buf *dmabuf = attach->dmabuf;
	int ret;

	/* Exporters may take the lock here: not with another buffer's held. */
	might_lock(&dmabuf->resv->lock.base);
	ret = dmabuf->ops->get_mapping_offers(dmabuf, attach, offers);
	if (unlikely(offers->overflowed)) {
		dma_buf_mapping_bug(dmabuf, "get_mapping_offers added more offers than fit",
				    DMA_BUF_MAX_MAPPING_ENTRIES + 1);
		return -EINVAL;
	}
	if (likely(!ret))
		return 0;
	if (ret < 0 && ret >= -MAX_ERRNO)
		return ret;
	dma_buf_mapping_bug(dmabuf, "get_mapping_offers returned a bad value", ret);
	return -EINVAL;
}

/*
 * Can the core serve entry @i of the exporter's list? One it cannot (no
 * type, an incomplete type, operations its type needs missing) is the
 * exporter's bug, reported once per attach that reaches it.
 */
static bool offer_usable(struct dma_buf *dmabuf,
			 const struct dma_buf_mapping_offer *offer, unsigned int i)
{
	const struct dma_buf_mapping_type *type = offer->type;

	if (likely(valid_type(type) && (!type->valid_offer || type->valid_offer(offer))))
		return true;
	dma_buf_mapping_bug(dmabuf, "get_mapping_offers gave an invalid entry", i);
	return false;
}

/*
 * A type's match returned something other than 0 or -EOPNOTSUPP: its errno,
 * or -EINVAL with a report when it is not an errno at all. Out of line:
 * negotiation's common path does not need it.
 */
static noinline __cold int match_failed(struct dma_buf *dmabuf,
					const struct dma_buf_mapping_type *type,
					int ret)
{
	if (ret > 0 || ret < -MAX_ERRNO) {
		dma_buf_mapping_bug(dmabuf, type->name, ret);
		return -EINVAL;
	}
	return ret;
}

/*
 * The pair @offer, @request won: record it in @attach as a mapping of the
 * request's type (not the offer's when a converter serves it).
 */
static int record_match(struct dma_buf_attachment *attach,
			const struct dma_buf_mapping_offer *offer,
			const struct dma_buf_mapping_request *request)
{
	/* A type that lives in a module stays loaded while it is in use. */
	if (!try_module_get(request->type->owner))
		return -ENODEV;

	/* Sets attach->mapping_type too: it is the request's type. */
	attach->request = *request;
	attach->offer = *offer;
	/*
	 * peer2peer: may the mapping point into a PCI device's memory? The
	 * exporter has said it by naming a provider in an offer of one of
	 * the core's types (served directly or converted), which only
	 * matches importers that consent. The core cannot know it of a
	 * private type.
	 */
	if (offer->type == &dma_buf_mapping_sgt)
		attach->peer2peer = !!offer->sgt_offer.p2p_provider;
	else if (offer->type == &dma_buf_mapping_pal)
		attach->peer2peer = !!offer->pal_offer.mmio_provider;
	else
		attach->peer2peer = false;
	return 0;
}

/*
 * No pair of the same type matched: serve the first request (in the
 * importer's order) that a converter can serve from an offer (in the
 * exporter's order). A direct match always wins over a conversion. The
 * direct walk has checked every offer by the time it gets here.
 */
static noinline int negotiate_converted(struct dma_buf_attachment *attach,
					const struct dma_buf_mapping_offer *offers,
					unsigned int noffers,
					const struct dma_buf_mapping_request *requests,
					unsigned int count)
{
	const struct dma_buf_mapping_converter *conv;
	unsigned int i, j, k;
	int ret;

	for (i = 0; i < noffers; i++) {
		for (j = 0; j < count; j++) {
			for (k = 0; k < ARRAY_SIZE(dma_buf_converters); k++) {
				conv = &dma_buf_converters[k];
				if (conv->from != offers[i].type ||
				    conv->to != requests[j].type)
					continue;
				ret = conv->match(attach->dmabuf, attach->dev,
						  &offers[i], &requests[j]);
				if (ret == -EOPNOTSUPP)
					continue;
				if (WARN_ON_ONCE(ret > 0 || ret < -MAX_ERRNO))
					return -EINVAL;
				if (ret)
					return ret;
				return record_match(attach, &offers[i], &requests[j]);
			}
		}
	}
	return -EOPNOTSUPP;
}

/**
 * dma_buf_negotiate - agree on the mapping type of a new attachment
 * @attach: the attachment; @attach->dmabuf and @attach->dev are set, it is
 *	not on the buffer's attachment list yet
 * @requests: the importer's requests, already validated
 * @count: how many
 *
 * The exporter's offers are walked in its order, and for each the
 * importer's requests in theirs; the first pair of the same type that the
 * type's &dma_buf_mapping_type.match accepts wins and is recorded in
 * @attach. If none does, the same walk is made for the pairs one of the
 * core's converters can serve (&struct dma_buf_mapping_converter). Each
 * offer is checked when the direct walk reaches it: an entry the core
 * cannot serve fails the attach with -EINVAL and a report. Entries after
 * the one that decides the attach in the direct walk (its winner, or a
 * match that fails) are neither used nor checked; a converted pair is
 * chosen only after every entry was checked. Called without the
 * reservation lock (exporters may resume their device in
 * &dma_buf_ops.get_mapping_offers); may sleep.
 *
 * Return: 0, -EOPNOTSUPP when no pair matches, the errno of a callback
 * that failed, or -EINVAL when a callback broke its contract.
 */
int dma_buf_negotiate(struct dma_buf_attachment *attach,
		      const struct dma_buf_mapping_request *requests,
		      unsigned int count)
{
	/*
	 * Only the header is set: entries are written by
	 * dma_buf_mapping_offer_add() and read below @count only, so the
	 * 200-byte array is not cleared on every attach.
	 */
	struct dma_buf_mapping_offers list __uninitialized;
	struct dma_buf *dmabuf = attach->dmabuf;
	const struct dma_buf_mapping_offer *offer;
	unsigned int i, j;
	int ret;

	might_sleep();
	lockdep_assert_not_held(&dmabuf->resv->lock.base);

	list.count = 0;
	list.overflowed = false;

	ret = get_offers(attach, &list);
	if (ret)
		return ret;

	for (i = 0; i < list.count; i++) {
		offer = &list.entries[i];
		if (!offer_usable(dmabuf, offer, i))
			return -EINVAL;
		for (j = 0; j < count; j++) {
			if (requests[j].type != offer->type)
				continue;
			ret = offer->type->match(dmabuf, attach->dev, offer, &requests[j]);
			if (ret == -EOPNOTSUPP)
				continue;
			if (unlikely(ret))
				return match_failed(dmabuf, offer->type, ret);
			return record_match(attach, offer, &requests[j]);
		}
	}
	return negotiate_converted(attach, list.entries, list.count, requests, count);
}

/**
 * dma_buf_mapping_debugfs_show - the mapping fields of a bufinfo line
 * @s: the bufinfo file
 * @attach: the attachment
 *
 * Appends "\tmapping=<type>\texporter=native\timporter=<native|compat>",
 * the type's own fields and, for an attachment a converter serves,
 * "\tvia=<offer type>". Every exporter is native since the compat exporter
 * path went; "exporter=" stays so that tools read one format on kernels
 * with and without that path. Called with the reservation lock held; the
 * attachment's mapping fields never change, so no other lock is needed.
 */
void dma_buf_mapping_debugfs_show(struct seq_file *s,
				  const struct dma_buf_attachment *attach)
{
	const struct dma_buf_mapping_type *type = attach->mapping_type;

	dma_resv_assert_held(attach->dmabuf->resv);
	seq_printf(s, "\tmapping=%s\texporter=native\timporter=%s", type->name,
		   attach->importer_compat ? "compat" : "native");
	if (type->debugfs_show)
		type->debugfs_show(s, attach);
	if (attach->offer.type != type)
		seq_printf(s, "\tvia=%s", attach->offer.type->name);
}
EXPORT_SYMBOL_IF_KUNIT(dma_buf_mapping_debugfs_show);
