#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The overlay mechanics of DESIGN.md section 2.
#
#   overlay.sh assemble        build/src/linux = pinned base + overlay
#   overlay.sh export          edits made in build/src/linux -> overlay files
#   overlay.sh apply KSRC      apply the overlay onto a user's 6.12 tree
#   overlay.sh discard         drop edits made in build/src/linux
#   overlay.sh guard           fail if build/src/linux has unexported edits
#   overlay.sh check           layout rule, zero-fuzz patches, checkpatch
#
# Overlay files live under drivers/ include/ Documentation/ tools/ of this
# repository: a path that exists in the base is kept as "<path>.patch" (a
# unified diff against the base file), any other path is a new file kept
# in full.
STAGE=overlay
. "$(dirname "$0")/lib.sh"

# Is PATH (relative to the kernel root) a file of the pristine base?
in_base() {
	tgit cat-file -e "base:$1" 2>/dev/null
}

# The overlay artifact that represents kernel path P: P.patch if P exists
# in the base, P itself otherwise.
artifact_of() {
	if in_base "$1"; then
		printf '%s.patch\n' "$1"
	else
		printf '%s\n' "$1"
	fi
}

# unpack_base: (re)create $SRC as a git repository holding the pristine
# base as its first commit, tagged "base".
unpack_base() {
	local sum
	sum=$(sha256sum "$BASE_TARBALL" | cut -d' ' -f1)
	if [ -d "$SRC/.git" ] && [ "$(cat "$SRC/.git/base-sha256" 2>/dev/null)" = "$sum" ]; then
		return 0
	fi
	say "unpacking $BASE_TARBALL into $SRC (one time, about a minute)"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	run_logged "$LOGDIR/unpack.log" tar -xJf "$BASE_TARBALL" -C "$SRC" --strip-components=1
	say "recording the pristine base as the tree's first commit"
	tgit init -q
	# Debian's tarball ignores everything at its top level, so every add
	# is forced. Build products go to O= directories, never into the tree.
	run_logged "$LOGDIR/unpack.log" tgit add -A -f .
	tgit commit -q -m "base: $BASE_PKG $(dpkg-query -W -f='${Version}' "$BASE_PKG")"
	tgit tag -f base >/dev/null
	echo "$sum" >"$SRC/.git/base-sha256"
}

