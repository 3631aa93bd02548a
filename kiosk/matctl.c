/*
 * matctl: the command-line client of matkioskd, for administrators,
 * scripts and tests. Same protocol as the console; holds no key.
 *
 * Passwords are read from the terminal with echo off; when standard input
 * is not a terminal, one line of it per password asked. Never from the
 * arguments or the environment.
 *
 * Exit status: 0 done, 1 refused or failed (reason on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/conf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"

#include "matctl.h"

void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: matctl [-c FILE] [-u NAME] COMMAND ...\n"
	    "  init --supervisor NAME [--full-name TEXT] [--certificate FILE]\n"
	    "  status [--json]\n"
	    "  doc import PATH --class mat|toi-mat|tuyet-mat [--title TEXT]\n"
	    "  doc list [--json]\n"
	    "  doc cat ID\n"
	    "  doc delete ID\n"
	    "  watch [--count N]\n"
	    "  lockdown clear\n"
	    "  incident list [--json]\n"
	    "  incident show ID\n"
	    "  incident report --level thap|trung-binh|cao|khan-cap "
	    "--summary TEXT\n"
	    "  incident handle|close ID [--note TEXT]\n"
	    "  usb list [--json]\n"
	    "  usb register DEV --label TEXT --owner NAME "
	    "--direction import|export|both\n"
	    "  usb unregister DEV | --serial SERIAL\n"
	    "  passwd\n"
	    "  account list [--json]\n"
	    "  account add NAME --roles ROLE[,ROLE] [--full-name TEXT]\n"
	    "  account set NAME [--roles ROLE[,ROLE]] [--full-name TEXT]\n"
	    "  account disable NAME --reason TEXT\n"
	    "  account enable|reset|unlock NAME\n"
	    "  key rotate\n"
	    "  approve --approver NAME --action ACTION --object WHAT "
	    "[--count N] [--minutes M]\n"
	    "  approval list [--json]\n"
	    "  backup --to PATH | backup --to-medium SERIAL\n"
	    "  backup verify PATH | backup verify --medium SERIAL\n"
	    "  restore --from PATH | --from-medium SERIAL\n"
	    "  media sanitize DEVICE [--certificate FILE]\n"
	    "  decommission --export DIR [--certificate FILE]\n"
	    "  media list SERIAL [--json]\n"
	    "  media import SERIAL PATH [--class C] [--title T]\n"
	    "  copy-out ID --to SERIAL (--package-for WS | --plaintext)\n"
	    "  av update SERIAL PATH\n"
	    "  workstation self | list [--json] | add NAME SIGNPUB XFERPUB\n"
	    "  log [--event E] [--level L] [--user U] [--from YYYY-MM-DD] "
	    "[--to YYYY-MM-DD]\n"
	    "      [--limit N] [--cursor SEQ] [--newer] [--json]\n"
	    "  log head [--qr]\n"
	    "  export inspection --to PATH | --to-medium SERIAL "
	    "[--approver NAME]\n"
	    "  report semiannual|annual --year Y [--half 1|2] [--html]\n"
	    "  selfcheck [--json]\n"
	    "  print ID --printer QUEUE [--copies N] [--approver NAME]\n"
	    "  register [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--csv|--json]\n"
	    "  repair start --technician NAME [--supervisor NAME] "
	    "--reason TEXT\n"
	    "  repair list [--json] | repair show|end N\n"
	    "  repair play N [--speed X] [--no-wait]\n"
	    "  repair sign-off N --work TEXT --account TEXT\n"
	    "roles: drafter, supervisor, it-officer, technician, inspector\n");
	exit(2);
}

int
fail(const char *what, const char *why)
{
	char esc[4200];

	mktext_escape(why, strlen(why), esc, sizeof(esc));
	fprintf(stderr, "matctl: %s: %s\n", what, esc);
	return 1;
}

/* One line of standard input, byte by byte so nothing past it is read. */
static int
read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	for (;;) {
		if ((r = read(fd, &ch, 1)) < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n + 1 >= len)
			return MK_ERR_TOO_LARGE;
		buf[n++] = ch;
	}
	if (r <= 0 && n == 0)
		return MK_ERR_TRUNCATED;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

