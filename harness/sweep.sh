#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make sweep`: compile, in every driver directory whose source uses a
# PRIME helper or dma_buf_ops member that the overlay changes, the files
# that use it, in an x86_64 allmodconfig build of the patched tree (WERROR
# off, no debug info).
# Too slow for every `make check` (tens of minutes on 2 cores); run it
# when a shared helper changes. Then amdgpu.ko and xe.ko built and linked
# (the module tiers' "link: sweep"), the series after each patch and on
# every served 6.12.y, the core KUnit suites before the series' last patch
# (harness/series.sh compat-point), i915's dma-buf mock selftests
# (harness/i915-mock.sh), the real clients once with the compositor's
# 600 frames, in the bounce topology and on the unmodified base
# (harness/clients.sh), the kit's kernel recipe and make coverage
# (harness/coverage.sh). Prints the directory list,
# then "PASS|FAIL sweep/<dir>" (or "n/a: nothing built on x86_64") and a
# RESULT line; per-directory logs in build/logs/sweep/.
#
# SWEEP_STEPS=a,b runs only those steps (SWEEP_STEPS=list names them):
# drivers (the allmodconfig directory sweep), module-amdgpu, module-xe,
# amdgpu-y-kunit-m, series-bisect, series-compat-point, series-versions,
# i915-mock, clients-600, clients-bounce, clients-base, hw-kit-recipe,
# coverage.
STAGE=sweep
. "$(dirname "$0")/lib.sh"

all_steps="drivers $(cd "$TOP/harness/configs" && grep -l '^# link: sweep' module-*.config |
	sed 's/\.config$//' | tr '\n' ' ')amdgpu-y-kunit-m series-bisect series-compat-point
	series-versions i915-mock clients-600 clients-bounce clients-base hw-kit-recipe coverage"
all_steps=$(echo $all_steps)
choose_parts SWEEP_STEPS step "$all_steps"
# A whole sweep in a fresh clone leaves 11 GiB in build/ (make check's 7,
# then coverage, the i915 and series-version builds), and ccache grows.
need_disk 12 "a whole make sweep"

ccache_env
out=$BUILD/kernel-sweep
logs=$LOGDIR/sweep
mkdir -p "$out" "$logs"

