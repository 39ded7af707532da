// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dma-buf test device: a misc device for test kernels that drives the
 * typed-mapping paths from userspace.
 *
 * As an importer it attaches a real PCI DMA master to any dma-buf with
 * dma_buf_mapping_attach(), as a dynamic importer (or dma_buf_attach(), as
 * a static one that knows nothing of mapping types), and reads the buffer
 * through the negotiated mapping. The masters are QEMU's "edu" devices: a
 * 4 KiB DMA engine with a DMA mask set by a QEMU property. A read hashes
 * the buffer as the device sees it (the mapping's DMA addresses or PAL
 * ranges, cut to the device's mask and translated by its IOMMU), and on
 * request the device itself reads the first and the last 2 KiB by DMA, so
 * that a table mapped for another device, a physical address handed as a
 * DMA address or a stale bounce buffer fails the read (or faults in the
 * IOMMU) instead of passing. As an exporter it makes buffers that offer a
 * chosen list of mapping types, and moves them on request so that
 * invalidate_mappings runs; for races, it holds any buffer's reservation
 * lock for a while on request. Its buffers can be mapped by the CPU (mmap
 * of the dma-buf), so that the tests can write and check them.
 *
 * The interface is in dma-buf-test-device.h; it is not a stable uAPI.
 */

#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "dma-buf-test-device.h"

#define TEST_MAX_SIZE	(64ULL << 20)
#define TEST_MAX_HOLD_MS	10000
#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL

/*
 * QEMU's "edu" PCI device: DMA between bus addresses and a 4 KiB buffer
 * of its own, one transfer at a time, started 100 ms (virtual) after the
 * command. Its DMA address registers take 64-bit writes only.
 */
#define EDU_PCI_VENDOR		0x1234	/* QEMU */
#define EDU_PCI_DEVICE		0x11e8
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_PCI		0x2
#define EDU_DMA_BUF		0x40000	/* the engine's buffer, its own space */
#define EDU_DMA_BUF_SIZE	4096
/* QEMU 7.2 stops the machine on a transfer that ends at the buffer's end. */
#define EDU_DMA_MAX		2048
#define EDU_DMA_TIMEOUT_MS	5000
#define EDU_DEFAULT_DMA_BITS	28	/* QEMU's default dma_mask */
#define TEST_MAX_EDUS		4

static unsigned int edu_dma_bits[TEST_MAX_EDUS];
static unsigned int edu_dma_bits_n;
module_param_array(edu_dma_bits, uint, &edu_dma_bits_n, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address bits of each edu device in probe order, as given to QEMU's dma_mask property (default 28, QEMU's default)");

/* An importing device. */
struct test_edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	unsigned int dma_bits;
	struct mutex lock;	/* one transfer at a time; @gone, @buf */
	bool gone;		/* unbound: no more DMA */
	void *buf;		/* where the engine writes what it read */
	dma_addr_t buf_dma;
};

/* Bound devices in probe order; kept until the module goes. */
static DEFINE_MUTEX(test_edus_lock);
static struct test_edu *test_edus[TEST_MAX_EDUS];
static unsigned int test_nedus;

/* Exporter side. */

struct test_buf {
	struct page **pages;
	unsigned long npages;
	u32 offers;
	bool above_4g;		/* DMA_BUF_TEST_EXPORT_ABOVE_4G */
	struct pci_dev *p2p_provider;
	unsigned int pins;	/* under the reservation lock */
	unsigned int vmaps;	/* under the reservation lock */
};

/*
 * Pages for a buffer: anywhere, or all above 4 GiB. Those come from
 * ZONE_MOVABLE (the VM puts its memory above 4 GiB there); the test device
 * holds them for the buffer's life, which only a test kernel may do.
 */
static struct page **test_alloc_pages(unsigned long npages, bool above_4g)
{
	gfp_t gfp = above_4g ? GFP_HIGHUSER_MOVABLE | __GFP_NOWARN : GFP_KERNEL;
	struct page **pages;
	unsigned long i;
	int ret = -ENOMEM;

	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < npages; i++) {
		pages[i] = alloc_page(gfp);
		if (!pages[i])
			goto err;
		if (above_4g && page_to_phys(pages[i]) < SZ_4G) {
			__free_page(pages[i]);
			ret = -ENOSPC;
			goto err;
		}
	}
	return pages;
err:
	while (i--)
		__free_page(pages[i]);
	kvfree(pages);
	return ERR_PTR(ret);
}

static void test_free_pages(struct page **pages, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		__free_page(pages[i]);
	kvfree(pages);
}

static struct sg_table *test_map(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir)
{
	struct test_buf *buf = attach->dmabuf->priv;
	struct sg_table *sgt;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	/*
	 * Segments the importer takes (its maximum segment size) and the
	 * DMA API can map for it (swiotlb slots).
	 */
	ret = sg_alloc_table_from_pages_segment(sgt, buf->pages, buf->npages, 0,
						buf->npages << PAGE_SHIFT,
						max_t(size_t, PAGE_SIZE,
						      min_t(size_t,
							    dma_get_max_seg_size(attach->dev),
							    dma_max_mapping_size(attach->dev)) &
						      PAGE_MASK),
						GFP_KERNEL);
	if (ret)
		goto err_free;
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret)
		goto err_table;
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void test_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