int
read_password(const char *prompt, char *buf, size_t len)
{
	struct termios old, noecho;
	int r;

	if (!isatty(STDIN_FILENO))
		return read_line(STDIN_FILENO, buf, len);
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return MK_ERR_SYSTEM;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	r = read_line(STDIN_FILENO, buf, len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return r;
}

int
connect_daemon(struct ctl *ctl)
{
	int r;

	if ((r = mkclient_connect(ctl->conf.socket, &ctl->c, ctl->msg,
	    sizeof(ctl->msg))) != 0) {
		fail(ctl->conf.socket, ctl->msg[0] ? ctl->msg : mkerr_str(r));
		return r;
	}
	return 0;
}

int
login(struct ctl *ctl)
{
	char pw[PASSWORD_MAX + 1], prompt[128];
	int r;

	if (ctl->user == NULL) {
		fprintf(stderr, "matctl: this command needs -u NAME\n");
		exit(2);
	}
	if (connect_daemon(ctl) != 0)
		return 1;
	snprintf(prompt, sizeof(prompt), "Mật khẩu / password for %s: ",
	    ctl->user);
	if (read_password(prompt, pw, sizeof(pw)) != 0)
		return fail("password", "could not read a password");
	r = mkclient_auth(ctl->c, ctl->user, pw, ctl->msg, sizeof(ctl->msg));
	mk_wipe(pw, sizeof(pw));
	if (r == MK_ERR_PW_CHANGE) {
		fail("login refused", ctl->msg);
		fprintf(stderr, "matctl: change it with: matctl -u %s passwd\n",
		    ctl->user);
		return 1;
	}
	if (r != 0)
		return fail("login refused", ctl->msg);
	return 0;
}


int
collect(struct ctl *ctl, entry_fn fn, void *arg, const char *what)
{
	struct mkmsg m;
	int r;

	for (;;) {
		if ((r = mkclient_recv(ctl->c, &m)) != 0)
			return fail(what, mkerr_str(r));
		if (m.type == MSG_OK)
			return 0;
		if (m.type == MSG_ERR) {
			mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
			return fail(what, ctl->msg);
		}
		if (fn == NULL)
			return fail(what, "unexpected reply");
		if ((r = fn(ctl, &m, arg)) != 0)
			return r;
	}
}

void
json_str(const char *s)
{
	char esc[8400];
	const char *p;

	mktext_escape(s, strlen(s), esc, sizeof(esc));
	putchar('"');
	for (p = esc; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	putchar('"');
}

void
text_out(const char *s)
{
	char esc[8400];

	mktext_escape(s, strlen(s), esc, sizeof(esc));
	fputs(esc, stdout);
}

/* ---- init ---- */

static int
write_certificate(const char *path, const char *cert)
{
	int fd, r;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0)
		return mkerr_from_errno(errno);
	r = mkfs_write_all(fd, cert, strlen(cert));
	if (r == 0 && fsync(fd) != 0)
		r = mkerr_from_errno(errno);
	close(fd);
	return r;
}

static int
send_init(struct ctl *ctl, const char *sup, const char *full, const char *pw)
{
	struct mkbuf *b = mkclient_out(ctl->c);
	int r;

	if ((r = mkmsg_start(b, MSG_INIT)) != 0 ||
	    (r = mkmsg_add_str(b, F_USER, sup)) != 0 ||
	    (full != NULL && (r = mkmsg_add_str(b, F_FULLNAME, full)) != 0) ||
	    (r = mkmsg_add_str(b, F_PASSWORD, pw)) != 0)
		return r;
	return mkclient_send(ctl->c);
}

int
ask_new_password(const char *sup, char *pw, size_t len)
{
	char again[PASSWORD_MAX + 1], prompt[160];
	int r = 0;

	snprintf(prompt, sizeof(prompt), "Mật khẩu mới / new password for "
	    "%s: ", sup);
	if (read_password(prompt, pw, len) != 0)
		return fail("password", "could not read a password");
	if (isatty(STDIN_FILENO)) {
		if (read_password("Nhập lại / again: ", again,
		    sizeof(again)) != 0 || strcmp(pw, again) != 0)
			r = fail("password", "the two passwords differ");
		mk_wipe(again, sizeof(again));
	}
	return r;
}

static int
show_certificate(const struct mkmsg *m, const char *certpath)
{
	static char cert[8192], code[128];
	int r;

	if (mkmsg_str(m, F_CERT, cert, sizeof(cert)) != 0 ||
	    mkmsg_str(m, F_RECOVERY, code, sizeof(code)) != 0)
		return fail("init", "malformed reply");
	fputs(cert, stdout);
	printf("\nMÃ KHÔI PHỤC / RECOVERY CODE (shown once: print it and keep "
	    "it in the agency's safe; it is not on the certificate):\n"
	    "  %s\n", code);
	mk_wipe(code, sizeof(code));
	if ((r = write_certificate(certpath, cert)) != 0) {
		fail(certpath, mkerr_str(r));
		fprintf(stderr, "matctl: the machine IS provisioned; copy the "
		    "certificate above by hand\n");
		return 1;
	}
	fprintf(stderr, "matctl: sealing certificate written to %s for "
	    "printing\n", certpath);
	return 0;
}

static int
cmd_init(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "supervisor", required_argument, NULL, 's' },
		{ "full-name", required_argument, NULL, 'n' },
		{ "certificate", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	const char *sup = NULL, *full = NULL;
	const char *certpath = "sealing-certificate.txt";
	char pw[PASSWORD_MAX + 1];
	struct mkmsg m;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			sup = optarg;
		else if (ch == 'n')
			full = optarg;
		else if (ch == 'o')
			certpath = optarg;
		else
			usage();
	}
	if (sup == NULL || optind != argc)
		usage();
	if (connect_daemon(ctl) != 0)
		return 1;
	if (ask_new_password(sup, pw, sizeof(pw)) != 0)
		return 1;
	r = send_init(ctl, sup, full, pw);
	mk_wipe(pw, sizeof(pw));
	if (r != 0 || (r = mkclient_recv(ctl->c, &m)) != 0)
		return fail("init", mkerr_str(r));
	if (m.type == MSG_ERR) {
		mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
		return fail("init refused", ctl->msg);
	}
	return show_certificate(&m, certpath);
}

/* ---- status ---- */


