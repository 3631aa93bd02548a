/*
 * matctl: supervised repair sessions (kiosk/repairops.c).
 *   repair start --technician NAME [--supervisor NAME] --reason TEXT
 *       asks for the supervisor's password, then the technician's (one
 *       line of standard input each when it is not a terminal); the rest
 *       of standard input is relayed to the recorded shell, its output to
 *       standard output. On a terminal, the terminal is put in raw mode
 *       and its size followed.
 *   repair list [--json]          supervisor, IT officer, inspector
 *   repair show N                 ... with the recording checked
 *   repair play N [--speed X] [--no-wait]
 *   repair end N                  a supervisor (-u)
 *   repair sign-off N --work TEXT --account TEXT
 *                                 the supervisor who unlocked it (-u),
 *                                 password asked again
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cast.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/text.h"
#include "matctl.h"

#define PLAY_MAX	(256u << 20)

static volatile sig_atomic_t winch;

static void
on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static int
add_size(struct mkbuf *b)
{
	struct winsize ws;
	int r;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 ||
	    ws.ws_col == 0)
		return 0;
	if ((r = mkmsg_add_u64(b, F_ROWS, ws.ws_row)) != 0)
		return r;
	return mkmsg_add_u64(b, F_COLS, ws.ws_col);
}

static int
send_start(struct ctl *ctl, const char *sup, const char *tech,
    const char *reason)
{
	char spw[PASSWORD_MAX + 1], tpw[PASSWORD_MAX + 1], prompt[160];
	struct mkbuf *b = mkclient_out(ctl->c);
	int r = MK_ERR_TRUNCATED;

	spw[0] = tpw[0] = '\0';
	snprintf(prompt, sizeof(prompt), "Mật khẩu thủ trưởng / supervisor's "
	    "password (%s): ", sup != NULL ? sup : "-");
	if (sup != NULL && read_password(prompt, spw, sizeof(spw)) != 0)
		goto out;
	snprintf(prompt, sizeof(prompt), "Mật khẩu kỹ thuật viên / "
	    "technician's password (%s): ", tech);
	if (read_password(prompt, tpw, sizeof(tpw)) != 0)
		goto out;
	if ((r = mkmsg_start(b, MSG_REPAIR_START)) != 0 ||
	    (r = mkmsg_add_str(b, F_TECH, tech)) != 0 ||
	    (r = mkmsg_add_str(b, F_TECH_PASSWORD, tpw)) != 0 ||
	    (r = mkmsg_add_str(b, F_REPAIR_REASON, reason)) != 0 ||
	    (isatty(STDIN_FILENO) && (r = add_size(b)) != 0))
		goto out;
	/* A technician alone sends no supervisor: the daemon refuses. */
	if (sup != NULL && ((r = mkmsg_add_str(b, F_USER, sup)) != 0 ||
	    (r = mkmsg_add_str(b, F_PASSWORD, spw)) != 0))
		goto out;
	r = mkclient_send(ctl->c);
 out:
	mk_wipe(spw, sizeof(spw));
	mk_wipe(tpw, sizeof(tpw));
	return r;
}

static int
send_data(struct ctl *ctl, uint16_t type, const void *p, size_t n)
{
	struct mkbuf *b = mkclient_out(ctl->c);
	int r;

	if ((r = mkmsg_start(b, type)) != 0 ||
	    (r = mkmsg_add(b, F_DATA, p, n)) != 0)
		return r;
	return mkclient_send(ctl->c);
}

static int
send_resize(struct ctl *ctl)
{
	struct mkbuf *b = mkclient_out(ctl->c);
	int r;

	winch = 0;
	if ((r = mkmsg_start(b, MSG_REPAIR_RESIZE)) != 0 ||
	    (r = add_size(b)) != 0)
		return r;
	return mkclient_send(ctl->c);
}

/* One frame from the daemon; 1 at the end (*ok: the shell was left as
 * planned), -1 on failure. */