/* Pages from alloc_pages(), write-back: PAL importers may list them. */
static const struct dma_buf_sgt_exp_ops test_sgt_ops = {
	.map = test_map,
	.unmap = test_unmap,
	.pal_cached = true,
};

/* The pages as physical ranges, neighbouring pages merged. */
static struct dma_buf_phys_list *test_map_pal(struct dma_buf_attachment *attach)
{
	struct test_buf *buf = attach->dmabuf->priv;
	struct dma_buf_phys_list *pal;
	unsigned int n = 1;
	unsigned long i;

	dma_resv_assert_held(attach->dmabuf->resv);
	for (i = 1; i < buf->npages; i++)
		if (page_to_pfn(buf->pages[i]) != page_to_pfn(buf->pages[i - 1]) + 1)
			n++;
	pal = dma_buf_phys_list_alloc(n);
	if (!pal)
		return ERR_PTR(-ENOMEM);
	pal->memory = DMA_BUF_PAL_RAM;
	pal->caching = DMA_BUF_PAL_CACHED;
	n = 0;
	pal->ranges[0].paddr = page_to_phys(buf->pages[0]);
	for (i = 0; i < buf->npages; i++) {
		if (i && page_to_pfn(buf->pages[i]) != page_to_pfn(buf->pages[i - 1]) + 1)
			pal->ranges[++n].paddr = page_to_phys(buf->pages[i]);
		pal->ranges[n].len += PAGE_SIZE;
	}
	return pal;
}

static void test_unmap_pal(struct dma_buf_attachment *attach,
			   struct dma_buf_phys_list *pal)
{
	dma_buf_phys_list_free(pal);
}

static const struct dma_buf_pal_exp_ops test_pal_ops = {
	.map = test_map_pal,
	.unmap = test_unmap_pal,
};

static int test_get_mapping_offers(struct dma_buf *dmabuf,
				   struct dma_buf_attachment *attach,
				   struct dma_buf_mapping_offers *offers)
{
	struct test_buf *buf = dmabuf->priv;

	if (buf->offers & DMA_BUF_TEST_OFFER_SGT_P2P)
		dma_buf_mapping_offer_add(offers,
					  DMA_BUF_SGT_P2P_OFFER(&test_sgt_ops,
								buf->p2p_provider));
	if (buf->offers & DMA_BUF_TEST_OFFER_SGT)
		dma_buf_mapping_offer_add(offers, DMA_BUF_SGT_OFFER(&test_sgt_ops));
	if (buf->offers & DMA_BUF_TEST_OFFER_PAL)
		dma_buf_mapping_offer_add(offers, DMA_BUF_PAL_OFFER(&test_pal_ops));
	return 0;
}

static int test_pin(struct dma_buf_attachment *attach)
{
	struct test_buf *buf = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	buf->pins++;
	return 0;
}

static void test_unpin(struct dma_buf_attachment *attach)
{
	struct test_buf *buf = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (!WARN_ON(!buf->pins))
		buf->pins--;
}

/* Called with mmap_lock held, without the reservation lock. */
static int test_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct test_buf *buf = dmabuf->priv;
	unsigned long npages = vma_pages(vma);
	int ret;

	if (vma->vm_pgoff > buf->npages || npages > buf->npages - vma->vm_pgoff)
		return -EINVAL;
	/* The pages may be moving. */
	dma_resv_lock(dmabuf->resv, NULL);
	ret = vm_insert_pages(vma, vma->vm_start, buf->pages + vma->vm_pgoff,
			      &npages);
	dma_resv_unlock(dmabuf->resv);
	return ret;
}

/* Called with the reservation lock held; a vmap keeps the buffer in place. */
static int test_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct test_buf *buf = dmabuf->priv;
	void *vaddr;

	vaddr = vmap(buf->pages, buf->npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	buf->vmaps++;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void test_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct test_buf *buf = dmabuf->priv;

	vunmap(map->vaddr);
	buf->vmaps--;
}

static void test_release(struct dma_buf *dmabuf)
{
	struct test_buf *buf = dmabuf->priv;

	test_free_pages(buf->pages, buf->npages);
	pci_dev_put(buf->p2p_provider);
	kfree(buf);
}

static const struct dma_buf_ops test_ops = {
	.get_mapping_offers = test_get_mapping_offers,
	.pin = test_pin,
	.unpin = test_unpin,
	.mmap = test_mmap,
	.vmap = test_vmap,
	.vunmap = test_vunmap,
	.release = test_release,
};

/* DMA_BUF_TEST_EXPORT_NO_MMAP: importers see an exporter without mmap. */
static const struct dma_buf_ops test_ops_no_mmap = {
	.get_mapping_offers = test_get_mapping_offers,
	.pin = test_pin,
	.unpin = test_unpin,
	.vmap = test_vmap,
	.vunmap = test_vunmap,
	.release = test_release,
};

static bool is_test_buf(const struct dma_buf *dmabuf)
{
	return dmabuf->ops == &test_ops || dmabuf->ops == &test_ops_no_mmap;
}