static int
status_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct listing *l = arg;
	char key[128], value[1024];

	(void)ctl;
	if (m->type != MSG_ENTRY || mkmsg_str(m, F_KEY, key, sizeof(key)) ||
	    mkmsg_str(m, F_VALUE, value, sizeof(value)))
		return fail("status", "malformed reply");
	if (l->json) {
		printf("%s", l->count++ ? ", " : "{");
		json_str(key);
		printf(": ");
		json_str(value);
	} else {
		char *line, *save = NULL;

		printf("%-16s ", key);
		/* Multi-line values (the network) one escaped line each. */
		for (line = strtok_r(value, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			text_out(line);
			printf("\n%s", save != NULL && *save ? "                 " :
			    "");
		}
		if (value[0] == '\0')
			putchar('\n');
	}
	return 0;
}

int
has_json(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		return 1;
	if (argc != 1)
		usage();
	return 0;
}

static int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { has_json(argc, argv), 0 };
	int r;

	if (ctl->user != NULL ? login(ctl) != 0 : connect_daemon(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), MSG_STATUS)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("status", mkerr_str(r));
	if ((r = collect(ctl, status_entry, &l, "status")) != 0)
		return r;
	if (l.json)
		printf("%s}\n", l.count ? "" : "{");
	return 0;
}

/* ---- doc ---- */

static int
stream_file(struct ctl *ctl, int fd)
{
	static uint8_t buf[PROTO_DATA_MAX];
	struct mkbuf *b = mkclient_out(ctl->c);
	size_t got;
	int r;

	for (;;) {
		if ((r = mkfs_read_full(fd, buf, sizeof(buf), &got)) != 0)
			return r;
		if (got == 0)
			break;
		if ((r = mkmsg_start(b, MSG_DATA)) != 0 ||
		    (r = mkmsg_add(b, F_DATA, buf, got)) != 0 ||
		    (r = mkclient_send(ctl->c)) != 0)
			return r;
		if (got < sizeof(buf))
			break;
	}
	mk_wipe(buf, sizeof(buf));
	if ((r = mkmsg_start(b, MSG_END)) != 0)
		return r;
	return mkclient_send(ctl->c);
}

static int
import_begin(struct ctl *ctl, const char *cls, const char *title)
{
	struct mkbuf *b = mkclient_out(ctl->c);
	struct mkmsg m;
	int r;

	if ((r = mkmsg_start(b, MSG_DOC_IMPORT)) != 0 ||
	    (r = mkmsg_add_str(b, F_CLASS, cls)) != 0 ||
	    (r = mkmsg_add_str(b, F_TITLE, title)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0 ||
	    (r = mkclient_recv(ctl->c, &m)) != 0)
		return fail("import", mkerr_str(r));
	if (m.type == MSG_ERR) {
		mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
		return fail("import refused", ctl->msg);
	}
	return m.type == MSG_OK ? 0 : fail("import", "unexpected reply");
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int
cmd_doc_import(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'k' },
		{ "title", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 } };
	const char *cls = NULL, *title = NULL, *path;
	char id[64];
	struct mkmsg m;
	int ch, fd, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'k')
			cls = optarg;
		else if (ch == 't')
			title = optarg;
		else
			usage();
	}
	if (cls == NULL || optind + 1 != argc)
		usage();
	path = argv[optind];
	if (title == NULL)
		title = base_name(path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return fail(path, strerror(errno));
	if (login(ctl) != 0 || import_begin(ctl, cls, title) != 0) {
		close(fd);
		return 1;
	}
	r = stream_file(ctl, fd);
	close(fd);
	if (r != 0)
		return fail(path, mkerr_str(r));
	if ((r = mkclient_recv(ctl->c, &m)) != 0)
		return fail("import", mkerr_str(r));
	if (m.type == MSG_ERR) {
		mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
		return fail("import failed", ctl->msg);
	}
	if (mkmsg_str(&m, F_ID, id, sizeof(id)) != 0)
		return fail("import", "malformed reply");
	printf("%s\n", id);
	return 0;
}

static const char *
class_label(const char *token)
{
	if (strcmp(token, "mat") == 0)
		return "Mật";
	if (strcmp(token, "toi-mat") == 0)
		return "Tối mật";
	if (strcmp(token, "tuyet-mat") == 0)
		return "Tuyệt mật";
	return "?";
}

struct docrow {
	char		id[64], state[128], cls[16], title[600], author[64];
	uint64_t	created, size;
};

static int
parse_docrow(const struct mkmsg *m, struct docrow *d)
{
	memset(d, 0, sizeof(*d));
	if (m->type != MSG_ENTRY || mkmsg_str(m, F_ID, d->id, sizeof(d->id)) ||
	    mkmsg_str(m, F_STATE, d->state, sizeof(d->state)))
		return MK_ERR_PROTOCOL;
	if (strcmp(d->state, "ok") != 0)
		return 0;
	if (mkmsg_str(m, F_CLASS, d->cls, sizeof(d->cls)) ||
	    mkmsg_str(m, F_TITLE, d->title, sizeof(d->title)) ||
	    mkmsg_str(m, F_AUTHOR, d->author, sizeof(d->author)) ||
	    mkmsg_u64(m, F_CREATED, &d->created) ||
	    mkmsg_u64(m, F_SIZE, &d->size))
		return MK_ERR_PROTOCOL;
	return 0;
}

