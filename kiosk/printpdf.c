/*
 * The daemon's side of PDF marking: runs matkiosk-markpdf (from the
 * directory the daemon's own program is in), feeds it the PDF, collects
 * the marked copies (kiosk/printpdf.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "common/buf.h"
#include "common/err.h"
#include "printmark.h"
#include "printpdf.h"

#define HELPER_BAD_PDF	3

/* PRINTPDF_HELPER beside the daemon's own program. */
static int
helper_path(char *out, size_t outlen)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	n = snprintf(out, outlen, "%s/%s", self, PRINTPDF_HELPER);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
spawn_helper(const struct printmark *m, int *to, int *from, pid_t *pid)
{
	char a[5][24], doc[sizeof(m->doc)], path[PATH_MAX];
	char *argv[8];
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, r;

	snprintf(a[0], sizeof(a[0]), "%u", m->first);
	snprintf(a[1], sizeof(a[1]), "%u", m->count);
	snprintf(a[2], sizeof(a[2]), "%u", m->total);
	snprintf(a[3], sizeof(a[3]), "%lld", (long long)m->when);
	snprintf(a[4], sizeof(a[4]), "%d", m->cls);
	snprintf(doc, sizeof(doc), "%s", m->doc);
	if (helper_path(path, sizeof(path)) != 0)
		return MK_ERR_SYSTEM;
	argv[0] = PRINTPDF_HELPER;
	argv[1] = a[0]; argv[2] = a[1]; argv[3] = a[2]; argv[4] = a[3];
	argv[5] = a[4]; argv[6] = doc; argv[7] = NULL;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0) {
		r = MK_ERR_SYSTEM;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	r = posix_spawn(pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(outp[1]);
	if (r != 0) {
		close(in[1]);
		close(outp[0]);
		return MK_ERR_SYSTEM;
	}
	*to = in[1];
	*from = outp[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	return r;
}

/* Feeds the PDF, then collects the result, within the time limit. The
 * helper reads all its input before it writes, so one direction at a
 * time cannot deadlock. */
static int
talk(int to, int from, const uint8_t *p, size_t n, struct mkbuf *out)
{
	int64_t deadline = PRINTPDF_HELPER_MS;
	struct pollfd pf;
	uint8_t buf[65536];
	size_t off = 0;
	ssize_t k;
	int r = 0;

	while (off < n && r == 0) {
		pf = (struct pollfd){ to, POLLOUT, 0 };
		if (poll(&pf, 1, (int)deadline) <= 0)
			r = MK_ERR_TIMEOUT;
		else if ((k = write(to, p + off, n - off > 65536 ? 65536 :
		    n - off)) < 0)
			r = errno == EINTR ? 0 : MK_ERR_FORMAT;
		else
			off += (size_t)k;
	}
	close(to);
	while (r == 0) {
		pf = (struct pollfd){ from, POLLIN, 0 };
		if (poll(&pf, 1, (int)deadline) <= 0)
			r = MK_ERR_TIMEOUT;
		else if ((k = read(from, buf, sizeof(buf))) == 0)
			break;
		else if (k < 0)
			r = errno == EINTR ? 0 : MK_ERR_SYSTEM;
		else
			r = mkbuf_put(out, buf, (size_t)k);
	}
	mk_wipe(buf, sizeof(buf));
	close(from);
	return r;
}

int
printpdf_mark_isolated(const uint8_t *p, size_t n,
    const struct printmark *m, struct mkbuf *out)
{
	pid_t pid;
	int to, from, r, st = 0;

	if ((r = spawn_helper(m, &to, &from, &pid)) != 0)
		return r;
	r = talk(to, from, p, n, out);
	if (r != 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r != 0)
		return r;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return WIFEXITED(st) && WEXITSTATUS(st) == HELPER_BAD_PDF ?
		    MK_ERR_FORMAT : MK_ERR_SYSTEM;
	return 0;
}
