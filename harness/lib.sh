# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Common settings and helpers for the harness scripts. Sourced, not run.
# (SC2034: the variables set here are for the scripts that source it.)

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
LOGDIR=$BUILD/logs

# The pinned base (DESIGN.md section 3).
BASE_PKG=linux-source-6.12
BASE_VERSION=6.12.117-1~deb12u1
BASE_SHA256=585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz

# The assembled kernel tree: a git repository whose tag "base" is the
# pristine base and whose HEAD is base + overlay (+ exported edits).
SRC=$BUILD/src/linux
OVERLAY_ROOTS="drivers include Documentation samples tools"

# Debian packages every stage needs (DESIGN.md section 7); the second
# half builds IGT (../shared/igt/README.md) and checks the JUnit output,
# the last two lines are what the real clients' guest runs from the
# host's root (harness/clients.sh): Mesa, sway and seatd, and what builds
# the Wayland client; lcov reads make coverage's counters;
# checkpatch's SPDX check (scripts/spdxcheck.py) needs python3-ply and
# python3-git.
DEPS="$BASE_PKG build-essential bc bison flex libelf-dev libssl-dev cpio
      xz-utils kmod ccache sparse patch git python3 python3-ply python3-git
      rsync gdb lcov shellcheck b4
      qemu-system-x86 busybox-static libdrm-dev
      meson ninja-build libkmod-dev libproc2-dev libudev-dev libcairo2-dev
      libpixman-1-dev libdw-dev libglib2.0-dev libpciaccess-dev libjson-c-dev
      libxml2-utils python3-junit.xml python3-junitparser
      libgl1-mesa-dri libegl-mesa0 libgbm-dev libegl-dev libgles-dev
      sway seatd libwayland-dev wayland-protocols"

# A kernel report in a log: a line matching any pattern of
# harness/kernel-reports.txt, as one extended regular expression.
KERNEL_REPORT_RE=$(awk '!/^#/ && NF { printf "%s%s", sep, $0; sep = "|" }' \
	"$TOP/harness/kernel-reports.txt")
# UML's virt-pci warns once at boot when PCI is built without a virtio
# device to carry it (a KUnit run's environment, not a report): "No virtio
# device ID configured for PCI", a WARNING at that one line of the pinned
# base's virt-pci.c (its symbol is sometimes printed as a bare address, so
# the line is what identifies it). Any other warning there is a report.
UML_PCI_WARNING_RE='WARNING: .* at [^ ]*arch/um/drivers/virt-pci\.c:1005 '

STAGE=${STAGE:-harness}
mkdir -p "$LOGDIR"

say() { printf '==> [%s] %s\n' "$STAGE" "$*"; }
warn() { printf 'WARNING [%s]: %s\n' "$STAGE" "$*" >&2; }

# checkpatch ARGS...: the assembled tree's scripts/checkpatch.pl, run in
# that tree (its git repository is the one the SPDX check looks in) with
# Debian's python3 first on PATH. The SPDX check (not with --no-tree) runs
# scripts/spdxcheck.py with the first python3 there, which needs
# python3-ply and python3-git; a virtualenv's python may lack them, and
# checkpatch then goes on as if the check passed. That fails here
# instead. File arguments must be absolute paths.
checkpatch() {
	local out rc=0

	out=$(cd "$SRC" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl "$@" 2>&1) || rc=$?
	printf '%s\n' "$out"
	if grep -q '^Traceback' <<<"$out"; then
		echo "checkpatch: scripts/spdxcheck.py could not run (python3-ply, python3-git?)"
		return 1
	fi
	return "$rc"
}

die() {
	printf 'FAILED [%s]: %s\n' "$STAGE" "$*" >&2
	exit 1
}

# run_logged LOG CMD...: run CMD with all output in LOG; on failure show
# the tail of LOG and name it.
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		tail -n 25 "$log" >&2
		die "command failed: $*; full log: $log"
	fi
}

# git in the assembled tree, with an identity of its own so that it never
# depends on the user's git configuration.
tgit() {
	git -C "$SRC" -c user.name=overlay -c user.email=overlay@localhost \
		-c core.autocrlf=false -c advice.detachedHead=false "$@"
}

