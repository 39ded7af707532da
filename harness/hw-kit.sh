#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The hardware test kit: one tarball for people with AMD or Intel GPUs
# (hw-kit/README.md is its README; make hw-kit).
#
#   hw-kit.sh          build build/hw-kit/typed-dmabuf-hw-kit-<base>.tar.gz:
#                      the series, the kernel recipe, the test binary with
#                      every library it loads (its own dynamic loader
#                      included), run-tests.sh
#   hw-kit.sh check    (make check) build it; run-tests.sh must refuse this
#                      machine's kernel, which is not ours, and change
#                      nothing; then boot the debug kernel (IOMMU
#                      topology) with only the tarball in the initramfs,
#                      run the kit there and check what it wrote: IGT's
#                      results.json, the summary, the machine restored
#   hw-kit.sh recipe   (make sweep) the kit's build-kernel.sh on a pristine
#                      base with Debian's amd64 config, up to the config
#
# Needs the assembled tree (the series is generated from it) and, for
# check, the debug kernel (make kernel-debug).
STAGE=hw-kit
. "$(dirname "$0")/lib.sh"

mode=${1:-build}
name=typed-dmabuf-hw-kit-${BASE_VERSION%%-*}
kitdir=$BUILD/hw-kit
tarball=$kitdir/$name.tar.gz

build_kit() {
	local t0 stage=$kitdir/stage/$name log=$LOGDIR/hw-kit-build.log date
	t0=$(date +%s)
	: >"$log"
	rm -rf "$kitdir/stage" "$kitdir/series"
	mkdir -p "$stage/bin" "$stage/libexec" "$stage/series"
	say "the series (log $log)"
	SERIES_OUT=$kitdir/series SERIES_RECIPIENTS=0 SIGNOFF="" "$TOP/harness/series.sh" >>"$log" 2>&1 ||
		{ tail -n 5 "$log"; die "cannot write the series (log $log)"; }
	cp "$kitdir"/series/*.patch "$stage/series/"
	say "the test, built with IGT (harness/igt.sh), and its libraries"
	run_logged "$log.igt" "$TOP/harness/igt.sh" stage
	mkdir -p "$stage/lib"
	# The test and IGT's runner and results tool; symbols stay, for
	# readable backtraces, debug info goes.
	for b in prime_gpu_matrix igt_runner igt_results; do
		strip --strip-debug -o "$stage/libexec/$b" "$BUILD/igt/bin/$b"
	done
	# Every library they load, the C library and the dynamic loader
	# included: run-tests.sh starts them through that loader, so that they
	# run on any x86_64 distribution. The runner starts the test through
	# bin/, which does the same; test-list.txt is the runner's list.
	shared_libs "$BUILD/igt-build/tests/prime_gpu_matrix" "$BUILD/igt-build/runner/igt_runner" \
		"$BUILD/igt-build/runner/igt_results" | while IFS= read -r l; do
		strip --strip-debug -o "$stage/lib/${l##*/}" "$l"
	done
	printf '%s\n' '#!/bin/sh' '# The test, through the kit'"'"'s dynamic loader and libraries.' \
		'kit=$(cd "$(dirname "$0")/.." && pwd)' \
		'exec "$kit/lib/ld-linux-x86-64.so.2" --library-path "$kit/lib" "$kit/libexec/prime_gpu_matrix" "$@"' \
		>"$stage/bin/prime_gpu_matrix"
	chmod +x "$stage/bin/prime_gpu_matrix"
	echo prime_gpu_matrix >"$stage/bin/test-list.txt"
	cp "$BUILD/igt/lib/libgcc_s.so.1" "$stage/lib/"
	cp "$TOP"/hw-kit/{README.md,run-tests.sh,build-kernel.sh,kit.config,kit-debug.config} \
		"$TOP"/harness/kernel-reports.txt \
		"$stage/"
	# The same commit gives the same tarball.
	date=$(git -C "$TOP" log -1 --format=%cI)
	echo "typed dma-buf mappings hardware kit: series for Linux ${BASE_VERSION%%-*}" \
		"($BASE_PKG $BASE_VERSION), overlay $(overlay_hash), commit" \
		"$(git -C "$TOP" rev-parse --short HEAD) of $date" >"$stage/VERSION"
	(cd "$stage" && find . -type f ! -name SHA256SUMS | sort | sed 's|^\./||' |
		xargs sha256sum >SHA256SUMS)
	tar -C "$kitdir/stage" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime="$date" -cf - "$name" | gzip -n -9 >"$tarball"
	say "$tarball: $(du -k "$tarball" | cut -f1) KiB, $(tar tzf "$tarball" | grep -vc '/$') files," \
		"built in $(($(date +%s) - t0)) s"
}

