/*
 * matctl: passwords, accounts, the vault key rotation and approvals.
 * Temporary passwords (add, reset, enable) and an approver's password are
 * read like the others: from the terminal, or one line of standard input
 * each, after the logged-in person's own.
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
#include "common/proto.h"
#include "matctl.h"

/* Sends the request in the client's buffer and waits for OK (0) or ERR
 * (the error, reported). */
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

int
cmd_passwd(struct ctl *ctl, int argc, char **argv)
{
	char pw[PASSWORD_MAX + 1], npw[PASSWORD_MAX + 1], prompt[128];
	struct mkbuf *b;
	int r;

	(void)argv;
	if (argc != 1)
		usage();
	if (ctl->user == NULL) {
		fprintf(stderr, "matctl: passwd needs -u NAME\n");
		exit(2);
	}
	if (connect_daemon(ctl) != 0)
		return 1;
	snprintf(prompt, sizeof(prompt), "Mật khẩu hiện tại / current "
	    "password for %s: ", ctl->user);
	if (read_password(prompt, pw, sizeof(pw)) != 0)
		return fail("password", "could not read a password");
	if (ask_new_password(ctl->user, npw, sizeof(npw)) != 0) {
		mk_wipe(pw, sizeof(pw));
		return 1;
	}
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_PASSWD)) == 0 &&
	    (r = mkmsg_add_str(b, F_USER, ctl->user)) == 0 &&
	    (r = mkmsg_add_str(b, F_PASSWORD, pw)) == 0)
		r = mkmsg_add_str(b, F_NEWPASSWORD, npw);
	mk_wipe(pw, sizeof(pw));
	mk_wipe(npw, sizeof(npw));
	if (r != 0)
		return fail("passwd", mkerr_str(r));
	r = send_wait(ctl, "password change refused", NULL);
	mkbuf_reset(b);
	if (r == 0)
		fprintf(stderr, "matctl: password of %s changed\n", ctl->user);
	return r;
}

/* ---- account ---- */

static void
print_time(uint64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, sizeof(buf), "-");
	else
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
	printf("%-16s", buf);
}

static int
account_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct listing *l = arg;
	char user[64], full[256], roles[128], flags[128];
	uint64_t created = 0, pwset = 0, last = 0, until = 0;

	(void)ctl;
	if (m->type != MSG_ENTRY || mkmsg_str(m, F_USER, user, sizeof(user)) ||
	    mkmsg_str(m, F_FULLNAME, full, sizeof(full)) ||
	    mkmsg_str(m, F_ROLES, roles, sizeof(roles)) ||
	    mkmsg_str(m, F_FLAGS, flags, sizeof(flags)) ||
	    mkmsg_u64(m, F_CREATED, &created) ||
	    mkmsg_u64(m, F_PWSET, &pwset) || mkmsg_u64(m, F_LASTLOGIN, &last) ||
	    mkmsg_u64(m, F_UNTIL, &until))
		return fail("account list", "malformed reply");
	if (l->json) {
		printf("%s{\"name\": ", l->count++ ? ",\n " : "[");
		json_str(user);
		printf(", \"full_name\": ");
		json_str(full);
		printf(", \"roles\": ");
		json_str(roles);
		printf(", \"flags\": ");
		json_str(flags);
		printf(", \"created\": %" PRIu64 ", \"password_set\": %" PRIu64
		    ", \"last_login\": %" PRIu64 ", \"locked_until\": %" PRIu64
		    "}", created, pwset, last, until);
		return 0;
	}
	if (l->count++ == 0)
		printf("%-16s %-34s %-24s %-16s%-16s%s\n", "NAME", "ROLES",
		    "FLAGS", "PASSWORD SET", "LAST LOGIN", "FULL NAME");
	printf("%-16s %-34s %-24s ", user, roles, flags);
	print_time(pwset);
	print_time(last);
	text_out(full);
	putchar('\n');
	return 0;
}

static int
account_list(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { has_json(argc, argv), 0 };
	int r;

	if (login(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), MSG_ACCOUNT_LIST)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("account list", mkerr_str(r));
	if ((r = collect(ctl, account_entry, &l, "account list")) != 0)
		return r;
	if (l.json)
		printf("%s]\n", l.count ? "" : "[");
	return 0;
}

/* add / set: NAME [--roles R] [--full-name T] [--reason T] */
struct acct_args {
	const char	*name;
	const char	*roles;
	const char	*full;
	const char	*reason;
};