static void
print_docrow_json(const struct docrow *d, int first)
{
	printf("%s{\"id\": ", first ? "" : ",\n ");
	json_str(d->id);
	printf(", \"state\": ");
	json_str(d->state);
	if (strcmp(d->state, "ok") == 0) {
		printf(", \"class\": ");
		json_str(d->cls);
		printf(", \"title\": ");
		json_str(d->title);
		printf(", \"author\": ");
		json_str(d->author);
		printf(", \"created\": %" PRIu64 ", \"size\": %" PRIu64,
		    d->created, d->size);
	}
	printf("}");
}

static int
doc_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct listing *l = arg;
	struct docrow d;
	char when[32];
	time_t t;
	struct tm tm;

	(void)ctl;
	if (parse_docrow(m, &d) != 0)
		return fail("doc list", "malformed reply");
	if (l->json) {
		print_docrow_json(&d, l->count++ == 0);
		return 0;
	}
	if (strcmp(d.state, "ok") != 0) {
		printf("%s  DAMAGED: %s\n", d.id, d.state);
		return 0;
	}
	t = (time_t)d.created;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%s  %-10s %10" PRIu64 "  %s  %-12s ", d.id,
	    class_label(d.cls), d.size, when, d.author);
	text_out(d.title);
	putchar('\n');
	return 0;
}

static int
cmd_doc_list(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { has_json(argc, argv), 0 };
	int r;

	if (login(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), MSG_DOC_LIST)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("doc list", mkerr_str(r));
	if (l.json)
		printf("[");
	if ((r = collect(ctl, doc_entry, &l, "doc list")) != 0)
		return r;
	if (l.json)
		printf("]\n");
	return 0;
}

static int
cat_data(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	const struct mkfield *f;
	int r;

	(void)ctl;
	(void)arg;
	if (m->type != MSG_DATA || (f = mkmsg_get(m, F_DATA)) == NULL)
		return fail("doc cat", "malformed reply");
	if ((r = mkfs_write_all(STDOUT_FILENO, f->p, f->len)) != 0)
		return fail("stdout", mkerr_str(r));
	return 0;
}

static int
cmd_doc_id(struct ctl *ctl, int argc, char **argv, unsigned type,
    const char *what)
{
	int r;

	if (argc != 2)
		usage();
	if (login(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), (uint16_t)type)) != 0 ||
	    (r = mkmsg_add_str(mkclient_out(ctl->c), F_ID, argv[1])) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail(what, mkerr_str(r));
	return collect(ctl, cat_data, NULL, what);
}

static int
cmd_doc(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2)
		usage();
	/* 0, not 1: GNU getopt then forgets the '+' mode of main's call. */
	optind = 0;
	if (strcmp(argv[1], "import") == 0)
		return cmd_doc_import(ctl, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return cmd_doc_list(ctl, argc - 1, argv + 1);
	if (strcmp(argv[1], "cat") == 0)
		return cmd_doc_id(ctl, argc - 1, argv + 1, MSG_DOC_CAT,
		    "doc cat");
	if (strcmp(argv[1], "delete") == 0)
		return cmd_doc_id(ctl, argc - 1, argv + 1, MSG_DOC_DELETE,
		    "doc delete");
	usage();
	return 2;
}

/* ---- watch, lockdown, incidents ---- */

static int
print_event(const struct mkmsg *m)
{
	char state[32], msg[512];

	if (mkmsg_str(m, F_STATE, state, sizeof(state)) != 0 ||
	    mkmsg_str(m, F_MESSAGE, msg, sizeof(msg)) != 0)
		return fail("watch", "malformed event");
	printf("state %s", state);
	if (msg[0] != '\0') {
		fputs(": ", stdout);
		text_out(msg);
	}
	putchar('\n');
	fflush(stdout);
	return 0;
}

/* Prints the current state, then each pushed change, one line each. */
static int
cmd_watch(struct ctl *ctl, int argc, char **argv)
{
	long count = -1, seen = 0;
	struct mkmsg m;
	int r;

	if (argc == 3 && strcmp(argv[1], "--count") == 0)
		count = strtol(argv[2], NULL, 10);
	else if (argc != 1)
		usage();
	if (connect_daemon(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), MSG_WATCH)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0 ||
	    (r = mkclient_recv(ctl->c, &m)) != 0)
		return fail("watch", mkerr_str(r));
	if (m.type != MSG_OK || print_event(&m) != 0)
		return fail("watch", "refused");
	while (count < 0 || seen < count) {
		if ((r = mkclient_recv(ctl->c, &m)) != 0)
			return fail("watch", mkerr_str(r));
		if (m.type != MSG_EVENT || print_event(&m) != 0)
			return fail("watch", "unexpected frame");
		seen++;
	}
	return 0;
}

static int
cmd_lockdown(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "clear") != 0)
		usage();
	if (login(ctl) != 0)
		return 1;
	if (mkclient_simple(ctl->c, MSG_LOCKDOWN_CLEAR, 0, NULL, ctl->msg,
	    sizeof(ctl->msg)) != 0)
		return fail("lockdown clear refused", ctl->msg);
	fprintf(stderr, "matctl: lockdown cleared\n");
	return 0;
}