static int
from_daemon(struct ctl *ctl, int *ok)
{
	const struct mkfield *f;
	char msg[400], state[32], esc[800];
	struct mkmsg m;

	if (mkclient_recv(ctl->c, &m) != 0)
		return -1;
	if (m.type == MSG_REPAIR_OUTPUT && (f = mkmsg_get(&m, F_DATA)) != NULL)
		return write(STDOUT_FILENO, f->p, f->len) == (ssize_t)f->len ?
		    0 : -1;
	if (m.type == MSG_REPAIR_NOTICE && mkmsg_str(&m, F_MESSAGE, msg,
	    sizeof(msg)) == 0) {
		mktext_escape(msg, strlen(msg), esc, sizeof(esc));
		fprintf(stderr, "\r\n[matkiosk] %s\r\n", esc);
		return 0;
	}
	if (m.type == MSG_REPAIR_EXIT && mkmsg_str(&m, F_STATE, state,
	    sizeof(state)) == 0) {
		if (mkmsg_str(&m, F_MESSAGE, msg, sizeof(msg)) != 0)
			msg[0] = '\0';
		mktext_escape(msg, strlen(msg), esc, sizeof(esc));
		fprintf(stderr, "\r\nmatctl: repair session ended (%s): %s\r\n",
		    state, esc);
		*ok = strcmp(state, "exit") == 0 ||
		    strcmp(state, "supervisor") == 0;
		return 1;
	}
	return -1;
}

/* Relays the terminal until the daemon says the session ended. */
static int
relay(struct ctl *ctl)
{
	struct pollfd pfd[2];
	uint8_t buf[4096];
	int in_open = 1, ok = 0, r;
	ssize_t n;

	for (;;) {
		if (winch && send_resize(ctl) != 0)
			return 1;
		pfd[0].fd = in_open ? STDIN_FILENO : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = mkclient_fd(ctl->c);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((r = from_daemon(ctl, &ok)) != 0)
				return r > 0 && ok ? 0 : 1;
		}
		if (in_open && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if ((n = read(STDIN_FILENO, buf, sizeof(buf))) <= 0)
				in_open = 0;	/* the shell decides the end */
			else if (send_data(ctl, MSG_REPAIR_INPUT, buf,
			    (size_t)n) != 0)
				return 1;
		}
	}
}

static int
repair_start(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "technician", required_argument, NULL, 't' },
		{ "supervisor", required_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 } };
	const char *tech = NULL, *sup = NULL, *reason = NULL;
	struct termios old, raw;
	struct mkmsg m;
	uint64_t id = 0, limit = 0;
	int ch, tty, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 't')
			tech = optarg;
		else if (ch == 's')
			sup = optarg;
		else if (ch == 'r')
			reason = optarg;
		else
			usage();
	}
	if (optind != argc || tech == NULL || reason == NULL)
		usage();
	if (connect_daemon(ctl) != 0)
		return 1;
	if (send_start(ctl, sup, tech, reason) != 0 ||
	    mkclient_recv(ctl->c, &m) != 0)
		return fail("repair start", "the daemon did not answer");
	if (m.type == MSG_ERR) {
		mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
		return fail("repair refused", ctl->msg);
	}
	if (m.type != MSG_OK || mkmsg_u64(&m, F_SEQ, &id) != 0)
		return fail("repair start", "unexpected reply");
	(void)mkmsg_u64(&m, F_LIMIT_SECONDS, &limit);
	fprintf(stderr, "Phiên sửa chữa số %" PRIu64 " bắt đầu, được ghi lại, "
	    "tối đa %" PRIu64 " phút / repair session %" PRIu64 " started, "
	    "recorded, at most %" PRIu64 " s\n", id, limit / 60, id, limit);
	if ((tty = isatty(STDIN_FILENO)) && tcgetattr(STDIN_FILENO, &old) == 0) {
		raw = old;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
		signal(SIGWINCH, on_winch);
	} else
		tty = 0;
	r = relay(ctl);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return r;
}

/* ---- list, show ---- */