static void test_fill(struct test_buf *buf, u32 seed)
{
	const unsigned long words = PAGE_SIZE / sizeof(u32);
	unsigned long i, w;

	for (i = 0; i < buf->npages; i++) {
		u32 *p = kmap_local_page(buf->pages[i]);

		for (w = 0; w < words; w++)
			p[w] = dma_buf_test_pattern(seed, i * words + w);
		kunmap_local(p);
	}
}

static int test_lookup_provider(u32 id, struct pci_dev **pdev)
{
	if (!IS_ENABLED(CONFIG_PCI))
		return -EOPNOTSUPP;
	*pdev = pci_get_domain_bus_and_slot(id >> 16, (id >> 8) & 0xff,
					    id & 0xff);
	return *pdev ? 0 : -ENODEV;
}

static int test_ioctl_export(void __user *uarg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dma_buf_test_export args;
	struct dma_buf *dmabuf;
	struct test_buf *buf;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (!args.size || args.size > TEST_MAX_SIZE ||
	    !PAGE_ALIGNED(args.size) || args.pad || !args.offers ||
	    (args.offers & ~DMA_BUF_TEST_OFFER_ALL) ||
	    (args.flags & ~DMA_BUF_TEST_EXPORT_ALL) ||
	    ((args.flags & DMA_BUF_TEST_EXPORT_ODD_SIZE) &&
	     (args.offers & DMA_BUF_TEST_OFFER_PAL)))
		return -EINVAL;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	buf->offers = args.offers;
	buf->above_4g = args.flags & DMA_BUF_TEST_EXPORT_ABOVE_4G;
	buf->npages = args.size >> PAGE_SHIFT;
	if (args.offers & DMA_BUF_TEST_OFFER_SGT_P2P) {
		ret = test_lookup_provider(args.p2p_provider,
					   &buf->p2p_provider);
		if (ret)
			goto err_buf;
	}
	buf->pages = test_alloc_pages(buf->npages, buf->above_4g);
	if (IS_ERR(buf->pages)) {
		ret = PTR_ERR(buf->pages);
		goto err_provider;
	}
	test_fill(buf, args.seed);

	exp_info.ops = args.flags & DMA_BUF_TEST_EXPORT_NO_MMAP ?
		       &test_ops_no_mmap : &test_ops;
	exp_info.size = args.size;
	if (args.flags & DMA_BUF_TEST_EXPORT_ODD_SIZE)
		exp_info.size -= DMA_BUF_TEST_ODD_SIZE_SHORT;
	exp_info.flags = O_RDWR | O_CLOEXEC;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_pages;
	}
	/* From here the buffer is freed by test_release(). */

	ret = dma_buf_fd(dmabuf, O_CLOEXEC);
	if (ret < 0) {
		dma_buf_put(dmabuf);
		return ret;
	}
	args.fd = ret;
	if (copy_to_user(uarg, &args, sizeof(args))) {
		/* The fd is installed; userspace owns it and may close it. */
		return -EFAULT;
	}
	return 0;

err_pages:
	test_free_pages(buf->pages, buf->npages);
err_provider:
	pci_dev_put(buf->p2p_provider);
err_buf:
	kfree(buf);
	return ret;
}

static int test_ioctl_move(void __user *uarg)
{
	struct dma_buf_test_move args;
	struct page **pages, **old;
	struct dma_buf *dmabuf;
	struct test_buf *buf;
	unsigned long i;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.pad)
		return -EINVAL;
	dmabuf = dma_buf_get(args.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	if (!is_test_buf(dmabuf)) {
		ret = -EINVAL;
		goto out_put;
	}
	buf = dmabuf->priv;

	pages = test_alloc_pages(buf->npages, buf->above_4g);
	if (IS_ERR(pages)) {
		ret = PTR_ERR(pages);
		goto out_put;
	}
	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		goto out_free;
	if (buf->pins || buf->vmaps) {
		dma_resv_unlock(dmabuf->resv);
		ret = -EBUSY;
		goto out_free;
	}
	for (i = 0; i < buf->npages; i++)
		copy_highpage(pages[i], buf->pages[i]);
	old = buf->pages;
	buf->pages = pages;
	/*
	 * Importers drop their mappings of the old pages here, or fence the
	 * reads they still make: the old pages stay until those fences
	 * signal. Waited for without the lock (the importers may need it to
	 * unmap) and uninterruptibly (freeing them early is not an option).
	 */
	dma_buf_invalidate_mappings(dmabuf);
	dma_resv_unlock(dmabuf->resv);
	dma_resv_wait_timeout(dmabuf->resv, DMA_RESV_USAGE_BOOKKEEP, false,
			      MAX_SCHEDULE_TIMEOUT);

	/* An importer that kept a stale mapping would read this. */
	for (i = 0; i < buf->npages; i++)
		memset_page(old[i], 0, 0x5a, PAGE_SIZE);
	pages = old;
	ret = 0;
out_free:
	test_free_pages(pages, buf->npages);
out_put:
	dma_buf_put(dmabuf);
	return ret;
}

/* Importer side. */

struct test_file {
	struct mutex lock;	/* serialises the ioctls of one open file */
	struct xarray imports;
};

