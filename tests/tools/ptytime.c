/*
 * Bench tool: times a terminal program on a pseudo-terminal of its own,
 * with no terminal multiplexer in between (the console bench).
 *
 *   ptytime COLS ROWS -- command [args]
 *
 * Commands on stdin, one a line:
 *   wait TEXT       reads the program's output until TEXT appears in what
 *                   came since the last command; prints "wait MS" (from
 *                   the start of the program, or the last send)
 *   send STR        writes STR (escapes \r \t \e \\ \xNN)
 *   burst N STR     N times: writes STR and reads until the output has been
 *                   quiet for 50 ms; the time of one is from the write to
 *                   the last byte of its burst (a key that draws nothing
 *                   fails the command). Prints
 *                   "burst N median MS p95 MS max MS"
 * Exits 1 if TEXT does not come within 30 s or the program ends.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX		(1 << 20)

static int master = -1;
static pid_t child;
static char out[OUT_MAX];
static size_t outlen;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads what is there within timeout_ms; 0 if nothing came, -1 at the
 * end of the program. *last gets the time of the last byte. */
static int
pull(int timeout_ms, double *last)
{
	struct pollfd p = { master, POLLIN, 0 };
	char buf[65536];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(master, buf, sizeof(buf));
	if (n <= 0)
		return errno == EINTR ? 0 : -1;
	*last = now_ms();
	if (outlen + (size_t)n >= OUT_MAX)
		outlen = 0;	/* only what came since the last command counts */
	memcpy(out + outlen, buf, (size_t)n);
	outlen += (size_t)n;
	out[outlen] = '\0';
	return 1;
}

static size_t
unescape(const char *s, char *d)
{
	size_t n = 0;
	unsigned v;

	for (; *s != '\0'; s++) {
		if (*s != '\\' || s[1] == '\0') {
			d[n++] = *s;
			continue;
		}
		switch (*++s) {
		case 'r': d[n++] = '\r'; break;
		case 't': d[n++] = '\t'; break;
		case 'e': d[n++] = 27; break;
		case 'x':
			if (sscanf(s + 1, "%2x", &v) == 1) {
				d[n++] = (char)v;
				s += 2;
			}
			break;
		default: d[n++] = *s; break;
		}
	}
	return n;
}

static void
put(const char *s)
{
	char buf[1024];
	size_t n = unescape(s, buf);

	if (write(master, buf, n) != (ssize_t)n) {
		perror("ptytime: write");
		exit(1);
	}
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
wait_text(const char *text, double since)
{
	double last = since, t0 = now_ms();

	while (strstr(out, text) == NULL) {
		if (now_ms() - t0 > 30000 || pull(100, &last) < 0)
			return -1;
	}
	printf("wait %.1f\n", last - since);
	return 0;
}

static int
burst(int n, const char *key)
{
	double *v, t, last;
	int i, r;

	if (n < 1 || (v = calloc((size_t)n, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		outlen = 0;
		t = last = now_ms();
		put(key);
		while ((r = pull(50, &last)) > 0)
			;
		/* No output: nothing was redrawn, which is no figure. */
		if (r < 0 || last == t) {
			free(v);
			return -1;
		}
		v[i] = last - t;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("burst %d median %.2f p95 %.2f max %.2f\n", n, v[n / 2],
	    v[(int)(n * 0.95)], v[n - 1]);
	free(v);
	return 0;
}

int
main(int argc, char **argv)
{
	struct winsize ws = { 0 };
	char line[2048], *arg;
	double mark;
	int status;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: ptytime COLS ROWS -- command...\n");
		return 2;
	}
	ws.ws_col = (unsigned short)atoi(argv[1]);
	ws.ws_row = (unsigned short)atoi(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mark = now_ms();
	if ((child = forkpty(&master, NULL, NULL, &ws)) < 0) {
		perror("ptytime: forkpty");
		return 1;
	}
	if (child == 0) {
		execvp(argv[4], argv + 4);
		_exit(127);
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((arg = strchr(line, ' ')) == NULL)
			continue;
		*arg++ = '\0';
		if (strcmp(line, "wait") == 0) {
			if (wait_text(arg, mark) != 0) {
				fprintf(stderr, "ptytime: no \"%s\"\n", arg);
				kill(child, SIGTERM);
				return 1;
			}
		} else if (strcmp(line, "send") == 0) {
			outlen = 0;
			out[0] = '\0';
			mark = now_ms();
			put(arg);
		} else if (strcmp(line, "burst") == 0) {
			char *key = strchr(arg, ' ');

			if (key == NULL || burst(atoi(arg), key + 1) != 0) {
				fprintf(stderr, "ptytime: burst failed\n");
				kill(child, SIGTERM);
				return 1;
			}
		}
	}
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	return 0;
}
