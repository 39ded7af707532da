// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the physical address list (PAL) mapping type.
 *
 * dma_buf_pal checks each invariant of a list on its own, through the
 * importer's entry point (the exporter's unmap must still be called), the
 * boundaries of the checks, the trust rule, negotiation with the
 * converters, the SGT-to-PAL converter (served, refused at negotiation and
 * at map, left mapped), and the PAL-to-SGT adapter: RAM, MMIO with and
 * without consent, segment splitting, a DMA mapping failure at every
 * position, and a large list.
 */

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/swiotlb.h>

#include "dma-buf-internal.h"
#include "dma-buf-kunit.h"
#include "dma-buf-pal-test-exporter.h"

#define PAL_TEST_PAGES	4
/*
 * RAM that no test touches: the core checks that a RAM range is RAM (it
 * has struct pages), but never reads it. A block the suite allocates, so
 * that it is RAM on every architecture (no fixed address is).
 */
#define PAL_TEST_BLOCK_ORDER	6
static struct page *pal_test_block;
static phys_addr_t pal_test_phys;
#define PAL_TEST_PHYS	pal_test_phys
/* Physical address space that is not RAM on any machine the tests run on. */
#define PAL_TEST_NOT_RAM	BIT_ULL(46)

/* A DMA offset (dma-ranges): DMA addresses are not physical ones. */
static const struct bus_dma_region dma_offset_map[] = {
	{ .cpu_start = 0, .dma_start = 1ULL << 32, .size = 1ULL << 32 },
	{}
};

/* @n ranges of one page each at fake addresses, every other page. */
static struct pal_ctx *pal_export_pages(struct kunit *test, unsigned int n)
{
	struct dma_buf_phys_list *list = pal_test_list(test, n);
	unsigned int i;

	for (i = 0; i < n; i++) {
		list->ranges[i].paddr = PAL_TEST_PHYS + 2 * i * PAGE_SIZE;
		list->ranges[i].len = PAGE_SIZE;
	}
	return pal_test_export(test, list, (size_t)n * PAGE_SIZE, false, false);
}

static void detach(void *attach)
{
	struct dma_buf_attachment *a = attach;

	dma_buf_detach(a->dmabuf, a);
}

static struct dma_buf_attachment *pal_attach_ok(struct kunit *test, struct pal_ctx *ctx,
						bool mmio)
{
	const struct dma_buf_mapping_request req = DMA_BUF_PAL_REQUEST(ctx->dev, mmio);
	struct dma_buf_attachment *attach = pal_test_attach(ctx, &req, 1);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_ASSERT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_pal);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, detach, attach));
	return attach;
}

/* Map through the importer's entry point; 0 or the error. */
static int pal_map_unmap(struct dma_buf_attachment *attach)
{
	const struct dma_buf_phys_list *pal;

	dma_resv_lock(attach->dmabuf->resv, NULL);
	pal = dma_buf_map_pal(attach);
	if (!IS_ERR(pal))
		dma_buf_unmap_pal(attach, pal);
	dma_resv_unlock(attach->dmabuf->resv);
	return PTR_ERR_OR_ZERO(pal);
}

/*
 * @list, for a buffer of @size, is refused with -EINVAL by the check that
 * says @why, and the exporter gets it back: as many unmaps as maps, as
 * many unpins as pins.
 */
static void expect_refused(struct kunit *test, struct dma_buf_phys_list *list,
			   size_t size, bool mmio, const char *why)
{
	struct pal_ctx *ctx = pal_test_export(test, list, size, mmio, false);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, mmio);

	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -EINVAL);
	KUNIT_EXPECT_STREQ(test, pal_fakes.invalid_why ?: "(accepted)", why);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
}

static void expect_accepted(struct kunit *test, struct dma_buf_phys_list *list,
			    size_t size)
{
	struct pal_ctx *ctx = pal_test_export(test, list, size, false, false);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);

	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
}

/*
 * @list, for a buffer of @size, is refused just the same when the core's
 * adapter would build an SGT of it: no DMA mapping, the list back to the
 * exporter.
 */
static void expect_adapter_refused(struct kunit *test, struct dma_buf_phys_list *list,
				   size_t size, const char *why)
{
	struct pal_ctx *ctx = pal_test_export(test, list, size, false, false);
	struct dma_buf_attachment *attach;

	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, false), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_map_attachment_unlocked(attach,
								      DMA_BIDIRECTIONAL)),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, pal_fakes.invalid_why ?: "(accepted)", why);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_maps, 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* Two one-page ranges at @a and @b: a two-page buffer. */
static struct dma_buf_phys_list *two_ranges(struct kunit *test, phys_addr_t a,
					    phys_addr_t b)
{
	struct dma_buf_phys_list *list = pal_test_list(test, 2);

	list->ranges[0] = (struct phys_vec){ a, PAGE_SIZE };
	list->ranges[1] = (struct phys_vec){ b, PAGE_SIZE };
	return list;
}

static void pal_valid_list(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, PAL_TEST_PAGES);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);
	const struct dma_buf_phys_list *pal;
	unsigned int i;

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	pal = dma_buf_map_pal(attach);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pal);
	KUNIT_EXPECT_EQ(test, pal->nr_ranges, PAL_TEST_PAGES);
	for (i = 0; i < pal->nr_ranges; i++)
		KUNIT_EXPECT_EQ(test, pal->ranges[i].paddr,
				(phys_addr_t)(PAL_TEST_PHYS + 2 * i * PAGE_SIZE));
	/* Without DMABUF_MOVE_NOTIFY the exporter is pinned while mapped. */
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins),
			IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : 1);
	dma_buf_unmap_pal(attach, pal);
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
}

static void pal_empty(struct kunit *test)
{
	expect_refused(test, pal_test_list(test, 0), PAGE_SIZE, false, "no ranges");
}

static void pal_zero_length(struct kunit *test)
{
	struct dma_buf_phys_list *list = two_ranges(test, PAL_TEST_PHYS,
						    PAL_TEST_PHYS + 4 * PAGE_SIZE);

	/* Two ranges for two pages: only the length is wrong. */
	list->ranges[1].len = 0;
	expect_refused(test, list, 2 * PAGE_SIZE, false, "zero length");
}

/*
 * The other cases replace dma_buf_pal_invalid() to learn which check
 * refused a list; the real one must refuse it too.
 */
static void pal_invalid_unstubbed(struct kunit *test)
{
	struct pal_ctx *ctx = pal_test_export(test, pal_test_list(test, 0), PAGE_SIZE,
					      false, false);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);

	kunit_deactivate_static_stub(test, dma_buf_pal_invalid);
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -EINVAL);
	KUNIT_EXPECT_NULL(test, pal_fakes.invalid_why);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
}

/* One range a page, one more range than the buffer has pages. */
static void pal_more_ranges_than_pages(struct kunit *test)
{
	expect_refused(test, two_ranges(test, PAL_TEST_PHYS, PAL_TEST_PHYS + 4 * PAGE_SIZE),
		       PAGE_SIZE, false, "more ranges than the buffer has pages");
}

/*
 * A length that wraps the running total round to under the buffer's size:
 * refused as too long, not taken for a short list.
 */