static int
list_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct listing *l = arg;
	char state[48], sup[64], tech[64], reason[400], when[40];
	uint64_t id, created, size;
	time_t t;
	struct tm tm;

	(void)ctl;
	if (m->type != MSG_ENTRY || mkmsg_u64(m, F_SEQ, &id) ||
	    mkmsg_str(m, F_STATE, state, sizeof(state)) ||
	    mkmsg_str(m, F_SUPERVISOR, sup, sizeof(sup)) ||
	    mkmsg_str(m, F_TECH, tech, sizeof(tech)) ||
	    mkmsg_u64(m, F_CREATED, &created) ||
	    mkmsg_str(m, F_REPAIR_REASON, reason, sizeof(reason)) ||
	    mkmsg_u64(m, F_SIZE, &size))
		return fail("repair list", "malformed reply");
	if (l->json) {
		printf("%s{\"id\": %" PRIu64 ", \"state\": ", l->count ? ",\n " :
		    "", id);
		json_str(state);
		printf(", \"supervisor\": ");
		json_str(sup);
		printf(", \"technician\": ");
		json_str(tech);
		printf(", \"started\": %" PRIu64 ", \"reason\": ", created);
		json_str(reason);
		printf(", \"size\": %" PRIu64 "}", size);
	} else {
		t = (time_t)created;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		printf("%-4" PRIu64 " %-18s %-16s %-12s %-12s ", id, when, state,
		    sup, tech);
		text_out(reason);
		putchar('\n');
	}
	l->count++;
	return 0;
}

static int
show_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	char key[64], value[16384];

	(void)ctl;
	(void)arg;
	if (m->type != MSG_ENTRY || mkmsg_str(m, F_KEY, key, sizeof(key)) ||
	    mkmsg_str(m, F_VALUE, value, sizeof(value)))
		return fail("repair show", "malformed reply");
	if (strcmp(key, "minutes") == 0) {
		char *line = value, *nl;

		printf("minutes:\n");
		for (; line != NULL; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			if (*line == '\0' && nl == NULL)
				break;
			printf("  ");
			text_out(line);
			putchar('\n');
		}
		return 0;
	}
	printf("%-11s ", key);
	text_out(value);
	putchar('\n');
	return 0;
}

static int
request_seq(struct ctl *ctl, uint16_t type, const char *arg)
{
	struct mkbuf *b;
	char *end;
	unsigned long long v;
	int r;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v == 0 ||
	    v > UINT32_MAX)
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, type)) != 0 ||
	    (r = mkmsg_add_u64(b, F_SEQ, v)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("repair", mkerr_str(r));
	return 0;
}

/* ---- play ---- */

static void
pause_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000),
	    (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Replays the output events of a recording (the header line skipped). */
static int
replay(const uint8_t *p, size_t len, double speed, int nowait)
{
	struct mkbuf *data = mkbuf_new(CAST_LINE_MAX);
	const uint8_t *nl;
	uint64_t t, prev = 0;
	size_t off, ll;
	char type;
	int line = 0, r = 0;

	if (data == NULL)
		return fail("repair play", "out of memory");
	for (off = 0; off < len && r == 0; off += ll + 1, line++) {
		nl = memchr(p + off, '\n', len - off);
		ll = nl != NULL ? (size_t)(nl - (p + off)) : len - off;
		if (line == 0)
			continue;	/* the header */
		mkbuf_reset(data);
		if (cast_parse_event((const char *)p + off, ll, &t, &type,
		    data) != 0) {
			r = fail("repair play", "a line of the recording does "
			    "not parse");
			break;
		}
		if (type != 'o')
			continue;
		if (!nowait && t > prev)
			pause_us((uint64_t)((double)(t - prev) / speed));
		prev = t > prev ? t : prev;
		if (write(STDOUT_FILENO, mkbuf_ptr(data), mkbuf_len(data)) !=
		    (ssize_t)mkbuf_len(data))
			r = 1;
	}
	mkbuf_free(data);
	return r;
}

static int
repair_play(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 } };
	const struct mkfield *f;
	struct mkbuf *all;
	struct mkmsg m;
	double speed = 1.0;
	char *end;
	int ch, nowait = 0, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's') {
			speed = strtod(optarg, &end);
			if (*end != '\0' || !(speed >= 0.01 && speed <= 1000))
				usage();
		} else if (ch == 'n')
			nowait = 1;
		else
			usage();
	}
	if (optind + 1 != argc)
		usage();
	if ((r = request_seq(ctl, MSG_REPAIR_PLAY, argv[optind])) != 0)
		return r;
	if ((all = mkbuf_new(PLAY_MAX)) == NULL)
		return fail("repair play", "out of memory");
	/* Nothing is shown until the whole recording has come and checked
	 * out: the daemon ends with ERR if any part differs from the log. */
	for (;;) {
		if ((r = mkclient_recv(ctl->c, &m)) != 0) {
			r = fail("repair play", mkerr_str(r));
			break;
		}
		if (m.type == MSG_DATA && (f = mkmsg_get(&m, F_DATA)) != NULL) {
			if (f->len > 0 && mkbuf_put(all, f->p, f->len) != 0) {
				r = fail("repair play", "recording too large");
				break;
			}
			continue;
		}
		if (m.type == MSG_ERR) {
			mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
			r = fail("repair play refused", ctl->msg);
		} else if (m.type == MSG_OK)
			r = replay(mkbuf_ptr(all), mkbuf_len(all), speed,
			    nowait);
		else
			r = fail("repair play", "unexpected reply");
		break;
	}
	mkbuf_free(all);
	return r;
}