passed=0 failed=0 na=0
if want drivers; then
	# The changed interfaces: the GEM PRIME import/export helpers, the GEM
	# dma_buf_ops callbacks, the helpers' default ops (shmem, dma, vram GEM
	# helpers import through drm_gem_prime_import), map/unmap_dma_buf and
	# the virtio dma-buf helpers.
	users='get_mapping_offers|dma_buf_sgt_exp_ops|drm_gem_prime_import(_dev)?\b|drm_prime_gem_destroy|drm_gem_prime_export|drm_gem_map_(attach|detach|dma_buf)|drm_gem_unmap_dma_buf|drm_gem_dmabuf_|\.(un)?map_dma_buf|DRM_GEM_(SHMEM|DMA)_DRIVER_OPS|drm_gem_shmem_prime_import|virtio_dma_buf_'
	# A test file its driver #includes is compiled with that driver's object.
	files=$(cd "$SRC" && grep -rlE "$users" drivers samples --include='*.c' |
		grep -v '^drivers/dma-buf/[^/]*$' | sort | while IFS= read -r f; do
			c_is_included "$SRC" "$f" || echo "$f"
		done)
	dirs=$(echo "$files" | xargs -n1 dirname | sort -u)
	say "$(echo "$dirs" | wc -l) directories, $(echo "$files" | wc -l) files use a changed helper:"
	echo "$dirs" | sed 's/^/    /'

	kmake() {
		make -C "$SRC" O="$out" ARCH=x86_64 CC="ccache gcc" "$@"
	}
	if [ ! -f "$out/.config" ]; then
		say "configuring allmodconfig in $out"
		kmake allmodconfig >"$logs/config.log" 2>&1 || die "allmodconfig failed (log: $logs/config.log)"
		"$SRC/scripts/config" --file "$out/.config" -d WERROR -e DEBUG_INFO_NONE \
			-d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT -d DEBUG_INFO_DWARF4 -d DEBUG_INFO_DWARF5 \
			-d GCC_PLUGINS -d KASAN -d KCSAN -d UBSAN -d GCOV_KERNEL
		kmake olddefconfig >>"$logs/config.log" 2>&1 || die "olddefconfig failed (log: $logs/config.log)"
	fi
	say "preparing (log: $logs/prepare.log)"
	kmake -j"$JOBS" modules_prepare >"$logs/prepare.log" 2>&1 || die "prepare failed (log: $logs/prepare.log)"

	# base_builds DIR OBJ...: do the objects build in the unmodified base, with
	# the same configuration? (Some COMPILE_TEST drivers do not build on
	# x86_64 at all; that is not ours to report.)
	base_builds() {
		local d=$1 base=$BUILD/src/base bout=$BUILD/kernel-sweep-base o
		shift
		if [ ! -d "$base" ]; then
			tgit worktree add -q --detach "$base" base
		fi
		if [ ! -f "$bout/.config" ]; then
			mkdir -p "$bout"
			cp "$out/.config" "$bout/.config"
			make -C "$base" O="$bout" ARCH=x86_64 CC="ccache gcc" -j"$JOBS" \
				olddefconfig modules_prepare >"$logs/prepare-base.log" 2>&1 ||
				die "preparing the base failed (log: $logs/prepare-base.log)"
		fi
		for o in "$@"; do rm -f "$bout/$o"; done
		make -C "$base" O="$bout" ARCH=x86_64 CC="ccache gcc" -k -j"$JOBS" "$@" \
			>"$logs/base-$(echo "$d" | tr / _).log" 2>&1 || true
		for o in "$@"; do [ -f "$bout/$o" ] || return 1; done
	}

	# Only the files that use a changed helper are compiled (a directory target
	# would recurse: drivers/gpu/drm/ is all of DRM). An object kbuild cannot
	# reach with this configuration (another architecture's driver) is "n/a".
	i=0 n=$(echo "$dirs" | wc -l)
	for d in $dirs; do
		i=$((i + 1))
		log=$logs/$(echo "$d" | tr / _).log
		objs=$(echo "$files" | grep "^$d/[^/]*\.c$" | sed 's/\.c$/.o/')
		say "[$i/$n] $d ($(echo "$objs" | wc -w) objects)"
		for o in $objs; do rm -f "$out/$o"; done
		# shellcheck disable=SC2086
		kmake -k -j"$JOBS" $objs >"$log" 2>&1 || true
		built=0 missing=0 broken=0
		for o in $objs; do
			if [ -f "$out/$o" ]; then
				built=$((built + 1))
			elif grep -q "No rule to make target '$o'" "$log"; then
				missing=$((missing + 1))
			else
				broken=$((broken + 1))
			fi
		done
		if [ "$broken" -gt 0 ] && base_builds "$d" $objs; then
			echo "FAIL sweep/$d: $broken of $(echo "$objs" | wc -w) objects did not build (log: $log)"
			failed=$((failed + 1))
		elif [ "$broken" -gt 0 ]; then
			echo "n/a  sweep/$d: does not build on x86_64 in the unmodified base either (log: $log)"
			na=$((na + 1))
		elif [ "$built" -eq 0 ]; then
			echo "n/a  sweep/$d: not built on x86_64"
			na=$((na + 1))
		else
			extra=""
			[ "$missing" -eq 0 ] || extra=", $missing n/a"
			echo "PASS sweep/$d ($built objects$extra)"
			passed=$((passed + 1))
		fi
	done
fi

# step NAME CMD...: run a harness step, its output shown as it comes, and
# add up its PASS and FAIL lines; a step that prints neither failed.
step() {
	local name=$1 res
	shift
	res=$("$@" 2>&1 | tee -a /dev/stderr | grep -E '^(PASS|FAIL) ') || true
	passed=$((passed + $(grep -c '^PASS' <<<"$res" || true)))
	failed=$((failed + $(grep -c '^FAIL' <<<"$res" || true)))
	grep -q . <<<"$res" || { echo "FAIL sweep/$name: did not run"; failed=$((failed + 1)); }
}

# The driver modules that `make check` only compiles object by object
# ("# link: sweep" in harness/configs/module-NAME.config): built whole and
# linked by modpost in the module configuration (harness/compile-tier.sh).
for frag in "$TOP"/harness/configs/module-*.config; do
	[ "$(frag_field link "$frag")" = sweep ] || continue
	m=$(basename "$frag" .config)
	want "$m" || continue
	say "$m: the module built and linked (log: $LOGDIR/compile-${m#module-}-module.log)"
	step "$m" bash "$TOP/harness/compile-tier.sh" module "${m#module-}" link
done

# amdgpu built in with KUnit as a module: the cases of amdgpu's KUnit
# option are built into amdgpu, so Kconfig must drop it (a built-in amdgpu
# cannot call a modular KUnit), and vmlinux must link. The debug guest's configuration
# with the module tiers' options, then amdgpu and KUnit changed.
lout=$BUILD/kernel-sweep-amdgpu-y
llog=$logs/amdgpu-y-kunit-m.log
debug_cfg=$BUILD/kernel-debug/.config
if ! want amdgpu-y-kunit-m; then
	:
