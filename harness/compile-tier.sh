#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The compile tier of `make check`: every object that the overlay adds or
# whose C source it patches is compiled with W=1 and sparse (C=1) in the
# patched tree. Every warning an object's build prints counts, wherever
# it points (the object's source or a header it includes), and fails the
# object unless the unmodified base prints the same warning (same file
# name and message; line numbers may move) for the same object or, for a
# header, for any of the base's objects. Prints "PASS|FAIL <tier>/<object>" lines and a RESULT
# line.
#
#   compile-tier.sh                   objects built by the debug guest's config
#   compile-tier.sh module NAME       the driver of harness/configs/module-NAME.config
#   compile-tier.sh module NAME link  ... and its modules built and linked,
#                                     wherever its fragment says (make sweep)
#   compile-tier.sh nokunit           the overlay's objects, the module
#                                     directories' included, in the module
#                                     configuration without KUnit (what
#                                     distributions build); the KUnit
#                                     tests, their test exporter and the
#                                     benchmarks are left out
#
# A module fragment names its directory ("# dir: drivers/gpu/drm/xe"), its
# module or modules ("# module: drivers/gpu/drm/xe/xe.ko", several
# separated by spaces) and where they are built and linked ("# link:
# check" or "# link: sweep"). The overlay's objects in that directory get
# the W=1 + sparse comparison in the module configuration: the debug
# guest's plus harness/configs/modules.config, one configuration and
# build directory for all module tiers, prepared only (no vmlinux), so
# this costs seconds. Building and linking the modules (modpost against
# the vmlinux of the same configuration) counts as one result per module:
#   link: check  in `make check`, in a small kernel of its own: tinyconfig
#                plus the fragment's CONFIG_ lines (dma-buf's KUnit test
#                modules against a built-in core, a few minutes cold);
#   link: sweep  in `make sweep` only, in the module configuration: a
#                second full debug kernel plus the driver, over 20 minutes
#                cold on 2 cores (amdgpu, xe).
# Objects in a module fragment's directory are left to that mode.
STAGE=compile
. "$(dirname "$0")/lib.sh"

ccache_env
debug_cfg=$BUILD/kernel-debug/.config
[ -f "$debug_cfg" ] || die "no $debug_cfg; build the debug kernel first (make kernel-debug)"

module_dirs=""
for f in "$TOP"/harness/configs/module-*.config; do
	[ -f "$f" ] && module_dirs="$module_dirs $(frag_field dir "$f")"
done

tier=compile suffix="" dir_re='^drivers/' module="" cfg=$debug_cfg
outdir=compile
link="" nokunit=""
if [ "${1:-}" = nokunit ]; then
	tier=compile-nokunit suffix=-nokunit STAGE=compile-nokunit
	outdir=compile-nokunit nokunit=yes module_dirs=""
	# Every other harness config has KUnit, and code that builds only
	# with it (VISIBLE_IF_KUNIT against a plain declaration) went unseen
	# once. The module configuration, so that amdgpu and xe are built.
	cfg=$BUILD/config-nokunit
	cat "$debug_cfg" "$TOP/harness/configs/modules.config" |
		sed '/^CONFIG_KUNIT[=_]/d' >"$cfg"
	echo '# CONFIG_KUNIT is not set' >>"$cfg"
elif [ "${1:-}" = module ]; then
	name=${2:?usage: compile-tier.sh module NAME [link]}
	frag=$TOP/harness/configs/module-$name.config
	[ -f "$frag" ] || die "no module fragment $frag"
	tier=module-$name suffix=-$name STAGE=module-$name
	# All module tiers share one configuration and build directory.
	outdir=compile-modules
	dir_re="^$(frag_field dir "$frag")/"
	module=$(frag_field module "$frag")
	test_module=$(frag_field test-module "$frag")
	where=$(frag_field link "$frag")
	[ -n "$module" ] && [ "$dir_re" != "^/" ] || die "$frag must name its dir and module(s)"
	case "$where" in check | sweep) ;; *) die "$frag: '# link:' must be check or sweep" ;; esac
	case "${3:-}" in
	link) link=$where ;;
	"") if [ "$where" = check ]; then link=check; fi ;;
	*) die "usage: compile-tier.sh module NAME [link]" ;;
	esac
	opts=$TOP/harness/configs/modules.config
	cfg=$BUILD/config-modules
	cat "$debug_cfg" "$opts" >"$cfg"
fi

