/*
 * make bench, the USB guard's decision latency: uevent received ->
 * authorized written (DESIGN.md, "Performance": median < 1 ms), beside the
 * raw cost of the same steps without the daemon, on the same uevents
 * through the same umockdev bed (tests/tools/usbbed with the devices of
 * tests/data/usb/bed.umockdev; FIFO is the bed's standard input):
 *
 *   bench_usb daemon SOCKET FIFO DATA CYCLES
 *        drives the bed of a running matkioskd, one uevent at a time,
 *        waiting for each decision in its status (usb-guard: "uevent
 *        decisions N"), then prints the daemon's own figures: the count,
 *        median and p99 of everything it has decided on a uevent so far.
 *   bench_usb raw FIFO DATA CYCLES SAMPLES
 *        runs as the command of a bed of its own: the same uevents, each
 *        received from a udev monitor set up as the daemon's and answered
 *        with one write of authorized, and nothing else. Appends one line
 *        "receive_ns write_ns" per uevent the daemon would decide.
 *   bench_usb quantiles SAMPLES
 *        median and p99 of those, through the daemon's histogram
 *        (common/hist.h), so that both sides round alike.
 *
 * One cycle is 10 uevents: 6 "change" of present devices (allowed,
 * blocked and rejected ones), 2 "add" and 2 "remove" of plugged devices,
 * hence 8 decisions; a bed is left as a cycle found it. umockdev sends
 * uevents without blocking and drops those a full socket has no room
 * for, so the next one goes only once the last is decided.
 * Results go to stdout as "name value" lines for tests/bench/run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/client.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/hist.h"
#include "common/proto.h"

#define PCI		"/sys/devices/pci0000:00/0000:00:14.0"
#define WAIT_NS		(5 * UINT64_C(1000000000))	/* a uevent */
#define FIRST_NS	500000		/* before the first status */
#define POLL_NS		200000		/* between status requests */

struct step {
	const char	*verb;		/* add, change, remove */
	const char	*file;		/* add: DATA/file.umockdev */
	const char	*dev;		/* below PCI */
};

/* Allowed, blocked and rejected devices, as tests/data/usb/README.md
 * lists them. */
static const struct step cycle[] = {
	{ "change", NULL, "usb1/1-6" },		/* keyboard */
	{ "change", NULL, "usb1/1-1/1-1.1" },	/* unregistered stick */
	{ "add", "plug-mouse", "usb1/1-8" },	/* a mouse */
	{ "change", NULL, "usb1/1-5" },		/* storage+keyboard */
	{ "change", NULL, "usb1/1-2" },		/* RTL8153 */
	{ "add", "plug-clone", "usb2/2-6" },	/* another stick */
	{ "remove", NULL, "usb1/1-8" },
	{ "change", NULL, "usb2/2-1" },		/* AX88179 */
	{ "remove", NULL, "usb2/2-6" },
	{ "change", NULL, "usb1/1-7" },		/* mouse */
};
#define CYCLE_LEN	(sizeof(cycle) / sizeof(cycle[0]))

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static int
decides(const struct step *s)
{
	return strcmp(s->verb, "remove") != 0;
}

/* One command line to the bed, in one write (shorter than PIPE_BUF). */
static int
send_step(int fifo, const char *data, const struct step *s)
{
	char line[1024];
	int r;

	if (s->file != NULL)
		r = mkfs_path(line, sizeof(line), "add %s/%s.umockdev %s/%s\n",
		    data, s->file, PCI, s->dev);
	else
		r = mkfs_path(line, sizeof(line), "%s %s/%s\n", s->verb, PCI,
		    s->dev);
	if (r != 0)
		return r;
	return mkfs_write_all(fifo, line, strlen(line));
}

/* ---- daemon: the daemon's own figures ---- */

/* The usb-guard line of status. */
static int
usb_status(struct mkclient *c, char *out, size_t outlen)
{
	char key[64], value[4200];
	struct mkmsg m;
	int r;

	out[0] = '\0';
	if ((r = mkmsg_start(mkclient_out(c), MSG_STATUS)) != 0 ||
	    (r = mkclient_send(c)) != 0)
		return r;
	for (;;) {
		if ((r = mkclient_recv(c, &m)) != 0)
			return r;
		if (m.type == MSG_OK)
			return out[0] != '\0' ? 0 : MK_ERR_PROTOCOL;
		if (m.type != MSG_ENTRY ||
		    mkmsg_str(&m, F_KEY, key, sizeof(key)) != 0 ||
		    mkmsg_str(&m, F_VALUE, value, sizeof(value)) != 0)
			return MK_ERR_PROTOCOL;
		if (strcmp(key, "usb-guard") == 0 &&
		    (size_t)snprintf(out, outlen, "%s", value) >= outlen)
			return MK_ERR_TOO_LARGE;
	}
}

