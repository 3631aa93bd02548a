#!/bin/bash
# The console's media screens (issue 8) driven in tmux against the real
# daemon at 80x24 and 200x60. The daemon runs in a umockdev bed whose
# SanDisk stick carries a block child with the MAJ:MIN of a loop device
# over an ext4 image (medialib.sh, as t_media.sh): the supervisor updates
# the virus signatures from the stick (a broken file refused), registers
# a receiving workstation and is refused a plaintext Tuyệt mật copy; a
# drafter is refused the update, a workstation and an unregistered
# device, sees a hostile file name escaped (and cannot import it),
# imports a clean file, is stopped by the EICAR file with the alarm (a
# Cao incident, nothing imported), copies a Tối mật document out as a
# transfer package (refused without approval, not approved with a wrong
# supervisor password, made with the right one), imports that package
# back, is refused an altered copy of it, and is interrupted by a
# lockdown.
# Every check reads the screen (tmux capture-pane), the daemon's log or
# state, or the medium's image.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/medialib.sh"
CON_NAME=con3
. "$(dirname "$0")/conlib.sh"

SER=4C530001230517118283	# the SanDisk stick of the fixtures
TEMP='Tam#Thoi2026x'
DPW='Soan#Thao2026'
LOOP_A=

trap 'con_cleanup; media_cleanup "$DPID"; cleanup' EXIT

# --- the stick: a clean file, EICAR, the test signatures, a hostile name
mkdir -p "$T/files/docs"
printf 'Công văn số 7/CV: nội dung mật.\n' >"$T/files/docs/congvan.txt"
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' \
    'ANTIVIRUS-TEST-FILE!$H+H*' >"$T/files/eicar.com"
cp "$DATA/av/test.hdb" "$T/files/test.hdb"
printf 'not a signature\n' >"$T/files/broken.hdb"
# A name that would set the terminal's title if printed raw.
printf 'x\n' >"$T/files/"$'\e]0;owned\a'"-tieude.txt"
LOOP_A=$(new_image "$T/stick.img" 32 "$T/files") && LOOPS+=("$LOOP_A")
check "a loop device over the stick's ext4 image" test -b "$LOOP_A"
media_bed usb1/1-1/1-1.1="$LOOP_A"

: >"$T/console.err"
conf_for "$T"
DPID=$(start_ws "$T")
check "the daemon starts in a bed with the stick" wait_ws "$T"
provision || { not_ok "provisioning"; exit 1; }
as "$SUP" "$PW\n$TEMP\n" account add tranvanb --roles drafter >/dev/null 2>&1
as tranvanb "$TEMP\n$DPW\n" passwd >/dev/null 2>&1
check "the stick is registered for import and export" \
    sctl usb register 1-1.1 --label "Thẻ nhớ văn thư" --owner "$SUP" \
    --direction both
printf 'Kế hoạch tối mật\n' >"$T/toimat.txt"
DOCT=$(as tranvanb "$DPW\n" doc import "$T/toimat.txt" --class toi-mat \
    --title "Kế hoạch")
