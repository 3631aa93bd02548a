#!/bin/bash
# The USB guard through the real daemon under umockdev (tests/tools/usbbed
# runs it in a bed made from tests/data/usb/*.umockdev, with its own network
# namespace): at start the root hubs are closed and every present device is
# decided from its raw descriptors; the test reads the authorized attribute
# the kernel would see, the log and `usb list`. Each protection comes with
# its attack: unregistered sticks, a clone of the registered one, network
# adapters, a phone tethering, a stick that types, hostile strings, and
# devices plugged while the daemon runs.
. "$(dirname "$0")/lib.sh"

DATA=$(cd "$(dirname "$0")/../data/usb" && pwd)
PCI=/sys/devices/pci0000:00/0000:00:14.0
ROOT=

# Starts the daemon in a fresh bed (tests/data/usb/${1:-bed}.umockdev);
# commands to the bed go to fd 7.
start_bed() {
	[ -f "$T/conf" ] || write_conf
	rm -f "$T/root" "$T/bed.in"
	mkfifo "$T/bed.in" && exec 7<>"$T/bed.in"
	# lib.sh's bed, with devices; TMPDIR keeps its directory under $T.
	env TMPDIR="$T" LD_PRELOAD=libumockdev-preload.so.0 \
	    "$BIN/tests/tools/usbbed" "$T/root" "$DATA/${1:-bed}.umockdev" -- \
	    unshare -n "$BIN/matkioskd" -c "$T/conf" -f <&7 \
	    2>>"$T/daemon.err" &
	DPID=$!
	local i
	for i in $(seq 100); do
		if [ -s "$T/root" ] && ctl status >/dev/null 2>&1; then
			ROOT=$(cat "$T/root")
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || { DPID=; return 1; }
		sleep 0.05
	done
	return 1
}

# The authorized attribute of device $1 ("1-1.2", "usb1").
auth() {
	local p
	p=$(cd "$ROOT/sys/devices" && find . -type d -name "$1" | head -1)
	tr -d '\n' <"$ROOT/sys/devices/$p/${2:-authorized}" 2>/dev/null
}
# expect_auth NAME DEV VALUE
expect_auth() { check "$1" test "$(auth "$2")" = "$3"; }
# Waits up to a second for device $1 to show authorized $2.
wait_auth() {
	local i
	for i in $(seq 50); do
		[ "$(auth "$1")" = "$2" ] && return 0
		sleep 0.02
	done
	return 1
}
plug() { echo "add $DATA/$1.umockdev $2" >&7; }
# The usb-guard line of status, without its key.
usb_status() { ctl status | sed -n 's/^usb-guard  *//p'; }
# The number of decided uevents status reports ("" if none shown).
udecisions() { usb_status | sed -n 's/.*; uevent decisions \([0-9]*\).*/\1/p'; }
# Waits up to two seconds for status to report $1 decided uevents.
wait_decisions() {
	local i
	for i in $(seq 100); do
		[ "$(udecisions)" = "$1" ] && return 0
		sleep 0.02
	done
	return 1
}
# Waits up to two seconds for status to report $1 present devices.
wait_devices() {
	local i
	for i in $(seq 100); do
		usb_status | grep -q "^running, $1 devices" && return 0
		sleep 0.02
	done
	return 1
}
# change DEV N: N "change" uevents for $PCI/DEV, one at a time (umockdev
# drops an event the daemon's socket has no room for), each waited for
# until status counts it, from $3 on.
change() {
	local i
	for i in $(seq "$2"); do
		echo "change $PCI/$1" >&7
		wait_decisions $(($3 + i)) || return 1
	done
}
decisions() { log_records | grep -E "[[:space:]]usb.decision[[:space:]]"; }

check "daemon starts under umockdev" start_bed
check "provisioning" provision
# Decisions are logged from provisioning on (it decides every device again).
stop_daemon
check "daemon restarts, provisioned, in a fresh bed" start_bed

check "status: usb-guard running" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^usb-guard  *running, 16 devices'"
check "status: the start's 16 decisions had no uevent, none timed" \
    test "$(udecisions)" = 0
check "authorized_default 0 on root hub usb1" \
    test "$(auth usb1 authorized_default)" = 0
check "authorized_default 0 on root hub usb2" \
    test "$(auth usb2 authorized_default)" = 0