static void pal_total_wraps(struct kunit *test)
{
	struct dma_buf_phys_list *list = two_ranges(test, PAL_TEST_PHYS,
						    PAL_TEST_PHYS + 4 * PAGE_SIZE);

	list->ranges[1].paddr = 0;
	list->ranges[1].len = 0 - (u64)PAGE_SIZE;
	expect_refused(test, list, 2 * PAGE_SIZE, false, "longer than the buffer");
}

static void pal_unaligned_base(struct kunit *test)
{
	expect_refused(test, two_ranges(test, PAL_TEST_PHYS,
					PAL_TEST_PHYS + 4 * PAGE_SIZE + 512),
		       2 * PAGE_SIZE, false, "base not page aligned");
}

static void pal_unaligned_length(struct kunit *test)
{
	struct dma_buf_phys_list *list = two_ranges(test, PAL_TEST_PHYS,
						    PAL_TEST_PHYS + 4 * PAGE_SIZE);

	/* The total is still the buffer's size: only the alignment is wrong. */
	list->ranges[0].len = PAGE_SIZE + 512;
	list->ranges[1].len = PAGE_SIZE - 512;
	expect_refused(test, list, 2 * PAGE_SIZE, false, "length not page aligned");
}

static void pal_overflow(struct kunit *test)
{
	struct dma_buf_phys_list *list = pal_test_list(test, 1);

	list->ranges[0].paddr = PHYS_ADDR_MAX & PAGE_MASK;
	list->ranges[0].len = 2 * PAGE_SIZE;
	expect_refused(test, list, 2 * PAGE_SIZE, false, "base + length overflows");
}

static void pal_overlap(struct kunit *test)
{
	/* In address order: the second starts inside the first. */
	struct dma_buf_phys_list *list = pal_test_list(test, 2);

	list->ranges[0] = (struct phys_vec){ PAL_TEST_PHYS, 2 * PAGE_SIZE };
	list->ranges[1] = (struct phys_vec){ PAL_TEST_PHYS + PAGE_SIZE,
						       PAGE_SIZE };
	expect_refused(test, list, 3 * PAGE_SIZE, false, "ranges overlap");

	/* The same twice: a range starting inside the one before, always seen. */
	expect_refused(test, two_ranges(test, PAL_TEST_PHYS, PAL_TEST_PHYS),
		       2 * PAGE_SIZE, false, "ranges overlap");

	/*
	 * Out of order, the third inside the first: only the sorted check
	 * can see it, which debug kernels run (CONFIG_DMABUF_DEBUG); others
	 * accept the list.
	 */
	list = pal_test_list(test, 3);
	list->ranges[0] = (struct phys_vec){ PAL_TEST_PHYS, 4 * PAGE_SIZE };
	list->ranges[1] = (struct phys_vec){ PAL_TEST_PHYS + 8 * PAGE_SIZE,
						       PAGE_SIZE };
	list->ranges[2] = (struct phys_vec){ PAL_TEST_PHYS + 3 * PAGE_SIZE,
						       PAGE_SIZE };
	if (IS_ENABLED(CONFIG_DMABUF_DEBUG))
		expect_refused(test, list, 6 * PAGE_SIZE, false, "ranges overlap");
	else
		expect_accepted(test, list, 6 * PAGE_SIZE);
}

static void pal_short_coverage(struct kunit *test)
{
	expect_refused(test, two_ranges(test, PAL_TEST_PHYS, PAL_TEST_PHYS + 4 * PAGE_SIZE),
		       3 * PAGE_SIZE, false, "shorter than the buffer");
}

static void pal_long_coverage(struct kunit *test)
{
	struct dma_buf_phys_list *list = two_ranges(test, PAL_TEST_PHYS,
						    PAL_TEST_PHYS + 4 * PAGE_SIZE);

	list->ranges[1].len = 2 * PAGE_SIZE;
	expect_refused(test, list, 2 * PAGE_SIZE, false, "longer than the buffer");
}

/*
 * One range more than the bound, each otherwise valid, for a buffer just
 * big enough: only the count is wrong.
 */
static void pal_count_over_bound(struct kunit *test)
{
	unsigned int i, n = DMA_BUF_PAL_MAX_RANGES + 1;
	struct dma_buf_phys_list *list = pal_test_list(test, n);

	for (i = 0; i < n; i++) {
		list->ranges[i].paddr = PAL_TEST_PHYS + 2ULL * i * PAGE_SIZE;
		list->ranges[i].len = PAGE_SIZE;
	}
	expect_refused(test, list, (size_t)n * PAGE_SIZE, false,
		       "more than DMA_BUF_PAL_MAX_RANGES ranges");
	/* The allocator refuses such a count too. */
	KUNIT_EXPECT_NULL(test, dma_buf_phys_list_alloc(n));
	KUNIT_EXPECT_NULL(test, dma_buf_phys_list_alloc(0));
}

static void pal_bad_kind(struct kunit *test)
{
	struct dma_buf_phys_list *list;

	/* MMIO from an offer that did not name a provider. */
	list = two_ranges(test, PAL_TEST_PHYS, PAL_TEST_PHYS + 4 * PAGE_SIZE);
	list->memory = DMA_BUF_PAL_MMIO;
	expect_refused(test, list, 2 * PAGE_SIZE, false, "MMIO from an offer without a provider");

	list = two_ranges(test, PAL_TEST_PHYS, PAL_TEST_PHYS + 4 * PAGE_SIZE);
	list->memory = 7;
	expect_refused(test, list, 2 * PAGE_SIZE, false, "unknown kind of memory");

	list = two_ranges(test, PAL_TEST_PHYS, PAL_TEST_PHYS + 4 * PAGE_SIZE);
	list->caching = 7;
	expect_refused(test, list, 2 * PAGE_SIZE, false, "unknown caching");
}

/*
 * A map that returns NULL, neither a list nor an error, fails the map with
 * -EINVAL; there is nothing to hand back to the exporter, and the pins
 * balance.
 */
static void pal_map_null(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);

	ctx->exp->map_null = true;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -EINVAL);
	KUNIT_EXPECT_STREQ(test, pal_fakes.invalid_why ?: "(accepted)", "map returned NULL");
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
}

/*
 * The exporter cannot pin (a dynamic exporter without DMABUF_MOVE_NOTIFY
 * pins for every map): the map fails with the pin's error before the
 * exporter's map, and nothing is left pinned.
 */
static void pal_pin_failure(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);

	if (!dma_buf_map_pins(ctx->dmabuf))
		kunit_skip(test, "DMABUF_MOVE_NOTIFY: a map does not pin");
	ctx->exp->pin_err = -EBUSY;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -EBUSY);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unpins), 0);
	ctx->exp->pin_err = 0;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
}

/* The first byte of physical space can be in a list, where it is RAM. */
static void pal_boundary_first_byte(struct kunit *test)
{
	if (!pfn_valid(0))
		kunit_skip(test, "physical page 0 is not RAM on this machine");
	expect_accepted(test, two_ranges(test, 0, PAL_TEST_PHYS), 2 * PAGE_SIZE);
}

/*
 * So can the last (MMIO: no RAM is up there); one page more wraps. The
 * fake BAR of the provider spans all of physical address space.
 */
