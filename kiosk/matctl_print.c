/*
 * matctl: printing and the copy register (kiosk/printops.c).
 *   print ID --printer QUEUE [--copies N] [--approver NAME]
 *       the person's password, then (with --approver) the approving
 *       supervisor's: the approval (action print, object ID, N copies) is
 *       given on this connection, then used by the print
 *   register [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--csv|--json]
 *       supervisors, IT officers, inspectors; days in UTC, both included
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"
#include "copyreg.h"
#include "matctl.h"

static int
send_wait(struct ctl *ctl, const char *what, struct mkmsg *ok)
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
	if (ok != NULL)
		*ok = m;
	return 0;
}

static unsigned long
number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || v == 0 || v > max)
		usage();
	return v;
}

/* The approver's password, and the approval for exactly this print. */
static int
approve(struct ctl *ctl, const char *approver, const char *id,
    unsigned long copies)
{
	char pw[PASSWORD_MAX + 1], prompt[160];
	struct mkbuf *b;
	int r;

	snprintf(prompt, sizeof(prompt), "Mật khẩu người phê duyệt / "
	    "approving supervisor %s's password: ", approver);
	if (read_password(prompt, pw, sizeof(pw)) != 0)
		return fail("password", "could not read a password");
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_APPROVE)) == 0 &&
	    (r = mkmsg_add_str(b, F_APPROVER, approver)) == 0 &&
	    (r = mkmsg_add_str(b, F_PASSWORD, pw)) == 0 &&
	    (r = mkmsg_add_str(b, F_ACTION, "print")) == 0 &&
	    (r = mkmsg_add_str(b, F_OBJECT, id)) == 0 &&
	    (r = mkmsg_add_u64(b, F_COUNT, copies)) == 0)
		r = mkmsg_add_u64(b, F_UNTIL, (uint64_t)time(NULL) + 30 * 60);
	mk_wipe(pw, sizeof(pw));
	if (r != 0)
		return fail("approve", mkerr_str(r));
	r = send_wait(ctl, "approval refused", NULL);
	mkbuf_reset(b);
	return r;
}

int
cmd_print(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "printer", required_argument, NULL, 'p' },
		{ "copies", required_argument, NULL, 'n' },
		{ "approver", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 } };
	const char *printer = NULL, *approver = NULL, *id;
	unsigned long copies = 1;
	uint64_t intent = 0, job = 0, pages = 0, made = 0;
	char state[32] = "";
	struct mkbuf *b;
	struct mkmsg ok;
	int ch, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'p')
			printer = optarg;
		else if (ch == 'n')
			copies = number(optarg, 100);
		else if (ch == 'a')
			approver = optarg;
		else
			usage();
	}
	if (printer == NULL || optind != argc - 1)
		usage();
	id = argv[optind];
	if (login(ctl) != 0)
		return 1;
	if (approver != NULL && approve(ctl, approver, id, copies) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_PRINT)) != 0 ||
	    (r = mkmsg_add_str(b, F_ID, id)) != 0 ||
	    (r = mkmsg_add_str(b, F_PRINTER, printer)) != 0 ||
	    (r = mkmsg_add_u64(b, F_COUNT, copies)) != 0)
		return fail("print", mkerr_str(r));
	if (send_wait(ctl, "print refused", &ok) != 0)
		return 1;
	mkmsg_u64(&ok, F_SEQ, &intent);
	mkmsg_u64(&ok, F_JOB, &job);
	mkmsg_u64(&ok, F_PAGES, &pages);
	mkmsg_u64(&ok, F_MADE, &made);
	mkmsg_str(&ok, F_STATE, state, sizeof(state));
	printf("printed %" PRIu64 " copies of %s on %s: job %" PRIu64
	    ", %" PRIu64 " pages, %s (intent %" PRIu64 ")\n", made, id,
	    printer, job, pages, state, intent);
	return 0;
}

/* YYYY-MM-DD, 00:00 UTC. */
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
	if (t < 0 || gmtime_r(&t, &back) == NULL || back.tm_mday != d ||
	    back.tm_mon != m - 1)
		usage();
	return (uint64_t)t;
}