case $mode in
build)
	build_kit
	say "copy it to the machine with the GPUs; its README.md says what to do there"
	;;
check)
	passed=0 failed=0
	pass() {
		echo "PASS hw-kit: $*"
		passed=$((passed + 1))
	}
	fail() {
		echo "FAIL hw-kit: $*"
		failed=$((failed + 1))
	}
	if ! build_kit; then
		echo "RESULT hw-kit passed=0 failed=1"
		exit 1
	fi
	# What a user unpacks.
	tmp=$(mktemp -d /tmp/hw-kit-check.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" -xzf "$tarball"
	missing=""
	for f in README.md run-tests.sh build-kernel.sh kernel-reports.txt kit.config \
		kit-debug.config VERSION SHA256SUMS bin/prime_gpu_matrix bin/test-list.txt \
		libexec/prime_gpu_matrix libexec/igt_runner libexec/igt_results \
		series/0000-cover-letter.patch; do
		[ -e "$tmp/$name/$f" ] || missing="$missing $f"
	done
	# Every library the test and the runner load comes from the kit's lib/.
	kld=$tmp/$name/lib/ld-linux-x86-64.so.2
	outside=$(for b in prime_gpu_matrix igt_runner igt_results; do
		"$kld" --library-path "$tmp/$name/lib" --list "$tmp/$name/libexec/$b" 2>&1
	done | grep -v -e "$tmp/$name/lib/" -e linux-vdso || true)
	if [ -z "$missing" ] && (cd "$tmp/$name" && sha256sum -c --quiet SHA256SUMS) &&
		[ -z "$outside" ] && sh "$tmp/$name/bin/prime_gpu_matrix" --list-subtests >/dev/null; then
		pass "the tarball holds the series ($(ls "$tmp/$name/series" | wc -l) files), the recipe, the test, IGT's runner and results tool with their $(ls "$tmp/$name/lib" | wc -l) libraries and checksums that match"
	else
		fail "the tarball is incomplete (missing:${missing:- none}), a checksum is wrong or the test needs a library from outside the kit:${outside:- none}"
	fi
	# This machine's kernel is not ours: the kit must say so and touch nothing.
	set +e
	msg=$(cd "$tmp" && sh "$name/run-tests.sh" -o "$tmp/out" 2>&1)
	rc=$?
	set -e
	if [ "$rc" -eq 3 ] && grep -q "is not a kernel with typed dma-buf mappings" <<<"$msg" &&
		[ ! -e "$tmp/out" ]; then
		pass "refuses this machine's kernel ($(uname -r)) with exit 3 and writes nothing"
	else
		fail "on $(uname -r) run-tests.sh exited $rc (want 3) or wrote $tmp/out: $msg"
	fi
	# The kit in the VM, from the tarball alone.
	tag=debug-iommu-kit
	tlog=$LOGDIR/vm-$tag-tests.log
	say "running the kit in the VM (output: $tlog)"
	# The KUnit suites the kernel runs at boot are the VM tiers' to count.
	set +e
	VM_KIT=$tarball VM_TOPOLOGY=iommu "$TOP/harness/vm.sh" debug 2>&1 |
		grep -vE '^(PASS|SKIP) kunit-|^RESULT '
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -eq 0 ]; then
		pass "the kit ran in the VM: exit 0, no kernel reports on the console"
	else
		fail "the kit's VM run failed (console: $LOGDIR/vm-$tag.log, output: $tlog)"
	fi
	res=$kitdir/vm-results
	rm -rf "$res"
	mkdir -p "$res"
	awk -v dir="$res" '/^VM-FILE-BEGIN / { f = dir "/" $2; next }
		/^VM-FILE-END / { close(f); f = ""; next }
		f != "" { print > f }' "$tlog"
	if grep -qx 'VM-KIT-DEBUGFS-AFTER: 0' "$tlog" && grep -qx restored "$res/machine-state.txt" 2>/dev/null; then
		pass "left the machine as it found it: debugfs, unmounted before, unmounted again"
	else
		fail "the machine was not left as found: $(cat "$res/machine-state.txt" 2>/dev/null), $(grep VM-KIT-DEBUGFS "$tlog")"
	fi
	# IGT's results format, read back: one PASS/FAIL line per subtest,
	# counted like the VM tier's subtests.
	set +e
	lines=$(python3 - "$res/results.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["__type__"] == "TestrunResult" and r["results_version"] == 10, "not IGT results v10"
tests = r["tests"]
assert tests, "no subtests in results.json"
counts = {}
for name, t in sorted(tests.items()):
    res = t["result"]
    counts[res] = counts.get(res, 0) + 1
    assert t["time"]["__type__"] == "TimeAttribute"
    print({"pass": "PASS", "skip": "SKIP"}.get(res, "FAIL") + " hw-kit/"
          + name[4:].replace("@", "/") + ("" if res in ("pass", "skip") else " (" + res + ")"))
root = {k: v for k, v in r["totals"]["root"].items() if v}
assert root == counts, "totals %s differ from the subtests %s" % (root, counts)
EOF
)
	rc=$?
	set -e
	echo "$lines"
	if [ "$rc" -eq 0 ]; then
		echo "    results.json: IGT's format (results_version 10), totals match the subtests"
		passed=$((passed + $(grep -c '^PASS' <<<"$lines" || true)))
		failed=$((failed + $(grep -c '^FAIL' <<<"$lines" || true)))
	else
		fail "results.json missing or not IGT's format: $res/results.json"
	fi
	echo "    --- the kit's summary, from the VM ---"
	sed 's/^/    /' "$res/summary.txt" 2>/dev/null || true
	echo "RESULT hw-kit passed=$passed failed=$failed"
	[ "$failed" -eq 0 ]
	;;
