/*
 * matctl: backup, the restore test and restore (kiosk/backupops.c).
 *   backup --to PATH          a supervisor
 *   backup verify PATH        a supervisor: the restore test
 *   media sanitize DEVICE     a supervisor or IT officer: overwrite a medium
 *   decommission --export DIR a supervisor: final log out, then erase
 *   restore --from PATH | --from-medium SERIAL
 *                             on a machine not yet provisioned; asks for a
 *                             supervisor's name (empty for the recovery
 *                             code), then the password or the code
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"
#include "matctl.h"

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

static int
report_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	char key[64], value[512];

	(void)ctl;
	(void)arg;
	if (m->type != MSG_ENTRY || mkmsg_str(m, F_KEY, key, sizeof(key)) ||
	    mkmsg_str(m, F_VALUE, value, sizeof(value)))
		return fail("backup verify", "malformed reply");
	printf("%-12s ", key);
	text_out(value);
	putchar('\n');
	return 0;
}

int
cmd_backup(struct ctl *ctl, int argc, char **argv)
{
	struct mkbuf *b;
	struct mkmsg ok;
	uint64_t gen = 0, copied = 0, total = 0, bytes = 0;
	int r;

	/* backup verify PATH | backup verify --medium SERIAL */
	if ((argc == 3 || (argc == 4 && strcmp(argv[2], "--medium") == 0)) &&
	    strcmp(argv[1], "verify") == 0) {
		if (login(ctl) != 0)
			return 1;
		b = mkclient_out(ctl->c);
		if ((r = mkmsg_start(b, MSG_BACKUP_VERIFY)) != 0 ||
		    (r = argc == 4 ? mkmsg_add_str(b, F_SERIAL, argv[3]) :
		    mkmsg_add_str(b, F_PATH, argv[2])) != 0 ||
		    (r = mkclient_send(ctl->c)) != 0)
			return fail("backup verify", mkerr_str(r));
		return collect(ctl, report_entry, NULL, "restore test failed");
	}
	/* backup --to PATH | backup --to-medium SERIAL */
	if (argc != 3 || (strcmp(argv[1], "--to") != 0 &&
	    strcmp(argv[1], "--to-medium") != 0))
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_BACKUP)) != 0 ||
	    (r = mkmsg_add_str(b, strcmp(argv[1], "--to") == 0 ? F_PATH :
	    F_SERIAL, argv[2])) != 0)
		return fail("backup", mkerr_str(r));
	if ((r = wait_ok(ctl, "backup failed", &ok)) != 0)
		return r;
	mkmsg_u64(&ok, F_SEQ, &gen);
	mkmsg_u64(&ok, F_COUNT, &copied);
	mkmsg_u64(&ok, F_TOTAL, &total);
	mkmsg_u64(&ok, F_SIZE, &bytes);
	printf("backup generation %" PRIu64 ": %" PRIu64 " files, %" PRIu64
	    " copied (%" PRIu64 " bytes), the rest unchanged\n", gen, total,
	    copied, bytes);
	return 0;
}

int
cmd_restore(struct ctl *ctl, int argc, char **argv)
{
	char name[64], secret[PASSWORD_MAX + 1];
	struct mkbuf *b;
	struct mkmsg ok;
	int r;

	if (argc != 3 || (strcmp(argv[1], "--from") != 0 &&
	    strcmp(argv[1], "--from-medium") != 0))
		usage();
	if (connect_daemon(ctl) != 0)
		return 1;
	if (read_password("Tài khoản thủ trưởng (để trống: mã khôi phục) / "
	    "supervisor's account (empty: recovery code): ", name,
	    sizeof(name)) != 0)
		return fail("restore", "could not read the account name");
	if (read_password(name[0] ? "Mật khẩu / password: " :
	    "Mã khôi phục / recovery code: ", secret, sizeof(secret)) != 0)
		return fail("restore", "could not read the secret");
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_RESTORE)) == 0 &&
	    (r = mkmsg_add_str(b, strcmp(argv[1], "--from") == 0 ? F_PATH :
	    F_SERIAL, argv[2])) == 0) {
		if (name[0] != '\0') {
			if ((r = mkmsg_add_str(b, F_USER, name)) == 0)
				r = mkmsg_add_str(b, F_PASSWORD, secret);
		} else
			r = mkmsg_add_str(b, F_RECOVERY, secret);
	}
	mk_wipe(secret, sizeof(secret));
	if (r != 0)
		return fail("restore", mkerr_str(r));
	r = wait_ok(ctl, "restore refused", &ok);
	mkbuf_reset(b);
	if (r == 0)
		printf("restored from %s: the log continues from the backup's "
		    "head, with the restore recorded\n", argv[2]);
	return r;
}