# --- what the kernel sees after start (no rules file) ---
expect_auth "hub allowed" 1-1 1
expect_auth "keyboard allowed" 1-6 1
expect_auth "mouse allowed" 1-7 1
expect_auth "root hub left authorized" usb1 1
expect_auth "attack: unregistered stick blocked" 1-1.1 0
expect_auth "attack: stick without serial blocked" 1-1.2 0
expect_auth "attack: unregistered UASP drive blocked" 1-1.3 0
expect_auth "attack: USB Ethernet (RTL8153, network in config 2) blocked" 1-2 0
expect_auth "attack: Bluetooth dongle blocked" 1-3 0
expect_auth "attack: phone tethering (RNDIS) blocked" 1-4 0
expect_auth "attack: storage+keyboard composite rejected" 1-5 0
expect_auth "attack: vendor-class Ethernet (AX88179) blocked" 2-1 0
expect_auth "attack: 4G modem blocked" 2-2 0
expect_auth "attack: keyboard hidden in a second configuration rejected" 2-3 0
expect_auth "attack: phone MTP+ADB blocked" 2-4 0

# --- the log ---
# Each present device is decided and logged twice: when provisioning
# opened the log, and at the restart.
check "every present device's decision logged (provisioning, restart)" \
    test "$(log_count usb.decision)" -eq 32
check "network, wireless, composite: Cao" \
    test "$(log_count usb.decision Cao)" -eq 16
check "unregistered storage: Trung bình" \
    test "$(log_count usb.decision 'Trung bình')" -eq 6
check "the composite's record names the reason" \
    bash -c "$(declare -f log_records decisions); K0=$K0 T=$T BIN=$BIN; decisions | grep '058f:6387' | grep -q 'storage-with-hid'"
check "the log holds the hostile string only escaped, never raw" \
    bash -c "! grep -rq \$'\\x1b]0;owned' '$T/state/log'"
check "the hostile product string is logged escaped" \
    bash -c "$(declare -f log_records decisions); K0=$K0 T=$T BIN=$BIN; decisions | grep -F 'Keyboard' | grep -qF 'x1b]0;owned'"

# --- usb list ---
ctl usb list >"$T/list.out" 2>&1
check "usb list shows every device" test "$(wc -l <"$T/list.out")" -eq 16
check "usb list: the keyboard's strings escaped" \
    grep -qF 'Keyboard\x1b]0;owned\x07\x08\xff\xfe' "$T/list.out"
check "usb list: no raw control byte reaches the terminal" \
    bash -c "! LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <'$T/list.out')"
check "usb list: the Ethernet adapter blocked as network" \
    grep -qE '^1-2 +0bda:8153 block +network ' "$T/list.out"
ctl usb list --json >"$T/list.json"
check "usb list --json is JSON with 16 devices and the reasons" \
    python3 -c "import json,sys; d=json.load(open('$T/list.json')); assert len(d)==16; k=[x for x in d if x['device']=='1-5'][0]; assert k['decision']=='reject' and k['reason']=='storage-with-hid', k"

# --- registration: the attacks first ---
reg() { sctl usb register "$1" --label "${2:-Kho lưu trữ}" --owner giamdoc --direction import; }
reg 1-5 2>"$T/reg.err"; rc=$?
check "attack: composite registration refused with the reason" \
    bash -c "test $rc -eq 1 && grep -q 'nothing but mass storage' '$T/reg.err'"
reg 1-1.2 2>"$T/reg.err"; rc=$?
check "attack: a stick without serial cannot be registered" \
    bash -c "test $rc -eq 1 && grep -q 'without a serial' '$T/reg.err'"
reg 1-2 2>/dev/null; rc=$?
check "attack: a network adapter cannot be registered" test $rc -eq 1
reg ../../block 2>"$T/reg.err"; rc=$?
check "attack: a path as device name is refused" \
    bash -c "test $rc -eq 1 && grep -q 'not a USB device name' '$T/reg.err'"
reg 9-9 2>"$T/reg.err"; rc=$?
check "a device that is not present cannot be registered" \
    bash -c "test $rc -eq 1 && grep -q 'no such USB device' '$T/reg.err'"
printf 'wrong\n' | "$BIN/matctl" -c "$T/conf" -u $SUP usb register 1-1.1 \
    --label x --owner giamdoc --direction both >/dev/null 2>&1; rc=$?
check "attack: registration without the supervisor's password refused" test $rc -eq 1
expect_auth "the stick is still blocked" 1-1.1 0

check "the supervisor registers the SanDisk stick" reg 1-1.1 "Phòng Tổ chức"
check "the registered stick is authorized" wait_auth 1-1.1 1
RULE=$(grep '^allow id 0781:5567' "$T/usb.rules")
check "the rules file holds the rule and its registration comment" \
    bash -c "grep -q '^# matkiosk registration: label \"Phòng Tổ chức\" owner giamdoc direction import' '$T/usb.rules' && grep -q '^allow id 0781:5567 serial \"4C530001230517118283\" .*hash ' '$T/usb.rules'"
