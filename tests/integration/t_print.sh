#!/bin/bash
# Printing under policy, marked copies and the copy register (issue 7,
# Article 13.2) against the real daemon and a private cupsd started here on
# a Unix socket, with a file-backed queue whose output the test reads.
# The attacks that must fail: a queue whose device is a network printer
# (also one that loops back to another CUPS queue), a Tối mật print
# without approval, a copy beyond the approved number, a format that
# cannot be marked, a drafter reading the register.
. "$(dirname "$0")/lib.sh"

DATA=$(cd "$(dirname "$0")/../data/print" && pwd)
C=$T/cups
CPID=
trap 'stop_cupsd; cleanup' EXIT

# --- a private cupsd: its own config, spool and filters under $C ---
. "$(dirname "$0")/cupslib.sh"

start_cupsd || { not_ok "a private cupsd starts"; exit 1; }
: >"$C/out-q1"
padmin -p q1 -v "file://$C/out-q1" -P "$DATA/test.ppd" -E &&
padmin -p netq -v ipp://192.0.2.1/ipp/print -E &&
padmin -p webq -v http://printer.example:631/ipp -E &&
padmin -p loopq -v ipp://localhost/printers/netq -E ||
    { not_ok "test queues are made"; exit 1; }

write_conf
cat >>"$T/conf" <<CONF
[print]
cups_server = $C/cups.sock
# Tests only: the file: queue above stands in for a USB printer.
allow_file_device = yes
CONF
start_daemon || { not_ok "daemon starts"; exit 1; }
provision || { not_ok "provisioning"; exit 1; }

as() {
	local who=$1 lines=$2
	shift 2
	printf '%b' "$lines" | "$BIN/matctl" -c "$T/conf" -u "$who" "$@"
}
TEMP='Tam#Thoi2026x'
DPW='Dr4fter!pass'
APW='Ph0giam!pass'
as "$SUP" "$PW\n$TEMP\n" account add tranvanb --roles drafter >/dev/null 2>&1 &&
as "$SUP" "$PW\n$TEMP\n" account add phogiam --roles supervisor >/dev/null 2>&1 &&
as "$SUP" "$PW\n$TEMP\n" account add itofficer --roles it-officer >/dev/null 2>&1 &&
as tranvanb "$TEMP\n$DPW\n" passwd >/dev/null 2>&1 &&
as phogiam "$TEMP\n$APW\n" passwd >/dev/null 2>&1 &&
as itofficer "$TEMP\n$DPW\n" passwd >/dev/null 2>&1 &&
sctl doc list >/dev/null || { not_ok "accounts are made"; exit 1; }

printf 'Báo cáo mật số 1\nNội dung: tình hình an ninh.\n' >"$T/mat.txt"
printf 'Kế hoạch tối mật\nKhông được sao chụp khi chưa duyệt.\n' >"$T/toimat.txt"
head -c 3000 /dev/urandom >"$T/blob.bin"
import() {
	as tranvanb "$DPW\n" doc import "$1" --class "$2" --title "$3"
}
DOC_M=$(import "$T/mat.txt" mat "Báo cáo") &&
DOC_T=$(import "$T/toimat.txt" toi-mat "Kế hoạch") &&
DOC_P=$(import "$DATA/sample.pdf" toi-mat "Bản PDF") &&
DOC_B=$(import "$T/blob.bin" mat "Tệp nhị phân") ||
    { not_ok "documents are imported"; exit 1; }

# REG: what the register must show, one line per print, as the test did
# it: number,document,class,copy_type,copies,made,approver,person,dest,
# outcome.
REG=$T/expected.csv
: >"$REG"
N=0
expect() { N=$((N + 1)); echo "$N,$1" >>"$REG"; }
# prints as the drafter; $1: password lines; rest: print arguments
dprint() { local l=$1; shift; as tranvanb "$l" print "$@"; }
snap() { cp "$C/out-q1" "$T/job-$1"; }

# --- a permitted print arrives in the queue, marked ---
if dprint "$DPW\n" "$DOC_M" --printer q1 >"$T/p1.out" 2>"$T/p1.err"; then
	ok "a drafter prints a Mật text document on a local queue"
	expect "$DOC_M,mat,print,1,1,,tranvanb,q1,done"
else
	not_ok "a drafter prints a Mật text document on a local queue" \
	    "$(cat "$T/p1.err")"
