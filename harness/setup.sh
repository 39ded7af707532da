#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the project needs and check the pinned base.
#
# As root, missing packages are installed with apt-get (the base at its
# pinned version when the archive still serves it). Otherwise the exact
# apt-get command is printed and the stage fails.
STAGE=setup
. "$(dirname "$0")/lib.sh"

missing=""
for p in $DEPS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done

have_base=$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null || true)

if [ -n "$missing" ]; then
	want=""
	for p in $missing; do
		if [ "$p" = "$BASE_PKG" ]; then
			want="$want $p=$BASE_VERSION"
		else
			want="$want $p"
		fi
	done
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages; run as root: apt-get update && apt-get install -y --no-install-recommends$want"
	fi
	say "installing:$missing"
	log=$LOGDIR/apt-get.log
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends $want >"$log" 2>&1; then
		# Stale or missing package lists, or the security archive has
		# dropped the pinned version: refresh the lists and retry, then
		# fall back to whatever 6.12 is served.
		run_logged "$LOGDIR/apt-update.log" apt-get update
		if ! apt-get install -y --no-install-recommends $want >"$log" 2>&1; then
			warn "$BASE_PKG=$BASE_VERSION is not served any more; installing the version the archive has"
			run_logged "$log" apt-get install -y --no-install-recommends $missing
		fi
	fi
	have_base=$(dpkg-query -W -f='${Version}' "$BASE_PKG")
fi

# Installed at another version (an upgrade, or a package that recommends
# it, pulled it along): back to the pinned one while the archive serves it.
if [ -n "$have_base" ] && [ "$have_base" != "$BASE_VERSION" ] && [ "$(id -u)" -eq 0 ] &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y --allow-downgrades \
		--no-install-recommends "$BASE_PKG=$BASE_VERSION" >"$LOGDIR/apt-get-base.log" 2>&1; then
	say "$BASE_PKG back at the pinned $BASE_VERSION (it was $have_base)"
	have_base=$BASE_VERSION
fi

[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL is missing although $BASE_PKG is installed"

if [ "$have_base" != "$BASE_VERSION" ]; then
	warn "base is $BASE_PKG $have_base, the overlay is pinned to $BASE_VERSION: patches will be applied three-way"
fi
mkdir -p "$BUILD"

# Disk: a cold `make check` leaves about 7 GiB under build/ (the assembled
# tree and its base and series worktrees, 5.4 GiB; kernel, KUnit and IGT
# builds) and adds up to 1 GiB to ccache.
need_disk 8 "the build (what a cold make check leaves, plus ccache)"

sum=$(sha256sum "$BASE_TARBALL" | cut -d' ' -f1)
if [ "$sum" = "$BASE_SHA256" ]; then
	echo exact >"$BUILD/base-match"
else
	[ "$have_base" = "$BASE_VERSION" ] &&
		die "$BASE_TARBALL has sha256 $sum, expected $BASE_SHA256 for $BASE_VERSION"
	echo "$have_base" >"$BUILD/base-match"
fi
say "base: $BASE_PKG $have_base ($(cat "$BUILD/base-match"))"