elif [ -f "$debug_cfg" ]; then
	say "amdgpu built in, KUnit as a module: vmlinux links (log: $llog)"
	mkdir -p "$lout"
	cat "$debug_cfg" "$TOP/harness/configs/modules.config" >"$lout/.config"
	printf '%s\n' CONFIG_KUNIT=m CONFIG_DRM_AMDGPU=y CONFIG_DRM_AMDGPU_KUNIT_TEST=y \
		>>"$lout/.config"
	if ! make -C "$SRC" O="$lout" ARCH=x86_64 CC="ccache gcc" olddefconfig >"$llog" 2>&1; then
		echo "FAIL sweep/amdgpu-y-kunit-m: configuration failed (log: $llog)"
		failed=$((failed + 1))
	elif grep -q '^CONFIG_DRM_AMDGPU_KUNIT_TEST=[ym]' "$lout/.config" ||
		! grep -q '^CONFIG_DRM_AMDGPU=y' "$lout/.config" ||
		! grep -q '^CONFIG_KUNIT=m' "$lout/.config"; then
		echo "FAIL sweep/amdgpu-y-kunit-m: Kconfig allowed amdgpu's KUnit tests into a built-in amdgpu with KUNIT=m (log: $llog)"
		failed=$((failed + 1))
	elif make -C "$SRC" O="$lout" ARCH=x86_64 CC="ccache gcc" -j"$JOBS" vmlinux >>"$llog" 2>&1; then
		echo "PASS sweep/amdgpu-y-kunit-m: vmlinux links, amdgpu's KUnit option dropped"
		passed=$((passed + 1))
	else
		echo "FAIL sweep/amdgpu-y-kunit-m: vmlinux does not link (log: $llog)"
		failed=$((failed + 1))
	fi
else
	echo "FAIL sweep/amdgpu-y-kunit-m: no $debug_cfg; run 'make kernel-debug' first"
	failed=$((failed + 1))
fi

# Bisectability of the patch series: after each patch, what it has touched
# so far builds (harness/series.sh bisect; needs the module configuration).
if ! want series-bisect; then
	:
elif [ ! -f "$BUILD/config-modules" ]; then
	echo "FAIL sweep/series-bisect: no $BUILD/config-modules (written by the module tiers above)"
	failed=$((failed + 1))
else
	say "the patch series, built after each patch (logs: $LOGDIR/series-bisect/)"
	step series-bisect bash "$TOP/harness/series.sh" bisect
fi

# The point before the series' last patch, where a distribution may stop
# to keep the compat exporter path: the core KUnit suites there too.
! want series-compat-point || say "the core KUnit suites before the series' last patch (log: $LOGDIR/kunit-uml-compat-point-drivers_dma-buf.log)"
! want series-compat-point || step series-compat-point bash "$TOP/harness/series.sh" compat-point

# The series on every linux-source-6.12 version Debian serves (downloads
# each once into build/series-versions/debs).
! want series-versions || say "the patch series on every served $BASE_PKG version (log: $LOGDIR/series-versions.log)"
! want series-versions || step series-versions bash "$TOP/harness/series.sh" versions

# i915's mock selftests of its dma-buf exporter and importer, in a debug
# kernel of their own (no Intel hardware needed).
! want i915-mock || say "i915's dma-buf mock selftests (logs: $LOGDIR/i915-mock-*.log)"
! want i915-mock || step i915-mock bash "$TOP/harness/i915-mock.sh"

# The real clients with the compositor showing 600 frames (about a second
# each under TCG; make check shows 60), in the bounce topology (about 9
# minutes; the root's 9p share stays out of the DMA API), and on the
# unmodified base (what Mesa and sway do there: README's comparison).
! want clients-600 && ! want clients-bounce && ! want clients-base || say "real clients: 600 frames, the bounce topology, the 6.12 base (logs: $LOGDIR/clients-*.log)"
! want clients-600 || step clients-600 env COMPOSITOR_FRAMES=600 CLIENTS_TAG=debug-600 VM_TIMEOUT=2400 bash "$TOP/harness/clients.sh" debug
! want clients-bounce || step clients-bounce env VM_TOPOLOGY=bounce bash "$TOP/harness/clients.sh" debug
! want clients-base || step clients-base bash "$TOP/harness/clients.sh" base

# The hardware kit's kernel recipe with a distribution's config.
! want hw-kit-recipe || step hw-kit-recipe bash "$TOP/harness/hw-kit.sh" recipe

# Coverage of the overlay's lines by the KUnit suites and the VM tests
# (harness/coverage.sh; report in build/results/coverage/).
! want coverage || say "coverage (logs: $LOGDIR/coverage-*.log)"
! want coverage || step coverage bash "$TOP/harness/coverage.sh"

echo "RESULT sweep passed=$passed failed=$failed not-x86_64=$na"
[ "$failed" -eq 0 ]
