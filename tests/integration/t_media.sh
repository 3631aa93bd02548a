#!/bin/bash
# Media import and copy-out (issue 8) through the real daemon: the USB side
# is a umockdev bed (tests/data/usb fixtures) whose sticks carry a block
# child; its "dev" attribute holds the MAJ:MIN of a real loop device over an
# ext4 image, so the daemon's own udev code finds the simulated device and
# the kernel mounts the real image. libclamav scans with the test database
# tests/data/av/test.hdb; the EICAR file is written here, never committed.
# A second state directory is the receiving workstation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/medialib.sh"

SER=4C530001230517118283	# the SanDisk stick of the fixtures
SMALL=0123456789ABCDEF		# the UASP drive: a tiny medium
BPID=
trap 'media_cleanup "$BPID"; cleanup' EXIT

# --- the media: a large stick, a tiny drive, a composite device ---
mkdir -p "$T/files" "$T/none"
printf 'Công văn số 12/CV: nội dung mật.\n' >"$T/files/congvan.txt"
head -c 3000000 /dev/urandom >"$T/files/big.bin"
# EICAR, the anti-virus test file, made here.
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-' \
    'ANTIVIRUS-TEST-FILE!$H+H*' >"$T/files/eicar.com"
cp "$DATA/av/test.hdb" "$T/files/test.hdb"
printf 'not a signature\n' >"$T/files/broken.hdb"
ln -s /etc/passwd "$T/files/passwd-link"
LOOP_A=$(new_image "$T/stick.img" 400 "$T/files") && LOOPS+=("$LOOP_A")
LOOP_S=$(new_image "$T/small.img" 2 "$T/none") && LOOPS+=("$LOOP_S")
LOOP_C=$(new_image "$T/comp.img" 8 "$T/files") && LOOPS+=("$LOOP_C")
check "three loop devices over ext4 images" test -b "$LOOP_A" -a -b "$LOOP_S" -a -b "$LOOP_C"

media_bed usb1/1-1/1-1.1="$LOOP_A" usb1/1-1/1-1.3="$LOOP_S" usb1/1-5="$LOOP_C"

conf_for "$T"
DPID=$(start_ws "$T")
check "workstation A starts in a bed with the media" wait_ws "$T"
provision || { not_ok "provisioning"; exit 1; }

TEMP='Tam#Thoi2026x'
DPW='Soan#Thao2026'
as() {
	local who=$1 lines=$2
	shift 2
	printf '%b' "$lines" | "$BIN/matctl" -c "$T/conf" -u "$who" "$@"
}
as "$SUP" "$PW\n$TEMP\n" account add tranvanb --roles drafter >/dev/null 2>&1
as tranvanb "$TEMP\n$DPW\n" passwd >/dev/null 2>&1
dctl() { printf '%s\n' "$DPW" | "$BIN/matctl" -c "$T/conf" -u tranvanb "$@"; }
mounted() { grep -c "^$(devnum "$1") " <(awk '{print $3 " " $5}' /proc/self/mountinfo) || true; }

# --- attacks on mounting: unregistered, composite ---
dctl media list "$SER" >/dev/null 2>"$T/err"; rc=$?
check "attack: an unregistered stick is not mounted" \
    bash -c "test $rc -eq 1 && grep -q 'no registered medium' '$T/err'"
sctl usb register 1-5 --label x --owner "$SUP" --direction both 2>/dev/null
check "attack: a storage+keyboard device cannot be registered" \
    test ! -s "$T/state/usb-registry"
# A registry line for it anyway (a tampered or stale register): still
# never mounted, since it is blocked and not only storage.
CSER=$(sed -n 's/^H: serial=//p' <(fixture "$PCI/usb1/1-5") | xxd -r -p | tr -d '\n')
printf 'deadbeef\t0000:0000\t%s\tx\t%s\tboth\t0\n' "$CSER" "$SUP" >"$T/state/usb-registry"
dctl media list "$CSER" >/dev/null 2>"$T/err"; rc=$?
check "attack: a composite device named in the register is not mounted" \
    bash -c "test $rc -eq 1 && test $(mounted "$LOOP_C") -eq 0"
rm -f "$T/state/usb-registry"

check "the supervisor registers the stick for import and export" \
    sctl usb register 1-1.1 --label "Thẻ nhớ văn thư" --owner "$SUP" --direction both
