/*
 * The audit-log writer and its crash recovery (docs/formats.md, audit log).
 *
 * Invariants kept by every function here:
 * - l->head and l->next_seq describe the last record that is durably on
 *   disk; they move only after fdatasync succeeded.
 * - l->key is K_{l->epoch}; the key file holds the same key unless
 *   l->key_dirty, in which case nothing is appended before it is persisted
 *   (so the key on disk is never behind by more than a trailing seal).
 * - l->segfd < 0 means the last segment is sealed (or there is none yet):
 *   the next record opens a new one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "auditlog.h"
#include "cry.h"
#include "logrec.h"
#include "sign.h"

#define KEYFILE_MAGIC	"MATKLKEY"
#define KEYFILE_VERSION	1
#define KEYSLOT_LEN	128
#define KEYSLOT_BODY	56	/* magic, version, epoch, seq, key */
#define KEYFILE_LEN	(2 * KEYSLOT_LEN)
#define SEGNO_MAX	99999999u
/* A segment grows past AUDITLOG_SEGMENT_MAX by at most one batch, a seal
 * and the trailer; anything larger was not written by us. */
#define SEG_READ_MAX	(AUDITLOG_SEGMENT_MAX + 4 * LOGREC_FRAME_MAX)
/* The most a crash can leave behind after the last durable record. */
#define TORN_MAX	(2 * LOGREC_FRAME_MAX + LOGREC_TRAILER_LEN)
#define US_PER_S	1000000ull

struct auditlog {
	char		 logdir[PATH_MAX];
	char		 keypath[PATH_MAX];
	const struct signkey *sk;
	uint8_t		 pub[SIGN_PUBLIC_LEN];
	uint8_t		*key;		/* secure memory: K_epoch */
	struct logmac	*mac;
	uint32_t	 epoch;
	uint64_t	 epoch_first_seq;	/* first seq of this epoch */
	uint64_t	 next_seq;
	uint8_t		 head[LOGREC_MAC_LEN];
	uint32_t	 segno;
	int		 segfd;
	uint64_t	 seg_end;
	int		 keyfd;
	int		 key_dirty;
	int		 broken;	/* a failed write could not be undone */
	uint32_t	 epoch_records;	/* events in this epoch */
	uint64_t	 epoch_start_us;	/* CLOCK_BOOTTIME of the first */
	int		 epoch_stale;	/* started in an earlier boot */
	uint8_t		 boot_id[LOGREC_BOOT_ID_LEN];
	struct mkbuf	*wbuf;
};

struct pending {
	uint8_t			 kind;
	const struct logev	*ev;
};

/* ---- clocks and boot id ---- */

static uint64_t
clock_us(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * US_PER_S + (uint64_t)ts.tv_nsec / 1000;
}

static int
hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The kernel's boot id is a UUID in text; records carry its 16 bytes so a
 * monotonic time can be tied to the boot it counts from. (A /proc file
 * has no size to read by, hence the plain read.) */
