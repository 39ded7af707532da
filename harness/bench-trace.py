#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the instructions of one dma-buf API call sequence go (make bench).

    bench-trace.py KERNELDIR OUT.json [EXEC.log]
    bench-trace.py roundtrip ROW KERNELDIR OUT.json [EXEC.log]
    bench-trace.py compare BASE.json OURS.json

Boots KERNELDIR's bench kernel under QEMU (TCG, one instruction per
translation block, instruction counting), where dma-buf-api-bench, built
in, runs at boot before the other benchmarks. gdb stops at the
benchmark's bench_attach() and has QEMU log every instruction executed
in its first row (static exporter,
static importer: attach + map + unmap + detach; SKIP + WINDOWS + 2
iterations), from the SKIPth iteration on. An iteration is the stretch
from one entry of bench_attach() to the next; an iteration in which an
interrupt or the scheduler ran is dropped, and the clean ones must agree
to the instruction. OUT.json gets
the instructions per function of one clean iteration (EXEC.log keeps
QEMU's instruction log); "compare" prints the difference per function.

"roundtrip" traces one row of igt-tests/bench/prime_roundtrip instead
(ROW as its PRIME_BENCH_ONLY takes it: "udmabuf>vgem:65536",
"attachments:0"), in harness/vm.sh's machine with gdb attached through
VM_QEMU_ARGS: an iteration is the stretch from one entry of
drm_prime_fd_to_handle_ioctl() to the next (the import, the closes, the
next export and the benchmark's own loop; user-space instructions count as
"(user)"), logged from import RT_SKIP + 1 on until the row, of RT_CALLS calls,
ends (its first write()). SLUB's slow paths are left out (SLAB_SLOW: the
boot's history decides where they run), and the clean iterations then
still need not agree to the instruction (a cache refilled every so many
calls): OUT.json gets the most frequent total, one iteration with it per
function, and how many clean iterations had which total.

The figures are exact and do not depend on the host: they count what the
guest executed, nothing else.
"""
import bisect
import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

WINDOWS = 10
SKIP = 5        # iterations before the window: caches and slabs warm
TIMEOUT = 900


def symbols(system_map):
    addrs, names = [], []
    for line in open(system_map):
        a, t, n = line.split()[:3]
        if t in "tTwW":
            addrs.append(int(a, 16))
            names.append(n)
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trace(kdir, log):
    addrs, names = symbols(f"{kdir}/System.map")
    # At -O2 gcc may clone it (bench_attach.isra.0): still out of line.
    entry = next(a for a, n in zip(addrs, names) if re.fullmatch(r"bench_attach(\.\w+\.\d+)?", n))
    port = free_port()
    qemu = subprocess.Popen(
        ["qemu-system-x86_64", "-machine", "q35",
         "-accel", "tcg,thread=single", "-icount", "shift=0,sleep=off,align=off",
         "-singlestep", "-cpu", "qemu64", "-smp", "1", "-m", "1G",
         "-nodefaults", "-display", "none", "-no-reboot",
         "-serial", f"file:{log}.console", "-S", "-gdb", f"tcp:127.0.0.1:{port}",
         "-D", log, "-kernel", f"{kdir}/arch/x86/boot/bzImage",
         "-append", "console=ttyS0 panic=-1 nokaslr kunit.enable=0 "
         f"dma_buf_api_bench.iterations={SKIP + WINDOWS + 2}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        gdb = subprocess.run(
            ["gdb", "-batch", "-nx",
             "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", f"hbreak *{entry:#x}",
             "-ex", f"ignore 1 {SKIP}",
             "-ex", "continue",
             "-ex", "monitor log exec,nochain",
             # A stop perturbs what follows it (the guest takes its timer
             # interrupt on resume): the rest of the row runs unstopped,
             # up to the next row's api_bench_row().
             "-ex", "delete",
             "-ex", "hbreak api_bench_row",
             "-ex", "continue",
             "-ex", "monitor log none",
             "-ex", "kill", f"{kdir}/vmlinux"],
            capture_output=True, text=True, timeout=TIMEOUT)
    finally:
        qemu.kill()
        qemu.wait()
    if "Breakpoint 1" not in gdb.stdout:
        sys.exit(f"bench-trace: gdb never reached bench_attach in {kdir}:\n"
                 f"{gdb.stdout}{gdb.stderr}(console: {log}.console)")
    return entry, addrs, names


def iterations(log, entry, addrs, names):
    """Per-function instruction counts of each clean iteration."""
    def sym(a):
        if a < addrs[0]:
            return "(user)"
        return names[bisect.bisect_right(addrs, a) - 1]

    pat = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
    clean, cur, dirty = [], None, False
    for line in open(log):
        m = pat.match(line)
        if not m:
            continue
        a = int(m[1], 16)
        if a == entry:
            if cur is not None and not dirty:
                clean.append(cur)
            cur, dirty = collections.Counter(), False
        if cur is None:
            continue
        s = sym(a)
        # An interrupt, an exception or a task switch is not the calls' own.
        if s.startswith("asm_") or s == "__schedule":
            dirty = True
        cur[s] += 1
    return clean


RT_SKIP = 20           # imports before the window (holders', warm-up)
RT_CALLS = RT_SKIP + 40  # the row's calls: 40 or more in the window


def trace_roundtrip(row, kdir, log):
    """Run ROW in vm.sh's guest; QEMU's -D log gets the window's instructions."""
    addrs, names = symbols(f"{kdir}/System.map")
    entry = next(a for a, n in zip(addrs, names) if n == "drm_prime_fd_to_handle_ioctl")
    end = next(a for a, n in zip(addrs, names) if n == "__x64_sys_write")
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    port = free_port()
    tag = "trace"
    # The topology and devices set here make vm.sh's tag, and so its log names.
    env = dict(os.environ, VM_ICOUNT="0", VM_SMP="1", VM_TAG=tag,
               VM_TOPOLOGY="direct", VM_DEVICES="full",
               VM_TIMEOUT=str(TIMEOUT),
               VM_QEMU_ARGS=f"-singlestep -S -gdb tcp:127.0.0.1:{port}",
               VM_APPEND=f"PRIME_BENCH_CALLS={RT_CALLS} PRIME_BENCH_ONLY={row} "
               "kunit.enable=0 norandmaps nokaslr initcall_blacklist="
               "dma_buf_api_bench_init,dma_buf_attach_bench_init,dma_buf_pal_bench_init")
    # A session of its own: QEMU, under vm.sh's timeout and pipeline, goes
    # with it when the trace fails.
    vm = subprocess.Popen(["bash", f"{top}/harness/vm.sh", kdir, "prime_roundtrip"],
                          env=env, stdout=open(f"{log}.vm", "w"), stderr=subprocess.STDOUT,
                          start_new_session=True)
    try:
        for _ in range(100):    # vm.sh builds the initramfs first
            with socket.socket() as sk:
                if sk.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if vm.poll() is not None:
                sys.exit(f"bench-trace: vm.sh ended before QEMU listened (log: {log}.vm)")
            time.sleep(1)
        else:
            sys.exit(f"bench-trace: QEMU's gdb port did not open in 100 s (log: {log}.vm)")
        gdb = subprocess.run(
            ["gdb", "-batch", "-nx",
             "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", f"hbreak *{entry:#x}",
             "-ex", f"ignore 1 {RT_SKIP}",
             "-ex", "continue",
             "-ex", "monitor log exec,nochain",
             "-ex", "delete",
             "-ex", f"hbreak *{end:#x}",
             "-ex", "continue",
             "-ex", "monitor log none",
             "-ex", "kill", f"{kdir}/vmlinux"],
            capture_output=True, text=True, timeout=TIMEOUT)
        # gdb killed QEMU, which has flushed its log: vm.sh reads it and ends.
        try:
            vm.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
    finally:
        if vm.poll() is None:
            os.killpg(vm.pid, signal.SIGKILL)
            vm.wait()
    if "Breakpoint 2" not in gdb.stdout:
        sys.exit(f"bench-trace: gdb did not see row {row} run to its end in {kdir}:\n"
                 f"{gdb.stdout}{gdb.stderr}(vm.sh: {log}.vm)")
    qemu_log = os.path.join(os.environ.get("BUILD", os.path.join(top, "build")), "logs",
                            f"qemu-{os.path.basename(kdir)}-{tag}.log")
    os.replace(qemu_log, log)
    return entry, addrs, names


# SLUB's slow paths. Whether an allocation or a free takes them depends on
# what the boot left in the slab caches (a different boot, build or
# machine takes them in other places), not on the code that allocates:
# their own instructions are left out of the totals. What they call (the
# page allocator, for a new slab) still counts; the most frequent total
# leaves those rare iterations out.
SLAB_SLOW = re.compile(r"(___slab_alloc|__slab_free|put_cpu_partial|__put_partials|"
                       r"get_partial_node|deactivate_slab|allocate_slab|new_slab|"
                       r"discard_slab|__free_slab|free_slab)(\.\w+\.\d+)?")


def roundtrip_main(row, kdir, out, keep):
    with tempfile.TemporaryDirectory() as tmp:
        log = keep or os.path.join(tmp, "exec.log")
        entry, addrs, names = trace_roundtrip(row, kdir, log)
        clean = iterations(log, entry, addrs, names)
    if len(clean) < 10:
        sys.exit(f"bench-trace: only {len(clean)} iterations of {row} ran "
                 f"without an interrupt in {kdir}")
    own = [collections.Counter({f: n for f, n in c.items() if not SLAB_SLOW.fullmatch(f)})
           for c in clean]
    slow = sum(1 for c, o in zip(clean, own) if c != o)
    totals = collections.Counter(sum(o.values()) for o in own)
    mode = totals.most_common(1)[0][0]
    json.dump({"kernel": kdir, "row": row, "iterations": len(clean), "total": mode,
               "totals": {str(t): n for t, n in sorted(totals.items())},
               "slab_slow_path_iterations": slow,
               "functions": dict(next(o for o in own if sum(o.values()) == mode))},
              open(out, "w"), indent=1)
    print(f"{kdir}: {row}: {mode} instructions in {totals[mode]} of {len(clean)} "
          f"iterations without an interrupt (the others: "
          + (", ".join(f"{t} x{n}" for t, n in sorted(totals.items()) if t != mode) or "none")
          + f"); SLUB's slow paths, left out, ran in {slow} of them")


def compare(base_json, ours_json):
    """Print where the instructions ours adds (or saves) are, per function."""
    base, ours = (json.load(open(f)) for f in (base_json, ours_json))
    b, o = base["functions"], ours["functions"]
    rows = [(o.get(f, 0) - b.get(f, 0), f) for f in set(b) | set(o)]
    print(f"{'function':44} {'base':>6} {'ours':>6} {'ours-base':>9}")
    for d, f in sorted(rows, key=lambda r: (-abs(r[0]), r[1])):
        if d:
            print(f"{f:44} {b.get(f, 0):6} {o.get(f, 0):6} {d:+9}")
    print(f"{'total':44} {base['total']:6} {ours['total']:6} "
          f"{ours['total'] - base['total']:+9}  ours/base "
          f"{ours['total'] / base['total']:.3f}")


def main():
    if sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
        return
    if sys.argv[1] == "roundtrip":
        roundtrip_main(sys.argv[2], sys.argv[3], sys.argv[4],
                       sys.argv[5] if len(sys.argv) > 5 else None)
        return
    kdir, out = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "exec.log")
        if len(sys.argv) > 3:   # keep the instruction log there
            log = sys.argv[3]
        entry, addrs, names = trace(kdir, log)
        clean = iterations(log, entry, addrs, names)
    totals = sorted({sum(c.values()) for c in clean})
    if len(clean) < 3:
        sys.exit(f"bench-trace: only {len(clean)} iterations ran without an "
                 f"interrupt in {kdir}")
    if len(totals) != 1:
        sys.exit(f"bench-trace: clean iterations differ in {kdir}: {totals}")
    json.dump({"kernel": kdir, "iterations": len(clean), "total": totals[0],
               "functions": dict(clean[0])}, open(out, "w"), indent=1)
    print(f"{kdir}: {totals[0]} instructions per iteration "
          f"({len(clean)} iterations without an interrupt, all equal)")


if __name__ == "__main__":
    main()