struct test_import {
	struct test_edu *edu;	/* holds a reference to its PCI device */
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	/* The mapping, of the negotiated type; under the reservation lock. */
	struct sg_table *sgt;
	const struct dma_buf_phys_list *pal;
	unsigned int maps;
	unsigned int moves;
	u64 checksum;		/* of the last read */
	/* DMA_BUF_TEST_IMPORT_UNMAP_LATE: a mapping kept across a move */
	bool unmap_late;
	struct test_late_unmap {
		struct delayed_work work;
		struct dma_fence *fence;	/* on the buffer until then */
		struct sg_table *sgt;
		const struct dma_buf_phys_list *pal;
		u64 want;		/* what the last read before the move saw */
		unsigned int unmaps;	/* under the reservation lock */
		unsigned int changed;	/* under the reservation lock */
	} late;
};

static void test_import_unmap(struct test_import *imp)
{
	if (imp->sgt) {
		dma_buf_unmap_attachment(imp->attach, imp->sgt,
					 DMA_BIDIRECTIONAL);
		imp->sgt = NULL;
	}
	if (imp->pal) {
		dma_buf_unmap_pal(imp->attach, imp->pal);
		imp->pal = NULL;
	}
}

static int test_import_map(struct test_import *imp)
{
	const struct dma_buf_phys_list *pal;
	struct sg_table *sgt;

	if (imp->sgt || imp->pal)
		return 0;
	if (imp->attach->mapping_type == &dma_buf_mapping_pal) {
		pal = dma_buf_map_pal(imp->attach);
		if (IS_ERR(pal))
			return PTR_ERR(pal);
		imp->pal = pal;
	} else {
		sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt))
			return PTR_ERR(sgt);
		imp->sgt = sgt;
	}
	imp->maps++;
	return 0;
}

static void test_late_unmap_work(struct work_struct *work);

static const char *test_late_fence_name(struct dma_fence *fence)
{
	return "dma-buf-test-late-unmap";
}

static const struct dma_fence_ops test_late_fence_ops = {
	.get_driver_name = test_late_fence_name,
	.get_timeline_name = test_late_fence_name,
};

/* Not the import's: a signalled fence may outlive it on the buffer. */
static DEFINE_SPINLOCK(test_late_fence_lock);

/*
 * DMA_BUF_TEST_IMPORT_UNMAP_LATE: keep the mapping of the old location
 * and fence it, as a device still reading would. False when that cannot
 * be done (no mapping, one still kept, no memory for the fence): the
 * caller then drops the mapping at once.
 */
static bool test_import_keep_late(struct test_import *imp)
{
	struct test_late_unmap *late = &imp->late;
	struct dma_fence *fence;

	if (!imp->unmap_late || late->fence || (!imp->sgt && !imp->pal))
		return false;
	fence = kzalloc(sizeof(*fence), GFP_KERNEL);
	if (!fence)
		return false;
	if (dma_resv_reserve_fences(imp->dmabuf->resv, 1)) {
		kfree(fence);
		return false;
	}
	dma_fence_init(fence, &test_late_fence_ops, &test_late_fence_lock,
		       dma_fence_context_alloc(1), 1);
	dma_resv_add_fence(imp->dmabuf->resv, fence, DMA_RESV_USAGE_BOOKKEEP);
	late->fence = fence;
	late->sgt = imp->sgt;
	late->pal = imp->pal;
	late->want = imp->checksum;
	imp->sgt = NULL;
	imp->pal = NULL;
	schedule_delayed_work(&late->work, msecs_to_jiffies(200));
	return true;
}

/* Called by the exporter with the reservation lock held. */
static void test_invalidate(struct dma_buf_attachment *attach)
{
	struct test_import *imp = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (!test_import_keep_late(imp))
		test_import_unmap(imp);
	imp->moves++;
}

static const struct dma_buf_attach_ops test_importer_ops = {
	.invalidate_mappings = test_invalidate,
};

static void test_import_free(struct test_import *imp)
{
	/*
	 * No mapping is kept across a move from here on (a MOVE of another
	 * file may still notify), and the one kept already is read and
	 * dropped now.
	 */
	dma_resv_lock(imp->dmabuf->resv, NULL);
	imp->unmap_late = false;
	dma_resv_unlock(imp->dmabuf->resv);
	flush_delayed_work(&imp->late.work);
	dma_resv_lock(imp->dmabuf->resv, NULL);
	test_import_unmap(imp);
	dma_resv_unlock(imp->dmabuf->resv);
	dma_buf_detach(imp->dmabuf, imp->attach);
	dma_buf_put(imp->dmabuf);
	pci_dev_put(imp->edu->pdev);
	kfree(imp);
}

static struct test_edu *test_edu_get(u32 index)
{
	struct test_edu *edu = NULL;

	mutex_lock(&test_edus_lock);
	if (index < test_nedus && !READ_ONCE(test_edus[index]->gone)) {
		edu = test_edus[index];
		pci_dev_get(edu->pdev);
	}
	mutex_unlock(&test_edus_lock);
	return edu;
}

/* The device's IOMMU domain if it translates, NULL for none or identity. */
static struct iommu_domain *test_edu_domain(struct test_edu *edu)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(&edu->pdev->dev);

	return dom && (dom->type & __IOMMU_DOMAIN_PAGING) ? dom : NULL;
}