static int
decided(struct mkclient *c, uint64_t *n, char *line, size_t linelen)
{
	const char *p;
	int r;

	if ((r = usb_status(c, line, linelen)) != 0)
		return r;
	if ((p = strstr(line, "; uevent decisions ")) == NULL ||
	    sscanf(p, "; uevent decisions %" SCNu64, n) != 1)
		return MK_ERR_PROTOCOL;
	return 0;
}

/* Waits until the daemon has decided want uevents. The first look is
 * late enough to find most decisions done, so that the status request
 * rarely runs beside the decision it waits for. */
static int
wait_decided(struct mkclient *c, uint64_t want)
{
	const struct timespec first = { 0, FIRST_NS }, again = { 0, POLL_NS };
	char line[600];
	uint64_t n, t0 = now_ns();
	int r;

	nanosleep(&first, NULL);
	for (;;) {
		if ((r = decided(c, &n, line, sizeof(line))) != 0)
			return r;
		if (n == want)
			return 0;
		if (n > want || now_ns() - t0 > WAIT_NS) {
			fprintf(stderr, "bench_usb: %" PRIu64 " uevents "
			    "decided, %" PRIu64 " expected\n", n, want);
			return MK_ERR_TIMEOUT;
		}
		nanosleep(&again, NULL);
	}
}

static void
print_daemon_figures(const char *line)
{
	const char *p = strstr(line, "; uevent decisions ");
	uint64_t n;
	double med, p99;

	if (p != NULL && sscanf(p, "; uevent decisions %" SCNu64 ", latency "
	    "median %lf us, p99 %lf us", &n, &med, &p99) == 3) {
		printf("usb.decisions %" PRIu64 "\n", n);
		printf("usb.med_us %.1f\n", med);
		printf("usb.p99_us %.1f\n", p99);
	}
	printf("usb.status %s\n", line);
}

