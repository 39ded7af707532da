#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Real clients in the VM: Debian 12's own Mesa, unmodified, importing
# foreign buffers through a guest kernel.
#
#   [VM_TOPOLOGY=direct|iommu|bounce] clients.sh FLAVOUR|BUILDDIR
#
# FLAVOUR is debug (build/kernel-debug, the VM tier's kernel), base (a
# guest kernel of the unmodified 6.12 base, built here into
# build/kernel-guest-base), or a build directory. On the base, Mesa's
# import must be refused (6.12's virtio-gpu imports no foreign buffer)
# instead of drawn; the run records what happened. CLIENTS_BASE=1 says
# that a build directory holds a base kernel.
#
# The guest's root is the host's own, shared read-only over 9p (the way
# virtme-style runners boot a host's userspace); what the programs write
# goes to memory. The host packages what runs there (Mesa, libgbm,
# libEGL: DEPS in lib.sh). The clients (harness/clients/*.c) are built
# into the run's directory, build/results/clients-<tag>/, shared
# read-write with the guest as "out"; the guest's init is
# harness/clients/guest.sh, whose output lands there as guest.log. The
# machine and topologies are vm.sh's (vm_machine in lib.sh).
#
# For each source (udmabuf, a vgem dumb buffer, a dumb buffer of card B)
# the run checks that Mesa drew the imported buffer and read back the
# test pattern (egl-import), that card A's attachment to it is in bufinfo
# (our importer: native, with its negotiated mapping type), and that a
# screen dump of card A shows the pattern pixel for pixel (what Mesa drew
# into card A's own buffer: scanning out an import itself is
# kms_prime_scanout's, in the VM tier); at the end,
# that no dma-buf is left, and the logs as vm.sh checks them (kernel
# reports, kmemleak, debug facilities, guest errors, the topology).
# Prints PASS|FAIL clients/<check> lines and
# "RESULT clients-<tag> passed=N failed=N skipped=0".
set -euo pipefail
STAGE=clients
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: clients.sh debug|base|BUILDDIR}
base=${CLIENTS_BASE:-0}
case "$flavour" in
*/*) kdir=$flavour; flavour=$(basename "$flavour") ;;
base)
	bdir=$(base_worktree) || exit 1
	OUTNAME=kernel-guest-base "$TOP/harness/build-kernel.sh" guest "$bdir" ||
		die "could not build the base's guest kernel"
	kdir=$BUILD/kernel-guest-base base=1
	;;
*) kdir=$BUILD/kernel-$flavour ;;
esac
topology=${VM_TOPOLOGY:-direct}
vm_machine "$topology" || die "unknown VM_TOPOLOGY '$topology' (direct, iommu or bounce)"
tag=$flavour
[ "$topology" = direct ] || tag=$flavour-$topology
STAGE="clients-$tag"
kernel=$kdir/arch/x86/boot/bzImage
[ -f "$kernel" ] || die "no kernel at $kernel; build it first"

out=$BUILD/results/clients-$tag
log=$LOGDIR/clients-$tag.log
qlog=$LOGDIR/qemu-clients-$tag.log
rm -rf "$out" "$qlog"
mkdir -p "$out" "$LOGDIR"
cflags=(-O2 -Wall -Wextra -Werror -Wno-unused-parameter -I"$TOP/drivers/dma-buf")
# shellcheck disable=SC2046 # pkg-config prints several words
gcc "${cflags[@]}" $(pkg-config --cflags libdrm gbm egl glesv2) \
	-o "$out/egl-import" "$TOP/harness/clients/egl-import.c" \
	$(pkg-config --libs libdrm gbm egl glesv2) ||
	die "could not build egl-import"
gcc -O2 -static -o "$out/guest-exit" "$TOP/harness/guest-exit.c"
cp "$TOP/harness/clients/guest.sh" "$TOP/harness/guest-report.sh" "$out/"

timeout_s=${VM_TIMEOUT:-900}
sockdir=$(mktemp -d /tmp/vm-sock.XXXXXX)
qemu_pid="" dump_pid=""
cleanup() {
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
	[ -z "$dump_pid" ] || kill "$dump_pid" 2>/dev/null || true
	rm -rf "$sockdir"
}
trap cleanup EXIT
dumps=$out/screendumps
mkdir -p "$dumps"
say "booting $kernel with the host's root (topology $topology, timeout ${timeout_s}s, console: $log, output: $out/guest.log)"
# The two 9p shares carry the guest's root and its output: infrastructure,
# not devices under test, so they stay out of the DMA API in every
# topology (no $VM_VIRTIO_OPT). Behind it, 9p maps its small kmalloc'd
# request buffers for DMA, two of them can share a cache line, and DMA-API
# debugging reports "overlapping mappings" (seen in the IOMMU topology,
# from p9_virtio_request, intermittently).
set +e
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-accel tcg -smp 2 "${VM_MACHINE[@]}" \
	-d guest_errors -D "$qlog" \
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,disable-legacy=on \
	-fsdev local,id=out,path="$out",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=out,mount_tag=out,disable-legacy=on \
	-serial file:"$log" -serial null \
	-chardev socket,id=ctl,path="$sockdir/ctl",server=on,wait=off \
	-serial chardev:ctl \
	-qmp unix:"$sockdir/qmp",server=on,wait=off \
	-vnc unix:"$sockdir/vnc",display=gpu-b \
	-kernel "$kernel" \
	-append "console=ttyS0 panic=-1 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro init=$out/guest.sh movablecore=1G $VM_TOPO_APPEND" \
	</dev/null >"$LOGDIR/qemu-clients-$tag.out" 2>&1 &
qemu_pid=$!
python3 "$TOP/harness/screendump.py" "$sockdir/qmp" "$sockdir/ctl" "$dumps" "$sockdir/vnc" \
	>"$dumps/service.log" 2>&1 &
dump_pid=$!
wait "$qemu_pid"
rc=$?
wait "$dump_pid"
dump_rc=$?
qemu_pid="" dump_pid=""
set -e

passed=0 failed=0
check() { # check NAME OK? DETAIL
	if [ "$2" = yes ]; then
		echo "PASS clients/$1"
		passed=$((passed + 1))
	else
		echo "FAIL clients/$1: $3"
		failed=$((failed + 1))
	fi
}
glog=$out/guest.log
[ -f "$glog" ] || : >"$glog"
ok() { if "$@"; then echo yes; else echo no; fi; }

# The run itself: the guest's init to its end (guest-exit 0 leaves QEMU
# with status 1), the screen-dump service.
case $rc in
1) check vm "$(ok grep -q '^CLIENTS-DONE' "$glog")" \
	"the guest's init did not reach its end (output: $glog; console: $log; QEMU: $LOGDIR/qemu-clients-$tag.out)" ;;
124 | 137) check vm no "guest hung: killed after ${timeout_s}s (console: $log)" ;;
*) check vm no "QEMU exited with status $rc (console: $log; QEMU: $LOGDIR/qemu-clients-$tag.out)" ;;
esac
check screendump-service "$(ok test "$dump_rc" -eq 0)" "failed with status $dump_rc (log: $dumps/service.log)"
if topo=$(python3 "$TOP/harness/vm-topology.py" "$topology" "$glog"); then
	check topology yes
	echo "    $topo"
else
	check topology no "$topology is not in effect: $topo (output: $glog)"
fi
cpus=$(sed -n 's/^VM-CPUS: //p' "$glog")
check cpus "$(ok test "${cpus:-0}" -eq 2)" "the guest sees ${cpus:-no} CPUs, not 2 (output: $glog)"
# The debug facilities are judged only when the init reached its end.
problems=$(vm_log_problems "$log" "$glog" "$qlog" "$kdir" |
	if grep -q '^CLIENTS-DONE' "$glog"; then cat; else grep -v 'is off at the end'; fi || true)
check kernel-logs "$(ok test -z "$problems")" "$(printf '%s; ' "$problems")"

# Mesa, per source.
for name in udmabuf vgem card-b; do
	line=$(grep "^CLIENTS-MESA $name " "$glog" || true)
	if [ "$base" = 1 ]; then
		# 6.12: virtio-gpu refuses the PRIME import, so Mesa refuses
		# the EGL image (egl-import's status 3).
		check "mesa-$name-refused-on-base" "$(ok grep -q ' rc=3 .* refused ' <<<"$line")" \
			"expected a refused import on the base: ${line:-no result} (output: $glog)"
		continue
	fi
	check "mesa-$name-drawn" "$(ok grep -q ' rc=0 .*readback=match 0' <<<"$line")" \
		"${line:-no result} (output: $glog)"
	attach=$(grep "^CLIENTS-ATTACH $name " "$glog" || true)
	check "mesa-$name-attachment" "$(ok grep -qE 'mapping=[a-z]+.*exporter=native.*importer=native' <<<"$attach")" \
		"card A's attachment: ${attach:-none} (output: $glog)"
	dump=$(grep "^SCREENDUMP-RESULT mesa-$name " "$glog" || true)
	check "mesa-$name-screendump" "$(ok grep -q ' match$' <<<"$dump")" \
		"${dump:-no screen dump} (dumps: $dumps)"
done
total=$(sed -n 's/^CLIENTS-BUFINFO-TOTAL //p' "$glog")
check no-buffers-left "$(ok grep -q '^Total 0 objects' <<<"$total")" "${total:-no bufinfo total} (output: $glog)"

echo "RESULT clients-$tag passed=$passed failed=$failed skipped=0"
[ "$failed" -eq 0 ]
