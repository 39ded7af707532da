#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make coverage`: which of the lines and branches the overlay writes does
# some test reach? gcov counters from every tier that can give them:
#
#   kunit-*   the overlay's KUnit suites under UML with CONFIG_GCOV (UML's
#             own coverage: every object instrumented, counters written
#             when the kernel exits): drivers/dma-buf in both
#             DMABUF_MOVE_NOTIFY configurations, and the suites of
#             harness/kunit/*.kunitconfig that run under UML (drm_prime,
#             xe); those that run on x86_64 only (amdgpu, each variant)
#             under QEMU with GCOV_KERNEL
#   vm-*      the debug guest built with gcov (build-kernel.sh coverage:
#             only the overlay's C files instrumented) running every VM
#             test, its boot-time KUnit suites included, in the direct and
#             IOMMU topologies (vm.sh hands the counters back)
#
# Each tier's counters become an lcov tracefile (build/coverage/info/);
# every tracefile there, limited to the files the overlay changes, goes
# into the report in build/results/coverage/: html/ (genhtml), diff-coverage.txt and
# summary.txt (harness/coverage.py: of the lines and branches we added,
# how many any tier reached, and which not). Prints a PASS or FAIL line
# per tier and a RESULT line; a tier that fails (a build, a test, counters
# that did not come back) fails the run. Missed coverage targets are
# reported, not failed: the summary says which.
#
#   COVERAGE_TIERS="kunit vm"   the tiers to run (default both; empty:
#                               only the report, from the tracefiles
#                               there are, each dated in its header)
#   COVERAGE_TOPOLOGIES="direct iommu"
STAGE=coverage
. "$(dirname "$0")/lib.sh"

ccache_env
[ -d "$SRC/.git" ] || die "no assembled tree at $SRC; run 'make assemble' first"
if ! command -v lcov >/dev/null || ! command -v genhtml >/dev/null; then
	die "lcov is not installed (apt-get install lcov; make setup installs it)"
fi

work=$BUILD/coverage
out=$BUILD/results/coverage
mkdir -p "$work/info" "$out"
tiers=${COVERAGE_TIERS-kunit vm}
topologies=${COVERAGE_TOPOLOGIES:-direct iommu}
# Branch counts as well as lines; gcc 12's gcov reads gcc 12's files.
lcov_opts=(--rc lcov_branch_coverage=1 --gcov-tool gcov --quiet)

passed=0 failed=0
pass() {
	echo "PASS coverage/$1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL coverage/$1"
	failed=$((failed + 1))
}

