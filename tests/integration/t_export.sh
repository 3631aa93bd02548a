#!/bin/bash
# Inspection export, matverify, the anchored log head, reports and the
# self-check (issue 10) against the real daemon. A scripted scenario
# (logins, imports, a blocked USB device, an incident) is exported by an
# inspector with a supervisor's approval and verified; then each forgery is
# refused with its reason: a member changed, a member removed, a log record
# altered, the manifest re-signed with another key, the log cut short
# against --expect-head. The reports' figures are compared with counts
# taken from the verified log by matverify.
. "$(dirname "$0")/lib.sh"

DATA=$(cd "$(dirname "$0")/../data/usb" && pwd)
TEMP='Tam#Thoi2026x'
IPW='Insp3ct#Vien26'
DPW='Soan#Thao2026'

# The daemon in a umockdev bed with the fixtures' 16 devices (as
# t_usb.sh), so that the scenario has blocked devices to report.
start_bed() {
	[ -f "$T/conf" ] || write_conf
	rm -f "$T/root"
	env TMPDIR="$T" LD_PRELOAD=libumockdev-preload.so.0 \
	    "$BIN/tests/tools/usbbed" "$T/root" "$DATA/bed.umockdev" -- \
	    unshare -n "$BIN/matkioskd" -c "$T/conf" -f </dev/null \
	    2>>"$T/daemon.err" &
	DPID=$!
	local i
	for i in $(seq 100); do
		if [ -s "$T/root" ] && ctl status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || { DPID=; return 1; }
		sleep 0.05
	done
	return 1
}

# ctl as NAME with the given password lines on stdin.
as() {
	local who=$1 lines=$2
	shift 2
	printf '%b' "$lines" | "$BIN/matctl" -c "$T/conf" -u "$who" "$@"
}