static void pal_boundary_last_byte(struct kunit *test)
{
	struct dma_buf_phys_list *list = pal_test_list(test, 1);
	struct dma_buf_attachment *attach;
	struct pal_ctx *ctx;

	list->memory = DMA_BUF_PAL_MMIO;
	list->ranges[0].paddr = (PHYS_ADDR_MAX & PAGE_MASK) - PAGE_SIZE;
	list->ranges[0].len = 2 * PAGE_SIZE;
	ctx = pal_test_export(test, list, 2 * PAGE_SIZE, true, false);
	attach = pal_attach_ok(test, ctx, true);
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), 0);

	list = pal_test_list(test, 1);
	list->memory = DMA_BUF_PAL_MMIO;
	list->ranges[0].paddr = (PHYS_ADDR_MAX & PAGE_MASK) - PAGE_SIZE;
	list->ranges[0].len = 3 * PAGE_SIZE;
	expect_refused(test, list, 3 * PAGE_SIZE, true, "base + length overflows");
}

/* Ranges that touch do not overlap, in either order. */
static void pal_boundary_adjacent(struct kunit *test)
{
	expect_accepted(test, two_ranges(test, PAL_TEST_PHYS, PAL_TEST_PHYS + PAGE_SIZE),
			2 * PAGE_SIZE);
	expect_accepted(test, two_ranges(test, PAL_TEST_PHYS + PAGE_SIZE, PAL_TEST_PHYS),
			2 * PAGE_SIZE);
}

/* A PAL attachment has no sg_table, and an SGT one has no list. */
static void pal_wrong_type(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);
	struct dma_buf_attachment *sgt_attach;
	const struct dma_buf_mapping_request req = DMA_BUF_SGT_REQUEST(ctx->dev, false);

	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_map_attachment_unlocked(attach,
								      DMA_TO_DEVICE)),
			-EINVAL);
	sgt_attach = pal_test_attach(ctx, &req, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt_attach);
	dma_resv_lock(ctx->dmabuf->resv, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_map_pal(sgt_attach)), -EINVAL);
	dma_resv_unlock(ctx->dmabuf->resv);
	dma_buf_detach(ctx->dmabuf, sgt_attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
}

/*
 * The trust rule: a device whose DMA addresses are not its physical ones
 * (here: a DMA offset) is not given PAL. With SGT also requested it is
 * served through the adapter; with PAL alone it gets nothing.
 */
static void pal_trust_rule(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_PAL_REQUEST(ctx->dev, false),
		DMA_BUF_SGT_REQUEST(ctx->dev, false),
	};
	struct dma_buf_attachment *attach;

	KUNIT_EXPECT_TRUE(test, dma_buf_dev_uses_phys_addrs(ctx->dev));
	ctx->dev->dma_range_map = dma_offset_map;
	KUNIT_EXPECT_FALSE(test, dma_buf_dev_uses_phys_addrs(ctx->dev));

	attach = pal_test_attach(ctx, req, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	attach = pal_test_attach(ctx, req, 2);
	if (!IS_ERR(attach)) {
		KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
		KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_pal);
		dma_buf_detach(ctx->dmabuf, attach);
	} else {
		KUNIT_FAIL(test, "attach: %pe", attach);
	}
	ctx->dev->dma_range_map = NULL;
}

/*
 * Forced bouncing (swiotlb=force: SEV-SNP and TDX guests) puts every DMA
 * in a bounce buffer: the device does not read the list's memory, so it
 * is not given one.
 */
static void pal_trust_forced_bounce(struct kunit *test)
{
#ifdef CONFIG_SWIOTLB
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	const struct dma_buf_mapping_request req = DMA_BUF_PAL_REQUEST(ctx->dev, false);
	struct io_tlb_mem *forced;

	forced = kunit_kzalloc(test, sizeof(*forced), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, forced);
	forced->force_bounce = true;
	KUNIT_EXPECT_TRUE(test, dma_buf_dev_uses_phys_addrs(ctx->dev));
	ctx->dev->dma_io_tlb_mem = forced;
	KUNIT_EXPECT_FALSE(test, dma_buf_dev_uses_phys_addrs(ctx->dev));
	KUNIT_EXPECT_EQ(test, PTR_ERR(pal_test_attach(ctx, &req, 1)), -EOPNOTSUPP);
	ctx->dev->dma_io_tlb_mem = NULL;
#else
	kunit_skip(test, "no swiotlb on this architecture");
#endif
}

/* A device without a DMA mask cannot be handed addresses at all. */
static void pal_trust_no_dma_mask(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	const struct dma_buf_mapping_request req = DMA_BUF_PAL_REQUEST(ctx->dev, false);

	ctx->dev->dma_mask = NULL;
	KUNIT_EXPECT_FALSE(test, dma_buf_dev_uses_phys_addrs(ctx->dev));
	KUNIT_EXPECT_EQ(test, PTR_ERR(pal_test_attach(ctx, &req, 1)), -EOPNOTSUPP);
	ctx->dev->dma_mask = &ctx->dev->coherent_dma_mask;
}

/*
 * A device that is not cache coherent would need cache maintenance that no
 * one does for a PAL: it gets SGT, whose map syncs. Only where the
 * architecture has non-coherent devices.
 */
static void pal_trust_non_coherent(struct kunit *test)
{
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	bool coherent = ctx->dev->dma_coherent;

	ctx->dev->dma_coherent = true;
	KUNIT_EXPECT_TRUE(test, dma_buf_dev_uses_phys_addrs(ctx->dev));
	ctx->dev->dma_coherent = false;
	KUNIT_EXPECT_FALSE(test, dma_buf_dev_uses_phys_addrs(ctx->dev));
	ctx->dev->dma_coherent = coherent;
#else
	kunit_skip(test, "every device is DMA coherent on this architecture");
#endif
}

/*
 * A RAM range must be RAM: the adapter builds struct page pointers from
 * it. One outside memory is refused before anyone walks the list, for a
 * PAL importer and for the adapter alike.
 */
static void pal_ram_outside_memory(struct kunit *test)
{
	struct dma_buf_phys_list *list;

	expect_refused(test, two_ranges(test, PAL_TEST_PHYS, PAL_TEST_NOT_RAM),
		       2 * PAGE_SIZE, false, "RAM range outside memory");
	/* Only the last page of a range outside memory. */
	list = pal_test_list(test, 1);
	list->ranges[0] = (struct phys_vec){
		PAL_TEST_NOT_RAM - PAGE_SIZE, 2 * PAGE_SIZE };
	expect_refused(test, list, 2 * PAGE_SIZE, false, "RAM range outside memory");

	expect_adapter_refused(test, two_ranges(test, PAL_TEST_NOT_RAM, PAL_TEST_PHYS),
			       2 * PAGE_SIZE, "RAM range outside memory");
}

/*
 * A hole inside a range is found, not only outside memory at its ends: a
 * range from the last RAM page below the PCI hole under 4 GiB to the first
 * RAM page at 4 GiB (x86 machines with memory above 4 GiB, as the test VM).
 */