static void
parse_acct_args(int argc, char **argv, struct acct_args *a)
{
	static const struct option opts[] = {
		{ "roles", required_argument, NULL, 'r' },
		{ "full-name", required_argument, NULL, 'n' },
		{ "reason", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 } };
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'r')
			a->roles = optarg;
		else if (ch == 'n')
			a->full = optarg;
		else if (ch == 'w')
			a->reason = optarg;
		else
			usage();
	}
	if (optind + 1 != argc)
		usage();
	a->name = argv[optind];
}

/* The temporary password someone sets for another person. */
static int
read_temporary(const char *name, char *pw, size_t len)
{
	char prompt[160];

	snprintf(prompt, sizeof(prompt), "Mật khẩu tạm thời / temporary "
	    "password for %s: ", name);
	if (read_password(prompt, pw, len) != 0)
		return fail("password", "could not read a password");
	return 0;
}

static int
account_change(struct ctl *ctl, int argc, char **argv, unsigned type,
    const char *what)
{
	char temp[PASSWORD_MAX + 1];
	struct acct_args a;
	struct mkbuf *b;
	int r, needs_pw = type == MSG_ACCOUNT_ADD ||
	    type == MSG_ACCOUNT_RESET || type == MSG_ACCOUNT_ENABLE;

	parse_acct_args(argc, argv, &a);
	if ((type == MSG_ACCOUNT_ADD && a.roles == NULL) ||
	    (type == MSG_ACCOUNT_DISABLE && a.reason == NULL) ||
	    (type == MSG_ACCOUNT_SET && a.roles == NULL && a.full == NULL))
		usage();
	if (login(ctl) != 0)
		return 1;
	if (needs_pw && read_temporary(a.name, temp, sizeof(temp)) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, type)) == 0 &&
	    (r = mkmsg_add_str(b, F_USER, a.name)) == 0 &&
	    (a.roles == NULL || (r = mkmsg_add_str(b, F_ROLES, a.roles)) == 0) &&
	    (a.full == NULL ||
	    (r = mkmsg_add_str(b, F_FULLNAME, a.full)) == 0) &&
	    (a.reason == NULL ||
	    (r = mkmsg_add_str(b, F_REASON, a.reason)) == 0) && needs_pw)
		r = mkmsg_add_str(b, F_PASSWORD, temp);
	if (needs_pw)
		mk_wipe(temp, sizeof(temp));
	if (r != 0)
		return fail(what, mkerr_str(r));
	r = send_wait(ctl, what, NULL);
	mkbuf_reset(b);
	if (r == 0 && needs_pw)
		fprintf(stderr, "matctl: %s must choose a new password at the "
		    "first login\n", a.name);
	return r;
}

int
cmd_account(struct ctl *ctl, int argc, char **argv)
{
	static const struct {
		const char	*name;
		unsigned	 type;
	} subs[] = {
		{ "add", MSG_ACCOUNT_ADD }, { "set", MSG_ACCOUNT_SET },
		{ "disable", MSG_ACCOUNT_DISABLE },
		{ "enable", MSG_ACCOUNT_ENABLE },
		{ "reset", MSG_ACCOUNT_RESET }, { "unlock", MSG_ACCOUNT_UNLOCK },
	};
	char what[64];
	size_t i;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "list") == 0)
		return account_list(ctl, argc - 1, argv + 1);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		snprintf(what, sizeof(what), "account %s", subs[i].name);
		return account_change(ctl, argc - 1, argv + 1, subs[i].type,
		    what);
	}
	usage();
}

/* ---- key ---- */

int
cmd_key(struct ctl *ctl, int argc, char **argv)
{
	struct mkmsg ok;
	uint64_t epoch = 0;
	int r;

	if (argc != 2 || strcmp(argv[1], "rotate") != 0)
		usage();
	if (login(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), MSG_KEY_ROTATE)) != 0)
		return fail("key rotate", mkerr_str(r));
	if ((r = send_wait(ctl, "key rotate", &ok)) != 0)
		return r;
	mkmsg_u64(&ok, F_SEQ, &epoch);
	printf("vault master key rotated: epoch %" PRIu64 "\n", epoch);
	return 0;
}

/* ---- approvals ---- */