static int
read_boot_id(uint8_t out[LOGREC_BOOT_ID_LEN])
{
	char s[64];
	size_t i, got, n = 0;
	int fd, r, v;

	if ((fd = open("/proc/sys/kernel/random/boot_id",
	    O_RDONLY | O_CLOEXEC)) < 0)
		return mkerr_from_errno(errno);
	r = mkfs_read_full(fd, s, sizeof(s), &got);
	close(fd);
	if (r != 0)
		return r;
	for (i = 0; i < got && s[i] != '\n'; i++) {
		if (s[i] == '-')
			continue;
		if ((v = hexdigit(s[i])) < 0 || n >= 2 * LOGREC_BOOT_ID_LEN)
			return MK_ERR_FORMAT;
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 2 * LOGREC_BOOT_ID_LEN ? 0 : MK_ERR_FORMAT;
}

/* ---- key file ---- */

static void
keyslot_encode(uint8_t slot[KEYSLOT_LEN], uint32_t epoch, uint64_t seq,
    const uint8_t key[LOGREC_KEY_LEN])
{
	memset(slot, 0, KEYSLOT_LEN);
	memcpy(slot, KEYFILE_MAGIC, 8);
	mk_put_be32(slot + 8, KEYFILE_VERSION);
	mk_put_be32(slot + 12, epoch);
	mk_put_be64(slot + 16, seq);
	memcpy(slot + 24, key, LOGREC_KEY_LEN);
	cry_sha256(slot, KEYSLOT_BODY, slot + KEYSLOT_BODY);
}

/* 1 if the slot at index idx holds a key, 0 if it is empty or damaged. */
static int
keyslot_valid(const uint8_t slot[KEYSLOT_LEN], unsigned idx)
{
	uint8_t sum[CRY_HASH_LEN];
	int ok;

	if (memcmp(slot, KEYFILE_MAGIC, 8) != 0 ||
	    mk_get_be32(slot + 8) != KEYFILE_VERSION)
		return 0;
	cry_sha256(slot, KEYSLOT_BODY, sum);
	ok = cry_ct_equal(sum, slot + KEYSLOT_BODY, CRY_HASH_LEN);
	mk_wipe(sum, sizeof(sum));
	/* A key sits in slot epoch % 2, so the two never hold the same
	 * epoch and a torn write of one leaves the other intact. */
	return ok && mk_get_be32(slot + 12) % 2 == idx;
}

static int
pwrite_all(int fd, const uint8_t *p, size_t n, off_t off)
{
	ssize_t w;

	while (n > 0) {
		if ((w = pwrite(fd, p, n, off)) < 0) {
			if (errno == EINTR)
				continue;
			return mkerr_from_errno(errno);
		}
		if (w == 0)
			return MK_ERR_IO;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static int
sync_err(int fd)
{
	return fdatasync(fd) == 0 ? 0 : mkerr_from_errno(errno);
}

/*
 * Writes K_epoch into slot epoch % 2 and syncs, then zeroes the other slot
 * and syncs: a crash between the two leaves both keys, and the loader takes
 * the newer one and wipes the older; a torn first write leaves the old key.
 */
static int
key_persist(struct auditlog *l)
{
	uint8_t *slot;
	unsigned idx = l->epoch % 2;
	int r;

	if ((slot = cry_secure_alloc(KEYSLOT_LEN)) == NULL)
		return MK_ERR_ALLOC;
	keyslot_encode(slot, l->epoch, l->epoch_first_seq, l->key);
	if ((r = pwrite_all(l->keyfd, slot, KEYSLOT_LEN,
	    (off_t)idx * KEYSLOT_LEN)) != 0 || (r = sync_err(l->keyfd)) != 0)
		goto out;
	memset(slot, 0, KEYSLOT_LEN);
	if ((r = pwrite_all(l->keyfd, slot, KEYSLOT_LEN,
	    (off_t)(1 - idx) * KEYSLOT_LEN)) != 0 ||
	    (r = sync_err(l->keyfd)) != 0)
		goto out;
	l->key_dirty = 0;
 out:
	cry_secure_free(slot, KEYSLOT_LEN);
	if (r != 0)
		r = r == MK_ERR_NO_SPACE ? r : MK_ERR_LOG;
	return r;
}

static int
key_read(int fd, uint8_t *f)
{
	struct stat st;
	size_t got;
	int r;

	if (fstat(fd, &st) != 0)
		return mkerr_from_errno(errno);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0)
		return MK_ERR_UNSAFE;
	if (st.st_size != KEYFILE_LEN)
		return MK_ERR_FORMAT;
	if ((r = mkfs_read_full(fd, f, KEYFILE_LEN, &got)) != 0)
		return r;
	return got == KEYFILE_LEN ? 0 : MK_ERR_TRUNCATED;
}

/* Loads the valid slot with the highest epoch; *stale if both are valid. */
static int
key_load(struct auditlog *l, int *stale)
{
	uint8_t *f = NULL, *s;
	int v0, v1, r;

	*stale = 0;
	if ((l->keyfd = open(l->keypath,
	    O_RDWR | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if ((f = cry_secure_alloc(KEYFILE_LEN)) == NULL)
		return MK_ERR_ALLOC;
	if ((r = key_read(l->keyfd, f)) != 0)
		goto out;
	v0 = keyslot_valid(f, 0);
	v1 = keyslot_valid(f + KEYSLOT_LEN, 1);
	if (!v0 && !v1) {
		r = MK_ERR_FORMAT;
		goto out;
	}
	s = f;
	if (!v0 || (v1 && mk_get_be32(f + KEYSLOT_LEN + 12) >
	    mk_get_be32(f + 12)))
		s = f + KEYSLOT_LEN;
	*stale = v0 && v1;
	l->epoch = mk_get_be32(s + 12);
	l->epoch_first_seq = mk_get_be64(s + 16);
	memcpy(l->key, s + 24, LOGREC_KEY_LEN);
 out:
	cry_secure_free(f, KEYFILE_LEN);
	return r;
}

static int
key_create(struct auditlog *l)
{
	uint8_t zero[KEYFILE_LEN];
	int r;

	if ((l->keyfd = open(l->keypath, O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return mkerr_from_errno(errno);
	memset(zero, 0, sizeof(zero));
	if ((r = pwrite_all(l->keyfd, zero, sizeof(zero), 0)) != 0 ||
	    (r = sync_err(l->keyfd)) != 0)
		return r;
	return 0;
}

/* K_{e+1} replaces K_e in memory at once; the caller persists it. */
static int
key_evolve(struct auditlog *l)
{
	int r;

	if (l->epoch == UINT32_MAX)
		return MK_ERR_LOG;
	if ((r = logrec_next_key(l->key, l->key)) != 0 ||
	    (r = logmac_setkey(l->mac, l->key)) != 0) {
		/* K_e may be half gone; no further record can be trusted. */
		l->broken = 1;
		return r;
	}
	l->epoch++;
	l->epoch_first_seq = l->next_seq;
	l->epoch_records = 0;
	l->epoch_stale = 0;
	l->key_dirty = 1;
	return 0;
}

/* ---- segments ---- */

static int
seg_path(const struct auditlog *l, uint32_t segno, char *out, size_t n)
{
	return mkfs_path(out, n, "%s/%08u.seg", l->logdir, segno);
}

static int
write_err(int err)
{
	return err == MK_ERR_NO_SPACE ? err : MK_ERR_LOG;
}

static int
seg_create(struct auditlog *l)
{
	char path[PATH_MAX];
	uint8_t hdr[LOGREC_SEGHDR_LEN];
	uint32_t segno = l->segno + 1;
	int fd, r;

	if (segno > SEGNO_MAX)
		return MK_ERR_LOG;
	if ((r = seg_path(l, segno, path, sizeof(path))) != 0)
		return r;
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return write_err(mkerr_from_errno(errno));
	logrec_seghdr_encode(hdr, segno, l->next_seq);
	if ((r = pwrite_all(fd, hdr, sizeof(hdr), 0)) != 0 ||
	    (r = sync_err(fd)) != 0 || (r = mkfs_fsync_dir(l->logdir)) != 0) {
		close(fd);
		unlink(path);
		return write_err(r);
	}
	l->segfd = fd;
	l->segno = segno;
	l->seg_end = LOGREC_SEGHDR_LEN;
	return 0;
}

/* Writes p at the end of the segment and syncs; on failure cuts the file
 * back so that the chain on disk still ends at l->head. */
static int
seg_write(struct auditlog *l, const uint8_t *p, size_t n)
{
	int r;

	if ((r = pwrite_all(l->segfd, p, n, (off_t)l->seg_end)) == 0 &&
	    (r = sync_err(l->segfd)) == 0)
		return 0;
	if (ftruncate(l->segfd, (off_t)l->seg_end) != 0 ||
	    fdatasync(l->segfd) != 0)
		l->broken = 1;
	return write_err(r);
}

/* ---- appending ---- */

static void
seal_event(struct logev *ev, struct logkv *kv, const char *reason)
{
	kv->key = "reason";
	kv->value = reason;
	memset(ev, 0, sizeof(*ev));
	ev->severity = LOG_SEV_INFO;
	ev->actor = "system";
	ev->role = "system";
	ev->event = LOGREC_SEAL_EVENT;
	ev->object = "";
	ev->nfields = 1;
	ev->fields = kv;
}

/* Appends u32 length || body || MAC to l->wbuf and advances mac. */
static int
encode_frame(struct auditlog *l, const struct pending *p, uint64_t seq,
    int64_t wall, uint64_t mono, uint8_t mac[LOGREC_MAC_LEN])
{
	size_t start = mkbuf_len(l->wbuf), blen;
	uint8_t *dst;
	int r;

	if ((r = mkbuf_put_u32(l->wbuf, 0)) != 0 ||
	    (r = logrec_encode(l->wbuf, p->kind, seq, l->epoch, wall, mono,
	    l->boot_id, p->ev)) != 0)
		return r;
	blen = mkbuf_len(l->wbuf) - start - 4;
	mk_put_be32(mkbuf_mutable_ptr(l->wbuf) + start, (uint32_t)blen);
	if ((r = logmac_compute(l->mac, mac, mkbuf_ptr(l->wbuf) + start,
	    blen + 4, mac)) != 0)
		return r;
	if ((r = mkbuf_reserve(l->wbuf, LOGREC_MAC_LEN, &dst)) != 0)
		return r;
	memcpy(dst, mac, LOGREC_MAC_LEN);
	return 0;
}

static void
commit(struct auditlog *l, const struct pending *p, size_t n,
    const uint8_t mac[LOGREC_MAC_LEN], uint64_t mono)
{
	size_t i;

	memcpy(l->head, mac, LOGREC_MAC_LEN);
	l->next_seq += n;
	l->seg_end += mkbuf_len(l->wbuf);
	for (i = 0; i < n; i++) {
		if (p[i].kind != LOGREC_EVENT)
			continue;
		if (l->epoch_records++ == 0)
			l->epoch_start_us = mono;
	}
}

/*
 * Appends records in one write and one fdatasync. A seal may only come
 * last; after it the key evolves and is persisted. If persisting fails
 * the records are still durable, but the error is returned so that the
 * caller refuses the action (fail closed) and nothing more is appended
 * until the key reaches the disk.
 */
static int
append_batch(struct auditlog *l, const struct pending *p, size_t n,
    uint64_t *first_seq)
{
	uint8_t mac[LOGREC_MAC_LEN];
	uint64_t mono = clock_us(CLOCK_BOOTTIME);
	int64_t wall = (int64_t)clock_us(CLOCK_REALTIME);
	size_t i;
	int r;

	if (l->broken)
		return MK_ERR_LOG;
	if (l->key_dirty && (r = key_persist(l)) != 0)
		return r;
	/* Encode first: a record that cannot be encoded opens no segment. */
	mkbuf_reset(l->wbuf);
	memcpy(mac, l->head, LOGREC_MAC_LEN);
	for (i = 0; i < n; i++) {
		if ((r = encode_frame(l, &p[i], l->next_seq + i, wall, mono,
		    mac)) != 0)
			return r;
	}
	if ((l->segfd < 0 && (r = seg_create(l)) != 0) ||
	    (r = seg_write(l, mkbuf_ptr(l->wbuf), mkbuf_len(l->wbuf))) != 0)
		return r;
	*first_seq = l->next_seq;
	commit(l, p, n, mac, mono);
	if (p[n - 1].kind == LOGREC_SEAL && ((r = key_evolve(l)) != 0 ||
	    (r = key_persist(l)) != 0))
		return r;
	return 0;
}

static int
epoch_expired(const struct auditlog *l)
{
	uint64_t now = clock_us(CLOCK_BOOTTIME);

	if (l->epoch_records == 0)
		return 0;
	return l->epoch_stale || now < l->epoch_start_us ||
	    now - l->epoch_start_us >= AUDITLOG_EPOCH_SECONDS * US_PER_S;
}

static int
seal(struct auditlog *l, const char *reason)
{
	struct pending p;
	struct logev ev;
	struct logkv kv;
	uint64_t seq;

	seal_event(&ev, &kv, reason);
	p.kind = LOGREC_SEAL;
	p.ev = &ev;
	return append_batch(l, &p, 1, &seq);
}

static int
reserved_event(const char *name)
{
	return name == NULL || *name == '\0' ||
	    strcmp(name, LOGREC_SEAL_EVENT) == 0 ||
	    strcmp(name, LOGREC_INIT_EVENT) == 0;
}

int
auditlog_append(struct auditlog *l, const struct logev *ev, uint64_t *seq)
{
	struct pending p[2];
	struct logev sev;
	struct logkv kv;
	uint64_t first = 0;
	size_t n = 1;
	int r;

	if (seq != NULL)
		*seq = 0;
	if (l == NULL || ev == NULL || reserved_event(ev->event))
		return MK_ERR_ARGUMENT;
	if (l->segfd >= 0 && l->seg_end >= AUDITLOG_SEGMENT_MAX &&
	    (r = auditlog_checkpoint(l)) != 0)
		return r;
	p[0].kind = LOGREC_EVENT;
	p[0].ev = ev;
	/* The epoch's last record and its seal share one write and one sync:
	 * sealing costs only the two syncs of the key file. */
	if (l->epoch_records + 1 >= AUDITLOG_EPOCH_RECORDS ||
	    epoch_expired(l)) {
		seal_event(&sev, &kv, l->epoch_records + 1 >=
		    AUDITLOG_EPOCH_RECORDS ? "count" : "time");
		p[1].kind = LOGREC_SEAL;
		p[1].ev = &sev;
		n = 2;
	}
	r = append_batch(l, p, n, &first);
	if (seq != NULL)
		*seq = first;
	return r;
}

int
auditlog_tick(struct auditlog *l)
{
	if (l == NULL)
		return MK_ERR_ARGUMENT;
	if (l->broken)
		return MK_ERR_LOG;
	if (l->key_dirty)
		return key_persist(l);
	if (!epoch_expired(l))
		return 0;
	return seal(l, "time");
}

int
auditlog_checkpoint(struct auditlog *l)
{
	uint8_t msg[LOGREC_CKPT_MSG_LEN], tr[LOGREC_TRAILER_LEN];
	struct logtrailer t;
	int r;

	if (l == NULL)
		return MK_ERR_ARGUMENT;
	if (l->broken)
		return MK_ERR_LOG;
	if (l->segfd < 0)
		return l->key_dirty ? key_persist(l) : 0;
	if ((r = seal(l, "checkpoint")) != 0)
		return r;
	t.last_seq = l->next_seq - 1;
	memcpy(t.mac, l->head, LOGREC_MAC_LEN);
	logrec_checkpoint_msg(msg, l->segno, t.last_seq, t.mac);
	if ((r = signkey_sign(l->sk, msg, sizeof(msg), t.sig)) != 0)
		return r;
	logrec_trailer_encode(tr, &t);
	if ((r = seg_write(l, tr, sizeof(tr))) != 0)
		return r;
	/* Sealed: never appended to again. */
	close(l->segfd);
	l->segfd = -1;
	l->seg_end = 0;
	return 0;
}

void
auditlog_head(const struct auditlog *l, uint64_t *seq,
    uint8_t mac[LOGREC_MAC_LEN])
{
	if (seq != NULL)
		*seq = l->next_seq > 0 ? l->next_seq - 1 : 0;
	if (mac != NULL)
		memcpy(mac, l->head, LOGREC_MAC_LEN);
}

void
auditlog_free(struct auditlog *l)
{
	if (l == NULL)
		return;
	if (l->segfd >= 0)
		close(l->segfd);
	if (l->keyfd >= 0)
		close(l->keyfd);
	cry_secure_free(l->key, LOGREC_KEY_LEN);
	logmac_free(l->mac);
	mkbuf_free(l->wbuf);
	mk_wipe(l, sizeof(*l));
	free(l);
}

/* ---- creation ---- */

static struct auditlog *
log_alloc(void)
{
	struct auditlog *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->segfd = -1;
	l->keyfd = -1;
	if ((l->key = cry_secure_alloc(LOGREC_KEY_LEN)) == NULL ||
	    (l->wbuf = mkbuf_new(2 * LOGREC_FRAME_MAX)) == NULL) {
		auditlog_free(l);
		return NULL;
	}
	return l;
}

/* Everything both create and open need before touching the disk. */
static int
log_init(const char *logdir, const char *keyfile, const struct signkey *sk,
    struct auditlog **out)
{
	struct auditlog *l;
	int r;

	*out = NULL;
	if (logdir == NULL || keyfile == NULL || sk == NULL)
		return MK_ERR_ARGUMENT;
	if ((l = log_alloc()) == NULL)
		return MK_ERR_ALLOC;
	if ((r = mkfs_path(l->logdir, sizeof(l->logdir), "%s", logdir)) != 0 ||
	    (r = mkfs_path(l->keypath, sizeof(l->keypath), "%s",
	    keyfile)) != 0 || (r = read_boot_id(l->boot_id)) != 0) {
		auditlog_free(l);
		return r;
	}
	l->sk = sk;
	signkey_public(sk, l->pub);
	*out = l;
	return 0;
}

/* The key file's directory entry must be as durable as its contents. */
static int
fsync_parent(const char *path)
{
	char tmp[PATH_MAX];
	int r;

	if ((r = mkfs_path(tmp, sizeof(tmp), "%s", path)) != 0)
		return r;
	return mkfs_fsync_dir(dirname(tmp));
}

static int
dir_is_empty(const char *path)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if ((d = opendir(path)) == NULL)
		return mkerr_from_errno(errno);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			r = MK_ERR_EXISTS;
			break;
		}
	}
	closedir(d);
	return r;
}

/* The first record, log.init, carries the device key that the verifier
 * trusts for checkpoint signatures: K_0 authenticates it. */
static int
write_init(struct auditlog *l, const struct logev *first)
{
	struct logkv kv[LOGREC_FIELDS_MAX];
	char hex[2 * SIGN_PUBLIC_LEN + 1];
	struct logev ev, sev;
	struct logkv skv;
	struct pending p[2];
	uint64_t seq;

	memset(&ev, 0, sizeof(ev));
	if (first != NULL)
		ev = *first;
	if (ev.nfields > LOGREC_FIELDS_MAX - 1 ||
	    (ev.nfields > 0 && ev.fields == NULL))
		return MK_ERR_ARGUMENT;
	if (ev.actor == NULL)
		ev.actor = "system";
	if (ev.role == NULL)
		ev.role = "system";
	mk_hex(l->pub, SIGN_PUBLIC_LEN, hex);
	kv[0].key = "device-key";
	kv[0].value = hex;
	if (ev.nfields > 0)
		memcpy(kv + 1, ev.fields, ev.nfields * sizeof(kv[0]));
	ev.event = LOGREC_INIT_EVENT;
	ev.fields = kv;
	ev.nfields++;
	/* Epoch 0 is sealed at once, so K_0 is never written to disk: it
	 * exists only on the sealing certificate. */
	seal_event(&sev, &skv, "create");
	p[0].kind = LOGREC_EVENT;
	p[0].ev = &ev;
	p[1].kind = LOGREC_SEAL;
	p[1].ev = &sev;
	return append_batch(l, p, 2, &seq);
}

int
auditlog_create(const char *logdir, const char *keyfile,
    const uint8_t k0[32], const struct signkey *sk, const struct logev *first,
    struct auditlog **out)
{
	struct auditlog *l = NULL;
	char seg1[PATH_MAX];
	int r;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || k0 == NULL)
		return MK_ERR_ARGUMENT;
	if ((r = log_init(logdir, keyfile, sk, &l)) != 0 ||
	    (r = dir_is_empty(logdir)) != 0 ||
	    (r = seg_path(l, 1, seg1, sizeof(seg1))) != 0)
		goto out;
	memcpy(l->key, k0, LOGREC_KEY_LEN);
	if ((r = logmac_new(l->key, 1, &l->mac)) != 0 ||
	    (r = key_create(l)) != 0)
		goto out;
	if ((r = write_init(l, first)) != 0 ||
	    (r = fsync_parent(l->keypath)) != 0)
		goto out;
	*out = l;
	l = NULL;
 out:
	if (l != NULL && l->keyfd >= 0) {
		/* A half-made log is useless and its key file must not be
		 * mistaken for a live one. */
		unlink(seg1);
		unlink(l->keypath);
	}
	auditlog_free(l);
	return r;
}

/* ---- opening and recovery ---- */

/* What reading the last segment found. l->head and l->next_seq follow the
 * chain as it is read. */
struct scan {
	uint32_t	 segno;
	const uint8_t	*p;
	size_t		 len;
	size_t		 good;		/* end of the last good item */
	int		 sealed;	/* a valid trailer ends it */
	int		 torn;
	int		 have_last;	/* a record seen in this segment */
	uint8_t		 last_kind;
	uint32_t	 last_epoch;
	uint64_t	 first_mono;	/* first event of the key's epoch */
	uint8_t		 first_boot[LOGREC_BOOT_ID_LEN];
};

static int
last_segno(const char *logdir, uint32_t *n)
{
	struct dirent *de;
	uint32_t v;
	DIR *d;

	*n = 0;
	if ((d = opendir(logdir)) == NULL)
		return mkerr_from_errno(errno);
	while ((de = readdir(d)) != NULL) {
		if (logrec_segment_name(de->d_name, &v) && v > *n)
			*n = v;
	}
	closedir(d);
	return *n == 0 ? MK_ERR_NOT_FOUND : 0;
}

static int
read_tail(const char *path, uint8_t tr[LOGREC_TRAILER_LEN])
{
	struct stat st;
	ssize_t got;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if (fstat(fd, &st) != 0)
		r = mkerr_from_errno(errno);
	else if (!S_ISREG(st.st_mode) ||
	    st.st_size < LOGREC_SEGHDR_LEN + LOGREC_TRAILER_LEN)
		r = MK_ERR_AUTH;
	else if ((got = pread(fd, tr, LOGREC_TRAILER_LEN,
	    st.st_size - LOGREC_TRAILER_LEN)) != LOGREC_TRAILER_LEN)
		r = got < 0 ? mkerr_from_errno(errno) : MK_ERR_TRUNCATED;
	close(fd);
	return r;
}

/* The chain enters segment n where the signed trailer of n - 1 left it. */
static int
prev_trailer(struct auditlog *l, uint32_t n)
{
	uint8_t tr[LOGREC_TRAILER_LEN], msg[LOGREC_CKPT_MSG_LEN];
	char path[PATH_MAX];
	struct logtrailer t;
	int r;

	memset(l->head, 0, sizeof(l->head));
	l->next_seq = 0;
	if (n == 1)
		return 0;
	if ((r = seg_path(l, n - 1, path, sizeof(path))) != 0 ||
	    (r = read_tail(path, tr)) != 0)
		return r == MK_ERR_NOT_FOUND ? MK_ERR_AUTH : r;
	if (logrec_trailer_parse(tr, sizeof(tr), &t) != 0)
		return MK_ERR_AUTH;
	logrec_checkpoint_msg(msg, n - 1, t.last_seq, t.mac);
	if (sign_verify(l->pub, msg, sizeof(msg), t.sig) != 0)
		return MK_ERR_AUTH;
	memcpy(l->head, t.mac, LOGREC_MAC_LEN);
	l->next_seq = t.last_seq + 1;
	return 0;
}

/* The epoch rules of the verifier, as far as one segment and the key file
 * can tell: records from the key's first seq on are in the key's epoch,
 * earlier ones in earlier epochs, and a seal moves to the next epoch. */
static int
check_epoch(const struct auditlog *l, const struct scan *s,
    const struct logrec *rec)
{
	uint32_t want;

	if (rec->epoch > l->epoch ||
	    (rec->seq >= l->epoch_first_seq) != (rec->epoch == l->epoch))
		return MK_ERR_AUTH;
	if (s->have_last) {
		want = s->last_kind == LOGREC_SEAL ? s->last_epoch + 1 :
		    s->last_epoch;
		return rec->epoch == want ? 0 : MK_ERR_AUTH;
	}
	if (s->segno == 1)
		return rec->epoch == 0 ? 0 : MK_ERR_AUTH;
	/* A segment after the first starts right after a seal. */
	if (rec->epoch == l->epoch && rec->seq != l->epoch_first_seq)
		return MK_ERR_AUTH;
	return 0;
}

static int
scan_record(struct auditlog *l, struct scan *s, size_t off, size_t flen)
{
	const uint8_t *f = s->p + off;
	struct logrec rec;
	int r;

	if (logrec_parse(f + 4, flen - LOGREC_FRAME_OVERHEAD, &rec) != 0 ||
	    rec.seq != l->next_seq || check_epoch(l, s, &rec) != 0)
		return MK_ERR_AUTH;
	/* Only the key's epoch can be checked: older keys are gone. */
	if (rec.epoch == l->epoch) {
		if ((r = logmac_check(l->mac, l->head, f,
		    flen - LOGREC_MAC_LEN, f + flen - LOGREC_MAC_LEN)) != 0)
			return r;
		if (rec.kind == LOGREC_EVENT && l->epoch_records++ == 0) {
			s->first_mono = rec.mono_us;
			memcpy(s->first_boot, rec.boot_id, LOGREC_BOOT_ID_LEN);
		}
	}
	memcpy(l->head, f + flen - LOGREC_MAC_LEN, LOGREC_MAC_LEN);
	l->next_seq++;
	s->have_last = 1;
	s->last_kind = rec.kind;
	s->last_epoch = rec.epoch;
	return 0;
}

static int
check_trailer(struct auditlog *l, struct scan *s, size_t off)
{
	uint8_t msg[LOGREC_CKPT_MSG_LEN];
	struct logtrailer t;

	/* A trailer ends a segment and follows its closing seal. */
	if (off + LOGREC_TRAILER_LEN != s->len || !s->have_last ||
	    s->last_kind != LOGREC_SEAL ||
	    logrec_trailer_parse(s->p + off, s->len - off, &t) != 0 ||
	    t.last_seq != l->next_seq - 1 ||
	    !cry_ct_equal(t.mac, l->head, LOGREC_MAC_LEN))
		return MK_ERR_AUTH;
	logrec_checkpoint_msg(msg, s->segno, t.last_seq, t.mac);
	if (sign_verify(l->pub, msg, sizeof(msg), t.sig) != 0)
		return MK_ERR_AUTH;
	s->sealed = 1;
	return 0;
}

/*
 * Walks the records after the header. Only the end of the file may be
 * damaged by a crash (a write that never completed): a bad item there is
 * torn and s->good marks where it starts; a bad item anywhere else means
 * the log was altered, and the open fails closed.
 */
static int
scan_segment(struct auditlog *l, struct scan *s)
{
	size_t off = LOGREC_SEGHDR_LEN, ilen;
	int kind, r;

	while (off < s->len) {
		kind = logrec_frame(s->p + off, s->len - off, &ilen);
		if (kind == LOGREC_ITEM_TRAILER)
			r = check_trailer(l, s, off);
		else if (kind == LOGREC_ITEM_RECORD)
			r = scan_record(l, s, off, ilen);
		else
			r = MK_ERR_AUTH;
		if (r == MK_ERR_AUTH && (kind < 0 ?
		    s->len - off <= TORN_MAX : off + ilen == s->len)) {
			s->torn = 1;
			break;
		}
		if (r != 0)
			return r;
		off += ilen;
	}
	s->good = off;
	return 0;
}

/* Keeps the bytes a recovery cuts, so that nothing leaves the log unseen:
 * logdir/torn-<seq>.bin, or torn-<seq>-<n>.bin if that exists. */
static int
torn_create(struct auditlog *l, uint64_t seq, char *path, size_t n, int *fd)
{
	int i, r;

	for (i = 0; i < 100; i++) {
		r = i == 0 ? mkfs_path(path, n, "%s/torn-%" PRIu64 ".bin",
		    l->logdir, seq) : mkfs_path(path, n,
		    "%s/torn-%" PRIu64 "-%d.bin", l->logdir, seq, i);
		if (r != 0)
			return r;
		if ((*fd = open(path, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC | O_NOFOLLOW, 0600)) >= 0)
			return 0;
		if (errno != EEXIST)
			return mkerr_from_errno(errno);
	}
	return MK_ERR_EXISTS;
}

static int
save_torn(struct auditlog *l, const uint8_t *p, size_t n,
    struct auditlog_recovery *rec)
{
	char path[PATH_MAX];
	int fd = -1, r;

	if ((r = torn_create(l, l->next_seq, path, sizeof(path), &fd)) != 0)
		return r;
	if ((r = mkfs_write_all(fd, p, n)) == 0 && fsync(fd) != 0)
		r = mkerr_from_errno(errno);
	close(fd);
	if (r != 0 || (r = mkfs_fsync_dir(l->logdir)) != 0)
		return r;
	rec->torn = 1;
	rec->torn_bytes = n;
	/* The full path if it fits, else the name inside the log dir. */
	if (mkfs_path(rec->torn_file, sizeof(rec->torn_file), "%s",
	    path) != 0)
		(void)mkfs_path(rec->torn_file, sizeof(rec->torn_file), "%s",
		    strrchr(path, '/') + 1);
	return 0;
}

/*
 * Is the key file's epoch where the log's tail says it should be? Either
 * the key's epoch has records (the scan checked them), or it has none and
 * the tail is the previous epoch's seal, or the tail is a seal of the key's
 * own epoch (a crash between sealing and persisting): then evolve now.
 */
static int
tail_check(struct auditlog *l, const struct scan *s)
{
	if (l->epoch_first_seq > l->next_seq)
		return MK_ERR_AUTH;	/* records were removed */
	if (l->epoch_first_seq == l->next_seq) {
		if (s->have_last && (s->last_kind != LOGREC_SEAL ||
		    s->last_epoch + 1 != l->epoch))
			return MK_ERR_AUTH;
		return 0;
	}
	if (!s->have_last)
		return MK_ERR_AUTH;
	if (s->last_kind != LOGREC_SEAL)
		return 0;
	/* The trailer is written only after the new key is on disk. */
	if (s->sealed)
		return MK_ERR_AUTH;
	return key_evolve(l);
}

static void
set_epoch_start(struct auditlog *l, const struct scan *s)
{
	uint64_t now = clock_us(CLOCK_BOOTTIME);

	if (l->epoch_records == 0)
		return;
	/* Records of an earlier boot: their age is unknown, so seal soon. */
	if (memcmp(s->first_boot, l->boot_id, LOGREC_BOOT_ID_LEN) != 0 ||
	    s->first_mono > now)
		l->epoch_stale = 1;
	else
		l->epoch_start_us = s->first_mono;
}

/* A crash while creating segment n left less than a header: drop it, and
 * append after the sealed segment n - 1 again. */
static int
drop_segment(struct auditlog *l, struct scan *s, const char *path,
    struct auditlog_recovery *rec)
{
	int r;

	if (s->segno == 1)
		return MK_ERR_AUTH;
	if ((r = save_torn(l, s->p, s->len, rec)) != 0)
		return r;
	if (unlink(path) != 0)
		return mkerr_from_errno(errno);
	if ((r = mkfs_fsync_dir(l->logdir)) != 0)
		return r;
	s->segno--;
	s->sealed = 1;
	return 0;
}

static int
finish_segment(struct auditlog *l, struct scan *s, const char *path,
    struct auditlog_recovery *rec)
{
	int fd, r;

	if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if (s->torn) {
		if ((r = save_torn(l, s->p + s->good, s->len - s->good,
		    rec)) != 0)
			goto out;
		if (ftruncate(fd, (off_t)s->good) != 0 || fdatasync(fd) != 0) {
			r = mkerr_from_errno(errno);
			goto out;
		}
	}
	if ((r = tail_check(l, s)) != 0)
		goto out;
	if (!s->sealed) {
		rec->unsealed = 1;
		l->segfd = fd;
		l->seg_end = s->good;
		fd = -1;
	}
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * Maps the last segment read-only: at open nothing else writes it, and a
 * mapping costs no heap however large the segment (the daemon has a memory
 * budget). An empty file maps to an empty buffer.
 */
static int
seg_map(const char *path, uint8_t **p, size_t *len)
{
	static uint8_t empty[1];
	struct stat st;
	int fd, r = 0;

	*p = empty;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if (fstat(fd, &st) != 0)
		r = mkerr_from_errno(errno);
	else if (!S_ISREG(st.st_mode))
		r = MK_ERR_AUTH;
	else if ((uint64_t)st.st_size > SEG_READ_MAX)
		r = MK_ERR_TOO_LARGE;
	else if (st.st_size > 0) {
		*p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    fd, 0);
		if (*p == MAP_FAILED) {
			*p = empty;
			r = mkerr_from_errno(errno);
		} else
			*len = (size_t)st.st_size;
	}
	close(fd);
	return r;
}

static int
recover(struct auditlog *l, struct auditlog_recovery *rec)
{
	char path[PATH_MAX];
	struct scan s;
	uint8_t *map = NULL;
	size_t maplen = 0;
	uint32_t segno;
	uint64_t first;
	int r;

	memset(&s, 0, sizeof(s));
	if ((r = last_segno(l->logdir, &s.segno)) != 0 ||
	    (r = prev_trailer(l, s.segno)) != 0 ||
	    (r = seg_path(l, s.segno, path, sizeof(path))) != 0 ||
	    (r = seg_map(path, &map, &maplen)) != 0)
		goto out;
	s.p = map;
	s.len = maplen;
	if (s.len < LOGREC_SEGHDR_LEN) {
		if ((r = drop_segment(l, &s, path, rec)) == 0)
			r = tail_check(l, &s);
		goto out;
	}
	if (logrec_seghdr_parse(s.p, s.len, &segno, &first) != 0 ||
	    segno != s.segno || first != l->next_seq) {
		r = MK_ERR_AUTH;
		goto out;
	}
	if ((r = scan_segment(l, &s)) != 0 ||
	    (r = finish_segment(l, &s, path, rec)) != 0)
		goto out;
	set_epoch_start(l, &s);
 out:
	l->segno = s.segno;
	if (maplen > 0)
		munmap(map, maplen);
	return r;
}

int
auditlog_open(const char *logdir, const char *keyfile,
    const struct signkey *sk, struct auditlog **out,
    struct auditlog_recovery *rec)
{
	struct auditlog_recovery dummy;
	struct auditlog *l = NULL;
	int stale = 0, r;

	if (out != NULL)
		*out = NULL;
	if (rec == NULL)
		rec = &dummy;
	memset(rec, 0, sizeof(*rec));
	if (out == NULL)
		return MK_ERR_ARGUMENT;
	if ((r = log_init(logdir, keyfile, sk, &l)) != 0 ||
	    (r = key_load(l, &stale)) != 0 ||
	    (r = logmac_new(l->key, 1, &l->mac)) != 0 ||
	    (r = recover(l, rec)) != 0)
		goto out;
	/* Persisting also zeroes the other slot: a stale key found beside
	 * the current one is wiped now. */
	if ((stale || l->key_dirty) && (r = key_persist(l)) != 0)
		goto out;
	*out = l;
	l = NULL;
 out:
	auditlog_free(l);
	return r;
}
