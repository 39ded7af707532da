/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef __AMDGPU_DMA_BUF_TEST_H__
#define __AMDGPU_DMA_BUF_TEST_H__

struct kunit_suite;

/* In amdgpu.ko (tests/amdgpu_dma_buf_test.c); registered by amdgpu_test.ko. */
extern struct kunit_suite amdgpu_dma_buf_suite;

#endif
