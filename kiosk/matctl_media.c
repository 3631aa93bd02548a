/*
 * matctl: media import and copy-out, signature updates, receiving
 * workstations (kiosk/mediaops.c).
 *   media list SERIAL [--json]
 *   media import SERIAL PATH [--class C] [--title T]
 *       (a transfer package carries its own classification)
 *   copy-out ID --to SERIAL (--package-for WS | --plaintext)
 *   av update SERIAL PATH          a supervisor or IT officer
 *   workstation self | list [--json] | add NAME SIGNPUB XFERPUB
 * An approval for a copy-out is given beforehand with
 *   approve --approver NAME --action copy-out --object ID
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"
#include "matctl.h"

/* Sends what is in the client's buffer and waits for OK. */
static int
roundtrip(struct ctl *ctl, const char *what, struct mkmsg *ok)
{
	int r;

	if ((r = mkclient_send(ctl->c)) != 0 ||
	    (r = mkclient_recv(ctl->c, ok)) != 0)
		return fail(what, mkerr_str(r));
	if (ok->type == MSG_ERR) {
		mkclient_error(ok, ctl->msg, sizeof(ctl->msg));
		return fail(what, ctl->msg);
	}
	return ok->type == MSG_OK ? 0 : fail(what, "unexpected reply");
}

static const char *
opt(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int
has(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

static int
file_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct listing *l = arg;
	char path[8800];
	uint64_t size = 0;

	(void)ctl;
	if (m->type != MSG_ENTRY || mkmsg_str(m, F_MPATH, path, sizeof(path)) ||
	    mkmsg_u64(m, F_SIZE, &size))
		return fail("media list", "malformed reply");
	if (l->json) {
		printf("%s{\"path\":", l->count++ ? "," : "[");
		json_str(path);
		printf(",\"size\":%" PRIu64 "}", size);
		return 0;
	}
	printf("%12" PRIu64 "  ", size);
	text_out(path);
	putchar('\n');
	return 0;
}

static int
media_list(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { has_json(argc - 2, argv + 2), 0 };
	struct mkbuf *b;
	int r;

	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_MEDIA_LIST)) != 0 ||
	    (r = mkmsg_add_str(b, F_SERIAL, argv[2])) != 0 ||
	    (r = mkclient_send(ctl->c)) != 0)
		return fail("media list", mkerr_str(r));
	if ((r = collect(ctl, file_entry, &l, "media list")) != 0)
		return r;
	if (l.json)
		printf("%s\n", l.count ? "]" : "[]");
	return 0;
}

static int
media_import(struct ctl *ctl, int argc, char **argv)
{
	const char *cls = opt(argc, argv, "--class");
	const char *title = opt(argc, argv, "--title");
	char id[64], state[32], hash[80];
	struct mkbuf *b;
	struct mkmsg ok;
	uint64_t size = 0;
	int r;

	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_MEDIA_IMPORT)) != 0 ||
	    (r = mkmsg_add_str(b, F_SERIAL, argv[2])) != 0 ||
	    (r = mkmsg_add_str(b, F_MPATH, argv[3])) != 0 ||
	    (cls != NULL && (r = mkmsg_add_str(b, F_CLASS, cls)) != 0) ||
	    (title != NULL && (r = mkmsg_add_str(b, F_TITLE, title)) != 0))
		return fail("media import", mkerr_str(r));
	if (roundtrip(ctl, "media import", &ok) != 0)
		return 1;
	if (mkmsg_str(&ok, F_ID, id, sizeof(id)) ||
	    mkmsg_str(&ok, F_STATE, state, sizeof(state)) ||
	    mkmsg_str(&ok, F_PKGHASH, hash, sizeof(hash)) ||
	    mkmsg_u64(&ok, F_SIZE, &size))
		return fail("media import", "malformed reply");
	printf("%s\n", id);
	fprintf(stderr, "imported %" PRIu64 " bytes (%s, file sha256 %s), "
	    "scanned clean\n", size, state, hash);
	return 0;
}

int
cmd_media_io(struct ctl *ctl, int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "list") == 0)
		return media_list(ctl, argc, argv);
	if (argc >= 4 && strcmp(argv[1], "import") == 0)
		return media_import(ctl, argc, argv);
	usage();
}