static int test_ioctl_info(void __user *uarg)
{
	struct dma_buf_test_info args;
	struct test_edu *edu;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	edu = test_edu_get(args.device);
	if (!edu)
		return -ENODEV;
	args.dma_bits = edu->dma_bits;
	args.iommu = !!test_edu_domain(edu);
	args.pad = 0;
	strscpy_pad(args.name, dev_name(&edu->pdev->dev));
	pci_dev_put(edu->pdev);
	return copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
}

static int test_ioctl_import(struct test_file *tf, void __user *uarg)
{
	struct dma_buf_mapping_request requests[3];
	struct dma_buf_test_import args;
	struct test_import *imp;
	struct test_edu *edu;
	struct device *dev;
	unsigned int n = 0;
	u32 id;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (!args.requests || (args.requests & ~DMA_BUF_TEST_REQUEST_ALL) ||
	    (args.flags & ~DMA_BUF_TEST_IMPORT_ALL) || args.pad)
		return -EINVAL;
	/* What dma_buf_attach() requests; no callback to unmap late in. */
	if ((args.flags & DMA_BUF_TEST_IMPORT_STATIC) &&
	    (args.requests != DMA_BUF_TEST_REQUEST_SGT ||
	     (args.flags & DMA_BUF_TEST_IMPORT_UNMAP_LATE)))
		return -EINVAL;
	edu = test_edu_get(args.device);
	if (!edu)
		return -ENODEV;
	dev = &edu->pdev->dev;
	if (args.requests & DMA_BUF_TEST_REQUEST_PAL)
		requests[n++] = DMA_BUF_PAL_REQUEST(dev, false);
	if (args.requests & DMA_BUF_TEST_REQUEST_SGT_P2P)
		requests[n++] = DMA_BUF_SGT_REQUEST(dev, true);
	if (args.requests & DMA_BUF_TEST_REQUEST_SGT)
		requests[n++] = DMA_BUF_SGT_REQUEST(dev, false);

	imp = kzalloc(sizeof(*imp), GFP_KERNEL);
	if (!imp) {
		pci_dev_put(edu->pdev);
		return -ENOMEM;
	}
	imp->edu = edu;
	imp->unmap_late = args.flags & DMA_BUF_TEST_IMPORT_UNMAP_LATE;
	INIT_DELAYED_WORK(&imp->late.work, test_late_unmap_work);
	imp->dmabuf = dma_buf_get(args.fd);
	if (IS_ERR(imp->dmabuf)) {
		ret = PTR_ERR(imp->dmabuf);
		goto err_free;
	}
	/* Other exporters may wait for fences under the lock the worker takes. */
	if (imp->unmap_late && !is_test_buf(imp->dmabuf)) {
		ret = -EINVAL;
		goto err_put;
	}
	if (args.flags & DMA_BUF_TEST_IMPORT_STATIC)
		imp->attach = dma_buf_attach(imp->dmabuf, dev);
	else
		imp->attach = dma_buf_mapping_attach(imp->dmabuf, dev, requests, n,
						     &test_importer_ops, imp);
	if (IS_ERR(imp->attach)) {
		ret = PTR_ERR(imp->attach);
		goto err_put;
	}
	ret = xa_alloc(&tf->imports, &id, imp, xa_limit_31b, GFP_KERNEL);
	if (ret)
		goto err_detach;
	args.handle = id;
	if (copy_to_user(uarg, &args, sizeof(args))) {
		xa_erase(&tf->imports, id);
		ret = -EFAULT;
		goto err_detach;
	}
	return 0;

err_detach:
	dma_buf_detach(imp->dmabuf, imp->attach);
err_put:
	dma_buf_put(imp->dmabuf);
err_free:
	pci_dev_put(edu->pdev);
	kfree(imp);
	return ret;
}

/*
 * What the device reaches at bus address @dma: the address cut to its DMA
 * mask (QEMU's edu drops the upper bits), then its IOMMU's translation or
 * dma_to_phys(). -EFAULT where the IOMMU has no mapping.
 */
static int test_edu_phys(struct test_edu *edu, dma_addr_t dma,
			 phys_addr_t *phys)
{
	struct iommu_domain *dom = test_edu_domain(edu);

	dma &= DMA_BIT_MASK(edu->dma_bits);
	if (dom) {
		*phys = iommu_iova_to_phys(dom, dma);
		return *phys ? 0 : -EFAULT;
	}
	*phys = dma_to_phys(&edu->pdev->dev, dma);
	return 0;
}

/*
 * Hash @len bytes at bus address @dma as the device sees them into @hash,
 * and copy them to @copy if it is not NULL.
 */
static int test_edu_view(struct test_edu *edu, dma_addr_t dma, size_t len,
			 u64 *hash, u8 *copy)
{
	while (len) {
		unsigned int off = offset_in_page(dma);
		unsigned int chunk = min_t(size_t, len, PAGE_SIZE - off);
		phys_addr_t phys;
		const u8 *p;
		unsigned int b;
		int ret;

		ret = test_edu_phys(edu, dma, &phys);
		if (ret)
			return ret;
		/* The test device reads only RAM. */
		if (!pfn_valid(PHYS_PFN(phys)))
			return -EREMOTEIO;
		p = kmap_local_pfn(PHYS_PFN(phys));
		p += offset_in_page(phys);
		for (b = 0; b < chunk; b++)
			*hash = (*hash ^ p[b]) * FNV64_PRIME;
		if (copy) {
			memcpy(copy, p, chunk);
			copy += chunk;
		}
		kunmap_local(p);
		dma += chunk;
		len -= chunk;
	}
	return 0;
}

