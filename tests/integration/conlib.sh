# The console in tmux, for the console suites (t_console*.sh): start it in
# a pane of a given size, read the screen, send keys, wait for a text.
# Sourced after lib.sh; the tmux server's socket lives under $T and goes
# with it. The suite sets CON_NAME (the tmux server's name) first.
export TMUX_TMPDIR=$T
TM=(tmux -L "mk-${CON_NAME:-con}-$$")
PANE=con

# con_start_once W H [ENV...]: the console in a fresh tmux pane of W x H,
# with an empty environment but TERM (so C.UTF-8 and Vietnamese by
# default) and ENV. The pane records the terminal settings before and
# after the console, then shows EXITED.
con_start_once() {
	local w=$1 h=$2
	shift 2
	rm -f "$T/stty.before" "$T/stty.after"
	"${TM[@]}" new-session -d -s "$PANE" -x "$w" -y "$h" \
	    "stty -g >'$T/stty.before'; env -i TERM=screen $* \
	    ASAN_OPTIONS=$ASAN_OPTIONS${CON_ASAN:-} ${CON_WRAP:-} '$BIN/matkiosk' \
	    -c '$T/conf' -x 2>>'$T/console.err'; stty -g >'$T/stty.after'; \
	    echo EXITED; sleep 600"
}
# kill-server returns before the server is gone: a session made meanwhile
# can land on the dying server and vanish with it ("no server running",
# seen on a loaded machine). Wait for the old server, check the new
# session is there, and try again if it is not.
con_start() {
	local i
	con_stop
	"${TM[@]}" kill-server 2>/dev/null
	for i in $(seq 100); do
		"${TM[@]}" list-sessions >/dev/null 2>&1 || break
		sleep 0.05
	done
	for i in 1 2 3 4 5; do
		con_start_once "$@"
		sleep 0.1
		"${TM[@]}" has-session -t "$PANE" 2>/dev/null && return 0
		sleep 0.3
	done
	return 1
}
# Ends a running console with SIGTERM before its terminal goes: a console
# whose pty vanishes exits on the hangup, but LeakSanitizer's exit check
# can then hang in a process with no terminal.
con_stop() {
	local pid i
	pid=$(con_pid)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
}
con_pid() { pgrep -f "^$BIN/matkiosk -c $T/conf" | head -1; }
# The console, then the tmux server, then lib.sh's cleanup.
con_cleanup() {
	con_stop
	"${TM[@]}" kill-server 2>/dev/null
}

screen() { "${TM[@]}" capture-pane -p -t "$PANE"; }
keys() { "${TM[@]}" send-keys -t "$PANE" "$@"; }
text() { "${TM[@]}" send-keys -t "$PANE" -l "$1"; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (fixed string).
wait_for() {
	local i n=$(( ${2:-10} * 20 ))
	for ((i = 0; i < n; i++)); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	return 1
}
# see NAME TEXT [SECONDS]: a check that the screen comes to show TEXT
# ($SZ, the pane's size, names the run).
see() {
	if wait_for "$2" "${3:-10}"; then
		ok "$SZ: $1"
	else
		not_ok "$SZ: $1" "no \"$2\" on: $(screen | grep -a . |
		    sed -n '1,3p;$p' | tr -s ' \n' ' ' | cut -c1-600)"
	fi
}
screen_grep() { screen | grep "$@"; }
screen_lacks() { ! screen | grep "$@"; }
# The screen shows TEXT, which is not empty.
shows() { [ -n "$1" ] && screen_grep -qF -- "$1"; }
# The login form: name, Tab, password, Enter.
login() {
	text "$1"; keys Tab; text "$2"; keys Enter
}
# as WHO LINES ARGS...: matctl as WHO, LINES (printf %b) on its stdin.
as() {
	local who=$1 lines=$2
	shift 2
	printf '%b' "$lines" | "$BIN/matctl" -c "$T/conf" -u "$who" "$@"
}
