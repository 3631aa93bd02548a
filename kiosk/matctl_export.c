/*
 * matctl: inspection export, log head, reports, self-check (issue 10;
 * kiosk/exportops.c, kiosk/reportops.c, kiosk/selfcheck.c).
 *   export inspection --to PATH | --to-medium SERIAL [--approver NAME]
 *        an inspector; with --approver the supervisor's password is read
 *        next (after the inspector's) and the approval given first
 *   log head [--qr]           the log head to photograph (anyone)
 *   report semiannual|annual --year Y [--half 1|2] [--html]
 *   selfcheck [--json]
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/qrtext.h"
#include "matctl.h"

/* The anchored head: seq and the first 32 hex digits (128 bits) of its
 * MAC, which matverify --expect-head takes as they are. */
#define HEAD_HEX	32

static int
wait_ok(struct ctl *ctl, const char *what, struct mkmsg *ok)
{
	struct mkmsg m;
	int r;

	if ((r = mkclient_send(ctl->c)) != 0 ||
	    (r = mkclient_recv(ctl->c, &m)) != 0)
		return fail(what, mkerr_str(r));
	if (m.type == MSG_ERR) {
		mkclient_error(&m, ctl->msg, sizeof(ctl->msg));
		return fail(what, ctl->msg);
	}
	if (m.type != MSG_OK)
		return fail(what, "unexpected reply");
	*ok = m;
	return 0;
}

/* The supervisor approves this one export at the inspector's console. */
static int
approve_export(struct ctl *ctl, const char *approver)
{
	char pw[PASSWORD_MAX + 1], prompt[160];
	struct mkbuf *b = mkclient_out(ctl->c);
	struct mkmsg ok;
	int r;

	snprintf(prompt, sizeof(prompt), "Mật khẩu người phê duyệt / "
	    "approving supervisor %s's password: ", approver);
	if (read_password(prompt, pw, sizeof(pw)) != 0)
		return fail("password", "could not read a password");
	if ((r = mkmsg_start(b, MSG_APPROVE)) == 0 &&
	    (r = mkmsg_add_str(b, F_APPROVER, approver)) == 0 &&
	    (r = mkmsg_add_str(b, F_PASSWORD, pw)) == 0 &&
	    (r = mkmsg_add_str(b, F_ACTION, "export.inspection")) == 0 &&
	    (r = mkmsg_add_str(b, F_OBJECT, "inspection")) == 0 &&
	    (r = mkmsg_add_u64(b, F_COUNT, 1)) == 0)
		r = mkmsg_add_u64(b, F_UNTIL, (uint64_t)time(NULL) + 30 * 60);
	mk_wipe(pw, sizeof(pw));
	if (r != 0)
		return fail("approve", mkerr_str(r));
	r = wait_ok(ctl, "approval refused", &ok);
	mkbuf_reset(b);
	return r;
}

int
cmd_export(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "to-medium", required_argument, NULL, 'm' },
		{ "approver", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 } };
	const char *to = NULL, *medium = NULL, *approver = NULL;
	char path[1100], mac[80], hash[80];
	struct mkbuf *b;
	struct mkmsg ok;
	uint64_t seq = 0, n = 0, size = 0;
	int ch, r;

	if (argc < 2 || strcmp(argv[1], "inspection") != 0)
		usage();
	optind = 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 't')
			to = optarg;
		else if (ch == 'm')
			medium = optarg;
		else if (ch == 'a')
			approver = optarg;
		else
			usage();
	}
	if ((to == NULL) == (medium == NULL) || optind != argc)
		usage();
	if (login(ctl) != 0)
		return 1;
	if (approver != NULL && approve_export(ctl, approver) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_EXPORT)) != 0 ||
	    (r = mkmsg_add_str(b, to != NULL ? F_PATH : F_SERIAL,
	    to != NULL ? to : medium)) != 0)
		return fail("export", mkerr_str(r));
	if (wait_ok(ctl, "export failed", &ok) != 0)
		return 1;
	if (mkmsg_str(&ok, F_PATH, path, sizeof(path)) != 0 ||
	    mkmsg_str(&ok, F_MAC, mac, sizeof(mac)) != 0 ||
	    mkmsg_str(&ok, F_HASH, hash, sizeof(hash)) != 0 ||
	    mkmsg_u64(&ok, F_SEQ, &seq) != 0)
		return fail("export", "malformed reply");
	(void)mkmsg_u64(&ok, F_COUNT, &n);
	(void)mkmsg_u64(&ok, F_SIZE, &size);
	printf("export: ");
	text_out(path);
	printf("\n  members %" PRIu64 ", %" PRIu64 " bytes\n  log head seq %"
	    PRIu64 " MAC %.*s\n  manifest sha256 %s\n", n, size, seq, HEAD_HEX,
	    mac, hash);
	return 0;
}