/* One transfer of the engine; 0 once it is done. */
static int test_edu_transfer(struct test_edu *edu, u64 src, u64 dst, u32 len,
			     u32 cmd)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(EDU_DMA_TIMEOUT_MS);

	lockdep_assert_held(&edu->lock);
	writeq(src, edu->regs + EDU_REG_DMA_SRC);
	writeq(dst, edu->regs + EDU_REG_DMA_DST);
	writeq(len, edu->regs + EDU_REG_DMA_COUNT);
	writeq(cmd | EDU_DMA_RUN, edu->regs + EDU_REG_DMA_CMD);
	while (readq(edu->regs + EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		msleep(20);
	}
	return 0;
}

/*
 * The device reads @len (at most EDU_DMA_MAX) bytes at @dma by DMA into its
 * buffer and writes them back into ours; they must be what the CPU sees
 * there through the same translation. The device goes first, so that a
 * bad address faults in the IOMMU (and is reported) before the CPU's
 * view refuses it.
 */
static int test_edu_dma_check(struct test_edu *edu, dma_addr_t dma, size_t len)
{
	u64 unused = FNV64_OFFSET;
	u8 *view;
	int ret;

	view = kmalloc(len, GFP_KERNEL);
	if (!view)
		return -ENOMEM;
	mutex_lock(&edu->lock);
	if (edu->gone) {
		ret = -ENODEV;
		goto out_unlock;
	}
	memset(edu->buf, 0, len);
	ret = test_edu_transfer(edu, dma, EDU_DMA_BUF, len, 0);
	if (!ret)
		ret = test_edu_transfer(edu, EDU_DMA_BUF, edu->buf_dma, len,
					EDU_DMA_TO_PCI);
	if (!ret)
		ret = test_edu_view(edu, dma, len, &unused, view);
	if (!ret && memcmp(edu->buf, view, len)) {
		dev_err(&edu->pdev->dev,
			"DMA read at %pad differs from the mapping's memory\n",
			&dma);
		ret = -EIO;
	}
out_unlock:
	mutex_unlock(&edu->lock);
	kfree(view);
	return ret;
}

/*
 * One segment of the mapping at bus address @dma: the device DMAs the
 * start of the first segment itself when asked, then its bytes go into
 * the hash as the device sees them.
 */
static int test_read_segment(struct test_edu *edu, struct dma_buf_test_read *args,
			     dma_addr_t dma, size_t len, u64 *hash)
{
	int ret;

	if (!args->segments && (args->flags & DMA_BUF_TEST_READ_DMA)) {
		ret = test_edu_dma_check(edu, dma, min_t(size_t, len, EDU_DMA_MAX));
		if (ret)
			return ret;
		args->dma_bytes = min_t(size_t, len, EDU_DMA_MAX);
	}
	ret = test_edu_view(edu, dma, len, hash, NULL);
	if (ret)
		return ret;
	args->bytes += len;
	args->segments++;
	cond_resched();
	return 0;
}

/*
 * Read the mapping like the device: at the addresses it was given, the
 * DMA addresses of an SGT or the physical ranges of a PAL (its DMA
 * addresses by the PAL trust rule). With DMA_BUF_TEST_READ_DMA the device
 * also reads the first and the last 2 KiB itself.
 */
static int test_read_mapping(struct test_edu *edu, struct sg_table *sgt,
			     const struct dma_buf_phys_list *pal,
			     struct dma_buf_test_read *args)
{
	u64 hash = FNV64_OFFSET;
	dma_addr_t last = 0;
	size_t last_len = 0;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	if (pal) {
		for (i = 0; i < pal->nr_ranges; i++) {
			last = pal->ranges[i].paddr;
			last_len = pal->ranges[i].len;
			ret = test_read_segment(edu, args, last, last_len, &hash);
			if (ret)
				return ret;
		}
	} else {
		for_each_sgtable_dma_sg(sgt, sg, i) {
			last = sg_dma_address(sg);
			last_len = sg_dma_len(sg);
			ret = test_read_segment(edu, args, last, last_len, &hash);
			if (ret)
				return ret;
		}
	}
	args->checksum = hash;

	/* The end of the last segment, unless the first check covered it. */
	if (!(args->flags & DMA_BUF_TEST_READ_DMA) || !args->segments ||
	    (args->segments == 1 && last_len <= EDU_DMA_MAX))
		return 0;
	last += last_len - min_t(size_t, last_len, EDU_DMA_MAX);
	last_len = min_t(size_t, last_len, EDU_DMA_MAX);
	ret = test_edu_dma_check(edu, last, last_len);
	if (!ret)
		args->dma_bytes += last_len;
	return ret;
}

/*
 * The late reader of DMA_BUF_TEST_IMPORT_UNMAP_LATE: what a device still
 * reading the old location sees, then the unmap, then the fence that lets
 * the exporter reuse the memory. The reservation lock is taken before the
 * fence signals: the test device's exporter waits for fences without it,
 * and the tests give such a buffer no importer that waits for them under
 * it (TTM-based drivers do).
 */
