#!/bin/bash
# Supervised, recorded repair sessions (issue 9, Article 13.3) against the
# real daemon, through its pseudo-terminal: both credentials are needed (a
# technician alone is refused); the vault is sealed; commands and output
# are recorded, a password typed at a prompt that does not echo is not;
# the recording replays to the same output; an edited recording is caught
# through the log; the time limit (a test clock) ends the session with a
# warning first; a full disk for the recording kills the shell; a veth
# brought up from inside the session is a Khẩn cấp incident and ends it.
. "$(dirname "$0")/lib.sh"

MNT=
trap '[ -z "$MNT" ] || umount "$MNT" 2>/dev/null; cleanup' EXIT

start_daemon || { not_ok "daemon starts"; exit 1; }
provision || { not_ok "provisioning"; exit 1; }
TEMP='Tam#Thoi2026x'
TPW='Ky#Thuat2026y'
DPW='Soan#Thao2026z'
as() { printf "$2" | "$BIN/matctl" -c "$T/conf" -u "$1" "${@:3}"; }
as "$SUP" "$PW\n$TEMP\n" account add kythuat --roles technician >/dev/null &&
    as kythuat "$TEMP\n$TPW\n" passwd >/dev/null 2>&1
as "$SUP" "$PW\n$TEMP\n" account add soanthao --roles drafter >/dev/null &&
    as soanthao "$TEMP\n$DPW\n" passwd >/dev/null 2>&1
check "a technician and a drafter" \
    bash -c "'$BIN/matctl' -c '$T/conf' -u '$SUP' account list <<<'$PW' | grep -q kythuat"
printf 'Công văn mật số 7\n' >"$T/d1"
ID1=$(printf '%s\n' "$PW" | ctl -u "$SUP" doc import "$T/d1" --class mat --title "CV7" |
    sed -n 's/.*\([0-9a-f]\{32\}\).*/\1/p')