static int
incident_row(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct listing *l = arg;
	char level[16], state[16], summary[600], when[32];
	uint64_t id, opened;
	time_t t;
	struct tm tm;

	(void)ctl;
	if (m->type != MSG_ENTRY || mkmsg_u64(m, F_SEQ, &id) ||
	    mkmsg_str(m, F_LEVEL, level, sizeof(level)) ||
	    mkmsg_str(m, F_STATE, state, sizeof(state)) ||
	    mkmsg_u64(m, F_CREATED, &opened) ||
	    mkmsg_str(m, F_MESSAGE, summary, sizeof(summary)))
		return fail("incident list", "malformed reply");
	if (l->json) {
		printf("%s{\"id\": %" PRIu64 ", \"level\": ",
		    l->count++ ? ",\n " : "", id);
		json_str(level);
		printf(", \"state\": ");
		json_str(state);
		printf(", \"opened\": %" PRIu64 ", \"summary\": ", opened);
		json_str(summary);
		printf("}");
		return 0;
	}
	t = (time_t)opened;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%4" PRIu64 "  %-10s %-8s %s  ", id, level, state, when);
	text_out(summary);
	putchar('\n');
	return 0;
}

static int
send_incident(struct ctl *ctl, unsigned type, uint64_t id, const char *state,
    const char *note)
{
	struct mkbuf *b = mkclient_out(ctl->c);
	int r;

	if ((r = mkmsg_start(b, (uint16_t)type)) != 0 ||
	    (r = mkmsg_add_u64(b, F_SEQ, id)) != 0 ||
	    (state != NULL && (r = mkmsg_add_str(b, F_STATE, state)) != 0) ||
	    (note != NULL && (r = mkmsg_add_str(b, F_NOTE, note)) != 0))
		return r;
	return mkclient_send(ctl->c);
}

static uint64_t
parse_id(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > UINT32_MAX)
		usage();
	return v;
}

static int
incident_report(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "summary", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	const char *level = NULL, *summary = NULL;
	struct mkbuf *b;
	struct mkmsg m;
	uint64_t id;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'l')
			level = optarg;
		else if (ch == 's')
			summary = optarg;
		else
			usage();
	}
	if (level == NULL || summary == NULL || optind != argc)
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_INCIDENT_REPORT)) != 0 ||
	    (r = mkmsg_add_str(b, F_LEVEL, level)) != 0 ||
	    (r = mkmsg_add_str(b, F_MESSAGE, summary)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0 ||
	    (r = mkclient_recv(ctl->c, &m)) != 0)
		return fail("incident report", mkerr_str(r));
	if (m.type == MSG_ERR) {
		mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
		return fail("incident report refused", ctl->msg);
	}
	if (mkmsg_u64(&m, F_SEQ, &id) != 0)
		return fail("incident report", "malformed reply");
	printf("%" PRIu64 "\n", id);
	return 0;
}

static int
incident_update(struct ctl *ctl, int argc, char **argv, const char *state)
{
	static const struct option opts[] = {
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 } };
	const char *note = NULL;
	struct mkmsg m;
	uint64_t id;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'n')
			usage();
		note = optarg;
	}
	if (optind + 1 != argc)
		usage();
	id = parse_id(argv[optind]);
	if (login(ctl) != 0)
		return 1;
	if ((r = send_incident(ctl, MSG_INCIDENT_UPDATE, id, state,
	    note)) != 0 || (r = mkclient_recv(ctl->c, &m)) != 0)
		return fail("incident", mkerr_str(r));
	if (m.type == MSG_ERR) {
		mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
		return fail("incident refused", ctl->msg);
	}
	return 0;
}

static int
cmd_incident(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { 0, 0 };
	int r;

	if (argc < 2)
		usage();
	optind = 0;
	if (strcmp(argv[1], "report") == 0)
		return incident_report(ctl, argc - 1, argv + 1);
	if (strcmp(argv[1], "handle") == 0)
		return incident_update(ctl, argc - 1, argv + 1, "handled");
	if (strcmp(argv[1], "close") == 0)
		return incident_update(ctl, argc - 1, argv + 1, "closed");
	if (strcmp(argv[1], "show") == 0) {
		if (argc != 3)
			usage();
		if (login(ctl) != 0)
			return 1;
		if ((r = send_incident(ctl, MSG_INCIDENT_SHOW,
		    parse_id(argv[2]), NULL, NULL)) != 0)
			return fail("incident show", mkerr_str(r));
		return collect(ctl, status_entry, &l, "incident show");
	}
	if (strcmp(argv[1], "list") != 0)
		usage();
	l.json = has_json(argc - 1, argv + 1);
	if (login(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), MSG_INCIDENT_LIST)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("incident list", mkerr_str(r));
	if (l.json)
		printf("[");
	if ((r = collect(ctl, incident_row, &l, "incident list")) != 0)
		return r;
	if (l.json)
		printf("]\n");
	return 0;
}

/* ---- usb ---- */

/* The daemon sends device strings escaped already; escaping them again
 * would double every backslash. Anything unclean is escaped anyway. */
static void
clean_out(const char *s)
{
	if (mktext_is_clean(s, strlen(s)))
		fputs(s, stdout);
	else
		text_out(s);
}

static void
json_clean(const char *s)
{
	const char *p;

	if (!mktext_is_clean(s, strlen(s))) {
		json_str(s);
		return;
	}
	putchar('"');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	putchar('"');
}

#define USB_NFIELDS	8

