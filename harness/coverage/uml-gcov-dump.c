// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into the UML KUnit kernels of make coverage (harness/coverage.sh),
 * never into a kernel that is run otherwise.
 *
 * gcc registers each instrumented object's counters from a constructor and
 * writes them from a destructor of priority 100, which goes to section
 * .fini_array.00100. UML's linker script (arch/um/include/asm/common.lds.S)
 * puts only .fini_array into the array the C library runs at exit, so those
 * destructors never run and a UML kernel writes no .gcda file. This
 * destructor, in .fini_array proper, writes them all.
 */
extern void __gcov_dump(void);

static void __attribute__((destructor)) uml_gcov_dump(void)
{
	__gcov_dump();
}
