#!/bin/bash
# The supervisor's screens for backups (Article 10), restore, the
# whitelist and incidents (Article 12), in tmux at 80x24 and 200x60,
# against the real daemon in a umockdev bed whose USB sticks carry loop
# devices over ext4 images (medialib.sh, as t_media.sh): the supervisor
# registers a stick for backups on the USB screen, makes a backup onto it
# from the backup screen and runs the restore test; the backup is on the
# image and the status is no longer overdue. Attacks: a stick registered
# for import only is refused as a backup medium (nothing written to it),
# and a drafter is refused (no new generation). Then the machine is lost:
# a new installation restores from the stick through the provisioning
# wizard (after a wrong password that restores nothing); a stick is taken
# off the whitelist (x on the USB screen); an incident is shown, handled
# and closed (and cannot go back). Every check reads the screen or the
# daemon's state.
. "$(dirname "$0")/lib.sh"
CON_NAME=con5
. "$(dirname "$0")/conlib.sh"
. "$(dirname "$0")/medialib.sh"

SER=4C530001230517118283	# the SanDisk stick of the fixtures (1-1.1)
SMALL=0123456789ABCDEF		# the UASP drive (1-1.3)
TEMP='Tam#Thoi2026x'
DPW='Soan#Thao2026'
DPID=
trap 'con_cleanup; media_cleanup "$DPID"; cleanup' EXIT

mkdir -p "$T/empty"
LOOP_A=$(new_image "$T/stick.img" 64 "$T/empty") && LOOPS+=("$LOOP_A")
LOOP_S=$(new_image "$T/small.img" 8 "$T/empty") && LOOPS+=("$LOOP_S")
check "two loop devices over ext4 images" test -b "$LOOP_A" -a -b "$LOOP_S"
media_bed usb1/1-1/1-1.1="$LOOP_A" usb1/1-1/1-1.3="$LOOP_S"

conf_for "$T"
DPID=$(start_ws "$T")
check "the daemon starts in a bed with two sticks" wait_ws "$T"
provision || { not_ok "provisioning"; exit 1; }
as "$SUP" "$PW\n$TEMP\n" account add tranvanb --roles drafter >/dev/null 2>&1
as tranvanb "$TEMP\n$DPW\n" passwd >/dev/null 2>&1
printf 'Công văn mật số 5\n' >"$T/d1"
as "$SUP" "$PW\n" doc import "$T/d1" --class mat --title "CV5" >/dev/null 2>&1
check "the UASP drive is registered for import only (matctl)" \
    sctl usb register 1-1.3 --label "Nhập" --owner "$SUP" --direction import

# What is on an image (mounted read-only beside the daemon, then let go).
look() {
	mkdir -p "$T/look"
	mount -o ro,noload "$1" "$T/look" || return 1
	ls -A "$T/look/matkiosk-backup" 2>/dev/null
	umount "$T/look"
}
generations() { look "$LOOP_A" | grep -c '^manifest\.[0-9]*$'; }
# The backup's files are on the stick.
on_stick() {
	look "$LOOP_A" >"$T/ls.out" &&
	    grep -qx LATEST "$T/ls.out" && grep -q '^manifest\.' "$T/ls.out" &&
	    grep -q '^secrets\.' "$T/ls.out"
}
# Nothing but lost+found on the import stick.
untouched() { [ -z "$(look_all "$LOOP_S" | grep -vx lost+found)" ]; }
look_all() {
	mkdir -p "$T/look"
	mount -o ro,noload "$1" "$T/look" || return 1
	ls -A "$T/look"
	umount "$T/look"
}
unmounted() { ! awk '{print $3}' /proc/self/mountinfo | grep -qx "$(devnum "$1")"; }
not_overdue() { sleep 0.5; screen_lacks -q 'QUÁ HẠN'; }
# Moves the selection to the row holding $1 with key $2 (Up or Down).
select_row() {
	local i
	for i in $(seq 10); do
		"${TM[@]}" capture-pane -p -e -t "$PANE" | grep -F -- "$1" |
		    grep -q $'\e\[7m' && return 0
		keys "$2"
		sleep 0.2
	done
	return 1
}
: >"$T/console.err"