check "a document in the vault" test ${#ID1} -eq 32

# repair start with the passwords on stdin, then the shell's input, each
# line once the shell waits for it: feed OUT SUPPW TECHPW LINE... sends
# line i when OUT (the client's output) shows the i-th prompt, the
# shell's "[repair N] ...# " or a program's "Mat khau: " (10 s at most).
prompts() { grep -a -o -E '\[repair [0-9]+\] [^#]*# |Mat khau: ' "$1" 2>/dev/null | wc -l; }
feed() {
	local out=$1 i=0 k
	printf '%s\n' "$2"
	printf '%s\n' "$3"
	shift 3
	for l in "$@"; do
		i=$((i + 1))
		for k in $(seq 100); do
			[ "$(prompts "$out")" -ge "$i" ] && break
			sleep 0.1
		done
		printf '%s\n' "$l"
	done
	sleep 0.3
}
rstart() { ctl repair start --technician kythuat "$@"; }

# --- two people ---
if feed /dev/null "$TPW" "x" | ctl repair start --technician kythuat --reason "Thay ổ cứng" \
    >/dev/null 2>"$T/err"; then
	not_ok "a technician alone is refused"
else
	check "a technician alone is refused" grep -q "two people" "$T/err"
fi
if feed /dev/null "Wrong#Pass1" "$TPW" | rstart --supervisor "$SUP" --reason "x" >/dev/null 2>"$T/err"; then
	not_ok "a wrong supervisor's password is refused"
else
	check "a wrong supervisor's password is refused" grep -q "wrong account name or password" "$T/err"
fi
if feed /dev/null "$DPW" "$TPW" | rstart --supervisor soanthao --reason "x" >/dev/null 2>"$T/err"; then
	not_ok "a drafter cannot unlock a repair"
else
	check "a drafter cannot unlock a repair" grep -q "not a supervisor" "$T/err"
fi
if feed /dev/null "$PW" "$DPW" | ctl repair start --technician soanthao --supervisor "$SUP" \
    --reason "x" >/dev/null 2>"$T/err"; then
	not_ok "a drafter is not a technician"
else
	check "a drafter is not a technician" grep -q "not a technician" "$T/err"
fi
check "the refusals are logged" test "$(log_count repair.refused)" -ge 4
check "no recording was made for them" test ! -e "$T/state/repair/1.cast"

# --- a session: commands, output, a password prompt ---
# A drafter is logged in with the key while the repair starts: the key
# goes (the watcher below holds a session open through 'watch').
feed "$T/out1" "$PW" "$TPW" 'echo "ket-qua-$((6*7))"' 'ls -d /proc/self' 'sleep 1.5' \
    'read -s -p "$(printf "Mat %s: " khau)" X; echo; echo "do-dai-${#X}"' 'Bi#Mat#Go123' \
    'echo "repair-id=$MATKIOSK_REPAIR"' 'exit' |
    rstart --supervisor "$SUP" --reason "Thay ổ cứng hỏng" >"$T/out1" 2>"$T/err1"
rc=$?
check "the session ran and the technician left it (exit 0)" test $rc -eq 0
check "the shell's output came through the terminal" grep -q "ket-qua-42" "$T/out1"
check "the password was read by the program" grep -q "do-dai-12" "$T/out1"
check "the session knows its number" grep -q "repair-id=1" "$T/out1"
CAST=$T/state/repair/1.cast
check "a recording exists, mode 0600" test "$(stat -c %a "$CAST" 2>/dev/null)" = 600
check "it is asciicast v2" bash -c "head -1 '$CAST' | jq -e '.version == 2 and .width == 80' >/dev/null"
check "every event line is JSON [time, type, data]" \
    bash -c "tail -n +2 '$CAST' | jq -e 'length == 3 and (.[1] | test(\"^[oir]\$\"))' >/dev/null"
check "the command typed is in the recording" \
    bash -c "tail -n +2 '$CAST' | jq -r 'select(.[1]==\"i\") | .[2]' | grep -q 'echo \"ket-qua'"
check "its output is in the recording" \
    bash -c "tail -n +2 '$CAST' | jq -r 'select(.[1]==\"o\") | .[2]' | grep -q 'ket-qua-42'"
check "the typed password is not in the recording" bash -c "! grep -q 'Bi#Mat' '$CAST'"
check "... nor anywhere in the state" bash -c "! grep -rq 'Bi#Mat' '$T/state'"
check "... its place is masked" \
    bash -c "tail -n +2 '$CAST' | jq -r 'select(.[1]==\"i\") | .[2]' | grep -qx '\\*'"
check "repair.start is logged (Cao), with both people" \
    bash -c "[ $(log_count repair.start Cao) -eq 1 ] && '$BIN/matverify' --records --key '$K0' '$T/state/log' | grep repair.start | grep -q 'supervisor=$SUP.*technician=kythuat'"
check "the vault was sealed (keys and working copies wiped)" test "$(log_count repair.seal)" -eq 1
check "the parts of the recording are logged" test "$(log_count repair.part)" -ge 1
check "the end is logged with the reason" \
    bash -c "log_records() { '$BIN/matverify' --records --key '$K0' '$T/state/log'; }; log_records | grep repair.end | grep -q 'end=exit'"
check "the log still verifies" verify_log

# --- the inspection export (issue 10) carries the recording ---
IPW='C0ngan#2026q'
as "$SUP" "$PW\n$TEMP\n" account add congan --roles inspector >/dev/null 2>&1 &&
    as congan "$TEMP\n$IPW\n" passwd >/dev/null 2>&1
check "an inspector's export with the supervisor's approval" \
    bash -c "printf '%s\n%s\n' '$IPW' '$PW' | '$BIN/matctl' -c '$T/conf' -u congan export inspection --to '$T/insp.tar' --approver '$SUP' >/dev/null 2>'$T/insp.err'"
check "the export holds the recording, byte for byte" \
    bash -c "tar xOf '$T/insp.tar' repair/$(basename "$CAST") | cmp -s - '$CAST'"
check "the export verifies with the recording in it" \
    bash -c "'$BIN/matverify' --key '$K0' '$T/insp.tar' >'$T/insp.verify' 2>&1"

# --- list, show, play ---
check "repair list shows it" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' repair list | grep -q '^1 .*exit .*kythuat.*Thay ổ cứng hỏng'"
check "repair list --json" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' repair list --json | jq -e '.[0].technician == \"kythuat\"' >/dev/null"
check "a technician may not list recordings" \
    bash -c "! printf '%s\n' '$TPW' | '$BIN/matctl' -c '$T/conf' -u kythuat repair list 2>/dev/null"
sctl repair show 1 >"$T/show1" 2>&1
check "repair show verifies the recording against the log" grep -q "^verified .*ok: [0-9]* parts match the log" "$T/show1"
sctl repair play 1 --no-wait >"$T/play1" 2>"$T/play1.err"
check "the recording replays to the same output" cmp -s "$T/out1" "$T/play1"
last=$(tail -n +2 "$CAST" | jq -r 'select(.[1]=="o") | .[0]' | tail -1)
want=$(awk -v t="$last" 'BEGIN { printf "%d", t * 1000 / 2 }')
# Each run includes a login (Argon2id), whose time varies with the
# machine's load: the quicker of two --no-wait runs is subtracted, and
# the replay must take at least 70% of the recording's time at 2x.
nowait() {
	local a b
	a=$(date +%s%N)
	sctl repair play 1 --no-wait >/dev/null 2>&1
	b=$(date +%s%N)
	echo $((b - a))
}
n1=$(nowait)
t0=$(date +%s%N)
sctl repair play 1 --speed 2 >"$T/play2" 2>/dev/null
t1=$(date +%s%N)
n2=$(nowait)
[ "$n2" -lt "$n1" ] && n1=$n2
ms=$(( ((t1 - t0) - n1) / 1000000 ))
check "a replay keeps the timing (${ms} ms more than --no-wait at double speed, for ${last} s recorded)" \
    bash -c "[ $ms -ge $((want * 7 / 10)) ] && [ $ms -le $((want + 1000)) ] && cmp -s '$T/out1' '$T/play2'"

# --- closing: the minutes ---
if printf '%s\n' "Wrong#Pass1" | ctl -u "$SUP" repair sign-off 1 --work "Thay ổ cứng" \
    --account "Đã thay ổ cứng" >/dev/null 2>"$T/err"; then
	not_ok "signing needs the supervisor's password again"
else
	ok "signing needs the supervisor's password again"
fi
if printf '%s\n' "$TPW" | ctl -u kythuat repair sign-off 1 --work "x" --account "y" \
    >/dev/null 2>"$T/err"; then
	not_ok "the technician cannot sign the minutes"
else
	ok "the technician cannot sign the minutes"
fi
check "the supervisor signs the minutes" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' repair sign-off 1 --work 'Thay ổ cứng SATA' --account 'Kiểm tra SMART, thay ổ, không mở tài liệu' >'$T/min1'"
check "the minutes say who, when, why, what, and the account" \
    bash -c "grep -q 'BIÊN BẢN SỬA CHỮA' '$T/min1' && grep -q 'kythuat' '$T/min1' && grep -q 'Thay ổ cứng hỏng' '$T/min1' && grep -q 'Thay ổ cứng SATA' '$T/min1' && grep -q 'Kiểm tra SMART' '$T/min1' && grep -q 'signed off by: $SUP' '$T/min1'"
check "the sign-off is logged" test "$(log_count repair.signoff)" -eq 1
check "it cannot be signed twice" \
    bash -c "! printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' repair sign-off 1 --work a --account b 2>/dev/null"
check "show includes the signed minutes" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' repair show 1 | grep -q 'Kiểm tra SMART'"

# --- an edited recording is detected through the log ---
cp "$CAST" "$T/cast.save"
sed -i 's/ket-qua-42/ket-qua-43/' "$CAST"
sctl repair show 1 >"$T/show2" 2>&1
check "an edited recording fails the check, naming the part" \
    grep -q "^verified .*FAILED: part [0-9]* .*differs from what the log recorded" "$T/show2"
if sctl repair play 1 --no-wait >"$T/play3" 2>"$T/err"; then
	not_ok "an edited recording is not played"
else
	check "an edited recording is not played" test ! -s "$T/play3"
fi
cp "$T/cast.save" "$CAST"
printf '[9.9, "o", "them"]\n' >>"$CAST"
check "a line appended is detected" bash -c "'$BIN/matctl' -c '$T/conf' -u '$SUP' repair show 1 <<<'$PW' | grep -q 'FAILED: the file holds'"
cp "$T/cast.save" "$CAST"
head -c 100 "$T/cast.save" >"$CAST"
check "a recording cut short is detected" bash -c "'$BIN/matctl' -c '$T/conf' -u '$SUP' repair show 1 <<<'$PW' | grep -q 'FAILED: part .*missing'"
cp "$T/cast.save" "$CAST"
check "restored, it verifies again" bash -c "'$BIN/matctl' -c '$T/conf' -u '$SUP' repair show 1 <<<'$PW' | grep -q '^verified .*ok'"

# --- the supervisor ends a session ---
# The technician leaves processes behind that left the terminal's session
# (setsid) and ignore hangups (nohup): they must not outlive the session.
left() { pgrep -f "sleep 737[34]" | wc -l; }
{ feed "$T/out2" "$PW" "$TPW" 'setsid sleep 7373 </dev/null >/dev/null 2>&1 &' \
    'nohup setsid sh -c "sleep 7374" </dev/null >/dev/null 2>&1 &' \
    'echo "tien-trinh-$(ls -d /proc/[0-9]* | wc -l)"' 'echo "dang-$((1+1))-chay"'; sleep 12; } |
    rstart --supervisor "$SUP" --reason "Kiểm tra" >"$T/out2" 2>"$T/err2" &
RP=$!
for k in $(seq 150); do grep -q dang-2-chay "$T/out2" && break; sleep 0.1; done
n=$(left)
check "the technician's detached processes run ($n)" test "$n" -ge 2
n=$(grep -a -o 'tien-trinh-[0-9]*' "$T/out2" | grep -o '[0-9]*$')
check "the shell sees its own processes only ($n in its /proc)" test -n "$n" -a "${n:-99}" -lt 10
if printf '%s\n%s\n' "$PW" "$TPW" | ctl repair start --technician kythuat \
    --supervisor "$SUP" --reason y >/dev/null 2>"$T/err"; then
	not_ok "a second session cannot start meanwhile"
else
	check "a second session cannot start meanwhile" grep -q "another repair session is in progress" "$T/err"
fi
if printf '%s\n' "$DPW" | ctl -u soanthao doc cat "$ID1" >"$T/cat" 2>"$T/err"; then
	not_ok "a drafter logging in during a repair cannot read a document"
else
	check "a drafter logging in during a repair cannot read a document" test ! -s "$T/cat"
fi
ctl status >"$T/status2"
check "status shows the repair running, the guards still on" \
    bash -c "grep -q '^repair .*session 2 running' '$T/status2' && grep -q '^usb-guard  *running' '$T/status2' && grep -q '^air-gap  *clean' '$T/status2' && grep -q '^state  *sealed' '$T/status2'"
if printf '%s\n' "$TPW" | ctl -u kythuat usb register 1-1 --label x --owner kythuat \
    --direction import >/dev/null 2>"$T/err"; then
	not_ok "the technician cannot admit a USB device"
else
	check "the technician cannot admit a USB device (only a supervisor registers one)" \
	    grep -q "do not allow usb.register" "$T/err"
fi
check "the supervisor ends it" sctl repair end 2
wait $RP
check "the session ended, saying by whom" grep -q "ended by the supervisor $SUP" "$T/err2"
for k in $(seq 50); do [ "$(left)" -eq 0 ] && break; sleep 0.1; done
check "attack: nothing the technician detached outlives the session" test "$(left)" -eq 0

# --- the time limit, on the test clock ---
stop_daemon
printf '[repair]\ntest_limit_seconds = 12\n' >>"$T/conf"
start_daemon || not_ok "daemon restarts"
{ feed "$T/out3" "$PW" "$TPW" 'echo bat-dau'; sleep 20; } |
    rstart --supervisor "$SUP" --reason "Thời hạn" >"$T/out3" 2>"$T/err3"
secs=$(log_records | grep 'repair.end.*end=time-limit' | sed -n 's/.*seconds=\([0-9]*\).*/\1/p')
check "the session ended at the time limit (after ${secs:-?} s of 12)" \
    bash -c "grep -q 'time-limit' '$T/err3' && [ '${secs:-0}' -ge 12 ] && [ '${secs:-0}' -le 14 ]"
check "a warning came before the end" grep -q "kết thúc sau 10 giây" "$T/err3"
check "the warning and the limit are logged" \
    bash -c "[ \$('$BIN/matverify' --records --key '$K0' '$T/state/log' | grep -c repair.warning) -ge 1 ] && '$BIN/matverify' --records --key '$K0' '$T/state/log' | grep repair.start | grep -q 'test clock'"
check "the recording of a session ended by the limit verifies" \
    bash -c "'$BIN/matctl' -c '$T/conf' -u '$SUP' repair show 3 <<<'$PW' | grep -q '^verified .*ok'"

# --- a full disk for the recording ends the shell ---
MNT=$T/state/repair
mount -t tmpfs -o size=64k,mode=0700 mk-repair "$MNT" && {
	feed "$T/out4" "$PW" "$TPW" 'head -c 300000 /dev/zero | base64 -w 76; echo het' 'sleep 5; echo "con-$((1+1))-song"' |
	    rstart --supervisor "$SUP" --reason "Đĩa đầy" >"$T/out4" 2>"$T/err4"
	rc=$?
	check "a full disk for the recording ends the session (exit $rc)" \
	    bash -c "[ $rc -ne 0 ] && grep -q 'record-failed' '$T/err4'"
	check "the shell did not go on unrecorded" bash -c "! grep -q con-2-song '$T/out4'"
	check "the failure is logged (Cao)" \
	    bash -c "'$BIN/matverify' --records --key '$K0' '$T/state/log' | grep repair.end | grep -q 'end=record-failed'"
	check "what was recorded still matches the log" \
	    bash -c "'$BIN/matctl' -c '$T/conf' -u '$SUP' repair show 4 <<<'$PW' | grep -q '^verified .*ok'"
	umount "$MNT" && MNT=
}

# --- a link brought up inside the session: an incident that ends it ---
feed "$T/out5" "$PW" "$TPW" 'ip link add mkrv0 type veth peer name mkrv1 && ip link set mkrv0 up && date +%s%N; sleep 3; echo "van-$((2+2))-con"' |
    { rstart --supervisor "$SUP" --reason "Mạng" >"$T/out5" 2>"$T/err5"; echo $? >"$T/rc5"; date +%s%N >"$T/t5"; }
rc=$(cat "$T/rc5")
up=$(grep -a -o -E '[0-9]{19}' "$T/out5" | head -1)
ms=$(( ($(cat "$T/t5") - ${up:-0}) / 1000000 ))
check "bringing up a veth ends the session (exit $rc; ${ms} ms from link up to the client's end)" \
    bash -c "[ $rc -ne 0 ] && grep -q '(incident)' '$T/err5' && [ -n '$up' ] && [ $ms -lt 2000 ]"
check "the shell was stopped at once" bash -c "! grep -q van-4-con '$T/out5'"
check "it is a Khẩn cấp incident" test "$(log_count incident.open Khẩn)" -ge 1
check "the repair's end names the incident" \
    bash -c "'$BIN/matverify' --records --key '$K0' '$T/state/log' | grep repair.end | grep -q 'end=incident'"

# --- the daemon stopping ends the session; no shell is left behind ---
nsenter -t "$(daemon_pid)" -n ip link del mkrv0 2>/dev/null
check "the supervisor clears the lockdown" sctl lockdown clear
{ feed "$T/out6" "$PW" "$TPW" 'sleep 4321 & echo "nen-$((1+1))"'; sleep 30; } |
    rstart --supervisor "$SUP" --reason "Dừng" >"$T/out6" 2>"$T/err6" &
for k in $(seq 150); do grep -q nen-2 "$T/out6" && break; sleep 0.1; done
check "a background job runs in the session" pgrep -f '^sleep 4321$'
DP=$(daemon_pid)
check "the daemon stops" stop_daemon
for k in $(seq 30); do pgrep -f '^sleep 4321$' >/dev/null || break; sleep 0.1; done
check "nothing of the session is left running" bash -c "! pgrep -f '^sleep 4321\$'"
check "its end is logged" bash -c "'$BIN/matverify' --records --key '$K0' '$T/state/log' | grep -E 'repair\.end +6 ' | grep -q 'end=daemon-stopping'"
check "the log verifies at the end" verify_log
