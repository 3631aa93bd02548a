# Shared by the integration tests: a private state, config and daemon per
# test file, and TAP-like result lines ("ok - ...", "not ok - ...").
# BIN is the build directory holding matkioskd, matctl, matverify.
set -u
: "${BIN:?BIN must name the build directory}"
T=$(mktemp -d /tmp/mk-it.XXXXXX)
chmod 700 "$T"
DPID=
PW='Sup3r!pass'
SUP=giamdoc
K0=
trap 'cleanup' EXIT

cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	[ -z "$NETNS" ] || ip netns del "$NETNS" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1${2:+: $2}"; }
# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

write_conf() {
	mkdir -p "$T/run"
	cat >"$T/conf" <<CONF
# test configuration
[paths]
state = $T/state
socket = $T/run/matkioskd.sock
work = $T/work
usb_rules = $T/usb.rules
CONF
}

# Starts the daemon in the foreground (backgrounded here) and waits until
# it answers (a stale socket of a killed daemon may still be there).
# Its stderr goes to $T/daemon.err.
# The daemon runs in a private network namespace (NETNS, made by the test
# with make_netns, or an anonymous one), so that the air-gap guard sees only
# the links the test makes.
NETNS=
make_netns() {
	NETNS=mk-it-$$
	ip netns add "$NETNS" || return 1
}
in_netns() { ip netns exec "$NETNS" "$@"; }
# It also runs in an empty umockdev bed (tests/tools/usbbed), so that its
# USB guard sees no device: it must never close the root hubs or
# deauthorize the devices of the machine running the tests.
# The bed's directory is made under $T (TMPDIR), so it goes with it.
# ASan must accept the preload library in front of its runtime.
export ASAN_OPTIONS=verify_asan_link_order=0:${ASAN_OPTIONS:-}
BED=(env TMPDIR="$T" LD_PRELOAD=libumockdev-preload.so.0
    "$BIN/tests/tools/usbbed" "$T/bed.root" --)
start_daemon() {
	[ -f "$T/conf" ] || write_conf
	if [ -n "$NETNS" ]; then
		"${BED[@]}" ip netns exec "$NETNS" "$BIN/matkioskd" -c "$T/conf" -f \
		    </dev/null 2>>"$T/daemon.err" &
	else
		"${BED[@]}" unshare -n "$BIN/matkioskd" -c "$T/conf" -f \
		    </dev/null 2>>"$T/daemon.err" &
	fi
	DPID=$!
	local i
	for i in $(seq 100); do
		"$BIN/matctl" -c "$T/conf" status >/dev/null 2>&1 && return 0
		kill -0 "$DPID" 2>/dev/null || { DPID=; return 1; }
		sleep 0.05
	done
	return 1
}

# The daemon's own pid: DPID is the umockdev bed, which forks it.
daemon_pid() {
	pgrep -P "$DPID" -x matkioskd || echo "$DPID"
}

stop_daemon() {
	local rc=0
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" && wait "$DPID" || rc=$?
	DPID=
	return $rc
}

ctl() { "$BIN/matctl" -c "$T/conf" "$@"; }
# As the supervisor, password on stdin.
sctl() { printf '%s\n' "$PW" | "$BIN/matctl" -c "$T/conf" -u "$SUP" "$@"; }

provision() {
	printf '%s\n' "$PW" | ctl init --supervisor "$SUP" \
	    --full-name "Nguyễn Văn Giám" --certificate "$T/cert.txt" \
	    >"$T/init.out" 2>"$T/init.err" || return 1
	K0=$(sed -n 's/^log-verification-key: \([0-9a-f]\{64\}\)$/\1/p' "$T/init.out")
	[ ${#K0} -eq 64 ]
}

# The verified log, one record a line (matverify --records).
log_records() {
	"$BIN/matverify" --records --key "$K0" "${1:-$T/state/log}" 2>/dev/null
}
# Counts verified log records whose event is $1 (and, with $2, whose
# severity is $2, e.g. Cao).
log_count() {
	log_records | grep -E "[[:space:]]$1[[:space:]]" |
	    grep -c -E "${2:-.}" || true
}

verify_log() { "$BIN/matverify" --key "$K0" "$T/state/log" >"$T/verify.out" 2>&1; }

# Flips the lowest bit of the byte at offset $2 of file $1.
flip_byte() {
	local v
	v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((v ^ 1)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Big-endian u16 at offset $2 of file $1.
be16() { od -An -tu1 -j "$2" -N2 "$1" | awk '{print $1 * 256 + $2}'; }
