#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The overlay as a git-am-able patch series (series/series.txt says how).
#
#   series.sh           write build/series/*.patch with a cover letter, To
#                       and Cc from the base's MAINTAINERS, the version and
#                       changelog from series/changelog.txt;
#                       SIGNOFF="Name <mail>" signs every patch off,
#                       SERIES_OUT=DIR writes it there instead,
#                       SERIES_RECIPIENTS=0 leaves To and Cc out
#   series.sh check     (make check) the series applies with git am to the
#                       pristine base and gives the assembled tree byte for
#                       byte, every patch is checkpatch --strict clean, and
#                       b4 am reads it offline
#   series.sh bisect    (make sweep) after each patch, the .c files the
#                       series has touched so far build with W=1 in the
#                       module tiers' configuration
#   series.sh versions  (make sweep) git am of the series on every
#                       linux-source-6.12 version Debian's archive serves:
#                       clean, with a three-way merge, or where it stops
#                       (a failure only for the pinned version)
#   series.sh compat-point
#                       (make sweep) the core KUnit suites (drivers/dma-buf)
#                       at the point before the last patch, where a
#                       distribution may stop to keep the compat exporter
#                       path (the last patch is "reverse-of:
#                       compat-exporter.patch" in series.txt)
#   series.sh compat [save]
#                       a worktree of the assembled tree with
#                       series/compat-exporter.patch applied, in
#                       build/src/compat-point, to change what the last
#                       patch removes; "save" writes the patch back from it
#
# Needs the assembled tree (make assemble) without unexported edits.
STAGE=series
. "$(dirname "$0")/lib.sh"

mode=${1:-write}
desc=$TOP/series/series.txt
[ -d "$SRC/.git" ] || die "no assembled tree at $SRC; run 'make assemble' first"
want="overlay $(overlay_hash)"
[ "$(tgit log -1 --format=%s)" = "$want" ] && [ -z "$(tgit status --porcelain)" ] ||
	die "the assembled tree is not the overlay as committed here: run 'make assemble' (or export or discard your edits first)"
# The same overlay gives the same series: dates are the project's last commit.
date=$(git -C "$TOP" log -1 --format=%cI)

# generate OUT WORK SIGNOFF [OPTION...]: the series in OUT, committed in
# worktree WORK, its version and changelog from series/changelog.txt.
generate() {
	python3 "$TOP/harness/series.py" --src "$SRC" --desc "$desc" \
		--changelog "$TOP/series/changelog.txt" \
		--out "$1" --work "$2" --signoff "$3" --date "$date" "${@:4}"
}

case $mode in
write)
	out=${SERIES_OUT:-$BUILD/series}
	say "writing the series to $out${SIGNOFF:+ (signed off by $SIGNOFF)}"
	# To and Cc from the base tree's MAINTAINERS (get_maintainer.pl, about
	# a minute; SERIES_RECIPIENTS=0 leaves them out).
	recipients=()
	[ "${SERIES_RECIPIENTS:-1}" = 0 ] || recipients=(--maintainers)
	generate "$out" "$BUILD/series-work" "${SIGNOFF:-}" "${recipients[@]}" | sed 's|^|    |'
	say "$(find "$out" -name '0*.patch' ! -name '0000-*' | wc -l) patches and a cover letter;" \
		"apply with: git am \$(ls $out/*.patch | grep -v cover-letter) (on $BASE_PKG $BASE_VERSION)"
	[ -n "${SIGNOFF:-}" ] ||
		say "no Signed-off-by: add yours with make series SIGNOFF=\"Name <mail>\""
	;;
