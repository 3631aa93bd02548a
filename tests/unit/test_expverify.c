/*
 * crypto/expverify: an inspection export built here from a real log (the
 * writer's API, two segments) and a manifest signed with the device key
 * verifies; each forgery fails at its step with its error: a member
 * changed, a member removed, a member added, the manifest re-signed with
 * another key, a manifest head that is not the log's, a log segment
 * missing, the log cut short against an anchored head, an anchored MAC
 * that differs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/expman.h"
#include "crypto/expverify.h"
#include "crypto/sign.h"

#define ARCH_MAX	(1u << 20)

static uint8_t k0[32];
static struct signkey *dev, *other;
static struct mkbuf *seg[2];
static uint64_t head_seq;
static uint8_t head_mac[32];
static uint8_t *arch;
static struct expverify_report rep;

static void
header(uint8_t *h, const char *name, size_t size)
{
	unsigned sum = 0;
	size_t i;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%07o", 0444);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static size_t
put(size_t off, const char *name, const void *p, size_t n)
{
	header(arch + off, name, n);
	memcpy(arch + off + 512, p, n);
	return off + 512 + (n + 511) / 512 * 512;
}

static int
setup(void **state)
{
	char dir[] = "/tmp/mk-expv.XXXXXX", logdir[64], key[64], path[96];
	struct logev ev = { 0, "giamdoc", "supervisor", "doc.import", "x", 0,
	    NULL };
	struct auditlog *l = NULL;
	int i;

	(void)state;
	assert_int_equal(cry_init(65536, 0), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(logdir, sizeof(logdir), "%s/log", dir);
	snprintf(key, sizeof(key), "%s/logkey", dir);
	assert_int_equal(mkdir(logdir, 0700), 0);
	cry_random(k0, sizeof(k0));
	assert_int_equal(signkey_generate(&dev), 0);
	assert_int_equal(signkey_generate(&other), 0);
	assert_int_equal(auditlog_create(logdir, key, k0, dev, NULL, &l), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(auditlog_append(l, &ev, NULL), 0);
	assert_int_equal(auditlog_checkpoint(l), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(auditlog_append(l, &ev, NULL), 0);
	auditlog_head(l, &head_seq, head_mac);
	auditlog_free(l);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%08d.seg", logdir, i + 1);
		assert_int_equal(mkfs_read_file(path, 1u << 20, &seg[i]), 0);
		unlink(path);
	}
	unlink(key);
	rmdir(logdir);
	rmdir(dir);
	arch = calloc(1, ARCH_MAX);
	return arch == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	signkey_free(dev);
	signkey_free(other);
	mkbuf_free(seg[0]);
	mkbuf_free(seg[1]);
	free(arch);
	cry_done();
	return 0;
}

struct opts {
	int		 drop;		/* member index not written (-1: none) */
	int		 extra;		/* write a member the manifest lacks */
	int		 change;	/* alter report.txt after listing it */
	int		 other_key;	/* sign with another key */
	uint64_t	 seq_delta;	/* added to the manifest's head */
	int		 no_seg1;	/* neither write nor list segment 1 */
};

/* The archive; returns its length. */
static size_t
build(const struct opts *o)
{
	static const char report[] = "BÁO CÁO\n";
	const char *names[3] = { "log/00000001.seg", "log/00000002.seg",
	    "report.txt" };
	const void *data[3] = { mkbuf_ptr(seg[0]), mkbuf_ptr(seg[1]), report };
	size_t len[3] = { mkbuf_len(seg[0]), mkbuf_len(seg[1]),
	    sizeof(report) - 1 };
	struct expman m;
	struct mkbuf *b = mkbuf_new(EXPMAN_MAX);
	uint8_t sha[32], sig[SIGN_SIG_LEN];
	size_t off = 0, i;

	memset(arch, 0, ARCH_MAX);
	memset(&m, 0, sizeof(m));
	snprintf(m.device_id, sizeof(m.device_id), "00aa");
	signkey_public(dev, m.device_key);
	snprintf(m.exporter, sizeof(m.exporter), "congan");
	snprintf(m.approver, sizeof(m.approver), "giamdoc");
	m.head_seq = head_seq + o->seq_delta;
	memcpy(m.head_mac, head_mac, 32);
	for (i = o->no_seg1 ? 1 : 0; i < 3; i++) {
		cry_sha256(data[i], len[i], sha);
		assert_int_equal(expman_add(&m, names[i], sha, len[i]), 0);
		if ((int)i != o->drop)
			off = put(off, names[i], data[i], len[i]);
	}
	if (o->change)
		arch[off - 512 + 1] ^= 1;	/* in report.txt's data */
	if (o->extra)
		off = put(off, "extra.txt", "x", 1);
	assert_int_equal(expman_format(&m, b), 0);
	cry_sha256(mkbuf_ptr(b), mkbuf_len(b), sha);
	assert_int_equal(signkey_sign(o->other_key ? other : dev, sha, 32,
	    sig), 0);
	off = put(off, "MANIFEST", mkbuf_ptr(b), mkbuf_len(b));
	off = put(off, "MANIFEST.sig", sig, sizeof(sig));
	expman_free(&m);
	mkbuf_free(b);
	return off + 1024;
}

