# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Sourced by the guests' init scripts (harness/vm.sh's initramfs and
# harness/clients/guest.sh), in busybox sh or dash, with stdout going to
# where the host reads the run's output.
#
# find_cards DIR: the DRM cards by driver, in card order: DIR/card-DRIVER-N
# holds /dev/dri/cardM of the Nth card of DRIVER (virtio_gpu, vgem, vkms).
# report_topology: the DMA topology as the guest sees it (kernel command
# line, PCI devices with their IOMMU groups, virtio devices with their
# features), which harness/vm-topology.py checks.
# report_end: kmemleak's report (two scans: an object is reported only
# once it stayed unreferenced across a scan), the swiotlb high-water mark
# and the state of the debug facilities that can switch themselves off,
# which the host checks (vm_check_logs in lib.sh).

find_cards() {
	# shellcheck disable=SC2010 # card names have no odd characters
	for c in $(ls -d /sys/class/drm/card[0-9]* | grep -v -- - | sort -V); do
		# vgem and vkms are platform devices without a driver: their
		# name. A virtio-gpu card's device is its PCI function.
		if [ -e "$c/device/driver" ]; then
			d=$(basename "$(readlink "$c/device/driver")")
		else
			d=$(basename "$(readlink -f "$c/device")")
		fi
		[ "$d" = virtio-pci ] && d=virtio_gpu
		n=0
		while [ -e "$1/card-$d-$n" ]; do n=$((n + 1)); done
		echo "/dev/dri/${c##*/}" >"$1/card-$d-$n"
		echo "VM-DRM: ${c##*/} $d-$n"
	done
}

report_topology() {
	echo "VM-CPUS: $(grep -c ^processor /proc/cpuinfo)"
	echo "VM-CMDLINE: $(cat /proc/cmdline)"
	for d in /sys/bus/pci/devices/*; do
		group=none type=none driver=none
		if [ -e "$d/iommu_group" ]; then
			group=$(basename "$(readlink "$d/iommu_group")")
			type=$(cat "$d/iommu_group/type")
		fi
		[ -e "$d/driver" ] && driver=$(basename "$(readlink "$d/driver")")
		echo "VM-PCI: ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") class=$(cat "$d/class") driver=$driver group=$group type=$type"
	done
	for v in /sys/bus/virtio/devices/*; do
		driver=none
		[ -e "$v/driver" ] && driver=$(basename "$(readlink "$v/driver")")
		echo "VM-VIRTIO: ${v##*/} pci=$(basename "$(readlink -f "$v/..")") driver=$driver features=$(cat "$v/features")"
	done
}

report_end() {
	if [ -e /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		sleep 1
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak
	fi
	echo "VM-SWIOTLB: used_hiwater=$(cat /sys/kernel/debug/swiotlb/io_tlb_used_hiwater 2>/dev/null || echo none)"
	[ -e /sys/kernel/debug/dma-api/disabled ] &&
		echo "VM-FACILITY: dma-api disabled=$(cat /sys/kernel/debug/dma-api/disabled)"
	[ -e /proc/lockdep_stats ] &&
		echo "VM-FACILITY: lockdep $(grep -o 'debug_locks: *[0-9]*' /proc/lockdep_stats | tr -d ' ')"
	true
}