/* Prints a certificate and writes it to a file for printing. */
static int
certificate(const struct mkmsg *ok, const char *path, const char *what)
{
	static char cert[8192];
	char state[32] = "ok";
	FILE *f;

	if (mkmsg_str(ok, F_CERT, cert, sizeof(cert)) != 0)
		return fail(what, "malformed reply");
	mkmsg_str(ok, F_STATE, state, sizeof(state));
	fputs(cert, stdout);
	if (path != NULL) {
		if ((f = fopen(path, "wx")) == NULL ||
		    fputs(cert, f) < 0 || fclose(f) != 0)
			return fail(path, "cannot write the certificate");
		fprintf(stderr, "matctl: certificate written to %s for "
		    "printing\n", path);
	}
	return strcmp(state, "ok") == 0 ? 0 : fail(what, state);
}

static const char *
cert_option(int argc, char **argv, int *used)
{
	*used = 0;
	if (argc >= 2 && strcmp(argv[argc - 2], "--certificate") == 0) {
		*used = 2;
		return argv[argc - 1];
	}
	return NULL;
}

int
cmd_media(struct ctl *ctl, int argc, char **argv)
{
	const char *cert;
	struct mkbuf *b;
	struct mkmsg ok;
	int r, used;

	if (argc >= 2 && (strcmp(argv[1], "list") == 0 ||
	    strcmp(argv[1], "import") == 0))
		return cmd_media_io(ctl, argc, argv);
	cert = cert_option(argc, argv, &used);
	argc -= used;
	if (argc != 3 || strcmp(argv[1], "sanitize") != 0)
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_MEDIA_SANITIZE)) != 0 ||
	    (r = mkmsg_add_str(b, F_PATH, argv[2])) != 0)
		return fail("media sanitize", mkerr_str(r));
	if ((r = wait_ok(ctl, "media sanitize refused", &ok)) != 0)
		return r;
	return certificate(&ok, cert, "media sanitize");
}

int
cmd_decommission(struct ctl *ctl, int argc, char **argv)
{
	char pw[PASSWORD_MAX + 1];
	const char *cert;
	struct mkbuf *b;
	struct mkmsg ok;
	int r, used;

	cert = cert_option(argc, argv, &used);
	argc -= used;
	if (argc != 3 || strcmp(argv[1], "--export") != 0)
		usage();
	if (login(ctl) != 0)
		return 1;
	if (read_password("Xác nhận thanh lý: mật khẩu / confirm "
	    "decommissioning: password: ", pw, sizeof(pw)) != 0)
		return fail("decommission", "could not read the password");
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_DECOMMISSION)) == 0 &&
	    (r = mkmsg_add_str(b, F_PATH, argv[2])) == 0)
		r = mkmsg_add_str(b, F_PASSWORD, pw);
	mk_wipe(pw, sizeof(pw));
	if (r != 0)
		return fail("decommission", mkerr_str(r));
	r = wait_ok(ctl, "decommission refused", &ok);
	mkbuf_reset(b);
	if (r != 0)
		return r;
	return certificate(&ok, cert, "decommission");
}
