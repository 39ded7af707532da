// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dma-buf test device: a misc device for test kernels that drives the
 * typed-mapping paths from userspace.
 *
 * As an importer it attaches to any dma-buf with dma_buf_mapping_attach()
 * as a dynamic importer and reads the buffer through the negotiated
 * mapping: the CPU reads the memory at the physical addresses behind the
 * mapping's DMA addresses (SGT) or at the list's ranges (PAL), the way a
 * device would, not through the exporter's vmap or mmap. It may request
 * PAL: it is a platform device without IOMMU, so its DMA addresses are
 * physical addresses (the trust rule of the PAL type). As an exporter it makes buffers that offer a
 * chosen list of mapping types (or none: a legacy exporter), and moves
 * them on request so that move_notify runs. Its buffers can be mapped by
 * the CPU (mmap of the dma-buf), so that the tests can write and check
 * them.
 *
 * The interface is in dma-buf-test-device.h; it is not a stable uAPI.
 */

#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "dma-buf-test-device.h"

#define TEST_MAX_SIZE	(64ULL << 20)
#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL

/* The device the test importer attaches with, and maps for. */
static struct platform_device *test_pdev;

/* Exporter side. */

struct test_buf {
	struct page **pages;
	unsigned long npages;
	u32 offers;
	struct pci_dev *p2p_provider;
	unsigned int pins;	/* under the reservation lock */
	unsigned int vmaps;	/* under the reservation lock */
};