int
cmd_copy_out(struct ctl *ctl, int argc, char **argv)
{
	const char *to = opt(argc, argv, "--to");
	const char *ws = opt(argc, argv, "--package-for");
	int plain = has(argc, argv, "--plaintext");
	char name[200], hash[80];
	struct mkbuf *b;
	struct mkmsg ok;
	uint64_t seq = 0;
	int r;

	if (argc < 4 || to == NULL || (ws == NULL) == !plain)
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_COPY_OUT)) != 0 ||
	    (r = mkmsg_add_str(b, F_ID, argv[1])) != 0 ||
	    (r = mkmsg_add_str(b, F_SERIAL, to)) != 0 ||
	    (r = mkmsg_add_str(b, F_COPYTYPE, plain ? "plaintext" :
	    "transfer-package")) != 0 ||
	    (ws != NULL && (r = mkmsg_add_str(b, F_WORKSTATION, ws)) != 0))
		return fail("copy-out", mkerr_str(r));
	if (roundtrip(ctl, "copy-out", &ok) != 0)
		return 1;
	if (mkmsg_str(&ok, F_MPATH, name, sizeof(name)) ||
	    mkmsg_str(&ok, F_PKGHASH, hash, sizeof(hash)) ||
	    mkmsg_u64(&ok, F_SEQ, &seq))
		return fail("copy-out", "malformed reply");
	printf("%s\n", name);
	fprintf(stderr, "copied out (log record %" PRIu64 ", sha256 %s), "
	    "read back and verified\n", seq, hash);
	return 0;
}

int
cmd_av(struct ctl *ctl, int argc, char **argv)
{
	struct mkbuf *b;
	struct mkmsg ok;
	uint64_t n = 0;
	int r;

	if (argc != 4 || strcmp(argv[1], "update") != 0)
		usage();
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	if ((r = mkmsg_start(b, MSG_AV_UPDATE)) != 0 ||
	    (r = mkmsg_add_str(b, F_SERIAL, argv[2])) != 0 ||
	    (r = mkmsg_add_str(b, F_MPATH, argv[3])) != 0)
		return fail("av update", mkerr_str(r));
	if (roundtrip(ctl, "av update", &ok) != 0)
		return 1;
	mkmsg_u64(&ok, F_COUNT, &n);
	printf("signatures: %" PRIu64 "\n", n);
	return 0;
}

static int
ws_entry(struct ctl *ctl, const struct mkmsg *m, void *arg)
{
	struct listing *l = arg;
	char name[80], sh[80], xh[80];

	(void)ctl;
	if (m->type != MSG_ENTRY ||
	    mkmsg_str(m, F_WORKSTATION, name, sizeof(name)) ||
	    mkmsg_str(m, F_SIGNPUB, sh, sizeof(sh)) ||
	    mkmsg_str(m, F_XFERPUB, xh, sizeof(xh)))
		return fail("workstation list", "malformed reply");
	if (l->json)
		printf("%s{\"name\":\"%s\",\"signpub\":\"%s\",\"xferpub\":"
		    "\"%s\"}", l->count++ ? "," : "[", name, sh, xh);
	else
		printf("%s %s %s\n", name, sh, xh);
	return 0;
}

int
cmd_workstation(struct ctl *ctl, int argc, char **argv)
{
	struct listing l = { 0, 0 };
	char sh[80], xh[80];
	struct mkbuf *b;
	struct mkmsg ok;
	int r, self = argc == 2 && strcmp(argv[1], "self") == 0;
	int add = argc == 5 && strcmp(argv[1], "add") == 0;
	int list = argc >= 2 && strcmp(argv[1], "list") == 0;

	if (!self && !add && !list)
		usage();
	if (list)
		l.json = has_json(argc - 1, argv + 1);
	if (login(ctl) != 0)
		return 1;
	b = mkclient_out(ctl->c);
	r = mkmsg_start(b, self ? MSG_WS_SELF : add ? MSG_WS_ADD :
	    MSG_WS_LIST);
	if (r == 0 && add && ((r = mkmsg_add_str(b, F_WORKSTATION,
	    argv[2])) != 0 || (r = mkmsg_add_str(b, F_SIGNPUB, argv[3])) != 0 ||
	    (r = mkmsg_add_str(b, F_XFERPUB, argv[4])) != 0))
		return fail("workstation", mkerr_str(r));
	if (list) {
		if ((r = mkclient_send(ctl->c)) != 0 ||
		    (r = collect(ctl, ws_entry, &l, "workstation list")) != 0)
			return r != 0 ? 1 : 0;
		if (l.json)
			printf("%s\n", l.count ? "]" : "[]");
		return 0;
	}
	if (roundtrip(ctl, "workstation", &ok) != 0)
		return 1;
	if (self && (mkmsg_str(&ok, F_SIGNPUB, sh, sizeof(sh)) ||
	    mkmsg_str(&ok, F_XFERPUB, xh, sizeof(xh))))
		return fail("workstation self", "malformed reply");
	if (self)
		printf("signpub %s\nxferpub %s\n", sh, xh);
	return 0;
}
