#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: every test tier that runs on this machine.
#
#   1. overlay rules: layout, zero-fuzz patches, checkpatch --strict;
#      the patch series (harness/series.sh check): git am rebuilds the
#      assembled tree, every patch checkpatch-clean; shellcheck on the
#      harness's and the kit's shell scripts
#   2. KUnit under UML: the dma-buf suites (MOVE_NOTIFY off and on),
#      drm_prime and xe (harness/kunit/drm.kunitconfig, with lockdep);
#      on x86_64 under QEMU: amdgpu's (harness/kunit/amdgpu.kunitconfig,
#      with lockdep, MOVE_NOTIFY on and off)
#   3. compile tier: W=1 + sparse on every object the overlay touches,
#      and again without KUnit (compile-nokunit);
#      module tiers (harness/configs/module-*.config): W=1 + sparse on
#      the overlay's objects in a modular configuration, and dma-buf's
#      KUnit test modules linked against a built-in core with KUNIT=m
#      (amdgpu.ko and xe.ko are linked by make sweep)
#   4. VM tier: the debug guest (KASAN, lockdep, kmemleak, DMABUF_DEBUG,
#      DMA_API_DEBUG) runs the KUnit suites at boot and igt-tests/, once
#      in each DMA topology (harness/vm.sh: direct, iommu, bounce), every
#      subtest passing (harness/xfails/dmabuf-q35); and igt-tests/ on a
#      reduced machine (card A alone, no test device, no vivid), where
#      what needs more must skip (harness/xfails/dmabuf-q35-1gpu)
#   5. upstream IGT's tests of what the series touches
#      (harness/igt-upstream.txt), in the VM, each subtest against the
#      expectations in drm-ci's format (harness/xfails/)
#   6. the hardware kit (harness/hw-kit.sh check): built, refused by this
#      machine's kernel, run from its tarball alone in the VM
#   7. real clients (harness/clients.sh), from the host's root in the
#      debug guest: Debian's Mesa importing foreign buffers through EGL on
#      virtio-gpu, and sway on both cards showing a client's frames on
#      card B through its multi-GPU import, checked by read-back, bufinfo
#      and screen dumps, in the direct and IOMMU topologies (bounce, the
#      6.12 base and 600 frames: make sweep)
#   Tiers 4 to 7 run two at a time (vm_tiers), their output printed whole
#   as each ends.
#
# Before the VM tiers, the igt tier (harness/igt.sh build) writes
# igt-tests/ as an IGT patch, applies it to the IGT snapshot with git am
# and builds it; the VM runs those binaries under igt_runner. build/results/
# ends up with what CI systems read (harness/results.sh).
#
# Every tier prints PASS/FAIL lines and a "RESULT <tier> passed=N
# failed=N" line; a tier that cannot run counts as one failure naming its
# log. The last line is "N passed, N failed"; the exit status is non-zero
# on any failure.
#
# TIERS=a,b runs only those tiers (setup and assemble always; the debug
# kernel whenever a chosen tier boots or compiles it); TIERS=list prints
# their names.
STAGE=check
. "$(dirname "$0")/lib.sh"

module_tiers=$(cd "$TOP/harness/configs" && ls module-*.config 2>/dev/null | sed 's/\.config$//')
kernel_tiers="compile compile-nokunit $module_tiers vm-direct vm-iommu vm-bounce vm-reduced igt-upstream hw-kit clients-direct clients-iommu"
# shellcheck disable=SC2086
all_tiers=$(echo overlay series shellcheck kunit igt kernel $kernel_tiers)
choose_parts TIERS tier "$all_tiers"
want_kernel() {
	local t
	for t in kernel $kernel_tiers; do want "$t" && return 0; done
	return 1
}

H=$TOP/harness
total_pass=0
total_fail=0
summary=""
t0=$(date +%s)

