#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# IGT GPU Tools: our tests as an IGT patch, built with IGT's own library.
#
#   igt.sh patch   write igt-tests/ as a git-am-able patch series against
#                  the IGT base (build/igt-patch/; `make igt-patch`;
#                  harness/igt-patch.py)
#   igt.sh build   apply it with git am to a clean copy of the base
#                  (build/igt-src), configure and build it (build/igt-build),
#                  check that every test of ours lists its subtests and
#                  that their testplan documentation matches, and stage
#                  what the VM needs in build/igt/: the test binaries,
#                  igt_runner and their shared libraries (`make igt`)
#   igt.sh stage   the same when build/igt is missing or its inputs changed
#                  since (vm.sh calls it)
#
# The IGT base is, first found:
#   IGT_SRC=DIR       a git checkout of IGT (its HEAD); for a clone of this
#                     project that has no ../shared next to it
#   IGT_SNAPSHOT=TAR  an IGT source tarball
#   ../shared/igt/igt-gpu-tools-*.tar.xz, next to this tree or next to
#                     the tree it was cloned from: the pinned snapshot
# Prints PASS/FAIL lines and "RESULT igt passed=N failed=N".
STAGE=igt
. "$(dirname "$0")/lib.sh"

cmd=${1:?usage: igt.sh patch|build|stage}
base=$BUILD/igt-base
src=$BUILD/igt-src
bld=$BUILD/igt-build
stage=$BUILD/igt
patchdir=$BUILD/igt-patch

# Upstream tests the VM's regression tier runs (harness/igt-upstream.txt;
# kms_prime-A-to-B runs kms_prime).
UPSTREAM_TESTS=$(grep -v '^#' "$TOP/harness/igt-upstream.txt" |
	sed 's/^kms_prime-.*/kms_prime/' | sort -u)

passed=0 failed=0
pass() { echo "PASS igt/$1"; passed=$((passed + 1)); }
fail() { echo "FAIL igt/$1"; failed=$((failed + 1)); }
finish() {
	echo "RESULT igt passed=$passed failed=$failed"
	[ "$failed" -eq 0 ]
}

find_snapshot() {
	local d found
	if [ -n "${IGT_SNAPSHOT:-}" ]; then
		echo "$IGT_SNAPSHOT"
		return
	fi
	for d in "$TOP/../shared/igt" \
		"$(git -C "$TOP" config remote.origin.url 2>/dev/null)/../shared/igt"; do
		found=$(ls "$d"/igt-gpu-tools-*.tar.xz 2>/dev/null | head -n 1) || true
		if [ -n "$found" ]; then
			echo "$found"
			return
		fi
	done
}

# build/igt-base: a git tree of the base, one commit.
prepare_base() {
	local tarball sum top
	if [ -n "${IGT_SRC:-}" ]; then
		git -C "$IGT_SRC" rev-parse --verify -q HEAD >/dev/null ||
			die "IGT_SRC=$IGT_SRC is not a git checkout of IGT"
		if [ "$(git -C "$base" rev-parse HEAD 2>/dev/null)" != "$(git -C "$IGT_SRC" rev-parse HEAD)" ]; then
			rm -rf "$base"
			run_logged "$LOGDIR/igt-base.log" git clone -q "$IGT_SRC" "$base"
		fi
		say "IGT base: $IGT_SRC at $(git -C "$base" log -1 --format='%h %s')"
		return
	fi
	tarball=$(find_snapshot)
	[ -n "$tarball" ] && [ -f "$tarball" ] ||
		die "no IGT source: put the snapshot at ../shared/igt/ next to this tree, or run with IGT_SRC=/path/to/igt-gpu-tools (a git checkout) or IGT_SNAPSHOT=/path/to/igt.tar.xz"
	sum=$(sha256sum "$tarball" | cut -d' ' -f1)
	if [ "$(cat "$base/.git/snapshot-sha256" 2>/dev/null)" != "$sum" ]; then
		say "IGT base: unpacking $tarball"
		rm -rf "$base"
		mkdir -p "$base"
		tar -xJf "$tarball" -C "$base"
		top=$(ls "$base")
		[ "$(echo "$top" | wc -w)" -eq 1 ] || die "$tarball has no single top directory"
		mv "$base/$top" "$base.tmp" && rmdir "$base" && mv "$base.tmp" "$base"
		git -C "$base" init -q
		git -C "$base" add -A
		GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z \
			git -C "$base" -c user.name=snapshot -c user.email=snapshot@localhost \
			commit -q -m "IGT snapshot $(basename "$tarball")"
		echo "$sum" >"$base/.git/snapshot-sha256"
	fi
	say "IGT base: snapshot $(basename "$tarball")"
}

