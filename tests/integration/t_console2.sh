#!/bin/bash
# The console's inspection and copy-register screens (issues 7 and 10)
# driven in tmux against the real daemon and a private cupsd, at 80x24 and
# 200x60: the log head as SEQ:HEX and as a QR code (the same code matctl
# log head --qr draws, following the head as the log grows), a six-monthly
# report in a scrollable view (the daemon's text, logged), the self-check
# table, the copy register with a real print's row and a date filter, and
# a Tối mật print from the documents screen approved by a supervisor's
# password typed at the console (a wrong one approves nothing); a drafter
# is refused reports, the self-check and the register, with the reason.
# Every check reads the screen (tmux capture-pane) or the daemon's state.
. "$(dirname "$0")/lib.sh"
CON_NAME=con2
. "$(dirname "$0")/conlib.sh"
TEMP='Tam#Thoi2026x'
IPW='Insp3ct#Vien26'
DPW='Soan#Thao2026'
DATA=$(cd "$(dirname "$0")/../data/print" && pwd)
C=$T/cups
CPID=
trap 'console_cleanup' EXIT

console_cleanup() {
	con_stop
	"${TM[@]}" kill-server 2>/dev/null
	stop_cupsd
	cleanup
}

# A private cupsd with a file: queue (as t_print.sh), for the register.
. "$(dirname "$0")/cupslib.sh"


# The register's row (joined, as the viewer wraps it at 80 columns).
reg_row() {
	"${TM[@]}" capture-pane -J -p -t "$PANE" | tr -d '\n' >"$T/reg.scr"
	grep -qE "Số 1 .*Mật +bản in, 1 trên 1 bản +người làm tranvanb.*nơi nhận q1 +xong.*${DOC:0:8}" "$T/reg.scr" ||
	    { cat "$T/reg.scr" >&2; echo >&2; return 1; }
}
# Jobs cupsd completed on q1.
jobs_done() { lpstat -h "$C/cups.sock" -W completed -o q1 2>/dev/null | wc -l; }
# The head's text as matctl prints it, and its QR rows without the
# surrounding blanks (the console centres the code).
ctl_head() { ctl log head | sed -n 's/^matverify --expect-head //p'; }
qr_rows() { sed 's/^ *//; s/ *$//' | grep -E '[▀▄█]'; }
screen_head() { screen | sed -nE 's/^ +([0-9]+:[0-9a-f]{32}) *$/\1/p' | head -1; }
# The QR rows on the screen are matctl's, all of them (17 or more).
same_qr() {
	ctl log head --qr | qr_rows >"$T/qr.ctl"
	screen | qr_rows >"$T/qr.con"
	[ "$(wc -l <"$T/qr.ctl")" -ge 17 ] && cmp -s "$T/qr.ctl" "$T/qr.con"
}

: >"$T/console.err"
check "a private cupsd starts" start_cupsd
: >"$C/out-q1"
padmin -p q1 -v "file://$C/out-q1" -P "$DATA/test.ppd" -E
write_conf
cat >>"$T/conf" <<CONF
[print]
cups_server = $C/cups.sock
allow_file_device = yes
CONF
check "daemon starts" start_daemon
check "provisioning" provision
as "$SUP" "$PW\n$TEMP\n" account add congan --roles inspector >/dev/null 2>&1
as congan "$TEMP\n$IPW\n" passwd >/dev/null 2>&1
as "$SUP" "$PW\n$TEMP\n" account add tranvanb --roles drafter >/dev/null 2>&1
as tranvanb "$TEMP\n$DPW\n" passwd >/dev/null 2>&1
check "an inspector and a drafter exist" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' account list | grep -q congan"
YEAR=$(date -u +%Y)
printf 'Báo cáo mật số 1\n' >"$T/mat.txt"
DOC=$(as tranvanb "$DPW\n" doc import "$T/mat.txt" --class mat --title "Báo cáo")
printf 'Kế hoạch tối mật\n' >"$T/toimat.txt"
DOCT=$(as tranvanb "$DPW\n" doc import "$T/toimat.txt" --class toi-mat --title "Kế hoạch")
check "the drafter prints a Mật document on q1 (one register row)" \
    bash -c "printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb print '$DOC' --printer q1 >/dev/null"

