#!/bin/bash
# The encrypted vault through the real daemon: provisioning, round trips at
# the chunk boundaries, and the attacks on a stored document that must fail
# with a clear error and no plaintext.
. "$(dirname "$0")/lib.sh"

check "daemon starts on a fresh state" start_daemon
if provision; then
	ok "provisioning prints the sealing certificate"
else
	not_ok "provisioning prints the sealing certificate" "$(cat "$T/init.err")"
	exit 1
fi
check "certificate file written with the log verification key" \
    grep -q "^log-verification-key: $K0\$" "$T/cert.txt"
check "recovery code shown once, not on the certificate" \
    bash -c "grep -q 'RECOVERY CODE' '$T/init.out' && ! grep -q 'RECOVERY' '$T/cert.txt'"
if printf '%s\n' "$PW" | ctl init --supervisor other >/dev/null 2>"$T/err"; then
	not_ok "a second init is refused"
else
	check "a second init is refused" grep -q "already provisioned" "$T/err"
fi

sctl doc list >"$T/out" 2>"$T/err"
rc=$?
check "doc list on an empty vault: no documents, no error" \
    test "$rc" -eq 0 -a ! -s "$T/out"
check "the daemon is still running after listing an empty vault" \
    kill -0 "$DPID"

declare -A ids
for size in 0 1 65535 65536 65537 5242881; do
	head -c "$size" /dev/urandom >"$T/in.$size"
	ids[$size]=$(sctl doc import "$T/in.$size" --class toi-mat \
	    --title "Tài liệu $size" 2>"$T/err")
	if sctl doc cat "${ids[$size]}" >"$T/out.$size" 2>"$T/err" &&
	    cmp -s "$T/in.$size" "$T/out.$size"; then
		ok "round trip of $size bytes gives identical bytes"
	else
		not_ok "round trip of $size bytes" "$(cat "$T/err")"
	fi
done
check "doc list shows the six documents" \
    test "$(sctl doc list | grep -c 'Tối mật')" -eq 6
check "doc list --json names the classification token" \
    grep -q '"class": "toi-mat"' <(sctl doc list --json)
for i in $(seq 2000); do echo "BI-MAT-DANH-DAU dong $i"; done >"$T/plain.txt"
pid=$(sctl doc import "$T/plain.txt" --class mat --title "Văn bản rõ")
check "the plaintext is stored encrypted" bash -c \
    "test -s '$T/state/vault/$pid.mkd' && ! grep -a -q BI-MAT-DANH-DAU '$T/state/vault/$pid.mkd'"
sctl doc delete "$pid"
check "title is not stored in clear" \
    bash -c "! grep -a -q 'Tài liệu' '$T'/state/vault/*.mkd"

# --- attacks on the 5 MiB + 1 document (81 chunks) ---
id=${ids[5242881]}
doc="$T/state/vault/$id.mkd"
cp "$doc" "$T/orig.mkd"
H=$((108 + $(be16 "$doc" 40)))
C=65552
attack() {
	local name=$1
	sctl doc cat "$id" >"$T/attack.out" 2>"$T/attack.err"
	local rc=$?
	if [ "$rc" -eq 1 ] && [ ! -s "$T/attack.out" ] &&
	    grep -q "does not verify" "$T/attack.err"; then
		ok "$name: refused, no plaintext"
	else
		not_ok "$name" "rc=$rc, $(wc -c <"$T/attack.out") bytes out: $(cat "$T/attack.err")"
	fi
	cp "$T/orig.mkd" "$doc"
}
flip_byte "$doc" 20;                       attack "byte flipped in the header id"
flip_byte "$doc" 10;                       attack "classification byte changed"
flip_byte "$doc" 70;                       attack "byte flipped in the wrapped key"
flip_byte "$doc" $((H + 40 * C + 1000));   attack "byte flipped in a middle chunk"
flip_byte "$doc" $(($(stat -c %s "$doc") - 1)); attack "byte flipped in the last tag"
{ head -c $((H + 40 * C)) "$T/orig.mkd"; tail -c +$((H + 41 * C + 1)) "$T/orig.mkd"; } >"$doc"
attack "a chunk cut out"
{ head -c $((H + 10 * C)) "$T/orig.mkd"
  tail -c +$((H + 11 * C + 1)) "$T/orig.mkd" | head -c $C
  tail -c +$((H + 10 * C + 1)) "$T/orig.mkd" | head -c $C
  tail -c +$((H + 12 * C + 1)) "$T/orig.mkd"; } >"$doc"
attack "two chunks swapped"
printf 'extra' >>"$doc";                   attack "bytes appended"
head -c $(($(stat -c %s "$doc") - C)) "$T/orig.mkd" >"$doc"
attack "last chunk cut (truncation)"
check "each tampering is logged with severity Cao" \
    test "$(log_count doc.view.failed Cao)" -eq 9
check "each tampering opens a Cao incident" \
    test "$(log_count incident.open Cao)" -eq 9
check "the untouched document still reads back" \
    bash -c "sctl() { printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u '$SUP' \"\$@\"; }; sctl doc cat $id | cmp -s - '$T/in.5242881'"

# --- wrong password ---
if printf 'Wrong!pass1\n' | ctl -u "$SUP" doc list >"$T/out" 2>"$T/err"; then
	not_ok "wrong password refused"
else
	check "wrong password refused with the reason" \
	    grep -q "wrong account name or password" "$T/err"
fi
check "wrong password produces no listing" test ! -s "$T/out"
check "failed login is logged" test "$(log_count auth.fail)" -ge 1

# --- delete ---
check "doc delete succeeds" sctl doc delete "${ids[1]}"
check "deleted document is gone" bash -c "! test -e '$T/state/vault/${ids[1]}.mkd'"
if sctl doc cat "${ids[1]}" >/dev/null 2>&1; then
	not_ok "a deleted document cannot be read"
else
	ok "a deleted document cannot be read"
fi

check "daemon stops cleanly on SIGTERM" stop_daemon
check "the log verifies from K_0" verify_log
check "every import is in the log, intent and outcome" \
    test "$(log_count doc.import.begin)" -eq 7 -a "$(log_count doc.import)" -eq 7
check "every view is in the log" test "$(log_count doc.view)" -ge 7
check "the deletions are in the log" test "$(log_count doc.delete)" -eq 2
check "the key from the certificate is not on the machine" \
    bash -c "! grep -r -a -q '$K0' '$T/state'"
