#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the typed dma-buf mapping tests on this machine's GPUs and write the
# results to send back. Part of the hardware test kit (README in the kit).
#
#   sudo ./run-tests.sh [-o OUTDIR]
#
# Needs a kernel built with the kit's series (build-kernel.sh) and refuses
# to run on any other. Needs no network. Loads the test modules it needs
# (vgem, udmabuf, dma_buf_test_device) when they are not there yet and
# unloads exactly those afterwards; mounts debugfs if it is not mounted and
# unmounts it afterwards; writes only to OUTDIR and one start marker to the
# kernel log. It never loads vkms: a compositor would light up its virtual
# display.
#
# OUTDIR (default ./typed-dmabuf-results-HOST-DATE) gets: summary.txt (one
# page, the thing to read first), results.json (IGT's results format,
# version 10, written by IGT's igt_runner and igt_results, which the kit
# carries), igt/ (the runner's results directory: each test's output and
# kernel log), dmesg since the start, the machine's inventory, bufinfo
# before and after, and OUTDIR.tar.gz with all of it. Exit status: 0 all passed, 1 a subtest
# failed or the kernel logged a report, 2 bad usage, 3 not our kernel.
#
# Plain POSIX sh and awk: it runs under busybox as well.

set -u
kit=$(cd "$(dirname "$0")" && pwd)
out=""
limit=${KIT_TEST_TIMEOUT:-1800}
# Kernel log lines that make a run fail (sanitizers, lockdep, WARN, BUG,
# DMA-API debugging, IOMMU faults): kernel-reports.txt, one extended
# regular expression per line.
reports=$(awk '!/^#/ && NF { printf "%s%s", sep, $0; sep = "|" }' "$kit/kernel-reports.txt")

say() { echo "kit: $*"; }
die() {
	echo "kit: error: $1" >&2
	exit "${2:-2}"
}

usage() {
	sed -n 's/^#   //p' "$0"
}

while [ $# -gt 0 ]; do
	case $1 in
	-o)
		[ $# -ge 2 ] || die "-o needs a directory"
		out=$2
		shift 2
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown argument '$1'"
		;;
	esac
done

[ "$(id -u)" = 0 ] || die "run it as root: it reads debugfs, loads test modules and marks the kernel log"

# Our kernel: 6.12 with the core's typed attach in its symbol table.
release=$(uname -r)
case $release in
6.12 | 6.12.* | 6.12-* | 6.12+*) ours=1 ;;
*) ours=0 ;;
esac
if [ $ours = 1 ]; then
	[ -r /proc/kallsyms ] && grep -qw dma_buf_mapping_attach /proc/kallsyms || ours=0
fi
if [ $ours = 0 ]; then
	cat >&2 <<EOF
kit: this kernel ($release) is not a kernel with typed dma-buf mappings:
kit: it is not 6.12, or /proc/kallsyms has no dma_buf_mapping_attach.
kit: Build one with ./build-kernel.sh (see README), boot it and run this
kit: again. Nothing was changed on this machine.
EOF
	exit 3
fi

[ -n "$out" ] || out=$PWD/typed-dmabuf-results-$(uname -n)-$(date +%Y%m%d-%H%M%S)
[ -e "$out" ] && die "$out exists; pick another directory with -o"
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
say "results go to $out"

# What the machine looks like now, to put back afterwards.
modules_now() {
	cut -d' ' -f1 /proc/modules 2>/dev/null | sort
}
debugfs_mounted() {
	grep -q '^[^ ]* /sys/kernel/debug debugfs ' /proc/mounts
}
modules_now >"$out/modules-before.txt"
debugfs_before=no
debugfs_mounted && debugfs_before=yes
we_loaded=""
we_mounted=no

restore() {
	trap - EXIT INT TERM HUP
	# Modules pulled in as dependencies go too: retry until none is left
	# or a round unloads nothing (one still in use).
	left=$we_loaded
	while [ -n "$left" ]; do
		still=""
		for m in $left; do
			rmmod "$m" 2>/dev/null || still="$still $m"
		done
		[ "$still" = "$left" ] && break
		left=$still
	done
	[ $we_mounted = yes ] && umount /sys/kernel/debug
	state=restored
	modules_now >"$out/modules-after.txt"
	if ! cmp -s "$out/modules-before.txt" "$out/modules-after.txt"; then
		state="NOT restored: modules now loaded: $(grep -vxF -f "$out/modules-before.txt" \
			"$out/modules-after.txt" | tr '\n' ' ')unloaded: $(grep -vxF \
			-f "$out/modules-after.txt" "$out/modules-before.txt" | tr '\n' ' ')"
	fi
	debugfs_after=no
	debugfs_mounted && debugfs_after=yes
	[ "$debugfs_after" = "$debugfs_before" ] ||
		state="NOT restored: debugfs was mounted=$debugfs_before, is mounted=$debugfs_after"
	echo "$state" >"$out/machine-state.txt"
	say "machine state: $state"
}
trap restore EXIT
trap 'exit 130' INT TERM HUP

