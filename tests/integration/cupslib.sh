# A private cupsd for the tests of printing (t_print.sh, t_console2.sh):
# its own configuration, spool and filters under $C, listening only on
# $C/cups.sock, with file: queues allowed. Needs lib.sh first ($T), and
# $C and $DATA (tests/data/print) set; start_cupsd, stop_cupsd, padmin.
start_cupsd() {
	mkdir -p "$C"/{spool,tmp,cache,state,log,lib/filter}
	chmod 755 "$T" "$C" "$C/lib" "$C/lib/filter"
	for d in backend daemon notifier; do
		ln -sfn "/usr/lib/cups/$d" "$C/lib/$d"
	done
	install -m 755 "$DATA/gziptoany" "$C/lib/filter/gziptoany"
	cat >"$C/cupsd.conf" <<CONF
Listen $C/cups.sock
LogLevel debug
Browsing No
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
	cat >"$C/cups-files.conf" <<CONF
FileDevice Yes
ServerRoot $C
ServerBin $C/lib
RequestRoot $C/spool
TempDir $C/tmp
CacheDir $C/cache
StateDir $C/state
ErrorLog $C/log/error_log
AccessLog $C/log/access_log
PageLog $C/log/page_log
CONF
	/usr/sbin/cupsd -f -c "$C/cupsd.conf" -s "$C/cups-files.conf" \
	    </dev/null >"$C/cupsd.out" 2>&1 &
	CPID=$!
	local i
	for i in $(seq 100); do
		[ -S "$C/cups.sock" ] && lpstat -h "$C/cups.sock" -r \
		    >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
stop_cupsd() {
	[ -n "$CPID" ] || return 0
	kill -TERM "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	CPID=
	rm -f "$C/cups.sock"
}
padmin() { lpadmin -h "$C/cups.sock" "$@" 2>>"$C/lpadmin.err"; }