int
cmd_approve(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "approver", required_argument, NULL, 'a' },
		{ "action", required_argument, NULL, 'x' },
		{ "object", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "minutes", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 } };
	const char *approver = NULL, *action = NULL, *object = NULL;
	unsigned long count = 1, minutes = 30;
	char pw[PASSWORD_MAX + 1], prompt[160], *end;
	struct mkbuf *b;
	struct mkmsg ok;
	uint64_t id = 0;
	int ch, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'a')
			approver = optarg;
		else if (ch == 'x')
			action = optarg;
		else if (ch == 'o')
			object = optarg;
		else if (ch == 'n' || ch == 'm') {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0')
				usage();
			*(ch == 'n' ? &count : &minutes) = v;
		} else
			usage();
	}
	if (approver == NULL || action == NULL || object == NULL ||
	    optind != argc || minutes == 0 || minutes > 24 * 60)
		usage();
	if (login(ctl) != 0)
		return 1;
	snprintf(prompt, sizeof(prompt), "Mật khẩu người phê duyệt / "
	    "approving supervisor %s's password: ", approver);
	if (read_password(prompt, pw, sizeof(pw)) != 0)
		return fail("password", "could not read a password");
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_APPROVE)) == 0 &&
	    (r = mkmsg_add_str(b, F_APPROVER, approver)) == 0 &&
	    (r = mkmsg_add_str(b, F_PASSWORD, pw)) == 0 &&
	    (r = mkmsg_add_str(b, F_ACTION, action)) == 0 &&
	    (r = mkmsg_add_str(b, F_OBJECT, object)) == 0 &&
	    (r = mkmsg_add_u64(b, F_COUNT, count)) == 0)
		r = mkmsg_add_u64(b, F_UNTIL, (uint64_t)time(NULL) +
		    minutes * 60);
	mk_wipe(pw, sizeof(pw));
	if (r != 0)
		return fail("approve", mkerr_str(r));
	r = send_wait(ctl, "approval refused", &ok);
	mkbuf_reset(b);
	if (r != 0)
		return r;
	mkmsg_u64(&ok, F_SEQ, &id);
	printf("approval %" PRIu64 ": %s may %s %s, %lu time(s), for %lu "
	    "minutes\n", id, ctl->user, action, object, count, minutes);
	return 0;
}

static int
approval_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct listing *l = arg;
	char user[64], approver[64], action[64], object[96];
	uint64_t id, left, until;

	(void)ctl;
	if (m->type != MSG_ENTRY || mkmsg_u64(m, F_SEQ, &id) ||
	    mkmsg_str(m, F_USER, user, sizeof(user)) ||
	    mkmsg_str(m, F_APPROVER, approver, sizeof(approver)) ||
	    mkmsg_str(m, F_ACTION, action, sizeof(action)) ||
	    mkmsg_str(m, F_OBJECT, object, sizeof(object)) ||
	    mkmsg_u64(m, F_COUNT, &left) || mkmsg_u64(m, F_UNTIL, &until))
		return fail("approval list", "malformed reply");
	if (l->json) {
		printf("%s{\"id\": %" PRIu64 ", \"requester\": ",
		    l->count++ ? ",\n " : "[", id);
		json_str(user);
		printf(", \"approver\": ");
		json_str(approver);
		printf(", \"action\": ");
		json_str(action);
		printf(", \"object\": ");
		json_str(object);
		printf(", \"remaining\": %" PRIu64 ", \"until\": %" PRIu64 "}",
		    left, until);
		return 0;
	}
	if (l->count++ == 0)
		printf("%-6s %-16s %-16s %-14s %-34s %-5s %s\n", "ID",
		    "REQUESTER", "APPROVER", "ACTION", "OBJECT", "LEFT",
		    "UNTIL (UTC)");
	printf("%-6" PRIu64 " %-16s %-16s %-14s ", id, user, approver, action);
	text_out(object);
	printf(" %-5" PRIu64 " ", left);
	{
		char buf[32];
		time_t t = (time_t)until;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
		printf("%s\n", buf);
	}
	return 0;
}

int
cmd_approval(struct ctl *ctl, int argc, char **argv)
{
	struct listing l;
	int r;

	if (argc < 2 || strcmp(argv[1], "list") != 0)
		usage();
	l.json = has_json(argc - 1, argv + 1);
	l.count = 0;
	if (login(ctl) != 0)
		return 1;
	if ((r = mkmsg_start(mkclient_out(ctl->c), MSG_APPROVAL_LIST)) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("approval list", mkerr_str(r));
	if ((r = collect(ctl, approval_entry, &l, "approval list")) != 0)
		return r;
	if (l.json)
		printf("%s]\n", l.count ? "" : "[");
	return 0;
}
