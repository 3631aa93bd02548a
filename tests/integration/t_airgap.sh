#!/bin/bash
# The air-gap guard through the real daemon in a private network namespace:
# a clean start unlocks after login; a link brought up locks the machine
# down at once (keys wiped, documents refused, Khẩn cấp incident, watchers
# told); the lockdown outlives the condition and a restart until a
# supervisor clears it; an address is a violation; a link that stays down
# is not; a machine that starts with a link up never unlocks.
. "$(dirname "$0")/lib.sh"

check "private network namespace" make_netns
in_netns ip link add mkv0 type veth peer name mkv1
check "daemon starts in it" start_daemon
check "provisioning" provision
doc=$(sctl doc import "$T/conf" --class toi-mat --title "Báo cáo")
check "a link that exists but is down is allowed" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^air-gap  *clean'"
check "the down link is shown in status" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q 'link mkv0 down'"
check "clean start: the document reads after login" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP doc cat $doc | cmp -s - '$T/conf'"

ctl watch >"$T/watch.out" 2>&1 &
watcher=$!
sleep 0.3

# --- the attack: a link comes up ---
in_netns ip link set mkv0 up
for i in $(seq 100); do
	grep -q 'state lockdown' "$T/watch.out" && break
	sleep 0.02
done
check "watchers are told at once (pushed)" grep -q 'state lockdown: network link mkv' "$T/watch.out"
check "status shows lockdown with the reason" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^lockdown  *network link mkv'"
sctl doc cat "$doc" >"$T/out" 2>"$T/err"
rc=$?
check "doc cat is refused in lockdown, with the reason" \
    test $rc -eq 1 -a ! -s "$T/out"
check "the refusal names the lockdown" grep -q 'machine in lockdown' "$T/err"
check "import is refused in lockdown" bash -c \
    "! printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP doc import '$T/conf' --class mat 2>/dev/null"
check "the violation is logged as Khẩn cấp" \
    test "$(log_count airgap.violation 'Khẩn cấp')" -ge 1
check "an emergency incident is opened" \
    test "$(log_count incident.open 'Khẩn cấp')" -eq 1
check "the incident register lists it" bash -c \
    "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP incident list | grep -q 'khan-cap  *open'"
sleep 0.5
check "an evidence snapshot was taken (Article 14.1)" \
    test -s "$T/state/evidence/1/MANIFEST.sha256" -a -s "$T/state/evidence/1/netstate.txt"
check "the evidence snapshot is logged" test "$(log_count incident.evidence)" -eq 1

# --- clearing needs the condition gone and a supervisor ---
printf '%s\n' "$PW" | ctl -u "$SUP" lockdown clear 2>"$T/err"
check "clear refused while the link is up" grep -q 'condition persists' "$T/err"
in_netns ip link set mkv0 down
sleep 0.2
check "link down again: still in lockdown" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^state  *lockdown'"
stop_daemon
start_daemon
check "after restart: still lockdown" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^state  *lockdown'"
sctl doc cat "$doc" >"$T/out" 2>/dev/null
check "after restart: documents still refused" test ! -s "$T/out"
check "the supervisor clears the lockdown" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP lockdown clear"
check "the clearing is logged with the supervisor" \
    bash -c "'$BIN/matverify' --records --key $K0 '$T/state/log' | grep -q '$SUP/supervisor  lockdown.clear'"
check "after clearing: the document reads again" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP doc cat $doc | cmp -s - '$T/conf'"

# --- an address is a violation, even on a link that is down ---
in_netns ip addr add 10.77.0.1/24 dev mkv0
sleep 0.3
check "a non-loopback address is a violation" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^lockdown  *network address 10.77.0.1/24'"
in_netns ip addr del 10.77.0.1/24 dev mkv0
check "cleared again once the address is gone" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP lockdown clear"

# --- a machine that starts with a link up never unlocks ---
stop_daemon
in_netns ip link set mkv0 up
start_daemon
check "started with a link up: lockdown at once" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^lockdown  *network link mkv'"
sctl doc cat "$doc" >"$T/out" 2>/dev/null
check "started with a link up: nothing can be read" test ! -s "$T/out"
printf '%s\n' "$PW" | ctl -u "$SUP" lockdown clear 2>"$T/err"
check "started with a link up: cannot be cleared while up" \
    grep -q 'condition persists' "$T/err"
in_netns ip link set mkv0 down
check "the link down, the supervisor clears it" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP lockdown clear"

# --- the same reaction while a 1 GiB import is running ---
ndocs=$(sctl doc list | wc -l)
nbegin=$(log_count doc.import.begin)
mkfifo "$T/big"
{ head -c 1073741824 /dev/zero; } >"$T/big" &
feeder=$!
sctl doc import "$T/big" --class mat --title big >"$T/imp.out" 2>"$T/imp.err" &
importer=$!
for i in $(seq 200); do
	[ "$(log_count doc.import.begin)" -gt "$nbegin" ] && break
	sleep 0.05
done
sleep 0.5
check "the large import is under way" kill -0 $importer
: >"$T/watch.out"
ctl watch --count 1 >"$T/watch2.out" 2>&1 &
w2=$!
sleep 0.3
t0=$(date +%s%N)
in_netns ip link set mkv0 up
wait $w2
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# lockdown pushed ${ms} ms after the link came up, during the import"
check "during the import: lockdown pushed within 1 s (${ms} ms)" test "$ms" -lt 1000
check "during the import: the watcher saw lockdown" grep -q 'state lockdown' "$T/watch2.out"
wait $importer
check "during the import: the import fails" test $? -eq 1
kill $feeder 2>/dev/null; wait $feeder 2>/dev/null
check "during the import: the failure says why" grep -q -i 'locked' "$T/imp.err"
in_netns ip link set mkv0 down
printf '%s\n' "$PW" | ctl -u "$SUP" lockdown clear 2>/dev/null
check "during the import: no document was stored" \
    test "$(sctl doc list | wc -l)" -eq "$ndocs"

# --- a user reports an incident; a supervisor handles and closes it ---
id=$(sctl incident report --level thap --summary "Màn hình có dấu hiệu lạ")
check "a user reports an incident" test -n "$id"
check "the report is in the register" bash -c \
    "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP incident show $id | grep -q 'Màn hình'"
check "it is handled with a note" sctl incident handle "$id" --note "đã kiểm tra"
check "and closed" sctl incident close "$id" --note "không có sự cố"
check "its life is in the log" test "$(log_count incident.update)" -eq 2
check "an incident cannot go back to open" bash -c \
    "! printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP incident handle $id 2>/dev/null"

kill $watcher 2>/dev/null
check "daemon stops" stop_daemon
check "the log verifies" verify_log
