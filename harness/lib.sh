# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Common settings and helpers for the harness scripts. Sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
LOGDIR=$BUILD/logs

# The pinned base (DESIGN.md section 3).
BASE_PKG=linux-source-6.12
BASE_VERSION=6.12.117-1~deb12u1
BASE_SHA256=585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz

# The assembled kernel tree: a git repository whose tag "base" is the
# pristine base and whose HEAD is base + overlay (+ exported edits).
SRC=$BUILD/src/linux
OVERLAY_ROOTS="drivers include Documentation samples tools"

# Debian packages every stage needs (DESIGN.md section 7); the second
# half builds IGT (../shared/igt/README.md) and checks the JUnit output.
DEPS="$BASE_PKG build-essential bc bison flex libelf-dev libssl-dev cpio
      xz-utils kmod ccache sparse patch git python3 rsync gdb
      qemu-system-x86 busybox-static libdrm-dev
      meson ninja-build libkmod-dev libproc2-dev libudev-dev libcairo2-dev
      libpixman-1-dev libdw-dev libglib2.0-dev libpciaccess-dev libjson-c-dev
      libxml2-utils python3-junit.xml python3-junitparser"

# A kernel report in a console log: any of these fails a run that boots
# the debug kernel (KASAN, lockdep, kmemleak, DMA-API debug, UBSAN).
KERNEL_REPORT_RE='BUG:|WARNING:|Oops|Kernel panic|general protection fault|unreferenced object|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|UBSAN:|INFO: task .* blocked|DMA-API: [^ ]+ [^ ]+: |DMAR: \[DMA |DMAR: DRHD: handling fault|swiotlb buffer is full|overflow mask|dma-debug disabled|DMA-API: debugging out of memory|kmemleak: .*disabled|turning off the locking correctness validator'

STAGE=${STAGE:-harness}
mkdir -p "$LOGDIR"

say() { printf '==> [%s] %s\n' "$STAGE" "$*"; }
warn() { printf 'WARNING [%s]: %s\n' "$STAGE" "$*" >&2; }
die() {
	printf 'FAILED [%s]: %s\n' "$STAGE" "$*" >&2
	exit 1
}

# run_logged LOG CMD...: run CMD with all output in LOG; on failure show
# the tail of LOG and name it.
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		tail -n 25 "$log" >&2
		die "command failed: $*; full log: $log"
	fi
}

# git in the assembled tree, with an identity of its own so that it never
# depends on the user's git configuration.
tgit() {
	git -C "$SRC" -c user.name=overlay -c user.email=overlay@localhost \
		-c core.autocrlf=false -c advice.detachedHead=false "$@"
}

# Overlay files of this repository (tracked, or new and not ignored), one
# path per line, relative to $TOP.
overlay_files() {
	# shellcheck disable=SC2086
	git -C "$TOP" ls-files --cached --others --exclude-standard -- $OVERLAY_ROOTS |
		sort -u | while IFS= read -r f; do
			[ -f "$TOP/$f" ] && printf '%s\n' "$f"
		done
	return 0
}

# c_is_included ROOT PATH: is PATH, a .c file of the tree at ROOT,
# #included by a .c file of its directory or the one above (xe's
# convention for tests of static functions) instead of built alone?
c_is_included() {
	grep -qsE "^#include \"(tests/)?$(basename "$2")\"" \
		"$1/$(dirname "$2")"/*.c "$1/$(dirname "$2")"/../*.c
}

# Hash of the overlay's content: names and bytes of every overlay file.
overlay_hash() {
	overlay_files | while IFS= read -r f; do
		printf '%s\n' "$f"
		sha256sum <"$TOP/$f"
	done | sha256sum | cut -d' ' -f1
}

# Paths under $TOP are hashed relative to the build directory, so that
# another checkout of the project (CI's fresh clone) hits the same cache.
ccache_env() {
	export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
	export CCACHE_BASEDIR=$TOP
	export CCACHE_NOHASHDIR=1
}

JOBS=${JOBS:-$(($(nproc) + 1))}

# frag_field NAME FILE: the value of a "# NAME: value" header line of a
# configuration fragment (harness/configs/module-*.config).
frag_field() { sed -n "s|^# $1: *||p" "$2" | head -n 1; }

# kconfig_defined SRCDIR CONFIG_FOO: does the tree at SRCDIR define FOO?
# The unmodified base lacks the options our overlay adds; fragments that
# set them are applied to both trees, and only the patched one must honour
# them.
kconfig_defined() {
	git -C "$1" grep -qE "^(menu)?config ${2#CONFIG_}\$" -- '*Kconfig*'
}

# shared_libs FILE...: every shared library the binaries load, the dynamic
# loader included, one path a line (ldd where they were built, so that
# their run path resolves). libgcc_s.so.1, which glibc loads with dlopen
# to unwind a failing thread, is not among them: callers add it.
shared_libs() {
	local f
	for f in "$@"; do
		ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u
}
