#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make sweep`: compile every driver directory whose source uses a PRIME
# helper or dma_buf_ops member that the overlay changes, in an x86_64
# allmodconfig build of the patched tree (WERROR off, no debug info).
# Too slow for every `make check` (tens of minutes on 2 cores); run it
# when a shared helper changes. Prints the directory list, then
# "PASS|FAIL sweep/<dir>" (or "n/a: nothing built on x86_64") and a RESULT
# line; per-directory logs in build/logs/sweep/.
STAGE=sweep
. "$(dirname "$0")/lib.sh"

ccache_env
out=$BUILD/kernel-sweep
logs=$LOGDIR/sweep
mkdir -p "$out" "$logs"

# The changed interfaces: the GEM PRIME import/export helpers, the GEM
# dma_buf_ops callbacks, the helpers' default ops (shmem, dma, vram GEM
# helpers import through drm_gem_prime_import), map/unmap_dma_buf and
# the virtio dma-buf helpers.
users='drm_gem_prime_import(_dev)?\b|drm_prime_gem_destroy|drm_gem_prime_export|drm_gem_map_(attach|detach|dma_buf)|drm_gem_unmap_dma_buf|drm_gem_dmabuf_|\.(un)?map_dma_buf|DRM_GEM_(SHMEM|DMA)_DRIVER_OPS|drm_gem_shmem_prime_import|virtio_dma_buf_'
dirs=$(cd "$SRC" && grep -rlE "$users" drivers --include='*.c' --include='*.h' |
	xargs -n1 dirname | sort -u | grep -v '^drivers/dma-buf$')
say "$(echo "$dirs" | wc -l) directories use a changed helper:"
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

passed=0 failed=0 na=0 i=0 n=$(echo "$dirs" | wc -l)
for d in $dirs; do
	i=$((i + 1))
	log=$logs/$(echo "$d" | tr / _).log
	say "[$i/$n] $d"
	if ! kmake -j"$JOBS" "$d/" >"$log" 2>&1; then
		echo "FAIL sweep/$d (log: $log)"
		failed=$((failed + 1))
	elif ! ls "$out/$d"/*.o >/dev/null 2>&1; then
		echo "n/a  sweep/$d: nothing built on x86_64"
		na=$((na + 1))
	else
		echo "PASS sweep/$d ($(ls "$out/$d"/*.o | wc -l) objects)"
		passed=$((passed + 1))
	fi
done
echo "RESULT sweep passed=$passed failed=$failed not-x86_64=$na"
[ "$failed" -eq 0 ]