fi
snap 1
check "the copy arrived in the queue with its text" \
    grep -q "Nội dung: tình hình an ninh." "$T/job-1"
check "... marked BẢN SAO BÍ MẬT NHÀ NƯỚC - MẬT" \
    grep -q "^BẢN SAO BÍ MẬT NHÀ NƯỚC - MẬT$" "$T/job-1"
check "... marked Bản sao số 1/1 with today's date" \
    grep -q "^Bản sao số 1/1 - ngày $(date +%d/%m/%Y) - tài liệu $DOC_M$" \
    "$T/job-1"
check "CUPS has the job as the person's, titled by id only" \
    bash -c "lpstat -h '$C/cups.sock' -W completed -o q1 | grep -q '^q1-[0-9]* *tranvanb '"
check "matctl reports the CUPS job as completed" \
    grep -q "printed 1 copies of $DOC_M on q1: job [0-9]*, .*completed" \
    "$T/p1.out"

# --- network queues are refused, with the reason ---
for q in netq webq loopq; do
	if dprint "$DPW\n" "$DOC_M" --printer $q >/dev/null 2>"$T/e-$q"; then
		not_ok "a queue with a network device ($q) is refused"
	else
		check "a queue with a network device ($q) is refused, saying why" \
		    grep -q "not a printer attached to this machine" "$T/e-$q"
	fi
done
check "... and CUPS got no job for any of them" \
    bash -c "! lpstat -h '$C/cups.sock' -W all -o | grep -q -E '^(netq|webq|loopq)-'"

# --- Tối mật: approval, the approved number of copies and no more ---
check "a Tối mật print without approval is refused" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb print $DOC_T --printer q1 2>'$T/e-noappr'"
check "... saying it needs a supervisor's approval" \
    grep -q "needs a supervisor's approval" "$T/e-noappr"
check "a wrong approver password approves nothing" \
    bash -c "! printf '%s\n%s\n' '$DPW' 'Wr0ng!pass' | '$BIN/matctl' -c '$T/conf' -u tranvanb print $DOC_T --printer q1 --copies 2 --approver phogiam 2>/dev/null"
if dprint "$DPW\n$APW\n" "$DOC_T" --printer q1 --copies 2 \
    --approver phogiam >"$T/p2.out" 2>"$T/p2.err"; then
	ok "with a supervisor's approval for 2 copies the print is made"
	expect "$DOC_T,toi-mat,print,2,2,phogiam,tranvanb,q1,done"
else
	not_ok "with a supervisor's approval for 2 copies the print is made" \
	    "$(cat "$T/p2.err")"
fi
snap 2
check "exactly 2 copies arrived, numbered 1/2 and 2/2" \
    bash -c "[ \$(grep -c 'BẢN SAO BÍ MẬT NHÀ NƯỚC - TỐI MẬT$' '$T/job-2') -eq 4 ] &&
        [ \$(grep -c 'Kế hoạch tối mật' '$T/job-2') -eq 2 ] &&
        grep -q '^Bản sao số 1/2 - ' '$T/job-2' &&
        grep -q '^Bản sao số 2/2 - ' '$T/job-2' &&
        ! grep -q 'Bản sao số 3' '$T/job-2'"
check "a third copy is refused" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb print $DOC_T --printer q1 2>/dev/null"
check "an approval for 2 copies (matctl approve) is given" \
    as tranvanb "$DPW\n$APW\n" approve --approver phogiam --action print \
    --object "$DOC_T" --count 2 >/dev/null
check "asking for 3 copies with 2 approved is refused" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb print $DOC_T --printer q1 --copies 3 2>/dev/null"
if dprint "$DPW\n" "$DOC_T" --printer q1 >/dev/null 2>"$T/p3.err"; then
	ok "one copy of the two approved is made"
	expect "$DOC_T,toi-mat,print,1,1,phogiam,tranvanb,q1,done"
else
	not_ok "one copy of the two approved is made" "$(cat "$T/p3.err")"
fi
snap 3
check "... numbered 1/2 of the approved two" \
    grep -q "^Bản sao số 1/2 - " "$T/job-3"

