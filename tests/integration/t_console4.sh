#!/bin/bash
# The console's screens for supervised repair sessions (issue 9), driven
# in tmux against the real daemon (as t_repair.sh runs it), at 80x24 and
# 200x60: from the login screen (F2), a technician alone and a supervisor
# twice are refused on screen and start nothing; a start with both
# passwords relays the recorded shell (a command typed through the console
# shows its output); the exit comes back to the console saying how it
# ended; the supervisor signs the minutes there; the recording is listed,
# shown with its check against the log and replayed through libvterm; a
# title escape typed in the session changes the pane's title live but not
# in the replay, which keeps the recording's timing (+ faster, e to the
# end); a recording altered afterwards fails the check in alarm colour and
# is not replayed; a supervisor ends a running session from the list and
# signs its minutes there. Then, at 80x24: other refusals (a wrong
# password, a drafter as technician, a second session), who may see the
# recordings, a resize during a session, the time limit's warning and end,
# a lockdown ending a session, and SIGTERM during one (the terminal
# restored, the daemon ends it). Every check reads the screen (tmux
# capture-pane) or the daemon's state.
. "$(dirname "$0")/lib.sh"
CON_NAME=con4
. "$(dirname "$0")/conlib.sh"
TEMP='Tam#Thoi2026x'
TPW='Ky#Thuat2026y'
trap 'touch "$T/bg.done"; con_cleanup; cleanup' EXIT

# The pane's title, which the terminal's programs may set (OSC 0).
title() { "${TM[@]}" display-message -p -t "$PANE" '#{pane_title}'; }
# The screen's line holding TEXT is drawn white on red (SGR 41).
in_alarm() {
	"${TM[@]}" capture-pane -e -p -t "$PANE" | grep -F -- "$1" |
	    grep -q '41m'
}
# The screen shows every TEXT / none of the TEXTs.
shows_all() {
	local s p
	s=$(screen)
	for p; do grep -qF -- "$p" <<<"$s" || return 1; done
}
shows_none() {
	local s p
	s=$(screen)
	for p; do ! grep -qF -- "$p" <<<"$s" || return 1; done
}
# matctl repair show N (as the supervisor) has a line matching RE.
ctl_show() { sctl repair show "$1" 2>/dev/null | grep -qE -- "$2"; }
ctl_list() { sctl repair list 2>/dev/null | grep -qE -- "$1"; }
# Sessions the daemon lists, and repair starts in the log.
sessions() { sctl repair list 2>/dev/null | grep -c '^[0-9]'; }

: >"$T/console.err"
write_conf
check "daemon starts" start_daemon
check "provisioning" provision
# account NAME ROLE PASSWORD: made by the supervisor, its own password set.
account() {
	as "$SUP" "$PW\n$TEMP\n" account add "$1" --roles "$2" >/dev/null 2>&1
	as "$1" "$TEMP\n$3\n" passwd >/dev/null 2>&1
}
account kythuat technician "$TPW"
IPW='C0ngan#2026q'
DPW='Soan#Thao2026z'
account congan inspector "$IPW"
account soanthao drafter "$DPW"
check "a technician, an inspector and a drafter exist" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' account list | grep -c 'kythuat\|congan\|soanthao' | grep -qx 3"

# bg_session REASON: a session started by matctl meanwhile (BG its pid),
# its shell waiting until $T/bg.done exists (30 s at most).
bg_session() {
	rm -f "$T/bg.done"
	{ printf '%s\n%s\n' "$PW" "$TPW"
	  for i in $(seq 300); do [ -e "$T/bg.done" ] && break; sleep 0.1; done; } |
	    ctl repair start --technician kythuat --supervisor "$SUP" \
	    --reason "$1" >"$T/bg.out" 2>"$T/bg.err" &
	BG=$!
	for i in $(seq 100); do grep -qa '\[repair ' "$T/bg.out" && break; sleep 0.1; done
}

# The start form: supervisor, password, technician, password, reason.
start_form() {
	text "$1"; keys Tab; text "$2"; keys Tab; text "$3"; keys Tab
	text "$4"; keys Tab; text "$5"; keys Enter
}

