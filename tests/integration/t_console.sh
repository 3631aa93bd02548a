#!/bin/bash
# The console (matkiosk) driven in tmux against the real daemon, at 80x24
# and at 200x60: the first-start wizard, refused logins and a lockout,
# a password change, USB devices with a hostile product string and a
# registration, importing and viewing a document holding terminal escapes,
# the log screen showing the import and paging, the lockdown screen the
# moment a link comes up in the daemon's network namespace, Vietnamese and
# English, Ctrl-C / Ctrl-Z / Ctrl-\ doing nothing, the terminal restored on
# exit; then the console as an unprivileged user. Every check reads the
# screen (tmux capture-pane) or the daemon's state.
. "$(dirname "$0")/lib.sh"
CON_NAME=con
. "$(dirname "$0")/conlib.sh"
DATA=$(cd "$(dirname "$0")/../data/usb" && pwd)
TEMP='Tam#Thoi2026x'
NEWPW='Moi#Khau2026y'
trap 'console_cleanup' EXIT

console_cleanup() {
	con_stop
	"${TM[@]}" kill-server 2>/dev/null
	chmod 700 "$T" 2>/dev/null
	cleanup
}

# The daemon sees the USB devices of tests/data/usb/bed.umockdev, among
# them a keyboard whose product string sets the terminal's title
# (ESC ] 0 ; owned BEL).
BED=(env TMPDIR="$T" LD_PRELOAD=libumockdev-preload.so.0
    "$BIN/tests/tools/usbbed" "$T/bed.root" "$DATA/bed.umockdev" --)

# ---- the terminal ----

# Every log row on the screen matches the pattern (and there is one).
only_rows_with() {
	local all
	all=$(screen_grep -cE '^ [0-9]+ ')
	[ "$all" -gt 0 ] && [ "$all" -eq "$(screen_grep -cE "^ [0-9]+ .*$1")" ]
}
title_of_pane() { "${TM[@]}" display -p -t "$PANE" '#{pane_title}'; }

# ---- one run of the scenario at a size ----

fresh_daemon() {
	stop_daemon
	[ -z "$NETNS" ] || ip netns del "$NETNS" 2>/dev/null
	rm -rf "$T/state" "$T/run" "$T/work" "$T/bed.root" "$T/usb.rules"
	write_conf
	cat >>"$T/conf" <<CONF
[daemon]
client_group = nogroup
[policy]
max_failed_logins = 3
lockout_minutes = 1
CONF
	make_netns && start_daemon
}