# base_worktree: the unmodified base as a worktree of the assembled tree
# (its first commit), for the runs that compare against 6.12 (make bench,
# harness/clients.sh base); created on first use. Prints its path.
base_worktree() {
	[ -d "$SRC/.git" ] || die "no assembled tree at $SRC; run 'make assemble' first"
	# A tree assembled again leaves a worktree it no longer knows.
	if ! git -C "$BUILD/src/base" rev-parse --git-dir >/dev/null 2>&1; then
		rm -rf "$BUILD/src/base"
		tgit worktree prune
		tgit worktree add -q --detach "$BUILD/src/base" base
	fi
	echo "$BUILD/src/base"
}

# Overlay files of this repository (tracked, or new and not ignored), one
# path per line, relative to $TOP.
overlay_files() {
	# shellcheck disable=SC2086
	git -C "$TOP" ls-files --cached --others --exclude-standard -- $OVERLAY_ROOTS |
		sort -u | while IFS= read -r f; do
			[ -f "$TOP/$f" ] && printf '%s\n' "$f"
		done
	return 0
}

# overlay_c_files: the kernel's C files the overlay adds or changes,
# relative to the kernel root, leaving out tests and benchmarks: the code
# whose coverage make coverage measures.
overlay_c_files() {
	overlay_files | sed 's/\.patch$//' | grep '\.c$' |
		grep -vE '([_-]test|-bench|selftests?)\.c$|/tests/|/selftests/' || true
}

# gcov_profile_args SRCDIR: Kbuild's GCOV_PROFILE_<object>=y for each
# of overlay_c_files, one a line, for a make command line: gcov then
# instruments those objects only. An object name that another kernel C
# file shares (habanalabs' memory.c, tegra's gem.c) would instrument that
# one too: left out, and said on stderr.
gcov_profile_args() {
	local f b
	for f in $(overlay_c_files); do
		b=$(basename "$f")
		if [ "$(git -C "$1" ls-files "*/$b" | grep -cvE '^tools/|/tests/|/selftests/')" -gt 1 ]; then
			warn "not instrumented: $f (another kernel object is named ${b%.c}.o)"
			continue
		fi
		echo "GCOV_PROFILE_${b%.c}.o=y"
	done
}

# gcov_unpack LOG DIR: the counters harness/coverage/gcov-dump.sh printed
# in LOG, unpacked into DIR (emptied first) under their path in the
# guest's debugfs; fails when none came back.
gcov_unpack() {
	rm -rf "$2"
	mkdir -p "$2"
	sed -n '/^VM-GCOV-BEGIN/,/^VM-GCOV-END/p' "$1" | sed '1d;$d' |
		base64 -d 2>/dev/null | tar xzf - -C "$2" --strip-components=1 2>/dev/null || return 1
	[ -n "$(find "$2" -name '*.gcda' -print -quit)" ]
}