int
cmd_log_head(struct ctl *ctl, int argc, char **argv)
{
	char mac[80], text[128];
	struct mkbuf *b, *qr = NULL;
	struct mkmsg ok;
	uint64_t seq;
	int qrwant = argc == 3 && strcmp(argv[2], "--qr") == 0;

	if (argc != 2 && !qrwant)
		usage();
	if (connect_daemon(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if (mkmsg_start(b, MSG_LOG_HEAD) != 0 || wait_ok(ctl, "log head",
	    &ok) != 0)
		return 1;
	if (mkmsg_u64(&ok, F_SEQ, &seq) != 0 ||
	    mkmsg_str(&ok, F_MAC, mac, sizeof(mac)) != 0 ||
	    strlen(mac) < HEAD_HEX)
		return fail("log head", "malformed reply");
	snprintf(text, sizeof(text), "%" PRIu64 ":%.*s", seq, HEAD_HEX, mac);
	printf("Đầu nhật ký / log head: bản ghi / seq %" PRIu64 ", MAC %.*s\n"
	    "matverify --expect-head %s\n", seq, HEAD_HEX, mac, text);
	if (!qrwant)
		return 0;
	if ((qr = mkbuf_new(1u << 16)) == NULL || qrtext_render(text, qr) != 0) {
		mkbuf_free(qr);
		return fail("log head", "cannot draw the QR code");
	}
	fwrite(mkbuf_ptr(qr), 1, mkbuf_len(qr), stdout);
	mkbuf_free(qr);
	return 0;
}

static int
report_data(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	const struct mkfield *f;
	int r;

	(void)ctl;
	(void)arg;
	if (m->type != MSG_DATA || (f = mkmsg_get(m, F_DATA)) == NULL)
		return fail("report", "malformed reply");
	if ((r = mkfs_write_all(STDOUT_FILENO, f->p, f->len)) != 0)
		return fail("stdout", mkerr_str(r));
	return 0;
}

int
cmd_report(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "year", required_argument, NULL, 'y' },
		{ "half", required_argument, NULL, 'h' },
		{ "html", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 } };
	unsigned long year = 0, half = 0;
	const char *kind;
	struct mkbuf *b;
	char *end;
	int ch, html = 0, r;

	if (argc < 2 || (strcmp(argv[1], "semiannual") != 0 &&
	    strcmp(argv[1], "annual") != 0))
		usage();
	kind = argv[1];
	optind = 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'H')
			html = 1;
		else if (ch == 'y' || ch == 'h') {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0')
				usage();
			*(ch == 'y' ? &year : &half) = v;
		} else
			usage();
	}
	if (year == 0 || optind != argc || half > 2 ||
	    (half != 0 && strcmp(kind, "annual") == 0))
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_REPORT)) != 0 ||
	    (r = mkmsg_add_str(b, F_KIND, kind)) != 0 ||
	    (r = mkmsg_add_u64(b, F_YEAR, year)) != 0 ||
	    (half != 0 && (r = mkmsg_add_u64(b, F_HALF, half)) != 0) ||
	    (r = mkmsg_add_str(b, F_FORMAT, html ? "html" : "text")) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("report", mkerr_str(r));
	return collect(ctl, report_data, NULL, "report");
}

struct sc {
	struct listing	l;
	int		pass, total;
};

static int
selfcheck_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct sc *sc = arg;
	char key[64], state[16], value[512];

	(void)ctl;
	if (m->type != MSG_ENTRY || mkmsg_str(m, F_KEY, key, sizeof(key)) ||
	    mkmsg_str(m, F_STATE, state, sizeof(state)) ||
	    mkmsg_str(m, F_VALUE, value, sizeof(value)))
		return fail("selfcheck", "malformed reply");
	sc->total++;
	sc->pass += strcmp(state, "pass") == 0;
	if (sc->l.json) {
		printf("%s\n  {\"item\": ", sc->l.count++ ? "," : "");
		json_str(key);
		printf(", \"result\": ");
		json_str(state);
		printf(", \"detail\": ");
		json_str(value);
		putchar('}');
		return 0;
	}
	printf("%-4s  ", strcmp(state, "pass") == 0 ? "PASS" : "FAIL");
	text_out(key);
	printf("%*s", (int)(38 - (strlen(key) < 37 ? strlen(key) : 37)), "");
	text_out(value);
	putchar('\n');
	return 0;
}

int
cmd_selfcheck(struct ctl *ctl, int argc, char **argv)
{
	struct sc sc;
	struct mkbuf *b;
	int r;

	memset(&sc, 0, sizeof(sc));
	sc.l.json = has_json(argc, argv);
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_SELFCHECK)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("selfcheck", mkerr_str(r));
	if (sc.l.json)
		printf("{\"items\": [");
	if ((r = collect(ctl, selfcheck_entry, &sc, "selfcheck")) != 0)
		return r;
	if (sc.l.json)
		printf("\n], \"passed\": %d, \"total\": %d}\n", sc.pass,
		    sc.total);
	else
		printf("Tự kiểm tra / self-check: %d of %d pass\n", sc.pass,
		    sc.total);
	return 0;
}