static void pal_ram_hole_inside(struct kunit *test)
{
	unsigned long below = PHYS_PFN(SZ_4G) - 1, above = PHYS_PFN(SZ_4G);
	struct dma_buf_phys_list *list;

	while (below && !pfn_valid(below))
		below--;
	if (!below || below == PHYS_PFN(SZ_4G) - 1 || !pfn_valid(above))
		kunit_skip(test, "no memory hole between RAM below and at 4 GiB here");
	list = pal_test_list(test, 1);
	list->ranges[0] = (struct phys_vec){
		PFN_PHYS(below), PFN_PHYS(above - below + 1) };
	expect_refused(test, list, list->ranges[0].len, false, "RAM range outside memory");
}

/*
 * Two MMIO pages above 4 GiB, from an offer with a provider, attached by a
 * PAL importer that accepts MMIO.
 */
static struct pal_ctx *pal_export_mmio_high(struct kunit *test,
					    struct dma_buf_attachment **attach)
{
	struct dma_buf_phys_list *list = two_ranges(test, SZ_4G, SZ_4G + SZ_1M);
	struct pal_ctx *ctx;

	list->memory = DMA_BUF_PAL_MMIO;
	ctx = pal_test_export(test, list, 2 * PAGE_SIZE, true, false);
	*attach = pal_attach_ok(test, ctx, true);
	return ctx;
}

/*
 * The map-time half of the trust rule: an importer with a 32-bit DMA mask
 * cannot reach a range above 4 GiB at its physical address, so the map
 * fails with -ERANGE (dma-direct would have bounced it); with a 64-bit mask
 * it maps. Through the adapter the DMA API gets it either way.
 */
static void pal_reach_dma_mask(struct kunit *test)
{
	struct dma_buf_attachment *attach;
	struct pal_ctx *ctx = pal_export_mmio_high(test, &attach);
	struct sg_table *sgt;

	ctx->dev->coherent_dma_mask = DMA_BIT_MASK(32);
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -ERANGE);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
	/* A bus limit below the range does the same. */
	ctx->dev->coherent_dma_mask = DMA_BIT_MASK(64);
	ctx->dev->bus_dma_limit = DMA_BIT_MASK(32);
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -ERANGE);
	ctx->dev->bus_dma_limit = 0;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), 0);

	ctx->dev->coherent_dma_mask = DMA_BIT_MASK(32);
	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, true), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(sgt));
	if (!IS_ERR_OR_NULL(sgt))
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, attach);
	ctx->dev->coherent_dma_mask = DMA_BIT_MASK(64);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), COUNT(ctx->exp->unmaps));
}

/*
 * MMIO whose PCI bus address is not its CPU physical address (a host
 * bridge that translates) cannot be handed to a PAL importer as it is; the
 * adapter gives an SGT importer an address the DMA API made. A range
 * outside the provider's BARs is malformed.
 */
static void pal_reach_bus_offset(struct kunit *test)
{
	struct dma_buf_attachment *attach;
	struct pal_ctx *ctx = pal_export_mmio_high(test, &attach);
	struct sg_table *sgt;

	dma_buf_kunit_expect_bufinfo(test, attach,
				     "\tmapping=pal\texporter=native\timporter=native\tmmio=yes");
	pal_fakes.mmio_bus_offset = SZ_1G;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -ERANGE);

	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, true), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sg_dma_address(sgt->sgl), SZ_4G + PAL_TEST_DMA_OFFSET);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, attach);

	pal_fakes.mmio_bus_offset = 0;
	pal_fakes.mmio_bar_start = SZ_4G;
	pal_fakes.mmio_bar_end = SZ_4G + SZ_1M - 1;
	attach = pal_test_attach(ctx, &DMA_BUF_PAL_REQUEST(ctx->dev, true), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -EINVAL);
	dma_buf_detach(ctx->dmabuf, attach);
}

/*
 * An attachment holds one list at a time, and a detach with the list
 * still mapped is an importer bug: reported, and undone, so that neither
 * the exporter's list nor (without DMABUF_MOVE_NOTIFY) its pin leaks.
 */
static void pal_detach_mapped(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	const struct dma_buf_mapping_request req = DMA_BUF_PAL_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach = pal_test_attach(ctx, &req, 1);
	const struct dma_buf_phys_list *pal;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	dma_resv_lock(ctx->dmabuf->resv, NULL);
	pal = dma_buf_map_pal(attach);
	KUNIT_EXPECT_FALSE(test, IS_ERR(pal));
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_map_pal(attach)), -EBUSY);
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, pal_fakes.reports, 1);
	/* The importer's bug, reported as such. */
	KUNIT_EXPECT_PTR_EQ(test, pal_fakes.reported_importer, (const struct device *)ctx->dev);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
}

/*
 * The exporter's move reaches every importer's invalidate_mappings: a PAL
 * importer, and an SGT importer the adapter serves. The PAL importer then
 * unmaps the old list and maps the new location.
 */
static void pal_invalidate_reaches_importers(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);
	const struct dma_buf_mapping_request sgt_req = DMA_BUF_SGT_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *adapted = pal_test_attach(ctx, &sgt_req, 1);
	const struct dma_buf_phys_list *pal;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, adapted);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, detach, adapted));
	KUNIT_EXPECT_PTR_EQ(test, adapted->offer.type, &dma_buf_mapping_pal);

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	pal = dma_buf_map_pal(attach);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pal);
	dma_buf_invalidate_mappings(ctx->dmabuf);
	KUNIT_EXPECT_EQ(test, ctx->invalidations, 2);
	/* Told: the importer drops the old list and maps again. */
	dma_buf_unmap_pal(attach, pal);
	pal = dma_buf_map_pal(attach);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(pal));
	if (!IS_ERR_OR_NULL(pal))
		dma_buf_unmap_pal(attach, pal);
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 2);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 2);
}

/* MMIO reaches a PAL importer only with its consent and a P2P path. */
static void pal_mmio_request(struct kunit *test)
{
	struct dma_buf_phys_list *list = two_ranges(test, PAL_TEST_PHYS,
						    PAL_TEST_PHYS + PAGE_SIZE);
	struct pal_ctx *ctx;
	struct dma_buf_mapping_request req;
	struct dma_buf_attachment *attach;

	list->memory = DMA_BUF_PAL_MMIO;
	list->caching = DMA_BUF_PAL_WRITE_COMBINED;
	ctx = pal_test_export(test, list, 2 * PAGE_SIZE, true, false);

	req = DMA_BUF_PAL_REQUEST(ctx->dev, false);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pal_test_attach(ctx, &req, 1)), -EOPNOTSUPP);
	req = DMA_BUF_PAL_REQUEST(ctx->dev, true);
	pal_fakes.p2p_reachable = false;
	KUNIT_EXPECT_EQ(test, PTR_ERR(pal_test_attach(ctx, &req, 1)), -EOPNOTSUPP);
	pal_fakes.p2p_reachable = true;
	attach = pal_attach_ok(test, ctx, true);
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), 0);
	/* The list may point into another device's memory. */
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
}

