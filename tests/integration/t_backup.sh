#!/bin/bash
# Backup, the restore test and restore (issue 12, Article 10) against the
# real daemon: an incremental backup copies only what is new; a backup with
# one byte changed fails the restore test naming the file; the state
# deleted and restored gives the same documents and a log that verifies
# across the restore; a wrong password, another machine's key, a tampered
# manifest are refused.
. "$(dirname "$0")/lib.sh"

start_daemon || { not_ok "daemon starts"; exit 1; }
provision || { not_ok "provisioning"; exit 1; }
RECOVERY=$(grep -A1 'RECOVERY CODE' "$T/init.out" | tail -1 | tr -d ' ')

import() {
	sctl doc import "$1" --class "$2" --title "$3" |
	    sed -n 's/.*\([0-9a-f]\{32\}\).*/\1/p'
}
head -c 300000 /dev/urandom >"$T/d1"
printf 'Công văn số 12\n' >"$T/d2"
ID1=$(import "$T/d1" toi-mat "Báo cáo")
ID2=$(import "$T/d2" mat "Công văn 12")
check "two documents imported" test ${#ID1} -eq 32 -a ${#ID2} -eq 32

check "status says no backup yet, overdue" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep '^backup' | grep -q 'never backed up (OVERDUE)'"

BK=$T/medium
mkdir -p "$BK"
if printf 'Wrong#Pass99\n' | ctl -u "$SUP" backup --to "$BK" >/dev/null 2>&1; then
	not_ok "a backup needs the supervisor's login"
else
	ok "a backup needs the supervisor's login"
fi
check "the supervisor backs up" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' backup --to '$BK' >'$T/b1'"
check "generation 1 holds the files" grep -q "generation 1" "$T/b1"
check "the manifest lists both documents" \
    bash -c "grep -q ' vault/$ID1.mkd\$' '$BK/manifest.1' && grep -q ' vault/$ID2.mkd\$' '$BK/manifest.1'"
check "the manifest lists the log, key slots, accounts, registers" \
    bash -c "grep -q ' log/00000001.seg\$' '$BK/manifest.1' && grep -q ' keys/slots/$SUP.slot\$' '$BK/manifest.1' && grep -q ' accounts\$' '$BK/manifest.1' && grep -q ' machine\$' '$BK/manifest.1'"
check "no secret lies in the backup in clear (device key, log key)" \
    bash -c "! grep -q -E ' (device.key|keys/logkey)\$' '$BK/manifest.1'"
check "the document is stored as it is in the vault (encrypted)" \
    bash -c "! grep -rq 'Công văn số 12' '$BK'"

# --- incremental ---
printf 'Tờ trình\n' >"$T/d3"
ID3=$(import "$T/d3" mat "Tờ trình")
ino1=$(stat -c %i "$BK/objects/$(awk -v p="vault/$ID1.mkd" '$4==p {print substr($2,1,2) "/" $2}' "$BK/manifest.1")")
check "a second backup" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' backup --to '$BK' >'$T/b2'"
check "generation 2" grep -q "generation 2" "$T/b2"
copied=$(sed -n 's/.* files, \([0-9]*\) copied.*/\1/p' "$T/b2")
total=$(sed -n 's/.*generation 2: \([0-9]*\) files.*/\1/p' "$T/b2")
check "the increment copies only what changed ($copied of $total)" \
    test -n "$copied" -a "$copied" -lt "$total" -a "$copied" -le 8
ino1b=$(stat -c %i "$BK/objects/$(awk -v p="vault/$ID1.mkd" '$4==p {print substr($2,1,2) "/" $2}' "$BK/manifest.2")")
check "an unchanged document was not copied again" test "$ino1" = "$ino1b"
check "the new document is in generation 2" grep -q " vault/$ID3.mkd\$" "$BK/manifest.2"
check "generation 1 is still whole" \
    bash -c "! grep -q ' vault/$ID3.mkd\$' '$BK/manifest.1'"

# --- the restore test ---
check "the restore test passes" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' backup verify '$BK' >'$T/v1'"
check "... having decrypted every document" grep -q "3 documents decrypted" "$T/v1"
check "the status shows the last backup and test" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep '^backup' | grep -v OVERDUE | grep -q 'restore test: ok on'"
obj3=$BK/objects/$(awk -v p="vault/$ID3.mkd" '$4==p {print substr($2,1,2) "/" $2}' "$BK/manifest.2")
cp "$obj3" "$T/obj3.save"
flip_byte "$obj3" 400
if printf '%s\n' "$PW" | ctl -u "$SUP" backup verify "$BK" >/dev/null 2>"$T/err"; then
	not_ok "one byte changed fails the restore test"
else
	check "one byte changed fails the restore test, naming the file" \
	    grep -q "vault/$ID3.mkd: its content differs" "$T/err"
fi
check "the failure is logged" test "$(log_count backup.verify Trung)" -ge 1
cp "$T/obj3.save" "$obj3"
cp "$BK/manifest.2" "$T/man.save"
sed -i "s/^created .*/created 1/" "$BK/manifest.2"
if printf '%s\n' "$PW" | ctl -u "$SUP" backup verify "$BK" >/dev/null 2>"$T/err"; then
	not_ok "an edited manifest fails the restore test"
else
	check "an edited manifest fails: not signed by this machine" \
	    grep -q "not signed by this machine" "$T/err"
fi
cp "$T/man.save" "$BK/manifest.2"

# --- restore onto a fresh machine ---
# The workstation's transfer keys (made at their first use): packages on
# their way to this machine are encrypted to them.
printf '%s\n' "$PW" | ctl -u "$SUP" workstation self >"$T/ws.before" 2>&1
check "the workstation's transfer keys exist" grep -q '^xferpub [0-9a-f]\{64\}$' "$T/ws.before"
printf '%s\n' "$PW" | ctl -u "$SUP" backup --to "$BK" >/dev/null 2>&1
XH=$(sha256sum "$T/state/xfer.key" | cut -c1-64)
check "the transfer key is not in the backup in clear (no object of it)" \
    bash -c "! grep -q 'xfer.key' '$BK/manifest.$(cat "$BK/LATEST")' && test ! -e '$BK/objects/${XH:0:2}/$XH'"
stop_daemon
mv "$T/state" "$T/state.lost"
start_daemon || not_ok "a fresh daemon starts"
if printf '%s\nWrong#Pass99\n' "$SUP" | ctl restore --from "$BK" >/dev/null 2>"$T/err"; then
	not_ok "a wrong password restores nothing"
else
	check "a wrong password restores nothing" grep -q "wrong account name" "$T/err"
fi
check "the machine is still unprovisioned after the refusal" \
    test ! -e "$T/state/machine"
check "restore with the supervisor's password" \
    bash -c "printf '%s\n%s\n' '$SUP' '$PW' | '$BIN/matctl' -c '$T/conf' restore --from '$BK'"
check "the same documents" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' doc cat $ID1 | cmp -s - '$T/d1'"
check "... all three" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' doc cat $ID3 | cmp -s - '$T/d3'"
check "the restore is a record in the log" test "$(log_count machine.restore)" -eq 1
check "the same transfer keys after the restore" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' workstation self | cmp -s - '$T/ws.before'"
check "the log verifies across the restore, from K_0" verify_log
# No sequence number twice: the chain goes on from the backup's head.
seqs_unique() {
	local all
	all=$(log_records | awk '{print $1}')
	[ -n "$all" ] && [ -z "$(sort -n <<<"$all" | uniq -d)" ]
}
check "the chain continues from the backup's head" seqs_unique
check "a second restore is refused" \
    bash -c "! printf '%s\n%s\n' '$SUP' '$PW' | '$BIN/matctl' -c '$T/conf' restore --from '$BK' 2>/dev/null"

# --- restore with the recovery code ---
stop_daemon
rm -rf "$T/state"
start_daemon || not_ok "another fresh daemon starts"
check "restore with the recovery code" \
    bash -c "printf '\n%s\n' '$RECOVERY' | '$BIN/matctl' -c '$T/conf' restore --from '$BK'"
check "the supervisor logs in and reads" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' doc cat $ID2 | cmp -s - '$T/d2'"
check "the log still verifies" verify_log
stop_daemon

# --- media sanitization, on a loop device ---
start_daemon || not_ok "the daemon starts again"
IMG=$T/medium.img
yes 'MATKIOSK-SECRET-MARKER van ban mat so 12' | head -c $((32 << 20)) >"$IMG"
cp "$IMG" "$T/medium.orig"
LOOP=$(losetup -f --show "$IMG") || not_ok "a loop device"
MNTIMG=$T/mounted.img
truncate -s 16M "$MNTIMG"
mkfs.ext4 -q "$MNTIMG"
LOOP2=$(losetup -f --show "$MNTIMG")
mkdir -p "$T/mnt"
mount "$LOOP2" "$T/mnt"
for dev in "$(df --output=source / | tail -1)" "$LOOP2" "$T/medium.orig"; do
	if printf '%s\n' "$PW" | ctl -u "$SUP" media sanitize "$dev" \
	    >/dev/null 2>"$T/err"; then
		not_ok "sanitizing $dev is refused"
	else
		check "sanitizing $dev is refused ($(sed 's/^matctl: //' "$T/err" | head -1))" \
		    grep -q -E "mounted|in use|not a block device|neither a USB|partition|not permitted" "$T/err"
	fi
done
umount "$T/mnt"
losetup -d "$LOOP2"
check "the supervisor sanitizes the loop medium" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' media sanitize '$LOOP' --certificate '$T/san.txt' >'$T/san.out'"
check "the certificate says it was read back and verified" \
    grep -q "VERIFIED.*$((32 << 20)) bytes written, $((32 << 20)) read back equal" "$T/san.txt"
check "the certificate names who, when and how" \
    bash -c "grep -q '^by: $SUP' '$T/san.txt' && grep -q '^started: ' '$T/san.txt' && grep -q '^method: ' '$T/san.txt'"
losetup -d "$LOOP"
check "no trace of the old content remains" \
    bash -c "! grep -q 'MATKIOSK-SECRET-MARKER' '$IMG'"
same=$(cmp -l "$IMG" "$T/medium.orig" | wc -l)
total=$((32 << 20))
# A random byte equals the old one with probability 1/256: about 131072
# of 33554432. A region left unwritten would add its whole size.
check "every byte was overwritten ($((total - same)) of $total equal by chance only)" \
    test $((total - same)) -lt $((total / 128))
check "the sanitization is logged" test "$(log_count media.sanitize)" -eq 1

# --- decommissioning ---
printf 'decommission check\n' >"$T/d4"
ID4=$(import "$T/d4" mat "Cuối cùng")
mkdir -p "$T/final"
if printf '%s\nWrong#Pass99\n' "$PW" | ctl -u "$SUP" decommission --export "$T/final" \
    >/dev/null 2>&1; then
	not_ok "decommissioning asks for the password again"
else
	check "decommissioning asks for the password again (a wrong one erases nothing)" \
	    test -e "$T/state/vault/$ID4.mkd"
fi
check "the supervisor decommissions the machine" \
    bash -c "printf '%s\n%s\n' '$PW' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' decommission --export '$T/final' --certificate '$T/decom.txt' >/dev/null"
check "the certificate says done" grep -q "^result: DONE" "$T/decom.txt"
check "the exported final log verifies from K_0" \
    "$BIN/matverify" --key "$K0" "$T/final/final-log"
check "... and ends with the decommissioning" \
    bash -c "'$BIN/matverify' --records --key '$K0' '$T/final/final-log' | grep -E '^ +[0-9]+ ' | grep -v ' log.seal ' | tail -1 | grep -q machine.decommission"
check "its manifest matches the segments" \
    bash -c "cd '$T/final/final-log' && sha256sum -c --quiet MANIFEST.sha256"
check "no document is left in the vault" \
    test -z "$(ls -A "$T/state/vault")"
check "no key slot, grant, device key or log key is left" \
    test -z "$(find "$T/state" -name '*.slot' -o -name '*.grant' -o -name device.key -o -name logkey)"
check "no byte of a document header is left in the state" \
    bash -c "! grep -rqa 'MATKDOC' '$T/state'"
printf '%s\n' "$PW" | "$BIN/tests/tools/keyprobe" "$T/state" "$SUP" \
    "$T/state/keys/slots/$SUP.slot" >/dev/null 2>&1
check "the supervisor's password opens nothing" test $? -eq 1
check "nor does the recovery code" \
    bash -c "! printf '%s\n' '$(printf '%s' "$RECOVERY" | tr -d -)' | '$BIN/tests/tools/keyprobe' '$T/state' _recovery '$T/state/keys/slots/_recovery.slot' >/dev/null 2>&1"
check "the machine is no longer provisioned" \
    bash -c "'$BIN/matctl' -c '$T/conf' status | grep -q '^state *unprovisioned'"
check "no login works" \
    bash -c "! printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' doc list 2>/dev/null"
stop_daemon
