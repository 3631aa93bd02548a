#!/bin/bash
# The daemon itself: configuration errors, unsafe state, hostile clients,
# peer checks and a clean shutdown.
. "$(dirname "$0")/lib.sh"
RAW="$BIN/tests/tools/rawclient"
SOCK="$T/run/matkioskd.sock"

# --- configuration errors name the file and line ---
write_conf
printf '[paths]\nstate = %s/state\nbogus = 1\n' "$T" >"$T/bad.conf"
"$BIN/matkioskd" -c "$T/bad.conf" -f 2>"$T/err"
check "unknown key refused with exit 1" test $? -eq 1
check "unknown key error names file and line" \
    grep -q "bad.conf:3: unknown key 'bogus'" "$T/err"
printf '[paths]\nstate = relative/path\n' >"$T/bad2.conf"
"$BIN/matkioskd" -c "$T/bad2.conf" -f 2>"$T/err"
check "a bad value is refused, naming the line" \
    bash -c "grep -q 'bad2.conf:2: bad value for .state.' '$T/err'"
"$BIN/matkioskd" -c "$T/missing.conf" -f 2>"$T/err"
check "a missing config file given with -c is an error" \
    grep -q "missing.conf: cannot read" "$T/err"

# --- unsafe state directory ---
mkdir -p "$T/state" && chmod 0777 "$T/state"
"$BIN/matkioskd" -c "$T/conf" -f 2>"$T/err" &
p=$!
sleep 0.5
if kill -0 $p 2>/dev/null; then
	kill $p; not_ok "world-writable state directory: refuses to start"
else
	wait $p
	check "world-writable state directory: refuses to start, saying why" \
	    grep -q "unsafe state directory: $T/state: accessible by group or others" "$T/err"
fi
chmod 0700 "$T/state"

check "daemon starts" start_daemon
check "provisioning" provision

# --- hostile clients ---
out=$(head -c 3000 /dev/urandom | "$RAW" "$SOCK")
check "a client sending garbage is disconnected" grep -q closed <<<"$out"
out=$(printf '\xff\xff\xff\xff\x00\x01' | "$RAW" "$SOCK")
check "an oversized frame is disconnected without waiting for it" \
    grep -q closed <<<"$out"
out=$(printf '\x00\x00\x00\x02\x7f\x7f' | "$RAW" "$SOCK")
check "an unknown message type is disconnected" grep -q closed <<<"$out"
out=$(printf '\x00\x00\x00\x07\x00\x01\x01\xff\xff\xff\xff' | "$RAW" "$SOCK")
check "a field longer than its frame is disconnected" grep -q closed <<<"$out"
check "the violations are logged" test "$(log_count ipc.violation)" -ge 4
check "the daemon carries on serving" bash -c \
    "'$BIN/matctl' -c '$T/conf' status | grep -q '^state  *sealed'"

# --- peer credentials: an unprivileged process is refused by the daemon
# itself, even when the socket's mode would let it connect ---
chmod 0666 "$SOCK"; chmod 0755 "$T/run" "$T"
if setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$BIN/matctl" -c "$T/conf" status >"$T/out" 2>"$T/err"; then
	not_ok "an unprivileged peer is refused (SO_PEERCRED)"
else
	check "an unprivileged peer is refused (SO_PEERCRED)" \
	    grep -q "not root or in the client group" "$T/err"
fi
chmod 0700 "$T"
check "the refusal is logged" test "$(log_count ipc.refused)" -ge 1

# --- status ---
check "status --json is one JSON object" bash -c \
    "'$BIN/matctl' -c '$T/conf' status --json | grep -q '^{\"version\": .*\"state\": \"sealed\".*}\$'"

# --- clean shutdown ---
check "SIGTERM: exit status 0" stop_daemon
check "SIGTERM: the socket is removed" test ! -e "$SOCK"
check "SIGTERM: the log verifies, its segment closed by a checkpoint" \
    bash -c "'$BIN/matverify' --key $K0 '$T/state/log' >'$T/v' && ! grep -qi 'open' '$T/v'"
check "SIGTERM: daemon.stop is logged" \
    test "$(log_count daemon.stop)" -eq 1
check "restart after a clean stop" start_daemon
check "a second stop" stop_daemon
check "the log still verifies across restarts" verify_log