/* A direct pair wins over the adapter, whatever the orders. */
static void pal_direct_before_adapter(struct kunit *test)
{
	struct dma_buf_phys_list *list = two_ranges(test, PAL_TEST_PHYS,
						    PAL_TEST_PHYS + PAGE_SIZE);
	struct pal_ctx *ctx = pal_test_export(test, list, 2 * PAGE_SIZE, false, true);
	const struct dma_buf_mapping_request sgt_pal[] = {
		DMA_BUF_SGT_REQUEST(ctx->dev, false),
		DMA_BUF_PAL_REQUEST(ctx->dev, false),
	};
	struct dma_buf_attachment *attach;

	/* Offers PAL, SGT; requests SGT: the exporter's own SGT, not the adapter. */
	attach = pal_test_attach(ctx, sgt_pal, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_sgt);
	dma_buf_detach(ctx->dmabuf, attach);

	/* Requests SGT, PAL: the exporter's first offer, PAL, matches directly. */
	attach = pal_test_attach(ctx, sgt_pal, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_pal);
	dma_buf_detach(ctx->dmabuf, attach);
}

static void free_page_action(void *page)
{
	__free_page(page);
}

/*
 * The adapter for RAM: real pages in two ranges, out of address order; the
 * table has them in buffer order, DMA-mapped (fake) for the importer, with
 * their struct pages. A legacy importer is served the same way.
 */
static void adapter_ram(struct kunit *test)
{
	struct dma_buf_phys_list *list = pal_test_list(test, 2);
	struct page *pages[3];
	struct dma_buf_attachment *attach;
	struct scatterlist *sg;
	struct sg_table *sgt;
	struct pal_ctx *ctx;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, free_page_action,
								   pages[i]));
	}
	list->ranges[0] = (struct phys_vec){ page_to_phys(pages[2]), PAGE_SIZE };
	list->ranges[1] = (struct phys_vec){ page_to_phys(pages[0]), PAGE_SIZE };
	ctx = pal_test_export(test, list, 2 * PAGE_SIZE, false, false);

	attach = dma_buf_mapping_attach(ctx->dmabuf, ctx->dev,
					&DMA_BUF_SGT_REQUEST(ctx->dev, true), 1,
					&pal_test_importer_ops, ctx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_pal);
	/* RAM only: no P2P even though the importer would accept it. */
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_kunit_expect_bufinfo(test, attach,
				     "\tmapping=sgt\texporter=native\timporter=native\tp2p=no\tvia=pal");

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sgt->nents, 2);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg),
				list->ranges[i].paddr + PAL_TEST_DMA_OFFSET);
		KUNIT_EXPECT_EQ(test, sg_dma_len(sg), PAGE_SIZE);
	}
	/* CONFIG_DMABUF_DEBUG hides the pages from importers. */
	if (!IS_ENABLED(CONFIG_DMABUF_DEBUG))
		KUNIT_EXPECT_PTR_EQ(test, sg_page(sgt->sgl), pages[2]);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_unmaps, 2);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	dma_buf_detach(ctx->dmabuf, attach);

	/* A legacy static importer: the core maps at attach, as always. */
	attach = dma_buf_attach(ctx->dmabuf, ctx->dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_TRUE(test, attach->importer_compat);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sgt->nents, 2);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), COUNT(ctx->exp->unmaps));
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_maps, pal_fakes.dma_unmaps);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
}

/* MMIO through the adapter: with P2P consent and a path, never without. */
static void adapter_mmio(struct kunit *test)
{
	struct dma_buf_phys_list *list = two_ranges(test, PAL_TEST_PHYS,
						    PAL_TEST_PHYS + 2 * PAGE_SIZE);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	struct pal_ctx *ctx;

	list->memory = DMA_BUF_PAL_MMIO;
	ctx = pal_test_export(test, list, 2 * PAGE_SIZE, true, false);

	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, false), 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	/* Nor does a legacy importer without P2P get it. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_attach(ctx->dmabuf, ctx->dev)),
			-EOPNOTSUPP);
	pal_fakes.p2p_reachable = false;
	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, true), 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);

	pal_fakes.p2p_reachable = true;
	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, true), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_TRUE(test, attach->peer2peer);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sgt->nents, 2);
	KUNIT_EXPECT_EQ(test, sg_dma_address(sgt->sgl), PAL_TEST_PHYS + PAL_TEST_DMA_OFFSET);
	/* MMIO has no struct page to give. */
	if (!IS_ENABLED(CONFIG_DMABUF_DEBUG))
		KUNIT_EXPECT_NULL(test, sg_page(sgt->sgl));
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_unmaps, 2);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* Ranges longer than the device's segment size are split. */
static void adapter_segments(struct kunit *test)
{
	struct dma_buf_phys_list *list = pal_test_list(test, 1);
	const unsigned int seg = 2 * PAGE_SIZE;
	struct device_dma_parameters *parms;
	struct dma_buf_attachment *attach;
	struct scatterlist *sg;
	struct sg_table *sgt;
	struct pal_ctx *ctx;
	unsigned int i;

	list->ranges[0] = (struct phys_vec){ PAL_TEST_PHYS, 4 * seg };
	ctx = pal_test_export(test, list, 4 * seg, false, false);
	parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parms);
	ctx->dev->dma_parms = parms;
	dma_set_max_seg_size(ctx->dev, seg);
	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, false), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sgt->nents, 4);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, sg_dma_len(sg), seg);
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg),
				PAL_TEST_PHYS + PAL_TEST_DMA_OFFSET + (u64)i * seg);
	}
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(ctx->dmabuf, attach);
	ctx->dev->dma_parms = NULL;
}

/*
 * Ranges that continue each other physically become one entry (an IOMMU
 * then maps one piece), cut at the device's segment boundary; entries
 * never cross it.
 */
static void adapter_merge_and_boundary(struct kunit *test)
{
	struct dma_buf_phys_list *list = pal_test_list(test, 3);
	struct device_dma_parameters *parms;
	struct dma_buf_attachment *attach;
	struct scatterlist *sg;
	struct sg_table *sgt;
	struct pal_ctx *ctx;
	unsigned int i;
	/* Entries expected: two pages up to the 4-page boundary, then four. */
	static const unsigned int want_pages[] = { 2, 4 };

	/* Six pages from two pages below a 4-page boundary, in three pieces. */
	list->ranges[0] = (struct phys_vec){ PAL_TEST_PHYS + 2 * PAGE_SIZE,
						       PAGE_SIZE };
	list->ranges[1] = (struct phys_vec){ PAL_TEST_PHYS + 3 * PAGE_SIZE,
						       3 * PAGE_SIZE };
	list->ranges[2] = (struct phys_vec){ PAL_TEST_PHYS + 6 * PAGE_SIZE,
						       2 * PAGE_SIZE };
	ctx = pal_test_export(test, list, 6 * PAGE_SIZE, false, false);
	parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parms);
	ctx->dev->dma_parms = parms;
	dma_set_max_seg_size(ctx->dev, SZ_1M);
	dma_set_seg_boundary(ctx->dev, 4 * PAGE_SIZE - 1);
	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, false), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sgt->nents, ARRAY_SIZE(want_pages));
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_tables, 1);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (i >= ARRAY_SIZE(want_pages))
			break;
		KUNIT_EXPECT_EQ(test, sg_dma_len(sg), want_pages[i] * PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg),
				PAL_TEST_PHYS + PAL_TEST_DMA_OFFSET +
				(i ? 4 : 2) * PAGE_SIZE);
	}
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_tables, 0);
	dma_buf_detach(ctx->dmabuf, attach);
	ctx->dev->dma_parms = NULL;
}