objs=""
patched=""
while IFS= read -r f; do
	if [ -z "$module" ]; then
		for d in $module_dirs; do
			case "$f" in "$d"/*) continue 2 ;; esac
		done
	fi
	# Without KUnit, its tests and their test exporters are not built.
	if [ -n "$nokunit" ]; then
		case "${f%.patch}" in */tests/* | *-test.c | *_test.c | *-test-exporter.c) continue ;; esac
	fi
	case "$f" in
	*.c.patch) f=${f%.patch}; patched="$patched ${f%.c}.o" ;;
	*.c)
		# A test that its driver file #includes (xe's convention, for
		# static functions) is compiled as part of that file's object.
		c_is_included "$SRC" "$f" && continue
		;;
	*) continue ;;
	esac
	objs="$objs ${f%.c}.o"
done < <(overlay_files | grep -E "$dir_re")

if [ -z "$objs" ] && [ -z "$module" ]; then
	echo "RESULT $tier passed=0 failed=0"
	exit 0
fi

# prepare_out SRCDIR OUTDIR LOG: configure OUTDIR and prepare it.
prepare_out() {
	local src=$1 out=$2 log=$3
	mkdir -p "$out"
	cp "$cfg" "$out/.config"
	make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" olddefconfig >"$log" 2>&1 &&
		make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$JOBS" prepare >>"$log" 2>&1 ||
		die "preparing $out failed (log: $log)"
	if [ -n "$nokunit" ] && grep -q '^CONFIG_KUNIT=' "$out/.config"; then
		die "$out/.config has KUnit after olddefconfig"
	fi
	[ -n "$module" ] || return 0
	check_options "$out/.config" "$opts" "$src"
}

# objlog LOG OBJ: the log of one object's build, beside LOG.
objlog() {
	echo "${1%.log}.d/$(echo "$2" | tr / _).log"
}

# compile_objs SRCDIR OUTDIR LOG OBJ...: W=1 C=1 build of single objects.
# make's output is synchronised per target (-Otarget), so each object's
# compiler and sparse messages come as one block after its "CC" line:
# every message in the block, a header's included, is charged to that
# object (its own log, objlog()).
compile_objs() {
	local src=$1 out=$2 log=$3 o
	shift 3
	prepare_out "$src" "$out" "$log"
	# Rebuild every time, so that each run sees all warnings again;
	# -k: one object that does not build must not hide the others.
	for o in "$@"; do rm -f "$out/$o"; done
	make -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" -k -j"$JOBS" -Otarget \
		W=1 C=1 "$@" >>"$log" 2>&1 || true
	rm -rf "${log%.log}.d"
	mkdir -p "${log%.log}.d"
	for o in "$@"; do : >"$(objlog "$log" "$o")"; done
	# CC names the object, CHECK the source (maybe with the source
	# tree's path in front): matched by the end of the path.
	awk -v dir="${log%.log}.d" -v objs="$*" '
		BEGIN { n = split(objs, obj, " ") }
		/^  (CC|CHECK) +[^ ]+\.[co]$/ {
			path = $2
			sub(/\.c$/, ".o", path)
			cur = ""
			for (i = 1; i <= n; i++)
				if (path == obj[i] || substr(path, length(path) - length(obj[i])) == "/" obj[i])
					cur = obj[i]
			gsub("/", "_", cur)
			next
		}
		/^  [A-Z]+ +/ { cur = ""; next }
		cur != "" { print >> (dir "/" cur ".log") }
	' "$log"
}

# Warnings the build of one object printed, wherever they point, by file
# name and message (no directory, line or column).
warnings_of() {
	local f
	f=$(objlog "$1" "$2")
	[ -f "$f" ] || return 0
	grep -E '^[^ :]+:[0-9]+(:[0-9]+)?: (warning|error)' "$f" |
		sed -E 's|^([^ :]*/)?([^ /:]+):[0-9]+(:[0-9]+)?:|\2:|' | sort -u || true
}

# header_warnings LOG: what the builds of LOG's objects printed about
# headers, as warnings_of() gives them.
header_warnings() {
	local f
	for f in "${1%.log}.d"/*.log; do
		[ -f "$f" ] || continue
		grep -E '^[^ :]+\.h:[0-9]+(:[0-9]+)?: (warning|error)' "$f" |
			sed -E 's|^([^ :]*/)?([^ /:]+):[0-9]+(:[0-9]+)?:|\2:|' || true
	done | sort -u
}

# check_options CONFIG FRAGMENT SRCDIR: every CONFIG_ line of FRAGMENT
# survived olddefconfig (in the base, those it defines: the overlay's own
# are not there).
check_options() {
	local line
	while IFS= read -r line; do
		case "$line" in CONFIG_*) ;; *) continue ;; esac
		[ "$3" = "$SRC" ] || kconfig_defined "$3" "${line%%=*}" || continue
		grep -qx "$line" "$1" ||
			die "$line from $(basename "$2") did not take (a missing dependency?)"
	done <"$2"
}

