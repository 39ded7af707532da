#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the real clients' guest (harness/clients.sh): the root is the
# host's, read-only over 9p; the run's directory is the 9p share "out",
# mounted at /run/out, which holds the clients, this script's output
# (guest.log) and what the host checks afterwards.
#
# The Mesa scenario: for each source (udmabuf, a vgem dumb buffer, a dumb
# buffer of card B), egl-import has Mesa import the source's dma-buf on
# card A's GBM device (EGL_EXT_image_dma_buf_import), draw it, read it
# back and scan it out on card A. While it holds the frame, this script
# records card A's attachment to the buffer (bufinfo) and asks the host
# for a screen dump of card A compared with the pattern (the control
# port, harness/screendump.py). Lines for the host:
#
#   CLIENTS-MESA <source> rc=<egl-import's status> <its EGL-IMPORT line>
#   CLIENTS-ATTACH <source> <card A's bufinfo attachment line, or "none">
#   SCREENDUMP-RESULT <tag> match|mismatch ...|error ...
#   CLIENTS-BUFINFO-TOTAL <bufinfo's "Total" line, after every client>
#   CLIENTS-DONE
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
# Where programs write: memory, not the host's root.
for d in /run /tmp /var/tmp /var/cache /var/log /root /home; do
	mount -t tmpfs tmpfs "$d"
done
mkdir -p /dev/shm /run/out
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L out /run/out
exec >/run/out/guest.log 2>&1
export HOME=/root XDG_RUNTIME_DIR=/run/user/0
mkdir -p /run/user && mkdir -m 700 "$XDG_RUNTIME_DIR"
[ -e /sys/kernel/debug/dma-api/all_errors ] && echo 1 >/sys/kernel/debug/dma-api/all_errors

# shellcheck source=../guest-report.sh
. /run/out/guest-report.sh
report_topology

find_cards /run
card_a=$(cat /run/card-virtio_gpu-0) card_b=$(cat /run/card-virtio_gpu-1)
vgem=$(cat /run/card-vgem-0)
# card A's PCI device, as bufinfo names the attaching device
dev_a=$(basename "$(readlink -f "/sys/class/drm/${card_a##*/}/device")")
echo "CLIENTS-CARDS a=$card_a ($dev_a) b=$card_b vgem=$vgem"

stty -F /dev/ttyS2 raw -echo
exec 3<>/dev/ttyS2
seed=1 dumps_broken=""
for pair in udmabuf:udmabuf "vgem:$vgem" "card-b:$card_b"; do
	name=${pair%%:*} source=${pair#*:}
	rm -f /run/hold
	/run/out/egl-import --card "$card_a" --source "$source" --seed "$seed" \
		--hold /run/hold >/run/egl.out 2>&1 &
	pid=$!
	while ! grep -q '^EGL-IMPORT' /run/egl.out && kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
	done
	line=$(grep '^EGL-IMPORT' /run/egl.out)
	ino=$(echo "$line" | sed -n 's/.*dmabuf-ino=\([0-9]*\).*/\1/p')
	if [ -n "$ino" ]; then
		# The buffer's line, then its attachments up to the next buffer.
		attach=$(awk -v ino="$(printf '%08d' "$ino")" '
			$6 == ino { on = 1; next }
			on && /^[0-9a-f]+\t/ { on = 0 }
			on && /mapping=/ { print }' /sys/kernel/debug/dma_buf/bufinfo |
			grep -F "$dev_a" | head -n 1)
		echo "CLIENTS-ATTACH $name ${attach:-none}"
		size=$(echo "$line" | sed -n 's/.*size=\([0-9]*x[0-9]*\).*/\1/p')
		# The host's screen-dump service answers in seconds. Without
		# an answer the run goes on, asking no more (a late answer
		# would be taken for the next request's), and the host
		# reports the dumps missing.
		answer=""
		if [ -z "$dumps_broken" ]; then
			echo "SCREENDUMP gpu-a ${size%x*} ${size#*x} $seed mesa-$name" >&3
			answer=$(timeout 120 head -n 1 <&3) || answer=""
		fi
		if [ -z "$answer" ]; then
			dumps_broken=1
			answer="SCREENDUMP-RESULT mesa-$name error no answer from the host"
		fi
		echo "$answer"
	fi
	touch /run/hold
	wait "$pid"
	rc=$?
	sed 's/^/    /' /run/egl.out
	echo "CLIENTS-MESA $name rc=$rc $line"
	seed=$((seed + 1))
done
exec 3>&-

# An import lets go of its buffer in a work item of its own: give it time.
for _ in $(seq 50); do
	grep -q '^Total 0 objects' /sys/kernel/debug/dma_buf/bufinfo && break
	sleep 0.1
done
echo "CLIENTS-BUFINFO-TOTAL $(grep '^Total' /sys/kernel/debug/dma_buf/bufinfo)"
report_end
echo CLIENTS-DONE
/run/out/guest-exit 0
