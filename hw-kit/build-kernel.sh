#!/bin/sh
# SPDX-License-Identifier: MIT
# Build a kernel with the kit's series, from the running distribution's
# config plus the kit's options, as Debian packages. Part of the hardware
# test kit (README in the kit).
#
#   ./build-kernel.sh SRC [CONFIG]
#
# SRC is a 6.12.y kernel tree: a linux-stable clone at a v6.12.N tag, or
# Debian's linux-source-6.12 (/usr/src/linux-source-6.12.tar.xz) or
# Ubuntu's linux-source unpacked. In a git tree the series is applied with
# `git am -3`, otherwise with patch(1). CONFIG defaults to the running
# kernel's /boot/config-$(uname -r).
#
# Environment: KIT_DEBUG=0 leaves the checkers of kit-debug.config out
# (KASAN, lockdep, DMA-API debug); KIT_CONFIG_ONLY=1 stops after writing
# and checking SRC/.config; JOBS (default: every CPU).
#
# Result: linux-image-*-typed-dmabuf*.deb next to SRC (make bindeb-pkg).
# Needs the kernel's build dependencies (Debian/Ubuntu: build-essential
# bc bison flex libssl-dev libelf-dev dwarves rsync cpio kmod), no
# network. The distribution's own module signing keys are not there: the
# build signs with a key of its own, so with Secure Boot on, enroll it or
# turn Secure Boot off to boot the kernel.

set -eu
kit=$(cd "$(dirname "$0")" && pwd)
src=${1:-}
config=${2:-/boot/config-$(uname -r)}

say() { echo "kit-build: $*"; }
die() {
	echo "kit-build: error: $*" >&2
	exit 2
}

[ -n "$src" ] || die "usage: $0 SRC [CONFIG] (see the top of this script)"
[ -f "$src/Makefile" ] && [ -f "$src/Kconfig" ] || die "$src is not a kernel source tree"
src=$(cd "$src" && pwd -P)
version=$(make -s -C "$src" kernelversion 2>/dev/null) || die "cannot read the version of $src"
case $version in
6.12.*) ;;
*) die "$src is Linux $version; the series is for 6.12.y" ;;
esac
[ -r "$config" ] || die "no config at $config (give one as the second argument)"
say "tree $src (Linux $version), config $config"

# The series, once; 0000 is its cover letter.
set --
for p in "$kit"/series/0*.patch; do
	case ${p##*/} in 0000-*) ;; *) set -- "$@" "$p" ;; esac
done
if grep -q dma_buf_mapping_attach "$src/drivers/dma-buf/dma-buf.c" 2>/dev/null; then
	say "the series is already applied"
elif [ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" = "$src" ]; then
	# A tree of its own, not one unpacked inside some other repository.
	say "applying $# patches with git am -3"
	git -C "$src" am -3 "$@" ||
		die "git am stopped (git -C $src am --abort undoes it); the README lists the 6.12.y versions it applies to"
else
	for p in "$@"; do
		say "applying ${p##*/}"
		patch -d "$src" -p1 --batch --forward --quiet <"$p" ||
			die "${p##*/} does not apply to $src (Linux $version); the README lists the 6.12.y versions it applies to"
	done
fi

# The config: the distribution's, the kit's options, then what a build
# outside the distribution's packaging needs.
if [ -f "$src/.config" ] && ! cmp -s "$config" "$src/.config"; then
	cp "$src/.config" "$src/.config.before-kit"
	say "kept the tree's previous .config as .config.before-kit"
fi
cp "$config" "$src/.config"
fragments="$kit/kit.config"
[ "${KIT_DEBUG:-1}" = 0 ] || fragments="$fragments $kit/kit-debug.config"
(cd "$src" && ./scripts/kconfig/merge_config.sh -m .config $fragments) >"$src/.kit-merge.log" ||
	die "merging the kit's options failed (log: $src/.kit-merge.log)"
# The distribution's certificates are not in this tree; no debug info,
# which would take most of the build's time and disk.
"$src/scripts/config" --file "$src/.config" \
	--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
	--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_DWARF4 \
	--disable DEBUG_INFO_DWARF5 --enable DEBUG_INFO_NONE --disable DEBUG_INFO_BTF
make -s -C "$src" olddefconfig

# Every option asked for must have stuck (a missing dependency drops one).
missing=0
for f in $fragments; do
	grep '^CONFIG_' "$f" | while IFS= read -r want; do
		grep -qxF "$want" "$src/.config" || echo "$want"
	done
done >"$src/.kit-missing"
if [ -s "$src/.kit-missing" ]; then
	say "these options did not stick (a dependency of theirs is off):"
	sed 's/^/kit-build:   /' "$src/.kit-missing"
	grep -qE '^CONFIG_(DMABUF_TEST_DEVICE|DRM_VGEM|UDMABUF|DEBUG_FS|KALLSYMS)=' "$src/.kit-missing" &&
		missing=1
fi
rm -f "$src/.kit-missing"
[ $missing = 0 ] || die "the tests need the options above"
say "config written: $src/.config ($(grep -c '=m$' "$src/.config") modules)"
[ "${KIT_CONFIG_ONLY:-0}" = 1 ] && exit 0

jobs=${JOBS:-$(nproc)}
say "building Debian packages with $jobs jobs (a distribution config has thousands of modules: this is the long step)"
make -C "$src" -j"$jobs" bindeb-pkg
for deb in "$src"/../linux-image-*typed-dmabuf*.deb; do
	[ -e "$deb" ] || continue
	case $deb in *-dbg_*) ;; *) image=$deb ;; esac
done
say "done: ${image:-no linux-image package found}"
say "install it with dpkg -i, reboot into it, then run ./run-tests.sh as root"