scenario() {
	local w=$1 h=$2 id top1 top2 t0 t1 rows total want idx
	SZ="${w}x${h}"
	check "$SZ: daemon starts in its network namespace" fresh_daemon
	con_start "$w" "$h"

	# -- provisioning, in Vietnamese by default --
	see "the first start shows the provisioning wizard, in Vietnamese" \
	    "Khởi tạo máy mới"
	see "with the password rules" "ít nhất 8 ký tự"
	keys C-c C-z 'C-\'
	sleep 0.5
	check "$SZ: attack: Ctrl-C, Ctrl-Z, Ctrl-\\ leave the console running" \
	    test -n "$(con_pid)"
	check "$SZ: ... on the same screen" wait_for "Khởi tạo máy mới" 1
	text "$SUP"; keys Tab
	text "Nguyễn Văn Giám"; keys Tab
	text "$PW"; keys Tab
	text "$PW"; keys Enter
	see "the recovery code is shown once" "Mã khôi phục:"
	check "$SZ: ... eight groups of four" \
	    screen_grep -qE '^[A-Z0-9]{4}(-[A-Z0-9]{4}){7}$'
	see "the sealing certificate with the log verification key" \
	    "log-verification-key:"
	check "$SZ: the daemon is provisioned" bash -c \
	    "'$BIN/matctl' -c '$T/conf' status | grep -q '^session'"
	keys Escape
	see "then the login screen" "Đăng nhập bằng tài khoản"

	# -- refusals and a lockout --
	text "$SUP"; keys Tab; text "Sai!mat9khau"; keys Enter
	see "a wrong password is refused, with the reason" \
	    "Sai tên tài khoản hoặc mật khẩu"
	printf '%s\n%s\n' "$PW" "$TEMP" | "$BIN/matctl" -c "$T/conf" -u "$SUP" \
	    account add nguyenvana --roles drafter >/dev/null 2>&1
	printf '%s\n%s\n' "$PW" "$TEMP" | "$BIN/matctl" -c "$T/conf" -u "$SUP" \
	    account add tranthib --roles drafter >/dev/null 2>&1
	for i in 1 2 3; do
		text nguyenvana; keys Tab; text "Sai!mat9khau$i"; keys Enter
		wait_for "Đăng nhập bằng tài khoản" 5
		sleep 0.3
	done
	see "after 3 failures: locked, until when" \
	    "Tài khoản bị khóa do đăng nhập sai quá nhiều lần, đến 20"
	text nguyenvana; keys Tab; text "$TEMP"; keys Enter
	sleep 1.5
	check "$SZ: attack: the right password while locked is still refused" \
	    screen_grep -q 'bị khóa do đăng nhập sai'
	check "$SZ: ... and leads nowhere else" screen_lacks -q 'Đổi mật khẩu'


	# -- a first login with a temporary password: the change --
	text tranthib; keys Tab; text "$TEMP"; keys Enter
	see "a temporary password leads to the password change" \
	    "Mật khẩu do người khác đặt"
	keys Tab; text "$TEMP"; keys Tab; text "$NEWPW"; keys Tab
	text "$NEWPW"; keys Enter
	see "the password is changed and the person logged in" \
	    "Đã đổi mật khẩu"
	keys F6
	see "incidents: a drafter may not list them" "Không được phép"
	keys n Right Right Tab
	text "Ổ USB lạ cắm vào máy"; keys Enter
	see "a drafter reports an incident" "Đã báo cáo sự cố số"
	check "$SZ: ... the daemon has it" bash -c "printf '%s\n' '$PW' | \
	    '$BIN/matctl' -c '$T/conf' -u '$SUP' incident list 2>/dev/null | \
	    grep -q 'Ổ USB lạ'"
	keys F10
	see "logout" "Đã đăng xuất"

	# -- the supervisor: home --
	text "$SUP"; keys Tab; text "$PW"; keys Enter
	see "login: the home screen" "Trang chính"
	see "home: the air gap at a glance" \
	    "Cách ly mạng: bảo đảm, không có kết nối mạng nào hoạt động"
	see "home: the USB devices present" "Thiết bị USB đang cắm (16)"
	see "home: a machine never backed up is shown overdue" \
	    "Sao lưu: QUÁ HẠN, hãy sao lưu ngay."
	see "home: open incidents" "Sự cố chưa xử lý: 1"
	if [ "$h" -ge 40 ]; then
		see "home: the open incident, listed" "Ổ USB lạ cắm vào máy"
	fi

	# -- USB: the hostile string, a registration --
	keys F3
	see "USB: the hostile product string shown escaped" \
	    'Keyboard\x1b]0;owned'
	check "$SZ: attack: the terminal's title was not set by a device" \
	    test "$(title_of_pane)" != owned
	# The console lists the devices in the daemon's order.
	idx=$("$BIN/matctl" -c "$T/conf" usb list |
	    awk '$1 == "1-1.1" { print NR - 1 }')
	for ((i = 0; i < idx; i++)); do keys Down; done
	keys g
	see "register: the form names the stick and its serial" \
	    "(0781:5567, số sê-ri 4C530001230517118283)"
	text "Ổ lưu trữ số 1"; keys Enter Enter Enter
	see "a supervisor registers a stick" "Đã đăng ký thiết bị."
	check "$SZ: ... and the daemon now allows it" bash -c \
	    "'$BIN/matctl' -c '$T/conf' usb list | grep -q '^1-1.1 .* allow '"
	check "$SZ: ... the kernel sees it authorized" \
	    test "$(cat "$(cat "$T/bed.root")/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.1/authorized" 2>/dev/null)" = 1

	# -- documents --
	keys F2
	see "documents: the empty list" "mọi độ mật"
	keys i
	text "$T/evil.txt"; keys Tab Right Tab
	text "Công văn 12"; keys Enter
	see "import: the document is imported" "Đã nhập:"
	id=$(screen | sed -n 's/.*Đã nhập: \([0-9a-f]\{32\}\).*/\1/p')
	check "$SZ: ... with the id the daemon lists" bash -c \
	    "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' doc list | grep -q '${id:-none}'"
	see "the list shows it, Tối mật" "Tối mật"
	keys Enter
	see "the viewer shows the document" "Dòng đầu tiên của văn bản"
	see "attack: escape sequences in the document are shown escaped" \
	    'Evil \x1b[31mred\x1b]0;pwned\x07 here'
	check "$SZ: ... and the terminal's title is untouched" \
	    test "$(title_of_pane)" != pwned
	keys Escape c
	see "filter by classification: Mật shows none" "Đang hiển thị: Mật   (0)"
	keys c
	see "... Tối mật shows it" "Đang hiển thị: Tối mật   (1)"
	keys c c
	see "... all classifications again" "mọi độ mật   (1)"

	# -- the log --
	keys F5
	see "the log screen shows the import" "doc.import "
	check "$SZ: ... with the document's id" \
	    screen_grep -qE "doc\.import +${id:0:12}"
	total=$(screen | sed -n 's/.*Nhật ký có \([0-9]*\) bản ghi.*/\1/p')
	rows=$(screen | grep -cE '^ [0-9]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} ')
	want=$((h - 7))
	[ "${total:-0}" -ge "$want" ] || want=${total:-0}
	check "$SZ: the log fills the screen ($rows rows of $want)" \
	    test "$rows" -eq "$want"
	top1=$(screen | grep -oE '^ [0-9]+ ' | head -1 | tr -d ' ')
	keys NPage
	sleep 0.5
	top2=$(screen | grep -oE '^ [0-9]+ ' | head -1 | tr -d ' ')
	if [ "${total:-0}" -gt $((h - 7)) ]; then
		check "$SZ: PgDn pages to older records ($top1 -> $top2)" \
		    test "${top2:-x}" -eq $((top1 - h + 7))
	else
		check "$SZ: PgDn at the end stays ($top1)" test "$top2" = "$top1"
	fi
	keys f; text "doc.import"; keys Enter Enter Enter Enter Enter
	see "filter by event: only doc.import records" "doc.import"
	check "$SZ: ... none other" only_rows_with ' doc\.import '


	# -- English by a key, and back --
	keys F8
	see "F8: English" "Audit log"
	keys F1
	see "English home" "Air gap: intact, no network link is up"
	keys F8
	see "F8 again: Vietnamese" "Cách ly mạng"

	# -- lockdown: a link comes up in the daemon's namespace --
	in_netns ip link add mkc0 type veth peer name mkc1
	t0=$(date +%s%N)
	in_netns ip link set mkc0 up
	if wait_for "KHÓA KHẨN CẤP" 5; then
		t1=$(date +%s%N)
		ok "$SZ: the lockdown screen appears ($(( (t1 - t0) / 1000000 )) ms after the link came up)"
	else
		not_ok "$SZ: the lockdown screen appears" "$(screen | head -5)"
	fi
	see "with the reason" "link mkc0 is up"
	keys F2
	sleep 0.3
	check "$SZ: attack: no screen is reachable in lockdown" \
	    wait_for "Khóa khẩn cấp" 1
	text "$SUP"; keys Tab; text "$PW"; keys Enter
	see "a supervisor cannot clear it while the link is up" \
	    "Chưa gỡ được khóa khẩn cấp"
	in_netns ip link del mkc0
	text "$SUP"; keys Tab; text "$PW"; keys Enter
	see "once the link is gone, the supervisor clears the lockdown" \
	    "Đã gỡ khóa khẩn cấp."
	see "and is home" "Trang chính"

	# -- accounts, the lock key --
	keys F4
	see "accounts: the supervisor's list" "tranthib"
	see "... with the names" "Nguyễn Văn Giám"
	keys F9
	see "F9 locks the screen" "Màn hình đã bị khóa. $SUP,"
	text "Sai!mat9khau"; keys Enter
	see "attack: a wrong password does not unlock it" \
	    "Sai tên tài khoản hoặc mật khẩu"
	text "$PW"; keys Enter
	see "the password unlocks it" "Trang chính"

	# -- leaving: the terminal restored --
	keys F10
	see "logout" "Đăng nhập bằng tài khoản"
	keys Escape
	see "Esc on the login screen (-x) leaves the console" EXITED
	check "$SZ: the terminal is restored on exit" \
	    cmp -s "$T/stty.before" "$T/stty.after"
}

