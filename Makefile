# SPDX-License-Identifier: GPL-2.0
# Typed dma-buf mappings for Linux 6.12: project entry points.
# See README.md; the work is done by the scripts in harness/.

H := harness
SHELL := /bin/bash

.PHONY: all demo check setup assemble export discard apply overlay-check \
	kernel kernel-debug kunit igt igt-patch bench compile-check sweep series hw-kit vm vm-debug clients coverage \
	clean distclean help

# `make`: set up, build, boot the patched kernel and print the
# cross-driver PRIME table.
all: demo

demo: setup assemble kernel
	@bash $(H)/vm.sh guest prime_cross_driver kms_prime_scanout >/dev/null || \
		echo "==> [demo] some cells failed; see build/results/igt-guest/ and build/logs/vm-guest.log"
	@echo
	@echo "Cross-driver PRIME sharing on the patched kernel (build/results/igt-guest/):"
	@bash $(H)/table.sh build/results/igt-guest

# `make check`: every test tier; ends with "N passed, N failed".
check:
	@bash $(H)/check.sh

setup:
	@bash $(H)/setup.sh

assemble: setup
	@bash $(H)/overlay.sh assemble

export:
	@bash $(H)/overlay.sh export

discard:
	@bash $(H)/overlay.sh discard

apply:
	@bash $(H)/overlay.sh apply "$(KSRC)"

overlay-check: assemble
	@bash $(H)/overlay.sh check

kernel: assemble
	@bash $(H)/build-kernel.sh guest

kernel-debug: assemble
	@bash $(H)/build-kernel.sh debug

kunit: assemble
	@bash $(H)/kunit.sh

# igt-tests/ as a git-am-able patch series against IGT (build/igt-patch/):
# the IGT snapshot in ../shared/igt/, or IGT_SRC=/path/to/igt-gpu-tools.
igt-patch: setup
	@bash $(H)/igt.sh patch

# That series applied with git am, built, and staged for the VM (build/igt/).
igt: setup
	@bash $(H)/igt.sh build

# Benchmarks, ours against the unmodified base: reported as ratios, never
# asserted (harness/bench.sh: both kernels under QEMU instruction
# counting; BENCH_RUNS=2 by default).
bench: assemble
	@bash $(H)/bench.sh

compile-check: kernel-debug
	@bash $(H)/compile-tier.sh

# W=1 + sparse on the overlay's objects in a driver module
# (harness/configs/module-NAME.config), and the module built and linked
# where its fragment says ("# link: check"): `make module-xe`.
# `make module-xe LINK=1` builds and links it whatever the fragment says.
module-%: kernel-debug
	@bash $(H)/compile-tier.sh module $* $(if $(LINK),link)

# Every x86_64 driver directory using a changed PRIME helper or
# dma_buf_ops member (allmodconfig), amdgpu.ko and xe.ko linked, and more
# (harness/sweep.sh; slow, not part of `make check`).
sweep: kernel-debug
	@bash $(H)/sweep.sh

# Which of the lines and branches the overlay writes any test reaches:
# gcov from the KUnit suites (UML; amdgpu's on x86_64 under QEMU) and the
# VM tests on a gcov guest kernel, report in build/results/coverage/
# (harness/coverage.sh, docs/coverage.md; make sweep runs it).
coverage: assemble
	@bash $(H)/coverage.sh

# The overlay as a git-am-able series with a cover letter, in
# build/series/ (series/series.txt; SIGNOFF="Name <mail>" signs it off).
series: assemble
	@bash $(H)/series.sh

# The hardware test kit: series, kernel recipe, static tests and
# run-tests.sh in one tarball, build/hw-kit/ (hw-kit/README.md).
hw-kit: assemble
	@bash $(H)/hw-kit.sh

vm: kernel
	@bash $(H)/vm.sh guest $(TESTS)

vm-debug: kernel-debug
	@bash $(H)/vm.sh debug $(TESTS)

# Debian's Mesa importing foreign buffers in the debug guest
# (harness/clients.sh; VM_TOPOLOGY=direct|iommu|bounce).
clients: kernel-debug
	@bash $(H)/clients.sh debug

# Build products only; the assembled tree keeps unexported edits safe
# (`make discard` drops them, distclean removes the tree after checking).
clean:
	rm -rf build/kernel-* build/kunit-* build/compile-* build/config-* build/igt \
		build/igt-* build/initramfs-* build/logs build/series* build/hw-kit build/results \
		build/coverage

distclean:
	@bash $(H)/overlay.sh guard
	rm -rf build

help:
	@sed -n '/^## /,$$p' README.md | sed -n '1,40p'