check)
	out=$BUILD/series-check
	log=$LOGDIR/series-check.log
	: >"$log"
	passed=0 failed=0
	# A made-up submitter: checkpatch requires a sign-off, the series has none.
	if generate "$out" "$BUILD/series-work" "Series Check <series-check@example.org>" \
		>>"$log" 2>&1; then
		echo "PASS series: written, $(find "$out" -name '0*.patch' | wc -l) files (log $log)"
		passed=$((passed + 1))
	else
		tail -n 5 "$log"
		echo "FAIL series: cannot be written from series/series.txt (log $log)"
		echo "RESULT series passed=$passed failed=1"
		exit 1
	fi
	# git am in the worktree the series was written in, back at the base.
	am=$BUILD/series-work
	patches=$(find "$out" -name '0*.patch' ! -name '0000-cover-letter.patch' | sort)
	# shellcheck disable=SC2086
	if git -C "$am" checkout -q -f --detach base &&
		git -C "$am" -c user.name=series -c user.email=series@localhost am -q $patches \
			>>"$log" 2>&1 &&
		[ "$(git -C "$am" rev-parse 'HEAD^{tree}')" = "$(tgit rev-parse 'HEAD^{tree}')" ]; then
		echo "PASS series: git am on the pristine base gives the assembled tree, byte for byte"
		passed=$((passed + 1))
	else
		git -C "$am" am --abort >/dev/null 2>&1 || true
		echo "FAIL series: git am on the pristine base does not give the assembled tree (log $log)"
		failed=$((failed + 1))
	fi
	# checkpatch as for a submission, commit message included, with two
	# checks left out: UNKNOWN_COMMIT_ID, since the base is a source
	# package without history, so the Fixes: id (upstream 284562e1f348)
	# cannot be looked up; and FILE_PATH_CHANGES ("does MAINTAINERS need
	# updating?" for every new file), since existing entries cover them.
	bad=0
	for p in $patches; do
		if ! checkpatch --strict \
			--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID "$p" >>"$log" 2>&1; then
			echo "FAIL series: checkpatch --strict: $(basename "$p")"
			bad=$((bad + 1))
		fi
	done
	if [ "$bad" -eq 0 ]; then
		echo "PASS series: checkpatch --strict clean, $(echo "$patches" | wc -w) patches, commit messages included"
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	# b4 (Debian's 0.12), offline, in the tree that has the base commit:
	# the series as one mbox, as a list archive holds it; b4 am must find
	# the cover letter and every patch in order, warn of nothing, and
	# write an am-ready mbox with all of them.
	mbox=$BUILD/series-check.mbox b4out=$BUILD/series-check-b4 b4log=$LOGDIR/series-b4.log
	n=$(echo "$patches" | wc -w)
	cat "$out"/0*.patch >"$mbox"
	rm -rf "$b4out"
	mkdir -p "$b4out"
	if (cd "$SRC" && b4 --offline-mode am -m "$mbox" -o "$b4out") >"$b4log" 2>&1 &&
		grep -qx "Total patches: $n" "$b4log" && grep -q '^Cover: ' "$b4log" &&
		! grep -qE 'WARNING|ERROR|Traceback|not known' "$b4log" &&
		[ "$(cat "$b4out"/*.mbx | grep -c '^Subject: \[PATCH')" -eq "$n" ]; then
		echo "PASS series: b4 am reads the series offline: cover letter and $n patches (log $b4log)"
		passed=$((passed + 1))
	else
		echo "FAIL series: b4 am does not accept the series (log $b4log)"
		failed=$((failed + 1))
	fi
	echo "RESULT series passed=$passed failed=$failed"
	[ "$failed" -eq 0 ]
	;;
