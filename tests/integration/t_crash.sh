#!/bin/bash
# kill -9 of the daemon in the middle of a large import: after a restart no
# partial document exists and the log verifies. Then a full disk: the
# import is refused and nothing half-written remains.
. "$(dirname "$0")/lib.sh"

check "daemon starts" start_daemon
check "provisioning" provision
keep=$(sctl doc import "$T/conf" --class mat --title "kept")

mkfifo "$T/fifo"
# 24 MiB now, then the writer stalls: the import is caught mid-stream.
{ head -c 25165824 /dev/urandom; sleep 30; } >"$T/fifo" &
feeder=$!
sctl doc import "$T/fifo" --class tuyet-mat --title "large" >"$T/imp.out" 2>"$T/imp.err" &
importer=$!
for i in $(seq 200); do
	[ "$(log_count doc.import.begin)" -ge 2 ] && break
	sleep 0.05
done
sleep 1
check "the import is under way" kill -0 $importer
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=
wait $importer
check "the client is told the import failed" test $? -eq 1
kill $feeder 2>/dev/null; wait $feeder 2>/dev/null

check "no file is left in the vault but the first document" \
    test "$(ls -A "$T/state/vault" | wc -l)" -eq 1
check "daemon restarts after kill -9" start_daemon
check "no partial document is listed" \
    test "$(sctl doc list | wc -l)" -eq 1
check "the earlier document still reads" bash -c \
    "printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP doc cat $keep | cmp -s - '$T/conf'"
check "daemon stops" stop_daemon
check "the log verifies after the crash" verify_log
check "the killed import left its intent, and no outcome, in the log" \
    test "$(log_count doc.import.begin)" -eq 2 -a "$(log_count 'doc.import')" -eq 1

# --- a full disk: the state on a 3 MiB tmpfs ---
if unshare -m true 2>/dev/null; then
	cat >"$T/full.sh" <<SH
set -u
mkdir -p "$T/small"
mount -t tmpfs -o size=3m,mode=0700 none "$T/small"
cp -a "$T/state" "$T/small/state"
sed "s#^state = .*#state = $T/small/state#" "$T/conf" >"$T/conf.small"
unshare -n "$BIN/matkioskd" -c "$T/conf.small" -f 2>>"$T/daemon.err" &
d=\$!
for i in \$(seq 100); do [ -S "$T/run/matkioskd.sock" ] && break; sleep 0.05; done
head -c 8388608 /dev/urandom >"$T/big"
printf '%s\n' '$PW' | "$BIN/matctl" -c "$T/conf.small" -u $SUP doc import "$T/big" --class mat >"$T/full.out" 2>"$T/full.err"
echo "import-rc=\$?"
ls -A "$T/small/state/vault" | wc -l | sed 's/^/vault-files=/'
printf '%s\n' '$PW' | "$BIN/matctl" -c "$T/conf.small" -u $SUP doc list | wc -l | sed 's/^/listed=/'
kill -TERM \$d; wait \$d
cp -a "$T/small/state/log/." "$T/fulllog/"
umount "$T/small"
SH
	mkdir -p "$T/fulllog"
	unshare -m bash "$T/full.sh" >"$T/full.res" 2>&1
	check "full disk: the import fails" grep -q 'import-rc=1' "$T/full.res"
	check "full disk: the reason is given" grep -q -i 'no space' "$T/full.err"
	check "full disk: no partial file in the vault" \
	    grep -q 'vault-files=1' "$T/full.res"
	check "full disk: only the earlier document is listed" \
	    grep -q 'listed=1' "$T/full.res"
	check "full disk: the log still verifies" \
	    bash -c "'$BIN/matverify' --key $K0 '$T/fulllog' >/dev/null"
	check "full disk: the failed import is logged with its reason" \
	    bash -c "'$BIN/matverify' --records --key $K0 '$T/fulllog' | grep -q 'doc.import.failed .*error=no space'"
else
	not_ok "full disk test" "cannot create a mount namespace"
fi