# --- PDF: every page re-drawn with the marking ---
if dprint "$DPW\n$APW\n" "$DOC_P" --printer q1 --approver phogiam \
    >/dev/null 2>"$T/p4.err"; then
	ok "a Tối mật PDF is printed with approval"
	expect "$DOC_P,toi-mat,print,1,1,phogiam,tranvanb,q1,done"
else
	not_ok "a Tối mật PDF is printed with approval" "$(cat "$T/p4.err")"
fi
snap 4
pdftotext "$T/job-4" "$T/job-4.txt" 2>/dev/null
check "the printed PDF is a PDF with the original page's text" \
    bash -c "head -c 5 '$T/job-4' | grep -q '%PDF-' && grep -q 'Noi dung tai lieu' '$T/job-4.txt'"
check "... and the marking, in Vietnamese" \
    bash -c "grep -q 'BẢN SAO BÍ MẬT NHÀ NƯỚC - TỐI MẬT' '$T/job-4.txt' && grep -q 'Bản sao số 1/1 - ngày' '$T/job-4.txt'"

# --- the PDF marking helper holds nothing ---
# The daemon has PDFs marked by matkiosk-markpdf, the only program that
# links poppler: it must run as nobody, without the daemon's descriptors,
# and be unable to write any file.
mkfifo "$T/mark.in"
# Opened read-write first, so that the helper's open of it does not block.
exec 7<>"$T/mark.in"
# Only the test holds the writing end (7<&-), so closing it ends the input.
"$BIN/matkiosk-markpdf" 1 1 1 1796560000 2 "$DOC_P" <"$T/mark.in" \
    7<&- 2>/dev/null | cat >"$T/mark.out" 7<&- &
MARKJOB=$!
MPID=
for i in $(seq 200); do
	MPID=$(pgrep -f -n -- "matkiosk-markpdf 1 1 1 1796560000 2 $DOC_P") &&
	    grep -q '^Uid:.*65534' "/proc/$MPID/status" 2>/dev/null && break
	sleep 0.05
done
if [ -z "$MPID" ] || [ ! -d "/proc/$MPID" ]; then
	not_ok "the marking helper is found running"
else
	check "the marking helper runs as nobody" \
	    grep -q "^Uid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534" \
	    "/proc/$MPID/status"
	check "... with no descriptor but its pipes and stderr" \
	    bash -c "n=\$(ls /proc/$MPID/fd | wc -l); [ \$n -ge 2 ] && [ \$n -le 3 ]"
	check "... and may not gain privileges" \
	    grep -q "^NoNewPrivs:[[:space:]]*1" "/proc/$MPID/status"
fi
cat "$DATA/sample.pdf" >&7
exec 7>&-
wait "$MARKJOB"
check "... and marks the PDF it is given" \
    bash -c "pdftotext '$T/mark.out' - | grep -q 'Bản sao số 1/1'"
check "the helper cannot write a file, not even its output" \
    bash -c "! '$BIN/matkiosk-markpdf' 1 1 1 1796560000 2 x <'$DATA/sample.pdf' >'$T/mark.file' 2>/dev/null && [ ! -s '$T/mark.file' ]"

# --- a format that cannot be marked ---
printf '%%PDF-1.4\nnot a PDF after all\n' >"$T/bad.pdf"
DOC_BP=$(import "$T/bad.pdf" mat "Hỏng") || not_ok "a bad PDF is imported"
check "a PDF that does not open is refused, not printed unmarked" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb print $DOC_BP --printer q1 2>'$T/e-badpdf' && grep -q 'cannot be marked' '$T/e-badpdf'"
check "a document that cannot be marked is refused" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb print $DOC_B --printer q1 2>'$T/e-blob'"
check "... saying why" grep -q "cannot be marked" "$T/e-blob"

# --- write-ahead: the intent precedes the job ---
log_records >"$T/records"
check "every print.done follows its print.begin in the log" \
    awk '/ print\.begin /{b++} / print\.done /{d++; if (d > b) bad=1}
        END {exit !(b >= 4 && d == 4 && !bad)}' "$T/records"
SHA_T=$(sha256sum "$T/toimat.txt" | cut -d' ' -f1)
check "the intent names hash, class, approver, printer, copies, copy type" \
    bash -c "grep ' print\.begin ' '$T/records' | grep '$DOC_T' | grep 'sha256=$SHA_T' | grep 'class=toi-mat' | grep 'approver=phogiam' | grep 'dest=q1' | grep 'copies=2' | grep -q 'copy_type=print'"