bisect)
	ccache_env
	cfg=$BUILD/config-modules
	[ -f "$cfg" ] || die "no $cfg: run the module tiers first (make module-xe)"
	out=$BUILD/kernel-series-bisect
	work=$BUILD/series-work
	logs=$LOGDIR/series-bisect
	mkdir -p "$out" "$logs"
	generate "$BUILD/series-bisect-patches" "$work" "" >/dev/null
	revs=$(git -C "$work" rev-list --reverse base..HEAD)
	n=$(echo "$revs" | wc -l)
	# An object of a driver this configuration leaves out (i915, Xen) may
	# fail to compile rather than have no rule: it counts as not in the
	# configuration when it does not build in the base either.
	base=$BUILD/src/base bout=$BUILD/kernel-series-bisect-base
	[ -d "$base" ] || tgit worktree add -q --detach "$base" base
	mkdir -p "$bout"
	cp "$cfg" "$bout/.config"
	make -C "$base" O="$bout" ARCH=x86_64 CC="ccache gcc" olddefconfig prepare \
		-j"$JOBS" >"$logs/base.log" 2>&1 || die "the base does not configure (log $logs/base.log)"
	declare -A in_base=()
	builds_in_base() {
		if [ -z "${in_base[$1]:-}" ]; then
			in_base[$1]=no
			if [ -f "$base/${1%.o}.c" ]; then
				rm -f "$bout/$1"
				make -C "$base" O="$bout" ARCH=x86_64 CC="ccache gcc" W=1 "$1" \
					>>"$logs/base.log" 2>&1 && [ -f "$bout/$1" ] && in_base[$1]=yes
			fi
		fi
		[ "${in_base[$1]}" = yes ]
	}
	passed=0 failed=0 touched="" k=0
	for rev in $revs; do
		k=$((k + 1))
		git -C "$work" checkout -q --detach "$rev"
		subject=$(git -C "$work" log -1 --format=%s)
		for f in $(git -C "$work" diff-tree --no-commit-id --name-only -r "$rev" | grep '\.c$'); do
			c_is_included "$work" "$f" || touched="$touched ${f%.c}.o"
		done
		touched=$(printf '%s\n' $touched | sort -u)
		log=$logs/$(printf '%02d' "$k").log
		say "[$k/$n] $subject ($(echo "$touched" | wc -w) objects, log $log)"
		# Options a later patch adds would be dropped by olddefconfig:
		# start from the full configuration at every step.
		cp "$cfg" "$out/.config"
		if ! make -C "$work" O="$out" ARCH=x86_64 CC="ccache gcc" olddefconfig prepare \
			-j"$JOBS" >"$log" 2>&1; then
			echo "FAIL series-bisect/$k: $subject: the tree does not configure (log $log)"
			failed=$((failed + 1))
			continue
		fi
		for o in $touched; do rm -f "$out/$o"; done
		# shellcheck disable=SC2086
		make -C "$work" O="$out" ARCH=x86_64 CC="ccache gcc" W=1 -k -j"$JOBS" \
			$touched >>"$log" 2>&1 || true
		built=0 na=0 broken=""
		for o in $touched; do
			if [ -f "$out/$o" ]; then
				built=$((built + 1))
			elif grep -q "No rule to make target '$o'" "$log"; then
				na=$((na + 1))
			elif [ -f "$base/${o%.o}.c" ] && ! builds_in_base "$o"; then
				na=$((na + 1))
			else
				broken="$broken $o"
			fi
		done
		if [ -n "$broken" ]; then
			echo "FAIL series-bisect/$k: $subject: does not build:$broken (log $log)"
			failed=$((failed + 1))
		else
			echo "PASS series-bisect/$k: $subject ($built objects built, $na not in this configuration)"
			passed=$((passed + 1))
		fi
	done
	echo "RESULT series-bisect passed=$passed failed=$failed"
	[ "$failed" -eq 0 ]
	;;