static void free_pages_1m(void *pages)
{
	__free_pages(pages, get_order(SZ_1M));
}

/*
 * Under swiotlb bouncing one DMA mapping cannot be longer than a run of
 * bounce slots (dma_max_mapping_size()): the adapter cuts its entries
 * there, whatever the device's segment size allows, or dma_map_sgtable()
 * fails the whole map. A contiguous MiB of real RAM, mapped with the real
 * DMA API for a device with no segment limit of its own, where every
 * mapping bounces: the VM's bounce topology (elsewhere skipped).
 */
static void adapter_max_mapping_size(struct kunit *test)
{
	struct device_dma_parameters *parms;
	struct dma_buf_attachment *attach;
	struct dma_buf_phys_list *list;
	struct scatterlist *sg;
	struct device *dev;
	struct sg_table *sgt;
	struct pal_ctx *ctx;
	struct page *pages;
	size_t max_map;
	u64 total = 0;
	unsigned int i;

	dev = kunit_device_register(test, "dma-buf-pal-test-bounce");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	dev->dma_mask = &dev->coherent_dma_mask;
#ifdef CONFIG_SWIOTLB
	if (!is_swiotlb_force_bounce(dev))
#endif
		kunit_skip(test, "needs swiotlb=force (the VM's bounce topology)");
	parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parms);
	dev->dma_parms = parms;
	dma_set_max_seg_size(dev, UINT_MAX & PAGE_MASK);
	max_map = dma_max_mapping_size(dev);
	KUNIT_ASSERT_LT(test, max_map, SZ_1M);

	pages = alloc_pages(GFP_KERNEL, get_order(SZ_1M));
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, free_pages_1m, pages));
	list = pal_test_list(test, 1);
	list->ranges[0] = (struct phys_vec){ page_to_phys(pages), SZ_1M };
	ctx = pal_test_export(test, list, SZ_1M, false, false);
	/* The real DMA API. */
	kunit_deactivate_static_stub(test, dma_buf_pal_dma_map_sgtable);
	kunit_deactivate_static_stub(test, dma_buf_pal_dma_unmap_sgtable);

	attach = dma_buf_mapping_attach(ctx->dmabuf, dev, &DMA_BUF_SGT_REQUEST(dev, false),
					1, &pal_test_importer_ops, ctx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, detach, attach));
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_LE(test, sg_dma_len(sg), max_map);
		total += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, total, SZ_1M);
	KUNIT_EXPECT_GE(test, sgt->nents, SZ_1M / max_map);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
}

/*
 * The DMA mapping of the table fails: the map fails with its errno, the
 * exporter gets its list back, the pins balance, and the next map works.
 */
static void adapter_dma_failure(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 5);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;

	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, false), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	pal_fakes.dma_fail_err = -ENOMEM;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_tables, 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->unmaps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));

	pal_fakes.dma_fail_err = 0;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_maps, 5);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_unmaps, 5);
	dma_buf_detach(ctx->dmabuf, attach);
}

/* A malformed list reaches an SGT importer no more than a PAL one. */
static void adapter_malformed(struct kunit *test)
{
	expect_adapter_refused(test, two_ranges(test, PAL_TEST_PHYS, PAL_TEST_PHYS),
			       2 * PAGE_SIZE, "ranges overlap");
}

/*
 * A 512 MiB buffer in 2^17 single pages, in reverse address order so that
 * the overlap check has to sort in a debug kernel (and the adapter cannot
 * merge): it is accepted, and the adapter maps it. The time is reported,
 * not asserted.
 */
static void pal_large_list(struct kunit *test)
{
	unsigned int i, n = 1U << 17;
	struct dma_buf_phys_list *list = pal_test_list(test, n);
	u64 span = (u64)n * PAGE_SIZE, step = min_t(u64, span, SZ_2M);
	struct dma_buf_attachment *attach;
	phys_addr_t base, p;
	struct sg_table *sgt;
	struct pal_ctx *ctx;
	u64 start, pal_ns;

	/* 512 MiB of RAM: the suite's block may sit near the end of memory. */
	for (base = ALIGN_DOWN(PAL_TEST_PHYS, span); ; base -= span) {
		for (p = base; p < base + span; p += step)
			if (!pfn_to_online_page(PHYS_PFN(p)))
				break;
		if (p >= base + span)
			break;
		if (!base)
			kunit_skip(test, "no 512 MiB of RAM in one piece below the suite's block");
	}
	for (i = 0; i < n; i++) {
		list->ranges[i].paddr = base + (u64)(n - 1 - i) * PAGE_SIZE;
		list->ranges[i].len = PAGE_SIZE;
	}
	ctx = pal_test_export(test, list, (size_t)n * PAGE_SIZE, false, false);
	attach = pal_attach_ok(test, ctx, false);
	start = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), 0);
	pal_ns = ktime_get_ns() - start;

	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, false), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	start = ktime_get_ns();
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, sgt->nents, n);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	kunit_info(test, "%u ranges: PAL map+unmap %llu us, through the adapter %llu us\n",
		   n, div_u64(pal_ns, 1000), div_u64(ktime_get_ns() - start, 1000));
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_maps, n);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_unmaps, n);
}

/*
 * The SGT-to-PAL converter. An exporter that offers only SGT, of @n pages
 * of the test block: every other page, or @contiguous ones.
 */
static struct pal_ctx *sgt_export_pages(struct kunit *test, unsigned int n,
					bool contiguous)
{
	struct dma_buf_phys_list *list = pal_test_list(test, n);
	struct pal_ctx *ctx;
	unsigned int i;

	for (i = 0; i < n; i++) {
		list->ranges[i].paddr = PAL_TEST_PHYS + (contiguous ? i : 2 * i) * PAGE_SIZE;
		list->ranges[i].len = PAGE_SIZE;
	}
	ctx = pal_test_export(test, list, (size_t)n * PAGE_SIZE, false, true);
	ctx->exp->offers[0] = ctx->exp->offers[1];
	ctx->exp->noffers = 1;
	return ctx;
}

/*
 * A PAL-only importer of an SGT-only exporter gets the pages of the
 * exporter's table, one range per physically contiguous run, while the
 * table stays mapped; the unmap gives the table back.
 */