# export_to DIR: write the overlay that the current state of $SRC
# corresponds to into DIR (which must be empty). Prints kernel paths that
# changed outside the overlay roots to stderr.
export_to() {
	local out=$1 path
	tgit add -A -f .
	while IFS=$'\t' read -r _ path; do
		case "$path" in
		drivers/* | include/* | Documentation/* | samples/* | tools/*) ;;
		*)
			warn "$path changed outside the overlay roots; not exported"
			continue
			;;
		esac
		mkdir -p "$out/$(dirname "$path")"
		if in_base "$path"; then
			tgit diff --cached --no-renames --no-color --no-ext-diff --full-index \
				base -- "$path" >"$out/$path.patch"
		else
			cp "$SRC/$path" "$out/$path"
		fi
	done < <(tgit diff --cached --no-renames --name-status base)
}

# The paths of $SRC that differ from its last commit (edits made since
# the last assemble or export).
dirty_paths() {
	tgit add -A -f .
	tgit diff --cached --no-renames --name-only HEAD
}

# unexported_edits: list the edited paths of $SRC whose overlay artifact
# in this repository does not hold that edit.
unexported_edits() {
	local tmp p a
	tmp=$(mktemp -d)
	export_to "$tmp" 2>/dev/null || true
	dirty_paths | while IFS= read -r p; do
		a=$(artifact_of "$p")
		if [ -f "$tmp/$a" ] || [ -f "$TOP/$a" ]; then
			cmp -s "$tmp/$a" "$TOP/$a" 2>/dev/null || printf '%s\n' "$p"
		fi
	done
	rm -rf "$tmp"
}

# apply_overlay_git: apply the overlay to $SRC at tag base and commit.
apply_overlay_git() {
	local f exact
	exact=$(cat "$BUILD/base-match" 2>/dev/null || echo exact)
	while IFS= read -r f; do
		case "$f" in
		*.patch)
			in_base "${f%.patch}" ||
				die "$f patches ${f%.patch}, which is not in the base"
			if ! tgit apply --whitespace=nowarn "$TOP/$f" 2>"$LOGDIR/apply.log"; then
				if [ "$exact" = exact ]; then
					cat "$LOGDIR/apply.log" >&2
					die "$f does not apply to the pinned base"
				fi
				warn "$f does not apply cleanly to base $exact; trying a three-way apply"
				tgit apply -3 --whitespace=nowarn "$TOP/$f" >>"$LOGDIR/apply.log" 2>&1 ||
					die "first patch that does not apply to base $exact: $f (see $LOGDIR/apply.log)"
			fi
			;;
		*)
			in_base "$f" &&
				die "$f exists in the base kernel: keep it as $f.patch, never as a whole copy"
			mkdir -p "$SRC/$(dirname "$f")"
			cp "$TOP/$f" "$SRC/$f"
			;;
		esac
	done < <(overlay_files)
}

# cmd_guard: refuse (naming the files) when $SRC holds unexported edits.
cmd_guard() {
	local edits
	[ -d "$SRC/.git" ] && tgit rev-parse -q --verify base >/dev/null || return 0
	edits=$(unexported_edits)
	if [ -n "$edits" ]; then
		printf '  %s\n' $edits >&2
		die "$SRC has edits that are not exported to the overlay (listed above); run 'make export' to keep them, or 'make discard' to drop them"
	fi
}

cmd_assemble() {
	local h
	h=$(overlay_hash)
	if [ -d "$SRC/.git" ] && tgit rev-parse -q --verify base >/dev/null; then
		cmd_guard
		if [ "$(tgit log -1 --format=%s)" = "overlay $h" ] && [ -z "$(dirty_paths)" ]; then
			say "tree is up to date with the overlay ($SRC)"
			return 0
		fi
	fi
	unpack_base
	say "applying the overlay ($(overlay_files | wc -l) files)"
	tgit checkout -q -f base
	tgit clean -q -f -d -x
	tgit checkout -q -B overlay base
	apply_overlay_git
	tgit add -A -f .
	tgit commit -q --allow-empty -m "overlay $h"
	say "assembled $SRC: $(tgit diff --shortstat base HEAD | sed 's/^ //')"
}

cmd_export() {
	local tmp f n=0
	[ -d "$SRC/.git" ] || die "no assembled tree at $SRC; run 'make assemble' first"
	tmp=$(mktemp -d)
	export_to "$tmp"
	# Overlay files that no longer correspond to a change are removed.
	while IFS= read -r f; do
		if [ ! -f "$tmp/$f" ]; then
			rm -f "$TOP/$f"
			say "removed $f (no longer differs from the base)"
		fi
	done < <(overlay_files)
	while IFS= read -r f; do
		if ! cmp -s "$tmp/$f" "$TOP/$f" 2>/dev/null; then
			mkdir -p "$TOP/$(dirname "$f")"
			cp "$tmp/$f" "$TOP/$f"
			say "exported $f"
			n=$((n + 1))
		fi
	done < <(cd "$tmp" && find . -type f | sed 's|^\./||' | sort)
	rm -rf "$tmp"
	tgit add -A -f .
	tgit commit -q --allow-empty -m "overlay $(overlay_hash)"
	say "$n overlay file(s) written; review with 'git status' and commit them"
}

cmd_discard() {
	[ -d "$SRC/.git" ] || return 0
	say "dropping edits in $SRC: $(dirty_paths | tr '\n' ' ')"
	tgit reset -q --hard HEAD
	tgit clean -q -f -d -x
}

cmd_apply() {
	local ksrc=${1:-} f v p
	[ -n "$ksrc" ] || die "usage: make apply KSRC=/path/to/linux-6.12"
	[ -f "$ksrc/Makefile" ] || die "$ksrc is not a kernel tree (no Makefile)"
	v=$(sed -n 's/^VERSION = //p' "$ksrc/Makefile")
	p=$(sed -n 's/^PATCHLEVEL = //p' "$ksrc/Makefile")
	[ "$v.$p" = "6.12" ] || die "$ksrc is Linux $v.$p; the overlay is for 6.12"
	# Check everything first so that a failure leaves the tree untouched.
	while IFS= read -r f; do
		case "$f" in
		*.patch)
			if ! patch -d "$ksrc" -p1 --fuzz=0 --dry-run -s -f <"$TOP/$f" >/dev/null; then
				patch -d "$ksrc" -p1 -R --fuzz=0 --dry-run -s -f <"$TOP/$f" >/dev/null 2>&1 &&
					die "$f is already applied to $ksrc; nothing was changed"
				die "$f does not apply to $ksrc with zero fuzz; nothing was changed"
			fi
			;;
		*)
			if [ -e "$ksrc/$f" ] && ! cmp -s "$TOP/$f" "$ksrc/$f"; then
				die "$ksrc/$f already exists and differs (overlay already applied?); nothing was changed"
			fi
			;;
		esac
	done < <(overlay_files)
	while IFS= read -r f; do
		case "$f" in
		*.patch) patch -d "$ksrc" -p1 --fuzz=0 -s -f <"$TOP/$f" >/dev/null ;;
		*)
			mkdir -p "$ksrc/$(dirname "$f")"
			cp "$TOP/$f" "$ksrc/$f"
			;;
		esac
		say "applied $f"
	done < <(overlay_files)
}

# cmd_check: the layout rule and patch hygiene, as countable results.
# Prints "PASS name" / "FAIL name: why" lines.
cmd_check() {
	local f bad tmp
	[ -d "$SRC/.git" ] || die "no assembled tree at $SRC; run 'make assemble' first"

	bad=""
	while IFS= read -r f; do
		case "$f" in
		*.patch) in_base "${f%.patch}" || bad="$bad $f(patches-a-file-not-in-base)" ;;
		*) in_base "$f" && bad="$bad $f(whole-copy-of-a-base-file)" ;;
		esac
	done < <(overlay_files)
	report "overlay: no whole copies of base files, every patch names a base file" "$bad"

	bad=""
	tmp=$(mktemp -d)
	while IFS= read -r f; do
		case "$f" in
		*.patch)
			in_base "${f%.patch}" || continue
			mkdir -p "$tmp/$(dirname "$f")"
			tgit show "base:${f%.patch}" >"$tmp/${f%.patch}"
			patch -d "$tmp" -p1 --fuzz=0 -s -f <"$TOP/$f" >"$LOGDIR/zero-fuzz.log" 2>&1 ||
				bad="$bad $f"
			;;
		esac
	done < <(overlay_files)
	rm -rf "$tmp"
	report "overlay: every patch applies to the pinned base with zero fuzz" "$bad"

	bad=""
	: >"$LOGDIR/checkpatch.log"
	while IFS= read -r f; do
		case "$f" in
		*.patch) set -- "$TOP/$f" ;;
		*.c | *.h | *.rst) set -- -f "$TOP/$f" ;;
		*) continue ;;
		esac
		checkpatch --strict --no-signoff --no-tree --ignore FILE_PATH_CHANGES -q "$@" \
			>>"$LOGDIR/checkpatch.log" 2>&1 || bad="$bad $f"
	done < <(overlay_files)
	report "overlay: checkpatch --strict clean (log $LOGDIR/checkpatch.log)" "$bad"
}

report() {
	if [ -z "$2" ]; then
		echo "PASS $1"
	else
		echo "FAIL $1:$2"
	fi
}

case "${1:-}" in
assemble) cmd_assemble ;;
guard) cmd_guard ;;
export) cmd_export ;;
discard) cmd_discard ;;
apply) cmd_apply "${2:-}" ;;
check) cmd_check ;;
*) die "usage: $0 assemble|export|discard|guard|apply KSRC|check" ;;
esac
