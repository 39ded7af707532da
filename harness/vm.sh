#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot a guest kernel in QEMU and run IGT tests in it under igt_runner.
#
#   [VM_TOPOLOGY=direct|iommu|bounce] vm.sh FLAVOUR [TEST...]
#
# FLAVOUR is guest or debug (build/kernel-FLAVOUR), or a path to a build
# directory. TESTs are igt-tests/ tests (default: all of ours but
# prime_gpu_matrix) or upstream IGT tests that harness/igt.sh builds;
# "TEST:PATTERN" passes --run-subtest PATTERN; kms_prime-vgem-to-vkms,
# kms_prime-virtio-gpu-to-vkms and kms_prime-virtio-gpu-to-virtio-gpu run
# kms_prime on that pair of cards (--device). The binaries and their
# libraries come from build/igt (harness/igt.sh stage builds it when its
# inputs changed). igt_runner runs the tests in the guest; its results
# directory comes back through the console and lands in
# build/results/igt-<tag>/, results.json included. Benchmarks
# (igt-tests/bench/) run directly instead, their output on the console.
# VM_IGT_EXPECT=PREFIX judges each subtest against drm-ci's expectation
# files PREFIX-fails.txt and PREFIX-skips.txt (harness/igt-results.py)
# and leaves out of the run the subtests the skips name (make check's VM
# tiers: harness/xfails/dmabuf-q35, where every subtest of ours passes
# and a skip fails the run, and harness/xfails/dmabuf-q35-1gpu for
# VM_DEVICES=reduced); without it a skip is reported, not failed.
# VM_TAG=NAME adds "-NAME" to the tag;
# VM_IGT_DEBUG=1 runs the tests with IGT_LOG_LEVEL=debug;
# VM_QEMU_ARGS="ARG ..." adds QEMU arguments (split at spaces; the
# instruction trace of harness/bench-trace.py attaches gdb with them).
#
# With VM_KIT=TARBALL the guest runs the hardware kit (make hw-kit) from
# that tarball alone instead of TESTs: debugfs unmounted first, so that the
# kit has to mount it and put it back; it prints each file of the kit's
# results between "VM-FILE-BEGIN NAME" and "VM-FILE-END NAME" lines. Its
# logs are tagged "<tag>-kit".
#
# A kernel built with gcov (build-kernel.sh coverage, make coverage) hands
# back its counters after the tests: build/results/gcov-<tag>/, under the
# path of its build directory.
#
# VM_DEVICES=reduced runs them on a machine with card A alone, no edu
# devices, no test device and no vivid (vm_machine in lib.sh), where our
# tests must skip what needs more; the tag gets "-reduced".
#
# VM_TOPOLOGY picks how the guest's devices reach memory (default direct):
#   direct  no IOMMU, DMA addresses are physical addresses; virtio devices
#           bypass the DMA API (no VIRTIO_F_ACCESS_PLATFORM)
#   iommu   QEMU's intel-iommu translating the DMA of every PCI device
#           (strict invalidation), virtio devices with iommu_platform=on
#   bounce  no IOMMU, swiotlb=force: all DMA bounces (as in SEV-SNP and
#           TDX guests), virtio devices with iommu_platform=on
# In each, two QEMU "edu" PCI devices are the test device's importers: one
# with a 64-bit DMA mask and one with a 32-bit mask, which bounces through
# swiotlb for the guest's memory above 4 GiB. The guest reports its PCI
# devices, IOMMU groups, virtio features and swiotlb use, and the run
# fails unless they show the topology that was asked for.
#
# The kernel console (ttyS0) goes to build/logs/vm-<tag>.log, the tests'
# output (ttyS1, so that kernel messages cannot break its lines) to
# build/logs/vm-<tag>-tests.log, where <tag> is the flavour, followed by
# "-iommu" or "-bounce" for those topologies; the tests' control port
# (ttyS2) is served by harness/screendump.py, which takes QMP screen dumps
# of a card on request (PPMs and its log in build/logs/screendump-<tag>/).
# Results are printed as
#   PASS|FAIL|SKIP <suite>/<case>
# (igt/<test>/<subtest> for IGT, kunit-x86_64/<case> for the KUnit suites
# a debug kernel runs at boot, whose KTAP goes to build/results/ktap/)
# followed by "RESULT vm-<tag> passed=N failed=N skipped=N". The run fails
# when the guest hangs (VM_TIMEOUT seconds, default 900), sees fewer than
# two CPUs, does not reach the end of its init, or when the console has
# any KASAN, lockdep, kmemleak, WARN, BUG or Oops report, IOMMU (DMAR)
# fault or DMA-API debug report (every one: the init sets dma-api's
# all_errors), when a debug facility switched itself off (dma-debug,
# lockdep, kmemleak), or when QEMU logged a guest error (-d guest_errors,
# build/logs/qemu-<tag>.log: the host refused a command).
STAGE=vm
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: vm.sh guest|debug|BUILDDIR [TEST...]}
shift
case "$flavour" in
*/*) kdir=$flavour; flavour=$(basename "$flavour") ;;
*) kdir=$BUILD/kernel-$flavour ;;
esac
topology=${VM_TOPOLOGY:-direct}
case "$topology" in
direct) tag=$flavour ;;
iommu | bounce) tag=$flavour-$topology ;;
*) die "unknown VM_TOPOLOGY '$topology' (direct, iommu or bounce)" ;;
esac
case "${VM_DEVICES:-full}" in
full) display=gpu-b ;;
reduced) tag=$tag-reduced display=gpu-a ;;
*) die "unknown VM_DEVICES '$VM_DEVICES' (full or reduced)" ;;
esac
tag=$tag${VM_TAG:+-$VM_TAG}
STAGE="vm-$tag"
kernel=$kdir/arch/x86/boot/bzImage
[ -f "$kernel" ] || die "no kernel at $kernel; build it first (make kernel)"

# prime_fault_injection goes after the others: the allocations it fails
# include those of the debug facilities themselves (DMA-API debug turns
# itself off when one of its own fails), which must stay on for every
# other test. prime_hotunplug goes last of all: it removes card B.
# prime_gpu_matrix is the hardware kit's test: the hw-kit tier runs it,
# through the kit.
tests_all=$(cd "$TOP/igt-tests" && ls *.c | sed 's/\.c$//' |
	grep -vxE 'prime_fault_injection|prime_hotunplug|prime_gpu_matrix')
tests_all="$tests_all prime_fault_injection prime_hotunplug"
# One line, words split: the arguments or every test.
# shellcheck disable=SC2048,SC2086
tests=$(echo ${*:-$tests_all})
kit=${VM_KIT:-}
if [ -n "$kit" ]; then
	[ -f "$kit" ] || die "no kit tarball at $kit"
	tests=hw-kit
	tag=$tag-kit
	STAGE="vm-$tag"
fi

# IGT and our tests, built against it (harness/igt.sh; rebuilt only when
# its inputs changed).
"$(dirname "$0")/igt.sh" stage >"$LOGDIR/igt-stage-$tag.log" 2>&1 ||
	die "could not build IGT and the tests (log: $LOGDIR/igt-stage-$tag.log)"

# The initramfs: busybox, IGT's binaries and their libraries, an init
# that runs them.
root=$BUILD/initramfs-$tag
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib64,igt/run}
cp /bin/busybox "$root/bin/busybox"
gcc -O2 -static -o "$root/bin/guest-exit" "$TOP/harness/guest-exit.c"
cp "$TOP/harness/guest-report.sh" "$root/bin/"
cp -a "$BUILD/igt/bin" "$BUILD/igt/lib" "$root/igt/"
ln -s /igt/lib/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
# The kernel's modules (the debug kernel's: the dma-buf selftests) and
# depmod's index, where libkmod (IGT's igt_kselftests) looks for them.
if grep -q '^CONFIG_MODULES=y' "$kdir/.config"; then
	make -C "$kdir" ARCH=x86_64 INSTALL_MOD_PATH="$root" INSTALL_MOD_STRIP=1 \
		modules_install >"$LOGDIR/modules-$tag.log" 2>&1 ||
		die "could not install $kdir's modules (log: $LOGDIR/modules-$tag.log)"
fi
benches=$(cd "$TOP/igt-tests/bench" && ls *.c | sed 's/\.c$//')
if [ -n "$kit" ]; then
	cp "$kit" "$root/kit.tar.gz"
	run_tests='echo "VM-TEST-BEGIN hw-kit"
umount /sys/kernel/debug
mkdir -p /tmp/kit && cd /tmp/kit && tar xzf /kit.tar.gz
sh ./*/run-tests.sh -o /tmp/kit-results
rc=$?
echo "VM-KIT-DEBUGFS-AFTER: $(grep -c " /sys/kernel/debug " /proc/mounts)"
echo "VM-TEST-END hw-kit rc=$rc"
for f in summary.txt results.json machine-state.txt dmesg-reports.txt inventory.txt; do
	echo "VM-FILE-BEGIN $f"
	# awk ends the last line, so that the end marker starts its own line
	awk 1 /tmp/kit-results/$f
	echo "VM-FILE-END $f"
