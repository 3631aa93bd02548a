#!/bin/bash
# Accounts, passwords, lockout, revocation, key rotation and approvals
# (issue 5, Article 8) against the real daemon. Each protection is shown
# with the attack that must fail: a weak or reused password, guessing until
# locked, a disabled person's saved key files, the master key a rotation
# replaced, an approval used for another document or twice.
. "$(dirname "$0")/lib.sh"

write_conf
cat >>"$T/conf" <<'CONF'
[policy]
password_min_length = 10
password_history = 3
max_failed_logins = 3
lockout_minutes = 15
idle_lock_minutes = 10
CONF

start_daemon || { not_ok "daemon starts"; exit 1; }
provision || { not_ok "provisioning"; exit 1; }

# ctl as NAME with the given password lines on stdin.
as() {
	local who=$1
	shift
	local lines=$1
	shift
	printf '%b' "$lines" | "$BIN/matctl" -c "$T/conf" -u "$who" "$@"
}

# --- configuration limits ---
cp "$T/conf" "$T/conf.bad"
sed -i 's/^idle_lock_minutes = 10/idle_lock_minutes = 11/' "$T/conf.bad"
if "$BIN/matkioskd" -c "$T/conf.bad" -f 2>"$T/bad.err"; then
	not_ok "an idle lock above 10 minutes is refused"
else
	check "an idle lock above 10 minutes is refused, naming the setting" \
	    grep -q "conf.bad:.*idle_lock_minutes must be a whole number from 1 to 10" \
	    "$T/bad.err"
fi

# --- creating accounts; the rules of Article 8.9 on the temporary password ---
add_refused() {
	local why=$1 pw=$2
	if as "$SUP" "$PW\n$pw\n" account add tranvanb --roles drafter \
	    >/dev/null 2>"$T/err"; then
		not_ok "temporary password '$pw' refused"
	else
		check "password refused: $why" grep -q "$why" "$T/err"
	fi
}
add_refused "at least 10 characters" 'Ab1!defgh'
add_refused "lower-case" 'ABCDEFGH1!X'
add_refused "upper-case" 'abcdefgh1!x'
add_refused "digit" 'Abcdefghij!'
add_refused "special" 'Abcdefghij1'
add_refused "account name" 'Tranvanb#2026'
add_refused "common password" 'P@ssw0rd2026!'
add_refused "common password" 'Matkhau@12345'
check "an unknown role is refused" \
    bash -c "! printf '%s\n%s\n' '$PW' 'Tam#Thoi2026x' | '$BIN/matctl' -c '$T/conf' -u '$SUP' account add x1 --roles wizard 2>/dev/null"

TEMP='Tam#Thoi2026x'
DPW='Soan#Thao2026'
check "the supervisor creates a drafter" \
    as "$SUP" "$PW\n$TEMP\n" account add tranvanb --roles drafter \
    --full-name "Trần Văn B"
check "a second drafter" \
    as "$SUP" "$PW\n$TEMP\n" account add lethic --roles drafter
check "an IT officer" \
    as "$SUP" "$PW\n$TEMP\n" account add itofficer --roles it-officer
check "a technician" \
    as "$SUP" "$PW\n$TEMP\n" account add kythuat --roles technician
check "the same name twice is refused" \
    bash -c "! printf '%s\n%s\n' '$PW' '$TEMP' | '$BIN/matctl' -c '$T/conf' -u '$SUP' account add tranvanb --roles drafter 2>/dev/null"

# --- first login: the password someone else set must be changed ---
if as tranvanb "$TEMP\n" doc list >/dev/null 2>"$T/err"; then
	not_ok "a temporary password cannot be used"
else
	check "a temporary password cannot be used, and the console says why" \
	    grep -q "set by someone else" "$T/err"
fi
check "the change is to the same password: refused" \
    bash -c "! printf '%s\n%s\n' '$TEMP' '$TEMP' | '$BIN/matctl' -c '$T/conf' -u tranvanb passwd 2>'$T/err'"
check "... as one of the last passwords" grep -q "one of the last 3" "$T/err"
check "the drafter sets their own password" \
    as tranvanb "$TEMP\n$DPW\n" passwd