static void test_late_unmap_work(struct work_struct *work)
{
	struct test_late_unmap *late = container_of(to_delayed_work(work),
						    struct test_late_unmap, work);
	struct test_import *imp = container_of(late, struct test_import, late);
	struct dma_buf_test_read args = {};
	struct dma_fence *fence;
	int ret;

	ret = test_read_mapping(imp->edu, late->sgt, late->pal, &args);

	dma_resv_lock(imp->dmabuf->resv, NULL);
	if (late->sgt)
		dma_buf_unmap_attachment(imp->attach, late->sgt, DMA_BIDIRECTIONAL);
	if (late->pal)
		dma_buf_unmap_pal(imp->attach, late->pal);
	late->sgt = NULL;
	late->pal = NULL;
	late->unmaps++;
	if (ret || args.checksum != late->want)
		late->changed++;
	fence = late->fence;
	late->fence = NULL;
	dma_resv_unlock(imp->dmabuf->resv);

	dma_fence_signal(fence);
	dma_fence_put(fence);
}

static int test_ioctl_read(struct test_file *tf, void __user *uarg)
{
	struct dma_buf_test_read args;
	struct test_import *imp;
	long wait;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~DMA_BUF_TEST_READ_ALL)
		return -EINVAL;
	imp = xa_load(&tf->imports, args.handle);
	if (!imp)
		return -ENOENT;

	ret = dma_resv_lock_interruptible(imp->dmabuf->resv, NULL);
	if (ret)
		return ret;
	ret = test_import_map(imp);
	if (ret)
		goto out_unlock;
	/* A dynamic importer waits for the exporter's moves itself. */
	wait = dma_resv_wait_timeout(imp->dmabuf->resv, DMA_RESV_USAGE_KERNEL,
				     true, MAX_SCHEDULE_TIMEOUT);
	if (wait < 0) {
		ret = wait;
		goto out_unlock;
	}
	args.checksum = 0;
	args.bytes = 0;
	args.segments = 0;
	args.dma_bytes = 0;
	ret = test_read_mapping(imp->edu, imp->sgt, imp->pal, &args);
	if (!ret)
		imp->checksum = args.checksum;
	args.maps = imp->maps;
	args.moves = imp->moves;
	args.late_unmaps = imp->late.unmaps;
	args.late_changed = imp->late.changed;
out_unlock:
	dma_resv_unlock(imp->dmabuf->resv);
	if (!ret && copy_to_user(uarg, &args, sizeof(args)))
		ret = -EFAULT;
	return ret;
}

static int test_ioctl_release(struct test_file *tf, void __user *uarg)
{
	struct test_import *imp;
	u32 handle;

	if (get_user(handle, (u32 __user *)uarg))
		return -EFAULT;
	imp = xa_erase(&tf->imports, handle);
	if (!imp)
		return -ENOENT;
	test_import_free(imp);
	return 0;
}

/* DMA_BUF_TEST_IOCTL_HOLD_RESV: a reservation lock held by a worker. */
static struct workqueue_struct *test_hold_wq;

struct test_hold {
	struct work_struct work;
	struct dma_buf *dmabuf;
	unsigned int ms;
	struct completion *held;	/* the ioctl's, until completed */
};

static void test_hold_work(struct work_struct *work)
{
	struct test_hold *hold = container_of(work, struct test_hold, work);
	struct dma_buf *dmabuf = hold->dmabuf;

	dma_resv_lock(dmabuf->resv, NULL);
	complete(hold->held);
	msleep(hold->ms);
	dma_resv_unlock(dmabuf->resv);
	dma_buf_put(dmabuf);
	kfree(hold);
}

static int test_ioctl_hold_resv(void __user *uarg)
{
	DECLARE_COMPLETION_ONSTACK(held);
	struct dma_buf_test_hold args;
	struct test_hold *hold;
	struct dma_buf *dmabuf;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (!args.ms || args.ms > TEST_MAX_HOLD_MS)
		return -EINVAL;
	dmabuf = dma_buf_get(args.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	hold = kzalloc(sizeof(*hold), GFP_KERNEL);
	if (!hold) {
		dma_buf_put(dmabuf);
		return -ENOMEM;
	}
	INIT_WORK(&hold->work, test_hold_work);
	hold->dmabuf = dmabuf;
	hold->ms = args.ms;
	hold->held = &held;
	queue_work(test_hold_wq, &hold->work);
	/* Uninterruptible: the worker completes @held on this stack. */
	wait_for_completion(&held);
	return 0;
}

static long test_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct test_file *tf = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (cmd) {
	case DMA_BUF_TEST_IOCTL_EXPORT:
		return test_ioctl_export(uarg);
	case DMA_BUF_TEST_IOCTL_MOVE:
		return test_ioctl_move(uarg);
	case DMA_BUF_TEST_IOCTL_INFO:
		return test_ioctl_info(uarg);
	case DMA_BUF_TEST_IOCTL_HOLD_RESV:
		return test_ioctl_hold_resv(uarg);
	case DMA_BUF_TEST_IOCTL_IMPORT:
	case DMA_BUF_TEST_IOCTL_READ:
	case DMA_BUF_TEST_IOCTL_RELEASE:
		break;
	default:
		return -ENOTTY;
	}

	mutex_lock(&tf->lock);
	if (cmd == DMA_BUF_TEST_IOCTL_IMPORT)
		ret = test_ioctl_import(tf, uarg);
	else if (cmd == DMA_BUF_TEST_IOCTL_READ)
		ret = test_ioctl_read(tf, uarg);
	else
		ret = test_ioctl_release(tf, uarg);
	mutex_unlock(&tf->lock);
	return ret;
}