check "a Tối mật document to copy out" test ${#DOCT} -eq 32
DOCY=$(as "$SUP" "$PW\n" doc import "$T/toimat.txt" --class tuyet-mat \
    --title "Dự thảo")
check "a Tuyệt mật document" test ${#DOCY} -eq 32
read -r _ ASIGN < <(sctl workstation self | grep signpub)
read -r _ AXFER < <(sctl workstation self | grep xferpub)
WS=phongb

# The medium's files, read by the test from the image (the daemon has it
# mounted only during a request).
on_stick() {
	mkdir -p "$T/look"
	mount -o ro,noload "$LOOP_A" "$T/look" || return 1
	"$@"
	local rc=$?
	umount "$T/look"
	return $rc
}
# Moves the list's selection down to the row showing TEXT; the list's
# first row is line FIRST of the screen.
select_row() {
	local n i
	n=$(screen | grep -nF -- "$1" | head -1 | cut -d: -f1)
	[ -n "$n" ] || return 1
	for ((i = $2; i < n; i++)); do keys Down; done
	sleep 0.2
}
stick_files() { on_stick find "$T/look" -type f | grep -vc lost+found; }
# The daemon's own network namespace (start_ws: unshare -n).
in_daemon_ns() { nsenter -t "$(daemon_pid)" -n "$@"; }
stick_unmounted() { ! awk '{print $3}' /proc/self/mountinfo | grep -qx "$(devnum "$LOOP_A")"; }
docs_now() { as "$SUP" "$PW\n" doc list 2>/dev/null | wc -l; }
# The pane's title did not become the hostile name's "owned".
title_kept() { ! "${TM[@]}" display -p -t "$PANE" '#{pane_title}' | grep -q owned; }
# The screen as one line (the note wraps at word boundaries).
joined() { screen | tr '\n' ' ' | tr -s ' '; }
joined_has() { joined | grep -qE -- "$1"; }
# The alarm line is drawn white on red (SGR 41) when colours are on.
alarm_red() {
	"${TM[@]}" capture-pane -e -p -t "$PANE" |
	    grep -F 'BÁO ĐỘNG' | grep -q $'\e\\[[0-9;]*41[;m]'
}
# The copy note's fields: file, log record, package hash.
copy_note() {
	joined | sed -nE 's/.*Đã sao ra tệp ([^ ]+) \(bản ghi nhật ký số ([0-9]+)\), SHA-256 ([0-9a-f]{64}).*/\1 \2 \3/p'
}

media() {
	local w=$1 h=$2 n1 n2 n3 id file seq hash
	SZ="${w}x${h}"
	con_start "$w" "$h"
	see "the login screen" "Đăng nhập bằng tài khoản"

	# -- the supervisor: signatures from the stick, a workstation --
	login "$SUP" "$PW"
	see "the supervisor is home" "Trang chính"
	keys F3
	see "F3: the USB screen names the media keys" "a mẫu virus  w máy nhận"
	check "$SZ: the stick is in the list" select_row " 1-1.1 " 3
	n1=$(log_count 'av\.update\.failed')
	keys a
	see "a: the stick's files" "Thiết bị lưu trữ $SER:"
	select_row broken.hdb 4
	keys Enter Enter
	see "attack: a file that is no signature database is refused (AVDB)" \
	    "Không cập nhật được mẫu virus: Cơ sở dữ liệu mẫu virus" 30
	check "$SZ: ... av.update.failed in the log" \
	    test "$(log_count 'av\.update\.failed')" -eq $((n1 + 1))
	n1=$(log_count 'av\.update')
	n3=$(stick_files)
	keys a
	see "a: the stick's files, as many as the image holds" \
	    "Thiết bị lưu trữ $SER: $n3 tệp"
	select_row test.hdb 4
	keys Enter
	see "Enter: the update is confirmed first" "Nạp mẫu virus từ \"test.hdb\""
	keys Enter
	see "the update is made: the count of signatures" \
	    "Đã cập nhật mẫu virus: 1 mẫu." 30
	check "$SZ: ... av.update in the daemon's log" \
	    test "$(log_count 'av\.update')" -eq $((n1 + 1))
	keys w
	see "w: this workstation's own keys" "Khóa ký: $ASIGN"
	check "$SZ: ... both of them, whole" shows "Khóa truyền: $AXFER"
	keys a
	see "a: the form for a receiving workstation" "Thêm máy nhận"
	if [ "$w" = 80 ]; then
		# Its own keys stand in for the receiving workstation's.
		text "$WS"; keys Tab; text "$ASIGN"; keys Tab; text "$AXFER"
		see "the end of a long key shows while it is typed" \
		    "${AXFER:40}"
		keys Enter
		see "the workstation is added" "Đã thêm máy $WS."
	else
		text "${WS}x"; keys Tab; text "$ASIGN"; keys Tab
		text "$AXFER"; keys Enter
		see "attack: the same key under another name is refused" \
		    "Không thêm được: Đã tồn tại."
	fi
	check "$SZ: ... the daemon lists it, once" bash -c \
	    "test \"\$(printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' workstation list | grep -c ' $ASIGN ')\" -eq 1"
	check "$SZ: ... and so does the screen" shows "$WS"
	keys Escape
	see "Esc: back to the USB screen" "g đăng ký"

	# -- a plaintext copy of a Tuyệt mật document: never --
	n1=$(log_count 'copy\.begin')
	keys F2 c c c
	see "documents: the Tuyệt mật one" "Đang hiển thị: Tuyệt mật   (1)"
	keys o
	see "o: the copy-out form" "Sao \"Dự thảo\" (Tuyệt mật)"
	keys Down Right
	see "a plaintext copy chosen" "< không mã hóa >"
	keys Enter Enter
	see "attack: refused by the classification's rule (POLICY)" \
	    "Không sao ra được: Quy định đối với độ mật này không cho phép." 30
	check "$SZ: ... no copy.begin" test "$(log_count 'copy\.begin')" -eq "$n1"
	keys F10
	see "logout" "Đăng nhập bằng tài khoản"

	# -- a drafter: refused the signatures --
	login tranvanb "$DPW"
	see "the drafter is home" "Trang chính"
	keys F3
	see "F3: USB" "a mẫu virus"
	keys m
	see "attack: the root hub (first row) is no registered medium (MEDIUM)" \
	    "Không đọc được thiết bị lưu trữ: Thiết bị lưu trữ không được đăng ký"
	select_row " 1-1.1 " 3
	n1=$(log_count 'av\.update')
	keys a
	see "a: the stick's files" "Thiết bị lưu trữ $SER"
	select_row test.hdb 4
	keys Enter Enter
	see "attack: a drafter's signature update is refused, with the reason" \
	    "Không cập nhật được mẫu virus: Không được phép"
	check "$SZ: ... no av.update in the log" \
	    test "$(log_count 'av\.update')" -eq "$n1"
	keys w
	see "w: the drafter sees the registered workstations" "$WS"
	n1=$(log_count 'workstation\.add')
	keys a
	text "phongd"; keys Tab; text "$ASIGN"; keys Tab; text "$AXFER"
	keys Enter
	see "attack: a drafter cannot register a workstation" \
	    "Không thêm được: Không được phép"
	check "$SZ: ... no workstation.add in the log" \
	    test "$(log_count 'workstation\.add')" -eq "$n1"
	keys Escape
	see "Esc: back to USB" "a mẫu virus"

	# -- a hostile name, shown escaped --
	n3=$(stick_files)
	keys m
	see "m: the stick's files for import" "Thiết bị lưu trữ $SER: $n3 tệp"
	see "attack: a name with OSC 0 is shown escaped" \
	    '\x1b]0;owned\x07-tieude.txt'
	check "$SZ: ... the pane's title is unchanged" title_kept
	n1=$(log_count 'media\.import\.begin')
	select_row owned 4
	keys Enter
	see "attack: such a name cannot be imported, and says why" \
	    "tên tệp chứa ký tự điều khiển"
	check "$SZ: ... nothing asked of the daemon (no media.import.begin)" \
	    test "$(log_count 'media\.import\.begin')" -eq "$n1"
	check "$SZ: ... the title is still unchanged" title_kept

	# -- import of a clean file --
	keys m
	see "m: the files again" "Thiết bị lưu trữ $SER: $n3 tệp"
	n1=$(docs_now)
	n2=$(log_count 'media\.import')
	select_row docs/congvan.txt 4
	keys Enter
	see "Enter: the import form names the file and the medium" \
	    "Nhập \"docs/congvan.txt\" từ thiết bị lưu trữ $SER"
	check "$SZ: ... a package's classification is explained" \
	    shows "theo gói chuyển giao"
	check "$SZ: ... the title is the file's name" shows "congvan.txt"
	keys Tab
	for ((i = 0; i < 11; i++)); do keys BSpace; done
	text "Công văn $SZ"; keys Enter
	see "the import is made: id, size, type, hash" \
	    "Đã nhập văn bản" 60
	id=$(joined | sed -nE 's/.*Đã nhập văn bản ([0-9a-f]{32}) .*/\1/p')
	check "$SZ: ... the note gives the id, size, type and hash" joined_has \
	    "\\($(stat -c %s "$T/files/docs/congvan.txt") byte, tệp thường\\), SHA-256 $(sha256sum "$T/files/docs/congvan.txt" | cut -c1-64)"
	check "$SZ: ... one document more" test "$(docs_now)" -eq $((n1 + 1))
	check "$SZ: ... media.import logged with the serial and the path" \
	    bash -c "'$BIN/matverify' --records --key $K0 '$T/state/log' | grep -E '[[:space:]]media\.import[[:space:]]' | grep '$id' | grep 'serial=$SER' | grep -q 'path=docs/congvan.txt'"
	keys F2
	see "F2: the document is in the list" "Công văn $SZ"

	# -- EICAR, from the documents screen --
	n1=$(docs_now)
	n2=$(sctl incident list 2>/dev/null | grep -c 'malware')
	n3=$(stick_files)
	keys m
	see "m: the medium is chosen first" "Chọn thiết bị lưu trữ"
	keys Enter
	see "Enter: the stick's files" "Thiết bị lưu trữ $SER: $n3 tệp"
	select_row eicar.com 4
	keys Enter Enter Enter
	see "attack: the EICAR file raises the alarm" \
	    "BÁO ĐỘNG: CÓ MÃ ĐỘC TRÊN THIẾT BỊ LƯU TRỮ" 60
	check "$SZ: ... naming the signature and the incident" joined_has \
	    'Matkiosk\.Test\.EICAR.*incident [0-9]'
	check "$SZ: ... in the alarm colour" alarm_red
	check "$SZ: ... a Cao incident in the daemon" \
	    test "$(sctl incident list 2>/dev/null | grep -c 'malware')" -eq $((n2 + 1))
	check "$SZ: ... no document added" test "$(docs_now)" -eq "$n1"
	keys Enter
	see "Enter: back, the refusal in the note" \
	    "Không nhập được: Phát hiện mã độc"

	# -- copy-out of a Tối mật document --
	keys c c
	see "documents: the Tối mật ones" "Đang hiển thị: Tối mật"
	n1=$(log_count 'copy\.begin')
	n2=$(log_count 'copy\.done')
	keys o
	see "o: the copy-out form" "Sao \"Kế hoạch\" (Tối mật) ra thiết bị"
	check "$SZ: ... a transfer package by default" \
	    shows "< gói chuyển giao (đã mã hóa) >"
	check "$SZ: ... for the registered workstation" shows "< $WS >"
	keys Enter Enter Enter
	see "Tối mật: the approval form" "Bản sao này cần lãnh đạo duyệt" 30
	keys Escape
	see "attack: without approval the copy is refused" \
	    "Không sao ra được: Việc này cần thủ trưởng phê duyệt."
	check "$SZ: ... no copy.begin" test "$(log_count 'copy\.begin')" -eq "$n1"
	n3=$(stick_files)
	keys o
	see "o: the form again" "Sao \"Kế hoạch\""
	keys Enter Enter Enter
	see "the approval form" "Bản sao này cần lãnh đạo duyệt" 30
	text "$SUP"; keys Tab; text "Sai!mat9khau"; keys Enter
	see "attack: a wrong supervisor password approves nothing" \
	    "Không được phê duyệt"
	sleep 0.5
	check "$SZ: ... no copy.done in the log" \
	    test "$(log_count 'copy\.done')" -eq "$n2"
	check "$SZ: ... no new file on the medium" \
	    test "$(stick_files)" -eq "$n3"
	keys o
	see "o: the form again" "Sao \"Kế hoạch\""
	keys Enter Enter Enter
	see "the approval form" "Bản sao này cần lãnh đạo duyệt" 30
	text "$SUP"; keys Tab; text "$PW"; keys Enter
	see "with the supervisor's password typed here: copied out" \
	    "Đã sao ra tệp" 60
	read -r file seq hash < <(copy_note)
	check "$SZ: ... copy.done in the log, naming the file" \
	    bash -c "'$BIN/matverify' --records --key $K0 '$T/state/log' | grep -E '[[:space:]]copy\.done[[:space:]]' | grep -q 'file=$file'"
	check "$SZ: ... the log record shown is the copy.begin, approved" \
	    bash -c "'$BIN/matverify' --records --key $K0 '$T/state/log' | grep -E '^ *$seq[[:space:]].*copy\.begin' | grep 'approver=$SUP' | grep -q 'pkg_sha256=$hash'"
	check "$SZ: ... the package is on the medium, with the hash shown" \
	    on_stick bash -c "test -n '$file' && test \"\$(sha256sum '$T/look/$file' | cut -c1-64)\" = '$hash'"
	check "$SZ: ... and it does not hold the plaintext" \
	    on_stick bash -c "! grep -q 'Kế hoạch' '$T/look/$file'"

	# -- the package imported back (this workstation registered its own
	# keys as the receiver), then a copy of it altered by one byte --
	n1=$(docs_now)
	n3=$(stick_files)
	keys F3
	see "F3: USB" "a mẫu virus"
	select_row " 1-1.1 " 3
	keys m
	see "m: the stick's files, the package among them" "$file"
	select_row "$file" 4
	keys Enter
	see "a package: its classification comes from it" \
	    "< theo gói chuyển giao >"
	keys Enter Enter
	see "the package is imported" "byte, gói chuyển giao)," 60
	check "$SZ: ... the note gives the package's hash" \
	    joined_has "Đã nhập văn bản [0-9a-f]{32} \\([0-9]+ byte, gói chuyển giao\\), SHA-256 $hash"
	check "$SZ: ... a Tối mật document more, as the package said" \
	    test "$(docs_now)" -eq $((n1 + 1)) -a \
	    "$(as "$SUP" "$PW\n" doc list 2>/dev/null | grep -c 'Tối mật')" -ge 2
	mount "$LOOP_A" "$T/look" && cp "$T/look/$file" "$T/look/sua-$SZ.mkx" &&
	    flip_byte "$T/look/sua-$SZ.mkx" 300 && umount "$T/look"
	keys m
	see "m: the altered package is listed" "sua-$SZ.mkx"
	select_row "sua-$SZ.mkx" 4
	keys Enter Enter Enter
	see "attack: an altered package is refused (SIGNATURE)" \
	    "Không nhập được: Gói chuyển giao đã bị sửa đổi" 60
	check "$SZ: ... no document added" test "$(docs_now)" -eq $((n1 + 1))

	# -- a lockdown while the medium's files are listed --
	n2=$(log_count 'media\.import\.begin')
	keys m
	see "m: the files" "Thiết bị lưu trữ $SER:"
	in_daemon_ns ip link add mkm0 type veth peer name mkm1
	in_daemon_ns ip link set mkm0 up
	see "a link comes up: the lockdown screen replaces the list" \
	    "KHÓA KHẨN CẤP"
	check "$SZ: ... the medium is not mounted" stick_unmounted
	check "$SZ: ... and nothing was imported (no media.import.begin)" \
	    test "$(log_count 'media\.import\.begin')" -eq "$n2"
	in_daemon_ns ip link del mkm0
	text "$SUP"; keys Tab; text "$PW"; keys Enter
	see "once the link is gone, the supervisor clears the lockdown" \
	    "Đã gỡ khóa khẩn cấp."
	keys F10
	see "logout" "Đăng nhập bằng tài khoản"
	keys Escape
	see "Esc leaves the console" EXITED
}

media 80 24
[ -n "${ONE:-}" ] || media 200 60

# -- the inspector's export onto the stick (e on home), 80x24 --
SZ=80x24
IPW='Insp3ct#Vien26'
as "$SUP" "$PW\n$TEMP\n" account add congan --roles inspector >/dev/null 2>&1
as congan "$TEMP\n$IPW\n" passwd >/dev/null 2>&1
exports() { on_stick find "$T/look" -name 'matkiosk-export-*.tar' | wc -l; }
con_start 80 24
see "the login screen" "Đăng nhập bằng tài khoản"
login congan "$IPW"
see "the inspector is home, the menu names the export" "e xuất"
keys e
see "e: the medium is chosen" "Xuất dữ liệu kiểm tra"
keys Enter
see "... and the export asked about, naming the medium" "$SER"
keys Enter
see "a supervisor's approval is asked" "Mật khẩu của thủ trưởng"
text "$SUP"; keys Tab; text 'Sai#MatKhau99'; keys Enter
see "attack: a wrong supervisor's password approves nothing" "Không được phê duyệt"
check "$SZ: ... and no export is on the stick" test "$(exports)" -eq 0
keys e
see "e again: the medium" "Xuất dữ liệu kiểm tra"
keys Enter Enter
see "the approval again" "Mật khẩu của thủ trưởng"
text "$SUP"; keys Tab; text "$PW"; keys Enter
see "the export is made, its head shown" "matverify --key K0 --expect-head"
HEADSHOWN=$(screen | sed -n 's/.*--expect-head \([0-9]*:[0-9a-f]*\) FILE.*/\1/p' | head -1)
check "$SZ: one export on the stick" test "$(exports)" -eq 1
verify_export() {
	on_stick bash -c "'$BIN/matverify' --key '$K0' --expect-head '$HEADSHOWN' \
	    \"\$(find '$T/look' -name 'matkiosk-export-*.tar')\" | grep -q '^VERDICT: VALID'"
}
check "$SZ: matverify finds it valid to the head shown ($HEADSHOWN)" verify_export
check "$SZ: the stick is unmounted" stick_unmounted
keys Escape
see "Esc: home" "Trang chính"
keys F10
con_stop

check "no sanitizer report from the console" \
    bash -c "! grep -q 'Sanitizer' '$T/console.err'"
check "the daemon's log verifies" verify_log
