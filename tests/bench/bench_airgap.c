/*
 * Benchmark of the air-gap guard's reaction: link up -> keys wiped,
 * incident logged, watchers told. Runs inside the daemon's network
 * namespace (ip netns exec NS ...), with the supervisor's password as one
 * line of standard input.
 *   bench_airgap SOCKET USER IFNAME TRIALS [--import]
 * Each trial brings IFNAME up with an ioctl, times until the daemon's pushed
 * lockdown event arrives (sent only after the keys are wiped and the
 * incident is durably logged), brings it down and has the supervisor clear
 * the lockdown. With --import, a second connection keeps a document import
 * streaming during every trial. Prints median, p99 and max in ms.
 */
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/proto.h"

struct bench {
	const char	*sock, *user, *ifname;
	char		 pw[256];
	struct mkclient	*watch, *sup;
	atomic_int	 importing;
	atomic_long	 imported;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
set_link(const char *ifname, int up)
{
	struct ifreq ifr;
	int fd, r;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if ((r = ioctl(fd, SIOCGIFFLAGS, &ifr)) == 0) {
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return r;
}

/* Waits for a pushed event: lockdown (want_lockdown) or its end. */
static int
wait_state(struct mkclient *c, int want_lockdown)
{
	char state[32];
	struct mkmsg m;

	for (;;) {
		if (mkclient_recv(c, &m) != 0)
			return -1;
		if (mkmsg_str(&m, F_STATE, state, sizeof(state)) == 0 &&
		    (strcmp(state, "lockdown") == 0) == want_lockdown)
			return 0;
	}
}

static int
connect_auth(struct bench *b, struct mkclient **c)
{
	char msg[256];

	if (mkclient_connect(b->sock, c, msg, sizeof(msg)) != 0 ||
	    mkclient_auth(*c, b->user, b->pw, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "bench_airgap: %s\n", msg);
		return -1;
	}
	return 0;
}

/* Streams zeros into a new import until the daemon stops it. */
static void *
importer(void *arg)
{
	static uint8_t zero[PROTO_DATA_MAX];
	struct bench *b = arg;
	struct mkclient *c = NULL;
	struct mkmsg m;
	struct mkbuf *out;

	if (connect_auth(b, &c) != 0)
		goto out;
	out = mkclient_out(c);
	if (mkmsg_start(out, MSG_DOC_IMPORT) != 0 ||
	    mkmsg_add_str(out, F_CLASS, "mat") != 0 ||
	    mkmsg_add_str(out, F_TITLE, "bench") != 0 ||
	    mkclient_send(c) != 0 || mkclient_recv(c, &m) != 0 ||
	    m.type != MSG_OK)
		goto out;
	atomic_store(&b->importing, 1);
	for (;;) {
		if (mkmsg_start(out, MSG_DATA) != 0 ||
		    mkmsg_add(out, F_DATA, zero, sizeof(zero)) != 0 ||
		    mkclient_send(c) != 0)
			break;
		atomic_fetch_add(&b->imported, (long)sizeof(zero));
		if (!atomic_load(&b->importing))
			break;
	}
	if (mkmsg_start(out, MSG_END) == 0)
		mkclient_send(c);
	mkclient_recv(c, &m);
 out:
	atomic_store(&b->importing, 0);
	mkclient_close(c);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
trial(struct bench *b, int with_import, double *ms)
{
	char msg[256];
	pthread_t t;
	double t0;
	int i;

	if (with_import) {
		atomic_store(&b->importing, 0);
		if (pthread_create(&t, NULL, importer, b) != 0)
			return -1;
		for (i = 0; i < 500 && !atomic_load(&b->importing); i++)
			usleep(2000);
		usleep(20000);	/* well into the stream */
	}
	t0 = now_ms();
	if (set_link(b->ifname, 1) != 0 || wait_state(b->watch, 1) != 0)
		return -1;
	*ms = now_ms() - t0;
	atomic_store(&b->importing, 0);
	if (with_import)
		pthread_join(t, NULL);
	if (set_link(b->ifname, 0) != 0 ||
	    mkclient_simple(b->sup, MSG_LOCKDOWN_CLEAR, 0, NULL, msg,
	    sizeof(msg)) != 0) {
		fprintf(stderr, "bench_airgap: clear: %s\n", msg);
		return -1;
	}
	return wait_state(b->watch, 0);
}

int
main(int argc, char **argv)
{
	static struct bench b;
	struct mkmsg m;
	char msg[256];
	double *lat;
	int n, i, with_import;

	if (argc < 5 || fgets(b.pw, sizeof(b.pw), stdin) == NULL) {
		fprintf(stderr, "usage: bench_airgap SOCKET USER IFNAME TRIALS "
		    "[--import] < password\n");
		return 2;
	}
	b.pw[strcspn(b.pw, "\n")] = '\0';
	b.sock = argv[1];
	b.user = argv[2];
	b.ifname = argv[3];
	n = atoi(argv[4]);
	with_import = argc > 5 && strcmp(argv[5], "--import") == 0;
	if (n < 1 || (lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		return 2;
	if (mkclient_connect(b.sock, &b.watch, msg, sizeof(msg)) != 0 ||
	    connect_auth(&b, &b.sup) != 0 ||
	    mkmsg_start(mkclient_out(b.watch), MSG_WATCH) != 0 ||
	    mkclient_send(b.watch) != 0 || mkclient_recv(b.watch, &m) != 0) {
		fprintf(stderr, "bench_airgap: cannot connect: %s\n", msg);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (trial(&b, with_import, &lat[i]) != 0) {
			fprintf(stderr, "bench_airgap: trial %d failed\n", i);
			return 1;
		}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	printf("link up -> lockdown pushed%s: %d trials, median %.2f ms, "
	    "p99 %.2f ms, max %.2f ms", with_import ? " (during an import)" :
	    "", n, lat[n / 2], lat[(n * 99) / 100 >= n ? n - 1 : (n * 99) / 100],
	    lat[n - 1]);
	if (with_import)
		printf(", %.0f MiB imported meanwhile",
		    atomic_load(&b.imported) / 1048576.0);
	printf("\n");
	mkclient_close(b.watch);
	mkclient_close(b.sup);
	free(lat);
	return 0;
}
