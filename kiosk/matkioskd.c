/*
 * matkioskd: the controller daemon. One instance, as root.
 *
 *   matkioskd [-c FILE] [-f]
 *
 * The main thread runs the event loop (signalfd, a timerfd for the log's
 * epoch, the listening socket, rtnetlink, the udev monitor); each client
 * is served by its own thread. SIGHUP reloads the USB rules file.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "approval.h"
#include "daemon.h"
#include "avscan.h"
#include "media.h"
#include "usbguardd.h"

struct client {
	struct session	 s;
	pthread_t	 thread;
	struct client	*next;
};

struct loop {
	struct daemon	*d;
	int		 epfd, sigfd, timerfd, listenfd;
	struct client	*clients;
	size_t		 nclients;
	gid_t		 client_gid;
	int		 have_gid;
};

static void
usage(void)
{
	fprintf(stderr, "usage: matkioskd [-c FILE] [-f]\n");
	exit(2);
}

/* No core dumps, not ptrace-able by other users, keys never swapped. */
static int
harden_process(void)
{
	struct rlimit rl = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    setrlimit(RLIMIT_CORE, &rl) != 0)
		return MK_ERR_SYSTEM;
	umask(077);
	return 0;
}

static int
make_socket_dir(const char *sockpath)
{
	char dir[MKCONF_PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", sockpath);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return mkerr_from_errno(errno);
	return 0;
}

/* A stale socket from a crash is replaced; a live daemon is not. */
static int
claim_socket_path(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, alive;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : mkerr_from_errno(errno);
	if (!S_ISSOCK(st.st_mode))
		return MK_ERR_EXISTS;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return mkerr_from_errno(errno);
	alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	if (alive)
		return MK_ERR_BUSY;
	return unlink(sa->sun_path) == 0 ? 0 : mkerr_from_errno(errno);
}

static int
open_listener(struct loop *lp)
{
	struct sockaddr_un sa;
	const char *path = lp->d->conf.socket;
	struct group *gr;
	int fd, r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return MK_ERR_TOO_LARGE;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((r = make_socket_dir(path)) != 0 ||
	    (r = claim_socket_path(&sa)) != 0)
		return r;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return mkerr_from_errno(errno);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 16) != 0) {
		r = mkerr_from_errno(errno);
		close(fd);
		return r;
	}
	if ((gr = getgrnam(lp->d->conf.client_group)) != NULL) {
		lp->client_gid = gr->gr_gid;
		lp->have_gid = 1;
		if (chown(path, 0, gr->gr_gid) != 0) {
			close(fd);
			return mkerr_from_errno(errno);
		}
	}
	chmod(path, lp->have_gid ? 0660 : 0600);
	lp->listenfd = fd;
	return 0;
}

static int
peer_allowed(const struct loop *lp, const struct ucred *uc)
{
	struct group *gr;
	char **mem;

	if (uc->uid == 0 || uc->uid == geteuid())
		return 1;
	if (!lp->have_gid)
		return 0;
	if (uc->gid == lp->client_gid)
		return 1;
	if ((gr = getgrgid(lp->client_gid)) == NULL)
		return 0;
	/* Supplementary membership, by name. */
	for (mem = gr->gr_mem; *mem != NULL; mem++) {
		struct passwd *pw = getpwnam(*mem);

		if (pw != NULL && pw->pw_uid == uc->uid)
			return 1;
	}
	return 0;
}

/* d->live mirrors the client list for the guard (main thread only). */
static void
live_rebuild(struct loop *lp)
{
	struct client *c;

	lp->d->live = NULL;
	for (c = lp->clients; c != NULL; c = c->next) {
		c->s.next = lp->d->live;
		lp->d->live = &c->s;
	}
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	session_serve(&c->s);
	shutdown(c->s.fd, SHUT_RDWR);
	atomic_store(&c->s.done, 1);
	return NULL;
}