make_patch() {
	local date
	date=$(git -C "$TOP" log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
	python3 "$TOP/harness/igt-patch.py" --top "$TOP" --base "$base" \
		--work "$BUILD/igt-patch-work" --out "$patchdir" --date "$date" \
		${SIGNOFF:+--signoff "$SIGNOFF"}
}

# What build/igt was built from: our tests and harness, the base.
inputs_key() {
	{
		(cd "$TOP" && find igt-tests harness/igt.sh harness/igt-patch.py harness/igt-doc.json \
			harness/igt-upstream.txt \
			drivers/dma-buf/dma-buf-test-device.h -type f | sort | xargs sha256sum)
		git -C "$base" rev-parse HEAD 2>/dev/null
	} | sha256sum | cut -d' ' -f1
}

# make check runs VM tiers side by side, and each stages build/igt: one
# build at a time (stage re-executes this script as build, lock held).
case "$cmd" in
stage | build)
	if [ -z "${IGT_LOCK_HELD:-}" ]; then
		mkdir -p "$BUILD"
		exec 9>"$BUILD/igt.lock"
		flock 9
		export IGT_LOCK_HELD=1
	fi
	;;
esac

case "$cmd" in
stage)
	prepare_base
	if [ -x "$stage/bin/igt_runner" ] && [ "$(cat "$stage/.inputs" 2>/dev/null)" = "$(inputs_key)" ]; then
		say "$stage is up to date"
		exit 0
	fi
	exec "$0" build
	;;
patch)
	prepare_base
	p=$(make_patch) || die "could not write the IGT patches"
	for f in $p; do say "wrote $f ($(grep -c '^+++ ' "$f") files)"; done
	say "apply in an IGT checkout with: git am $patchdir/*.patch"
	;;
