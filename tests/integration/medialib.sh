# Media for the tests of issue 8 (t_media.sh, tests/bench/media.sh): ext4
# images on loop devices, a umockdev bed whose USB sticks carry a block
# child with the loop device's MAJ:MIN, daemons on their own state. Needs
# lib.sh first ($T, $BIN).
DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)
PCI=/devices/pci0000:00/0000:00:14.0

# new_image FILE SIZE_MB DIR: an ext4 image holding DIR's files, on a loop
# device; prints the device.
new_image() {
	truncate -s "${2}M" "$1" &&
	    mkfs.ext4 -q -F -E root_owner=0:0 -d "$3" "$1" >/dev/null 2>&1 &&
	    losetup -f --show "$1"
}
devnum() { printf '%d:%d' "0x$(stat -c %t "$1")" "0x$(stat -c %T "$1")"; }

# One paragraph of the fixtures' bed, by its sysfs path.
fixture() {
	awk -v RS= -v ORS='\n\n' -v want="P: $1" \
	    '{ split($0, l, "\n"); if (l[1] == want) print }' \
	    "$DATA/usb/bed.umockdev"
}
# A block child of USB device $1 (path) named $2 with MAJ:MIN $3.
block_child() {
	printf 'P: %s/%s:1.0/host9/target9:0:0/9:0:0:0/block/%s\nN: %s\n' \
	    "$1" "${1##*/}" "$2" "$2"
	printf 'E: DEVNAME=/dev/%s\nE: DEVTYPE=disk\nE: SUBSYSTEM=block\n' "$2"
	printf 'A: dev=%s\\n\n\n' "$3"
}

# start_ws DIR: a daemon on DIR/conf in a bed with the media
# ($T/media.umockdev), in its own network namespace; its pid (the bed's)
# is echoed. Its output goes to DIR/daemon.err.
start_ws() {
	local dir=$1
	env TMPDIR="$T" LD_PRELOAD=libumockdev-preload.so.0 \
	    "$BIN/tests/tools/usbbed" "$dir/root" "$T/media.umockdev" -- \
	    unshare -n "$BIN/matkioskd" -c "$dir/conf" -f </dev/null \
	    >>"$dir/daemon.err" 2>&1 &
	echo $!
}
# wait_ws DIR: until the daemon of DIR/conf answers.
wait_ws() {
	local i
	for i in $(seq 100); do
		"$BIN/matctl" -c "$1/conf" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
# conf_for DIR: a configuration with everything under DIR.
conf_for() {
	mkdir -p "$1/run"
	printf '[paths]\nstate = %s/state\nsocket = %s/run/sock\nwork = %s/work\nusb_rules = %s/usb.rules\n' \
	    "$1" "$1" "$1" "$1" >"$1/conf"
}

# The loop devices a test made (new_image's), detached by media_cleanup.
LOOPS=()
# media_cleanup [PID...]: the beds PID (their daemons) stopped, what a
# daemon left mounted under $T (killed on purpose, or failing) unmounted,
# the loop devices of LOOPS detached.
media_cleanup() {
	local p m l
	for p in "$@"; do
		if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	for m in $(awk -v t="$T" 'index($5, t) == 1 {print $5}' \
	    /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
}

# media_bed DEV=LOOP...: $T/media.umockdev, a bed of the fixtures' USB
# devices DEV (sysfs paths under the controller, as usb1/1-1/1-1.1), each
# with a block child sdx, sdy, ... of that loop device's MAJ:MIN, and
# their hub, root hub and controller.
media_bed() {
	local a i=0 names=(sdx sdy sdz sdw sdv)
	{
		for a in "$@"; do
			block_child "$PCI/${a%%=*}" "${names[i]}" \
			    "$(devnum "${a#*=}")"
			i=$((i + 1))
		done
		for a in "$@"; do fixture "$PCI/${a%%=*}"; done
		fixture "$PCI/usb1/1-1"
		fixture "$PCI/usb1"
		fixture "$PCI"
	} >"$T/media.umockdev"
}

# new_installation: the machine's disk is lost. The daemon of $T (bed
# DPID) stops, its state and USB rules are moved away, and a fresh,
# unprovisioned daemon starts in the same bed (DPID set anew).
new_installation() {
	local k
	kill -TERM "$DPID" 2>/dev/null
	for k in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	mv "$T/state" "$T/state.lost" && mv "$T/usb.rules" "$T/usb.rules.lost" &&
	    DPID=$(start_ws "$T") && wait_ws "$T"
}
# The guard's decision for the device at port $1 ("allow", "block", ...).
decision() { ctl usb list 2>/dev/null | awk -v p="$1" '$1 == p {print $3}'; }