static void sgt_to_pal_served(struct kunit *test)
{
	struct pal_ctx *ctx = sgt_export_pages(test, 3, false);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, true);
	const struct dma_buf_phys_list *pal;
	unsigned int i;

	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_FALSE(test, attach->peer2peer);
	dma_buf_kunit_expect_bufinfo(test, attach,
				     "\tmapping=pal\texporter=native\timporter=native\tmmio=no\tvia=sgt");

	dma_resv_lock(ctx->dmabuf->resv, NULL);
	pal = dma_buf_map_pal(attach);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pal);
	KUNIT_EXPECT_EQ(test, pal->nr_ranges, 3);
	KUNIT_EXPECT_EQ(test, pal->memory, DMA_BUF_PAL_RAM);
	for (i = 0; i < pal->nr_ranges && i < 3; i++) {
		KUNIT_EXPECT_EQ(test, pal->ranges[i].paddr, ctx->exp->list->ranges[i].paddr);
		KUNIT_EXPECT_EQ(test, pal->ranges[i].len, PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_maps), 1);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_tables, 1);
	dma_buf_unmap_pal(attach, pal);
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_unmaps), 1);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_tables, 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->maps), 0);
	KUNIT_EXPECT_EQ(test, pal_fakes.reports, 0);

	/* Contiguous pages are one range. */
	ctx = sgt_export_pages(test, 4, true);
	attach = pal_attach_ok(test, ctx, false);
	dma_resv_lock(ctx->dmabuf->resv, NULL);
	pal = dma_buf_map_pal(attach);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, pal);
	if (!IS_ERR_OR_NULL(pal)) {
		KUNIT_EXPECT_EQ(test, pal->nr_ranges, 1);
		KUNIT_EXPECT_EQ(test, pal->ranges[0].paddr, PAL_TEST_PHYS);
		KUNIT_EXPECT_EQ(test, pal->ranges[0].len, 4 * PAGE_SIZE);
		dma_buf_unmap_pal(attach, pal);
	}
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_maps), COUNT(ctx->exp->sgt_unmaps));
}

/*
 * Refused at negotiation: an importer the trust rule does not admit, a
 * P2P SGT offer (its tables may hold bus addresses without pages), even
 * for an importer that accepts MMIO, and an offer whose operations do not
 * say their pages are write-back RAM. The exporter never maps.
 */
static void sgt_to_pal_refused(struct kunit *test)
{
	struct pal_ctx *ctx = sgt_export_pages(test, 2, false);
	const struct dma_buf_mapping_request req[] = {
		DMA_BUF_PAL_REQUEST(ctx->dev, true),
		DMA_BUF_SGT_REQUEST(ctx->dev, true),
	};
	struct dma_buf_attachment *attach;
	struct pci_dev *provider;

	ctx->dev->dma_range_map = dma_offset_map;
	KUNIT_EXPECT_EQ(test, PTR_ERR(pal_test_attach(ctx, req, 1)), -EOPNOTSUPP);
	/* With SGT listed too, the importer gets it directly. */
	attach = pal_test_attach(ctx, req, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->mapping_type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_sgt);
	dma_buf_detach(ctx->dmabuf, attach);
	ctx->dev->dma_range_map = NULL;

	provider = kunit_kzalloc(test, sizeof(*provider), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, provider);
	ctx->exp->offers[0] = DMA_BUF_SGT_P2P_OFFER(&pal_test_sgt_ops, provider);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pal_test_attach(ctx, req, 1)), -EOPNOTSUPP);
	ctx->exp->offers[0] = DMA_BUF_SGT_OFFER(&pal_test_sgt_unsaid_ops);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pal_test_attach(ctx, req, 1)), -EOPNOTSUPP);

	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_maps), 0);
	KUNIT_EXPECT_EQ(test, pal_fakes.reports, 0);
}

/*
 * Out of the device's reach at map time (a bus limit below the pages):
 * -ERANGE, and the exporter's table goes back.
 */
static void sgt_to_pal_out_of_reach(struct kunit *test)
{
	struct pal_ctx *ctx = sgt_export_pages(test, 2, false);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);

	ctx->dev->bus_dma_limit = PAL_TEST_PHYS;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -ERANGE);
	ctx->dev->bus_dma_limit = 0;
	/* A DMA offset the device did not have at attach. */
	ctx->dev->dma_range_map = dma_offset_map;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -ERANGE);
	ctx->dev->dma_range_map = NULL;
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_maps), 2);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_unmaps), 2);
	KUNIT_EXPECT_NULL(test, attach->sgt);
	KUNIT_EXPECT_NULL(test, attach->pal);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_tables, 0);
}

/*
 * An entry that starts a whole number of pages into its (compound) page,
 * as udmabuf's entries of large folios do, is listed at that page.
 */
static void sgt_to_pal_page_offset(struct kunit *test)
{
	struct sg_table sgt;
	struct dma_buf_phys_list *pal;
	struct page *head = pfn_to_page(PHYS_PFN(PAL_TEST_PHYS));

	KUNIT_ASSERT_EQ(test, 0, sg_alloc_table(&sgt, 2, GFP_KERNEL));
	sg_set_page(sgt.sgl, head, PAGE_SIZE, 2 * PAGE_SIZE);
	sg_set_page(sg_next(sgt.sgl), head, PAGE_SIZE, 3 * PAGE_SIZE);
	pal = dma_buf_phys_list_alloc(1);
	KUNIT_ASSERT_NOT_NULL(test, pal);
	KUNIT_EXPECT_EQ(test, dma_buf_sgt_to_pal_ranges(&sgt, NULL), 1);
	KUNIT_EXPECT_EQ(test, dma_buf_sgt_to_pal_ranges(&sgt, pal), 1);
	KUNIT_EXPECT_EQ(test, pal->ranges[0].paddr, PAL_TEST_PHYS + 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, pal->ranges[0].len, 2 * PAGE_SIZE);
	/* A piece of a page is not, nor an empty entry. */
	sgt.sgl->offset = 16;
	KUNIT_EXPECT_EQ(test, dma_buf_sgt_to_pal_ranges(&sgt, NULL), -EINVAL);
	sgt.sgl->offset = 0;
	sgt.sgl->length = PAGE_SIZE / 2;
	KUNIT_EXPECT_EQ(test, dma_buf_sgt_to_pal_ranges(&sgt, NULL), -EINVAL);
	sgt.sgl->length = 0;
	KUNIT_EXPECT_EQ(test, dma_buf_sgt_to_pal_ranges(&sgt, NULL), -EINVAL);
	dma_buf_phys_list_free(pal);
	sg_free_table(&sgt);
}

/*
 * Refused at map: a table without pages (an exporter that puts addresses
 * of its own in the DMA fields only) cannot be listed; the exporter gets
 * its table back and nothing stays mapped.
 */
static void sgt_to_pal_not_pages(struct kunit *test)
{
	struct pal_ctx *ctx = sgt_export_pages(test, 2, false);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);

	ctx->exp->sgt_pageless = true;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -EINVAL);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_maps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_unmaps), 1);
	KUNIT_EXPECT_NULL(test, attach->pal);
	KUNIT_EXPECT_NULL(test, attach->sgt);

	/* The next map, of pages, is served. */
	ctx->exp->sgt_pageless = false;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_unmaps), 2);
}

/*
 * The exporter's map fails, or returns neither a table nor an error
 * (-ENOMEM, as the core's own SGT map says of it): the importer's map
 * fails with that, nothing stays mapped or pinned, and the exporter is not
 * asked to unmap what it never gave. The next map is served.
 */
static void sgt_to_pal_map_fails(struct kunit *test)
{
	struct pal_ctx *ctx = sgt_export_pages(test, 2, false);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);

	ctx->exp->sgt_map_err = -ENOSPC;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -ENOSPC);
	ctx->exp->sgt_map_err = 0;
	ctx->exp->map_null = true;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -ENOMEM);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_maps), 2);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_unmaps), 0);
	KUNIT_EXPECT_NULL(test, attach->sgt);
	KUNIT_EXPECT_NULL(test, attach->pal);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
	KUNIT_EXPECT_EQ(test, pal_fakes.reports, 0);

	ctx->exp->map_null = false;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), 0);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_unmaps), 1);
}

