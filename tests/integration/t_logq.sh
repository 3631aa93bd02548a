#!/bin/bash
# The log viewer (MSG_LOG_QUERY, matctl log) against the real daemon, on a
# log of a few thousand records in several segments written by the log's
# own writer (tests/tools/loggen): paging either way gives every record
# once and as matverify reads it; each filter gives what the same filter
# over matverify's records gives; refusals; hostile cursors, limits and
# fields; damaged segments shown as damage, the daemon unharmed.
. "$(dirname "$0")/lib.sh"
LOGGEN="$BIN/tests/tools/loggen"
RAW="$BIN/tests/tools/rawclient"
SEG="$BIN/tests/tools/segtool"
SOCK=$T/run/matkioskd.sock
LOGDIR=$T/state/log
N=2500

# ---- helpers ----

# page_all OUT ARGS...: every page of "matctl log --json ARGS" (500 a
# page, following the cursor), one record a line in OUT; the first page's
# total in $T/first_total.
page_all() {
	local out=$1 cursor= i
	shift
	: >"$out"
	for i in $(seq 100); do
		sctl log --json --limit 500 ${cursor:+--cursor "$cursor"} "$@" \
		    >"$T/page.json" 2>"$T/page.err" || return 1
		[ "$i" -gt 1 ] || jq -r .total "$T/page.json" >"$T/first_total"
		jq -c '.records[]' "$T/page.json" >>"$out" || return 1
		cursor=$(jq -r '.cursor // empty' "$T/page.json")
		[ -n "$cursor" ] || return 0
	done
	return 1
}

