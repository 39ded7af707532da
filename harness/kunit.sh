#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the overlay's KUnit suites with tools/testing/kunit/kunit.py.
#
#   kunit.sh          the suites, as `make check` counts them
#   KUNIT_SRC=TREE kunit.sh compat-point
#                     the core suites (drivers/dma-buf) in TREE, the series
#                     before its last patch (harness/series.sh compat-point)
#
# Every directory of the overlay that holds a .kunitconfig is run twice,
# both times with INIT_STACK_NONE (what build bots use: stack variables
# start as garbage, so nothing passes because the stack happened to be
# zeroed): once with the configuration as written (DMABUF_MOVE_NOTIFY off,
# the kernel's default) and once with DMABUF_MOVE_NOTIFY on. Suites of
# drivers whose .kunitconfig is upstream's (drm_prime, xe), or that cannot
# run under UML (amdgpu), are run from harness/kunit/NAME.kunitconfig: the
# kernel's own .kunitconfig of each directory its "# kunitconfig:" lines
# name, unchanged, plus what the file adds; built once, on the
# architecture its "# arch:" line names (UML if none; x86_64 runs under
# QEMU with TCG), and run once for each glob of its "# filter:" line; and
# again for each "# variant: NAME CONFIG_X=v" line with that option.
# Prints "PASS|FAIL kunit-ARCH[-VARIANT]/<case>" lines and a RESULT line.
STAGE=kunit
. "$(dirname "$0")/lib.sh"

ccache_env
[ -d "$SRC/.git" ] || die "no assembled tree at $SRC; run 'make assemble' first"
KSRC=${KUNIT_SRC:-$SRC}

dirs=$(cd "$TOP" && git ls-files --cached --others --exclude-standard -- '*.kunitconfig' |
	grep -v '^harness/' |
	xargs -r -n1 dirname | sort -u)
[ -n "$dirs" ] || die "no .kunitconfig in the overlay"