static void
log_refusal(struct loop *lp, const struct ucred *uc, const char *why)
{
	char peer[64];
	struct logkv kv[2] = { { "peer", peer }, { "reason", why } };

	snprintf(peer, sizeof(peer), "uid=%u pid=%d", (unsigned)uc->uid,
	    (int)uc->pid);
	diag(LOG_NOTICE, "client %s refused: %s", peer, why);
	pthread_mutex_lock(&lp->d->lock);
	if (lp->d->provisioned)
		daemon_log_locked(lp->d, LOG_SEV_THAP, "-", "-", "ipc.refused",
		    "", 2, kv);
	pthread_mutex_unlock(&lp->d->lock);
}

/* With no thread to spare, the peer only sees the connection close. */
static void
refuse_peer(struct loop *lp, int fd, const struct ucred *uc, const char *why)
{
	log_refusal(lp, uc, why);
	mkproto_send_err(fd, MK_ERR_BUSY, why);
	close(fd);
}

static void
accept_client(struct loop *lp)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct client *c;
	int fd;

	if ((fd = accept4(lp->listenfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0) {
		close(fd);
		return;
	}
	if (lp->nclients >= DAEMON_CLIENTS_MAX ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		refuse_peer(lp, fd, &uc, "too many clients");
		return;
	}
	if (!peer_allowed(lp, &uc)) {
		log_refusal(lp, &uc, "not root or in the client group");
		c->s.refused = "not root or in the client group";
	}
	c->s.d = lp->d;
	c->s.fd = fd;
	pthread_mutex_init(&c->s.klock, NULL);
	c->s.uid = uc.uid;
	c->s.pid = uc.pid;
	snprintf(c->s.peer, sizeof(c->s.peer), "uid=%u pid=%d",
	    (unsigned)uc.uid, (int)uc.pid);
	if (pthread_create(&c->thread, NULL, client_main, c) != 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = lp->clients;
	lp->clients = c;
	lp->nclients++;
	live_rebuild(lp);
}

/* Joins the threads of clients that have gone; with all, ends them all. */
static void
reap_clients(struct loop *lp, int all)
{
	struct client **pp = &lp->clients, *c;
	int reaped = 0;

	while ((c = *pp) != NULL) {
		if (all && !atomic_load(&c->s.done))
			shutdown(c->s.fd, SHUT_RDWR);
		if (!all && !atomic_load(&c->s.done)) {
			pp = &c->next;
			continue;
		}
		pthread_join(c->thread, NULL);
		session_wipe_key(&c->s);
		close(c->s.fd);
		pthread_mutex_destroy(&c->s.klock);
		*pp = c->next;
		free(c);
		lp->nclients--;
		reaped = 1;
	}
	if (reaped)
		live_rebuild(lp);
}

static int
add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int
setup_loop(struct loop *lp)
{
	struct itimerspec its = { { 5, 0 }, { 5, 0 } };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return MK_ERR_SYSTEM;
	signal(SIGPIPE, SIG_IGN);
	if ((lp->d->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (lp->sigfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 ||
	    (lp->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 ||
	    timerfd_settime(lp->timerfd, 0, &its, NULL) != 0 ||
	    (lp->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return mkerr_from_errno(errno);
	if (add_fd(lp->epfd, lp->sigfd) != 0 ||
	    add_fd(lp->epfd, lp->timerfd) != 0 ||
	    add_fd(lp->epfd, lp->listenfd) != 0 ||
	    add_fd(lp->epfd, lp->d->notify_fd) != 0 ||
	    (lp->d->ng != NULL &&
	    add_fd(lp->epfd, netguard_fd(lp->d->ng)) != 0) ||
	    (usbd_fd(lp->d->usb) >= 0 &&
	    add_fd(lp->epfd, usbd_fd(lp->d->usb)) != 0))
		return mkerr_from_errno(errno);
	return 0;
}

static void
on_timer(struct loop *lp)
{
	uint64_t ticks;
	int r;

	if (read(lp->timerfd, &ticks, sizeof(ticks)) < 0)
		return;
	pthread_mutex_lock(&lp->d->lock);
	if (lp->d->log != NULL && (r = auditlog_tick(lp->d->log)) != 0) {
		snprintf(lp->d->fail_reason, sizeof(lp->d->fail_reason),
		    "audit log cannot be sealed: %s", mkerr_str(r));
		diag(LOG_CRIT, "%s", lp->d->fail_reason);
	}
	pthread_mutex_unlock(&lp->d->lock);
	reap_clients(lp, 0);
}

/* SIGHUP: the IT officer edited the USB rules file. */
static void
on_signal(struct loop *lp, uint32_t signo)
{
	if (signo == SIGHUP) {
		diag(LOG_INFO, "SIGHUP: reloading the USB rules");
		usbd_reload(lp->d);
		return;
	}
	diag(LOG_INFO, "signal %u: shutting down", signo);
	lp->d->stopping = 1;
}

static int
run_loop(struct loop *lp)
{
	struct epoll_event ev[8];
	struct signalfd_siginfo si;
	int n, i;

	while (!lp->d->stopping) {
		if ((n = epoll_wait(lp->epfd, ev, 8, -1)) < 0) {
			if (errno == EINTR)
				continue;
			return mkerr_from_errno(errno);
		}
		for (i = 0; i < n; i++) {
			/* The guard first: it is what must never wait. */
			if (lp->d->ng != NULL &&
			    ev[i].data.fd == netguard_fd(lp->d->ng))
				guard_on_event(lp->d);
			else if (ev[i].data.fd == usbd_fd(lp->d->usb))
				usbd_on_event(lp->d);
			else if (ev[i].data.fd == lp->d->notify_fd) {
				guard_on_notify(lp->d);
				usbd_on_notify(lp->d);
			}
			else if (ev[i].data.fd == lp->listenfd)
				accept_client(lp);
			else if (ev[i].data.fd == lp->timerfd)
				on_timer(lp);
			else if (ev[i].data.fd == lp->sigfd &&
			    read(lp->sigfd, &si, sizeof(si)) == sizeof(si))
				on_signal(lp, si.ssi_signo);
		}
		reap_clients(lp, 0);
	}
	return 0;
}

static int
start_state(struct daemon *d)
{
	char why[512] = "";
	int r;

	if ((r = statedir_init(&d->sd, d->conf.state)) != 0 ||
	    (r = statedir_prepare(&d->sd, why, sizeof(why))) != 0) {
		diag(LOG_CRIT, "refusing to start: unsafe state directory: %s",
		    why[0] ? why : mkerr_str(r));
		return r;
	}
	if (mkdir(d->conf.work, 0700) != 0 && errno != EEXIST)
		diag(LOG_WARNING, "work directory %s: %s", d->conf.work,
		    strerror(errno));
	/* Mounts a killed daemon left (kiosk/media.h). */
	media_cleanup_stale(d->sd.root);
	if (!statedir_provisioned(&d->sd)) {
		diag(LOG_NOTICE, "machine not provisioned: waiting for "
		    "'matctl init'");
		return 0;
	}
	pthread_mutex_lock(&d->lock);
	r = daemon_open_state(d, why, sizeof(why));
	pthread_mutex_unlock(&d->lock);
	if (r != 0)
		diag(LOG_CRIT, "refusing to start: %s", why);
	return r;
}

static int
log_start(struct daemon *d)
{
	uint8_t hash[32];
	char hex[65];
	struct mkbuf *b = NULL;
	struct logkv kv[3] = { { "version", MATKIOSK_VERSION },
	    { "config", d->conf.path[0] ? d->conf.path : "(defaults)" },
	    { "config-sha256", hex } };

	if (!d->provisioned)
		return 0;
	snprintf(hex, sizeof(hex), "-");
	if (d->conf.path[0] != '\0' &&
	    mkfs_read_file(d->conf.path, 65536, &b) == 0) {
		cry_sha256(mkbuf_ptr(b), mkbuf_len(b), hash);
		mk_hex(hash, sizeof(hash), hex);
		mkbuf_free(b);
	}
	/* Reading the configuration is itself an event of Article 11. */
	return daemon_log(d, LOG_SEV_INFO, "system", "-", "daemon.start", "",
	    3, kv);
}

static void
shutdown_daemon(struct loop *lp)
{
	struct daemon *d = lp->d;
	int r;

	close(lp->listenfd);
	unlink(d->conf.socket);
	/* A session waiting for the main thread to clear a lockdown is
	 * answered now: the main thread will not do it any more. */
	pthread_mutex_lock(&d->lock);
	if (d->clear_req != NULL) {
		snprintf(d->clear_req->why, sizeof(d->clear_req->why),
		    "the daemon is stopping");
		d->clear_req->result = MK_ERR_CLOSED;
		d->clear_req->done = 1;
		d->clear_req = NULL;
	}
	pthread_cond_broadcast(&d->clear_cond);
	/* So does a session waiting for USB devices to be decided again. */
	d->usb_done = d->usb_want;
	pthread_cond_broadcast(&d->usb_cond);
	pthread_mutex_unlock(&d->lock);
	reap_clients(lp, 1);
	/* An evidence snapshot still being copied is let finish: it logs
	 * when done, so the log must outlive it. */
	for (int i = 0; atomic_load(&d->evidence_running) > 0; i++) {
		if (i == 100)
			diag(LOG_WARNING, "waiting for an evidence snapshot");
		usleep(10000);
	}
	pthread_mutex_lock(&d->lock);
	if (d->log != NULL) {
		daemon_log_locked(d, LOG_SEV_INFO, "system", "-", "daemon.stop",
		    "", 0, NULL);
		if ((r = auditlog_checkpoint(d->log)) != 0)
			diag(LOG_ERR, "log checkpoint: %s", mkerr_str(r));
	}
	daemon_close_state(d);
	pthread_mutex_unlock(&d->lock);
	netguard_free(d->ng);
	d->ng = NULL;
	/* Devices keep the state we gave them: stopping must not open
	 * the machine (fail closed). */
	pthread_mutex_lock(&d->lock);
	usbd_free(d->usb);
	d->usb = NULL;
	pthread_mutex_unlock(&d->lock);
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	struct loop lp;
	const char *conf = NULL;
	char err[1400];
	int ch, r;

	while ((ch = getopt(argc, argv, "c:fh")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			d.foreground = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	diag_init(1);
	mkconf_defaults(&d.conf);
	if (mkconf_load(conf, &d.conf, err, sizeof(err)) != 0) {
		diag(LOG_CRIT, "%s", err);
		return 1;
	}
	/* Detach first: locked memory is not inherited across fork. */
	if (!d.foreground && daemon(0, 0) != 0)
		return 1;
	diag_init(d.foreground);
	if (harden_process() != 0 ||
	    (r = cry_init(DAEMON_SECMEM, 1)) != 0) {
		diag(LOG_CRIT, "cannot protect keys in memory (locked, "
		    "non-dumpable): refusing to start");
		return 1;
	}
	pthread_mutex_init(&d.lock, NULL);
	pthread_mutex_init(&d.keys_lock, NULL);
	pthread_rwlock_init(&d.vault_rw, NULL);
	if ((d.approvals = approvals_new()) == NULL) {
		diag(LOG_CRIT, "out of memory");
		return 1;
	}
	pthread_cond_init(&d.clear_cond, NULL);
	pthread_cond_init(&d.usb_cond, NULL);
	memset(&lp, 0, sizeof(lp));
	lp.d = &d;
	lp.listenfd = -1;
	if (start_state(&d) != 0)
		return 1;
	/* The air-gap guard runs before any client can connect: a machine
	 * that starts with a link up never unlocks. */
	guard_start(&d);
	/* Likewise the USB guard: no device is usable before it decided. */
	usbd_start(&d);
	if ((r = open_listener(&lp)) != 0) {
		diag(LOG_CRIT, "socket %s: %s", d.conf.socket, mkerr_str(r));
		return 1;
	}
	if ((r = setup_loop(&lp)) != 0 || (r = log_start(&d)) != 0) {
		diag(LOG_CRIT, "cannot start: %s", mkerr_str(r));
		unlink(d.conf.socket);
		return 1;
	}
	diag(LOG_INFO, "ready on %s (%s)", d.conf.socket,
	    d.provisioned ? "provisioned" : "not provisioned");
	r = run_loop(&lp);
	shutdown_daemon(&lp);
	approvals_free(d.approvals);
	avscan_done();
	cry_done();
	return r == 0 ? 0 : 1;
}
