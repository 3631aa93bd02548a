/*
 * crypto/auditlog and crypto/logverify: the writer, its recovery, and the
 * verifier's verdict on a clean log and on every attack we know of. The
 * outcomes asserted are the ones an inspector sees: verdict, first bad seq,
 * segment file and offset; and the bytes on disk (key file, torn files).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/logrec.h"
#include "crypto/logverify.h"
#include "crypto/sign.h"

#define NOSEQ	UINT64_MAX
/* Offset of the key file slot that holds epoch e. */
#define KEYFILE_SLOT_OF(e)	(((e) % 2) * 128)
#define ANYOFF	UINT64_MAX

static char base[64], logdir[128], keyfile[128], mnt[128];
static int mounted;
static struct signkey *sk;
static uint8_t k0[32];

/* ---- a clock the test can move: CLOCK_BOOTTIME + offset ---- */

static uint64_t boot_offset_us;

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t ns;

	if (syscall(SYS_clock_gettime, id, ts) != 0)
		return -1;
	if (id == CLOCK_BOOTTIME && boot_offset_us != 0) {
		ns = (uint64_t)ts->tv_nsec + boot_offset_us * 1000;
		ts->tv_sec += (time_t)(ns / 1000000000);
		ts->tv_nsec = (long)(ns % 1000000000);
	}
	return 0;
}

/* ---- fixtures ---- */

