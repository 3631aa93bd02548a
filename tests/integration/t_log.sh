#!/bin/bash
# The audit log of a real daemon against matverify: the intact log verifies,
# and each forgery is refused, naming the first bad record.
. "$(dirname "$0")/lib.sh"
SEG="$BIN/tests/tools/segtool"

check "daemon starts" start_daemon
check "provisioning" provision
for i in 1 2 3; do
	sctl doc import "$T/conf" --class mat --title "Văn bản $i" >/dev/null
done
check "daemon stops (segment 1 sealed)" stop_daemon
check "daemon restarts (segment 2)" start_daemon
sctl doc list >/dev/null
check "daemon stops (segment 2 sealed)" stop_daemon
check "the intact log verifies" verify_log
check "matverify names the verdict VALID" grep -q 'VALID' "$T/verify.out"
check "wrong key is refused" bash -c \
    "! '$BIN/matverify' --key $(printf '%064d' 0) '$T/state/log' >/dev/null 2>&1"

segs=("$T"/state/log/*.seg)
check "two segments were written" test ${#segs[@]} -eq 2
first=${segs[0]}
n=$("$SEG" list "$first" | grep -c -v trailer)
check "segment 1 holds several records" test "$n" -ge 8

# forge NAME OP ARGS...: applies the edit to a copy of the log, runs
# matverify, and expects a refusal that names a record.
forge() {
	local name=$1
	shift
	rm -rf "$T/forged" && cp -a "$T/state/log" "$T/forged"
	"$SEG" edit "$first" "$T/forged/$(basename "$first")" "$@" || {
		not_ok "$name" "segtool failed"; return; }
	if "$BIN/matverify" --key "$K0" "$T/forged" >"$T/f.out" 2>&1; then
		not_ok "$name" "matverify accepted the forged log"
	elif grep -q 'INVALID' "$T/f.out" && grep -q -E 'seq [0-9]+' "$T/f.out"; then
		ok "$name: refused, first bad record named"
	else
		not_ok "$name" "$(tail -3 "$T/f.out")"
	fi
}
forge "a record changed" flip 4
forge "a record deleted" delete 4
forge "a record inserted (duplicated)" dup 4
forge "two records swapped" swap 3 4
forge "a sealed segment truncated" truncate 5
forge "the first record changed" flip 0

rm -rf "$T/forged" && cp -a "$T/state/log" "$T/forged" && rm "$T/forged/$(basename "$first")"
check "a whole segment deleted is refused" bash -c \
    "! '$BIN/matverify' --key $K0 '$T/forged' >/dev/null 2>&1"
check "matverify --json gives a verdict" bash -c \
    "'$BIN/matverify' --json --key $K0 '$T/state/log' | grep -q '\"valid\": *true'"