# The sources the counters belong to: the assembled tree's difference
# from the base (unexported edits included: coverage.py reads the same
# difference), and the tests outside it. A tracefile of other sources has
# other line numbers, or other tests behind it, and is not merged.
src_state() {
	{
		tgit diff base -- '*.c' '*.h' '*.kunitconfig'
		cat "$TOP"/igt-tests/*.c "$TOP"/harness/kunit/*.kunitconfig
	} | sha256sum | cut -d' ' -f1
}

# capture NAME DIR BASE: DIR's counters (.gcda next to their .gcno) as
# $work/info/NAME.info; BASE is the directory the compiler ran in.
capture() {
	local name=$1 dir=$2 base=$3 log=$LOGDIR/coverage-$1-lcov.log
	if lcov "${lcov_opts[@]}" --capture --directory "$dir" --base-directory "$base" \
		--output-file "$work/info/$name.info" >"$log" 2>&1 && [ -s "$work/info/$name.info" ]; then
		src_state >"$work/info/$name.src"
		return 0
	fi
	fail "$name: lcov could not read the counters (log: $log)"
	return 1
}

# kunit_ok NAME LOG CONSOLE JSON: did kunit.py's run in LOG complete, with
# a case passed and none failed in its JSON results, and no kernel report
# in the kernel's CONSOLE (UML's virt-pci warns once at boot without a
# device: environmental)? Says FAIL otherwise; kunit_cases is the number
# of cases that passed.
kunit_ok() {
	local report results
	if ! grep -q 'Testing complete\.' "$2" || [ ! -s "$4" ] ||
		! results=$(python3 "$TOP/harness/kunit-results.py" "$4" "$1" "$2"); then
		fail "$1: kunit.py did not complete (log: $2)"
		return 1
	fi
	kunit_cases=$(grep -c '^PASS ' <<<"$results" || true)
	if grep -q '^FAIL ' <<<"$results" || [ "$kunit_cases" -eq 0 ]; then
		fail "$1: KUnit cases failed, or none passed: $(grep -m1 '^FAIL ' <<<"$results" || true)"
		return 1
	fi
	report=$(grep -E "$KERNEL_REPORT_RE" "$3" 2>/dev/null | grep -vE "$UML_PCI_WARNING_RE" | head -n 1 || true)
	if [ -n "$report" ]; then
		fail "$1: kernel report in $3: $report"
		return 1
	fi
}

# kunit_tier NAME KUNITCONFIG [kunit.py options]: a UML KUnit run with
# coverage, in a build directory of the configuration's own (compiled with
# other flags than kunit.sh's); a variant of it shares the directory (make
# recompiles what the option changes) and its counters are read after the
# previous run's were taken and cleared.
kunit_tier() {
	local name=$1 cfg=$2 bdir log=$LOGDIR/coverage-$1.log
	shift 2
	rm -f "$work/info/$name.info" "$log.json"
	bdir=$work/kunit-$(echo "$cfg" | sed "s|^$TOP/||; s/\.kunitconfig$//" | tr / _)
	say "$name: KUnit under UML with gcov (a cold build, several minutes; log: $log)"
	find "$bdir" -name '*.gcda' -delete 2>/dev/null || true
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py run \
		--kunitconfig="$cfg" \
		--kunitconfig=tools/testing/kunit/configs/coverage_uml.config \
		--build_dir="$bdir" --jobs="$JOBS" --make_options "CC=ccache gcc" \
		--make_options "GCOV_OPT=${uml_gcov_opt[*]}" \
		--timeout 900 --json="$log.json" "$@") >"$log" 2>&1 || true
	kunit_ok "$name" "$log" "$bdir/test.log" "$log.json" || return 0
	[ -n "$(find "$bdir" -name '*.gcda' -print -quit)" ] ||
		{ fail "$name: the UML kernel wrote no counters (log: $log)"; return; }
	if capture "$name" "$bdir" "$bdir"; then
		pass "$name ($kunit_cases cases)"
	fi
}

# kunit_x86_tier NAME KUNITCONFIG FILTER [kunit.py options]: a KUnit
# configuration that runs on x86_64 only (amdgpu). kunit.py configures and
# builds it with GCOV_KERNEL (the overlay's objects instrumented); QEMU
# boots it with an initramfs whose init, after the suites, prints the
# counters on the console (kunit.py's own run would reboot before init);
# kunit.py parses the console.
kunit_x86_tier() {
	local name=$1 cfg=$2 filter=$3 bdir log=$LOGDIR/coverage-$1.log root gcov opt
	shift 3
	rm -f "$work/info/$name.info" "$log.json"
	bdir=$work/kunit-x86_64-$(echo "$cfg" | sed "s|^$TOP/||; s/\.kunitconfig$//" | tr / _)
	say "$name: KUnit on x86_64 with gcov, under QEMU (a cold build, several minutes; log: $log)"
	root=$work/initramfs-gcov
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp}
	cp /bin/busybox "$root/bin/busybox"
	cp "$TOP/harness/coverage/gcov-dump.sh" "$root/bin/gcov-dump"
	cat >"$root/init" <<'EOF2'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
# Kernel messages would break the lines of the counters.
echo 1 >/proc/sys/kernel/printk
/bin/gcov-dump
# QEMU runs with -no-reboot: a reboot ends it, with or without ACPI.
reboot -f
EOF2
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$root.cpio.gz"
	opts=()
	while IFS= read -r opt; do opts+=(--make_options "$opt"); done < <(gcov_profile_args "$SRC" 2>/dev/null)
	if ! (cd "$SRC" && python3 tools/testing/kunit/kunit.py build --arch=x86_64 \
		--kunitconfig="$cfg" --build_dir="$bdir" --jobs="$JOBS" \
		--make_options "CC=ccache gcc" "${opts[@]}" \
		--kconfig_add CONFIG_GCOV_KERNEL=y --kconfig_add CONFIG_DEBUG_FS=y \
		--kconfig_add CONFIG_BLK_DEV_INITRD=y --kconfig_add CONFIG_RD_GZIP=y \
		--kconfig_add CONFIG_BINFMT_ELF=y --kconfig_add CONFIG_BINFMT_SCRIPT=y "$@") \
		>"$log" 2>&1; then
		fail "$name: kunit.py could not build the kernel (log: $log)"
		return
	fi
	# TCG, said explicitly: KVM hangs on this host.
	timeout -k 10 900 qemu-system-x86_64 -accel tcg -nodefaults -m 1024 -no-reboot \
		-nographic -serial stdio -kernel "$bdir/arch/x86/boot/bzImage" \
		-initrd "$root.cpio.gz" \
		-append "console=ttyS0 kunit.enable=1 kunit.filter_glob=$filter panic=-1" \
		</dev/null 2>&1 | tr -d '\r' >"$bdir/test.log" || true
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py parse --json="$log.json" "$bdir/test.log") \
		>>"$log" 2>&1 || true
	kunit_ok "$name" "$log" "$bdir/test.log" "$log.json" || return 0
	gcov=$work/$name-gcov
	gcov_unpack "$bdir/test.log" "$gcov" ||
		{ fail "$name: the counters did not come back (console: $bdir/test.log)"; return; }
	[ -d "$gcov$bdir" ] || { fail "$name: no counters under $gcov$bdir"; return; }
	link_gcno "$gcov$bdir" "$bdir"
	if capture "$name" "$gcov$bdir" "$bdir"; then
		pass "$name ($kunit_cases cases)"
	fi
}

# link_gcno DIR KDIR: lcov wants each .gcno next to its .gcda.
link_gcno() {
	(cd "$1" && find . -name '*.gcda') | while IFS= read -r f; do
		ln -sf "$2/${f%.gcda}.gcno" "$1/${f%.gcda}.gcno"
	done
}

# vm_tier TOPOLOGY: every VM test on the coverage kernel.
vm_tier() {
	local topology=$1 tag=coverage name gcov kdir=$BUILD/kernel-coverage res
	[ "$topology" = direct ] || tag=coverage-$topology
	name=vm-$topology
	rm -f "$work/info/$name.info"
	say "$name: the VM tests on the gcov kernel, topology $topology (log: $LOGDIR/coverage-$name.log)"
	res=$(VM_TOPOLOGY=$topology bash "$TOP/harness/vm.sh" coverage 2>&1 |
		tee "$LOGDIR/coverage-$name.log" | sed -n 's/^RESULT //p') || true
	if ! grep -q 'failed=0 ' <<<"$res "; then
		fail "$name: the VM run failed: ${res:-no result} (log: $LOGDIR/coverage-$name.log)"
		return
	fi
	gcov=$BUILD/results/gcov-$tag$kdir
	[ -d "$gcov" ] || { fail "$name: no counters under $gcov"; return; }
	link_gcno "$gcov" "$kdir"
	if capture "$name" "$gcov" "$kdir"; then
		pass "$name ($res)"
	fi
}

# UML's gcov with gcc 12 needs two mends, both in the link of the UML
# kernel only (GCOV_OPT, arch/um/Makefile-skas, goes to the compiler and
# the linker): libgcov defines mangle_path(), as fs/seq_file.c does, so
# the link uses a copy of libgcov with its own renamed; and UML's linker
# script leaves out the destructors that write the counters at exit
# (harness/coverage/uml-gcov-dump.c says why), so an object of ours that
# writes them is linked in.
uml_gcov() {
	local d=$work/uml-gcov
	mkdir -p "$d"
	objcopy --redefine-sym mangle_path=__gcov_mangle_path \
		"$(gcc -print-file-name=libgcov.a)" "$d/libgcov.a" ||
		die "cannot make a copy of libgcov.a without mangle_path"
	gcc -O2 -c -o "$d/uml-gcov-dump.o" "$TOP/harness/coverage/uml-gcov-dump.c" ||
		die "cannot compile harness/coverage/uml-gcov-dump.c"
	uml_gcov_opt=(-fprofile-arcs -ftest-coverage "-L$d" "-Wl,$d/uml-gcov-dump.o")
}

for tier in $tiers; do
	case "$tier" in
	kunit)
		uml_gcov
		kunit_tier kunit-dma-buf drivers/dma-buf --kconfig_add CONFIG_INIT_STACK_NONE=y
		kunit_tier kunit-dma-buf-move-notify drivers/dma-buf \
			--kconfig_add CONFIG_INIT_STACK_NONE=y --kconfig_add CONFIG_DMABUF_MOVE_NOTIFY=y
		# The driver suites (harness/kunit/), each of its variants too.
		# A configuration with several filters is one build, a tier per
		# filter, named after it: drm_prime -> kunit-drm-prime.
		for f in "$TOP"/harness/kunit/*.kunitconfig; do
			read -r -a globs <<<"$(frag_field filter "$f")"
			[ "${#globs[@]}" -gt 0 ] || die "$f has no '# filter:' line"
			mapfile -t bases < <(kunitconfig_bases "$f")
			mapfile -t variants < <(sed -n 's/^# variant: *//p' "$f")
			for v in "" "${variants[@]}"; do
				read -r vname vopt <<<"$v"
				set -- "${bases[@]}" ${vopt:+--kconfig_add "$vopt"}
				for filter in "${globs[@]}"; do
					n=kunit-$(basename "$f" .kunitconfig)
					[ "${#globs[@]}" -eq 1 ] || n=kunit-$(echo "${filter//\*/}" | tr _ -)
					if [ "$(frag_field arch "$f")" = x86_64 ]; then
						kunit_x86_tier "$n${vname:+-$vname}" "$f" "$filter" "$@"
					else
						kunit_tier "$n${vname:+-$vname}" "$f" "$@" "$filter"
					fi
				done
			done
		done
		;;
	vm)
		say "building the gcov kernel (build/kernel-coverage)"
		if ! bash "$TOP/harness/build-kernel.sh" coverage; then
			fail "vm: the gcov kernel did not build"
			rm -f "$work"/info/vm-*
			continue
		fi
		for t in $topologies; do
			vm_tier "$t"
		done
		;;
	*) die "unknown coverage tier '$tier' (kunit, vm)" ;;
	esac