static int
usb_row(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	static const uint8_t tags[USB_NFIELDS] = { F_PORT, F_DEVID,
	    F_SERIAL, F_NAME, F_IFACES, F_TARGET, F_RULE, F_REASON };
	static const char *names[USB_NFIELDS] = { "device", "id", "serial",
	    "name", "interfaces", "decision", "rule", "reason" };
	struct listing *l = arg;
	char v[USB_NFIELDS][1600];
	size_t i;

	(void)ctl;
	for (i = 0; i < USB_NFIELDS; i++)
		if (m->type != MSG_ENTRY ||
		    mkmsg_str(m, tags[i], v[i], sizeof(v[i])) != 0)
			return fail("usb list", "malformed reply");
	if (l->json) {
		printf("%s{", l->count++ ? ",\n " : "");
		for (i = 0; i < USB_NFIELDS; i++) {
			printf("%s\"%s\": ", i ? ", " : "", names[i]);
			json_clean(v[i]);
		}
		printf("}");
		return 0;
	}
	/* device id decision reason rule "name" serial [interfaces] */
	printf("%-8s %s %-6s %-22s rule %-3s \"", v[0], v[1], v[5], v[7],
	    v[6]);
	clean_out(v[3]);
	printf("\" serial \"");
	clean_out(v[2]);
	printf("\" interfaces { %s }\n", v[4]);
	return 0;
}

static int
usb_list(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { has_json(argc, argv), 0 };
	int r;

	if (ctl->user != NULL ? login(ctl) != 0 : connect_daemon(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), MSG_USB_LIST)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("usb list", mkerr_str(r));
	if (l.json)
		printf("[");
	if ((r = collect(ctl, usb_row, &l, "usb list")) != 0)
		return r;
	if (l.json)
		printf("]\n");
	return 0;
}

static int
usb_register(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "owner", required_argument, NULL, 'o' },
		{ "direction", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 } };
	const char *label = NULL, *owner = NULL, *dir = NULL;
	struct mkbuf *b;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'l')
			label = optarg;
		else if (ch == 'o')
			owner = optarg;
		else if (ch == 'd')
			dir = optarg;
		else
			usage();
	}
	if (!label || !owner || !dir || optind + 1 != argc)
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_USB_REGISTER)) != 0 ||
	    (r = mkmsg_add_str(b, F_PORT, argv[optind])) != 0 ||
	    (r = mkmsg_add_str(b, F_LABEL, label)) != 0 ||
	    (r = mkmsg_add_str(b, F_OWNER, owner)) != 0 ||
	    (r = mkmsg_add_str(b, F_DIRECTION, dir)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("usb register", mkerr_str(r));
	return collect(ctl, NULL, NULL, "usb register refused");
}

static int
usb_unregister(struct ctl *ctl, int argc, char **argv)
{
	struct mkbuf *b;
	int r;

	if (argc != 2 && (argc != 3 || strcmp(argv[1], "--serial") != 0))
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_USB_UNREGISTER)) != 0 ||
	    (r = mkmsg_add_str(b, argc == 2 ? F_PORT : F_SERIAL,
	    argv[argc - 1])) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("usb unregister", mkerr_str(r));
	return collect(ctl, NULL, NULL, "usb unregister refused");
}

static int
cmd_usb(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2)
		usage();
	optind = 0;
	if (strcmp(argv[1], "list") == 0)
		return usb_list(ctl, argc - 1, argv + 1);
	if (strcmp(argv[1], "register") == 0)
		return usb_register(ctl, argc - 1, argv + 1);
	if (strcmp(argv[1], "unregister") == 0)
		return usb_unregister(ctl, argc - 1, argv + 1);
	usage();
	return 2;
}

/* ---- log ---- */

struct logopts {
	const char	*event, *level, *user, *dir;
	uint64_t	 from, to, limit, cursor;
	int		 has_from, has_to, has_limit, has_cursor, json;
};

/* A decimal u64, digits only. */
static uint64_t
parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0)
		usage();
	return v;
}

/* YYYY-MM-DD, 00:00 UTC (the times matctl prints are UTC too). */
static uint64_t
parse_day(const char *s)
{
	struct tm tm, back;
	int y, m, d, n = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    s[n] != '\0' || y < 1970)
		usage();
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	/* 2026-02-31 would be normalised to March: refuse it instead. */
	if (t < 0 || gmtime_r(&t, &back) == NULL || back.tm_mday != d ||
	    back.tm_mon != m - 1)
		usage();
	return (uint64_t)t;
}

static void
log_options(int argc, char **argv, struct logopts *o)
{
	static const struct option opts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "level", required_argument, NULL, 'l' },
		{ "user", required_argument, NULL, 'u' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'n' },
		{ "cursor", required_argument, NULL, 'c' },
		{ "newer", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 } };
	int ch;

	memset(o, 0, sizeof(*o));
	o->dir = "older";
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'e')
			o->event = optarg;
		else if (ch == 'l')
			o->level = optarg;
		else if (ch == 'u')
			o->user = optarg;
		else if (ch == 'f') {
			o->from = parse_day(optarg);
			o->has_from = 1;
		} else if (ch == 't') {
			/* The last day shown: up to its end. */
			o->to = parse_day(optarg) + 86400;
			o->has_to = 1;
		} else if (ch == 'n') {
			o->limit = parse_u64(optarg);
			o->has_limit = 1;
		} else if (ch == 'c') {
			o->cursor = parse_u64(optarg);
			o->has_cursor = 1;
		} else if (ch == 'N')
			o->dir = "newer";
		else if (ch == 'j')
			o->json = 1;
		else
			usage();
	}
	if (optind != argc)
		usage();
}

