/*
 * matkioskd's shared state and the services its request handlers use.
 *
 * Threads: the main thread runs the event loop (signals, timers, the
 * listening socket; later the udev monitor and rtnetlink), so that no
 * client, however slow or large its request, can delay the guards. Each
 * client connection is served by its own thread with blocking I/O.
 * d->lock guards everything in struct daemon below it; it is held only for
 * short steps (a log append, a state change), never across client I/O.
 */
#ifndef MATKIOSK_DAEMON_H
#define MATKIOSK_DAEMON_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "accounts.h"
#include "common/conf.h"
#include "crypto/logrec.h"
#include "machine.h"
#include "statedir.h"

#define MATKIOSK_VERSION	"0.1.0"
#define DAEMON_CLIENTS_MAX	32
#define DAEMON_SECMEM		(256 * 1024)

struct auditlog;
struct signkey;
struct vault;
struct mkbuf;

struct daemon {
	struct mkconf		 conf;
	struct statedir		 sd;
	int			 foreground;
	volatile sig_atomic_t	 stopping;

	pthread_mutex_t		 lock;
	int			 provisioned;
	struct machine		 machine;
	struct auditlog		*log;
	struct signkey		*devkey;
	struct accounts		*accounts;
	struct vault		*vault;
	/* Set when a guard cannot do its job (the log cannot be written):
	 * documents stay locked and clients are told why. */
	char			 fail_reason[256];
};

/* One client connection, served by its own thread. */
struct session {
	struct daemon	*d;
	int		 fd;
	uid_t		 uid;
	pid_t		 pid;
	char		 peer[64];	/* "uid=0 pid=123" for the log */
	const char	*refused;	/* not NULL: only tell the peer why */
	int		 authed;
	struct account	 acct;
	/* The vault master key, in secure memory, only while authenticated. */
	uint8_t		*mk;
	uint32_t	 key_epoch;
	struct mkbuf	*in;
	struct mkbuf	*out;
};

/*
 * Appends a record to the audit log, durably. Returns 0 or the error, in
 * which case the caller must not carry out the action it was recording
 * (write-ahead). daemon_log takes d->lock; daemon_log_locked expects it held.
 */
int daemon_log(struct daemon *d, uint8_t severity, const char *actor,
    const char *role, const char *event, const char *object, size_t nfields,
    const struct logkv *fields);
int daemon_log_locked(struct daemon *d, uint8_t severity, const char *actor,
    const char *role, const char *event, const char *object, size_t nfields,
    const struct logkv *fields);
/* The same with the session's account as actor. */
int session_log(struct session *s, uint8_t severity, const char *event,
    const char *object, size_t nfields, const struct logkv *fields);

/* Opens the provisioned state: device key, log (with recovery), accounts,
 * vault. Called at start and after provisioning, with d->lock held. */
int daemon_open_state(struct daemon *d, char *why, size_t whylen);
void daemon_close_state(struct daemon *d);

/* Diagnostics for the operator (stderr with -f, syslog otherwise). */
void diag(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_init(int foreground);

/* Serves one client until it disconnects (the client thread's body). */
void session_serve(struct session *s);
/* Wipes the session's key and forgets who is logged in. */
void session_logout(struct session *s, const char *why);

#endif /* MATKIOSK_DAEMON_H */