/* ---- sign-off ---- */

static int
repair_signoff(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "work", required_argument, NULL, 'w' },
		{ "account", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 } };
	const char *work = NULL, *account = NULL;
	char pw[PASSWORD_MAX + 1], value[16384];
	struct mkbuf *b;
	struct mkmsg m;
	unsigned long long v;
	char *end;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'w')
			work = optarg;
		else if (ch == 'a')
			account = optarg;
		else
			usage();
	}
	if (optind + 1 != argc || work == NULL || account == NULL ||
	    ctl->user == NULL)
		usage();
	v = strtoull(argv[optind], &end, 10);
	if (*end != '\0' || v == 0 || v > UINT32_MAX)
		usage();
	if (connect_daemon(ctl) != 0)
		return 1;
	if (read_password("Thủ trưởng ký biên bản, mật khẩu / the supervisor "
	    "signs the minutes, password: ", pw, sizeof(pw)) != 0)
		return fail("repair sign-off", "could not read a password");
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_REPAIR_SIGNOFF)) == 0 &&
	    (r = mkmsg_add_u64(b, F_SEQ, v)) == 0 &&
	    (r = mkmsg_add_str(b, F_USER, ctl->user)) == 0 &&
	    (r = mkmsg_add_str(b, F_PASSWORD, pw)) == 0 &&
	    (r = mkmsg_add_str(b, F_WORK, work)) == 0 &&
	    (r = mkmsg_add_str(b, F_TECH_ACCOUNT, account)) == 0)
		r = mkclient_send(ctl->c);
	mk_wipe(pw, sizeof(pw));
	if (r != 0 || (r = mkclient_recv(ctl->c, &m)) != 0)
		return fail("repair sign-off", mkerr_str(r));
	if (m.type == MSG_ERR) {
		mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
		return fail("repair sign-off refused", ctl->msg);
	}
	if (m.type != MSG_OK || mkmsg_str(&m, F_VALUE, value,
	    sizeof(value)) != 0)
		return fail("repair sign-off", "unexpected reply");
	fputs(value, stdout);
	return 0;
}

int
cmd_repair(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { 0, 0 };
	struct mkbuf *b;
	int r;

	if (argc < 2)
		usage();
	argc--;
	argv++;
	if (strcmp(argv[0], "start") == 0)
		return repair_start(ctl, argc, argv);
	if (strcmp(argv[0], "play") == 0)
		return repair_play(ctl, argc, argv);
	if (strcmp(argv[0], "sign-off") == 0)
		return repair_signoff(ctl, argc, argv);
	if (strcmp(argv[0], "list") == 0) {
		l.json = has_json(argc, argv);
		if (login(ctl) != 0)
			return 1;
		b = mkclient_out(ctl->c);
		if ((r = mkmsg_start(b, MSG_REPAIR_LIST)) != 0 ||
		    (r = mkclient_send(ctl->c)) != 0)
			return fail("repair list", mkerr_str(r));
		if (l.json)
			printf("[");
		r = collect(ctl, list_entry, &l, "repair list");
		if (l.json && r == 0)
			printf("]\n");
		return r;
	}
	if (argc != 2)
		usage();
	if (strcmp(argv[0], "show") == 0) {
		if ((r = request_seq(ctl, MSG_REPAIR_SHOW, argv[1])) != 0)
			return r;
		return collect(ctl, show_entry, NULL, "repair show");
	}
	if (strcmp(argv[0], "end") == 0) {
		if ((r = request_seq(ctl, MSG_REPAIR_END, argv[1])) != 0)
			return r;
		return collect(ctl, NULL, NULL, "repair end");
	}
	usage();
}
