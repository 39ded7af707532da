#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build an x86_64 guest kernel from the assembled tree.
#
#   build-kernel.sh guest [SRCDIR]   tinyconfig + guest.config
#   build-kernel.sh debug [SRCDIR]   ... + debug.config + KUnit suites
#   build-kernel.sh bench [SRCDIR]   guest + bench.config (make bench)
#   build-kernel.sh coverage         debug + coverage.config; gcov counts
#                                    the C files the overlay changes
#                                    (make coverage)
#
# The output goes to build/kernel-<flavour> (O=), or build/<name> when
# OUTNAME is set (the unmodified-base builds use that). Every CONFIG_
# line of the fragments must survive olddefconfig: a silently dropped
# option fails the build instead of producing a kernel without it.
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: build-kernel.sh guest|debug|bench [SRCDIR]}
src=${2:-$SRC}
STAGE="kernel-$flavour"
out=$BUILD/${OUTNAME:-kernel-$flavour}
cfgdir=$TOP/harness/configs

fragments="$cfgdir/guest.config"
case "$flavour" in
guest) ;;
bench) fragments="$fragments $cfgdir/bench.config" ;;
debug | coverage)
	fragments="$fragments $cfgdir/debug.config"
	[ "$flavour" = coverage ] && fragments="$fragments $cfgdir/coverage.config"
	# The KUnit suites of the overlay, built into the guest.
	for k in $(cd "$TOP" && git ls-files --cached --others --exclude-standard -- '*.kunitconfig'); do
		[ -f "$src/$k" ] && fragments="$fragments $src/$k"
	done
	;;
*) die "unknown flavour $flavour" ;;
esac

ccache_env
mkdir -p "$out"
log=$LOGDIR/$(basename "$out")-build.log
# Coverage: gcov instruments only the objects of the C files the overlay
# changes (GCOV_PROFILE_<object>=y, which Kbuild reads per object), not
# the whole kernel, which would slow the guest under TCG for nothing.
profile=()
[ "$flavour" = coverage ] && mapfile -t profile < <(gcov_profile_args "$src")
make_k() {
	make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" "${profile[@]}" "$@"
}

stamp=$(cat $fragments | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/.fragments" 2>/dev/null)" != "$stamp" ] || [ ! -f "$out/.config" ]; then
	say "configuring $out (tinyconfig + $(for f in $fragments; do basename "$f"; done | tr '\n' ' '))"
	run_logged "$log" make_k tinyconfig
	# shellcheck disable=SC2086
	run_logged "$log" "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" $fragments
	run_logged "$log" make_k olddefconfig
	bad=""
	# The last value of each symbol counts: a later fragment (bench)
	# may turn off what an earlier one (guest) turned on.
	# shellcheck disable=SC2013,SC2086
	for line in $(grep -h '^CONFIG_' $fragments | tac | awk -F= '!seen[$1]++'); do
		sym=${line%%=*}
		# The unmodified base has none of the overlay's own options.
		[ "$src" = "$SRC" ] || kconfig_defined "$src" "$sym" || continue
		want=${line#*=}
		got=$(sed -n "s/^$sym=//p" "$out/.config")
		[ "$want" = n ] && want=""
		[ "$got" = "$want" ] || bad="$bad $line(got:${got:-unset})"
	done
	[ -z "$bad" ] || die "config options did not survive olddefconfig:$bad"
	echo "$stamp" >"$out/.fragments"
fi

say "building bzImage in $out (log: $log; a few minutes on 2 cores, ccache makes rebuilds fast)"
start=$(date +%s)
# Progress: one line a minute with the number of objects compiled so far.
(
	while sleep 60; do
		say "still building: $(grep -c '^  CC' "$log" 2>/dev/null) objects compiled"
	done
) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
# With modules on (the debug flavour: the dma-buf selftests), they are
# built too; vm.sh installs them into the guest.
targets=bzImage
grep -q '^CONFIG_MODULES=y' "$out/.config" && targets="bzImage modules"
# shellcheck disable=SC2086
run_logged "$log" make_k -j"$JOBS" $targets
kill $ticker 2>/dev/null || true
say "built $out/arch/x86/boot/bzImage in $(($(date +%s) - start)) s"