# Offset of the ustar header of member $2 in archive $1 (the first
# 512-aligned occurrence of its name: a header starts with the name).
hdr_off() {
	local o
	for o in $(grep -boa -- "$2" "$1" | cut -d: -f1); do
		if [ $((o % 512)) -eq 0 ]; then
			echo "$o"
			return 0
		fi
	done
	return 1
}
# Size of member $2 of archive $1 (octal in the header).
mem_size() {
	local o
	o=$(hdr_off "$1" "$2") || return 1
	echo $((8#$(dd if="$1" bs=1 skip=$((o + 124)) count=11 status=none)))
}
# Member $2 of archive $1 to stdout, by its header.
mem_cat() {
	local o s
	o=$(hdr_off "$1" "$2") && s=$(mem_size "$1" "$2") || return 1
	tail -c +$((o + 513)) "$1" | head -c "$s"
}
# Writes stdin over member $2's data (same length) in archive $1.
mem_put() {
	local o
	o=$(hdr_off "$1" "$2") || return 1
	dd of="$1" bs=512 seek=$((o / 512 + 1)) conv=notrunc status=none
}
# verdict FILE: the VERDICT line of a matverify text report.
verdict() { grep '^VERDICT' "$1"; }
mv_export() { "$BIN/matverify" --key "$K0" "$@" >"$T/mv.out" 2>&1; }

check "daemon starts under umockdev with 16 devices" start_bed
check "provisioning" provision
# USB decisions are logged from provisioning on.
stop_daemon
check "daemon restarts in the bed" start_bed

# --- the scenario ---
as "$SUP" "$PW\n$TEMP\n" account add congan --roles inspector >/dev/null 2>&1
as congan "$TEMP\n$IPW\n" passwd >/dev/null 2>&1
as "$SUP" "$PW\n$TEMP\n" account add tranvanb --roles drafter >/dev/null 2>&1
as tranvanb "$TEMP\n$DPW\n" passwd >/dev/null 2>&1
for pw in 'Sai#Matkhau1' 'Sai#Matkhau2'; do
	as tranvanb "$pw\n" doc list >/dev/null 2>&1
done
import() {
	printf '%s\n' "$1" >"$T/doc"
	as tranvanb "$DPW\n" doc import "$T/doc" --class "$2" --title "$1" \
	    >/dev/null
}
import "Công văn 1" mat
import "Công văn 2" mat
import "Báo cáo" toi-mat
sctl incident report --level cao --summary "Phát hiện thiết bị lạ" \
    >/dev/null
check "the scenario ran (3 imports, 1 incident)" \
    test "$(sctl doc list | wc -l)" -eq 3
check "a self-check runs, prints a pass/fail table and is logged" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' selfcheck >'$T/sc.out' && grep -q '^PASS  R1 air-gap' '$T/sc.out' && grep -q 'self-check: [0-9]* of [0-9]* pass' '$T/sc.out'"
check "the self-check is in the log" test "$(log_count selfcheck)" -eq 1
# Items that depend on the packaging are read from the real kernel.
if grep -q 'usbcore.authorized_default=0' /proc/cmdline; then want=PASS; else want=FAIL; fi
check "the kernel command line item says what /proc/cmdline holds ($want)" \
    grep -q "^$want  R2 kernel-cmdline" "$T/sc.out"
if [ "$(cat /proc/sys/kernel/kptr_restrict)" = 2 ]; then want=PASS; else want=FAIL; fi
check "the kptr_restrict item says what /proc/sys holds ($want)" \
    grep -q "^$want  R14 sysctl kernel/kptr_restrict" "$T/sc.out"
check "the vault item authenticated the 3 documents" \
    grep -q "^PASS  R3 vault .*3 document(s), 0 failing; each decrypted" "$T/sc.out"
check "selfcheck --json" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' selfcheck --json | jq -e '.total > 10 and (.items | length) == .total' >/dev/null"
check "a drafter may not run the self-check" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb selfcheck >/dev/null 2>&1"

# Events of features built on other branches (printing, copy-out, media,
# repair), appended through the log writer so that the reports' counting
# by name is checked end to end; the daemon is stopped meanwhile.
stop_daemon
"$BIN/tests/tools/logadd" "$T/state/log" "$T/state/keys/logkey" \
    "$T/state/device.key" <<EOF
print.done 0 tranvanb 0123456789abcdef0123456789abcdef copies=2
print.done 0 tranvanb 0123456789abcdef0123456789abcdef copies=3
print.failed 1 tranvanb 0123456789abcdef0123456789abcdef
copy.done 0 tranvanb 0123456789abcdef0123456789abcdef copies=1
media.import 0 tranvanb 1-1.2 files=2
repair.begin 0 kythuat session-1 supervisor=giamdoc
repair.end 0 kythuat session-1
EOF
check "simulated events of other branches appended (logadd)" test $? -eq 0
check "daemon restarts in the bed" start_bed

# --- export ---
check "an inspector without an approval is refused" \
    bash -c "! printf '%s\n' '$IPW' | '$BIN/matctl' -c '$T/conf' -u congan export inspection --to '$T' 2>'$T/err'"
check "... saying an approval is needed" grep -q "approval" "$T/err"
check "a supervisor may not take the export" \
    bash -c "! printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' export inspection --to '$T' 2>/dev/null"
check "a drafter may not take the export" \
    bash -c "! printf '%s\n%s\n' '$DPW' '$PW' | '$BIN/matctl' -c '$T/conf' -u tranvanb export inspection --to '$T' --approver '$SUP' 2>/dev/null"
check "a wrong approver password gives no export" \
    bash -c "! printf '%s\n%s\n' '$IPW' 'Wrong#Pass99' | '$BIN/matctl' -c '$T/conf' -u congan export inspection --to '$T' --approver '$SUP' 2>/dev/null"
check "no archive was left by the refusals" \
    bash -c "! ls '$T'/*.tar* >/dev/null 2>&1"

H1=$(ctl log head | sed -n 's/^matverify --expect-head //p')
check "log head prints SEQ:HEX" bash -c "[[ '$H1' =~ ^[0-9]+:[0-9a-f]{32}\$ ]]"
check "log head --qr draws a QR code" \
    bash -c "'$BIN/matctl' -c '$T/conf' log head --qr | grep -c '█' | grep -qv '^0\$'"

E1=$T/e1.tar
check "the inspector exports with the supervisor's approval" \
    bash -c "printf '%s\n%s\n' '$IPW' '$PW' | '$BIN/matctl' -c '$T/conf' -u congan export inspection --to '$E1' --approver '$SUP' >'$T/e1.out'"
check "an export never overwrites a file" \
    bash -c "! printf '%s\n%s\n' '$IPW' '$PW' | '$BIN/matctl' -c '$T/conf' -u congan export inspection --to '$E1' --approver '$SUP' 2>/dev/null"
check "the export is logged: export.begin and export" \
    test "$(log_count export.begin)" -eq 1 -a "$(log_count export)" -eq 1
check "the approval was given and used" \
    test "$(log_count approval.use)" -eq 1
check "tar lists the archive" bash -c "tar tf '$E1' >/dev/null"
for m in MANIFEST MANIFEST.sig log/00000001.seg accounts.txt machine \
    config/matkiosk.conf software.txt selfcheck.txt registers/incidents \
    usb/decisions.txt report.txt report.html; do
	check "the export holds $m" bash -c "tar tf '$E1' | grep -qx '$m'"
done
check "repair and copy register listed as none (not on this machine yet)" \
    bash -c "grep -q '^none repair\$' <(tar xOf '$E1' MANIFEST) && grep -q '^none copy-register\$' <(tar xOf '$E1' MANIFEST)"
check "accounts without secrets (no key, no password hash)" \
    bash -c "tar xOf '$E1' accounts.txt | grep -q '^congan inspector' && ! tar tf '$E1' | grep -q -E 'slot|grant|key'"
nblocked=$(log_records | grep -E '[[:space:]]usb.decision[[:space:]]' | grep -vc 'target=allow')
check "USB decisions listed ($nblocked blocked)" \
    test "$(tar xOf "$E1" usb/decisions.txt | grep -vc 'target=allow')" -eq "$nblocked" -a "$nblocked" -gt 0
check "the export's report counts up to the exported log's head" \
    test "$(tar xOf "$E1" report.txt | sed -n 's/.*Nhật ký đến bản ghi số: //p')" = \
    "$(tar xOf "$E1" MANIFEST | sed -n 's/^log-head \([0-9]*\) .*/\1/p')"
check "the readable report is in Vietnamese" \
    bash -c "tar xOf '$E1' report.html | grep -q 'Sự cố an toàn thông tin'"

check "matverify: the export is VALID (exit 0)" mv_export "$E1"
check "... with the verdict" bash -c "verdict() { grep '^VERDICT' \"\$1\"; }; verdict '$T/mv.out' | grep -q '^VERDICT: VALID'"
check "... every step passed" \
    test "$(grep -cE '^    (archive|manifest|log|signature|members|head) +PASS' "$T/mv.out")" -eq 6
check "matverify --expect-head with the anchored head: VALID" \
    mv_export --expect-head "$H1" "$E1"
check "matverify --json says valid" \
    bash -c "'$BIN/matverify' --key '$K0' --json '$E1' | jq -e '.valid == true and .kind == \"inspection-export\" and .failed_step == null' >/dev/null"
check "a wrong K_0 is refused" \
    bash -c "! '$BIN/matverify' --key $(printf '%064d' 0) '$E1' >'$T/mv.out' 2>&1 && grep -q '^VERDICT: INVALID: log' '$T/mv.out'"

# --- forgeries, each refused with its reason ---
forged() { cp "$E1" "$T/f.tar"; }
refused() {
	local step=$1 why=$2
	shift 2
	if "$BIN/matverify" --key "$K0" "$@" "$T/f.tar" >"$T/mv.out" 2>&1; then
		return 1
	fi
	grep -q "^VERDICT: INVALID: $step: .*$why" "$T/mv.out"
}

forged
mem_cat "$T/f.tar" report.txt | sed 's/Máy/Mày/' | mem_put "$T/f.tar" report.txt
check "a member changed: refused, naming it" \
    refused members "report.txt: its content differs from the manifest"

forged
o=$(hdr_off "$T/f.tar" report.html)
s=$(mem_size "$T/f.tar" report.html)
{ head -c "$o" "$E1"; tail -c +$((o + 513 + (s + 511) / 512 * 512)) "$E1"; } >"$T/f.tar"
check "a member removed: refused, naming it" \
    refused members "report.html is listed in the manifest but missing"

forged
o=$(hdr_off "$T/f.tar" log/00000001.seg)
flip_byte "$T/f.tar" $((o + 512 + 200))
check "a log record altered: refused by the MAC chain" \
    refused log "MAC does not verify"

forged
mem_cat "$T/f.tar" accounts.txt | sed 's/^congan inspector/congan supervisor/' >"$T/acc"
mem_put "$T/f.tar" accounts.txt <"$T/acc"
old=$(mem_cat "$E1" accounts.txt | sha256sum | cut -c1-64)
new=$(sha256sum <"$T/acc" | cut -c1-64)
mem_cat "$T/f.tar" MANIFEST | sed "s/$old/$new/" >"$T/man"
mem_put "$T/f.tar" MANIFEST <"$T/man"
"$BIN/tests/tools/resign" "$T/man" "$T/sig"
mem_put "$T/f.tar" MANIFEST.sig <"$T/sig"
check "the forged manifest lists the changed member's new hash" \
    bash -c "grep -q '$new 215\\|$new' '$T/man' && ! grep -q '$old' '$T/man'"
check "the manifest re-signed with another key: refused" \
    refused signature "not signed by the device key the log names"

# The log cut short: more happens after E1 and the head is anchored again;
# E1 (a correctly signed export) does not reach it.
import "Tờ trình" tuyet-mat
H2=$(ctl log head | sed -n 's/^matverify --expect-head //p')
forged
check "the log cut short against --expect-head: refused" \
    refused expect-head "the log was cut short: it ends at seq [0-9]*, before the anchored head seq ${H2%%:*}" \
    --expect-head "$H2"
forged
check "an anchored head whose MAC differs: refused as rewritten" \
    refused expect-head "rewritten" --expect-head "${H1%%:*}:0000000000000000"
check "a malformed --expect-head is a usage error (exit 2)" \
    bash -c "'$BIN/matverify' --key '$K0' --expect-head 12:xyz '$E1' >/dev/null 2>&1; test \$? -eq 2"

E2=$T/e2
mkdir -p "$E2"
check "a second export into a directory" \
    bash -c "printf '%s\n%s\n' '$IPW' '$PW' | '$BIN/matctl' -c '$T/conf' -u congan export inspection --to '$E2' --approver '$SUP' >'$T/e2.out'"
E2F=$(ls "$E2"/matkiosk-export-*.tar 2>/dev/null | head -1)
check "... reaching the second anchored head: VALID" \
    mv_export --expect-head "$H2" "$E2F"
check "... and the first one: VALID" mv_export --expect-head "$H1" "$E2F"

# --- reports: the figures equal the counts of what the scenario did ---
Y=$(TZ=Asia/Ho_Chi_Minh date +%Y)
M=$(TZ=Asia/Ho_Chi_Minh date +%m)
if [ "$M" = 12 ]; then YA=$((Y + 1)); HALF=1; YS=$((Y + 1))
elif [ "$M" -lt 6 ]; then YA=$Y; HALF=1; YS=$Y
else YA=$Y; HALF=2; YS=$Y; fi
check "the annual report ($YA)" \
    bash -c "printf '%s\n' '$IPW' | '$BIN/matctl' -c '$T/conf' -u congan report annual --year $YA >'$T/rep.txt'"
check "the six-monthly report ($YS, half $HALF) in HTML" \
    bash -c "printf '%s\n' '$IPW' | '$BIN/matctl' -c '$T/conf' -u congan report semiannual --year $YS --half $HALF --html >'$T/rep.html'"
check "the report is logged" test "$(log_count report)" -eq 2
# fig LABEL: the number on the report's line for LABEL.
fig() { grep -E "^  $1 +[0-9]+\$" "$T/rep.txt" | awk '{print $NF}'; }
recs() { log_records | grep -E "[[:space:]]$1[[:space:]]" | grep -E -- "${2:-.}"; }
same() {
	local label=$1 want=$2
	check "report: $label = $want (from the verified log)" \
	    test "$(fig "$label")" = "$want"
}
same "Mật" "$(recs doc.import 'class=mat( |$)' | wc -l)"
same "Tối mật" "$(recs doc.import 'class=toi-mat' | wc -l)"
same "Tuyệt mật" "$(recs doc.import 'class=tuyet-mat' | wc -l)"
same "Lần in \(hoàn tất\)" "$(recs print.done | wc -l)"
same "Số bản in" 5
same "Lần in thất bại" "$(recs print.failed | wc -l)"
same "Lần sao ra thiết bị lưu trữ \(hoàn tất\)" "$(recs copy.done | wc -l)"
same "Lần nhập từ thiết bị lưu trữ" "$(recs media.import | wc -l)"
same "Cao" "$(log_count incident.open Cao)"
same "Phiên sửa chữa" "$(recs repair.begin | wc -l)"
same "Quyết định chặn" "$nblocked"
same "Quyết định cho phép" "$(recs usb.decision 'target=allow' | wc -l)"
same "Đăng nhập thất bại" "$(recs auth.fail | wc -l)"
same "Thay đổi tài khoản, quyền truy cập" \
    "$(log_records | grep -cE '[[:space:]](account\.(create|change|disable|enable|reset|unlock|password)|key\.revoke)[[:space:]]')"
same "Bản xuất kiểm tra" "$(recs export | wc -l)"
check "the scenario's figures are not all zero (3 Mật+Tối mật, 2 failed logins)" \
    test "$(fig 'Mật')" -eq 2 -a "$(fig 'Tối mật')" -eq 1 -a "$(fig 'Đăng nhập thất bại')" -ge 2
check "the HTML report has the same figure for Mật" \
    grep -q "<tr><td>Mật</td><td class=\"n\">2</td></tr>" "$T/rep.html"
check "a drafter may not have reports" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb report annual --year $YA >/dev/null 2>&1"
check "a report for a year out of range is refused" \
    bash -c "! printf '%s\n' '$IPW' | '$BIN/matctl' -c '$T/conf' -u congan report annual --year 1999 >/dev/null 2>&1"

check "the log verifies after all of it" verify_log