versions)
	dir=$BUILD/series-versions
	log=$LOGDIR/series-versions.log
	mkdir -p "$dir/debs"
	: >"$log"
	patches_dir=$dir/patches
	generate "$patches_dir" "$BUILD/series-work" "" >>"$log" 2>&1 || die "cannot write the series (log $log)"
	patches=$(find "$patches_dir" -name '0*.patch' ! -name '0000-cover-letter.patch' | sort)
	# Only the files the series changes are unpacked from each version.
	changed=$(tgit diff --no-renames --name-only --diff-filter=M base HEAD)
	versions=$(apt-cache madison "$BASE_PKG" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -uV)
	[ -n "$versions" ] || die "apt-cache knows no $BASE_PKG version (run apt-get update)"
	say "$BASE_PKG versions served: $(echo $versions)"
	clean=0 merged=0 refused=0 failed=0
	for v in $versions; do
		t=$dir/$v
		rm -rf "$t"
		mkdir -p "$t/tree"
		deb=$(find "$dir/debs" -name "${BASE_PKG}_${v//:/%3a}_*.deb" | head -n 1)
		if [ -z "$deb" ]; then
			say "$v: downloading"
			(cd "$dir/debs" && apt-get download -q "$BASE_PKG=$v") >>"$log" 2>&1 ||
				{ echo "FAIL series-versions/$v: cannot download (log $log)"; failed=$((failed + 1)); continue; }
			deb=$(find "$dir/debs" -name "${BASE_PKG}_${v//:/%3a}_*.deb" | head -n 1)
			[ -n "$deb" ] || { echo "FAIL series-versions/$v: no .deb after the download"; failed=$((failed + 1)); continue; }
		fi
		say "$v: unpacking the $(echo "$changed" | wc -l) files the series changes"
		# shellcheck disable=SC2046
		dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*/linux-source-6.12.tar.xz' |
			tar -xJ -C "$t/tree" --strip-components=1 \
				$(echo "$changed" | sed "s|^|linux-source-6.12/|") >>"$log" 2>&1 ||
			{ echo "FAIL series-versions/$v: a file the series changes is missing (log $log)"; failed=$((failed + 1)); continue; }
		g() { git -C "$t/tree" -c user.name=series -c user.email=series@localhost "$@"; }
		g init -q && g add -A -f . && g commit -q -m "$BASE_PKG $v"
		# Three-way merges need the pinned base's blobs that the patches name.
		for f in $changed; do tgit show "base:$f" | g hash-object -w --stdin >/dev/null; done
		# shellcheck disable=SC2086
		if g am -q $patches >>"$log" 2>&1; then
			echo "PASS series-versions/$v: applies cleanly"
			clean=$((clean + 1))
		else
			g am --abort >/dev/null 2>&1
			# shellcheck disable=SC2086
			if g am -q -3 $patches >>"$log" 2>&1; then
				echo "PASS series-versions/$v: applies with a three-way merge"
				merged=$((merged + 1))
			else
				subject=$(g am --show-current-patch=raw 2>/dev/null | sed -n 's/^Subject: //p' | head -n 1)
				where=$(g diff --name-only --diff-filter=U 2>/dev/null | tr '\n' ' ')
				# Only the pinned version must take it; for the others this
				# is the range README states.
				what="does not apply: stops at \"$subject\"${where:+ (conflicts: ${where% })}"
				if [ "$v" = "$BASE_VERSION" ]; then
					echo "FAIL series-versions/$v: $what (log $log)"
					failed=$((failed + 1))
				else
					echo "INFO series-versions/$v: $what"
					refused=$((refused + 1))
				fi
			fi
		fi
		rm -rf "$t"
	done
	echo "RESULT series-versions clean=$clean three-way=$merged does-not-apply=$refused failed=$failed"
	[ "$failed" -eq 0 ]
	;;
compat-point)
	work=$BUILD/series-work
	generate "$BUILD/series-compat-point" "$work" "" >"$LOGDIR/series-compat-point.log" 2>&1 ||
		{ echo "FAIL series-compat-point: cannot write the series (log $LOGDIR/series-compat-point.log)"; exit 1; }
	last=$(git -C "$work" log -1 --format=%s)
	git -C "$work" checkout -q --detach HEAD~1
	say "the series without its last patch (\"$last\"): the core KUnit suites"
	KUNIT_SRC=$work bash "$TOP/harness/kunit.sh" compat-point
	;;
compat)
	dir=$BUILD/src/compat-point
	diff=$TOP/series/compat-exporter.patch
	case ${2:-open} in
	open)
		if [ ! -d "$dir/.git" ] && [ ! -f "$dir/.git" ]; then
			tgit worktree add -q --detach "$dir" HEAD
		else
			git -C "$dir" checkout -q -f --detach "$(tgit rev-parse HEAD)"
			git -C "$dir" clean -q -f -d -x
		fi
		git -C "$dir" apply -3 "$diff" ||
			die "$diff applies with conflicts: resolve them in $dir, then 'series.sh compat save'"
		say "$dir: the assembled tree before the last patch; edit it, then 'series.sh compat save'"
		;;
	save)
		[ -e "$dir/.git" ] || die "no $dir: run 'series.sh compat' first"
		[ "$(git -C "$dir" rev-parse HEAD)" = "$(tgit rev-parse HEAD)" ] ||
			die "$dir is not on the assembled tree any more: 'series.sh compat' again and redo the edit"
		for f in $(git -C "$dir" ls-files -u | cut -f2 | sort -u); do
			! grep -qE '^(<<<<<<<|>>>>>>>) ' "$dir/$f" ||
				die "$dir/$f still has conflict markers: resolve them first"
		done
		git -C "$dir" add -A
		git -C "$dir" diff --cached HEAD >"$diff"
		git -C "$dir" reset -q
		say "wrote $diff ($(grep -c '^diff --git' "$diff") files)"
		;;
	*) die "usage: series.sh compat [save]" ;;
	esac
	;;
*)
	die "usage: series.sh [check|bisect|versions|compat-point|compat [save]]"
	;;
esac