check "the supervisor registers the small drive for export" \
    sctl usb register 1-1.3 --label "Ổ nhỏ" --owner "$SUP" --direction export

# --- listing ---
dctl media list "$SER" >"$T/list" 2>"$T/err"
check "media list shows the files of the stick" grep -q ' congvan.txt$' "$T/list"
check "media list does not show the symbolic link" bash -c "! grep -q passwd-link '$T/list'"
check "the medium is unmounted after the listing" test "$(mounted "$LOOP_A")" -eq 0
check "the private mount directory is gone" bash -c "! ls '$T/state/media/' 2>/dev/null | grep -q ."

# --- the scanner refuses to run without its database ---
dctl media import "$SER" congvan.txt --class mat >/dev/null 2>"$T/err"; rc=$?
check "no signature database: the import is refused" \
    bash -c "test $rc -eq 1 && grep -q 'signature database' '$T/err'"
check "no signature database: nothing imported" \
    test "$(dctl doc list 2>/dev/null | wc -l)" -eq 0
sctl av update "$SER" broken.hdb >/dev/null 2>"$T/err"; rc=$?
check "a broken signature database is refused" \
    bash -c "test $rc -eq 1 && grep -qi 'malformed' '$T/err'"
check "a drafter cannot update the signatures" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb av update $SER test.hdb 2>/dev/null"
check "the supervisor updates the signatures from the stick" \
    bash -c "sctl() { printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' \"\$@\"; }; sctl av update $SER test.hdb | grep -q 'signatures: 1'"
check "av.update and av.update.failed logged" \
    test "$(log_count 'av\.update')" -eq 1 -a "$(log_count 'av\.update\.failed')" -eq 1