static int
send_log_query(struct ctl *ctl, const struct logopts *o)
{
	struct mkbuf *b = mkclient_out(ctl->c);
	int r;

	if ((r = mkmsg_start(b, MSG_LOG_QUERY)) != 0 ||
	    (r = mkmsg_add_str(b, F_DIRECTION, o->dir)) != 0 ||
	    (o->has_cursor && (r = mkmsg_add_u64(b, F_CURSOR,
	    o->cursor)) != 0) ||
	    (o->has_limit && (r = mkmsg_add_u64(b, F_LIMIT, o->limit)) != 0) ||
	    (o->event && (r = mkmsg_add_str(b, F_EVENT, o->event)) != 0) ||
	    (o->level && (r = mkmsg_add_str(b, F_LEVEL, o->level)) != 0) ||
	    (o->user && (r = mkmsg_add_str(b, F_USER, o->user)) != 0) ||
	    (o->has_from && (r = mkmsg_add_u64(b, F_FROM, o->from)) != 0) ||
	    (o->has_to && (r = mkmsg_add_u64(b, F_TO, o->to)) != 0))
		return r;
	return mkclient_send(ctl->c);
}

/* One record of a page; the daemon escaped every string already. */
struct logrow {
	uint64_t	seq, created, count;
	char		state[16], level[16], event[16400], object[16400];
	char		user[16400], role[16400], msg[270000];
};

static int
parse_logrow(const struct mkmsg *m, struct logrow *w)
{
	if (m->type != MSG_ENTRY || mkmsg_u64(m, F_SEQ, &w->seq) ||
	    mkmsg_str(m, F_STATE, w->state, sizeof(w->state)) ||
	    mkmsg_u64(m, F_CREATED, &w->created) ||
	    mkmsg_str(m, F_LEVEL, w->level, sizeof(w->level)) ||
	    mkmsg_str(m, F_USER, w->user, sizeof(w->user)) ||
	    mkmsg_str(m, F_ROLE, w->role, sizeof(w->role)) ||
	    mkmsg_str(m, F_EVENT, w->event, sizeof(w->event)) ||
	    mkmsg_str(m, F_OBJECT, w->object, sizeof(w->object)) ||
	    mkmsg_str(m, F_MESSAGE, w->msg, sizeof(w->msg)))
		return MK_ERR_PROTOCOL;
	w->count = 1;
	if (strcmp(w->state, "ok") != 0 && mkmsg_u64(m, F_COUNT, &w->count))
		return MK_ERR_PROTOCOL;
	return 0;
}

static void
print_logrow_json(const struct logrow *w, int first)
{
	printf("%s{\"seq\": %" PRIu64 ", \"state\": ", first ? "" : ",\n ",
	    w->seq);
	json_clean(w->state);
	printf(", \"count\": %" PRIu64 ", \"time\": %" PRIu64
	    ", \"level\": ", w->count, w->created);
	json_clean(w->level);
	printf(", \"user\": ");
	json_clean(w->user);
	printf(", \"role\": ");
	json_clean(w->role);
	printf(", \"event\": ");
	json_clean(w->event);
	printf(", \"object\": ");
	json_clean(w->object);
	printf(", \"fields\": ");
	json_clean(w->msg);
	printf("}");
}

static int
log_row(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	static struct logrow w;
	struct listing *l = arg;
	char when[32], who[80];
	time_t t;
	struct tm tm;

	(void)ctl;
	if (parse_logrow(m, &w) != 0)
		return fail("log", "malformed reply");
	if (l->json) {
		print_logrow_json(&w, l->count++ == 0);
		return 0;
	}
	l->count++;
	if (strcmp(w.state, "ok") != 0) {
		printf("%8" PRIu64 "  DAMAGED  ", w.seq);
		clean_out(w.msg);
		putchar('\n');
		return 0;
	}
	t = (time_t)w.created;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	/* Display only: a long name is cut, the fields still follow. */
	if (snprintf(who, sizeof(who), "%s/%s", w.user, w.role) < 0)
		who[0] = '\0';
	printf("%8" PRIu64 "  %s  %-10s  ", w.seq, when, w.level);
	clean_out(who);
	printf("%*s  ", (int)(strlen(who) < 24 ? 24 - strlen(who) : 0), "");
	clean_out(w.event);
	printf("%*s  ", (int)(strlen(w.event) < 18 ? 18 - strlen(w.event) :
	    0), "");
	clean_out(w.object[0] != '\0' ? w.object : "-");
	if (w.msg[0] != '\0') {
		fputs("  ", stdout);
		clean_out(w.msg);
	}
	putchar('\n');
	return 0;
}

/* One page; the OK that ends it says where the next one starts (on
 * stderr, so that standard output holds only records). */