check "and then logs in" as tranvanb "$DPW\n" doc list
for who in lethic itofficer kythuat; do
	as "$who" "$TEMP\n$DPW\n" passwd >/dev/null 2>&1 ||
	    not_ok "$who sets a password"
done
check "the history: back to the temporary password is refused" \
    bash -c "! printf '%s\n%s\n' '$DPW' '$TEMP' | '$BIN/matctl' -c '$T/conf' -u tranvanb passwd 2>'$T/err'"
check "... naming the rule" grep -q "one of the last 3 passwords" "$T/err"

# --- roles: what the table allows ---
printf 'secret text A\n' >"$T/a.txt"
printf 'secret text B\n' >"$T/b.txt"
DOC_A=$(as tranvanb "$DPW\n" doc import "$T/a.txt" --class mat --title A |
    sed -n 's/.*\([0-9a-f]\{32\}\).*/\1/p')
DOC_B=$(as tranvanb "$DPW\n" doc import "$T/b.txt" --class toi-mat --title B |
    sed -n 's/.*\([0-9a-f]\{32\}\).*/\1/p')
check "the drafter imports two documents" test ${#DOC_A} -eq 32 -a ${#DOC_B} -eq 32
check "a technician can never read a document" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u kythuat doc cat $DOC_A 2>'$T/err' >'$T/out'"
check "... and sees why" grep -q "no access to documents" "$T/err"
check "... and no byte of it" test ! -s "$T/out"
check "a technician holds no grant file" test ! -e "$T/state/keys/grants/kythuat.grant"
check "an IT officer cannot read documents either" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u itofficer doc list 2>/dev/null"
check "a drafter cannot manage accounts" \
    bash -c "! printf '%s\n%s\n' '$DPW' '$TEMP' | '$BIN/matctl' -c '$T/conf' -u tranvanb account add x2 --roles drafter 2>/dev/null"
check "an IT officer cannot create a supervisor" \
    bash -c "! printf '%s\n%s\n' '$DPW' '$TEMP' | '$BIN/matctl' -c '$T/conf' -u itofficer account add boss2 --roles supervisor 2>'$T/err'"
check "... and is told so" grep -q "only a supervisor" "$T/err"
check "nobody changes their own roles" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u itofficer account set itofficer --roles it-officer,drafter 2>/dev/null"
check "the last supervisor cannot be disabled" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u itofficer account disable $SUP --reason x 2>/dev/null"

# --- a drafter created by an IT officer: key granted at a supervisor's login ---
check "the IT officer creates a drafter" \
    as itofficer "$DPW\n$TEMP\n" account add phamd --roles drafter
check "... whose vault key waits for a supervisor" \
    bash -c "printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u itofficer account list | grep '^phamd ' | grep -q key-pending"
as phamd "$TEMP\n$DPW\n" passwd >/dev/null 2>&1
check "... so the new drafter reads nothing yet" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u phamd doc list 2>'$T/err'"
check "... and is told why" grep -q "not granted yet" "$T/err"
sctl status >/dev/null
check "after the supervisor's login the drafter reads" \
    as phamd "$DPW\n" doc list
check "the grant is logged with the supervisor as actor" \
    bash -c "log_records() { '$BIN/matverify' --records --key '$K0' '$T/state/log'; }; log_records | grep -E ' key\.grant ' | grep phamd | grep -q '$SUP'"

# --- lockout (Article 8.5) ---
for i in 1 2; do
	as lethic 'Wrong#Pass99\n' doc list >/dev/null 2>&1
done
if as lethic 'Wrong#Pass99\n' doc list >/dev/null 2>"$T/err"; then
	not_ok "the third failure locks the account"
else
	check "the third failure locks the account, saying until when" \
	    grep -q "locked until" "$T/err"
fi
if as lethic "$DPW\n" doc list >/dev/null 2>"$T/err"; then
	not_ok "a locked account refuses even the right password"
else
	check "a locked account refuses even the right password" \
	    grep -q "locked after 3 failed logins until" "$T/err"
fi
check "the lockout is logged" test "$(log_count account.lockout Trung)" -eq 1
check "every failure is logged" test "$(log_count auth.fail)" -ge 4
stop_daemon
start_daemon || not_ok "daemon restarts"
check "... still locked after the restart" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u lethic doc list 2>/dev/null"
check "a supervisor lifts the lock" as "$SUP" "$PW\n" account unlock lethic
check "... and the drafter logs in" as lethic "$DPW\n" doc list

# --- approvals (destroying a document needs the supervisor's approval) ---
if as tranvanb "$DPW\n" doc delete "$DOC_A" >/dev/null 2>"$T/err"; then
	not_ok "a drafter cannot delete without approval"
else
	check "a drafter cannot delete without approval" \
	    grep -q "needs a supervisor's approval" "$T/err"
fi
check "a wrong approver password gives no approval" \
    bash -c "! printf '%s\n%s\n' '$DPW' 'Wrong#Pass99' | '$BIN/matctl' -c '$T/conf' -u tranvanb approve --approver '$SUP' --action doc.delete --object $DOC_A 2>/dev/null"
check "a drafter cannot approve" \
    bash -c "! printf '%s\n%s\n' '$DPW' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb approve --approver lethic --action doc.delete --object $DOC_A 2>/dev/null"
check "the supervisor approves deleting document A once" \
    as tranvanb "$DPW\n$PW\n" approve --approver "$SUP" --action doc.delete \
    --object "$DOC_A" --count 1
check "the approval is listed" \
    bash -c "printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb approval list | grep -q $DOC_A"
if as tranvanb "$DPW\n" doc delete "$DOC_B" >/dev/null 2>"$T/err"; then
	not_ok "the approval for A does not delete B"
else
	check "the approval for A does not delete B" \
	    grep -q "needs a supervisor's approval" "$T/err"
fi
check "another drafter cannot use it" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u lethic doc delete $DOC_A 2>/dev/null"
check "it deletes A" as tranvanb "$DPW\n" doc delete "$DOC_A"
check "it is used up" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb approval list | grep -q $DOC_A"
check "the grant and the use are logged with both names" \
    bash -c "log_records() { '$BIN/matverify' --records --key '$K0' '$T/state/log'; }; log_records | grep ' approval.grant ' | grep '$SUP' | grep -q tranvanb && log_records | grep ' approval.use ' | grep tranvanb | grep -q '$SUP'"
check "the supervisor approves B once more" \
    as tranvanb "$DPW\n$PW\n" approve --approver "$SUP" --action doc.delete \
    --object "$DOC_B" --count 1
check "nobody approves their own request" \
    bash -c "! printf '%s\n%s\n' '$PW' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' approve --approver '$SUP' --action doc.delete --object $DOC_B 2>/dev/null"

# --- revocation (Article 8.6) ---
cp "$T/state/keys/slots/tranvanb.slot" "$T/old.slot"
cp "$T/state/keys/grants/tranvanb.grant" "$T/old.grant"
check "before: the drafter's own key files open the documents" \
    bash -c "printf '%s\n' '$DPW' | '$BIN/tests/tools/keyprobe' '$T/state' tranvanb '$T/old.slot' '$T/old.grant' >/dev/null"
check "the supervisor disables the drafter" \
    as "$SUP" "$PW\n" account disable tranvanb --reason "chuyển công tác"
check "the key slot is gone at once" test ! -e "$T/state/keys/slots/tranvanb.slot"
check "so is the grant" test ! -e "$T/state/keys/grants/tranvanb.grant"
if as tranvanb "$DPW\n" doc list >/dev/null 2>"$T/err"; then
	not_ok "a disabled account cannot log in"
else
	check "a disabled account cannot log in" grep -q "disabled" "$T/err"
fi
cp "$T/old.slot" "$T/state/keys/slots/tranvanb.slot"
cp "$T/old.grant" "$T/state/keys/grants/tranvanb.grant"
check "not even with its old key files put back" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb doc list 2>/dev/null"
rm -f "$T/state/keys/slots/tranvanb.slot" "$T/state/keys/grants/tranvanb.grant"
check "the unused approval went with the account" \
    bash -c "! printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' approval list | grep -q tranvanb"

# --- master-key rotation ---
cp "$T/state/vault/$DOC_B.mkd" "$T/b.before"
check "a supervisor rotates the vault key" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' key rotate | grep -q 'epoch 2'"
check "every document still reads" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' doc cat $DOC_B | cmp -s - '$T/b.txt'"
check "a drafter still reads after logging in again" \
    as lethic "$DPW\n" doc list
printf '%s\n' "$DPW" | "$BIN/tests/tools/keyprobe" "$T/state" tranvanb \
    "$T/old.slot" "$T/old.grant" >"$T/probe" 2>&1
check "the old master key from the disabled drafter's saved files opens nothing" \
    test $? -eq 3
check "... though it was the real old key" grep -q "epoch 1" "$T/probe"
check "the document's key block changed" \
    bash -c "! cmp -s <(head -c 108 '$T/b.before') <(head -c 108 '$T/state/vault/$DOC_B.mkd')"
check "its body did not (never rewritten)" \
    cmp -s <(tail -c +109 "$T/b.before") <(tail -c +109 "$T/state/vault/$DOC_B.mkd")
check "the rotation is logged" test "$(log_count key.rotate)" -eq 1


# --- a rotation killed half-way is finished by the next login ---
printf '%s\n' "$PW" | "$BIN/tests/tools/keyprobe" --plant 400 "$T/state" "$SUP"
check "400 more documents are in the vault" \
    test "$(ls "$T/state/vault" | grep -c '\.mkd$')" -ge 400
printf '%s\n' "$PW" | "$BIN/matctl" -c "$T/conf" -u "$SUP" key rotate \
    >/dev/null 2>&1 &
CPID=$!
# Wait until the new grants are written (both keys in the file), then kill.
for i in $(seq 400); do
	[ "$(stat -c %s "$T/state/keys/grants/$SUP.grant")" -eq 216 ] && break
	sleep 0.01
done
kill -KILL "$(daemon_pid)"
wait "$CPID" 2>/dev/null
wait "$DPID" 2>/dev/null
DPID=
check "the daemon was killed with two keys in the grants" \
    test "$(stat -c %s "$T/state/keys/grants/$SUP.grant")" -eq 216
start_daemon || not_ok "daemon restarts after the kill"
check "the next supervisor login finishes the rotation" \
    bash -c "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' doc cat $DOC_B | cmp -s - '$T/b.txt'"
check "... and the grants hold one key again" \
    test "$(stat -c %s "$T/state/keys/grants/$SUP.grant")" -eq 108
printf '%s\n' "$PW" | "$BIN/tests/tools/keyprobe" "$T/state" "$SUP" \
    "$T/state/keys/slots/$SUP.slot" >"$T/probe2" 2>&1
total=$(ls "$T/state/vault" | grep -c '\.mkd$')
check "every document opens with the new key" \
    grep -q "documents opened: $total of $total" "$T/probe2"
check "the resumption is logged" test "$(log_count key.rotate.resume)" -eq 1

# --- the log ---
check "the log verifies" verify_log
for ev in account.create account.password account.disable account.unlock \
    auth.fail account.lockout approval.grant approval.use key.rotate \
    key.grant; do
	check "the log records $ev" test "$(log_count "$ev")" -ge 1
done
check "account changes name who made them" \
    bash -c "log_records() { '$BIN/matverify' --records --key '$K0' '$T/state/log'; }; log_records | grep ' account.create ' | grep phamd | grep -q itofficer"

# --- the idle lock (Article 8.7), with the shortest setting: one minute ---
stop_daemon
sed -i 's/^idle_lock_minutes = 10/idle_lock_minutes = 1/' "$T/conf"
start_daemon || not_ok "daemon restarts with a one-minute idle lock"
printf '%s\n' "$DPW" | "$BIN/tests/tools/idleprobe" "$T/run/matkioskd.sock" \
    lethic 62 >"$T/idle" 2>&1
check "a session idle past the lock is locked, and opens with the password" \
    test $? -eq 0
check "... the locked session is refused with the reason" \
    grep -q "list after 62 s idle: the session is locked" "$T/idle"
check "the lock is logged" test "$(log_count session.lock)" -ge 1
check "so is the unlock" test "$(log_count session.unlock)" -ge 1
stop_daemon