run() {
	local w=$1 h=$2 n0
	SZ="${w}x${h}"
	con_start "$w" "$h"
	see "the login screen" "Đăng nhập bằng tài khoản"
	login "$SUP" "$PW"
	see "the supervisor is home, the menu names the backup" "b sao lưu"
	if [ "$w" -eq 80 ]; then
		see "home says the backup is overdue" "QUÁ HẠN"
		# -- registering the stick for backups on the USB screen --
		keys F3
		see "F3: the USB screen lists the stick" "1-1.1"
		check "$SZ: ... selected" select_row "1-1.1 " Down
		keys g
		see "g: the registration form offers backups" "Đăng ký thiết bị USB"
		text "Sao lưu"; keys Tab Tab Right Right Right
		see "... the use \"sao lưu\"" "sao lưu"
		keys Enter
		see "the stick is registered" "Đã đăng ký thiết bị"
		check "$SZ: ... for backups, in the daemon's registry" \
		    grep -q "$SER.*backup\|backup.*$SER" "$T/state/usb-registry"
		keys F1
	fi
	see "home" "Trang chính"
	keys b
	see "b: the backup screen, with the last backup" "Lần sao lưu gần nhất"
	see "... listing the sticks by serial" "$SER"
	check "$SZ: ... and no hub (storage only)" screen_lacks -q "Host Controller"

	# -- attack: the stick registered for import only --
	check "$SZ: the import stick selected" select_row "$SMALL" Down
	n0=$(log_count backup)
	keys b
	see "b on the import stick: the question names it" "$SMALL"
	keys Enter
	see "attack: a stick not registered for backups is refused, with the reason" \
	    "not registered for backup"
	check "$SZ: ... nothing was written to it" untouched
	check "$SZ: ... and no backup was logged" test "$(log_count backup)" -eq "$n0"

	# -- the backup onto the registered stick --
	check "$SZ: the backup stick selected" select_row "$SER" Up
	keys b
	see "b on the backup stick: asked first" "$SER"
	keys Enter
	see "the backup is made, its generation shown" "Đã tạo bản sao lưu thế hệ"
	check "$SZ: the backup is on the stick (LATEST, manifest, secrets)" on_stick
	check "$SZ: ... and logged with the medium's serial" \
	    test "$(log_count backup "medium $SER")" -ge 1
	check "$SZ: the stick is unmounted again" unmounted "$LOOP_A"
	keys t
	see "t: the restore test passes" "Kiểm tra phục hồi đạt"
	see "... its findings in the viewer" "result"
	keys Escape
	see "Esc: back on the backup screen" "Lần sao lưu gần nhất"
	keys r
	check "$SZ: the last backup is no longer overdue" not_overdue
	keys Escape
	see "Esc: home" "Trang chính"
	keys F10
	see "logged out" "Đăng nhập bằng tài khoản"

	# -- attack: a drafter --
	n0=$(generations)
	login tranvanb "$DPW"
	see "the drafter is home" "Trang chính"
	keys b
	see "b: the drafter sees the backup screen" "Lần sao lưu gần nhất"
	check "$SZ: the drafter selects the backup stick" select_row "$SER" Up
	keys b Enter
	see "attack: the drafter's backup is refused, with the reason" \
	    "Không được phép"
	check "$SZ: ... no new generation on the stick ($n0)" \
	    test "$(generations)" -eq "$n0"
	keys F10
	con_stop
}

run 80 24
run 200 60
check "the log verifies after the console's backups" verify_log