# The verified records up to seq $1, in matctl's JSON shape, one a line.
LEVELS='["thong-tin","thap","trung-binh","cao","khan-cap"]'
reference() {
	"$BIN/matverify" --json --records --key "$K0" "$LOGDIR" |
	    jq -c --argjson max "$1" --argjson lv "$LEVELS" "
	    .record_list[] | select(.seq <= \$max) | select(${2:-true}) |
	    {seq, time: (.wall_us / 1000000 | floor), level: \$lv[.severity],
	     user: .actor, role, event, object,
	     fields: ([.fields | to_entries[] | \"\(.key)=\(.value)\"] |
	     join(\"  \"))}"
}
# matctl's records in the same shape.
shape() {
	jq -c '{seq, time, level, user, role, event, object, fields}' "$1"
}

# same_records NAME GOT WANT: the same records in the same order.
same_records() {
	if diff <(shape "$2") "$3" >"$T/diff"; then
		ok "$1 ($(wc -l <"$3") records)"
	else
		not_ok "$1" "$(head -5 "$T/diff")"
	fi
}

# filter_check NAME JQ-SELECT MATCTL-ARGS...: every record up to the
# head of the first page that passes the select, newest first (oldest
# first with --newer).
filter_check() {
	local name=$1 sel=$2 order=tac
	shift 2
	[[ " $* " != *" --newer "* ]] || order=cat
	if ! page_all "$T/f.jsonl" "$@"; then
		not_ok "$name" "$(cat "$T/page.err")"
		return
	fi
	reference "$(($(cat "$T/first_total") - 1))" "$sel" | $order >"$T/f.ref"
	same_records "$name" "$T/f.jsonl" "$T/f.ref"
}

# Raw frames, in hex: field TAG HEX, frame TYPE FIELDS...
hexs() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
u64() { printf '%016x' "$1"; }
field() { printf '%02x%08x%s' "$1" $((${#2} / 2)) "$2"; }
frame() {
	local type=$1 body
	shift
	body=$(printf '%04x' "$type")$(printf '%s' "$@")
	printf '%08x%s' $((${#body} / 2)) "$body"
}
auth_frame() {
	frame 2 "$(field 2 "$(hexs "$SUP")")" "$(field 3 "$(hexs "$PW")")"
}
# The seq of record K of segment file S: its header's first seq + K.
seg_first() { od -An -tu8 --endian=big -j 16 -N 8 "$1" | tr -d ' '; }
seg_off() { "$SEG" list "$1" | awk -v k="$2" '$1 == k { print $2 }'; }

# ---- a log of some size ----

check "daemon starts" start_daemon
check "provisioning" provision
sctl doc import "$T/conf" --class mat --title "Văn bản" >/dev/null
check "daemon stops" stop_daemon
check "loggen appends $N records in segments of 600" bash -c \
    "'$LOGGEN' '$LOGDIR' '$T/state/keys/logkey' '$T/state/device.key' \
    $N --segment 600 --hostile >'$T/loggen.out'"
check "daemon starts on the longer log" start_daemon

# ---- paging ----

if page_all "$T/older.jsonl"; then
	H=$(head -1 "$T/older.jsonl" | jq .seq)
	check "newest first: the first record is this reading (log.read)" \
	    test "$(head -1 "$T/older.jsonl" | jq -r .event)" = log.read
	check "newest first: seqs $H down to 0, none missed or repeated" \
	    cmp -s <(jq .seq "$T/older.jsonl") <(seq "$H" -1 0)
	reference "$H" | tac >"$T/older.ref"
	same_records "newest first: every record as matverify reads it" \
	    "$T/older.jsonl" "$T/older.ref"
else
	not_ok "paging newest first" "$(cat "$T/page.err")"
fi
if page_all "$T/newer.jsonl" --newer; then
	L=$(tail -1 "$T/newer.jsonl" | jq .seq)
	check "oldest first: seqs 0 up to $L, none missed or repeated" \
	    cmp -s <(jq .seq "$T/newer.jsonl") <(seq 0 "$L")
	reference "$L" >"$T/newer.ref"
	same_records "oldest first: every record as matverify reads it" \
	    "$T/newer.jsonl" "$T/newer.ref"
else
	not_ok "paging oldest first" "$(cat "$T/page.err")"
fi
sctl log --limit 7 --cursor 1000 >"$T/text.out" 2>"$T/text.err"
check "text: seven lines from seq 1000 down" \
    cmp -s <(awk '{ print $1 }' "$T/text.out") <(seq 1000 -1 994)
check "text: where the next page starts, on stderr" \
    grep -q 'next page: --cursor 993$' "$T/text.err"

# ---- hostile text in the log is escaped ----

h=$(jq -r 'select(.user | startswith("mallory")) | .seq' "$T/older.jsonl")
sctl log --cursor "$h" --limit 1 >"$T/hostile.out" 2>/dev/null
check "a hostile record reaches the terminal escaped" grep -qF \
    'mallory\x1b[31m/-' "$T/hostile.out"
check "its fields too (escapes, bidi override, invalid UTF-8)" grep -qF \
    'name=\x1b]0;pwned\x07\xff\xfe  serial\x1b[2J=\xe2\x80\xaeevil' \
    "$T/hostile.out"
check "no raw control byte is printed" bash -c \
    "! LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <'$T/hostile.out')"

# ---- filters ----

TODAY=$(date -u +%F)
day() { date -u -d "$TODAY $1 day" +%F; }
ds() { date -u -d "$1" +%s; }
filter_check "event name" '.event == "auth.login"' --event auth.login
filter_check "event prefix" '.event | startswith("doc.")' --event doc.
filter_check "level cao and above" '.severity >= 3' --level cao
filter_check "level khan-cap" '.severity == 4' --level khan-cap
filter_check "person" '.actor == "nguyenvana"' --user nguyenvana
filter_check "dates around today (UTC)" \
    ".wall_us >= $(ds "$(day -1)")000000 and .wall_us < $(ds "$(day +2)")000000" \
    --from "$(day -1)" --to "$(day +1)"
filter_check "dates long past: nothing" 'false' --to "$(day -3)"
filter_check "dates to come: nothing" 'false' --from "$(day +2)"
filter_check "every filter at once" \
    '.actor == "nguyenvana" and (.event | startswith("usb.")) and .severity >= 3' \
    --user nguyenvana --event usb. --level cao --from "$(day -1)"
filter_check "oldest first, filtered" '.actor == "lethic"' --user lethic --newer

# ---- who may read ----

if ctl log >"$T/out" 2>"$T/err"; then
	not_ok "no session: refused"
else
	check "no session: refused, with the reason" grep -q 'log in as a supervisor' \
	    "$T/err"
fi
# A drafter and a technician do not read the log; an inspector does.
for who in drafter technician inspector; do
	printf '%s\n%s\n' "$PW" 'Tam#Thoi2026x' | ctl -u "$SUP" account add \
	    "q$who" --roles "$who" >/dev/null 2>&1
	printf '%s\n%s\n' 'Tam#Thoi2026x' 'Doc#Nhatky2026' | ctl -u "q$who" \
	    passwd >/dev/null 2>&1
done
for who in drafter technician; do
	if printf '%s\n' 'Doc#Nhatky2026' | ctl -u "q$who" log --limit 1 \
	    >/dev/null 2>"$T/err"; then
		not_ok "a $who cannot read the log" "$(cat "$T/err")"
	else
		check "a $who cannot read the log" grep -q \
		    "only supervisors, IT officers and inspectors" "$T/err"
	fi
done
check "an inspector reads the log" \
    bash -c "printf '%s\n' 'Doc#Nhatky2026' | '$BIN/matctl' -c '$T/conf' -u qinspector log --limit 1 | grep -q ."
out=$(printf '%s' "$(frame 0x50 "$(field 51 "$(u64 5)")")" | xxd -r -p |
    "$RAW" "$SOCK")
check "raw, unauthenticated: ERR, and the connection stays" test \
    "$out" = "$(printf 'frame type 0x0101\nopen')"

# ---- hostile requests ----

for a in "--limit 0" "--limit 501" "--limit 18446744073709551615" \
    "--level urgent" "--event ''"; do
	if eval sctl log "$a" >/dev/null 2>"$T/err"; then
		not_ok "refused: log $a"
	else
		check "refused: log $a ($(sed 's/^matctl: log: //' "$T/err"))" \
		    grep -q 'matctl: log: ' "$T/err"
	fi
done
sctl log --cursor 18446744073709551615 --limit 1 >"$T/out" 2>/dev/null
check "a cursor past the head starts at the head" \
    test "$(awk '{ print $1 }' "$T/out")" -gt "$H"
sctl log --newer --cursor 18446744073709551615 >"$T/out" 2>"$T/err"
check "a cursor past the head, oldest first: nothing, no more" \
    bash -c "[ ! -s '$T/out' ] && grep -q 'no more' '$T/err'"
reads=$(log_count log.read)
{
	auth_frame
	frame 0x50 "$(field 51 abcdef)"			# limit: 3 bytes
	frame 0x50 "$(field 50 "$(u64 18446744073709551615)")" \
	    "$(field 51 "$(u64 1)")"			# one record
	frame 0x50 "$(field 33 "$(hexs sideways)")"	# direction
	frame 0x50 "$(field 52 646f6300696d706f7274)"	# event with a NUL
	frame 0x50 "$(field 53 "$(u64 20)")" \
	    "$(field 54 "$(u64 10)")"			# from after to
	frame 0x50 "$(field 53 "$(u64 18446744073709551615)")" \
	    "$(field 51 "$(u64 1)")"			# from: never
} | xxd -r -p | "$RAW" "$SOCK" >"$T/raw.out"
check "malformed fields: each refused with ERR, the session goes on" \
    cmp -s "$T/raw.out" <(printf 'frame type 0x%04x\n' 0x100 0x101 0x102 \
    0x100 0x101 0x101 0x101 0x100; echo open)
check "two pages on one connection: one log.read record" \
    test "$(log_count log.read)" -eq $((reads + 1))
out=$(printf '%s' "$(frame 0x50 "33000000ff")" | xxd -r -p | "$RAW" "$SOCK")
check "a field running past its frame: disconnected" grep -q closed <<<"$out"
check "the daemon carries on serving" bash -c \
    "'$BIN/matctl' -c '$T/conf' status | grep -q '^state '"

# ---- damage ----

check "daemon stops" stop_daemon
s3=$LOGDIR/00000003.seg
s4=$LOGDIR/00000004.seg
s5=$LOGDIR/00000005.seg
f3=$(seg_first "$s3"); f4=$(seg_first "$s4"); f5=$(seg_first "$s5")
f6=$(seg_first "$LOGDIR/00000006.seg")
flip_byte "$s3" $(($(seg_off "$s3" 100) + 1))	# a frame length
truncate -s $(($(seg_off "$s4" 200) + 10)) "$s4"	# cut inside a record
check "daemon starts on the damaged log (its last segment is intact)" \
    start_daemon

# damage_check NAME RUNS...: paged both ways, every seq is given once,
# either as a record or inside a damaged run, and the runs ("LO-HI") are
# exactly those given.
damage_check() {
	local name=$1 dir
	shift
	for dir in "" --newer; do
		if ! page_all "$T/d.jsonl" $dir; then
			not_ok "$name $dir" "$(cat "$T/page.err")"
			continue
		fi
		jq -r 'if .state == "ok" then .seq else
		    "\(.seq) \(.seq + .count - 1)" end' "$T/d.jsonl" |
		    awk 'NF == 1 { print } NF == 2 { for (i = $1; i <= $2;
		    i++) print i }' | sort -n >"$T/d.seqs"
		jq -r 'select(.state == "damaged") |
		    "\(.seq) \(.seq + .count - 1)"' "$T/d.jsonl" | sort -n |
		    awk 'NR > 1 && $1 == hi + 1 { hi = $2; next }
		    NR > 1 { print lo "-" hi } { lo = $1; hi = $2 }
		    END { if (NR) print lo "-" hi }' >"$T/d.runs"
		if ! cmp -s "$T/d.seqs" <(seq 0 "$(tail -1 "$T/d.seqs")"); then
			not_ok "$name $dir" "a seq missing or repeated"
		elif ! cmp -s "$T/d.runs" <(printf '%s\n' "$@"); then
			not_ok "$name $dir" "runs $(tr '\n' ' ' <"$T/d.runs")"
		else
			ok "$name ${dir:-(newest first)}: runs $*"
		fi
	done
}
damage_check "a bad frame length and a cut segment" \
    "$((f3 + 100))-$((f4 - 1))" "$((f4 + 200))-$((f5 - 1))"
jq -r 'select(.state == "damaged") | .fields' "$T/d.jsonl" >"$T/d.msg"
check "damage says where and why" bash -c "grep -q \
    '00000003.seg, byte offset [0-9]*: frame length' '$T/d.msg' &&
    grep -q '00000004.seg, byte offset [0-9]*: record cut short' '$T/d.msg'"
sctl log --cursor "$((f4 + 250))" --limit 2 >"$T/out" 2>/dev/null
check "matctl log prints a damaged run as DAMAGED (up to the cursor)" \
    grep -q "^ *$((f4 + 200))  DAMAGED  records $((f4 + 200))\.\.$((f4 + 250)) cannot" \
    "$T/out"
# Cut while the daemon runs and its index already knows the segment.
truncate -s $(($(seg_off "$s5" 300) + 3)) "$s5"
damage_check "a segment cut under the running daemon" \
    "$((f3 + 100))-$((f4 - 1))" "$((f4 + 200))-$((f5 - 1))" \
    "$((f5 + 300))-$((f6 - 1))"
check "the daemon is unharmed" bash -c \
    "'$BIN/matctl' -c '$T/conf' status | grep -q '^state '"
check "matverify, for its part, refuses the damaged log" bash -c \
    "! '$BIN/matverify' --key $K0 '$LOGDIR' >/dev/null 2>&1"