done
echo "VM-KIT-TARBALL: $(ls -l /tmp/kit-results.tar.gz)"
mount -t debugfs debugfs /sys/kernel/debug'
else
	# The runner's test root: one entry per test, in order, in
	# test-list.txt. "TEST:PATTERN" and the kms_prime device pairs are
	# scripts that pass the binary its options; benchmarks run
	# directly, their output on the console.
	direct="" listed=""
	for t in $tests; do
		name=${t%%:*}
		case " $benches " in *" $name "*) direct="$direct $name"; continue ;; esac
		listed="$listed $name"
		case "$t" in
		*:*)
			printf '#!/bin/sh\nexec /igt/bin/%s --run-subtest %s "$@"\n' "$name" "'${t#*:}'" \
				>"$root/igt/run/$name"
			;;
		kms_prime-*)
			# Cards by driver, found at boot (/tmp/card-DRIVER-N).
			case "$name" in
			kms_prime-vgem-to-vkms) devs='drm:$(cat /tmp/card-vkms-0)' ;;
			kms_prime-virtio-gpu-to-vkms) devs='drm:$(cat /tmp/card-virtio_gpu-0);drm:$(cat /tmp/card-vkms-0)' ;;
			kms_prime-virtio-gpu-to-virtio-gpu) devs='drm:$(cat /tmp/card-virtio_gpu-0);drm:$(cat /tmp/card-virtio_gpu-1)' ;;
			*) die "unknown kms_prime pair $name" ;;
			esac
			printf '#!/bin/sh\nunset IGT_DEVICE\nexec /igt/bin/kms_prime --device "%s" "$@"\n' "$devs" \
				>"$root/igt/run/$name"
			;;
		*)
			[ -x "$BUILD/igt/bin/$name" ] || die "no test binary $name in $BUILD/igt/bin"
			ln -s "../bin/$name" "$root/igt/run/$name"
			;;
		esac
		[ -L "$root/igt/run/$name" ] || chmod +x "$root/igt/run/$name"
	done
	printf '%s\n' $listed >"$root/igt/run/test-list.txt"
	# Subtests the expectations leave out: igt_runner --blacklist, which
	# refuses an empty file.
	blacklist=""
	if [ -n "${VM_IGT_EXPECT:-}" ]; then
		python3 "$TOP/harness/igt-results.py" exclude "$VM_IGT_EXPECT" >"$root/igt/exclude.txt" ||
			die "cannot read $VM_IGT_EXPECT"
		[ -s "$root/igt/exclude.txt" ] && blacklist="-b /igt/exclude.txt"
	fi
	run_tests="export LD_LIBRARY_PATH=/igt/lib