static int
setup(void **state)
{
	(void)state;
	boot_offset_us = 0;
	snprintf(base, sizeof(base), "/tmp/test_auditlog.XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(logdir, sizeof(logdir), "%s/log", base);
	snprintf(keyfile, sizeof(keyfile), "%s/log.key", base);
	cry_random_key(k0, sizeof(k0));
	return mkdir(logdir, 0700);
}

static int
teardown(void **state)
{
	char cmd[160];

	(void)state;
	if (mounted) {
		umount2(mnt, MNT_DETACH);
		mounted = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void
path_in(char *out, size_t n, const char *dir, const char *name)
{
	assert_int_equal(mkfs_path(out, n, "%s/%s", dir, name), 0);
}

static struct auditlog *
new_log(void)
{
	struct logkv kv = { "supervisor", "an" };
	struct logev ev = { LOG_SEV_INFO, "system", "system", NULL, "", 1, &kv };
	struct auditlog *l = NULL;

	assert_int_equal(auditlog_create(logdir, keyfile, k0, sk, &ev, &l), 0);
	assert_non_null(l);
	return l;
}

static struct auditlog *
reopen(struct auditlog_recovery *rec)
{
	struct auditlog *l = NULL;

	assert_int_equal(auditlog_open(logdir, keyfile, sk, &l, rec), 0);
	assert_non_null(l);
	return l;
}

static uint64_t
append(struct auditlog *l, int i)
{
	char v[32];
	struct logkv kv = { "i", v };
	struct logev ev = { LOG_SEV_THAP, "an", "user", "test.event", "obj",
	    1, &kv };
	uint64_t seq = NOSEQ;

	snprintf(v, sizeof(v), "%d", i);
	assert_int_equal(auditlog_append(l, &ev, &seq), 0);
	return seq;
}

static uint64_t
head_seq(struct auditlog *l)
{
	uint64_t seq;

	auditlog_head(l, &seq, NULL);
	return seq;
}

static void
verify_ok(const char *dir, struct logverify_report *rep)
{
	int r = logverify_dir(dir, k0, NULL, NULL, rep);

	if (r != 0)
		print_error("verify: seq %llu %s @%llu: %s\n",
		    (unsigned long long)rep->bad_seq, rep->bad_file,
		    (unsigned long long)rep->bad_offset, rep->reason);
	assert_int_equal(r, 0);
}

static void
expect_bad(const char *dir, int err, uint64_t seq, const char *file,
    uint64_t off)
{
	struct logverify_report rep;
	int r = logverify_dir(dir, k0, NULL, NULL, &rep);

	print_message("      verdict: %s, seq %llu, %s @%llu: %s\n",
	    mkerr_str(r), (unsigned long long)rep.bad_seq, rep.bad_file,
	    (unsigned long long)rep.bad_offset, rep.reason);
	assert_int_equal(r, err);
	assert_int_equal(rep.err, err);
	assert_int_equal(rep.bad_seq, seq);
	assert_string_equal(rep.bad_file, file);
	if (off != ANYOFF)
		assert_int_equal(rep.bad_offset, off);
}

/* ---- bytes on disk ---- */

struct bytes {
	uint8_t	*p;
	size_t	 len;
};

static void
load(const char *path, struct bytes *b)
{
	struct mkbuf *m = NULL;

	assert_int_equal(mkfs_read_file(path, 256u << 20, &m), 0);
	b->len = mkbuf_len(m);
	assert_non_null(b->p = malloc(b->len + 1));
	memcpy(b->p, mkbuf_ptr(m), b->len);
	mkbuf_free(m);
}

static void
store(const char *path, const uint8_t *p, size_t n)
{
	int fd;

	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(mkfs_write_all(fd, p, n), 0);
	close(fd);
}

static void
seg_name(char *out, size_t n, const char *dir, uint32_t segno)
{
	assert_int_equal(mkfs_path(out, n, "%s/%08u.seg", dir, segno), 0);
}

static void
load_seg(const char *dir, uint32_t segno, struct bytes *b)
{
	char path[256];

	seg_name(path, sizeof(path), dir, segno);
	load(path, b);
}

static void
store_seg(const char *dir, uint32_t segno, const uint8_t *p, size_t n)
{
	char path[256];

	seg_name(path, sizeof(path), dir, segno);
	store(path, p, n);
}

/* Offset of the idx-th record of a segment (walking the frames). */
static size_t
rec_off(const struct bytes *s, size_t idx)
{
	size_t off = LOGREC_SEGHDR_LEN;

	while (idx-- > 0)
		off += 4 + mk_get_be32(s->p + off) + LOGREC_MAC_LEN;
	return off;
}

static size_t
rec_len(const struct bytes *s, size_t off)
{
	return 4 + mk_get_be32(s->p + off) + LOGREC_MAC_LEN;
}

/* Replaces [off, off + cut) of the segment by n bytes of p. */
static void
splice_seg(const char *dir, uint32_t segno, const struct bytes *s,
    size_t off, size_t cut, const uint8_t *p, size_t n)
{
	uint8_t *nb;
	size_t len = s->len - cut + n;

	assert_non_null(nb = malloc(len + 1));
	memcpy(nb, s->p, off);
	if (n > 0)
		memcpy(nb + off, p, n);
	memcpy(nb + off + n, s->p + off + cut, s->len - off - cut);
	store_seg(dir, segno, nb, len);
	free(nb);
}

static int found;
static const uint8_t *needle;

static int
grep_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	struct bytes b;

	(void)st;
	(void)f;
	if (type != FTW_F)
		return 0;
	load(path, &b);
	if (memmem(b.p, b.len, needle, 32) != NULL)
		found++;
	free(b.p);
	return 0;
}

/* How many files under dir hold the 32 bytes of key. */
static int
files_holding(const char *dir, const uint8_t *key)
{
	found = 0;
	needle = key;
	assert_int_equal(nftw(dir, grep_file, 16, FTW_PHYS), 0);
	return found;
}

/* ---- a callback that collects what the verifier saw ---- */

struct seen {
	uint64_t	n;
	uint64_t	events_in_epoch;
	uint64_t	max_events_in_epoch;
	uint64_t	seals;
	char		last_reason[32];
	uint8_t		last_kind;
	uint32_t	last_epoch;
	int		init_ok;
};

static int
seen_cb(const struct logrec *rec, void *arg)
{
	struct seen *s = arg;
	const struct logstr *v;

	if (s->n++ == 0)
		s->init_ok = logstr_eq(&rec->event, "log.init") &&
		    logrec_field(rec, "device-key") != NULL &&
		    logstr_eq(logrec_field(rec, "supervisor"), "an");
	s->last_kind = rec->kind;
	s->last_epoch = rec->epoch;
	if (rec->kind == LOGREC_SEAL) {
		s->seals++;
		s->events_in_epoch = 0;
		v = logrec_field(rec, "reason");
		assert_non_null(v);
		assert_true(v->len < sizeof(s->last_reason));
		memcpy(s->last_reason, v->p, v->len);
		s->last_reason[v->len] = '\0';
		return 0;
	}
	if (++s->events_in_epoch > s->max_events_in_epoch)
		s->max_events_in_epoch = s->events_in_epoch;
	return 0;
}

static void
verify_seen(struct seen *s, struct logverify_report *rep)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(logverify_dir(logdir, k0, seen_cb, s, rep), 0);
	assert_true(s->init_ok);
}

/* ---- tests: writing ---- */

static void
test_create_append_reopen(void **state)
{
	struct auditlog_recovery rec;
	struct logverify_report rep;
	struct logev bad = { 0, "a", "r", "log.seal", "", 0, NULL };
	struct auditlog *l, *l2 = (struct auditlog *)1;
	struct seen s;
	uint8_t pub[32];
	int i;

	(void)state;
	l = new_log();
	assert_int_equal(head_seq(l), 1);	/* log.init and its seal */
	for (i = 0; i < 10; i++)
		assert_int_equal(append(l, i), 2 + i);
	assert_int_equal(auditlog_append(l, &bad, NULL), MK_ERR_ARGUMENT);
	bad.event = "log.init";
	assert_int_equal(auditlog_append(l, &bad, NULL), MK_ERR_ARGUMENT);
	auditlog_free(l);

	l = reopen(&rec);
	assert_int_equal(rec.torn, 0);
	assert_int_equal(rec.unsealed, 1);	/* no clean shutdown */
	assert_int_equal(head_seq(l), 11);
	for (i = 0; i < 5; i++)
		assert_int_equal(append(l, i), 12 + i);
	auditlog_free(l);

	verify_seen(&s, &rep);
	assert_int_equal(rep.records, 17);
	assert_int_equal(rep.first_seq, 0);
	assert_int_equal(rep.last_seq, 16);
	assert_int_equal(rep.segments, 1);
	assert_int_equal(rep.last_open, 1);
	assert_int_equal(rep.epochs, 2);
	assert_int_equal(rep.by_severity[LOG_SEV_THAP], 15);
	signkey_public(sk, pub);
	assert_memory_equal(rep.device_key, pub, 32);

	/* A log is created once, into an empty directory, with a new key. */
	assert_int_equal(auditlog_create(logdir, keyfile, k0, sk, NULL, &l2),
	    MK_ERR_EXISTS);
	assert_null(l2);
}

static void
test_create_refusals(void **state)
{
	struct auditlog *l = (struct auditlog *)1;
	char other[160], key2[160];

	(void)state;
	path_in(other, sizeof(other), base, "other");
	path_in(key2, sizeof(key2), base, "k2");
	assert_int_equal(auditlog_open(logdir, keyfile, sk, &l, NULL),
	    MK_ERR_NOT_FOUND);
	assert_null(l);
	assert_int_equal(auditlog_create(other, key2, k0, sk, NULL, &l),
	    MK_ERR_NOT_FOUND);
	store(keyfile, (const uint8_t *)"x", 1);
	assert_int_equal(auditlog_create(logdir, keyfile, k0, sk, NULL, &l),
	    MK_ERR_EXISTS);
	/* Nothing was left behind by the refusal. */
	assert_int_equal(rmdir(logdir), 0);
	auditlog_free(NULL);
}

static void
test_seal_by_count(void **state)
{
	struct logverify_report rep;
	struct auditlog *l;
	struct seen s;
	struct bytes kf;
	int i;

	(void)state;
	l = new_log();
	for (i = 0; i < 200; i++)
		append(l, i);
	auditlog_free(l);
	verify_seen(&s, &rep);
	/* 200 events: epochs 1..3 hold 64 each and a seal, epoch 4 holds 8. */
	assert_int_equal(s.max_events_in_epoch, AUDITLOG_EPOCH_RECORDS);
	assert_int_equal(s.seals, 4);
	assert_int_equal(rep.records, 2 + 200 + 3);
	assert_int_equal(rep.epochs, 5);
	assert_string_equal(s.last_reason, "count");
	load(keyfile, &kf);
	assert_int_equal(mk_get_be32(kf.p + 12), 4);	/* slot 0: epoch 4 */
	free(kf.p);
}

static void
test_seal_by_tick(void **state)
{
	struct logverify_report rep;
	struct auditlog *l;
	struct seen s;

	(void)state;
	l = new_log();
	assert_int_equal(auditlog_tick(l), 0);	/* an empty epoch: nothing */
	append(l, 0);
	append(l, 1);
	boot_offset_us = 59ull * 1000000;
	assert_int_equal(auditlog_tick(l), 0);
	assert_int_equal(head_seq(l), 3);
	boot_offset_us = 61ull * 1000000;
	assert_int_equal(auditlog_tick(l), 0);
	assert_int_equal(head_seq(l), 4);	/* a seal was appended */
	assert_int_equal(auditlog_tick(l), 0);
	assert_int_equal(head_seq(l), 4);	/* the new epoch is empty */
	verify_seen(&s, &rep);
	assert_int_equal(s.last_kind, LOGREC_SEAL);
	assert_string_equal(s.last_reason, "time");
	assert_int_equal(rep.epochs, 2);

	/* An append into an epoch past its time seals it in the same write. */
	append(l, 2);
	boot_offset_us = 200ull * 1000000;
	assert_int_equal(append(l, 3), 6);
	assert_int_equal(head_seq(l), 7);
	auditlog_free(l);
	verify_seen(&s, &rep);
	assert_string_equal(s.last_reason, "time");
	assert_int_equal(rep.epochs, 3);
}

static void
check_trailer(const char *dir, uint32_t segno, uint64_t seq,
    const uint8_t mac[32])
{
	uint8_t msg[LOGREC_CKPT_MSG_LEN], pub[32];
	struct logtrailer t;
	struct logrec rec;
	struct bytes b;
	size_t off, o;

	load_seg(dir, segno, &b);
	off = b.len - LOGREC_TRAILER_LEN;
	assert_memory_equal(b.p + off, "MATKSIG\0", 8);
	assert_int_equal(logrec_trailer_parse(b.p + off, LOGREC_TRAILER_LEN,
	    &t), 0);
	assert_int_equal(t.last_seq, seq);
	assert_memory_equal(t.mac, mac, 32);
	signkey_public(sk, pub);
	logrec_checkpoint_msg(msg, segno, seq, mac);
	assert_int_equal(sign_verify(pub, msg, sizeof(msg), t.sig), 0);
	msg[27] ^= 1;	/* another segment number: not this signature */
	assert_int_equal(sign_verify(pub, msg, sizeof(msg), t.sig),
	    MK_ERR_SIGNATURE);
	/* The record before the trailer is the closing seal. */
	assert_memory_equal(b.p + off - LOGREC_MAC_LEN, mac, 32);
	for (o = LOGREC_SEGHDR_LEN; o + rec_len(&b, o) < off; )
		o += rec_len(&b, o);
	assert_int_equal(o + rec_len(&b, o), off);
	assert_int_equal(logrec_parse(b.p + o + 4, mk_get_be32(b.p + o),
	    &rec), 0);
	assert_int_equal(rec.kind, LOGREC_SEAL);
	assert_true(logstr_eq(logrec_field(&rec, "reason"), "checkpoint"));
	free(b.p);
}

static void
test_checkpoint(void **state)
{
	struct auditlog_recovery rec;
	struct logverify_report rep;
	uint8_t mac[32];
	struct auditlog *l;
	char path[256];
	struct bytes b;
	uint64_t seq;

	(void)state;
	l = new_log();
	append(l, 0);
	append(l, 1);
	assert_int_equal(auditlog_checkpoint(l), 0);
	auditlog_head(l, &seq, mac);
	assert_int_equal(seq, 4);
	check_trailer(logdir, 1, seq, mac);
	assert_int_equal(auditlog_checkpoint(l), 0);	/* nothing to close */
	assert_int_equal(head_seq(l), 4);

	/* Sealed segments are never appended to: the next one starts. */
	assert_int_equal(append(l, 2), 5);
	load_seg(logdir, 2, &b);
	assert_int_equal(mk_get_be32(b.p + 12), 2);
	assert_int_equal(mk_get_be64(b.p + 16), 5);
	free(b.p);
	assert_int_equal(auditlog_checkpoint(l), 0);
	auditlog_head(l, &seq, mac);
	check_trailer(logdir, 2, seq, mac);
	auditlog_free(l);

	/* A restart after a clean shutdown opens segment 3. */
	l = reopen(&rec);
	assert_int_equal(rec.unsealed, 0);
	assert_int_equal(rec.torn, 0);
	seg_name(path, sizeof(path), logdir, 3);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(append(l, 3), 7);
	assert_int_equal(access(path, F_OK), 0);
	auditlog_free(l);
	verify_ok(logdir, &rep);
	assert_int_equal(rep.segments, 3);
	assert_int_equal(rep.sealed_segments, 2);
	assert_int_equal(rep.last_open, 1);
	assert_int_equal(rep.last_seq, 7);
}

static void
test_segment_roll(void **state)
{
	static char big[LOGREC_STR_MAX + 1];
	struct logkv kv[15];
	struct logev ev = { 0, "a", "r", "bulk", "", 15, kv };
	struct logverify_report rep;
	struct auditlog *l;
	char path[256];
	uint64_t seq = 0;
	int i;

	(void)state;
	/* On a tmpfs when we may mount one: 64 MiB of synced appends. */
	path_in(mnt, sizeof(mnt), base, "fs");
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=160m,mode=0700") == 0) {
		mounted = 1;
		path_in(logdir, sizeof(logdir), mnt, "log");
		path_in(keyfile, sizeof(keyfile), mnt, "log.key");
		assert_int_equal(mkdir(logdir, 0700), 0);
	}
	memset(big, 'b', LOGREC_STR_MAX);
	for (i = 0; i < 15; i++) {
		kv[i].key = "k";
		kv[i].value = big;
	}
	l = new_log();
	seg_name(path, sizeof(path), logdir, 2);
	for (i = 0; i < 2000 && access(path, F_OK) != 0; i++)
		assert_int_equal(auditlog_append(l, &ev, &seq), 0);
	assert_int_equal(access(path, F_OK), 0);
	auditlog_free(l);
	verify_ok(logdir, &rep);
	assert_int_equal(rep.segments, 2);
	assert_int_equal(rep.sealed_segments, 1);
	assert_int_equal(rep.last_seq, seq);
}

