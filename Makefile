# SPDX-License-Identifier: GPL-2.0
# Typed dma-buf mappings for Linux 6.12: project entry points.
# See README.md; the work is done by the scripts in harness/.

H := harness
SHELL := /bin/bash

.PHONY: all demo check setup assemble export discard apply overlay-check \
	kernel kernel-debug kunit igt igt-patch bench compile-check compile-nokunit sweep series hw-kit vm vm-debug clients coverage \
	clean distclean help

# `make`: set up, build, boot the patched kernel and print the
# cross-driver PRIME table.
all: demo ## the default: same as demo

demo: setup assemble kernel ## set up, build, boot the patched kernel, print the PRIME table
	@bash $(H)/demo.sh

# `make check`: every test tier; ends with "N passed, N failed".
check: ## every test tier; ends with "N passed, N failed" (TIERS=a,b: some)
	@bash $(H)/check.sh

setup: ## install missing Debian packages (root), fetch the pinned base
	@bash $(H)/setup.sh

assemble: setup ## build/src/linux = pristine base + overlay
	@bash $(H)/overlay.sh assemble

export: ## edits in build/src/linux -> overlay files
	@bash $(H)/overlay.sh export

discard: ## drop edits in build/src/linux that were not exported
	@bash $(H)/overlay.sh discard

apply: ## apply the overlay to KSRC=/path/to/linux-6.12
	@bash $(H)/overlay.sh apply "$(KSRC)"

overlay-check: assemble ## overlay rules: layout, zero-fuzz patches, checkpatch
	@bash $(H)/overlay.sh check

kernel: assemble ## the plain guest kernel
	@bash $(H)/build-kernel.sh guest

kernel-debug: assemble ## the debug guest kernel (KASAN, lockdep, kmemleak)
	@bash $(H)/build-kernel.sh debug

kunit: assemble ## the KUnit suites (UML; amdgpu's on x86_64 under QEMU)
	@bash $(H)/kunit.sh

# igt-tests/ as a git-am-able patch series against IGT (build/igt-patch/):
# the IGT snapshot in ../shared/igt/, or IGT_SRC=/path/to/igt-gpu-tools.
igt-patch: setup ## igt-tests/ as a git-am-able series against IGT
	@bash $(H)/igt.sh patch

# That series applied with git am, built, and staged for the VM (build/igt/).
igt: setup ## that series applied to IGT and built (build/igt/)
	@bash $(H)/igt.sh build

# Benchmarks, ours against the unmodified base: reported as ratios, never
# asserted (harness/bench.sh: both kernels under QEMU instruction
# counting; BENCH_RUNS=2 by default).
bench: assemble ## benchmarks against the 6.12 base, as ratios
	@bash $(H)/bench.sh

compile-check: kernel-debug ## W=1 + sparse on every object the overlay touches
	@bash $(H)/compile-tier.sh

compile-nokunit: kernel-debug ## the same, in the debug config without KUnit
	@bash $(H)/compile-tier.sh nokunit

# W=1 + sparse on the overlay's objects in a driver module
# (harness/configs/module-NAME.config), and the module built and linked
# where its fragment says ("# link: check"): `make module-xe`.
# `make module-xe LINK=1` builds and links it whatever the fragment says.
module-%: kernel-debug ## W=1 + sparse in a driver module: module-xe, module-amdgpu (LINK=1)
	@bash $(H)/compile-tier.sh module $* $(if $(LINK),link)

# Every x86_64 driver directory using a changed PRIME helper or
# dma_buf_ops member (allmodconfig), amdgpu.ko and xe.ko linked, and more
# (harness/sweep.sh; slow, not part of `make check`).
sweep: kernel-debug ## the slow checks: allmodconfig sweep, links, bisect, coverage
	@bash $(H)/sweep.sh

# Which of the lines and branches the overlay writes any test reaches:
# gcov from the KUnit suites (UML; amdgpu's on x86_64 under QEMU) and the
# VM tests on a gcov guest kernel, report in build/results/coverage/
# (harness/coverage.sh, docs/coverage.md; make sweep runs it).
coverage: assemble ## gcov coverage of the overlay (build/results/coverage/)
	@bash $(H)/coverage.sh

# The overlay as a git-am-able series with a cover letter, in
# build/series/ (series/series.txt; SIGNOFF="Name <mail>" signs it off).
series: assemble ## the overlay as a patch series (build/series/; SIGNOFF=)
	@bash $(H)/series.sh

# The hardware test kit: series, kernel recipe, static tests and
# run-tests.sh in one tarball, build/hw-kit/ (hw-kit/README.md).
hw-kit: assemble ## the hardware test kit tarball (build/hw-kit/)
	@bash $(H)/hw-kit.sh

vm: kernel ## boot the plain guest and run TESTS= (IGT tests or test:subtest)
	@bash $(H)/vm.sh guest $(TESTS)

vm-debug: kernel-debug ## the same on the debug guest (VM_TOPOLOGY=direct|iommu|bounce, VM_DEVICES=reduced)
	@bash $(H)/vm.sh debug $(TESTS)

# Debian's Mesa importing foreign buffers and sway on both cards, in the
# debug guest (harness/clients.sh; VM_TOPOLOGY=direct|iommu|bounce,
# COMPOSITOR_FRAMES=N).
clients: kernel-debug ## Debian's Mesa and sway sharing buffers across cards in the debug guest
	@bash $(H)/clients.sh debug

# Build products only; the assembled tree keeps unexported edits safe
# (`make discard` drops them, distclean removes the tree after checking).
clean: ## remove build products, keep the assembled tree
	rm -rf build/kernel-* build/kunit-* build/compile-* build/config-* build/igt \
		build/igt-* build/initramfs-* build/logs build/series* build/hw-kit build/results \
		build/coverage

distclean: ## remove build/ (after checking for unexported edits)
	@bash $(H)/overlay.sh guard
	rm -rf build

help: ## this list
	@awk -F ':[^#]*## ' '/^[a-z%-]+:.*## / { printf "  %-16s %s\n", $$1, $$2 }' \
		$(firstword $(MAKEFILE_LIST))