# DRM cards by driver, in card order: /tmp/card-DRIVER-N holds /dev/dri/cardM.
find_cards /tmp
for name in $direct; do
	echo \"VM-TEST-BEGIN \$name\"
	/igt/bin/\$name
	echo \"VM-TEST-END \$name rc=\$?\"
done
if [ -n \"$listed\" ]; then
	echo 'VM-TEST-BEGIN igt_runner'
	# Tests that open DRIVER_ANY get virtio-gpu card A. Kernel messages
	# turn a result into dmesg-warn from KERN_ERR up, not KERN_WARNING:
	# under TCG vkms warns of vblank timer overruns all the time, and
	# vm.sh fails the run on any kernel report in the console anyway.
	# IGT_DMABUF_VMCTL names the control port (igt-tests/lib/igt_vmctl.h).
	IGT_DEVICE=drm:\$(cat /tmp/card-virtio_gpu-0) /igt/bin/igt_runner -m -o -l verbose -n $tag \\
		--dmesg-warn-level 3 -e IGT_DEVICE -e IGT_DMABUF_VMCTL=/dev/ttyS2 \\
		${VM_IGT_DEBUG:+-e IGT_LOG_LEVEL=debug} \\
		$blacklist /igt/run /tmp/results
	echo \"VM-TEST-END igt_runner rc=\$?\"
	echo 'VM-RESULTS-BEGIN'
	tar czf - -C /tmp results | base64
	echo 'VM-RESULTS-END'
fi"
fi
# A kernel with gcov (make coverage): its counters, after the tests, come
# back on the console (harness/coverage/gcov-dump.sh) and land in
# build/results/gcov-<tag>/, under the path of the build directory
# (debugfs mirrors it).
gcov_dump=""
if grep -q '^CONFIG_GCOV_KERNEL=y' "$kdir/.config"; then
	cp "$TOP/harness/coverage/gcov-dump.sh" "$root/bin/gcov-dump"
	gcov_dump=/bin/gcov-dump
fi
cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
# Every DMA-API debug report, not only the first (its default).
[ -e /sys/kernel/debug/dma-api/all_errors ] && echo 1 >/sys/kernel/debug/dma-api/all_errors
# Everything from here on goes to the second serial port.
exec >/dev/ttyS1 2>&1
. /bin/guest-report.sh
# The DMA topology as the guest sees it; vm.sh checks it.
report_topology
$run_tests
$gcov_dump
# kmemleak, swiotlb use and the debug facilities; vm.sh checks them.
report_end
echo VM-DONE
guest-exit 0
# Not reached under QEMU; without isa-debug-exit, stop anyway.
poweroff -f
EOF
chmod +x "$root/init"
initrd=$BUILD/initramfs-$tag.cpio.gz
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd"

log=$LOGDIR/vm-$tag.log
tlog=$LOGDIR/vm-$tag-tests.log
timeout_s=${VM_TIMEOUT:-900}
accel=${VM_ACCEL:-tcg}
# VM_SMP: guest CPUs (default 2; make bench uses 1, so that no lock is
# spun on while the other vCPU holds it, which makes counts vary).
smp=${VM_SMP:-2}
# VM_ICOUNT=SHIFT: QEMU's instruction counting, each guest instruction
# 2^SHIFT ns of guest time, no sleeping, no alignment to host time: guest
# time is then a count of executed instructions (make bench).
icount=()
if [ -n "${VM_ICOUNT:-}" ]; then
	icount=(-icount "shift=$VM_ICOUNT,sleep=off,align=off")
	accel=$accel,thread=single
fi
dumps=$LOGDIR/screendump-$tag
qemu_args=()
read -ra qemu_args <<<"${VM_QEMU_ARGS:-}"

# The machine and the topology's kernel parameters (vm_machine in
# lib.sh). movablecore makes the gigabyte above 4 GiB ZONE_MOVABLE: page
# cache and shmem (vgem, virtio-gpu, udmabuf buffers) land there and
# bounce for the 32-bit edu, while kernel allocations (the system heap,
# the test device's exporter) stay below 4 GiB, so that vivid, whose mask
# is 32 bits and which writes its frames with the CPU, bounces only where
# the topology forces it. The CMA area (the CMA heap's "reserved") is put
# below 4 GiB for the same reason, where a real one serves 32-bit devices.
vm_machine "$topology"
rm -rf "$dumps" "$LOGDIR/qemu-$tag.log"
mkdir -p "$dumps"
# Unix socket paths are short: keep them in a private temporary directory.
sockdir=$(mktemp -d /tmp/vm-sock.XXXXXX)
say "booting $kernel (topology $topology, accel $accel${VM_ICOUNT:+, icount shift $VM_ICOUNT}, timeout ${timeout_s}s, console: $log, tests: $tlog)"
set +e
{
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-accel "$accel" "${icount[@]}" -smp "$smp" "${VM_MACHINE[@]}" \
	-d guest_errors -D "$LOGDIR/qemu-$tag.log" \
	-serial file:"$log" -serial stdio \
	-chardev socket,id=ctl,path="$sockdir/ctl",server=on,wait=off \
	-serial chardev:ctl \
	-qmp unix:"$sockdir/qmp",server=on,wait=off \
	-vnc "unix:$sockdir/vnc,display=$display" \
	-kernel "$kernel" -initrd "$initrd" "${qemu_args[@]}" \
	-append "console=ttyS0 panic=-1 vivid.n_devs=2 vivid.allocators=1,0 dma_buf_test_device.edu_dma_bits=64,32 movablecore=1G cma=16M@0-4G $VM_TOPO_APPEND ${VM_APPEND:-}" \
	</dev/null 2>&1
echo $? >"$sockdir/rc"
} | tr -d '\r' | tee "$tlog" |
	grep --line-buffered -E '^(\[[0-9]+/[0-9]+\] |VM-TEST-BEGIN|VM-CPUS)' |
	sed -u "s/^/    /" &
qemu_pipe=$!
python3 "$(dirname "$0")/screendump.py" "$sockdir/qmp" "$sockdir/ctl" "$dumps" "$sockdir/vnc" \
	>"$dumps/service.log" 2>&1 &
dump_pid=$!
wait "$qemu_pipe"
rc=$(cat "$sockdir/rc" 2>/dev/null || echo 255)
wait "$dump_pid"
dump_rc=$?
rm -rf "$sockdir"
set -e

failures=0
problem() {
	echo "FAIL vm/$1"
	failures=$((failures + 1))
}

case $rc in
1) ;; # guest-exit 0: init ran to its end
124 | 137) problem "guest hung: killed after ${timeout_s}s (console: $log)" ;;
*) problem "QEMU exited with status $rc before the guest finished (console: $log)" ;;
esac
[ "$dump_rc" -eq 0 ] || problem "screen-dump service failed with status $dump_rc (log: $dumps/service.log)"
grep -q '^VM-DONE' "$tlog" || problem "guest did not reach the end of its init (console: $log)"

