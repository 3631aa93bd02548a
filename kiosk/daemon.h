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
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "accounts.h"
#include "common/conf.h"
#include "crypto/logrec.h"
#include "machine.h"
#include "netguard.h"
#include "statedir.h"

#define MATKIOSK_VERSION	"0.1.0"
#define DAEMON_CLIENTS_MAX	32
#define DAEMON_SECMEM		(256 * 1024)

struct auditlog;
struct signkey;
struct vault;
struct mkbuf;
struct incidents;
struct logidx;
struct session;
struct approvals;

/* A supervisor's request to clear a lockdown, handed to the main thread. */
struct guard_clear_req {
	struct session	*s;
	int		 done;
	int		 result;
	char		 why[300];
};

/*
 * The machine's state (docs/architecture.md, "State machine"):
 *   UNPROVISIONED -> SEALED           provisioning
 *   SEALED <-> UNLOCKED               a session holds the vault key / none
 *   any -> LOCKDOWN                   an air-gap violation, or a guard
 *                                     that cannot do its job
 *   LOCKDOWN -> SEALED                a supervisor clears it, once a fresh
 *                                     scan proves the condition gone
 * SEALED and UNLOCKED are read off the sessions; LOCKDOWN is stored (and
 * persisted in STATE/lockdown, so a restart does not leave it).
 */
#define MS_UNPROVISIONED	0
#define MS_SEALED		1
#define MS_UNLOCKED		2
#define MS_LOCKDOWN		3

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
	struct incidents	*incidents;
	/* Live supervisor approvals (kiosk/approval.h), under d->lock. */
	struct approvals	*approvals;
	/* The master key's epoch, as in d->machine; a session whose key is
	 * of another epoch holds a key rotated away and must log in again. */
	atomic_uint		 key_epoch;
	/* Held by whatever writes key files (slots, grants): account
	 * changes, a login opening its grant, a master-key rotation for its
	 * whole run. Taken before d->lock, never while holding it. Imports
	 * hold vault_rw for reading so that no document is written under a
	 * key being rotated away. revoke_gen is bumped when an account loses
	 * its key (disabled, roles changed): sessions check their account
	 * again within a second. */
	pthread_mutex_t		 keys_lock;
	pthread_rwlock_t	 vault_rw;
	atomic_uint		 revoke_gen;
	/* The log viewer's index (kiosk/logidx.h), made by the first query;
	 * it has its own lock and is read without this one. */
	struct logidx		*logidx;
	/* Set when the log cannot be written: documents stay locked and
	 * clients are told why. */
	char			 fail_reason[256];
	int			 lockdown;
	char			 lockdown_reason[256];
	uint32_t		 lockdown_incident;
	struct netstate		 net;		/* the last scan */

	/* Bumped at every lockdown: long work (an import, a view) checks it
	 * between chunks and stops, wiping its keys. */
	atomic_uint		 gen;
	atomic_int		 keyed;		/* sessions holding the key */
	atomic_int		 evidence_running;
	/* Main thread only: the guard, the live sessions, the eventfd that
	 * session threads write to when watchers must be told something. */
	struct netguard		*ng;
	/* The USB guard (kiosk/usbguardd.h): set by the main thread at
	 * start; its device table and usb_fail are read under d->lock. */
	struct usbd		*usb;
	char			 usb_fail[256];
	/* Sessions ask the main thread to decide again (after a
	 * registration) by raising usb_want and wait on usb_cond until
	 * usb_done reaches it; under d->lock. */
	uint64_t		 usb_want, usb_done;
	pthread_cond_t		 usb_cond;
	struct session		*live;
	int			 notify_fd;
	/* A supervisor's request to clear the lockdown, carried out by the
	 * main thread (under d->lock; clear_cond signals its end). */
	struct guard_clear_req	*clear_req;
	pthread_cond_t		 clear_cond;
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
	/* Locked after idle_lock_minutes without a request: the key is
	 * wiped, the person stays known and must give the password again. */
	int		 locked;
	int64_t		 last_active_ms;	/* CLOCK_MONOTONIC */
	unsigned	 revoke_seen;		/* d->revoke_gen checked */
	struct account	 acct;
	/* The vault master key, in secure memory, only while authenticated
	 * and not locked down; klock guards it, since a lockdown wipes it
	 * from the main thread. */
	pthread_mutex_t	 klock;
	uint8_t		*mk;
	uint32_t	 key_epoch;
	atomic_int	 watching;	/* an event-only connection */
	atomic_int	 done;		/* the thread has finished */
	/* Whose reading of the log was recorded (kiosk/logops.c). */
	char		 log_reader[ACCOUNT_NAME_MAX + 1];
	struct session	*next;		/* d->live, main thread only */
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
/* The same giving the record's sequence number in *seq (the intent that
 * an outcome record names). */