check "the registry records label, owner, direction" \
    grep -qP '\t0781:5567\t4C530001230517118283\tPhòng Tổ chức\tgiamdoc\timport\t' "$T/state/usb-registry"
check "usb.register logged" test "$(log_count usb.register)" -eq 1
check "usb list names the deciding rule" \
    bash -c "ctl() { '$BIN/matctl' -c '$T/conf' \"\$@\"; }; ctl usb list | grep -qE '^1-1\\.1 +0781:5567 allow +[a-z-]+ +rule 0 '"
reg 1-1.1 2>"$T/reg.err"; rc=$?
check "registering twice is refused" \
    bash -c "test $rc -eq 1 && grep -q 'already registered' '$T/reg.err'"
expect_auth "attack: the other unregistered stick stays blocked" 1-1.3 0
expect_auth "attack: the composite stays blocked" 1-5 0

# --- hotplug while the daemon runs ---
plug plug-mouse $PCI/usb1/1-8
check "hotplug: a mouse is authorized within a second" wait_auth 1-8 1
plug plug-clone $PCI/usb2/2-6
plug plug-ecm $PCI/usb1/1-9
plug plug-rndis $PCI/usb2/2-5
plug plug-badusb $PCI/usb2/2-7
sleep 0.5
expect_auth "attack: a clone of the registered stick (other serial) stays unauthorized" 2-6 0
expect_auth "attack: an ECM gadget plugged in stays unauthorized" 1-9 0
expect_auth "attack: an RNDIS gadget plugged in stays unauthorized" 2-5 0
expect_auth "attack: a stick that types, plugged in, stays unauthorized" 2-7 0
check "hotplugged devices' decisions logged" \
    bash -c "$(declare -f log_records decisions); K0=$K0 T=$T BIN=$BIN; d=\$(decisions); for id in 046d:c05a 0525:a4a1 1d6b:0104; do grep -q \$id <<<\"\$d\" || exit 1; done"
check "the ECM gadget's decision is Cao" \
    bash -c "$(declare -f log_records decisions); K0=$K0 T=$T BIN=$BIN; decisions | grep 0525:a4a1 | grep -q Cao"

# --- the decision latency: one sample per decided "add" or "change" ---
check "status: the 5 plugged devices are 5 decided uevents" wait_decisions 5
t0=$EPOCHREALTIME
check "status: 20 change events of the keyboard make 25" change usb1/1-6 20 5
t1=$EPOCHREALTIME
echo "remove $PCI/usb1/1-8" >&7
check "remove: the mouse leaves the table" wait_devices 20
check "remove: no decision, so not counted" test "$(udecisions)" = 25
plug plug-mouse $PCI/usb1/1-8
check "the mouse plugged again is the 26th decided uevent" wait_decisions 26
check "the mouse plugged again is authorized" wait_auth 1-8 1
usb_status >"$T/usb.status"
LAT='.*latency median \([0-9.]*\) us, p99 \([0-9.]*\) us$'
lat_med=$(sed -n "s/$LAT/\1/p" "$T/usb.status")
lat_p99=$(sed -n "s/$LAT/\2/p" "$T/usb.status")
check "status: latency median and p99 shown ($(cat "$T/usb.status"))" \
    test -n "$lat_med" -a -n "$lat_p99"
# A decision reads ten sysfs files (its own, its parent's) and hashes:
# more than a microsecond.
# Of the 14 samples from the median up, at least 8 are of the 20 changes,
# which ran one after another within t1 - t0: median <= (t1 - t0) / 8.
check "latency: 1 us <= median <= p99, median <= 1/8 of the changes' time" \
    awk -v m="${lat_med:-0}" -v p="${lat_p99:-0}" -v a="$t0" -v b="$t1" \
    'BEGIN { exit !(m >= 1 && p >= m && m <= (b - a) * 1e6 / 8) }'

# --- stopping leaves devices as they are; the rules survive a restart ---
bed=$ROOT
stop_daemon
ROOT=$bed
expect_auth "after stop: the blocked Ethernet adapter stays blocked" 1-2 0
expect_auth "after stop: the registered stick stays authorized" 1-1.1 1
check "daemon restarts in a fresh bed" start_bed
expect_auth "after restart: the registered stick is authorized from the rules file" 1-1.1 1
expect_auth "after restart: the unregistered stick blocked" 1-1.3 0