cpus=$(sed -n 's/^VM-CPUS: //p' "$tlog")
[ "${cpus:-0}" -eq "$smp" ] || problem "guest sees ${cpus:-no} CPUs, not $smp (console: $log)"

# The topology asked for is the one the guest ran with.
if topo=$(python3 "$(dirname "$0")/vm-topology.py" "$topology" "$tlog" "${VM_DEVICES:-full}"); then
	echo "    $topo"
else
	problem "topology $topology is not in effect: $topo (output: $tlog)"
fi

# Kernel reports, guest errors the host logged, debug facilities that
# switched themselves off (vm_log_problems in lib.sh). The facilities are
# only judged when the init reached its end, and not for the hardware
# kit, which unmounts debugfs.
while IFS= read -r p; do
	case "$p" in
	"DMA-API debugging is off"* | "lockdep is off"*)
		[ -z "$kit" ] && grep -q '^VM-DONE' "$tlog" || continue ;;
	esac
	problem "$p"
done < <(vm_log_problems "$log" "$tlog" "$LOGDIR/qemu-$tag.log" "$kdir")

# IGT results: the runner's results directory comes back base64-encoded
# between two markers; its results.json is judged per subtest
# (harness/igt-results.py; VM_IGT_EXPECT names the expectation files).
passed=0 failed=0 skipped=0
results=$BUILD/results/igt-$tag
if [ -n "$kit" ]; then
	:
elif grep -q '^VM-RESULTS-END' "$tlog"; then
	rm -rf "$results"
	mkdir -p "$results"
	sed -n '/^VM-RESULTS-BEGIN/,/^VM-RESULTS-END/p' "$tlog" | sed '1d;$d' |
		base64 -d | tar xzf - -C "$results" --strip-components=1 ||
		problem "the runner's results did not come back intact (output: $tlog)"
	# IGT's own tool rebuilds results.json from the run directory.
	"$BUILD/igt-build/runner/igt_results" "$results" >"$LOGDIR/igt-results-$tag.log" 2>&1 ||
		problem "igt_results could not rebuild $results/results.json"
	if [ -f "$results/results.json" ]; then
		report=$(python3 "$(dirname "$0")/igt-results.py" report "$results/results.json" \
			${VM_IGT_EXPECT:+--expect "$VM_IGT_EXPECT"}) ||
			problem "results.json could not be read ($results)"
		printf '%s\n' "$report" | sed "/^FAIL/s|\$| (results: $results)|"
		passed=$(grep -c '^PASS' <<<"$report" || true)
		failed=$(grep -c '^FAIL' <<<"$report" || true)
		skipped=$(grep -c '^SKIP' <<<"$report" || true)
	fi
else
	case " $tests " in
	*" "[!:]*) grep -q '^VM-TEST-BEGIN igt_runner' "$tlog" &&
		problem "the runner's results did not come back (output: $tlog)" ;;
	esac