# --- import of a clean file ---
DOC=$(dctl media import "$SER" congvan.txt --class mat 2>"$T/err")
check "a clean file is imported" test ${#DOC} -eq 32
dctl doc cat "$DOC" >"$T/back" 2>/dev/null
check "the imported document reads back identical" cmp -s "$T/back" "$T/files/congvan.txt"
SHA=$(sha256sum "$T/files/congvan.txt" | cut -c1-64)
check "media.import logged with serial, path, hash and class" \
    bash -c "'$BIN/matverify' --records --key $K0 '$T/state/log' | grep -E '[[:space:]]media\.import[[:space:]]' | grep -q '$SHA'"
check "media.import.begin logged before it" test "$(log_count 'media\.import\.begin')" -ge 1

# --- EICAR refused, incident, evidence ---
NDOCS=$(dctl doc list 2>/dev/null | wc -l)
dctl media import "$SER" eicar.com --class mat >/dev/null 2>"$T/err"; rc=$?
check "attack: the EICAR file is refused" \
    bash -c "test $rc -eq 1 && grep -q 'malware' '$T/err' && grep -q 'Matkiosk.Test.EICAR' '$T/err'"
check "the infected file is not in the vault" \
    test "$(dctl doc list 2>/dev/null | wc -l)" -eq "$NDOCS"
check "media.import.infected logged as Cao" test "$(log_count 'media\.import\.infected' Cao)" -eq 1
sctl incident list >"$T/inc" 2>/dev/null
check "a Cao incident is opened" grep -q 'malware' "$T/inc"
ESHA=$(sha256sum "$T/files/eicar.com" | cut -c1-64)
check "the evidence is kept in quarantine" cmp -s "$T/state/quarantine/$ESHA" "$T/files/eicar.com"

# --- paths that leave the medium ---
dctl media import "$SER" passwd-link --class mat >/dev/null 2>&1; rc=$?
check "attack: a symbolic link on the medium is not followed" test $rc -eq 1
dctl media import "$SER" ../../../../etc/passwd --class mat >/dev/null 2>&1; rc=$?
check "attack: a path with .. is refused" test $rc -eq 1
check "nothing mounted after the refusals" test "$(mounted "$LOOP_A")" -eq 0

# --- workstation B, the receiver ---
mkdir -p "$T/b"
conf_for "$T/b"
BPID=$(start_ws "$T/b")
check "workstation B starts" wait_ws "$T/b"
printf '%s\n' "$PW" | "$BIN/matctl" -c "$T/b/conf" init --supervisor "$SUP" \
    --full-name "Giám đốc B" --certificate "$T/b/cert.txt" >"$T/b/init.out" 2>&1
K0B=$(sed -n 's/^log-verification-key: \([0-9a-f]\{64\}\)$/\1/p' "$T/b/init.out")
bctl() { printf '%s\n' "$PW" | "$BIN/matctl" -c "$T/b/conf" -u "$SUP" "$@"; }
bctl usb register 1-1.1 --label "Thẻ nhớ" --owner "$SUP" --direction both
bctl av update "$SER" test.hdb >/dev/null
read -r _ ASIGN < <(sctl workstation self | grep signpub)
read -r _ AXFER < <(sctl workstation self | grep xferpub)
read -r _ BSIGN < <(bctl workstation self | grep signpub)
read -r _ BXFER < <(bctl workstation self | grep xferpub)
check "A registers B as a receiving workstation" sctl workstation add phong-b "$BSIGN" "$BXFER"
check "B registers A" bctl workstation add phong-a "$ASIGN" "$AXFER"
check "workstation list shows B" bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP workstation list | grep -q '^phong-b $BSIGN'"

# --- copy-out of a Tối mật document ---
printf 'Tài liệu Tối mật: kế hoạch.\n' >"$T/secret.txt"
TM=$(dctl doc import "$T/secret.txt" --class toi-mat 2>/dev/null)
dctl copy-out "$TM" --to "$SER" --package-for phong-b >/dev/null 2>"$T/err"; rc=$?
check "a Tối mật copy-out without approval is refused" \
    bash -c "test $rc -eq 1 && grep -q 'approval' '$T/err'"
check "no copy.begin for the refused copy" test "$(log_count 'copy\.begin')" -eq 0
as tranvanb "$DPW\n$PW\n" approve --approver "$SUP" --action copy-out --object "$TM" >/dev/null 2>&1
PKG=$(dctl copy-out "$TM" --to "$SER" --package-for phong-b 2>"$T/err")
check "with a supervisor's approval the copy is made" test -n "$PKG"
check "copy.begin then copy.done, by the drafter, approver named" \
    bash -c "'$BIN/matverify' --records --key $K0 '$T/state/log' | grep -E '[[:space:]]copy\.begin[[:space:]]' | grep 'tranvanb' | grep -q 'approver=$SUP'"
check "copy.done logged" test "$(log_count 'copy\.done')" -eq 1
check "the medium is unmounted after the copy" test "$(mounted "$LOOP_A")" -eq 0
# The package on the image, read by the test itself.
mkdir -p "$T/look"
mount -o ro,noload "$LOOP_A" "$T/look"
check "the package is on the stick under its final name" test -n "$PKG" -a -s "$T/look/$PKG"
check "no partial file is left" bash -c "! ls -a '$T/look' | grep -q matkiosk-partial"
check "the package does not hold the plaintext" bash -c "! grep -q 'kế hoạch' '$T/look/$PKG'"
cp "$T/look/$PKG" "$T/pkg.mkx"
umount "$T/look"
PSHA=$(sha256sum "$T/pkg.mkx" | cut -c1-64)
dctl copy-out "$TM" --to "$SER" --package-for phong-b >/dev/null 2>&1; rc=$?
check "the approval was for one copy: a second is refused" test $rc -eq 1

# --- B imports the package ---
RID=$(bctl media import "$SER" "$PKG" 2>"$T/err")
check "B imports the transfer package" test ${#RID} -eq 32
bctl doc cat "$RID" >"$T/b/back" 2>/dev/null
check "B's document has identical bytes" cmp -s "$T/b/back" "$T/secret.txt"
bctl doc list >"$T/b/list" 2>/dev/null
check "B keeps the classification (Tối mật)" grep -q 'Tối mật' "$T/b/list"
ALOG=$("$BIN/matverify" --records --key "$K0" "$T/state/log")
BLOG=$("$BIN/matverify" --records --key "$K0B" "$T/b/state/log")
check "A's copy.begin names the package hash" bash -c "grep -E '[[:space:]]copy\.begin[[:space:]]' <<<'$ALOG' | grep -q 'pkg_sha256=$PSHA'"
check "B's media.import names the same package hash" bash -c "grep -E '[[:space:]]media\.import[[:space:]]' <<<'$BLOG' | grep -q 'file_sha256=$PSHA'"
TSHA=$(sha256sum "$T/secret.txt" | cut -c1-64)
check "both logs name the same document hash" \
    bash -c "grep -E '[[:space:]]copy\.begin[[:space:]]' <<<'$ALOG' | grep -q 'sha256=$TSHA' && grep -E '[[:space:]]media\.import[[:space:]]' <<<'$BLOG' | grep -q 'sha256=$TSHA'"

# --- a package altered by one byte ---
for off in 100 300 $(( $(stat -c %s "$T/pkg.mkx") - 10 )); do
	cp "$T/pkg.mkx" "$T/bad.mkx"
	flip_byte "$T/bad.mkx" "$off"
	mount "$LOOP_A" "$T/look" && cp "$T/bad.mkx" "$T/look/bad.mkx" && umount "$T/look"
	bctl media import "$SER" bad.mkx >/dev/null 2>"$T/err"; rc=$?
	check "attack: a package altered at byte $off is refused" \
	    bash -c "test $rc -eq 1 && grep -qi 'signature\|altered\|not a valid' '$T/err'"
done
# A package from an unregistered workstation (A's package given to A).
sctl media import "$SER" "$PKG" >/dev/null 2>"$T/err"; rc=$?
check "attack: a package not addressed to this workstation is refused" test $rc -eq 1

# --- plaintext copies ---
TY=$(dctl doc import "$T/secret.txt" --class tuyet-mat 2>/dev/null)
sctl copy-out "$TY" --to "$SER" --plaintext >/dev/null 2>"$T/err"; rc=$?
check "a Tuyệt mật document is never copied out in plaintext" \
    bash -c "test $rc -eq 1 && grep -q 'never' '$T/err'"
dctl copy-out "$DOC" --to "$SER" --plaintext >/dev/null 2>&1; rc=$?
check "a drafter's plaintext copy without approval is refused" test $rc -eq 1
as tranvanb "$DPW\n$PW\n" approve --approver "$SUP" --action copy-out --object "$DOC" >/dev/null 2>&1
PLN=$(dctl copy-out "$DOC" --to "$SER" --plaintext 2>/dev/null)
mount -o ro,noload "$LOOP_A" "$T/look"
check "with an approval the plaintext copy is made, identical" cmp -s "$T/look/$PLN" "$T/files/congvan.txt"
umount "$T/look"

# --- an import-only medium is never written ---
sctl copy-out "$DOC" --to "$SMALL" --plaintext >/dev/null 2>&1
check "the export medium registered for export only is not used for import" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb media list $SMALL 2>/dev/null"

# --- faults: a medium that fills up mid-copy ---
head -c 4000000 /dev/urandom >"$T/big4m"
BIG=$(sctl doc import "$T/big4m" --class mat 2>/dev/null)
DONE0=$(log_count 'copy\.done')
sctl copy-out "$BIG" --to "$SMALL" --plaintext >/dev/null 2>"$T/err"; rc=$?
check "fault: a full medium fails the copy with the reason" \
    bash -c "test $rc -eq 1 && grep -q 'full' '$T/err'"
check "fault: copy.failed logged, no copy.done" \
    test "$(log_count 'copy\.failed')" -ge 1 -a "$(log_count 'copy\.done')" -eq "$DONE0"
mount -o ro,noload "$LOOP_S" "$T/look"
check "fault: nothing that looks complete on the full medium" \
    bash -c "! ls -a '$T/look' | grep -q '$BIG'"
umount "$T/look"

# --- faults: kill -9 mid-copy ---
head -c 100000000 /dev/zero >"$T/huge"
HUGE=$(sctl doc import "$T/huge" --class mat 2>/dev/null)
DONE0=$(log_count 'copy\.done')
BEGIN0=$(log_count 'copy\.begin')
sctl copy-out "$HUGE" --to "$SER" --plaintext >/dev/null 2>&1 &
CPID=$!
# The daemon decrypts the document first (seconds under ASan), then
# writes: it is killed as soon as the partial file is on the medium.
cut=0
t_end=$((SECONDS + 180))
while [ $SECONDS -lt $t_end ]; do
	if [ "$(stat -c %s "$T"/state/media/m.*/mnt/.matkiosk-partial-* \
	    2>/dev/null || echo 0)" -gt 0 ]; then
		cut=1
		break
	fi
	kill -0 "$CPID" 2>/dev/null || break
	sleep 0.02
done
kill -9 "$(daemon_pid)"
wait "$CPID" 2>/dev/null
wait "$DPID" 2>/dev/null
DPID=
check "fault: the copy was cut short while writing" test $cut -eq 1
check "fault: after kill -9, copy.begin without copy.done" \
    test "$(log_count 'copy\.done')" -eq "$DONE0" -a "$(log_count 'copy\.begin')" -eq $((BEGIN0 + 1))
DPID=$(start_ws "$T")
check "the daemon restarts" wait_ws "$T"
check "the restart unmounted what the killed daemon left" test "$(mounted "$LOOP_A")" -eq 0
mount -o ro,noload "$LOOP_A" "$T/look"
check "fault: no file named as a finished copy of the cut document" \
    bash -c "! ls '$T/look' | grep -q '^$HUGE'"
umount "$T/look"
sctl copy-out "$DOC" --to "$SER" --package-for phong-b >/dev/null 2>&1
mount -o ro,noload "$LOOP_A" "$T/look"
check "the next copy to the medium removes the partial leftover" \
    bash -c "! ls -a '$T/look' | grep -q matkiosk-partial"
umount "$T/look"
check "A's log verifies" verify_log
check "B's log verifies" bash -c "'$BIN/matverify' --key $K0B '$T/b/state/log' >/dev/null 2>&1"

# --- the inspection export onto a medium registered for export ---
IPW='Insp3ct#Vien26'
as "$SUP" "$PW\n$TEMP\n" account add congan --roles inspector >/dev/null 2>&1
as congan "$TEMP\n$IPW\n" passwd >/dev/null 2>&1
as congan "$IPW\n" export inspection --to-medium "$SER" >/dev/null 2>"$T/ex.err"; rc=$?
check "attack: an export without a supervisor's approval is refused" \
    bash -c "test $rc -eq 1 && test $(mounted "$LOOP_A") -eq 0"
check "the inspector exports onto the stick with the supervisor's approval" \
    bash -c "printf '%s\n%s\n' '$IPW' '$PW' | '$BIN/matctl' -c '$T/conf' -u congan export inspection --to-medium '$SER' --approver '$SUP' >'$T/ex.out' 2>'$T/ex.err'"
EXF=$(sed -n 's/^export: medium [^:]*: \(matkiosk-export-.*\.tar\)$/\1/p' "$T/ex.out")
check "the stick is unmounted after the export" test "$(mounted "$LOOP_A")" -eq 0
mount -o ro,noload "$LOOP_A" "$T/look"
check "the export is on the stick ($EXF)" test -n "$EXF" -a -s "$T/look/$EXF"
check "matverify finds it valid, to the head the daemon named" \
    bash -c "'$BIN/matverify' --key '$K0' --expect-head \"\$(sed -n 's/^  log head seq \([0-9]*\) MAC \([0-9a-f]*\)$/\1:\2/p' '$T/ex.out')\" '$T/look/$EXF' | grep -q '^VERDICT: VALID'"
umount "$T/look"
check "the export is logged naming the medium" \
    test "$(log_count export "medium $SER")" -ge 1
as congan "$IPW\n$PW\n" export inspection --to-medium "$CSER" --approver "$SUP" >/dev/null 2>"$T/ex.err"; rc=$?
check "attack: an export onto the composite device (not registered) is refused, not mounted" \
    bash -c "test $rc -eq 1 && grep -q 'no registered medium' '$T/ex.err' && test $(mounted "$LOOP_C") -eq 0"

# --- backups to a medium registered for backups (issue 12) ---
sctl backup --to-medium "$SER" >"$T/bk.out" 2>"$T/bk.err"; rc=$?
check "a backup to a stick registered for import and export is refused" \
    bash -c "test $rc -eq 1 && test \"$(mounted "$LOOP_A")\" -eq 0"
check "the stick is unregistered" sctl usb unregister 1-1.1
check "and registered again, for backups" \
    sctl usb register 1-1.1 --label "Sao lưu" --owner "$SUP" --direction backup
dctl backup --to-medium "$SER" >/dev/null 2>&1; rc=$?
check "attack: a drafter cannot make a backup" test $rc -eq 1
check "the supervisor backs up to the medium" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' backup --to-medium '$SER' >'$T/bk.out' 2>'$T/bk.err' && grep -q '^backup generation 1:' '$T/bk.out'"
check "the medium is unmounted after the backup" test "$(mounted "$LOOP_A")" -eq 0
mount -o ro,noload "$LOOP_A" "$T/look"
check "the backup is on the medium (matkiosk-backup/: LATEST, manifest, objects)" \
    bash -c "test -s '$T/look/matkiosk-backup/LATEST' && ls '$T/look/matkiosk-backup' | grep -q '^manifest\.1' && test -d '$T/look/matkiosk-backup/objects'"
umount "$T/look"
check "the restore test reads it from the medium" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' backup verify --medium '$SER' >'$T/bkv.out' 2>&1"
check "the second backup to the medium is generation 2" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' backup --to-medium '$SER' | grep -q '^backup generation 2:'"
check "the backup is logged with the medium's serial" \
    test "$(log_count backup "medium $SER")" -ge 2
sctl backup --to-medium 'KHONG-CO-THAT' >/dev/null 2>"$T/bk.err"; rc=$?
check "attack: a backup to an unknown serial is refused" test $rc -eq 1
check "the medium stays unmounted" test "$(mounted "$LOOP_A")" -eq 0
check "A's log verifies after the backups" verify_log

# --- restore from the backup medium onto a new machine (Article 10) ---
# A's disk is lost: a fresh installation (no state, no USB rules) in the
# same bed, with the backup stick plugged in. The guard blocks it (nothing
# is registered); the restore admits it for itself alone, read-only.
ID_A=$(printf '%s\n' "$PW" | ctl -u "$SUP" doc list 2>/dev/null | grep -o '^[0-9a-f]\{32\}' | head -1)
SHA_A=$(printf '%s\n' "$PW" | ctl -u "$SUP" doc cat "$ID_A" 2>/dev/null | sha256sum)
check "a fresh installation starts in the same bed" new_installation
check "the backup stick is blocked on the new machine ($(decision 1-1.1))" \
    test "$(decision 1-1.1)" = block
restore() { printf '%s\n%s\n' "$SUP" "$1" | ctl restore --from-medium "$2"; }
restore "$PW" "$CSER" >/dev/null 2>"$T/rs.err"; rc=$?
check "attack: a restore from a composite device is refused" \
    bash -c "test $rc -eq 1 && grep -q 'more than storage' '$T/rs.err'"
check "... which stays refused and unmounted ($(decision 1-5))" \
    bash -c "test \"$(decision 1-5)\" = reject && test $(mounted "$LOOP_C") -eq 0"
restore 'Sai#MatKhau99' "$SER" >/dev/null 2>"$T/rs.err"; rc=$?
check "attack: a wrong supervisor's password restores nothing" \
    bash -c "test $rc -eq 1 && grep -q 'wrong account name, password or recovery code' '$T/rs.err' && test ! -e '$T/state/machine'"
check "... and the stick is blocked and unmounted again ($(decision 1-1.1))" \
    bash -c "test \"$(decision 1-1.1)\" = block && test $(mounted "$LOOP_A") -eq 0"
IMG_SHA=$(sha256sum <"$T/stick.img")
check "the supervisor restores from the stick" \
    bash -c "printf '%s\n%s\n' '$SUP' '$PW' | '$BIN/matctl' -c '$T/conf' restore --from-medium '$SER' >'$T/rs.out' 2>'$T/rs.err'"
check "the stick is unmounted after the restore" test "$(mounted "$LOOP_A")" -eq 0
check "the restore wrote nothing to the stick (mounted read-only)" \
    test "$(sha256sum <"$T/stick.img")" = "$IMG_SHA"
check "the stick is decided by the restored rules: registered for backups" \
    test "$(decision 1-1.1)" = allow
check "the document reads back the same after the restore" \
    bash -c "test -n '$ID_A' && printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' doc cat '$ID_A' | sha256sum | grep -qF '${SHA_A%% *}'"
check "the restore is logged, naming the medium and its port" \
    test "$(log_count machine.restore "medium $SER \\(1-1.1\\)")" -eq 1
check "the restored log verifies" verify_log