recipe)
	# The kit's kernel recipe, from the tarball, on a pristine base with
	# Debian's own amd64 config standing in for a user's running one, up
	# to the checked config (a full bindeb-pkg of it is thousands of
	# modules: too long for here).
	build_kit
	cfg=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
	# Without its recommends: it recommends linux-source-6.12, and apt
	# would upgrade the pinned base to the version it serves.
	[ -f "$cfg" ] || apt-get install -y -q --no-install-recommends linux-config-6.12 >/dev/null 2>&1 ||
		die "no $cfg: apt-get install linux-config-6.12"
	work=$kitdir/recipe
	log=$LOGDIR/hw-kit-recipe.log
	rm -rf "$work"
	mkdir -p "$work"
	say "unpacking $BASE_TARBALL and the kit (log $log)"
	tar -C "$work" -xJf "$BASE_TARBALL"
	tar -C "$work" -xzf "$tarball"
	xz -dc "$cfg" >"$work/debian.config"
	if KIT_CONFIG_ONLY=1 "$work/$name/build-kernel.sh" "$work/linux-source-6.12" \
		"$work/debian.config" >"$log" 2>&1 &&
		grep -qx 'CONFIG_DMABUF_TEST_DEVICE=m' "$work/linux-source-6.12/.config" &&
		grep -qx 'CONFIG_LOCALVERSION="-typed-dmabuf"' "$work/linux-source-6.12/.config"; then
		echo "PASS hw-kit-recipe: the series applies and the config builds from Debian's amd64 config ($(tail -n 1 "$log" | sed 's/.*(//; s/)//'))"
		echo "RESULT hw-kit-recipe passed=1 failed=0"
		rm -rf "$work"
	else
		tail -n 5 "$log"
		echo "FAIL hw-kit-recipe: build-kernel.sh on the pristine base (log $log)"
		echo "RESULT hw-kit-recipe passed=0 failed=1"
		exit 1
	fi
	;;
*)
	die "usage: hw-kit.sh [build|check|recipe]"
	;;
esac