static int
run(const struct opts *o, const char *expect)
{
	size_t len = build(o);
	int r;

	memset(&rep, 0, sizeof(rep));
	if (expect != NULL)
		assert_int_equal(expverify_parse_head(expect, &rep), 0);
	r = expverify_run(arch, len, k0, NULL, NULL, &rep);
	expverify_free(&rep);
	return r;
}

static const char *
failed(void)
{
	return rep.step[rep.failed].name;
}

static void
test_valid(void **state)
{
	struct opts o = { -1, 0, 0, 0, 0, 0 };
	char expect[100], hex[65];
	size_t i;

	(void)state;
	assert_int_equal(run(&o, NULL), 0);
	for (i = 0; i < EXPVERIFY_STEPS - 1; i++)
		assert_int_equal(rep.step[i].state, EXPV_PASS);
	assert_int_equal(rep.step[EXPVERIFY_STEPS - 1].state, EXPV_NOT_RUN);
	assert_int_equal(rep.log.last_seq, head_seq);
	assert_int_equal(rep.log_segments, 2);
	mk_hex(head_mac, 32, hex);
	snprintf(expect, sizeof(expect), "%llu:%.32s",
	    (unsigned long long)head_seq, hex);
	assert_int_equal(run(&o, expect), 0);
	assert_int_equal(rep.step[EXPVERIFY_STEPS - 1].state, EXPV_PASS);
}

static void
test_forgeries(void **state)
{
	struct opts o;
	char expect[100];

	(void)state;
	o = (struct opts){ -1, 0, 1, 0, 0, 0 };
	assert_int_equal(run(&o, NULL), MK_ERR_AUTH);
	assert_string_equal(failed(), "members");
	assert_non_null(strstr(rep.step[rep.failed].detail, "report.txt"));
	o = (struct opts){ 2, 0, 0, 0, 0, 0 };
	assert_int_equal(run(&o, NULL), MK_ERR_NOT_FOUND);
	assert_string_equal(failed(), "members");
	o = (struct opts){ -1, 1, 0, 0, 0, 0 };
	assert_int_equal(run(&o, NULL), MK_ERR_FORMAT);
	assert_string_equal(failed(), "members");
	o = (struct opts){ -1, 0, 0, 1, 0, 0 };
	assert_int_equal(run(&o, NULL), MK_ERR_SIGNATURE);
	assert_string_equal(failed(), "signature");
	o = (struct opts){ -1, 0, 0, 0, 1, 0 };
	assert_int_equal(run(&o, NULL), MK_ERR_AUTH);
	assert_string_equal(failed(), "head");
	o = (struct opts){ -1, 0, 0, 0, 0, 1 };
	assert_int_not_equal(run(&o, NULL), 0);
	assert_string_equal(failed(), "log");
	o = (struct opts){ -1, 0, 0, 0, 0, 0 };
	snprintf(expect, sizeof(expect), "%llu:00000000",
	    (unsigned long long)head_seq + 1);
	assert_int_equal(run(&o, expect), MK_ERR_TRUNCATED);
	assert_string_equal(failed(), "expect-head");
	snprintf(expect, sizeof(expect), "%llu:%02x%02x%02x%02x",
	    (unsigned long long)head_seq, head_mac[0] ^ 1, head_mac[1],
	    head_mac[2], head_mac[3]);
	assert_int_equal(run(&o, expect), MK_ERR_AUTH);
	assert_non_null(strstr(rep.step[rep.failed].detail, "rewritten"));
}

static void
test_parse_head(void **state)
{
	struct expverify_report r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(expverify_parse_head("12:ABCDEF01", &r), 0);
	assert_int_equal(r.expect_seq, 12);
	assert_string_equal(r.expect_hex, "abcdef01");
	assert_int_equal(expverify_parse_head("12:abc", &r), MK_ERR_USAGE);
	assert_int_equal(expverify_parse_head(":abcdef01", &r), MK_ERR_USAGE);
	assert_int_equal(expverify_parse_head("x1:abcdef01", &r), MK_ERR_USAGE);
	assert_int_equal(expverify_parse_head("1:abcdefgh", &r), MK_ERR_USAGE);
	assert_int_equal(expverify_parse_head("1abcdef01", &r), MK_ERR_USAGE);
}

/* libgcrypt keeps a buffer for GCRY_VERY_STRONG_RANDOM (key generation)
 * referenced only from its secure pool, which LeakSanitizer does not scan
 * (as in test_auditlog.c). */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libgcrypt.so\n";
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_forgeries),
		cmocka_unit_test(test_parse_head),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