static int test_open(struct inode *inode, struct file *file)
{
	struct test_file *tf;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	if (!tf)
		return -ENOMEM;
	mutex_init(&tf->lock);
	xa_init_flags(&tf->imports, XA_FLAGS_ALLOC);
	file->private_data = tf;
	return 0;
}

static int test_release_file(struct inode *inode, struct file *file)
{
	struct test_file *tf = file->private_data;
	struct test_import *imp;
	unsigned long id;

	xa_for_each(&tf->imports, id, imp)
		test_import_free(imp);
	xa_destroy(&tf->imports);
	mutex_destroy(&tf->lock);
	kfree(tf);
	return 0;
}

static const struct file_operations test_fops = {
	.owner = THIS_MODULE,
	.open = test_open,
	.release = test_release_file,
	.unlocked_ioctl = test_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice test_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dma-buf-test",
	.fops = &test_fops,
	.mode = 0600,
};

static int test_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct test_edu *edu;
	int ret;

	mutex_lock(&test_edus_lock);
	if (test_nedus == TEST_MAX_EDUS) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	edu->pdev = pdev;
	mutex_init(&edu->lock);
	edu->dma_bits = test_nedus < edu_dma_bits_n ?
			edu_dma_bits[test_nedus] : EDU_DEFAULT_DMA_BITS;
	ret = -EINVAL;
	if (edu->dma_bits < 12 || edu->dma_bits > 64)
		goto err_free;
	ret = pcim_enable_device(pdev);
	if (ret)
		goto err_free;
	edu->regs = pcim_iomap_region(pdev, 0, "dma-buf-test");
	if (IS_ERR(edu->regs)) {
		ret = PTR_ERR(edu->regs);
		goto err_free;
	}
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(edu->dma_bits));
	if (ret)
		goto err_free;
	/*
	 * Reads take segments of any length (the CPU reads them, the engine
	 * 2 KiB of them): no segment limit, so that exporters' long segments
	 * and the adapter's cut at dma_max_mapping_size() (bounce slots) are
	 * what the device sees, not PCI's 64 KiB default.
	 */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	edu->buf = dma_alloc_coherent(&pdev->dev, EDU_DMA_BUF_SIZE,
				      &edu->buf_dma, GFP_KERNEL);
	if (!edu->buf) {
		ret = -ENOMEM;
		goto err_free;
	}
	pci_set_drvdata(pdev, edu);
	test_edus[test_nedus++] = edu;
	mutex_unlock(&test_edus_lock);
	dev_info(&pdev->dev, "dma-buf test importer %u, %u-bit DMA%s\n",
		 test_nedus - 1, edu->dma_bits,
		 test_edu_domain(edu) ? ", IOMMU" : "");
	return 0;

err_free:
	mutex_destroy(&edu->lock);
	kfree(edu);
out_unlock:
	mutex_unlock(&test_edus_lock);
	return ret;
}

/* Imports keep their attachments; they fail to read from now on. */
static void test_edu_remove(struct pci_dev *pdev)
{
	struct test_edu *edu = pci_get_drvdata(pdev);

	mutex_lock(&edu->lock);
	WRITE_ONCE(edu->gone, true);
	dma_free_coherent(&pdev->dev, EDU_DMA_BUF_SIZE, edu->buf, edu->buf_dma);
	edu->buf = NULL;
	mutex_unlock(&edu->lock);
}

static const struct pci_device_id test_edu_ids[] = {
	{ PCI_DEVICE(EDU_PCI_VENDOR, EDU_PCI_DEVICE) },
	{}
};
MODULE_DEVICE_TABLE(pci, test_edu_ids);

static struct pci_driver test_edu_driver = {
	.name = "dma-buf-test",
	.id_table = test_edu_ids,
	.probe = test_edu_probe,
	.remove = test_edu_remove,
};

static int __init test_device_init(void)
{
	int ret;

	test_hold_wq = alloc_workqueue("dma-buf-test-hold", WQ_UNBOUND, 0);
	if (!test_hold_wq)
		return -ENOMEM;
	ret = pci_register_driver(&test_edu_driver);
	if (ret)
		goto err_wq;
	ret = misc_register(&test_misc);
	if (ret)
		goto err_pci;
	return 0;

err_pci:
	pci_unregister_driver(&test_edu_driver);
err_wq:
	destroy_workqueue(test_hold_wq);
	return ret;
}

static void __exit test_device_exit(void)
{
	unsigned int i;

	misc_deregister(&test_misc);
	/* Waits for the reservation locks still held. */
	destroy_workqueue(test_hold_wq);
	pci_unregister_driver(&test_edu_driver);
	for (i = 0; i < test_nedus; i++) {
		mutex_destroy(&test_edus[i]->lock);
		kfree(test_edus[i]);
	}
}

module_init(test_device_init);
module_exit(test_device_exit);

MODULE_DESCRIPTION("dma-buf test device for typed mappings (test kernels only)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