# --- unregister ---
check "the supervisor unregisters the stick" sctl usb unregister 1-1.1
check "the unregistered stick is blocked again" wait_auth 1-1.1 0
check "its rule and comment left the rules file" \
    bash -c "! grep -q '0781:5567\|registration' '$T/usb.rules'"
check "its registry line is gone" bash -c "! grep -q 0781:5567 '$T/state/usb-registry'"
check "usb.unregister logged" test "$(log_count usb.unregister)" -eq 1
sctl usb unregister 1-1.1 2>"$T/reg.err"; rc=$?
check "unregistering twice is refused" \
    bash -c "test $rc -eq 1 && grep -q 'not registered' '$T/reg.err'"

# --- a rules file that does not parse: fail closed ---
reg 1-1.1 >/dev/null 2>&1
stop_daemon
printf 'allow id 0781:5567 labl "x"\n' >>"$T/usb.rules"
check "daemon starts with a broken rules file" start_bed
expect_auth "broken rules: the registered stick is blocked" 1-1.1 0
expect_auth "broken rules: the keyboard still works" 1-6 1
check "broken rules: status says why" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^usb-guard  *running.*rules file refused (line'"
reg 1-1.3 2>"$T/reg.err"; rc=$?
check "broken rules: registration refused until fixed" \
    bash -c "test $rc -eq 1 && grep -q 'does not parse' '$T/reg.err'"
sed -i '/labl/d' "$T/usb.rules"
kill -HUP "$DPID"
check "fixed rules file, SIGHUP: the registered stick is authorized" \
    wait_auth 1-1.1 1
check "fixed rules file, SIGHUP: status no longer complains" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^usb-guard  *running, 16 devices, 1 rules'"
expect_auth "after SIGHUP: the composite stays blocked" 1-5 0

# --- a lost stick: off the whitelist by its serial, not plugged in ---
echo "remove $PCI/usb1/1-1/1-1.1" >&7
check "the registered stick is unplugged (lost)" wait_devices 15
sctl usb unregister 1-1.1 2>"$T/reg.err"; rc=$?
check "by its port, a stick that is not plugged in cannot be unregistered" \
    bash -c "test $rc -eq 1 && grep -q 'no such USB device' '$T/reg.err'"
n0=$(log_count usb.unregister)
check "by its serial, the lost stick is unregistered" \
    sctl usb unregister --serial 4C530001230517118283
check "... its rule and comment left the rules file" \
    bash -c "! grep -q '0781:5567\|registration' '$T/usb.rules'"
check "... its registry line is gone" bash -c "! grep -q 0781:5567 '$T/state/usb-registry'"
check "... usb.unregister logged with the serial" \
    test "$(log_count usb.unregister '4C530001230517118283')" -eq $((n0 + 1))
sctl usb unregister --serial 4C530001230517118283 2>"$T/reg.err"; rc=$?
check "unregistering the serial again is refused" \
    bash -c "test $rc -eq 1 && grep -q 'no medium with this serial is registered' '$T/reg.err'"
check "daemon stops cleanly" stop_daemon

# --- a root hub that cannot be closed: fail closed, lockdown ---
check "daemon starts with a root hub that cannot be closed" start_bed bed-stuck
check "lockdown, with the USB guard's reason" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^lockdown  *USB guard failed: cannot set authorized_default'"
check "usb.guard-failed logged, Khẩn cấp" \
    test "$(log_count usb.guard-failed 'Khẩn cấp')" -eq 1
expect_auth "the network adapter behind it is still blocked" 1-1 0
sctl lockdown clear 2>"$T/clear.err"; rc=$?
check "the lockdown is not cleared while the hub stays open" \
    bash -c "test $rc -eq 1 && grep -q 'cannot set authorized_default' '$T/clear.err'"
check "daemon stops cleanly" stop_daemon
check "the log verifies" verify_log

# --- a new machine provisioned with a registered stick already in it ---
# Before provisioning there is no log, so no admission of storage can be
# logged and the stick stays blocked; provisioning decides again.
mv "$T/state" "$T/state.first"
rm -f "$T/cert.txt"
printf '%s\n' "$RULE" >"$T/usb.rules"
check "a new machine starts with the stick's rule already written" start_bed
expect_auth "before provisioning: the registered stick stays blocked" 1-1.1 0
check "the new machine is provisioned" provision
check "after provisioning: the registered stick is admitted, no restart" \
    wait_auth 1-1.1 1
check "... and its admission is logged" \
    test "$(log_count usb.decision '0781:5567.*target=allow')" -ge 1
expect_auth "after provisioning: an unregistered stick still blocked" 1-1.3 0
check "daemon stops cleanly" stop_daemon
check "the new machine's log verifies" verify_log