static int
bench_daemon(const char *sock, const char *fifo, const char *data,
    long cycles)
{
	struct mkclient *c = NULL;
	char msg[256], line[600];
	uint64_t n, t0;
	long i;
	size_t j;
	int fd = -1, r;

	if ((r = mkclient_connect(sock, &c, msg, sizeof(msg))) != 0) {
		fprintf(stderr, "bench_usb: %s: %s\n", sock, msg);
		goto out;
	}
	if ((fd = open(fifo, O_WRONLY | O_CLOEXEC)) < 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	if ((r = decided(c, &n, line, sizeof(line))) != 0)
		goto out;
	t0 = now_ns();
	for (i = 0; i < cycles; i++)
		for (j = 0; j < CYCLE_LEN; j++) {
			if ((r = send_step(fd, data, &cycle[j])) != 0)
				goto out;
			if (decides(&cycle[j]) &&
			    (r = wait_decided(c, ++n)) != 0)
				goto out;
		}
	printf("usb.events %ld\n", cycles * (long)CYCLE_LEN);
	printf("usb.wall_s %.3f\n", (double)(now_ns() - t0) / 1e9);
	if ((r = usb_status(c, line, sizeof(line))) == 0)
		print_daemon_figures(line);
out:
	if (fd >= 0)
		close(fd);
	mkclient_close(c);
	return r;
}

/* ---- raw: receive and write, nothing else ---- */

static int
open_monitor(struct udev **udev, struct udev_monitor **mon)
{
	/* As kiosk/usbguardd.c opens it. */
	if ((*udev = udev_new()) == NULL ||
	    (*mon = udev_monitor_new_from_netlink(*udev, "udev")) == NULL ||
	    udev_monitor_filter_add_match_subsystem_devtype(*mon, "usb",
	    "usb_device") < 0 ||
	    udev_monitor_enable_receiving(*mon) < 0)
		return MK_ERR_SYSTEM;
	return 0;
}

/* The write a decision ends with, as the daemon makes it. */
static int
write_authorized(const char *syspath)
{
	char path[512];
	int fd, r;

	if ((r = mkfs_path(path, sizeof(path), "%s/authorized", syspath)) != 0)
		return r;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return mkerr_from_errno(errno);
	r = mkfs_write_all(fd, "0", 1);
	close(fd);
	return r;
}

/* Receives the uevent of step s; for one the daemon would decide, writes
 * authorized and appends both times to samples. */
static int
raw_event(struct udev_monitor *mon, const struct step *s, FILE *samples)
{
	struct pollfd p = { udev_monitor_get_fd(mon), POLLIN, 0 };
	struct udev_device *ud;
	const char *action;
	uint64_t t0, t1, t2;
	int r = 0;

	if (poll(&p, 1, (int)(WAIT_NS / 1000000)) != 1) {
		fprintf(stderr, "bench_usb: no uevent for %s %s\n", s->verb,
		    s->dev);
		return MK_ERR_TIMEOUT;
	}
	t0 = now_ns();
	if ((ud = udev_monitor_receive_device(mon)) == NULL)
		return MK_ERR_SYSTEM;
	t1 = now_ns();
	action = udev_device_get_action(ud);
	if (action == NULL || strcmp(action, s->verb) != 0) {
		fprintf(stderr, "bench_usb: uevent %s, expected %s\n",
		    action != NULL ? action : "(none)", s->verb);
		r = MK_ERR_SYSTEM;
	} else if (decides(s)) {
		r = write_authorized(udev_device_get_syspath(ud));
		t2 = now_ns();
		if (r == 0 && fprintf(samples, "%" PRIu64 " %" PRIu64 "\n",
		    t1 - t0, t2 - t1) < 0)
			r = MK_ERR_SYSTEM;
	}
	udev_device_unref(ud);
	return r;
}

static int
bench_raw(const char *fifo, const char *data, long cycles,
    const char *samples_path)
{
	struct udev *udev = NULL;
	struct udev_monitor *mon = NULL;
	FILE *samples = NULL;
	long i;
	size_t j;
	int fd = -1, r;

	if ((r = open_monitor(&udev, &mon)) != 0)
		goto out;
	if ((fd = open(fifo, O_WRONLY | O_CLOEXEC)) < 0 ||
	    (samples = fopen(samples_path, "a")) == NULL) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	for (i = 0; i < cycles; i++)
		for (j = 0; j < CYCLE_LEN; j++)
			if ((r = send_step(fd, data, &cycle[j])) != 0 ||
			    (r = raw_event(mon, &cycle[j], samples)) != 0)
				goto out;
out:
	if (samples != NULL && fclose(samples) != 0 && r == 0)
		r = MK_ERR_SYSTEM;
	if (fd >= 0)
		close(fd);
	if (mon != NULL)
		udev_monitor_unref(mon);
	if (udev != NULL)
		udev_unref(udev);
	return r;
}

/* ---- quantiles of the raw samples ---- */

static void
print_hist(const char *name, const struct mkhist *h)
{
	printf("%s_med_us %.1f\n", name,
	    (double)mkhist_quantile(h, 0.5) / 1e3);
	printf("%s_p99_us %.1f\n", name,
	    (double)mkhist_quantile(h, 0.99) / 1e3);
}

static int
quantiles(const char *samples_path)
{
	struct mkhist *recv = mkhist_new(), *wr = mkhist_new();
	struct mkhist *both = mkhist_new();
	uint64_t a, b;
	FILE *f = NULL;
	int r = MK_ERR_ALLOC;

	if (recv == NULL || wr == NULL || both == NULL)
		goto out;
	if ((f = fopen(samples_path, "r")) == NULL) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	while (fscanf(f, "%" SCNu64 " %" SCNu64, &a, &b) == 2) {
		mkhist_add(recv, a);
		mkhist_add(wr, b);
		mkhist_add(both, a + b);
	}
	r = ferror(f) || !feof(f) || mkhist_count(both) == 0 ?
	    MK_ERR_FORMAT : 0;
	if (r == 0) {
		printf("raw.decisions %" PRIu64 "\n", mkhist_count(both));
		print_hist("raw.recv", recv);
		print_hist("raw.write", wr);
		print_hist("raw.both", both);
	}
out:
	if (f != NULL)
		fclose(f);
	mkhist_free(recv);
	mkhist_free(wr);
	mkhist_free(both);
	return r;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_usb daemon SOCKET FIFO DATA CYCLES\n"
	    "       bench_usb raw FIFO DATA CYCLES SAMPLES\n"
	    "       bench_usb quantiles SAMPLES\n");
	exit(2);
}

static long
parse_cycles(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n < 1 || n > 1000000)
		usage();
	return n;
}

int
main(int argc, char **argv)
{
	int r;

	if (argc == 6 && strcmp(argv[1], "daemon") == 0)
		r = bench_daemon(argv[2], argv[3], argv[4],
		    parse_cycles(argv[5]));
	else if (argc == 6 && strcmp(argv[1], "raw") == 0)
		r = bench_raw(argv[2], argv[3], parse_cycles(argv[4]),
		    argv[5]);
	else if (argc == 3 && strcmp(argv[1], "quantiles") == 0)
		r = quantiles(argv[2]);
	else
		usage();
	if (r != 0) {
		fprintf(stderr, "bench_usb: %s: %s\n", argv[1], mkerr_str(r));
		return 1;
	}
	return 0;
}