repair() {
	local w=$1 h=$2 n0 s0 n off cast
	SZ="${w}x${h}"
	con_start "$w" "$h"
	see "the login screen offers a repair session (F2)" "F2: phiên sửa chữa"
	keys F2
	see "F2: the repair form, no login needed" "Sửa chữa cần thủ trưởng và kỹ thuật viên"
	n0=$(sessions)
	s0=$(log_count repair.start)

	# -- two people: a technician alone, a supervisor twice --
	start_form "" "" kythuat "$TPW" "Thay ổ cứng"
	see "attack: a technician alone is refused, with the reason" \
	    "Sửa chữa cần hai người"
	start_form "$SUP" "$PW" "$SUP" "$PW" "Thay ổ cứng"
	see "attack: the supervisor as the technician too is refused" \
	    "Sửa chữa cần hai người"
	check "$SZ: ... no session started (list, log: repair.start $s0)" \
	    test "$(sessions)" -eq "$n0" -a "$(log_count repair.start)" -eq "$s0"
	check "$SZ: ... both refusals logged" \
	    test "$(log_count repair.refused)" -ge $((2 * ${RUN:-1}))

	# -- a session through the console --
	start_form "$SUP" "$PW" kythuat "$TPW" "Thay ổ cứng hỏng"
	see "both passwords: the recorded shell's prompt" "[repair " 15
	n=$(screen | sed -n 's/.*\[repair \([0-9]*\)\].*/\1/p' | head -1)
	check "$SZ: the daemon says session $n is running" ctl_list "^$n .*running"
	text 'echo mk-$((6*7))'; keys Enter
	see "a command typed through the console: its output" "mk-42"
	keys C-c C-z 'C-\'
	text 'echo "con-$((2+3))-song"'; keys Enter
	see "Ctrl-C, Ctrl-Z, Ctrl-\\ went to the shell, the console still relays" "con-5-song"
	text "printf '\\033]0;owned\\007'"; keys Enter
	sleep 0.5
	check "$SZ: a title escape in the live session reaches the terminal (the attack is real)" \
	    test "$(title)" = owned
	text exit; keys Enter
	see "exit: back in the console, saying how it ended" \
	    "Phiên sửa chữa số $n đã kết thúc: kỹ thuật viên đã thoát khỏi shell"
	check "$SZ: ... the daemon has its end (exit)" ctl_list "^$n .*exit"

	# -- the minutes, signed at the console --
	see "the minutes' form follows, the supervisor named" "Biên bản phiên sửa chữa số $n"
	keys Tab; text "Wrong#Pass1"; keys Tab; text "Thay ổ cứng SATA"; keys Tab
	text "Đã thay ổ, không mở tài liệu"; keys Enter
	see "attack: a wrong password signs nothing" "Biên bản chưa được ký"
	check "$SZ: ... the daemon has it unsigned" ctl_show "$n" "^signed-by +-$"
	keys Tab; text "$PW"; keys Enter Enter Enter
	see "signed: the minutes shown" "BIÊN BẢN SỬA CHỮA"
	check "$SZ: ... with what was done and the technician's account" \
	    shows_all "Thay ổ cứng SATA" "Đã thay ổ, không mở"
	check "$SZ: matctl repair show says signed by the supervisor" \
	    ctl_show "$n" "^signed-by +$SUP"
	keys Escape
	see "Esc: the login screen" "Đăng nhập bằng tài khoản"

	# -- the recordings --
	login "$SUP" "$PW"
	see "the supervisor is home, the menu names repairs" "m sửa chữa"
	keys m
	see "m: the list of repair sessions" "Các phiên sửa chữa"
	check "$SZ: ... session $n's row: signed, both people, the reason" \
	    screen_grep -qE "^ *$n +đã thoát shell, đã ký +$SUP +kythuat .*Thay ổ"
	keys End Enter
	see "Enter: the session shown, checked against the log" "ok: "
	check "$SZ: ... its state in words" shows "Trạng thái: đã thoát shell, đã ký"
	check "$SZ: ... 'ok: N parts match the log'" \
	    screen_grep -qE "Đối chiếu với nhật ký: ok: [0-9]+ parts match"
	keys End
	see "... with the minutes (End)" "Thay ổ cứng SATA"
	keys Escape
	"${TM[@]}" select-pane -t "$PANE" -T clean
	cast=$T/state/repair/$n.cast
	t42=$(tail -n +2 "$cast" | jq -r 'select(.[1] == "o" and (.[2] | test("mk-42"))) | .[0]' | head -1)
	t0=$(date +%s%N)
	keys p
	see "p: the replay shows the command's output" "mk-42" 15
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	check "$SZ: ... at the recording's time (${ms} ms for ${t42} s recorded)" \
	    awk -v ms="$ms" -v t="$t42" 'BEGIN { exit !(t != "" && ms >= t * 1000 - 100 && ms <= t * 1000 + 3000) }'
	see "... to its end" "hết bản ghi phiên" 15
	check "$SZ: ... rendered by libvterm: the typed command and the prompt" \
	    shows_all 'echo mk-$((6*7))' "[repair $n]"
	check "$SZ: ... the recording's title escape did not reach the terminal" \
	    test "$(title)" = clean
	check "$SZ: ... the frame says the recording's size" shows "${w}×${h}"
	keys Escape
	see "Esc: the list" "Các phiên sửa chữa"
	keys p + + +
	see "+: up to 8x" "×${h}  8x  "
	keys e
	see "e: straight to the end" "hết bản ghi phiên" 2
	check "$SZ: ... the output there" shows "mk-42"
	keys Escape
	see "Esc: the list" "Các phiên sửa chữa"

	# -- a recording altered afterwards --
	off=$(grep -a -b -o 'mk-42' "$cast" | head -1 | cut -d: -f1)
	flip_byte "$cast" $((off + 3))
	check "$SZ: one byte flipped in $n.cast (mk-42 is now mk-52)" grep -q 'mk-52' "$cast"
	keys Enter
	see "attack: the altered recording fails the check" "FAILED"
	check "$SZ: ... in alarm colour (white on red)" in_alarm FAILED
	check "$SZ: ... the daemon says so too" ctl_show "$n" "^verified +FAILED"
	keys Escape p
	see "attack: its replay is refused with the alarm" "BÁO ĐỘNG: bản ghi phiên không khớp"
	check "$SZ: ... in alarm colour" in_alarm "BÁO ĐỘNG"
	check "$SZ: ... nothing of the altered recording shown" \
	    shows_none mk-42 mk-52 "[repair $n]"
	keys Escape
	see "Esc: the list" "Các phiên sửa chữa"

	# -- a supervisor ends a running session from the list --
	bg_session "Kiểm tra"
	m=$((n + 1))
	keys r
	see "r: a session started meanwhile is listed, running" "đang chạy"
	keys End e
	see "e: the end is asked to confirm" "Kết thúc phiên sửa chữa số $m ngay?"
	keys Enter
	see "... the session is ended" "Phiên sửa chữa số $m đã được kết thúc."
	wait "$BG"
	check "$SZ: ... the technician's terminal was told: a supervisor ended it" \
	    grep -q "repair session ended (supervisor)" "$T/bg.err"
	check "$SZ: ... the daemon has it ended by the supervisor" ctl_list "^$m .*supervisor"
	touch "$T/bg.done"

	# -- its minutes, from the list --
	see "the list follows the end: ended by the supervisor, not signed" \
	    "thủ trưởng dừng, chưa ký"
	keys k
	see "k: the minutes' form for the unsigned session" "Biên bản phiên sửa chữa số $m"
	keys Tab; text "$PW"; keys Tab; text "Kiểm tra nguồn"; keys Tab
	text "Dừng giữa chừng"; keys Enter
	see "... signed, the minutes shown" "BIÊN BẢN SỬA CHỮA"
	check "$SZ: ... the daemon has them signed" ctl_show "$m" "^signed-by +$SUP"
	keys Escape
	see "... back to the list, the session signed" "thủ trưởng dừng, đã ký"
	keys Escape
	see "home" "Trang chính"
	keys F10
	see "logout" "Đăng nhập bằng tài khoản"
	keys Escape
	see "Esc leaves the console" EXITED
	check "$SZ: the terminal's settings are restored" \
	    cmp -s "$T/stty.before" "$T/stty.after"
}