if ! debugfs_mounted; then
	mount -t debugfs debugfs /sys/kernel/debug || die "cannot mount debugfs"
	we_mounted=yes
fi
[ -r /sys/kernel/debug/dma_buf/bufinfo ] ||
	die "no /sys/kernel/debug/dma_buf/bufinfo (kernel without CONFIG_DEBUG_FS?)"

# Test modules, where a device is missing and the module exists.
load() { # NODE MODULE
	[ -e "$1" ] && return
	if modprobe "$2" 2>/dev/null && [ -e "$1" ]; then
		say "loaded $2 for $1"
	else
		say "no $1 ($2 not available): its cells are left out"
	fi
}
load /sys/devices/platform/vgem vgem
load /dev/udmabuf udmabuf
load /dev/dma-buf-test dma_buf_test_device
# Only what appeared just now is ours to unload.
for m in $(modules_now); do
	grep -qx "$m" "$out/modules-before.txt" || we_loaded="$m $we_loaded"
done

# The machine, for the reader of the results.
{
	echo "kernel: $(uname -a)"
	echo "cmdline: $(cat /proc/cmdline)"
	echo "cpu: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "memory: $(grep -m1 MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2-)"
	for c in /sys/class/drm/card*; do
		case ${c##*/} in *-*) continue ;; esac
		dev=$(readlink -f "$c/device")
		# DRM's own name for the driver (vgem has no driver link).
		drv=$(cut -d' ' -f1 "/sys/kernel/debug/dri/${c##*card}/name" 2>/dev/null)
		ids=""
		[ -r "$dev/vendor" ] && ids="$(cat "$dev/vendor"):$(cat "$dev/device")"
		# virtio-gpu's PCI function is one level up.
		[ -z "$ids" ] && [ -r "$dev/../vendor" ] &&
			ids="$(cat "$dev/../vendor"):$(cat "$dev/../device")"
		echo "gpu: ${c##*/} driver=${drv:-none} device=${dev##*/} ids=${ids:-none}"
	done
	groups=0 translated=0
	for g in /sys/kernel/iommu_groups/*; do
		[ -r "$g/type" ] || continue
		groups=$((groups + 1))
		case $(cat "$g/type") in DMA | DMA-FQ) translated=$((translated + 1)) ;; esac
	done
	echo "iommu: $groups groups, $translated translating"
	echo "dma-heaps: $(ls /dev/dma_heap 2>/dev/null | tr '\n' ' ')"
	echo "udmabuf: $([ -e /dev/udmabuf ] && echo yes || echo no)"
	echo "test-device: $([ -e /dev/dma-buf-test ] && echo yes || echo no)"
	echo "modules-loaded-by-kit: ${we_loaded:-none}"
	echo "kit: $(cat "$kit/VERSION" 2>/dev/null)"
} >"$out/inventory.txt"
cat "$out/inventory.txt" | sed 's/^/kit: /'
cp /sys/kernel/debug/dma_buf/bufinfo "$out/bufinfo-before.txt"

# A marker to cut the kernel log at.
runid=$(date +%s)-$$
echo "<6>typed-dmabuf-kit: start $runid" >/dev/kmsg
start=$(date +%s)

# The tests under IGT's runner, one execution per binary (-m), started
# through the kit's own dynamic loader and libraries (lib/): bin/ holds a
# script per test that starts it that way, and the runner's test list.
# A kernel message of KERN_ERR or worse during a subtest makes it
# dmesg-warn, as in the VM; on a desktop that may be another driver's, so
# a dmesg-warn is reported, not failed: the kernel reports
# (kernel-reports.txt) fail the run whichever subtest they came in. The
# tests write to stdout, not to the runner's socket, so that their output
# is in out.txt for the summary and the progress.
kit_exec() {
	"$kit/lib/ld-linux-x86-64.so.2" --library-path "$kit/lib" "$@"
}
say "running $(tr '\n' ' ' <"$kit/bin/test-list.txt")under igt_runner (limit ${limit}s a test)"
IGT_RUNNER_DISABLE_SOCKET_COMMUNICATION=1 \
	kit_exec "$kit/libexec/igt_runner" -m -l verbose -n "typed-dmabuf-kit" \
	--dmesg-warn-level 3 --per-test-timeout "$limit" \
	"$kit/bin" "$out/igt" >"$out/igt_runner.log" 2>&1 &
pid=$!
waited=0
while kill -0 $pid 2>/dev/null; do
	sleep 1
	waited=$((waited + 1))
	printf '\rkit:   %d subtests done, %ds' "$(cat "$out"/igt/*/out.txt 2>/dev/null |
		grep -c '^Subtest ')" $waited
done
wait $pid
echo "$?" >"$out/igt_runner.rc"
echo
# results.json, also from a run the runner did not finish.
kit_exec "$kit/libexec/igt_results" "$out/igt" >>"$out/igt_runner.log" 2>&1
cp "$out/igt/results.json" "$out/results.json" 2>/dev/null ||
	echo "kit: igt_results wrote no results.json (log: igt_runner.log)" >&2
# totals.txt: IGT's totals of the run, "TOTAL pass=N fail=N ...".
awk '/"root": *\{/ { root = 1; next }
	root && /\}/ { exit }
	root { gsub(/[",]/, ""); split($0, kv, ":"); gsub(/ /, "", kv[1]); gsub(/ /, "", kv[2])
	       if (kv[2] > 0) t = t " " kv[1] "=" kv[2] }
	END { print "TOTAL" (t == "" ? " none" : t) }' "$out/results.json" >"$out/totals.txt" 2>/dev/null
# Failed: anything but pass, skip, notrun and dmesg-warn; or no results.
failed_tests=$(sed 's/^TOTAL//' "$out/totals.txt" | tr ' ' '\n' |
	awk -F= '$1 != "" && $1 != "pass" && $1 != "skip" && $1 != "notrun" &&
		$1 != "dmesg-warn" { n += $2 }
		$1 == "none" { n++ } END { print n + 0 }')
[ -s "$out/results.json" ] || failed_tests=$((failed_tests + 1))
end=$(date +%s)

cp /sys/kernel/debug/dma_buf/bufinfo "$out/bufinfo-after.txt"
# The kernel's log since the marker, raw ("<level>[time] text") where dmesg can.
{ dmesg -r 2>/dev/null || dmesg; } | tr -d '\r' |
	sed -n "/typed-dmabuf-kit: start $runid/,\$p" >"$out/dmesg.txt"
[ -s "$out/dmesg.txt" ] ||
	echo "(the kernel log no longer holds the start marker: it wrapped)" >"$out/dmesg.txt"
grep -E "$reports" "$out/dmesg.txt" >"$out/dmesg-reports.txt"

# The summary, from the tests' output (the runner's out.txt files).
set -- "$out"/igt/*/out.txt
nreports=$(grep -c . "$out/dmesg-reports.txt")
{
	echo "Typed dma-buf mappings: hardware kit results"
	echo "============================================"
	echo
	sed 's/^/  /' "$out/inventory.txt"
	echo
	echo "Results (IGT's names; results.json has each subtest's output and dmesg):"
	sed 's/^TOTAL /  /' "$out/totals.txt"
	echo "  igt_runner: exit $(cat "$out/igt_runner.rc")"
	echo
	echo "Cross-driver cells (exporter -> importer: negotiated mapping):"
	grep -h '^cell: ' "$@" | sed 's/^cell: /  /'
	echo
	echo "Failed and unfinished subtests:"
	# A dynamic subtest's failure is named with it (SUBTEST@DYNAMIC); its
	# subtest then fails too and is listed as well.
	awk 'FNR == 1 && open { print "  " name ": did not finish"; bad++; open = 0 }
		/^Starting subtest: / { name = substr($0, 19); open = 1; next }
		/^Starting dynamic subtest: / { dyn = substr($0, 27); next }
		/^Dynamic subtest .*: (FAIL|CRASH|TIMEOUT)/ { r = $0; sub(/^Dynamic subtest [^:]*: /, "", r)
			print "  " name "@" dyn ": " r; bad++ }
		/^Subtest .*: (FAIL|CRASH|TIMEOUT)/ { r = $0; sub(/^Subtest [^:]*: /, "", r)
			print "  " name ": " r; bad++ }
		/^Subtest / { open = 0 }
		END { if (open) { print "  " name ": did not finish"; bad++ }
		      if (!bad) print "  none" }' "$@" | head -40
	echo
	echo "What the failed assertions said (the tests' stderr, igt/*/err.txt):"
	cat "$out"/igt/*/err.txt 2>/dev/null | sed -n 's/^([^)]*) CRITICAL: /  /p' | head -30
	cat "$out"/igt/*/err.txt 2>/dev/null | grep -q ' CRITICAL: ' || echo "  none"
	echo
	echo "Kernel reports since the start ($nreports lines; dmesg-reports.txt):"
	head -20 "$out/dmesg-reports.txt" | sed 's/^/  /'
	[ "$nreports" = 0 ] && echo "  none"
	echo
	echo "Run took $((end - start)) s."
} >"$out/summary.txt"
restore
cat "$out/machine-state.txt" | sed 's/^/Machine state afterwards: /' >>"$out/summary.txt"
(cd "$(dirname "$out")" && tar czf "$out.tar.gz" "$(basename "$out")")
echo
cat "$out/summary.txt"
echo
say "send back $out.tar.gz"
[ $failed_tests = 0 ] && [ "$nreports" = 0 ] && grep -q '^restored$' "$out/machine-state.txt"
