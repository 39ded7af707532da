/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XE_DMA_BUF_REAL_TEST_H_
#define _XE_DMA_BUF_REAL_TEST_H_

struct kunit_suite;

/* In xe.ko (tests/xe_dma_buf_real_test.c); registered by xe_test.ko. */
extern struct kunit_suite xe_dma_buf_real_suite;

#endif