# Who may see the recordings, then what ends a session besides its
# technician: the time limit (after a warning) and a lockdown; and a
# resized terminal during it. At 80x24 (the events do not depend on the
# size), on a test clock of 12 s.
events() {
	local n
	SZ="80x24"
	con_start 80 24
	see "the login screen" "Đăng nhập bằng tài khoản"
	n=$(sessions)
	keys F2
	start_form "$SUP" "$PW" kythuat "Wrong#Pass1" "Thử"
	see "attack: a wrong technician's password is refused" \
	    "Sai tên tài khoản hoặc mật khẩu"
	start_form "$SUP" "$PW" soanthao "$DPW" "Thử"
	see "attack: a drafter is no technician" "Không được phép"
	check "$SZ: ... the reason is the daemon's" shows "not a technician"
	bg_session "Song song"
	start_form "$SUP" "$PW" kythuat "$TPW" "Thử"
	see "attack: a second session while one runs is refused" \
	    "Đang có một phiên sửa chữa khác"
	check "$SZ: ... none of the three started one (only matctl's)" \
	    test "$(sessions)" -eq $((n + 1))
	check "the supervisor ends matctl's" sctl repair end $((n + 1))
	touch "$T/bg.done"
	wait "$BG"
	keys Escape
	see "Esc: the login screen" "Đăng nhập bằng tài khoản"
	login soanthao "$DPW"
	see "a drafter is home" "m sửa chữa"
	keys m
	see "attack: a drafter is refused the recordings, with the reason" "Không được phép"
	check "$SZ: ... and sees no row" shows_none kythuat "Thay ổ"
	keys F10
	see "logout" "Đăng nhập bằng tài khoản"
	login congan "$IPW"
	keys m
	see "an inspector lists the recordings" "đã thoát shell, đã ký"
	keys End Enter
	see "... and sees the last session, checked against the log" "Đối chiếu với nhật ký: ok"
	keys Escape Escape F10
	see "logout" "Đăng nhập bằng tài khoản"
	con_stop

	stop_daemon
	printf '[repair]\ntest_limit_seconds = 12\n' >>"$T/conf"
	check "the daemon restarts with a 12 s limit" start_daemon
	con_start 80 24
	see "the login screen" "Đăng nhập bằng tài khoản"
	keys F2
	start_form "$SUP" "$PW" kythuat "$TPW" "Thời hạn"
	see "a session on the test clock" "[repair " 15
	n=$(screen | sed -n 's/.*\[repair \([0-9]*\)\].*/\1/p' | head -1)
	"${TM[@]}" resize-window -t "$PANE" -x 100 -y 30
	text 'stty size'; keys Enter
	see "a resized terminal: the shell gets the new size" "30 100"
	see "the warning before the limit, shown in the session" \
	    "[matkiosk] Phiên sửa chữa sẽ kết thúc sau" 12
	see "the limit ends it: the console says so" \
	    "Phiên sửa chữa số $n đã kết thúc: đã hết thời gian cho phép" 15
	check "$SZ: ... the daemon logged the end at the limit" \
	    bash -c "'$BIN/matverify' --records --key '$K0' '$T/state/log' | grep repair.end | grep -q 'end=time-limit'"
	keys Escape
	see "Esc: the minutes later; the login screen" "Đăng nhập bằng tài khoản"
	"${TM[@]}" resize-window -t "$PANE" -x 80 -y 24

	keys F2
	start_form "$SUP" "$PW" kythuat "$TPW" "Mạng"
	see "another session" "[repair $((n + 1))]" 15
	text 'ip link add mkc0 type veth peer name mkc1 && ip link set mkc0 up; sleep 3; echo "van-$((2+2))-con"'
	keys Enter
	see "a link brought up in the session: the console shows the lockdown" \
	    "KHÓA KHẨN CẤP: máy đã bị khóa"
	check "$SZ: ... the shell was stopped, the console never relayed its rest" \
	    shows_none "van-4-con"
	check "$SZ: ... the daemon ended the session as an incident" \
	    bash -c "'$BIN/matverify' --records --key '$K0' '$T/state/log' | grep repair.end | grep -q 'end=incident'"
	nsenter -t "$(daemon_pid)" -n ip link del mkc0 2>/dev/null
	check "the supervisor clears the lockdown" \
	    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' lockdown clear >/dev/null 2>&1"
	see "the console is back at the login screen" "Đăng nhập bằng tài khoản"

	# The console told to stop during a session: its terminal restored,
	# the daemon ends the session.
	keys F2
	start_form "$SUP" "$PW" kythuat "$TPW" "Dừng"
	see "a third session" "[repair $((n + 2))]" 15
	con_stop
	see "SIGTERM during a session: the console exits" EXITED
	check "$SZ: ... the terminal's settings are restored" \
	    cmp -s "$T/stty.before" "$T/stty.after"
	for i in $(seq 50); do ctl_list "^$((n + 2)) .*disconnected" && break; sleep 0.1; done
	check "$SZ: ... the daemon ended the session (disconnected)" \
	    ctl_list "^$((n + 2)) .*disconnected"
}

RUN=1
repair 80 24
RUN=2
[ -n "${ONE:-}" ] || repair 200 60
events

check "the log verifies" verify_log
check "no sanitizer report from the console" \
    bash -c "! grep -q 'Sanitizer' '$T/console.err'"