printf 'Dòng đầu tiên của văn bản\nEvil \033[31mred\033]0;pwned\007 here\n' \
    >"$T/evil.txt"
: >"$T/console.err"

scenario 80 24
scenario 200 60
SZ=80x24

# -- English by the configuration --
printf '[console]\nlanguage = en\n' >>"$T/conf"
con_start 80 24
see "[console] language = en: the login screen in English" \
    "Log in with your account and password"
keys F8
see "F8 switches to Vietnamese" "Đăng nhập bằng tài khoản"

# -- SIGTERM: the terminal restored --
kill -TERM "$(con_pid)"
see "SIGTERM ends the console" EXITED
check "$SZ: ... with the terminal restored" \
    cmp -s "$T/stty.before" "$T/stty.after"
sed -i '/^\[console\]$/,$d' "$T/conf"

# -- the console as an unprivileged user --
# nobody, in the client group (nogroup here), reaches the socket; a user
# in another group is refused by the daemon's SO_PEERCRED check.
chmod 711 "$T"
# LeakSanitizer cannot inspect a process that changed its uid.
CON_ASAN=:detect_leaks=0
CON_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups"
con_start 80 24
see "unprivileged (nobody, client group): the login screen" \
    "Đăng nhập bằng tài khoản"
text "$SUP"; keys Tab; text "$PW"; keys Enter
see "unprivileged: the supervisor logs in" "Trang chính"
check "$SZ: ... the console runs as nobody" \
    test "$(ps -o uid= -p "$(con_pid)" | tr -d ' ')" = 65534
CON_WRAP="setpriv --reuid=65534 --regid=65533 --clear-groups"
con_start 80 24
see "attack: a user outside the client group cannot reach the daemon" \
    "Không kết nối được với bộ điều khiển"
check "$SZ: ... and gets no login screen" screen_lacks -q "Đăng nhập bằng"
chmod 700 "$T"
CON_WRAP=

# -- the console's own errors --
check "no sanitizer report from the console" \
    bash -c "! grep -q 'Sanitizer' '$T/console.err'"
# Every string the console shows has its Vietnamese translation.
check "every console string is in po/vi.po, translated" bash -c "
    cd '$(dirname "$0")/../..' &&
    xgettext --from-code=UTF-8 -k_ -kN_ -o '$T/ui.pot' ui/*.c ui/*.h &&
    msgcmp po/vi.po '$T/ui.pot' 2>'$T/msgcmp.err' &&
    ! msgattrib --untranslated po/vi.po | grep -q '^msgid \"[^\"]'"