# c_is_included ROOT PATH: is PATH, a .c file of the tree at ROOT,
# #included by a .c file of its directory or the one above (xe's
# convention for tests of static functions) instead of built alone?
c_is_included() {
	grep -qsE "^#include \"(tests/)?$(basename "$2")\"" \
		"$1/$(dirname "$2")"/*.c "$1/$(dirname "$2")"/../*.c
}

# need_disk GIB WHAT: refuse to start WHAT unless build/ can grow to GIB
# GiB (what it holds already counts). A disk that fills mid-run fails
# tiers far from the cause (git's "unable to write file" in the series
# tier). NEED_DISK_GIB=0 skips the check.
need_disk() {
	local need_k have_k free_k
	[ "${NEED_DISK_GIB:-}" != 0 ] || return 0
	gib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1048576 }'; }
	mkdir -p "$BUILD"
	have_k=$(du -sk "$BUILD" 2>/dev/null | cut -f1)
	free_k=$(df -Pk "$BUILD" | awk 'NR == 2 { print $4 }')
	need_k=$(($1 * 1024 * 1024 - have_k))
	[ "$need_k" -gt "$free_k" ] || return 0
	die "$(gib "$free_k") GiB free on the file system of $BUILD; $2 needs $1 GiB there (build/ holds $(gib "$have_k") GiB of it): free $(gib $((need_k - free_k))) GiB more, or set BUILD= to a directory on a larger disk"
}

# Hash of the overlay's content: names and bytes of every overlay file.
overlay_hash() {
	overlay_files | while IFS= read -r f; do
		printf '%s\n' "$f"
		sha256sum <"$TOP/$f"
	done | sha256sum | cut -d' ' -f1
}

# Paths under $TOP are hashed relative to the build directory, so that
# another checkout of the project (CI's fresh clone) hits the same cache.
ccache_env() {
	export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
	export CCACHE_BASEDIR=$TOP
	export CCACHE_NOHASHDIR=1
}

JOBS=${JOBS:-$(($(nproc) + 1))}

# frag_field NAME FILE: the value of a "# NAME: value" header line of a
# configuration fragment (harness/configs/module-*.config).
frag_field() { sed -n "s|^# $1: *||p" "$2" | head -n 1; }

# kunitconfig_bases FILE: for a KUnit configuration of harness/kunit/,
# kunit.py's --kunitconfig option for the kernel's own .kunitconfig of each
# directory its "# kunitconfig:" lines name (relative to the kernel tree),
# used as they are; FILE itself adds what our suites need. One per line.
kunitconfig_bases() { sed -n 's|^# kunitconfig: *|--kunitconfig=|p' "$1"; }

# kconfig_defined SRCDIR CONFIG_FOO: does the tree at SRCDIR define FOO?
# The unmodified base lacks the options our overlay adds; fragments that
# set them are applied to both trees, and only the patched one must honour
# them.
kconfig_defined() {
	git -C "$1" grep -qE "^(menu)?config ${2#CONFIG_}\$" -- '*Kconfig*'
}

# shared_libs FILE...: every shared library the binaries load, the dynamic
# loader included, one path a line (ldd where they were built, so that
# their run path resolves). libgcc_s.so.1, which glibc loads with dlopen
# to unwind a failing thread, is not among them: callers add it.
shared_libs() {
	local f
	for f in "$@"; do
		ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u
}

# choose_parts VAR WORD ALL: the parts of a run (its tiers, its steps)
# that variable VAR chooses, as a comma-separated list of the words in ALL
# (empty or unset: all of them; "list": print ALL one per line and exit);
# an unknown one stops the run, naming the WORDs there are. want NAME
# then says whether part NAME is chosen.
choose_parts() {
	local var=$1 word=$2 all=$3 t

	CHOSEN=${!var:-}
	if [ "$CHOSEN" = list ]; then
		tr ' ' '\n' <<<"$all"
		exit 0
	fi
	for t in ${CHOSEN//,/ }; do
		[[ " $all " == *" $t "* ]] || die "$var: no $word '$t' (${word}s: $all)"
	done
}
want() { [ -z "${CHOSEN:-}" ] || [[ ",$CHOSEN," == *",$1,"* ]]; }

# vm_machine TOPOLOGY: the guest machine of every VM tier, for a DMA
# topology (harness/vm.sh describes them): sets VM_MACHINE (QEMU's
# arguments from -machine to the last device), VM_VIRTIO_OPT (what each
# further virtio device gets: ",iommu_platform=on" where the topology
# puts virtio behind the DMA API) and VM_TOPO_APPEND (kernel parameters).
# Card A and card B sit behind one PCIe switch (P2P between them is
# allowed), a virtio-rng endpoint behind a second root port (P2P to it
# crosses the host bridge, which is not whitelisted), and two QEMU "edu"
# devices are the test device's importers, one with a 64-bit DMA mask and
# one with a 32-bit mask. 3 GiB puts 1 GiB above 4 GiB.
# VM_DEVICES=reduced makes the machine our IGT tests must skip on rather
# than fail (what another machine may lack): card A alone, no edu
# devices, and the test device's and vivid's initcalls left out (in
# VM_TOPO_APPEND), so no card B, no test device, no vivid.
# shellcheck disable=SC2054 # QEMU's option values hold commas
vm_machine() {
	local iommu_dev=() gpu_b=() edus=()

	VM_VIRTIO_OPT="" VM_TOPO_APPEND=""
	case "$1" in
	direct) ;;
	iommu)
		# First on the command line: QEMU wires the devices after it to it.
		iommu_dev=(-device intel-iommu,intremap=off)
		VM_VIRTIO_OPT=",iommu_platform=on"
		VM_TOPO_APPEND="intel_iommu=on iommu.passthrough=0 iommu.strict=1"
		;;
	bounce)
		VM_VIRTIO_OPT=",iommu_platform=on"
		VM_TOPO_APPEND="swiotlb=force"
		;;
	*) return 1 ;;
	esac
	case "${VM_DEVICES:-full}" in
	full)
		gpu_b=(-device "virtio-gpu-pci,id=gpu-b,bus=sw0p1$VM_VIRTIO_OPT")
		edus=(-device edu,id=edu64,bus=pcie.0,addr=0x10,dma_mask=0xffffffffffffffff
			-device edu,id=edu32,bus=pcie.0,addr=0x11,dma_mask=0xffffffff)
		;;
	reduced)
		VM_TOPO_APPEND="$VM_TOPO_APPEND initcall_blacklist=test_device_init,vivid_init"
		;;
	*) return 1 ;;
	esac
	VM_MACHINE=(-machine q35 -cpu qemu64 -m 3G -nodefaults -display none -no-reboot
		"${iommu_dev[@]}"
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
		-device pcie-root-port,id=rp0,bus=pcie.0,chassis=1,slot=1
		-device x3130-upstream,id=sw0,bus=rp0
		-device xio3130-downstream,id=sw0p0,bus=sw0,chassis=2,slot=0
		-device xio3130-downstream,id=sw0p1,bus=sw0,chassis=3,slot=1
		-device "virtio-gpu-pci,id=gpu-a,bus=sw0p0$VM_VIRTIO_OPT"
		"${gpu_b[@]}"
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=4,slot=2
		-device "virtio-rng-pci,id=other,bus=rp1$VM_VIRTIO_OPT"
		"${edus[@]}")
}

# vm_log_problems CONSOLE OUTPUT QEMU_LOG KDIR: what fails a VM run in its
# logs, one line each: a kernel report (KERNEL_REPORT_RE) in the console
# or the guest's output (kmemleak's report is printed there), a guest
# error QEMU logged (-d guest_errors: the host refused a command or an
# access), and a debug facility of KDIR's configuration that switched
# itself off (dma-debug after a failed allocation of its own, lockdep
# after its first report), which leaves everything after it unchecked.
# The facility lines are report_end's (harness/guest-report.sh).
vm_log_problems() {
	local console=$1 output=$2 qemu_log=$3 kdir=$4 reports

	[ -f "$kdir/.config" ] || echo "no kernel configuration at $kdir/.config to judge the run by"
	reports=$(grep -HnE "$KERNEL_REPORT_RE" "$console" "$output" || true)
	if [ -n "$reports" ]; then
		printf '%s\n' "$reports" | sed -n '1,20s/^/    /p' >&2
		echo "kernel reports in the console (first lines above; console: $console)"
	fi
	if [ -s "$qemu_log" ]; then
		head -n 5 "$qemu_log" | sed 's/^/    /' >&2
		echo "the host logged guest errors (first lines above; log: $qemu_log)"
	fi
	if grep -q '^CONFIG_DMA_API_DEBUG=y' "$kdir/.config" &&
		! grep -q '^VM-FACILITY: dma-api disabled=N' "$output"; then
		echo "DMA-API debugging is off at the end of the run (output: $output)"
	fi
	if grep -q '^CONFIG_PROVE_LOCKING=y' "$kdir/.config" &&
		! grep -q '^VM-FACILITY: lockdep debug_locks:1' "$output"; then
		echo "lockdep is off at the end of the run (output: $output)"
	fi
	true
}