static int
row_from(const struct mkmsg *m, struct copyreg_row *w)
{
	uint64_t copies = 0, made = 0, when = 0;

	memset(w, 0, sizeof(*w));
	if (m->type != MSG_ENTRY || mkmsg_u64(m, F_SEQ, &w->number) ||
	    mkmsg_u64(m, F_INTENT, &w->intent) ||
	    mkmsg_u64(m, F_CREATED, &when) ||
	    mkmsg_str(m, F_ID, w->doc, sizeof(w->doc)) ||
	    mkmsg_str(m, F_CLASS, w->cls, sizeof(w->cls)) ||
	    mkmsg_str(m, F_COPY_TYPE, w->copy_type, sizeof(w->copy_type)) ||
	    mkmsg_u64(m, F_COUNT, &copies) || mkmsg_u64(m, F_MADE, &made) ||
	    mkmsg_str(m, F_APPROVER, w->approver, sizeof(w->approver)) ||
	    mkmsg_str(m, F_USER, w->person, sizeof(w->person)) ||
	    mkmsg_str(m, F_DEST, w->dest, sizeof(w->dest)) ||
	    mkmsg_str(m, F_STATE, w->outcome, sizeof(w->outcome)) ||
	    mkmsg_str(m, F_MESSAGE, w->reason, sizeof(w->reason)) ||
	    mkmsg_str(m, F_JOB, w->job, sizeof(w->job)) ||
	    mkmsg_str(m, F_PAGES, w->pages, sizeof(w->pages)) ||
	    copies > UINT32_MAX || made > copies || when > INT64_MAX)
		return -1;
	w->copies = (uint32_t)copies;
	w->made = (uint32_t)made;
	w->when = (int64_t)when;
	return 0;
}

struct reg_out {
	int	format;		/* 0 text, 1 csv, 2 json */
	int	count;
};

/* Printed once the daemon has answered, so that a refusal is not headed
 * as a register. */
static void
reg_head(const struct reg_out *o)
{
	char head[256];

	if (o->format == 1) {
		copyreg_csv_header(head, sizeof(head));
		printf("%s\r\n", head);
	} else if (o->format == 2)
		printf("[");
	else
		printf("Sổ quản lý sao, chụp bí mật nhà nước "
		    "(số, ngày UTC, tài liệu, độ mật, loại, đã làm/số bản, "
		    "người duyệt, người sao, nơi, kết quả)\n");
}

static void
row_text(const struct copyreg_row *w)
{
	char date[32], line[1400];
	struct tm tm;
	time_t t = (time_t)w->when;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(date, sizeof(date), "-");
	snprintf(line, sizeof(line), "%-5" PRIu64 " %s  %s  %s  %s  %u/%u  "
	    "duyệt: %s  người: %s  nơi: %s  %s%s%s", w->number, date, w->doc,
	    copyreg_class_name(w->cls), w->copy_type, w->made, w->copies,
	    w->approver[0] ? w->approver : "-", w->person, w->dest,
	    w->outcome, w->reason[0] ? ": " : "", w->reason);
	text_out(line);
	putchar('\n');
}

static void
row_json(const struct copyreg_row *w, int first)
{
	printf("%s{\"number\":%" PRIu64 ",\"intent\":%" PRIu64 ",\"date\":%"
	    PRId64 ",\"document\":", first ? "" : ",", w->number, w->intent,
	    w->when);
	json_str(w->doc);
	printf(",\"class\":");
	json_str(w->cls);
	printf(",\"copy_type\":");
	json_str(w->copy_type);
	printf(",\"copies\":%u,\"made\":%u,\"approver\":", w->copies, w->made);
	json_str(w->approver);
	printf(",\"person\":");
	json_str(w->person);
	printf(",\"dest\":");
	json_str(w->dest);
	printf(",\"outcome\":");
	json_str(w->outcome);
	printf(",\"reason\":");
	json_str(w->reason);
	printf("}");
}

static int
reg_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct reg_out *o = arg;
	struct copyreg_row w;
	char line[2048];

	(void)ctl;
	if (row_from(m, &w) != 0)
		return fail("register", "malformed reply");
	if (o->count == 0)
		reg_head(o);
	if (o->format == 1) {
		if (copyreg_csv_line(&w, line, sizeof(line)) != 0)
			return fail("register", "row too long");
		printf("%s\r\n", line);
	} else if (o->format == 2)
		row_json(&w, o->count == 0);
	else
		row_text(&w);
	o->count++;
	return 0;
}

int
cmd_register(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "csv", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 } };
	struct reg_out o = { 0, 0 };
	uint64_t from = 0, to = 0;
	struct mkbuf *b;
	int ch, r, has_to = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'f')
			from = parse_day(optarg);
		else if (ch == 't') {
			to = parse_day(optarg) + 86400;
			has_to = 1;
		} else if (ch == 'c' && o.format == 0)
			o.format = 1;
		else if (ch == 'j' && o.format == 0)
			o.format = 2;
		else
			usage();
	}
	if (optind != argc || (has_to && to <= from))
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_REGISTER)) != 0 ||
	    (r = mkmsg_add_u64(b, F_FROM, from)) != 0 ||
	    (has_to && (r = mkmsg_add_u64(b, F_TO, to)) != 0) ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("register", mkerr_str(r));
	r = collect(ctl, reg_entry, &o, "register");
	if (r == 0 && o.count == 0)
		reg_head(&o);
	if (o.format == 2 && r == 0)
		printf("]\n");
	return r;
}
