#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: our kernel against the unmodified base, reported, never
# asserted.
#
#  1. KUnit under UML: the dma-buf-api-bench suite
#     (drivers/dma-buf/dma-buf-api-bench.c uses only the API that predates
#     mapping types, so it builds in the base too: it is copied into the
#     base worktree for the run and removed afterwards) in both trees, and
#     our own dma-buf-bench suites (paths, negotiation growth, PAL) in ours.
#  2. VM: igt-tests/bench/prime_roundtrip in the plain guest kernel built
#     from each tree with the same configuration, same QEMU setup.
#
# Runs alternate base, ours, base, ours, ... BENCH_RUNS times (default 3);
# the table shows, per row, the median over runs of each kernel and the
# ratio ours/base of the medians, with the spread (lowest and highest
# ratio of the runs taken pairwise). PRIME_BENCH_MS sets the length of
# each VM row (default 400 ms).
STAGE=bench
. "$(dirname "$0")/lib.sh"

runs=${BENCH_RUNS:-3}
base=$BUILD/src/base
out=$LOGDIR/bench
rm -rf "$out"
mkdir -p "$out"
ccache_env
[ -d "$SRC/.git" ] || die "no assembled tree at $SRC; run 'make assemble' first"
if [ ! -d "$base" ]; then
	tgit worktree add -q --detach "$base" base
fi

# --- KUnit: the API bench in the base worktree, for the duration. ---
bench_src=drivers/dma-buf/dma-buf-api-bench.c
restore_base() {
	rm -f "$base/$bench_src"
	git -C "$base" checkout -q -- drivers/dma-buf/Makefile
}
trap restore_base EXIT
cp "$SRC/$bench_src" "$base/$bench_src"
echo 'obj-y += dma-buf-api-bench.o' >>"$base/drivers/dma-buf/Makefile"
basecfg=$BUILD/bench-base.kunitconfig
printf 'CONFIG_KUNIT=y\nCONFIG_DMABUF_HEAPS=y\n' >"$basecfg"

kunit_run() { # TREE BUILDDIR LOG ARGS...
	local tree=$1 bdir=$2 log=$3
	shift 3
	(cd "$tree" && python3 tools/testing/kunit/kunit.py run --build_dir="$bdir" \
		--jobs="$JOBS" --make_options "CC=ccache gcc" --raw_output=kunit "$@") \
		>"$log" 2>&1 || die "KUnit benchmark run failed (log: $log)"
	grep -q 'api-bench: ' "$log" || die "no benchmark output in $log"
}

# --- VM: the same configuration for both kernels. ---
say "building the plain guest kernel from our tree and from the base"
bash "$TOP/harness/build-kernel.sh" guest
OUTNAME=kernel-guest-base bash "$TOP/harness/build-kernel.sh" guest "$base"

vm_run() { # KERNELDIR LOG
	VM_APPEND="PRIME_BENCH_MS=${PRIME_BENCH_MS:-400}" \
		bash "$TOP/harness/vm.sh" "$1" prime_roundtrip >"$2.vm" 2>&1 || true
	cp "$LOGDIR/vm-$(basename "$1")-tests.log" "$2"
	grep -q '^roundtrip ' "$2" || die "no round-trip output from $1 (log: $2, $2.vm)"
}

for r in $(seq 1 "$runs"); do
	say "run $r of $runs: KUnit, base then ours"
	kunit_run "$base" "$BUILD/kunit-bench-base" "$out/kunit-base-$r.log" \
		--kunitconfig="$basecfg" 'dma-buf-api-bench'
	kunit_run "$SRC" "$BUILD/kunit-bench" "$out/kunit-ours-$r.log" \
		--kunitconfig=drivers/dma-buf --kconfig_add CONFIG_DMABUF_KUNIT_BENCH=y \
		'dma-buf*bench'
	say "run $r of $runs: PRIME round trips in the VM, base then ours"
	vm_run "$BUILD/kernel-guest-base" "$out/vm-base-$r.log"
	vm_run "$BUILD/kernel-guest" "$out/vm-ours-$r.log"
done

python3 - "$out" "$runs" <<'EOF'
import re, statistics, sys

out, runs = sys.argv[1], int(sys.argv[2])

def rows(kind, side, r):
    """{row name: value} of one run's log."""
    text = open(f"{out}/{kind}-{side}-{r}.log", errors="replace").read()
    res = {}
    if kind == "kunit":
        for m in re.finditer(r"(api-bench|bench): (.*?)\s+(\d+) ns", text):
            # The PAL rows (sgt/pal/adapter per line) are reported by
            # their own suite's lines in the logs, not compared here.
            if not re.search(r"contiguous|fragmented", m[2]):
                res[f"{m[1]}: {m[2].strip()}"] = float(m[3])
    else:
        for m in re.finditer(r"^roundtrip (\S+) (\d+) (error \S+|[\d.]+)$", text, re.M):
            size = int(m[2])
            label = f"{m[1]} {size // 1024} KiB" if size < 1 << 20 else f"{m[1]} {size >> 20} MiB"
            res[label] = m[3] if m[3].startswith("error") else float(m[3])
        for m in re.finditer(r"^attachments (\d+) ([\d.]+)$", text, re.M):
            res[f"import with {int(m[1]):2d} other attachments"] = float(m[2])
    return res

def table(kind, unit, better):
    base = [rows(kind, "base", r) for r in range(1, runs + 1)]
    ours = [rows(kind, "ours", r) for r in range(1, runs + 1)]
    names = list(ours[0])
    print(f"{'row':58} {'base':>12} {'ours':>12} {'ours/base':>9}  spread")
    for n in names:
        o = [x[n] for x in ours if n in x]
        b = [x[n] for x in base if n in x]
        if any(isinstance(v, str) for v in o + b):
            bs = b[0] if b else "-"
            os_ = o[0] if o else "-"
            if isinstance(bs, float): bs = f"{statistics.median(b):.1f}"
            if isinstance(os_, float): os_ = f"{statistics.median(o):.1f}"
            print(f"{n:58} {bs:>12} {os_:>12} {'n/a':>9}")
            continue
        om = statistics.median(o)
        if not b:
            print(f"{n:58} {'-':>12} {om:12.1f} {'(ours only)':>9}")
            continue
        bm = statistics.median(b)
        pair = sorted(x / y for x, y in zip(o, b))
        print(f"{n:58} {bm:12.1f} {om:12.1f} {om / bm:9.3f}  {pair[0]:.3f}..{pair[-1]:.3f}")
    print(f"({unit}; {better})")

print(f"\n== KUnit (UML), attach + map + unmap + detach, median of {runs} runs ==")
table("kunit", "ns per iteration", "ours/base below 1 is faster")
print(f"\n== VM (TCG), PRIME round trips, median of {runs} runs ==")
table("vm", "round trips per second", "ours/base above 1 is faster")
EOF
