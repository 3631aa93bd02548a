#!/bin/bash
# make bench, part "media" (issue 8): import from and copy-out to a
# registered medium through the daemon, in MB/s, beside plain cp of the
# same file to and from the same ext4 image on a loop device.
#   tests/bench/media.sh BUILD_DIR
# BENCH_MEDIA_MB: the file's size in MiB (default 256). Prints table rows.
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 2
BIN=$(cd "$1" && pwd) || exit 2
MB=${BENCH_MEDIA_MB:-256}
. tests/integration/lib.sh
. tests/integration/medialib.sh
SER=4C530001230517118283
LOOP=
M=
media_bench_cleanup() {
	[ -n "$M" ] && umount -l "$M" 2>/dev/null
	stop_daemon >/dev/null 2>&1
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	cleanup
}
trap media_bench_cleanup EXIT
say() { printf 'bench: %s\n' "$*" >&2; }
now() { printf '%s' "$EPOCHREALTIME"; }
mbps() { awk -v mb="$MB" -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", mb / (b - a) }'; }

mkdir -p "$T/files" "$T/look"
head -c $((MB * 1048576)) /dev/urandom >"$T/files/big.bin"
cp tests/data/av/test.hdb "$T/files/"
LOOP=$(new_image "$T/stick.img" $((MB * 3 + 64)) "$T/files") || exit 1
media_bed usb1/1-1/1-1.1="$LOOP"
conf_for "$T"
DPID=$(start_ws "$T")
wait_ws "$T" && provision || { say "media: no daemon"; exit 1; }
sctl usb register 1-1.1 --label bench --owner "$SUP" --direction both &&
    sctl av update "$SER" test.hdb >/dev/null || { say "media: setup"; exit 1; }

say "media: plain cp from the image ($MB MiB)"
sync; t0=$(now)
mount -o ro,nosuid,nodev,noexec "$LOOP" "$T/look" &&
    cp "$T/look/big.bin" "$T/state/cp.bin" && sync "$T/state/cp.bin" &&
    umount "$T/look"
t1=$(now); CP_IN=$(mbps "$t0" "$t1"); rm -f "$T/state/cp.bin"
say "media: import through the daemon (scan, encrypt, log)"
t0=$(now)
ID=$(sctl media import "$SER" big.bin --class mat 2>/dev/null)
t1=$(now); IMP=$(mbps "$t0" "$t1")
say "media: plain cp to the image"
t0=$(now)
mount -o nosuid,nodev,noexec "$LOOP" "$T/look" &&
    cp "$T/files/big.bin" "$T/look/cp.bin" && sync "$T/look/cp.bin" &&
    rm -f "$T/look/cp.bin" && umount "$T/look"
t1=$(now); CP_OUT=$(mbps "$t0" "$t1")
say "media: copy-out through the daemon (decrypt, log, write, sync, read back)"
t0=$(now)
sctl copy-out "$ID" --to "$SER" --plaintext >/dev/null 2>&1
t1=$(now); OUT=$(mbps "$t0" "$t1")
[ ${#ID} -eq 32 ] || { IMP=n/a; OUT=n/a; }
row() { printf '%-44s %18s %18s %6s\n' "$1" "$2 MB/s" "cp $3 MB/s" \
    "$(awk -v a="$2" -v b="$3" 'BEGIN { if (b > 0 && a != "n/a") printf "%.2f", a / b; else print "-" }')"; }
row "media import ($MB MiB, scanned, encrypted)" "$IMP" "$CP_IN"
row "media copy-out ($MB MiB, plaintext, verified)" "$OUT" "$CP_OUT"
[ "$IMP" != n/a ]