inspect() {
	local w=$1 h=$2 h1 h2 n1
	SZ="${w}x${h}"
	con_start "$w" "$h"
	see "the login screen" "Đăng nhập bằng tài khoản"
	login congan "$IPW"
	see "the inspector is home, the menu names the head" "h đầu nhật ký"

	# -- the log head --
	keys h
	see "h: the log head screen" "Đầu nhật ký lúc"
	h1=$(screen_head)
	check "$SZ: the head shown is the daemon's ($h1)" \
	    test -n "$h1" -a "$h1" = "$(ctl_head)"
	check "$SZ: the QR code is drawn whole, the same code as matctl log head --qr" \
	    same_qr
	check "$SZ: ... fits the screen" screen_lacks -q "quá nhỏ"
	as "$SUP" "$PW\n" doc list >/dev/null 2>&1
	keys r
	sleep 0.5
	h2=$(screen_head)
	check "$SZ: r reads the head again after the log grew (${h2%%:*} > ${h1%%:*})" \
	    test "${h2%%:*}" -gt "${h1%%:*}" -a "$h2" = "$(ctl_head)"
	keys Escape
	see "Esc: home" "Trang chính"

	# -- a report --
	n1=$(log_count report)
	keys p
	see "p: the report form" "Nửa năm"
	keys Enter Enter Enter
	see "the six-monthly report, titled with its head" \
	    "Báo cáo sáu tháng $YEAR/1, đến bản ghi số"
	as congan "$IPW\n" report semiannual --year "$YEAR" --half 1 >"$T/rep.txt" 2>/dev/null
	check "$SZ: ... the daemon's text (its first line)" \
	    shows "$(sed -n 1p "$T/rep.txt" | cut -c1-40)"
	check "$SZ: ... and the console's report is logged" \
	    test "$(log_count report)" -eq $((n1 + 2))
	keys End
	sleep 0.3
	check "$SZ: End scrolls to the report's last line" \
	    shows "$(grep . "$T/rep.txt" | tail -1 | cut -c1-40)"
	keys Escape
	see "Esc: home" "Trang chính"

	# -- the self-check --
	keys k
	see "k: the self-check table" "[ĐẠT] R1 air-gap"
	as congan "$IPW\n" selfcheck >"$T/sc.txt" 2>/dev/null
	check "$SZ: ... passed/total as the daemon counts" shows \
	    "$(sed -n 's/.*self-check: \([0-9]*\) of \([0-9]*\) pass/\1 trên \2 mục đạt/p' "$T/sc.txt")"
	keys Escape
	see "Esc: home" "Trang chính"
	keys F10
	see "logout" "Đăng nhập bằng tài khoản"

	# -- the copy register, as the supervisor --
	login "$SUP" "$PW"
	see "the supervisor is home" "Trang chính"
	keys g
	see "g: the register's date form" "Sổ sao chụp"
	keys Enter Enter
	see "the register lists the prints so far" "Sổ có $REGN lần sao chụp"
	see "... its row: number, class, a print, 1 of 1, the drafter, q1, done" \
	    "Số 1 "
	check "$SZ: ... with the daemon's fields" reg_row
	keys Escape g
	text "$((YEAR + 1))-01-01"; keys Enter Enter
	see "a later from-date: none" "Sổ có 0 lần sao chụp"
	keys Escape
	keys F10
	see "logout" "Đăng nhập bằng tài khoản"

	# -- a drafter may read the head, not reports --
	login tranvanb "$DPW"
	see "the drafter is home" "Trang chính"

	# -- printing a Tối mật document: a supervisor's approval --
	keys F2 c c
	see "documents: the Tối mật one" "Đang hiển thị: Tối mật   (1)"
	n1=$(jobs_done)
	keys p
	see "p: the print form names the document" 'In "Kế hoạch" (Tối mật)'
	text q1; keys Tab Enter
	see "Tối mật: the approval form" "Bản in này cần lãnh đạo duyệt"
	text "$SUP"; keys Tab; text "Sai!mat9khau"; keys Enter
	see "attack: a wrong supervisor password approves nothing" \
	    "Không được phê duyệt"
	sleep 0.5
	check "$SZ: ... and nothing reaches the printer" \
	    test "$(jobs_done)" -eq "$n1"
	keys p; text q1; keys Tab Enter
	see "again: the approval form" "Bản in này cần lãnh đạo duyệt"
	text "$SUP"; keys Tab; text "$PW"; keys Enter
	see "with the supervisor's password typed here: printed, registered" \
	    "Đã in: 1 trên 1 bản (hoàn tất), bản ghi nhật ký số"
	REGN=$((REGN + 1))
	check "$SZ: ... the job reached the queue (cupsd's completed jobs)" \
	    test "$(jobs_done)" -eq $((n1 + 1))
	check "$SZ: ... the register names the approver" bash -c \
	    "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' register 2>/dev/null | grep '${DOCT:0:8}' | grep -q '$SUP'"
	keys F1
	see "home" "Trang chính"
	keys p Enter Enter Enter
	see "attack: a drafter's report is refused, with the reason" \
	    "Không được phép"
	check "$SZ: ... no report text shown" screen_lacks -q "Báo cáo sáu tháng"
	keys k
	see "attack: a drafter's self-check is refused" "Không được phép"
	check "$SZ: ... no table shown" screen_lacks -qF "[ĐẠT]"
	keys g Enter Enter
	see "attack: a drafter is refused the copy register" "Không được phép"
	check "$SZ: ... no row shown" screen_lacks -q "Sổ có"
	keys h
	see "the drafter sees the head (it is not secret)" "Đầu nhật ký lúc"
	keys Escape F10
	see "logout" "Đăng nhập bằng tài khoản"
	keys Escape
	see "Esc leaves the console" EXITED
}

REGN=1
inspect 80 24
[ -n "${ONE:-}" ] || inspect 200 60

check "no sanitizer report from the console" \
    bash -c "! grep -q 'Sanitizer' '$T/console.err'"
check "every console string is in po/vi.po, translated" bash -c "
    cd '$(dirname "$0")/../..' &&
    xgettext --from-code=UTF-8 -k_ -kN_ -o '$T/ui.pot' ui/*.c ui/*.h &&
    msgcmp po/vi.po '$T/ui.pot' 2>'$T/msgcmp.err' &&
    ! msgattrib --untranslated po/vi.po | grep -q '^msgid \"[^\"]'"
