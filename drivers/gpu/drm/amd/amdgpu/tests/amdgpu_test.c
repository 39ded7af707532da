// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * amdgpu's KUnit tests, as a module of their own: the suites' cases are
 * built into amdgpu.ko, next to the internal code they test, and only
 * this module registers them, so that loading amdgpu runs no test.
 */
#include <linux/module.h>
#include <kunit/test.h>

#include "amdgpu_dma_buf_test.h"

kunit_test_suite(amdgpu_dma_buf_suite);

MODULE_LICENSE("GPL and additional rights");
MODULE_DESCRIPTION("amdgpu KUnit tests");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