/* ---- tests: the key file ---- */

static int
all_zero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

static void
check_slot(const uint8_t *slot, uint32_t epoch, uint64_t seq,
    const uint8_t key[32])
{
	uint8_t sum[32];

	assert_memory_equal(slot, "MATKLKEY", 8);
	assert_int_equal(mk_get_be32(slot + 8), 1);
	assert_int_equal(mk_get_be32(slot + 12), epoch);
	assert_int_equal(mk_get_be64(slot + 16), seq);
	assert_memory_equal(slot + 24, key, 32);
	cry_sha256(slot, 56, sum);
	assert_memory_equal(slot + 56, sum, 32);
	assert_true(all_zero(slot + 88, 40));
}

static void
test_keyfile_slots(void **state)
{
	uint8_t k1[32], k2[32];
	struct auditlog *l;
	struct bytes kf;
	struct stat st;
	int i;

	(void)state;
	assert_int_equal(logrec_next_key(k0, k1), 0);
	assert_int_equal(logrec_next_key(k1, k2), 0);
	l = new_log();
	assert_int_equal(stat(keyfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	load(keyfile, &kf);
	assert_int_equal(kf.len, 256);
	assert_true(all_zero(kf.p, 128));		/* epoch 0 never stored */
	check_slot(kf.p + 128, 1, 2, k1);
	free(kf.p);

	for (i = 0; i < AUDITLOG_EPOCH_RECORDS; i++)
		append(l, i);
	load(keyfile, &kf);
	check_slot(kf.p, 2, 2 + AUDITLOG_EPOCH_RECORDS + 1, k2);
	assert_true(all_zero(kf.p + 128, 128));	/* stale K_1 wiped */
	free(kf.p);
	auditlog_free(l);
}

/* A crash between the two syncs of a key update leaves both slots valid:
 * the loader takes the newer and wipes the older at once. */
static void
test_keyfile_both_valid(void **state)
{
	struct bytes kf, kf1;
	struct auditlog *l;
	int i;

	(void)state;
	l = new_log();
	load(keyfile, &kf1);			/* epoch 1 in slot 1 */
	for (i = 0; i < AUDITLOG_EPOCH_RECORDS; i++)
		append(l, i);
	auditlog_free(l);
	load(keyfile, &kf);			/* epoch 2 in slot 0 */
	memcpy(kf.p + 128, kf1.p + 128, 128);
	store(keyfile, kf.p, kf.len);
	free(kf.p);
	l = reopen(NULL);
	load(keyfile, &kf);
	assert_int_equal(mk_get_be32(kf.p + 12), 2);
	assert_true(all_zero(kf.p + 128, 128));
	free(kf.p);
	free(kf1.p);
	append(l, 99);
	auditlog_free(l);
}

/* A crash after a seal reached the log but before the new key reached the
 * key file (even with the new slot torn): the old key is evolved at open. */
static void
test_keyfile_behind(void **state)
{
	struct logverify_report rep;
	struct auditlog *l;
	struct bytes kf1, kf;
	uint8_t k2[32];
	int i;

	(void)state;
	l = new_log();
	for (i = 0; i < AUDITLOG_EPOCH_RECORDS - 1; i++)
		append(l, i);
	load(keyfile, &kf1);			/* epoch 1 */
	append(l, 63);				/* 64th event and the seal */
	auditlog_free(l);
	memset(kf1.p, 0x5a, 60);		/* slot 0: a torn write */
	store(keyfile, kf1.p, kf1.len);

	l = reopen(NULL);
	assert_int_equal(logrec_next_key(k0, k2), 0);
	assert_int_equal(logrec_next_key(k2, k2), 0);
	load(keyfile, &kf);
	check_slot(kf.p, 2, 2 + AUDITLOG_EPOCH_RECORDS + 1, k2);
	assert_true(all_zero(kf.p + 128, 128));
	free(kf.p);
	for (i = 0; i < AUDITLOG_EPOCH_RECORDS + 3; i++)
		append(l, i);
	auditlog_free(l);
	verify_ok(logdir, &rep);

	/* A key file two epochs behind is not a crash: refuse. */
	memset(kf1.p, 0, 128);
	store(keyfile, kf1.p, kf1.len);
	l = (struct auditlog *)1;
	assert_int_equal(auditlog_open(logdir, keyfile, sk, &l, NULL),
	    MK_ERR_AUTH);
	assert_null(l);
	/* Nor is a key file nobody may read but us. */
	chmod(keyfile, 0644);
	assert_int_equal(auditlog_open(logdir, keyfile, sk, &l, NULL),
	    MK_ERR_UNSAFE);
	free(kf1.p);
}

/* K_0 never reaches the disk, and each old key leaves it when it is
 * replaced: whoever takes the machine finds only the current key. */
static void
test_k0_not_on_disk(void **state)
{
	struct auditlog *l;
	uint8_t k1[32], k2[32];
	int i;

	(void)state;
	assert_int_equal(logrec_next_key(k0, k1), 0);
	assert_int_equal(logrec_next_key(k1, k2), 0);
	l = new_log();
	assert_int_equal(files_holding(base, k0), 0);
	assert_int_equal(files_holding(base, k1), 1);	/* the search works */
	for (i = 0; i < AUDITLOG_EPOCH_RECORDS + 5; i++)
		append(l, i);
	assert_int_equal(auditlog_checkpoint(l), 0);
	auditlog_free(l);
	assert_int_equal(files_holding(base, k0), 0);
	assert_int_equal(files_holding(base, k1), 0);
	assert_int_equal(files_holding(base, k2), 0);
}

/* ---- tests: recovery ---- */

static void
check_torn(const struct auditlog_recovery *rec, const uint8_t *want,
    size_t n)
{
	struct bytes t;

	assert_int_equal(rec->torn, 1);
	assert_int_equal(rec->torn_bytes, n);
	assert_non_null(strstr(rec->torn_file, "/torn-"));
	load(rec->torn_file, &t);
	assert_int_equal(t.len, n);
	if (n > 0)
		assert_memory_equal(t.p, want, n);
	free(t.p);
}

static void
test_torn_record(void **state)
{
	struct auditlog_recovery rec;
	struct logverify_report rep;
	struct auditlog *l;
	struct bytes b, after;
	size_t off, n;

	(void)state;
	l = new_log();
	append(l, 0);
	append(l, 1);
	append(l, 2);				/* seq 4, the victim */
	auditlog_free(l);
	load_seg(logdir, 1, &b);
	off = rec_off(&b, 4);
	n = rec_len(&b, off);
	assert_int_equal(off + n, b.len);
	store_seg(logdir, 1, b.p, b.len - 10);	/* power lost mid-write */

	l = reopen(&rec);
	check_torn(&rec, b.p + off, n - 10);
	assert_non_null(strstr(rec.torn_file, "torn-4.bin"));
	assert_int_equal(rec.unsealed, 1);
	assert_int_equal(head_seq(l), 3);
	load_seg(logdir, 1, &after);
	assert_int_equal(after.len, off);	/* cut back to seq 3 */
	free(after.p);
	assert_int_equal(append(l, 3), 4);	/* the chain goes on */
	auditlog_free(l);
	verify_ok(logdir, &rep);
	assert_int_equal(rep.last_seq, 4);

	/* Complete length, wrong MAC: the last record is torn as well. */
	load_seg(logdir, 1, &after);
	after.p[after.len - 1] ^= 1;
	store_seg(logdir, 1, after.p, after.len);
	l = reopen(&rec);
	check_torn(&rec, after.p + off, after.len - off);
	assert_non_null(strstr(rec.torn_file, "torn-4-1.bin"));
	auditlog_free(l);
	free(after.p);
	free(b.p);
}

static void
test_torn_garbage_and_trailer(void **state)
{
	struct auditlog_recovery rec;
	struct logverify_report rep;
	uint8_t zeros[300];
	struct auditlog *l;
	struct bytes b;

	(void)state;
	l = new_log();
	append(l, 0);
	auditlog_free(l);
	/* Zeros past the end (a size update without the data). */
	load_seg(logdir, 1, &b);
	memset(zeros, 0, sizeof(zeros));
	splice_seg(logdir, 1, &b, b.len, 0, zeros, sizeof(zeros));
	l = reopen(&rec);
	check_torn(&rec, zeros, sizeof(zeros));
	append(l, 1);
	assert_int_equal(auditlog_checkpoint(l), 0);
	auditlog_free(l);
	free(b.p);

	/* A torn checkpoint trailer: the segment is open again. */
	load_seg(logdir, 1, &b);
	store_seg(logdir, 1, b.p, b.len - 50);
	l = reopen(&rec);
	check_torn(&rec, b.p + b.len - LOGREC_TRAILER_LEN,
	    LOGREC_TRAILER_LEN - 50);
	assert_int_equal(rec.unsealed, 1);
	assert_int_equal(append(l, 2), 5);
	assert_int_equal(auditlog_checkpoint(l), 0);
	auditlog_free(l);
	free(b.p);

	/* A crash while creating segment 2 left half a header. */
	store_seg(logdir, 2, (const uint8_t *)"MATKLOG", 7);
	l = reopen(&rec);
	check_torn(&rec, (const uint8_t *)"MATKLOG", 7);
	assert_int_equal(rec.unsealed, 0);
	assert_int_equal(append(l, 3), 7);
	auditlog_free(l);
	verify_ok(logdir, &rep);
	assert_int_equal(rep.segments, 2);
	assert_int_equal(rep.last_seq, 7);
}

/* Damage anywhere but at the end is not a crash: refuse, change nothing. */
static void
test_open_refuses_tampering(void **state)
{
	struct auditlog *l = (struct auditlog *)1;
	struct bytes b, after;
	size_t off;

	(void)state;
	l = new_log();
	append(l, 0);
	append(l, 1);
	append(l, 2);
	auditlog_free(l);
	load_seg(logdir, 1, &b);
	off = rec_off(&b, 3);			/* current epoch, not last */
	b.p[off + 20] ^= 1;
	store_seg(logdir, 1, b.p, b.len);
	assert_int_equal(auditlog_open(logdir, keyfile, sk, &l, NULL),
	    MK_ERR_AUTH);
	assert_null(l);
	load_seg(logdir, 1, &after);
	assert_int_equal(after.len, b.len);
	free(after.p);
	b.p[off + 20] ^= 1;

	/* Records removed from the end, back before the key's epoch. */
	store_seg(logdir, 1, b.p, rec_off(&b, 1));
	assert_int_equal(auditlog_open(logdir, keyfile, sk, &l, NULL),
	    MK_ERR_AUTH);
	free(b.p);
}

/* ---- tests: a full disk ---- */

static int
fill(const char *path)
{
	static uint8_t chunk[4096];
	int fd, n = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return -1;
	while (write(fd, chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk))
		n++;
	/* A partial page may still be free: a byte at a time. */
	while (write(fd, chunk, 1) == 1)
		n++;
	close(fd);
	return n;
}

static void
test_enospc(void **state)
{
	struct logverify_report rep;
	struct logkv kv = { "pad", NULL };
	struct logev ev = { 0, "a", "r", "test.big", "", 1, &kv };
	static char pad[1000];
	uint8_t mac[32], mac2[32];
	struct auditlog *l;
	char filler[200];
	struct bytes b;
	uint64_t seq, seq2;
	int i, r = 0;

	(void)state;
	path_in(mnt, sizeof(mnt), base, "fs");
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=256k,mode=0700") != 0) {
		print_message("SKIPPED: cannot mount a tmpfs (%s); needs "
		    "root\n", strerror(errno));
		skip();
	}
	mounted = 1;
	path_in(logdir, sizeof(logdir), mnt, "log");
	path_in(keyfile, sizeof(keyfile), mnt, "log.key");
	path_in(filler, sizeof(filler), mnt, "filler");
	assert_int_equal(mkdir(logdir, 0700), 0);
	memset(pad, 'p', sizeof(pad) - 1);
	kv.value = pad;
	l = new_log();
	for (i = 0; i < 10; i++)
		append(l, i);
	assert_true(fill(filler) > 0);
	/* Appends go on while the segment's last page has room, then fail. */
	for (i = 0; i < 100; i++) {
		auditlog_head(l, &seq, mac);
		load_seg(logdir, 1, &b);
		if ((r = auditlog_append(l, &ev, NULL)) != 0)
			break;
		free(b.p);
	}
	assert_int_equal(r, MK_ERR_NO_SPACE);
	auditlog_head(l, &seq2, mac2);
	assert_int_equal(seq2, seq);
	assert_memory_equal(mac2, mac, 32);
	{
		struct bytes now;

		load_seg(logdir, 1, &now);
		assert_int_equal(now.len, b.len);	/* cut back */
		free(now.p);
	}
	free(b.p);
	assert_int_equal(auditlog_append(l, &ev, NULL), MK_ERR_NO_SPACE);
	unlink(filler);
	assert_int_equal(append(l, 0), seq + 1);
	auditlog_free(l);
	verify_ok(logdir, &rep);
	assert_int_equal(rep.last_seq, seq + 1);
}

/* ---- tests: the verifier against attacks ---- */

static char ref[160], atk[160];

/*
 * The reference log: segment 1 holds seq 0..22 (log.init, seal, events
 * 2..21, checkpoint seal 22, trailer), segment 2 seq 23..43, segment 3
 * (open) seq 44..53. Epochs: 0 = {0,1}, 1 = {2..22}, 2 = {23..43}, 3 = rest.
 */
static void
make_ref(void)
{
	struct auditlog *l;
	int i;

	path_in(ref, sizeof(ref), base, "log");
	path_in(atk, sizeof(atk), base, "atk");
	l = new_log();
	for (i = 0; i < 20; i++)
		append(l, i);
	assert_int_equal(auditlog_checkpoint(l), 0);
	for (i = 0; i < 20; i++)
		append(l, i);
	assert_int_equal(auditlog_checkpoint(l), 0);
	for (i = 0; i < 10; i++)
		append(l, i);
	auditlog_free(l);
}

static void
fresh_copy(void)
{
	char cmd[400];

	assert_int_equal(mkfs_path(cmd, sizeof(cmd), "rm -rf '%s' && "
	    "cp -a '%s' '%s'", atk, ref, atk), 0);
	assert_int_equal(system(cmd), 0);
}

static void
test_verify_clean(void **state)
{
	struct logverify_report rep;
	uint8_t mac[32];
	char hex[65];

	(void)state;
	make_ref();
	verify_ok(ref, &rep);
	assert_int_equal(rep.records, 54);
	assert_int_equal(rep.last_seq, 53);
	assert_int_equal(rep.segments, 3);
	assert_int_equal(rep.sealed_segments, 2);
	assert_int_equal(rep.last_open, 1);
	assert_int_equal(rep.epochs, 4);
	assert_true(rep.first_wall_us <= rep.last_wall_us);
	assert_int_equal(rep.err, 0);
	memcpy(mac, rep.head_mac, 32);
	mk_hex(mac, 32, hex);
	print_message("      head %s\n", hex);
	k0[5] ^= 1;
	expect_bad(ref, MK_ERR_AUTH, 0, "00000001.seg", LOGREC_SEGHDR_LEN);
	k0[5] ^= 1;
	path_in(atk, sizeof(atk), base, "empty");
	assert_int_equal(mkdir(atk, 0700), 0);
	expect_bad(atk, MK_ERR_NOT_FOUND, 0, "", 0);
}

static void
test_attack_modify(void **state)
{
	struct bytes b;
	size_t off;

	(void)state;
	make_ref();
	fresh_copy();
	load_seg(atk, 1, &b);
	off = rec_off(&b, 5);
	b.p[off + 4 + 60] ^= 0x20;		/* a byte of the actor */
	store_seg(atk, 1, b.p, b.len);
	expect_bad(atk, MK_ERR_AUTH, 5, "00000001.seg", off);
	b.p[off + 4 + 60] ^= 0x20;
	b.p[off + rec_len(&b, off) - 1] ^= 1;	/* only its MAC */
	store_seg(atk, 1, b.p, b.len);
	expect_bad(atk, MK_ERR_AUTH, 5, "00000001.seg", off);
	free(b.p);

	/* In a later segment too, and in the open one. */
	fresh_copy();
	load_seg(atk, 3, &b);
	off = rec_off(&b, 2);
	b.p[off + 30] ^= 1;
	store_seg(atk, 3, b.p, b.len);
	expect_bad(atk, MK_ERR_AUTH, 46, "00000003.seg", off);
	free(b.p);
}

static void
test_attack_delete_insert_swap(void **state)
{
	struct bytes b;
	size_t o4, o5, o6, l4, l5, l6;
	uint8_t *tmp;

	(void)state;
	make_ref();
	load_seg(ref, 1, &b);
	o4 = rec_off(&b, 4);
	o5 = rec_off(&b, 5);
	o6 = rec_off(&b, 6);
	l4 = rec_len(&b, o4);
	l5 = rec_len(&b, o5);
	l6 = rec_len(&b, o6);

	fresh_copy();				/* delete seq 5 */
	splice_seg(atk, 1, &b, o5, l5, NULL, 0);
	expect_bad(atk, MK_ERR_AUTH, 5, "00000001.seg", o5);

	fresh_copy();				/* insert a copy of seq 4 */
	splice_seg(atk, 1, &b, o5, 0, b.p + o4, l4);
	expect_bad(atk, MK_ERR_AUTH, 5, "00000001.seg", o5);

	fresh_copy();				/* swap seq 5 and 6 */
	assert_non_null(tmp = malloc(l5 + l6));
	memcpy(tmp, b.p + o6, l6);
	memcpy(tmp + l6, b.p + o5, l5);
	splice_seg(atk, 1, &b, o5, l5 + l6, tmp, l5 + l6);
	expect_bad(atk, MK_ERR_AUTH, 5, "00000001.seg", o5);
	free(tmp);

	fresh_copy();				/* delete the last record */
	free(b.p);
	load_seg(ref, 3, &b);
	o4 = rec_off(&b, 9);
	splice_seg(atk, 3, &b, o4, rec_len(&b, o4), NULL, 0);
	/* Undetectable from the log alone (the key file and the export
	 * head catch it); the verifier reports the shorter log. */
	{
		struct logverify_report rep;

		verify_ok(atk, &rep);
		assert_int_equal(rep.last_seq, 52);
	}
	free(b.p);
}

static void
test_attack_truncate_and_delete_segment(void **state)
{
	char path[256];
	struct bytes b;
	size_t off;

	(void)state;
	make_ref();
	load_seg(ref, 1, &b);
	off = rec_off(&b, 10);

	fresh_copy();			/* sealed segment cut at a record */
	store_seg(atk, 1, b.p, off);
	expect_bad(atk, MK_ERR_TRUNCATED, 10, "00000001.seg", off);
	fresh_copy();			/* ... and inside a record */
	store_seg(atk, 1, b.p, off + 7);
	expect_bad(atk, MK_ERR_TRUNCATED, 10, "00000001.seg", off);
	fresh_copy();			/* ... and just its trailer */
	store_seg(atk, 1, b.p, b.len - LOGREC_TRAILER_LEN);
	expect_bad(atk, MK_ERR_TRUNCATED, 23, "00000001.seg",
	    b.len - LOGREC_TRAILER_LEN);
	free(b.p);

	fresh_copy();			/* a whole segment deleted */
	seg_name(path, sizeof(path), atk, 2);
	assert_int_equal(unlink(path), 0);
	expect_bad(atk, MK_ERR_NOT_FOUND, 23, "00000002.seg", 0);

	fresh_copy();			/* ... and the gap closed by renaming */
	seg_name(path, sizeof(path), atk, 2);
	assert_int_equal(unlink(path), 0);
	{
		char from[256];

		seg_name(from, sizeof(from), atk, 3);
		assert_int_equal(rename(from, path), 0);
	}
	expect_bad(atk, MK_ERR_ORDER, 23, "00000002.seg", 0);
}

static void
test_attack_torn_and_garbage(void **state)
{
	struct bytes b;
	uint8_t junk[100];
	size_t off;

	(void)state;
	make_ref();
	load_seg(ref, 3, &b);
	off = rec_off(&b, 6);

	fresh_copy();				/* torn tail */
	store_seg(atk, 3, b.p, off + 20);
	expect_bad(atk, MK_ERR_TRUNCATED, 50, "00000003.seg", off);

	fresh_copy();				/* garbage after the end */
	cry_random(junk, sizeof(junk));
	junk[0] = 0xff;
	splice_seg(atk, 3, &b, b.len, 0, junk, sizeof(junk));
	expect_bad(atk, MK_ERR_FORMAT, 54, "00000003.seg", b.len);

	fresh_copy();				/* garbage that looks framed */
	mk_put_be32(junk, 60);
	splice_seg(atk, 3, &b, b.len, 0, junk, 96);
	expect_bad(atk, MK_ERR_AUTH, 54, "00000003.seg", b.len);
	free(b.p);

	fresh_copy();				/* a record overwritten */
	load_seg(ref, 2, &b);
	off = rec_off(&b, 7);
	cry_random(b.p + off + 4, rec_len(&b, off) - 4);
	store_seg(atk, 2, b.p, b.len);
	expect_bad(atk, MK_ERR_AUTH, 30, "00000002.seg", off);

	free(b.p);
	load_seg(ref, 2, &b);
	fresh_copy();				/* data after a trailer */
	splice_seg(atk, 2, &b, b.len, 0, junk, 10);
	expect_bad(atk, MK_ERR_TRAILING, 44, "00000002.seg", b.len);

	fresh_copy();				/* a forged signature */
	b.p[b.len - 5] ^= 1;
	store_seg(atk, 2, b.p, b.len);
	expect_bad(atk, MK_ERR_SIGNATURE, 44, "00000002.seg",
	    b.len - LOGREC_TRAILER_LEN);
	free(b.p);
}

/* Frames records as an intruder holding key would. */
static void
forge(struct mkbuf *out, const uint8_t key[32], uint8_t prev[32],
    uint64_t seq, uint32_t epoch, uint8_t kind, const char *event)
{
	struct logkv kv = { "reason", "count" };
	struct logev ev = { 0, "an", "user", event, "", 1, &kv };
	struct logmac *m = NULL;
	size_t start = mkbuf_len(out);
	uint8_t boot[16] = { 0 };

	assert_int_equal(mkbuf_put_u32(out, 0), 0);
	assert_int_equal(logrec_encode(out, kind, seq, epoch, 0, 0, boot,
	    &ev), 0);
	mk_put_be32(mkbuf_mutable_ptr(out) + start,
	    (uint32_t)(mkbuf_len(out) - start - 4));
	assert_int_equal(logmac_new(key, 0, &m), 0);
	assert_int_equal(logmac_compute(m, prev, mkbuf_ptr(out) + start,
	    mkbuf_len(out) - start, prev), 0);
	assert_int_equal(mkbuf_put(out, prev, 32), 0);
	logmac_free(m);
}

/*
 * The intruder reads the current key K_3 from the key file and rewrites
 * history: everything after seq 30 (epoch 2) is replaced by records of his
 * own, labelled epoch 3 (the key he has) or epoch 2 (the one he lacks).
 * Only the current epoch's records can be rewritten, and that is stated as
 * the window in docs/formats.md, audit log.
 */
static void
test_attack_relabel(void **state)
{
	struct logverify_report rep;
	uint8_t key[32], prev[32];
	struct mkbuf *f;
	struct bytes b, kf;
	size_t off;
	int i;

	(void)state;
	make_ref();
	load(keyfile, &kf);
	assert_int_equal(mk_get_be32(kf.p + KEYFILE_SLOT_OF(3) + 12), 3);
	memcpy(key, kf.p + KEYFILE_SLOT_OF(3) + 24, 32);
	free(kf.p);
	assert_non_null(f = mkbuf_new(1 << 20));

	/* Over epoch 2, labelled with his epoch 3. */
	load_seg(ref, 2, &b);
	off = rec_off(&b, 8);			/* seq 31 */
	memcpy(prev, b.p + off - 32, 32);
	for (i = 0; i < 5; i++)
		forge(f, key, prev, 31 + (uint64_t)i, 3, LOGREC_EVENT, "x");
	fresh_copy();
	splice_seg(atk, 2, &b, off, b.len - off, mkbuf_ptr(f), mkbuf_len(f));
	expect_bad(atk, MK_ERR_AUTH, 31, "00000002.seg", off);

	/* ... after a seal he made himself, so the epoch label fits. */
	mkbuf_reset(f);
	memcpy(prev, b.p + off - 32, 32);
	forge(f, key, prev, 31, 2, LOGREC_SEAL, "log.seal");
	for (i = 0; i < 5; i++)
		forge(f, key, prev, 32 + (uint64_t)i, 3, LOGREC_EVENT, "x");
	fresh_copy();
	splice_seg(atk, 2, &b, off, b.len - off, mkbuf_ptr(f), mkbuf_len(f));
	expect_bad(atk, MK_ERR_AUTH, 31, "00000002.seg", off);
	free(b.p);

	/* The window: records of the current epoch 3 can be rewritten. */
	mkbuf_reset(f);
	load_seg(ref, 3, &b);
	off = rec_off(&b, 4);			/* seq 48 */
	memcpy(prev, b.p + off - 32, 32);
	forge(f, key, prev, 48, 3, LOGREC_EVENT, "forged");
	fresh_copy();
	splice_seg(atk, 3, &b, off, b.len - off, mkbuf_ptr(f), mkbuf_len(f));
	verify_ok(atk, &rep);
	assert_int_equal(rep.last_seq, 48);
	free(b.p);
	mkbuf_free(f);
}

/*
 * logverify_dir reads segments through a window refilled around 1 MiB;
 * logverify_segments sees the whole buffer. Cut one segment at hundreds of
 * points around the first refill (records, MACs and the trailer falling
 * across it) and both must give the same verdict, seq and offset.
 */
static void
test_verify_streaming(void **state)
{
	static char pad[LOGREC_STR_MAX + 1];
	struct logkv kv = { "pad", pad };
	struct logev ev = { 0, "a", "r", "test.pad", "", 1, &kv };
	struct logverify_report rd, rm;
	struct logverify_seg seg;
	struct auditlog *l;
	char path[256];
	struct bytes b;
	size_t cut;
	int i, rdir, rmem;

	(void)state;
	memset(pad, 'q', sizeof(pad) - 1);
	l = new_log();
	for (i = 0; i < 800; i++) {
		pad[(i * 7919) % (sizeof(pad) - 1)] = '\0';	/* 0..4 KiB */
		assert_int_equal(auditlog_append(l, &ev, NULL), 0);
		memset(pad, 'q', sizeof(pad) - 1);
	}
	assert_int_equal(auditlog_checkpoint(l), 0);
	auditlog_free(l);
	load_seg(logdir, 1, &b);
	assert_true(b.len > (1u << 20) + 150000);
	seg_name(path, sizeof(path), logdir, 1);
	seg.name = "00000001.seg";
	seg.p = b.p;
	for (cut = b.len; ; cut = cut > (1u << 20) + 150000 ?
	    (1u << 20) + 150000 : cut - 373) {
		assert_int_equal(truncate(path, (off_t)cut), 0);
		seg.len = cut;
		rdir = logverify_dir(logdir, k0, NULL, NULL, &rd);
		rmem = logverify_segments(&seg, 1, k0, NULL, NULL, &rm);
		assert_int_equal(rdir, rmem);
		assert_int_equal(rd.records, rm.records);
		assert_int_equal(rd.bad_seq, rm.bad_seq);
		assert_int_equal(rd.bad_offset, rm.bad_offset);
		assert_int_equal(rd.last_open, rm.last_open);
		if (cut == b.len)
			assert_int_equal(rdir, 0);
		if (cut < (1u << 20) - 8000)
			break;
	}
	free(b.p);
}

/* libgcrypt keeps a buffer for GCRY_VERY_STRONG_RANDOM referenced only from
 * its secure pool, which LeakSanitizer does not scan. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libgcrypt.so\n";
}

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_create_append_reopen),
		T(test_create_refusals),
		T(test_seal_by_count),
		T(test_seal_by_tick),
		T(test_checkpoint),
		T(test_segment_roll),
		T(test_keyfile_slots),
		T(test_keyfile_both_valid),
		T(test_keyfile_behind),
		T(test_k0_not_on_disk),
		T(test_torn_record),
		T(test_torn_garbage_and_trailer),
		T(test_open_refuses_tampering),
		T(test_enospc),
		T(test_verify_clean),
		T(test_attack_modify),
		T(test_attack_delete_insert_swap),
		T(test_attack_truncate_and_delete_segment),
		T(test_attack_torn_and_garbage),
		T(test_attack_relabel),
		T(test_verify_streaming),
#undef T
	};
	int r;

	if (cry_init(1 << 16, 0) != 0 || signkey_generate(&sk) != 0)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	signkey_free(sk);
	return r;
}