# The log's time of the first intent, and cupsd's of its first job (both
# to the second): the intent is not later.
BT=$(awk '/ print\.begin /{print $2 " " $3; exit}' "$T/records")
QT=$(sed -n 's/^I \[\([^]]*\)\] \[Job 1\] Queued on .*/\1/p' \
    "$C/log/error_log" | sed 's|/| |g; s|:| |')
check "... and the first intent is not later than CUPS queued its job" \
    bash -c "[ -n '$BT' ] && [ -n '$QT' ] && [ \$(date -u -d '$BT' +%s) -le \$(date -u -d '$QT' +%s) ]"

# --- the job failing: logged, not counted ---
cupsreject -h "$C/cups.sock" q1 2>/dev/null
if dprint "$DPW\n" "$DOC_M" --printer q1 >/dev/null 2>"$T/e-rej"; then
	not_ok "a job CUPS refuses fails"
else
	ok "a job CUPS refuses fails"
	expect "$DOC_M,mat,print,1,0,,tranvanb,q1,failed"
fi
cupsaccept -h "$C/cups.sock" q1 2>/dev/null

# --- cupsd stopped ---
stop_cupsd
if dprint "$DPW\n" "$DOC_M" --printer q1 >/dev/null 2>"$T/e-down"; then
	not_ok "with cupsd stopped the print fails"
else
	check "with cupsd stopped the print fails cleanly, saying why" \
	    grep -q "CUPS is not reachable" "$T/e-down"
fi
check "... and the refusal is logged" \
    bash -c "'$BIN/matverify' --records --key '$K0' '$T/state/log' | grep ' print\.refused ' | grep -q 'CUPS is not reachable'"

# --- the register of the day, line by line ---
check "a drafter cannot read the register" \
    bash -c "! printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u tranvanb register 2>/dev/null"
sctl register --csv >"$T/register.csv" 2>"$T/register.err"
tr -d '\r' <"$T/register.csv" | tail -n +2 |
    awk -F, -v OFS=, '{print $1,$3,$4,$5,$6,$7,$8,$9,$10,$11}' >"$T/register.got"
if diff "$REG" "$T/register.got" >"$T/register.diff"; then
	ok "the register matches what was done, line by line ($N lines)"
else
	not_ok "the register matches what was done, line by line" \
	    "$(tr '\n' ' ' <"$T/register.diff")"
fi
check "the register's dates are today's" \
    bash -c "tr -d '\r' <'$T/register.csv' | tail -n +2 | cut -d, -f2 | awk -v d=$(date -u +%Y-%m-%d)T 'index(\$0, d) != 1 {bad=1} END {exit bad || NR != $N}'"
check "copies made: the failed print counts none" \
    bash -c "tr -d '\r' <'$T/register.csv' | awk -F, 'NR > 1 {s += \$7} END {exit s != 5}'"
check "an IT officer reads the register too" \
    bash -c "printf '%s\n' '$DPW' | '$BIN/matctl' -c '$T/conf' -u itofficer register | grep -q 'Tối mật'"
check "--from/--to select by day" \
    bash -c "[ \$(printf '%s\n' '$PW' | '$BIN/matctl' -c '$T/conf' -u $SUP register --csv --from 2020-01-01 --to 2020-12-31 | wc -l) -eq 1 ]"
# --- the inspection export (issue 10) carries the same register ---
IPW='C0ngan!pass'
as "$SUP" "$PW\n$TEMP\n" account add congan --roles inspector >/dev/null 2>&1 &&
    as congan "$TEMP\n$IPW\n" passwd >/dev/null 2>&1
check "an inspector's export with a supervisor's approval" \
    bash -c "printf '%s\n%s\n' '$IPW' '$APW' | '$BIN/matctl' -c '$T/conf' -u congan export inspection --to '$T/insp.tar' --approver phogiam >/dev/null 2>'$T/insp.err'"
check "the export's copy register is the register, line by line" \
    bash -c "diff <(tar xOf '$T/insp.tar' registers/copy-register.csv | tr -d '\r') <(tr -d '\r' <'$T/register.csv')"
check "the export verifies, copy register included" \
    bash -c "'$BIN/matverify' --key '$K0' '$T/insp.tar' >'$T/insp.verify' 2>&1"
check "the log still verifies" verify_log