fi
if [ -n "$gcov_dump" ]; then
	gcov_unpack "$tlog" "$BUILD/results/gcov-$tag" ||
		problem "the gcov counters did not come back (output: $tlog)"
fi
while IFS= read -r line; do
	case "$line" in
	"VM-TEST-END "*)
		trc=${line##*rc=}
		current=${line#VM-TEST-END }
		current=${current%% *}
		case "$trc" in
		0 | 77) ;;
		98) [ "$current" = igt_runner ] || problem "$current failed (output: $tlog)" ;;
		*) problem "$current exited with status $trc (output: $tlog)" ;;
		esac
		;;
	esac
done <"$tlog"
for t in $tests; do
	name=${t%%:*}
	if [ -n "$kit" ] || case " $benches " in *" $name "*) true ;; *) false ;; esac; then
		grep -q "^VM-TEST-END $name " "$tlog" || problem "$name did not finish (output: $tlog)"
	elif [ -f "$results/results.json" ] && ! grep -qE "\"igt@${name}[@\"]" "$results/results.json"; then
		problem "$name has no results (runner output: $tlog; results: $results)"
	fi
done

# KUnit suites built into the guest print KTAP on the console (a kernel
# with KUnit but no suites prints an empty plan, "1..0").
if grep -q '# Subtest: ' "$log"; then
	# Only the boot's KTAP lines, from its header to the result of its
	# last suite: kernel messages printed meanwhile (vkms' vblank
	# overruns, a WARN's register dump) confuse the parser.
	ktap=$LOGDIR/ktap-$tag.log
	# (awk reads to the end: an early exit would kill tr with SIGPIPE.)
	tr -d '\r' <"$log" | awk '
		stop { next }
		!start && /\] KTAP version [0-9]+$/ { start = 1 }
		start && /^\[ *[0-9.]+\] *(KTAP version|#|1\.\.|ok |not ok )/ { print }
		start && !plan && /\] 1\.\.[0-9]+$/ { plan = $NF; sub(/^1\.\./, "", plan) }
		start && plan && $0 ~ ("\\] (not )?ok " plan " ") { stop = 1 }
		END { print "" }
	' >"$ktap"
	python3 "$SRC/tools/testing/kunit/kunit.py" parse "$ktap" >"$LOGDIR/kunit-$tag.log" 2>&1 || true
	mkdir -p "$BUILD/results/ktap"
	python3 "$SRC/tools/testing/kunit/kunit.py" parse --raw_output=kunit "$ktap" \
		>"$BUILD/results/ktap/kunit-x86_64-$tag.ktap" 2>/dev/null || true
	kpass=$(sed -n 's/.*Ran [0-9]* tests: .*passed: \([0-9]*\).*/\1/p' "$LOGDIR/kunit-$tag.log" | tail -n 1)
	kfail=$(sed -n 's/.*Ran [0-9]* tests: .*failed: \([0-9]*\).*/\1/p' "$LOGDIR/kunit-$tag.log" | tail -n 1)
	kskip=$(sed -n 's/.*Ran [0-9]* tests: .*skipped: \([0-9]*\).*/\1/p' "$LOGDIR/kunit-$tag.log" | tail -n 1)
	kpass=${kpass:-0} kfail=${kfail:-0} kskip=${kskip:-0}
	if [ "$kpass" -eq 0 ] && [ "$kfail" -eq 0 ]; then
		problem "KUnit output in the console could not be parsed (log: $LOGDIR/kunit-$tag.log)"
	fi
	# Case lines only; suite lines are framed with "=".
	sed -nE 's/^\[[0-9:]+\] \[PASSED\] (.*)$/PASS kunit-x86_64\/\1/p; s/^\[[0-9:]+\] \[(FAILED|CRASHED)\] (.*)$/FAIL kunit-x86_64\/\2/p; s/^\[[0-9:]+\] \[SKIPPED\] (.*)$/SKIP kunit-x86_64\/\1/p' "$LOGDIR/kunit-$tag.log"
	[ "$kfail" -eq 0 ] || echo "    (KUnit failures: $LOGDIR/kunit-$tag.log)"
	passed=$((passed + kpass))
	failed=$((failed + kfail))
	skipped=$((skipped + kskip))
fi

echo "RESULT vm-$tag passed=$passed failed=$((failed + failures)) skipped=$skipped"
[ $((failed + failures)) -eq 0 ]