# -- the machine is lost: a new installation restores from the stick --
SZ=80x24
check "a new installation starts with the stick plugged in" new_installation
con_start 80 24
see "the provisioning wizard offers the restore" "Esc: phục"
keys Escape
see "Esc: the restore screen lists the blocked sticks" "$SER"
check "$SZ: the backup stick selected" select_row "$SER" Up
keys Enter
see "Enter: the restore form names the stick" "Phục hồi bản sao lưu trên thiết bị $SER"
text "$SUP"; keys Tab; text 'Sai#MatKhau99'; keys Enter
see "attack: a wrong password restores nothing, with the reason" "Chưa phục hồi được"
check "$SZ: ... the machine is still new" test ! -e "$T/state/machine"
check "$SZ: ... and the stick blocked again ($(decision 1-1.1))" test "$(decision 1-1.1)" = block
check "$SZ: ... and unmounted" unmounted "$LOOP_A"
keys Enter
see "the form again" "Phục hồi bản sao lưu trên thiết bị $SER"
text "$SUP"; keys Tab; text "$PW"; keys Enter
see "restored: the login screen says so" "Đã phục hồi máy từ bản sao lưu"
check "$SZ: the stick is unmounted after the restore" unmounted "$LOOP_A"
check "$SZ: the restore is logged with the medium" \
    test "$(log_count machine.restore "medium $SER")" -eq 1
login "$SUP" "$PW"
see "the supervisor logs in on the restored machine" "Trang chính"
keys F2
see "the document is back" "CV5"
# -- taking the import stick off the whitelist (USB screen, x) --
keys F3
see "F3: the USB screen offers x" "x hủy đăng ký"
check "$SZ: the import stick selected" select_row "1-1.3 " Down
keys x
see "x: the form names the medium by its serial" "Hủy đăng ký thiết bị USB"
check "$SZ: ... the selected stick's serial filled in" shows "$SMALL"
keys Enter
see "the medium is off the whitelist" "đã được đưa ra khỏi danh sách cho phép"
check "$SZ: ... the registry no longer has it" \
    bash -c "! grep -q '$SMALL' '$T/state/usb-registry'"
check "$SZ: ... and the guard blocks it ($(decision 1-1.3))" \
    bash -c "sleep 0.5; test \"\$('$BIN/matctl' -c '$T/conf' usb list | awk '\$1 == \"1-1.3\" {print \$3}')\" = block"
# -- an incident reported, handled and closed at the console (F6) --
ID=$(as tranvanb "$DPW\n" incident report --level thap --summary "Mất ổ USB nhập" 2>/dev/null |
    grep -o '[0-9]\+' | head -1)
check "$SZ: a drafter reports an incident (matctl, $ID)" test -n "$ID"
keys F6
see "F6: the incidents screen offers h and c" "h đã xử lý"
listed_open() { sleep 0.5; screen | grep 'Mất ổ USB nhập' | grep -q 'đang mở'; }
check "$SZ: the incident is listed, open" listed_open
check "$SZ: the incident selected" select_row "Mất ổ USB nhập" Down
keys Enter
see "Enter: its report in the viewer" "summary: Mất ổ USB nhập"
keys Escape
keys h
see "h: the handling form names it" "Ghi nhận đã xử lý sự cố số $ID"
text "Đã thu hồi đăng ký thiết bị"; keys Enter
see "it is handled" "Sự cố số $ID: đã xử lý."
keys c
see "c: the closing form" "Đóng sự cố số $ID"
text "Kết thúc"; keys Enter
see "it is closed" "Sự cố số $ID: đã đóng."
check "$SZ: the daemon has it closed, with the notes" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' incident show '$ID' >'$T/inc.out' && grep -q 'closed' '$T/inc.out' && grep -q 'Đã thu hồi đăng ký thiết bị' '$T/inc.out'"
keys h
see "h on the closed incident: the form" "Ghi nhận đã xử lý sự cố số $ID"
keys Enter
see "attack: a closed incident cannot go back, with the reason" "Chưa thay đổi được"
check "$SZ: ... it stays closed" grep -q closed "$T/inc.out"
check "$SZ: two incident.update records, no third" test "$(log_count incident.update)" -eq 2
check "the restored log verifies" verify_log
check "no sanitizer report from the console" test ! -s "$T/console.err"
