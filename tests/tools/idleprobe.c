/*
 * idleprobe: one console-like session that stays idle past the idle lock.
 *   idleprobe SOCKET USER SECONDS      password on stdin
 * Logs in, lists documents, waits SECONDS without a request (polling the
 * status, which must not count as activity), then tries to list again
 * (must be refused: session locked), and logs in again (must work).
 * Prints each step; exit 0 when all behaved so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"

static int
request(struct mkclient *c, unsigned type, char *msg, size_t len)
{
	struct mkmsg m;
	int r;

	if ((r = mkmsg_start(mkclient_out(c), (uint16_t)type)) != 0 ||
	    (r = mkclient_send(c)) != 0)
		return r;
	for (;;) {
		if ((r = mkclient_recv(c, &m)) != 0)
			return r;
		if (m.type == MSG_OK)
			return 0;
		if (m.type == MSG_ERR)
			return mkclient_error(&m, msg, len);
	}
}

int
main(int argc, char **argv)
{
	struct mkclient *c = NULL;
	char pw[256], msg[512];
	int secs, i, r, bad = 0;

	if (argc != 4 || (secs = atoi(argv[3])) <= 0 ||
	    fgets(pw, sizeof(pw), stdin) == NULL)
		return 64;
	pw[strcspn(pw, "\n")] = '\0';
	if (mkclient_connect(argv[1], &c, msg, sizeof(msg)) != 0 ||
	    mkclient_auth(c, argv[2], pw, msg, sizeof(msg)) != 0) {
		printf("login: %s\n", msg);
		return 1;
	}
	r = request(c, MSG_DOC_LIST, msg, sizeof(msg));
	printf("list before: %s\n", r == 0 ? "ok" : msg);
	bad |= r != 0;
	for (i = 0; i < secs; i++) {
		sleep(1);
		if (request(c, MSG_STATUS, msg, sizeof(msg)) != 0)
			bad = 1;
	}
	r = request(c, MSG_DOC_LIST, msg, sizeof(msg));
	printf("list after %d s idle: %s\n", secs, r == 0 ? "ok" : msg);
	bad |= r != MK_ERR_LOCKED;
	r = mkclient_auth(c, argv[2], pw, msg, sizeof(msg));
	printf("login again: %s\n", r == 0 ? "ok" : msg);
	bad |= r != 0;
	r = request(c, MSG_DOC_LIST, msg, sizeof(msg));
	printf("list after login: %s\n", r == 0 ? "ok" : msg);
	bad |= r != 0;
	mkclient_close(c);
	return bad;
}