int daemon_log_seq_locked(struct daemon *d, uint8_t severity,
    const char *actor, const char *role, const char *event,
    const char *object, size_t nfields, const struct logkv *fields,
    uint64_t *seq);
/* The same with the session's account as actor (seq may be NULL). */
int session_log(struct session *s, uint8_t severity, const char *event,
    const char *object, size_t nfields, const struct logkv *fields);
int session_log_seq(struct session *s, uint8_t severity, const char *event,
    const char *object, size_t nfields, const struct logkv *fields,
    uint64_t *seq);

/* Opens the provisioned state: device key, log (with recovery), accounts,
 * vault. Called at start and after provisioning, with d->lock held. */
int daemon_open_state(struct daemon *d, char *why, size_t whylen);
void daemon_close_state(struct daemon *d);

/* Diagnostics for the operator (stderr with -f, syslog otherwise). */
void diag(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_init(int foreground);

/* Seconds since the epoch (accounts, approvals) and monotonic ms. */
int64_t daemon_now(void);
int64_t daemon_mono_ms(void);

/* Serves one client until it disconnects (the client thread's body). */
void session_serve(struct session *s);
/* Wipes the session's key and forgets who is logged in. */
void session_logout(struct session *s, const char *why);
/* Wipes the session's key (any thread). */
void session_wipe_key(struct session *s);
/* Locks the session's key for a short use: NULL (and unlocked) if there is
 * none, or if it is of an epoch rotated away (then it is wiped). Every use
 * of s->mk goes between these two. */
const uint8_t *session_key_get(struct session *s);
void session_key_put(struct session *s);

/* Hands mk (secure memory, taken over) of epoch to the session, unless
 * the machine is in lockdown: then it is wiped. */
void session_take_key(struct session *s, uint8_t *mk, uint32_t epoch);
/* Locks an idle session: its key is wiped, the person must log in again. */
void session_lock(struct session *s, const char *why);

/* The state word ("sealed", "lockdown", ...) with d->lock held. */
int daemon_state_locked(struct daemon *d);
const char *daemon_state_name(int state);
/* Asks the main thread to tell watchers the current state. */
void daemon_notify(struct daemon *d);

/* The air-gap guard (kiosk/guard.c), main thread. */
int guard_start(struct daemon *d);
void guard_on_event(struct daemon *d);
void guard_lockdown(struct daemon *d, const char *reason,
    const char *source);
void guard_push_state(struct daemon *d);
/* Overwrites and removes every plaintext working copy under dir. */
void guard_wipe_workdir(const char *dir);
/* Records a new incident (log + register), with d->lock held. */
int guard_incident_locked(struct daemon *d, uint8_t level,
    const char *source, const char *reporter, const char *summary,
    uint32_t *id);
/* Clears a lockdown (a supervisor's session); refuses while the condition
 * lasts, with why. The main thread does the work (guard_on_notify). */
int guard_clear(struct daemon *d, struct session *s, char *why,
    size_t whylen);
/* The main thread's side of the notify eventfd: a pending clear, then the
 * state pushed to watchers. */
void guard_on_notify(struct daemon *d);

#endif /* MATKIOSK_DAEMON_H */
