/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the dma-buf KUnit test modules. Not for drivers.
 */
#ifndef __DMA_BUF_KUNIT_H__
#define __DMA_BUF_KUNIT_H__

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/seq_file.h>

#include "dma-buf-internal.h"

/* A KUnit action that drops a test's reference to its buffer. */
static inline void dma_buf_kunit_put(void *dmabuf)
{
	dma_buf_put(dmabuf);
}

/*
 * A KUnit device the PAL trust rule admits: it can address everything
 * and does not bounce, even where swiotlb=force makes every device bounce
 * (the VM's bounce topology).
 */
static inline struct device *
dma_buf_kunit_phys_device(struct kunit *test, const char *name)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	dev->dma_mask = &dev->coherent_dma_mask;
#ifdef CONFIG_SWIOTLB
	dev->dma_io_tlb_mem = NULL;
#endif
	return dev;
}

/* The mapping fields of @attach's bufinfo line must be @want. */
static inline void dma_buf_kunit_expect_bufinfo(struct kunit *test,
						struct dma_buf_attachment *attach,
						const char *want)
{
	char buf[160] = "";
	struct seq_file s = { .buf = buf, .size = sizeof(buf) - 1 };

	dma_resv_lock(attach->dmabuf->resv, NULL);
	dma_buf_mapping_debugfs_show(&s, attach);
	dma_resv_unlock(attach->dmabuf->resv);
	buf[min(s.count, sizeof(buf) - 1)] = '\0';
	KUNIT_EXPECT_STREQ(test, buf, want);
}

#endif /* __DMA_BUF_KUNIT_H__ */