build)
	prepare_base
	if p=$(make_patch); then
		pass "patch: written ($(echo $p | wc -w) patches in $patchdir)"
	else
		fail "patch: could not be written (output above)"
		finish || exit 1
	fi
	rm -rf "$src"
	git clone -q "$base" "$src"
	if git -C "$src" -c user.name=igt -c user.email=igt@localhost am -q $p \
		>"$LOGDIR/igt-am.log" 2>&1; then
		pass "patch: applies to the base with git am"
	else
		fail "patch: git am failed (log: $LOGDIR/igt-am.log)"
		finish || exit 1
	fi

	# checkpatch with IGT's own .checkpatch.conf, and further: libdrm's
	# API is CamelCase, IGT has no __printf(), a message that starts with
	# its function's name is not about that name, the sign-off is the
	# submitter's (SIGNOFF=), no MAINTAINERS entry for tests, ENOSYS is
	# what virtio-gpu without 3D returns.
	cp_ignore=CAMELCASE,PREFER_DEFINED_ATTRIBUTE_MACRO,EMBEDDED_FUNCTION_NAME,FILE_PATH_CHANGES,ENOSYS
	[ -n "${SIGNOFF:-}" ] || cp_ignore=$cp_ignore,MISSING_SIGN_OFF
	# shellcheck disable=SC2046
	if [ -x "$SRC/scripts/checkpatch.pl" ] &&
		(cd "$src" && "$SRC/scripts/checkpatch.pl" --no-tree $(grep -v '^#' .checkpatch.conf) \
			--ignore="$cp_ignore" $p) >"$LOGDIR/igt-checkpatch.log" 2>&1; then
		pass "checkpatch: the series is clean with IGT's .checkpatch.conf"
	else
		grep -E '(ERROR|WARNING|CHECK):' "$LOGDIR/igt-checkpatch.log" | sed -n '1,5s/^/    /p'
		fail "checkpatch: the series (log: $LOGDIR/igt-checkpatch.log; needs the assembled kernel tree's scripts/checkpatch.pl)"
	fi

	ours=$(cd "$TOP/igt-tests" && ls *.c | sed 's/\.c$//')
	bench=$(cd "$TOP/igt-tests/bench" && ls *.c | sed 's/\.c$//')
	target_list=(runner/igt_runner runner/igt_results)
	for t in $ours $UPSTREAM_TESTS; do target_list+=("tests/$t"); done
	for b in $bench; do target_list+=("benchmarks/$b"); done
	say "configuring and building IGT (log: $LOGDIR/igt-build.log)"
	if ! {
		{ [ -f "$bld/build.ninja" ] ||
			meson setup "$bld" "$src" -Dtests=enabled -Drunner=enabled \
				-Doverlay=disabled -Dchamelium=disabled -Dman=disabled \
				-Ddocs=disabled -Dtestplan=disabled -Dlibunwind=disabled \
				-Dvalgrind=disabled -Dlibdrm_drivers=; } &&
		ninja -C "$bld" "${target_list[@]}"
	} >"$LOGDIR/igt-build.log" 2>&1; then
		tail -n 20 "$LOGDIR/igt-build.log" | sed 's/^/    /'
		fail "build: our tests and the upstream tier's (log: $LOGDIR/igt-build.log)"
		finish || exit 1
	fi
	pass "build: ${#target_list[@]} targets with IGT's library"

	# Every test lists its subtests on any machine, this one included
	# (no DRM card, no test device): discovery runs in fixtures.
	for t in $ours; do
		if ! list=$("$bld/tests/$t" --list-subtests 2>>"$LOGDIR/igt-list.log"); then
			fail "list/$t: --list-subtests failed (log: $LOGDIR/igt-list.log)"
			continue
		fi
		n=$(grep -c . <<<"$list" || true)
		if [ "$n" -gt 0 ]; then
			pass "list/$t: $n subtests"
		else
			fail "list/$t: lists no subtests"
		fi
	done

	# The testplan documentation in IGT's style, checked by IGT's own
	# checker against the subtests each binary lists.
	documented=$(python3 -c 'import json, sys; print(" ".join(f[:-2] for f in json.load(open(sys.argv[1]))["files"]))' \
		"$TOP/harness/igt-doc.json")
	cp "$TOP/harness/igt-doc.json" "$src/tests/typed_dmabuf_doc.json"
	# shellcheck disable=SC2046
	if ninja -C "$bld" $(for t in $documented; do echo "tests/$t.testlist"; done) \
		>"$LOGDIR/igt-doc.log" 2>&1 &&
		(cd "$src" && python3 scripts/igt_doc.py --config tests/typed_dmabuf_doc.json \
			--check-testlist --igt-build-path "$bld") >>"$LOGDIR/igt-doc.log" 2>&1; then
		pass "testplan: documentation of $(echo $documented | wc -w) tests matches their subtests (scripts/igt_doc.py)"
	else
		grep ERROR "$LOGDIR/igt-doc.log" | sed -n '1,5s/^/    /p'
		fail "testplan: scripts/igt_doc.py --check-testlist (log: $LOGDIR/igt-doc.log)"
	fi

	# The VM's payload: binaries in bin/, their libraries and the
	# dynamic loader in lib/.
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/lib"
	bins="$bld/runner/igt_runner $bld/runner/igt_results"
	for t in $ours $UPSTREAM_TESTS; do bins="$bins $bld/tests/$t"; done
	for b in $bench; do bins="$bins $bld/benchmarks/$b"; done
	# shellcheck disable=SC2086
	cp $bins "$stage/bin/"
	# shellcheck disable=SC2086
	shared_libs $bins | while IFS= read -r l; do
		cp -L "$l" "$stage/lib/"
	done
	# Helper threads that fail unwind through libgcc_s, which glibc
	# loads with dlopen: ldd does not list it.
	cp -L "$(gcc -print-file-name=libgcc_s.so.1)" "$stage/lib/"
	inputs_key >"$stage/.inputs"
	say "staged $(ls "$stage/bin" | wc -l) binaries and $(ls "$stage/lib" | wc -l) libraries in $stage"
	finish
	;;
*)
	die "usage: igt.sh patch|build|stage"
	;;
esac