passed=0 failed=0
out=$BUILD/$outdir-patched
if [ -n "$link" ]; then
	mlog=$LOGDIR/compile$suffix-module.log
	if [ "$link" = check ]; then
		# A small kernel of the fragment's own: tinyconfig + its options.
		lout=$BUILD/link-$name
		say "building a small vmlinux and $module (tinyconfig + $(basename "$frag"); log: $mlog)"
		mkdir -p "$lout"
		{
			make -C "$SRC" O="$lout" ARCH=x86_64 CC="ccache gcc" tinyconfig &&
				"$SRC/scripts/kconfig/merge_config.sh" -m -O "$lout" "$lout/.config" "$frag" &&
				make -C "$SRC" O="$lout" ARCH=x86_64 CC="ccache gcc" olddefconfig
		} >"$mlog" 2>&1 || die "configuring $lout failed (log: $mlog)"
		check_options "$lout/.config" "$frag" "$SRC"
		targets="vmlinux modules"
	else
		lout=$out
		say "building vmlinux and $module in the module configuration (log: $mlog; 20+ minutes on 2 cores with a cold ccache)"
		prepare_out "$SRC" "$lout" "$mlog"
		targets=all
	fi
	# modpost needs the kernel's symbols: vmlinux and the modules together.
	for m in $module; do rm -f "$lout/$m"; done
	built=yes
	# shellcheck disable=SC2086
	make -C "$SRC" O="$lout" ARCH=x86_64 CC="ccache gcc" -j"$JOBS" $targets >>"$mlog" 2>&1 ||
		built=no
	for m in $module; do
		if [ "$built" = yes ] && [ -f "$lout/$m" ]; then
			echo "PASS $tier/$(basename "$m"): builds and links"
			passed=$((passed + 1))
		else
			echo "FAIL $tier/$(basename "$m"): does not build (log: $mlog)"
			failed=$((failed + 1))
		fi
	done
	# A driver module registers no KUnit suite (loading the driver on a
	# machine must not run tests): its test module ("# test-module:")
	# registers the suites whose cases live in the driver.
	if [ "$built" = yes ] && [ -n "$test_module" ]; then
		for m in $module $test_module; do
			want=no
			[ "$m" = "$test_module" ] && want=yes
			has=no
			[ -f "$lout/$m" ] && objdump -h "$lout/$m" | grep -q '\.kunit_test_suites' && has=yes
			if [ ! -f "$lout/$m" ]; then
				echo "FAIL $tier/$(basename "$m")-suites: not built (log: $mlog)"
				failed=$((failed + 1))
			elif [ "$has" = "$want" ]; then
				echo "PASS $tier/$(basename "$m")-suites: $([ "$want" = yes ] && echo "registers the driver's KUnit suites" || echo "registers no KUnit suite")"
				passed=$((passed + 1))
			else
				echo "FAIL $tier/$(basename "$m")-suites: $([ "$want" = yes ] && echo "registers no KUnit suite" || echo "registers KUnit suites: they run at every load of the driver")"
				failed=$((failed + 1))
			fi
		done
	fi
elif [ -n "$module" ]; then
	say "$module: built and linked by make sweep ('# link: sweep' in $(basename "$frag"))"
fi

plog=$LOGDIR/compile$suffix-patched.log
say "W=1 C=1 build of$objs (log: $plog)"
# shellcheck disable=SC2086
compile_objs "$SRC" "$out" "$plog" $objs

blog=$LOGDIR/compile$suffix-base.log
if [ -n "$patched" ]; then
	base=$BUILD/src/base
	if [ ! -d "$base" ]; then
		tgit worktree add -q --detach "$base" base
	fi
	say "the same for the base of$patched (log: $blog)"
	# shellcheck disable=SC2086
	compile_objs "$base" "$BUILD/$outdir-base" "$blog" $patched
else
	: >"$blog"
fi

for o in $objs; do
	if [ ! -f "$out/$o" ] && [[ " $patched " == *" $o "* ]] &&
		[ ! -f "$BUILD/$outdir-base/$o" ]; then
		# A driver this configuration does not enable and whose object
		# cannot be built alone (Kconfig-dependent members, include paths
		# of a parent Makefile): not ours to report here; make sweep
		# compiles it in allmodconfig.
		echo "n/a  $tier/$o: not built in this configuration, in the unmodified base either (make sweep compiles it)"
		continue
	fi
	if [ ! -f "$out/$o" ]; then
		echo "FAIL $tier/$o: not built (log: $plog)"
		failed=$((failed + 1))
		continue
	fi
	# The base's: the same object's, and what any of its objects printed
	# about a header (a new object includes the same headers).
	new=$(comm -23 <(warnings_of "$plog" "$o") \
		<({ warnings_of "$blog" "$o"; header_warnings "$blog"; } | sort -u))
	if [ -n "$new" ]; then
		printf '%s\n' "$new" | sed 's/^/    /'
		echo "FAIL $tier/$o: new W=1/sparse warnings (log: $plog)"
		failed=$((failed + 1))
	else
		echo "PASS $tier/$o"
		passed=$((passed + 1))
	fi
done
echo "RESULT $tier passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