/*
 * A table of more page runs than a list may hold (two pages, alternating,
 * so that no entry continues the one before): -E2BIG before any list is
 * made, and the table goes back.
 */
static void sgt_to_pal_too_many_ranges(struct kunit *test)
{
	unsigned int i, n = DMA_BUF_PAL_MAX_RANGES + 1;
	struct pal_ctx *ctx = sgt_export_pages(test, n, false);
	struct dma_buf_attachment *attach = pal_attach_ok(test, ctx, false);

	for (i = 0; i < n; i++)
		ctx->exp->list->ranges[i].paddr = PAL_TEST_PHYS + (i % 2) * 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, pal_map_unmap(attach), -E2BIG);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_maps), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_unmaps), 1);
	KUNIT_EXPECT_NULL(test, attach->sgt);
	KUNIT_EXPECT_NULL(test, attach->pal);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_tables, 0);
}

/*
 * A converter serves the exporter's offer through another type: the
 * offer's own attach and detach run once each for the attachment, PAL to
 * SGT and SGT to PAL, as for a direct match.
 */
static void converter_type_hooks(struct kunit *test)
{
	struct pal_ctx *ctx = pal_export_pages(test, 2);
	struct dma_buf_attachment *attach;

	attach = pal_test_attach(ctx, &DMA_BUF_PAL_REQUEST(ctx->dev, false), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->type_attaches), 1);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->type_detaches), 1);

	attach = pal_test_attach(ctx, &DMA_BUF_SGT_REQUEST(ctx->dev, false), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_pal);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->type_attaches), 2);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->type_detaches), 1);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->type_detaches), 2);

	ctx = sgt_export_pages(test, 2, false);
	attach = pal_test_attach(ctx, &DMA_BUF_PAL_REQUEST(ctx->dev, false), 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_PTR_EQ(test, attach->offer.type, &dma_buf_mapping_sgt);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->type_attaches), 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->type_detaches), 0);
	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->type_detaches), 1);
}

/* A converted list left mapped at detach: reported, and the table unmapped. */
static void sgt_to_pal_detach_mapped(struct kunit *test)
{
	struct pal_ctx *ctx = sgt_export_pages(test, 2, false);
	const struct dma_buf_mapping_request req = DMA_BUF_PAL_REQUEST(ctx->dev, false);
	struct dma_buf_attachment *attach = pal_test_attach(ctx, &req, 1);
	const struct dma_buf_phys_list *pal;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	dma_resv_lock(ctx->dmabuf->resv, NULL);
	pal = dma_buf_map_pal(attach);
	dma_resv_unlock(ctx->dmabuf->resv);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, pal);

	dma_buf_detach(ctx->dmabuf, attach);
	KUNIT_EXPECT_EQ(test, pal_fakes.reports, 1);
	KUNIT_EXPECT_PTR_EQ(test, pal_fakes.reported_importer, (const struct device *)ctx->dev);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->sgt_unmaps), 1);
	KUNIT_EXPECT_EQ(test, pal_fakes.dma_tables, 0);
	/* Without DMABUF_MOVE_NOTIFY the map pinned: one pin, undone. */
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins),
			IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY) ? 0 : 1);
	KUNIT_EXPECT_EQ(test, COUNT(ctx->exp->pins), COUNT(ctx->exp->unpins));
}

static struct kunit_case dma_buf_pal_cases[] = {
	KUNIT_CASE(pal_valid_list),
	KUNIT_CASE(pal_empty),
	KUNIT_CASE(pal_invalid_unstubbed),
	KUNIT_CASE(pal_zero_length),
	KUNIT_CASE(pal_more_ranges_than_pages),
	KUNIT_CASE(pal_total_wraps),
	KUNIT_CASE(pal_unaligned_base),
	KUNIT_CASE(pal_unaligned_length),
	KUNIT_CASE(pal_overflow),
	KUNIT_CASE(pal_overlap),
	KUNIT_CASE(pal_short_coverage),
	KUNIT_CASE(pal_long_coverage),
	KUNIT_CASE(pal_count_over_bound),
	KUNIT_CASE(pal_bad_kind),
	KUNIT_CASE(pal_map_null),
	KUNIT_CASE(pal_pin_failure),
	KUNIT_CASE(pal_boundary_first_byte),
	KUNIT_CASE(pal_boundary_last_byte),
	KUNIT_CASE(pal_boundary_adjacent),
	KUNIT_CASE(pal_wrong_type),
	KUNIT_CASE(pal_trust_rule),
	KUNIT_CASE(pal_trust_forced_bounce),
	KUNIT_CASE(pal_trust_no_dma_mask),
	KUNIT_CASE(pal_trust_non_coherent),
	KUNIT_CASE(pal_ram_outside_memory),
	KUNIT_CASE(pal_reach_dma_mask),
	KUNIT_CASE(pal_reach_bus_offset),
	KUNIT_CASE(pal_detach_mapped),
	KUNIT_CASE(pal_ram_hole_inside),
	KUNIT_CASE(pal_invalidate_reaches_importers),
	KUNIT_CASE(pal_mmio_request),
	KUNIT_CASE(pal_direct_before_adapter),
	KUNIT_CASE(sgt_to_pal_served),
	KUNIT_CASE(sgt_to_pal_refused),
	KUNIT_CASE(sgt_to_pal_not_pages),
	KUNIT_CASE(sgt_to_pal_out_of_reach),
	KUNIT_CASE(sgt_to_pal_map_fails),
	KUNIT_CASE(sgt_to_pal_too_many_ranges),
	KUNIT_CASE(sgt_to_pal_page_offset),
	KUNIT_CASE(sgt_to_pal_detach_mapped),
	KUNIT_CASE(converter_type_hooks),
	KUNIT_CASE(adapter_ram),
	KUNIT_CASE(adapter_mmio),
	KUNIT_CASE(adapter_segments),
	KUNIT_CASE(adapter_merge_and_boundary),
	KUNIT_CASE(adapter_max_mapping_size),
	KUNIT_CASE(adapter_dma_failure),
	KUNIT_CASE(adapter_malformed),
	KUNIT_CASE_SLOW(pal_large_list),
	{}
};

static int dma_buf_pal_suite_init(struct kunit_suite *suite)
{
	pal_test_block = alloc_pages(GFP_KERNEL, PAL_TEST_BLOCK_ORDER);
	if (!pal_test_block)
		return -ENOMEM;
	pal_test_phys = page_to_phys(pal_test_block);
	return 0;
}

static void dma_buf_pal_suite_exit(struct kunit_suite *suite)
{
	__free_pages(pal_test_block, PAL_TEST_BLOCK_ORDER);
}

static struct kunit_suite dma_buf_pal_suite = {
	.name = "dma_buf_pal",
	.suite_init = dma_buf_pal_suite_init,
	.suite_exit = dma_buf_pal_suite_exit,
	.test_cases = dma_buf_pal_cases,
};

kunit_test_suite(dma_buf_pal_suite);
