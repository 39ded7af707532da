#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# i915's own tests of its dma-buf exporter and importer, which need no Intel
# hardware: the mock selftests i915_gem_dmabuf_mock_selftests (export,
# import of its own buffer and of a mock exporter's, ownership, vmap) run
# when i915 initialises with i915.mock_selftests=-1. The debug guest's
# kernel (KASAN, lockdep, kmemleak, DMA-API debug) with i915 and its
# selftests built in boots under QEMU with only that group enabled; every
# subtest must report that it ran, none may fail, and the console must hold
# no kernel report. A kernel build of its own: part of `make sweep`.
# Prints "PASS|FAIL i915-mock/<subtest>".
STAGE="i915-mock"
. "$(dirname "$0")/lib.sh"

ccache_env
out=$BUILD/kernel-sweep-i915
log=$LOGDIR/i915-mock-build.log
console=$LOGDIR/i915-mock-console.log
debug_cfg=$BUILD/kernel-debug/.config
i915=$SRC/drivers/gpu/drm/i915
fail() { echo "FAIL i915-mock/$1"; exit 1; }

[ -f "$debug_cfg" ] || fail "build: no $debug_cfg; run 'make kernel-debug' first"
# The subtests of the group, from the driver's own list.
subtests=$(sed -n '/^int i915_gem_dmabuf_mock_selftests/,/^}/s/.*SUBTEST(\([a-z_0-9]*\)).*/\1/p' \
	"$i915/gem/selftests/i915_gem_dmabuf.c")
[ -n "$subtests" ] || fail "build: no subtest list in $i915/gem/selftests/i915_gem_dmabuf.c"
# A group is enabled by a parameter named after its line in the list.
line=$(grep -n '^selftest(dmabuf,' "$i915/selftests/i915_mock_selftests.h" | cut -d: -f1)
[ -n "$line" ] || fail "build: no dmabuf group in i915_mock_selftests.h"

mkdir -p "$out"
cp "$debug_cfg" "$out/.config"
printf '%s\n' CONFIG_DRM_I915=y CONFIG_DRM_I915_SELFTEST=y >>"$out/.config"
say "building the debug kernel with i915 and its selftests (log: $log; a cold build takes several minutes)"
make -C "$SRC" O="$out" ARCH=x86_64 CC="ccache gcc" olddefconfig >"$log" 2>&1 ||
	fail "build: olddefconfig failed (log: $log)"
for o in CONFIG_DRM_I915 CONFIG_DRM_I915_SELFTEST; do
	grep -q "^$o=y" "$out/.config" || fail "build: $o did not survive olddefconfig (log: $log)"
done
make -C "$SRC" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$JOBS" bzImage >>"$log" 2>&1 ||
	fail "build: the kernel did not build (log: $log)"

# An init that has kmemleak scan (twice: an object must stay unreferenced
# over two scans), prints what it found and leaves QEMU.
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sys" "$root/proc"
cp /bin/busybox "$root/bin/busybox"
gcc -O2 -static -o "$root/bin/guest-exit" "$TOP/harness/guest-exit.c"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t debugfs debugfs /sys/kernel/debug
if [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	/bin/busybox sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	/bin/busybox cat /sys/kernel/debug/kmemleak
	echo "I915-MOCK: kmemleak scanned"
fi
echo I915-MOCK-DONE
/bin/guest-exit 0
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"

say "booting it with i915.mock_selftests=-1, dmabuf group only (console: $console)"
set +e
timeout -k 10 1200 qemu-system-x86_64 -machine q35 -accel tcg -cpu qemu64 -smp 2 -m 2G \
	-nodefaults -display none -no-reboot -serial file:"$console" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$out/arch/x86/boot/bzImage" -initrd "$out/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 i915.mock_selftests=-1 i915.igt__${line}__mock_dmabuf=1" \
	</dev/null >/dev/null 2>&1
rc=$?
set -e
# guest-exit 0 leaves QEMU with status 1; 124 is the timeout.
if [ "$rc" -ne 1 ] || ! grep -q 'I915-MOCK-DONE' "$console"; then
	fail "boot: the guest did not reach the end of its init (QEMU status $rc, console: $console)"
fi

failed=0
for t in $subtests; do
	if grep -q "i915/i915_gem_dmabuf_mock_selftests: $t failed" "$console"; then
		echo "FAIL i915-mock/$t: $(grep -m1 "$t failed" "$console")"
		failed=1
	elif grep -qE "i915: Running i915_gem_dmabuf_mock_selftests/$t"$'\r'"?\$" "$console"; then
		echo "PASS i915-mock/$t"
	else
		echo "FAIL i915-mock/$t: did not run (console: $console)"
		failed=1
	fi
done
# One leak is i915's own and known: its mock device copies the display
# parameters (intel_display_params_copy() from intel_display_device_probe())
# and its release never frees them (no intel_display_device_remove()),
# code the series does not touch. Each kmemleak record with exactly that
# backtrace is counted and left out; every other report fails the step.
# kmemleak's own count of new suspects ("kmemleak: N new suspected memory
# leaks") is left out too: each suspect it counts is a record, judged
# alone.
#
# records: the console with each kmemleak record joined into one line.
records() {
	tr -d '\r' <"$console" | awk '
		/^unreferenced object/ { if (rec != "") print rec; rec = $0; next }
		rec != "" && /^ / { rec = rec "|" $0; next }
		rec != "" { print rec; rec = "" }
		{ print }
		END { if (rec != "") print rec }'
}
known_leak='intel_display_params_copy.*intel_display_device_probe.*mock_gem_device'
known=$(records | grep -c "$known_leak" || true)
reports=$(records | grep -v "$known_leak" | grep -vE 'kmemleak: [0-9]+ new suspected memory leaks' |
	grep -nE "$KERNEL_REPORT_RE" || true)
[ "$known" -eq 0 ] ||
	echo "    $known kmemleak record(s) of i915's mock device display parameters (known, not ours)"
if [ -n "$reports" ]; then
	printf '%s\n' "$reports" | sed -n '1,10s/^/    /p'
	echo "FAIL i915-mock/kernel-reports: in $console (first lines above)"
	failed=1
fi
grep -q 'I915-MOCK: kmemleak scanned' "$console" ||
	{ echo "FAIL i915-mock/kmemleak: no scan (console: $console)"; failed=1; }
exit "$failed"