static struct page **test_alloc_pages(unsigned long npages)
{
	struct page **pages;
	unsigned long i;

	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (i = 0; i < npages; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			goto err;
	}
	return pages;
err:
	while (i--)
		__free_page(pages[i]);
	kvfree(pages);
	return NULL;
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
	ret = sg_alloc_table_from_pages(sgt, buf->pages, buf->npages, 0,
					buf->npages << PAGE_SHIFT, GFP_KERNEL);
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

static const struct dma_buf_sgt_exp_ops test_sgt_ops = {
	.map = test_map,
	.unmap = test_unmap,
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
	pal->ranges[0].base = page_to_phys(buf->pages[0]);
	for (i = 0; i < buf->npages; i++) {
		if (i && page_to_pfn(buf->pages[i]) != page_to_pfn(buf->pages[i - 1]) + 1)
			pal->ranges[++n].base = page_to_phys(buf->pages[i]);
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
				   struct dma_buf_mapping_offer *offers,
				   unsigned int max)
{
	struct test_buf *buf = dmabuf->priv;
	unsigned int n = 0;

	if (max < hweight32(buf->offers))
		return -EINVAL;
	if (buf->offers & DMA_BUF_TEST_OFFER_SGT_P2P)
		offers[n++] = DMA_BUF_SGT_P2P_OFFER(&test_sgt_ops,
						    buf->p2p_provider);
	if (buf->offers & DMA_BUF_TEST_OFFER_SGT)
		offers[n++] = DMA_BUF_SGT_OFFER(&test_sgt_ops);
	if (buf->offers & DMA_BUF_TEST_OFFER_PAL)
		offers[n++] = DMA_BUF_PAL_OFFER(&test_pal_ops);
	return n;
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

/* A native exporter: only typed offers, no map_dma_buf. */
static const struct dma_buf_ops test_native_ops = {
	.get_mapping_offers = test_get_mapping_offers,
	.pin = test_pin,
	.unpin = test_unpin,
	.mmap = test_mmap,
	.vmap = test_vmap,
	.vunmap = test_vunmap,
	.release = test_release,
};

/* A legacy exporter: the core offers SGT on its behalf. */
static const struct dma_buf_ops test_legacy_ops = {
	.map_dma_buf = test_map,
	.unmap_dma_buf = test_unmap,
	.pin = test_pin,
	.unpin = test_unpin,
	.mmap = test_mmap,
	.vmap = test_vmap,
	.vunmap = test_vunmap,
	.release = test_release,
};

static bool is_test_buf(const struct dma_buf *dmabuf)
{
	return dmabuf->ops == &test_native_ops ||
	       dmabuf->ops == &test_legacy_ops;
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
	    !PAGE_ALIGNED(args.size) || args.pad ||
	    (args.offers & ~DMA_BUF_TEST_OFFER_ALL))
		return -EINVAL;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	buf->offers = args.offers;
	buf->npages = args.size >> PAGE_SHIFT;
	if (args.offers & DMA_BUF_TEST_OFFER_SGT_P2P) {
		ret = test_lookup_provider(args.p2p_provider,
					   &buf->p2p_provider);
		if (ret)
			goto err_buf;
	}
	buf->pages = test_alloc_pages(buf->npages);
	if (!buf->pages) {
		ret = -ENOMEM;
		goto err_provider;
	}
	test_fill(buf, args.seed);

	exp_info.ops = args.offers ? &test_native_ops : &test_legacy_ops;
	exp_info.size = args.size;
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

	pages = test_alloc_pages(buf->npages);
	if (!pages) {
		ret = -ENOMEM;
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
	/* Importers drop their mappings of the old pages here. */
	dma_buf_move_notify(dmabuf);
	dma_resv_unlock(dmabuf->resv);

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
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	/* The mapping, of the negotiated type; under the reservation lock. */
	struct sg_table *sgt;
	struct dma_buf_phys_list *pal;
	unsigned int maps;
	unsigned int moves;
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
	struct dma_buf_phys_list *pal;
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

/* Called by the exporter with the reservation lock held. */
static void test_move_notify(struct dma_buf_attachment *attach)
{
	struct test_import *imp = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	test_import_unmap(imp);
	imp->moves++;
}

static const struct dma_buf_attach_ops test_importer_ops = {
	.move_notify = test_move_notify,
};

static void test_import_free(struct test_import *imp)
{
	dma_resv_lock(imp->dmabuf->resv, NULL);
	test_import_unmap(imp);
	dma_resv_unlock(imp->dmabuf->resv);
	dma_buf_detach(imp->dmabuf, imp->attach);
	dma_buf_put(imp->dmabuf);
	kfree(imp);
}

static int test_ioctl_import(struct test_file *tf, void __user *uarg)
{
	struct dma_buf_mapping_request requests[3];
	struct device *dev = &test_pdev->dev;
	struct dma_buf_test_import args;
	struct test_import *imp;
	unsigned int n = 0;
	u32 id;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (!args.requests || (args.requests & ~DMA_BUF_TEST_REQUEST_ALL) ||
	    args.pad)
		return -EINVAL;
	if (args.requests & DMA_BUF_TEST_REQUEST_PAL)
		requests[n++] = DMA_BUF_PAL_REQUEST(dev, false);
	if (args.requests & DMA_BUF_TEST_REQUEST_SGT_P2P)
		requests[n++] = DMA_BUF_SGT_REQUEST(dev, true);
	if (args.requests & DMA_BUF_TEST_REQUEST_SGT)
		requests[n++] = DMA_BUF_SGT_REQUEST(dev, false);

	imp = kzalloc(sizeof(*imp), GFP_KERNEL);
	if (!imp)
		return -ENOMEM;
	imp->dmabuf = dma_buf_get(args.fd);
	if (IS_ERR(imp->dmabuf)) {
		ret = PTR_ERR(imp->dmabuf);
		goto err_free;
	}
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
	kfree(imp);
	return ret;
}

/* Hash @len bytes of RAM at @phys into @hash. */
static int test_read_phys(phys_addr_t phys, size_t len, u64 *hash)
{
	while (len) {
		unsigned int off = offset_in_page(phys);
		unsigned int chunk = min_t(size_t, len, PAGE_SIZE - off);
		unsigned long pfn = PHYS_PFN(phys);
		const u8 *p;
		unsigned int b;

		/* The test device reads only RAM. */
		if (!pfn_valid(pfn))
			return -EREMOTEIO;
		p = kmap_local_pfn(pfn);
		for (b = 0; b < chunk; b++)
			*hash = (*hash ^ p[off + b]) * FNV64_PRIME;
		kunmap_local(p);
		phys += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Read the mapping like a device would: at the addresses it was given,
 * the DMA addresses of an SGT or the physical ranges of a PAL.
 */
static int test_read_mapping(struct device *dev, struct test_import *imp,
			     struct dma_buf_test_read *args)
{
	struct scatterlist *sg;
	u64 hash = FNV64_OFFSET;
	unsigned int i;
	int ret;

	if (imp->pal) {
		for (i = 0; i < imp->pal->nr_ranges; i++) {
			const struct dma_buf_phys_range *r = &imp->pal->ranges[i];

			ret = test_read_phys(r->base, r->len, &hash);
			if (ret)
				return ret;
			args->bytes += r->len;
			args->segments++;
			cond_resched();
		}
	} else {
		for_each_sgtable_dma_sg(imp->sgt, sg, i) {
			ret = test_read_phys(dma_to_phys(dev, sg_dma_address(sg)),
					     sg_dma_len(sg), &hash);
			if (ret)
				return ret;
			args->bytes += sg_dma_len(sg);
			args->segments++;
			cond_resched();
		}
	}
	args->checksum = hash;
	return 0;
}

static int test_ioctl_read(struct test_file *tf, void __user *uarg)
{
	struct dma_buf_test_read args;
	struct test_import *imp;
	long wait;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.pad)
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
	ret = test_read_mapping(&test_pdev->dev, imp, &args);
	args.maps = imp->maps;
	args.moves = imp->moves;
	args.pad2 = 0;
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

static int __init test_device_init(void)
{
	int ret;

	test_pdev = platform_device_register_simple("dma-buf-test",
						    PLATFORM_DEVID_NONE,
						    NULL, 0);
	if (IS_ERR(test_pdev))
		return PTR_ERR(test_pdev);
	ret = dma_coerce_mask_and_coherent(&test_pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_pdev;
	/* DMA addresses are read back as physical ones: no IOMMU. */
	if (device_iommu_mapped(&test_pdev->dev)) {
		ret = -EOPNOTSUPP;
		goto err_pdev;
	}
	ret = misc_register(&test_misc);
	if (ret)
		goto err_pdev;
	return 0;

err_pdev:
	platform_device_unregister(test_pdev);
	return ret;
}

static void __exit test_device_exit(void)
{
	misc_deregister(&test_misc);
	platform_device_unregister(test_pdev);
}

module_init(test_device_init);
module_exit(test_device_exit);

MODULE_DESCRIPTION("dma-buf test device for typed mappings (test kernels only)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