# tier NAME CMD...: run one tier, add up its RESULT line.
tier() {
	local name=$1 out rc res p f
	shift
	out=$LOGDIR/check-$name.out
	echo "==> [check] $name ($(($(date +%s) - t0)) s elapsed)"
	set +e
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	set -e
	res=$(grep -E '^RESULT ' "$out" | tail -n 1)
	if [ -n "$res" ]; then
		p=$(echo "$res" | sed -n 's/.*passed=\([0-9]*\).*/\1/p')
		f=$(echo "$res" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
	else
		p=0 f=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: stage failed with status $rc (output: $out)"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	summary="$summary$(printf '  %-16s %4d passed, %d failed' "$name" "$p" "$f")\n"
	return "$rc"
}

# The VM tiers, two at a time: under TCG a guest mostly keeps one host
# core busy, so one guest alone leaves a core idle. Each tier's
# output goes to a file while it runs and is printed when it ends; the
# next tier starts as soon as either running one has ended (the longest
# are named first, so that the short ones fill in beside them). The
# summary table lists them in the order named, whatever order they end in.
# vm_tiers NAME:FUNCTION...
vm_tiers() {
	local -a names=() funcs=() running=() pids=()
	local spec name i next=0 line before=$summary
	summary=
	for spec; do
		want "${spec%%:*}" || continue
		names+=("${spec%%:*}")
		funcs+=("${spec#*:}")
	done
	while ((next < ${#names[@]} || ${#running[@]} > 0)); do
		while ((next < ${#names[@]} && ${#running[@]} < 2)); do
			vm_tier_start "${names[next]}" "${funcs[next]}"
			running+=("${names[next]}")
			pids+=("$!")
			next=$((next + 1))
		done
		sleep 2
		for i in "${!running[@]}"; do
			name=${running[i]}
			# Ended: its status written, or its shell gone without
			# writing it (replay then reports status 1).
			[ -f "$LOGDIR/check-$name.rc" ] || ! kill -0 "${pids[i]}" 2>/dev/null ||
				continue
			wait "${pids[i]}" || true
			unset "running[i]" "pids[i]"
			tier "$name" replay "$name" || true
		done
		running=("${running[@]}")
		pids=("${pids[@]}")
	done
	wait
	for name in "${names[@]}"; do
		line=$(printf '%b' "$summary" | grep -E "^  $name +[0-9]") &&
			before="$before$line\n"
	done
	summary=$before
}

# vm_tier_start NAME FUNCTION: run FUNCTION in the background; its status
# goes to check-NAME.rc when it ends (written whole: it says "ended").
vm_tier_start() {
	echo "==> [check] $1 started ($(($(date +%s) - t0)) s elapsed; output: $LOGDIR/check-$1.run)"
	rm -f "$LOGDIR/check-$1.rc"
	(
		set +e
		"$2" >"$LOGDIR/check-$1.run" 2>&1
		echo $? >"$LOGDIR/check-$1.rc.new"
		mv "$LOGDIR/check-$1.rc.new" "$LOGDIR/check-$1.rc"
	) &
}

# replay NAME: print a background tier's output, return its status.
replay() {
	cat "$LOGDIR/check-$1.run"
	return "$(cat "$LOGDIR/check-$1.rc" 2>/dev/null || echo 1)"
}

# Our tests: every subtest passes on the full machine (a skip fails), and
# on the reduced one what needs a missing device skips, the rest passes.
# The reduced tier leaves the boot's KUnit suites to the others.
vm_direct() { VM_TOPOLOGY=direct VM_IGT_EXPECT="$H/xfails/dmabuf-q35" "$H/vm.sh" debug; }
vm_iommu() { VM_TOPOLOGY=iommu VM_IGT_EXPECT="$H/xfails/dmabuf-q35" "$H/vm.sh" debug; }
vm_bounce() { VM_TOPOLOGY=bounce VM_IGT_EXPECT="$H/xfails/dmabuf-q35" "$H/vm.sh" debug; }
vm_reduced() {
	VM_TOPOLOGY=direct VM_DEVICES=reduced VM_APPEND=kunit.enable=0 \
		VM_IGT_EXPECT="$H/xfails/dmabuf-q35-1gpu" "$H/vm.sh" debug
}
# IGT's own tests of what the series touches, against the expected result
# of each subtest on this VM.
igt_upstream() {
	# shellcheck disable=SC2046
	VM_TAG=upstream VM_APPEND=kunit.enable=0 VM_IGT_EXPECT="$H/xfails/virtio_gpu-q35" \
		"$H/vm.sh" debug $(grep -v '^#' "$H/igt-upstream.txt")
}
hw_kit() { "$H/hw-kit.sh" check; }
clients_direct() { VM_TOPOLOGY=direct "$H/clients.sh" debug; }
clients_iommu() { VM_TOPOLOGY=iommu "$H/clients.sh" debug; }

overlay_tier() {
	local out
	out=$("$H/overlay.sh" check) || return 1
	echo "$out"
	echo "RESULT overlay passed=$(grep -c '^PASS' <<<"$out") failed=$(grep -c '^FAIL' <<<"$out")"
	! grep -q '^FAIL' <<<"$out"
}

# The shellcheck tier: every shell script of the harness and the kit, errors
# and warnings (Debian's shellcheck; sourced files followed).
shellcheck_tier() {
	local f out passed=0 failed=0
	for f in "$TOP"/harness/*.sh "$TOP"/harness/clients/*.sh "$TOP"/hw-kit/*.sh "$TOP"/.ci/run; do
		if out=$(cd "$TOP" && shellcheck -S warning -x -P harness "${f#"$TOP"/}" 2>&1); then
			echo "PASS shellcheck/${f#"$TOP"/}"
			passed=$((passed + 1))
		else
			echo "FAIL shellcheck/${f#"$TOP"/}"
			sed 's/^/    /' <<<"$out"
			failed=$((failed + 1))
		fi
	done
	echo "RESULT shellcheck passed=$passed failed=$failed"
	[ "$failed" -eq 0 ]
}

rm -rf "$BUILD/results"
assembled=no
if tier setup "$H/setup.sh" && tier assemble "$H/overlay.sh" assemble; then
	assembled=yes
	! want overlay || tier overlay overlay_tier || true
	! want series || tier series "$H/series.sh" check || true
	! want shellcheck || tier shellcheck shellcheck_tier || true
	! want kunit || tier kunit "$H/kunit.sh" || true
	! want igt || tier igt "$H/igt.sh" build || true
	if want_kernel && tier kernel "$H/build-kernel.sh" debug; then
		! want compile || tier compile "$H/compile-tier.sh" || true
		! want compile-nokunit || tier compile-nokunit "$H/compile-tier.sh" nokunit || true
		for m in $module_tiers; do
			! want "$m" || tier "$m" "$H/compile-tier.sh" module "${m#module-}" || true
		done
		# About longest first (a cold run before the compositor joined
		# the clients: 3.2, 3.3, 3.1, 2.8, 2, 1 and 0.8 min for the VM
		# tiers, igt-upstream, vm-reduced, hw-kit and clients-direct;
		# the compositor's 60 frames add about 2 min to each clients tier).
		vm_tiers clients-iommu:clients_iommu vm-direct:vm_direct vm-iommu:vm_iommu \
			vm-bounce:vm_bounce clients-direct:clients_direct igt-upstream:igt_upstream \
			vm-reduced:vm_reduced hw-kit:hw_kit
	fi
fi

# For CI systems: IGT's results directories, JUnit XML of all of them,
# KUnit's KTAP (harness/results.sh); only when a tier that runs IGT was
# chosen (`make check TIERS=kunit` has no IGT results to write) and the
# tree was assembled (a failed setup has already counted its failure).
if [ "$assembled" = yes ] && { want vm-direct || want vm-iommu || want vm-bounce ||
	want vm-reduced || want igt-upstream; }; then
	"$H/results.sh" ||
		{ echo "FAIL results: build/results/ could not be written"; total_fail=$((total_fail + 1)); }
fi

echo
echo "==> [check] summary ($(($(date +%s) - t0)) s)"
printf '%b' "$summary"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