static int
cmd_log(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { 0, 0 };
	struct logopts o;
	struct mkmsg m;
	uint64_t total = 0, cursor = 0, scanned = 0;
	int r, more;

	optind = 0;
	log_options(argc, argv, &o);
	l.json = o.json;
	if (ctl->user != NULL ? login(ctl) != 0 : connect_daemon(ctl) != 0)
		return 1;
	if ((r = send_log_query(ctl, &o)) != 0)
		return fail("log", mkerr_str(r));
	if (l.json)
		printf("{\"records\": [");
	for (;;) {
		if ((r = mkclient_recv(ctl->c, &m)) != 0)
			return fail("log", mkerr_str(r));
		if (m.type == MSG_ERR) {
			mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
			return fail("log", ctl->msg);
		}
		if (m.type == MSG_OK)
			break;
		if ((r = log_row(ctl, &m, &l)) != 0)
			return r;
	}
	more = mkmsg_u64(&m, F_CURSOR, &cursor) == 0;
	if (mkmsg_u64(&m, F_TOTAL, &total) != 0)
		return fail("log", "malformed reply");
	(void)mkmsg_u64(&m, F_SCANNED, &scanned);
	if (l.json) {
		printf("],\n \"total\": %" PRIu64 ", \"scanned\": %" PRIu64
		    ", \"cursor\": ", total, scanned);
		if (more)
			printf("%" PRIu64 "}\n", cursor);
		else
			printf("null}\n");
	} else if (more)
		fprintf(stderr, "matctl: %d shown, %" PRIu64 " records in the "
		    "log; next page: --cursor %" PRIu64 "\n", l.count, total,
		    cursor);
	else
		fprintf(stderr, "matctl: %d shown, %" PRIu64 " records in the "
		    "log; no more\n", l.count, total);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct ctl ctl;
	const char *conf = NULL;
	char err[1400];
	int ch, r;

	/* The password buffers are on this process's stack: keep them out
	 * of swap and core files. */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	while ((ch = getopt(argc, argv, "+c:u:h")) != -1) {
		if (ch == 'c')
			conf = optarg;
		else if (ch == 'u')
			ctl.user = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	mkconf_defaults(&ctl.conf);
	if (mkconf_load(conf, &ctl.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "matctl: %s\n", err);
		return 1;
	}
	optind = 0;
	if (strcmp(argv[0], "init") == 0)
		r = cmd_init(&ctl, argc, argv);
	else if (strcmp(argv[0], "status") == 0)
		r = cmd_status(&ctl, argc, argv);
	else if (strcmp(argv[0], "doc") == 0)
		r = cmd_doc(&ctl, argc, argv);
	else if (strcmp(argv[0], "watch") == 0)
		r = cmd_watch(&ctl, argc, argv);
	else if (strcmp(argv[0], "lockdown") == 0)
		r = cmd_lockdown(&ctl, argc, argv);
	else if (strcmp(argv[0], "incident") == 0)
		r = cmd_incident(&ctl, argc, argv);
	else if (strcmp(argv[0], "usb") == 0)
		r = cmd_usb(&ctl, argc, argv);
	else if (strcmp(argv[0], "passwd") == 0)
		r = cmd_passwd(&ctl, argc, argv);
	else if (strcmp(argv[0], "account") == 0)
		r = cmd_account(&ctl, argc, argv);
	else if (strcmp(argv[0], "key") == 0)
		r = cmd_key(&ctl, argc, argv);
	else if (strcmp(argv[0], "approve") == 0)
		r = cmd_approve(&ctl, argc, argv);
	else if (strcmp(argv[0], "approval") == 0)
		r = cmd_approval(&ctl, argc, argv);
	else if (strcmp(argv[0], "backup") == 0)
		r = cmd_backup(&ctl, argc, argv);
	else if (strcmp(argv[0], "restore") == 0)
		r = cmd_restore(&ctl, argc, argv);
	else if (strcmp(argv[0], "media") == 0)
		r = cmd_media(&ctl, argc, argv);
	else if (strcmp(argv[0], "decommission") == 0)
		r = cmd_decommission(&ctl, argc, argv);
	else if (strcmp(argv[0], "log") == 0 && argc > 1 &&
	    strcmp(argv[1], "head") == 0)
		r = cmd_log_head(&ctl, argc, argv);
	else if (strcmp(argv[0], "log") == 0)
		r = cmd_log(&ctl, argc, argv);
	else if (strcmp(argv[0], "export") == 0)
		r = cmd_export(&ctl, argc, argv);
	else if (strcmp(argv[0], "report") == 0)
		r = cmd_report(&ctl, argc, argv);
	else if (strcmp(argv[0], "selfcheck") == 0)
		r = cmd_selfcheck(&ctl, argc, argv);
	else if (strcmp(argv[0], "print") == 0)
		r = cmd_print(&ctl, argc, argv);
	else if (strcmp(argv[0], "register") == 0)
		r = cmd_register(&ctl, argc, argv);
	else if (strcmp(argv[0], "copy-out") == 0)
		r = cmd_copy_out(&ctl, argc, argv);
	else if (strcmp(argv[0], "av") == 0)
		r = cmd_av(&ctl, argc, argv);
	else if (strcmp(argv[0], "workstation") == 0)
		r = cmd_workstation(&ctl, argc, argv);
	else if (strcmp(argv[0], "repair") == 0)
		r = cmd_repair(&ctl, argc, argv);
	else
		usage();
	mkclient_close(ctl.c);
	return r;
}
