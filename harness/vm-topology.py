#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that a VM run had the DMA topology it asked for.

    vm-topology.py direct|iommu|bounce TESTS_LOG [full|reduced]

Reads the VM-CMDLINE, VM-PCI, VM-VIRTIO and VM-SWIOTLB lines that the
guest's init prints (harness/vm.sh). Prints one summary line and exits 0
when the topology is in effect; prints what is wrong and exits 1 otherwise.
The machine has two virtio-gpu cards and two edu devices (vm.sh's full
machine; the clients' guest adds virtio-9p devices, which stay out of
the DMA API and are not checked) unless the third
argument says reduced (card A alone, no edu device).
"""
import sys

QEMU_VENDOR = "0x1234"
EDU_DEVICE = "0x11e8"
VIRTIO_VENDOR = "0x1af4"
ACCESS_PLATFORM = 33  # VIRTIO_F_ACCESS_PLATFORM, a bit of sysfs "features"


def main():
    topology, path = sys.argv[1], sys.argv[2]
    devices = sys.argv[3] if len(sys.argv) > 3 else "full"
    want_edus, want_gpus = {"full": (2, 2), "reduced": (0, 1)}[devices]
    cmdline, pci, virtio, hiwater = None, [], [], None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("VM-CMDLINE: "):
                cmdline = line.split(": ", 1)[1].split()
            elif line.startswith("VM-PCI: "):
                f_ = line.split()
                dev = {"addr": f_[1], "id": f_[2]}
                dev.update(kv.split("=", 1) for kv in f_[3:])
                pci.append(dev)
            elif line.startswith("VM-VIRTIO: "):
                f_ = line.split()
                virtio.append({"name": f_[1], **dict(kv.split("=", 1) for kv in f_[2:])})
            elif line.startswith("VM-SWIOTLB: "):
                v = line.split("=", 1)[1]
                hiwater = int(v) if v.isdigit() else None

    problems = []
    if cmdline is None or not pci:
        print("the guest printed no topology report")
        return 1
    edus = [d for d in pci if d["id"] == f"{QEMU_VENDOR}:{EDU_DEVICE}"]
    # Whether the test device bound them is the tests' business (a base
    # kernel for `make bench` has no test device).
    if len(edus) != want_edus:
        problems.append(f"expected {want_edus} edu devices, found {len(edus)}")
    endpoints = [d for d in pci
                 if d["id"].startswith(VIRTIO_VENDOR + ":") or d in edus]
    # Features are negotiated only by a bound driver (the VM has no
    # virtio-rng driver: its device stays unbound).
    virtio = [v for v in virtio if v["driver"] != "none"]
    # The clients' 9p shares are the harness's own, kept out of the DMA
    # API in every topology (harness/clients.sh): not devices under test.
    virtio = [v for v in virtio if v["driver"] != "9pnet_virtio"]
    gpus = [v for v in virtio if v["driver"] == "virtio_gpu"]
    if len(gpus) != want_gpus:
        problems.append(f"expected {want_gpus} virtio-gpu cards, found {len(gpus)}")

    def platform(v):
        bits = v["features"]
        return len(bits) > ACCESS_PLATFORM and bits[ACCESS_PLATFORM] == "1"

    forced = "swiotlb=force" in cmdline
    translated = [d for d in endpoints if d["type"] in ("DMA", "DMA-FQ")]
    if topology == "direct":
        if any(d["group"] != "none" for d in pci):
            problems.append("PCI devices have IOMMU groups")
        if forced:
            problems.append("swiotlb=force is on the command line")
        if any(platform(v) for v in virtio):
            problems.append("a virtio device negotiated ACCESS_PLATFORM")
    elif topology == "iommu":
        if len(translated) != len(endpoints):
            problems.append("endpoints without a translating IOMMU domain: " +
                            ", ".join(f'{d["addr"]}(group={d["group"]},type={d["type"]})'
                                      for d in endpoints if d not in translated))
        if forced:
            problems.append("swiotlb=force is on the command line")
        if not all(platform(v) for v in virtio):
            problems.append("a virtio device bypasses the DMA API (no ACCESS_PLATFORM)")
    elif topology == "bounce":
        if any(d["group"] != "none" for d in pci):
            problems.append("PCI devices have IOMMU groups")
        if not forced:
            problems.append("swiotlb=force is not on the command line")
        if not all(platform(v) for v in virtio):
            problems.append("a virtio device bypasses the DMA API (no ACCESS_PLATFORM)")
        if not hiwater:
            problems.append(f"swiotlb bounced nothing (used_hiwater={hiwater})")
    else:
        problems.append(f"unknown topology {topology}")

    if problems:
        print("; ".join(problems))
        return 1
    print(f"topology {topology}: {len(pci)} PCI functions, "
          f"{len(translated)}/{len(endpoints)} endpoints translated by an IOMMU, "
          f"{sum(map(platform, virtio))}/{len(virtio)} virtio with ACCESS_PLATFORM, "
          f"swiotlb {'forced' if forced else 'on demand'}, "
          f"used_hiwater={hiwater}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
