#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The compile tier of `make check`: every object that the overlay adds or
# whose C source it patches is compiled with W=1 and sparse (C=1) in the
# patched tree, with the debug guest's configuration. A warning fails the
# object unless the unmodified base gives the same warning for the same
# object (same file and message; line numbers may move). Prints
# "PASS|FAIL compile/<object>" lines and a RESULT line.
STAGE=compile
. "$(dirname "$0")/lib.sh"

ccache_env
cfg=$BUILD/kernel-debug/.config
[ -f "$cfg" ] || die "no $cfg; build the debug kernel first (make kernel-debug)"

objs=""
patched=""
while IFS= read -r f; do
	case "$f" in
	*.c.patch) f=${f%.patch}; patched="$patched ${f%.c}.o" ;;
	*.c) ;;
	*) continue ;;
	esac
	objs="$objs ${f%.c}.o"
done < <(overlay_files | grep -E '^drivers/')

if [ -z "$objs" ]; then
	echo "RESULT compile passed=0 failed=0"
	exit 0
fi

# compile_objs SRCDIR OUTDIR LOG OBJ...: W=1 C=1 build of single objects.
compile_objs() {
	local src=$1 out=$2 log=$3
	shift 3
	mkdir -p "$out"
	cp "$cfg" "$out/.config"
	make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" olddefconfig >"$log" 2>&1 &&
		make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$JOBS" prepare >>"$log" 2>&1 ||
		die "preparing $out failed (log: $log)"
	# Rebuild every time, so that each run sees all warnings again;
	# -k: one object that does not build must not hide the others.
	for o in "$@"; do rm -f "$out/$o"; done
	make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" -k -j"$JOBS" \
		W=1 C=1 "$@" >>"$log" 2>&1 || true
}

# Warnings of one object, without line and column numbers.
warnings_of() {
	local log=$1 src=${2%.o}.c
	grep -E "^([^ ]*/)?$src:[0-9]+(:[0-9]+)?: (warning|error)" "$log" |
		sed -E 's|^([^ ]*/)?([^ /:]+):[0-9]+(:[0-9]+)?:|\2:|' | sort || true
}

plog=$LOGDIR/compile-patched.log
say "W=1 C=1 build of$objs (log: $plog)"
# shellcheck disable=SC2086
compile_objs "$SRC" "$BUILD/compile-patched" "$plog" $objs

blog=$LOGDIR/compile-base.log
if [ -n "$patched" ]; then
	base=$BUILD/src/base
	if [ ! -d "$base" ]; then
		tgit worktree add -q --detach "$base" base
	fi
	say "the same for the base of$patched (log: $blog)"
	# shellcheck disable=SC2086
	compile_objs "$base" "$BUILD/compile-base" "$blog" $patched
else
	: >"$blog"
fi

passed=0 failed=0
for o in $objs; do
	if [ ! -f "$BUILD/compile-patched/$o" ]; then
		echo "FAIL compile/$o: not built (log: $plog)"
		failed=$((failed + 1))
		continue
	fi
	new=$(comm -23 <(warnings_of "$plog" "$o") <(warnings_of "$blog" "$o"))
	if [ -n "$new" ]; then
		printf '%s\n' "$new" | sed 's/^/    /'
		echo "FAIL compile/$o: new W=1/sparse warnings (log: $plog)"
		failed=$((failed + 1))
	else
		echo "PASS compile/$o"
		passed=$((passed + 1))
	fi
done
echo "RESULT compile passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