passed=0 failed=0
# run_variant VARIANT DIR ARCH FILTER [kunit.py options]: build the
# configuration DIR (a directory or a harness/kunit/ file) and run the
# suites FILTER names (all if empty).
run_variant() {
	local variant=$1 dir=$2 arch=$3 filter=$4 log bdir name tag
	shift 4
	name=kunit-$arch${variant:+-$variant}
	# drivers/dma-buf -> drivers_dma-buf, $TOP/harness/kunit/drm.kunitconfig -> harness_kunit_drm
	tag=$(echo "${dir#"$TOP"/}" | sed 's/\.kunitconfig$//' | tr / _)
	# The variants and filters of a configuration share a build directory:
	# a variant changes a few options, and make rebuilds only the objects
	# that depend on them; another filter rebuilds nothing.
	bdir=$BUILD/kunit-$arch-$tag${KUNIT_SRC:+-$(basename "$KSRC")}
	# drm_prime -> -drm_prime, xe_dma_buf_offers* -> -xe_dma_buf_offers
	log=$LOGDIR/$name-$tag${filter:+-${filter//[^a-zA-Z0-9_.-]/}}.log
	json=${log%.log}.json
	# The kernel's own log, kept per filter ($bdir/test.log is the last run's).
	klog=${log%.log}.kernel.log
	say "$dir${variant:+ ($variant)}${filter:+ [$filter]}: building for $arch and running (log: $log)"
	rm -f "$json" "$klog"
	# --json=FILE: kunit.py takes a bare --json to mean stdout.
	(cd "$KSRC" && python3 tools/testing/kunit/kunit.py run \
		--kunitconfig="$dir" --build_dir="$bdir" --jobs="$JOBS" \
		--make_options "CC=ccache gcc" --timeout 600 --json="$json" "$@" \
		${filter:+"$filter"}) >"$log" 2>&1 || true
	if ! grep -q 'Testing complete\.' "$log" || [ ! -s "$json" ]; then
		# Whatever the kernel printed, for the diagnosis.
		cp "$bdir/test.log" "$klog" 2>/dev/null || true
		echo "FAIL $name/$dir${filter:+ [$filter]}: kunit.py did not complete (log: $log)"
		failed=$((failed + 1))
		return
	fi
	# The kernel-report check below reads this copy: no copy, no pass.
	if ! cp "$bdir/test.log" "$klog"; then
		echo "FAIL $name/$dir${filter:+ [$filter]}: no kernel log $bdir/test.log (log: $log)"
		failed=$((failed + 1))
		return
	fi
	# The KTAP as the kernel printed it (build/results/ktap/, for CI).
	mkdir -p "$BUILD/results/ktap"
	(cd "$KSRC" && python3 tools/testing/kunit/kunit.py parse --raw_output=kunit "$klog") \
		>"$BUILD/results/ktap/$(basename "$log" .log).ktap" 2>/dev/null || true
	# kunit.py counts results only: a kernel report (an oops in a worker
	# after the last test, a refcount warning) fails the run as well.
	reports=$(grep -E "$KERNEL_REPORT_RE" "$klog" |
		grep -vE "$UML_PCI_WARNING_RE" || true)
	if [ -n "$reports" ]; then
		echo "FAIL $name/$dir${filter:+ [$filter]}: kernel report in $klog: ${reports%%$'\n'*}"
		failed=$((failed + 1))
	fi
	# Every case (and parameter) from kunit.py's JSON results.
	results=$(python3 "$TOP/harness/kunit-results.py" "$json" "$name" "$log") || {
		echo "FAIL $name/$dir${filter:+ [$filter]}: unreadable results $json"
		failed=$((failed + 1))
		return
	}
	[ -z "$results" ] || echo "$results"
	# grep -c exits 1 when it counts nothing.
	passed=$((passed + $(grep -c '^PASS ' <<<"$results" || true)))
	failed=$((failed + $(grep -c '^FAIL ' <<<"$results" || true)))
}

want_tier=${1:-check}
case "$want_tier" in check | compat-point) ;; *) die "usage: kunit.sh [compat-point]" ;; esac
if [ "$want_tier" = compat-point ]; then
	[ -n "${KUNIT_SRC:-}" ] || die "compat-point needs KUNIT_SRC (harness/series.sh compat-point sets it)"
	run_variant compat-point drivers/dma-buf uml "" --kconfig_add CONFIG_INIT_STACK_NONE=y
	echo "RESULT kunit passed=$passed failed=$failed"
	[ "$failed" -eq 0 ]
	exit
fi
for d in $dirs; do
	# Build bots leave the stack uninitialised: nothing may work by luck.
	run_variant init-stack-none "$d" uml "" --kconfig_add CONFIG_INIT_STACK_NONE=y
	run_variant move-notify "$d" uml "" --kconfig_add CONFIG_INIT_STACK_NONE=y \
		--kconfig_add CONFIG_DMABUF_MOVE_NOTIFY=y
done
for f in "$TOP"/harness/kunit/*.kunitconfig; do
	[ -f "$f" ] || continue
	filters=$(frag_field filter "$f")
	[ -n "$filters" ] || die "$f has no '# filter:' line"
	arch=$(frag_field arch "$f")
	mapfile -t args < <(kunitconfig_bases "$f")
	read -r -a globs <<<"$filters"
	case "${arch:-uml}" in
	uml) ;;
	x86_64)
		# TCG, said explicitly: KVM hangs on this host.
		args+=(--arch=x86_64 --qemu_args "-accel tcg") ;;
	*) die "$f: unsupported arch '$arch'" ;;
	esac
	# "# variant: NAME CONFIG_X=v": the suites once more with that option
	# (read first: kunit.py's QEMU must not read the loop's input).
	mapfile -t variants < <(sed -n 's/^# variant: *//p' "$f")
	for v in "" "${variants[@]}"; do
		read -r vname vopt <<<"$v"
		[ -z "$vname" ] || [ -n "$vopt" ] || die "$f: a variant line needs a name and an option"
		for filter in "${globs[@]}"; do
			run_variant "$vname" "$f" "${arch:-uml}" "$filter" "${args[@]}" \
				${vopt:+--kconfig_add "$vopt"}
		done
	done
done

echo "RESULT kunit passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