done

# Each tier's tracefile limited to the files the overlay changes; every
# tier's tracefile in build/coverage/info/ counts, those of tiers not run
# this time too (the header says when each was taken), if it was taken
# on the same sources.
mapfile -t ours < <(tgit diff --name-only base -- '*.c' '*.h' | sed "s|^|$SRC/|")
log=$LOGDIR/coverage-merge.log
: >"$log"
mine=()
state=$(src_state)
for i in "$work"/info/*.info; do
	[ -s "$i" ] || continue
	if [ "$(cat "${i%.info}.src" 2>/dev/null)" != "$state" ]; then
		warn "left out: $(basename "$i" .info), counted on other sources (run its tier again)"
		continue
	fi
	o=$work/ours/$(basename "$i")
	mkdir -p "$work/ours"
	lcov "${lcov_opts[@]}" --extract "$i" "${ours[@]}" --output-file "$o" >>"$log" 2>&1 ||
		die "lcov could not select the overlay's files of $i (log: $log)"
	mine+=("$o")
done
[ "${#mine[@]}" -gt 0 ] || die "no tier gave counters"
args=()
for i in "${mine[@]}"; do args+=(--add-tracefile "$i"); done
lcov "${lcov_opts[@]}" "${args[@]}" --output-file "$work/ours.info" >>"$log" 2>&1 ||
	die "lcov could not merge the tracefiles (log: $log)"
# genhtml's branch counts add up each compilation's branches (UML's and
# x86_64's numbers differ); coverage.py's do not.
rm -rf "$out/html"
genhtml --quiet --branch-coverage --prefix "$SRC" --title "typed dma-buf mappings: coverage" \
	--output-directory "$out/html" "$work/ours.info" >>"$log" 2>&1 ||
	die "genhtml failed (log: $log)"
{
	echo "make coverage: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$TOP" rev-parse --short HEAD)$(git -C "$TOP" diff --quiet HEAD -- || echo '+changes')"
	for i in "${mine[@]}"; do
		echo "  tier $(basename "$i" .info): counters of $(date -u -r "$work/info/$(basename "$i")" '+%Y-%m-%d %H:%M UTC')"
	done
	echo
} >"$out/header.txt"
cat "$out/header.txt"
rm -f "$out/summary.txt" "$out/diff-coverage.txt"
python3 "$TOP/harness/coverage.py" "$SRC" "$out" "${mine[@]}" ||
	fail "diff-coverage: harness/coverage.py failed"
for f in summary.txt diff-coverage.txt; do
	[ -f "$out/$f" ] && cat "$out/header.txt" "$out/$f" >"$out/$f.new" && mv "$out/$f.new" "$out/$f"
done
rm -f "$out/header.txt"
say "report: $out/summary.txt, $out/diff-coverage.txt, $out/html/index.html"
echo "RESULT coverage passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
