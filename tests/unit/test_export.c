/*
 * crypto/tarread (the bounded ustar reader matverify uses) and
 * crypto/expman (the inspection export's manifest): well-formed input is
 * read back exactly, and each malformed or unsafe form is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/expman.h"
#include "crypto/tarread.h"

#define ARCH_MAX	(64 * 512)

/* A ustar header as tar writes it, with its checksum. */
static void
header(uint8_t *h, const char *name, size_t size, char type,
    const char *magic)
{
	unsigned sum = 0;
	size_t i;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	snprintf((char *)h + 100, 8, "%07o", 0444);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (uint8_t)type;
	memcpy(h + 257, magic, 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* Appends a member; returns the new length. */
static size_t
member(uint8_t *a, size_t off, const char *name, const char *data, char type)
{
	size_t n = strlen(data);

	header(a + off, name, n, type, "ustar\0" "00");
	memcpy(a + off + 512, data, n);
	return off + 512 + (n + 511) / 512 * 512;
}

static uint8_t arch[ARCH_MAX];

static size_t
two_members(void)
{
	size_t off;

	memset(arch, 0, sizeof(arch));
	off = member(arch, 0, "MANIFEST", "hello\n", '0');
	off = member(arch, off, "log/00000001.seg", "segment bytes", '0');
	return off + 1024;	/* two zero blocks */
}

static void
test_reads_members(void **state)
{
	struct tarread t;
	const struct tarmember *m;
	size_t len = two_members();

	(void)state;
	assert_int_equal(tarread_parse(arch, len, &t), 0);
	assert_int_equal(t.n, 2);
	assert_non_null(m = tarread_find(&t, "log/00000001.seg"));
	assert_int_equal(m->size, 13);
	assert_memory_equal(m->data, "segment bytes", 13);
	assert_null(tarread_find(&t, "log"));
	tarread_free(&t);
	/* Zero padding to a 10240-byte record, as libarchive writes it. */
	assert_int_equal(tarread_parse(arch, 20 * 512, &t), 0);
	tarread_free(&t);
}

static void
expect_refused(size_t len, int err, const char *why)
{
	struct tarread t;

	assert_int_equal(tarread_parse(arch, len, &t), err);
	assert_null(t.m);
	assert_non_null(strstr(t.why, why));
}

static void
test_refuses(void **state)
{
	size_t len;

	(void)state;
	len = two_members();
	arch[512 + 3] ^= 1;		/* data of MANIFEST: fine */
	arch[5] ^= 1;			/* its name: checksum breaks */
	expect_refused(len, MK_ERR_FORMAT, "bad checksum");
	len = two_members();
	expect_refused(len - 1024 + 512 - 1, MK_ERR_TRUNCATED, "whole number");
	expect_refused(1024 + 512, MK_ERR_TRUNCATED, "runs past the end");
	expect_refused(1024, MK_ERR_TRUNCATED, "no end-of-archive");
	arch[len - 1] = 1;
	expect_refused(len, MK_ERR_FORMAT, "data after the end");

	memset(arch, 0, sizeof(arch));
	len = member(arch, 0, "../etc/passwd", "x", '0') + 1024;
	expect_refused(len, MK_ERR_FORMAT, "unsafe");
	len = member(arch, 0, "/abs", "x", '0') + 1024;
	expect_refused(len, MK_ERR_FORMAT, "unsafe");
	len = member(arch, 0, "a/./b", "x", '0') + 1024;
	expect_refused(len, MK_ERR_FORMAT, "unsafe");
	len = member(arch, 0, "a\x1b[2Jb", "x", '0') + 1024;
	expect_refused(len, MK_ERR_FORMAT, "unsafe");
	len = member(arch, 0, "link", "", '2') + 1024;
	expect_refused(len, MK_ERR_FORMAT, "not a regular file");
	len = member(arch, 0, "dev", "", '3') + 1024;
	expect_refused(len, MK_ERR_FORMAT, "not a regular file");
	len = member(arch, 0, "same", "a", '0');
	len = member(arch, len, "same", "b", '0') + 1024;
	expect_refused(len, MK_ERR_EXISTS, "same name");
	memset(arch, 0, sizeof(arch));
	header(arch, "gnu", 0, '0', "ustar  \0");
	expect_refused(512 + 1024, MK_ERR_FORMAT, "not a ustar header");
}

static void
test_directory_skipped(void **state)
{
	struct tarread t;
	size_t len;

	(void)state;
	memset(arch, 0, sizeof(arch));
	len = member(arch, 0, "log/", "", '5');
	len = member(arch, len, "log/00000001.seg", "s", '0') + 1024;
	assert_int_equal(tarread_parse(arch, len, &t), 0);
	assert_int_equal(t.n, 1);
	tarread_free(&t);
}

/* ---- the manifest ---- */

static void
sample(struct expman *m)
{
	uint8_t sha[32];

	memset(m, 0, sizeof(*m));
	snprintf(m->device_id, sizeof(m->device_id), "0011aabb");
	memset(m->device_key, 0xab, 32);
	m->created = 1765000000;
	snprintf(m->exporter, sizeof(m->exporter), "congan");
	snprintf(m->approver, sizeof(m->approver), "giamdoc");
	m->head_seq = 42;
	memset(m->head_mac, 0x5a, 32);
	memset(sha, 0x11, 32);
	assert_int_equal(expman_add(m, "log/00000001.seg", sha, 4096), 0);
	memset(sha, 0x22, 32);
	assert_int_equal(expman_add(m, "report.txt", sha, 10), 0);
	assert_int_equal(expman_add_none(m, "repair"), 0);
}

static void
test_manifest_roundtrip(void **state)
{
	struct expman a, b;
	struct mkbuf *buf = mkbuf_new(EXPMAN_MAX);
	size_t line;

	(void)state;
	sample(&a);
	assert_int_equal(expman_format(&a, buf), 0);
	assert_int_equal(expman_parse((const char *)mkbuf_ptr(buf),
	    mkbuf_len(buf), &b, &line), 0);
	assert_string_equal(b.device_id, "0011aabb");
	assert_string_equal(b.exporter, "congan");
	assert_string_equal(b.approver, "giamdoc");
	assert_int_equal(b.created, 1765000000);
	assert_int_equal(b.head_seq, 42);
	assert_memory_equal(b.head_mac, a.head_mac, 32);
	assert_memory_equal(b.device_key, a.device_key, 32);
	assert_int_equal(b.n, 2);
	assert_int_equal(expman_find(&b, "report.txt")->size, 10);
	assert_memory_equal(expman_find(&b, "log/00000001.seg")->sha,
	    a.m[0].sha, 32);
	assert_int_equal(b.nnone, 1);
	assert_string_equal(b.none[0], "repair");
	expman_free(&a);
	expman_free(&b);
	mkbuf_free(buf);
}

static void
parse_refused(const char *text, int err, size_t want_line)
{
	struct expman m;
	size_t line;

	assert_int_equal(expman_parse(text, strlen(text), &m, &line), err);
	assert_int_equal(line, want_line);
	assert_null(m.m);
}

#define HEAD "matkiosk-inspection-export 1\ndevice-id ab\n"
#define TAIL "exporter x\napprover y\nlog-head 5 " \
	"0000000000000000000000000000000000000000000000000000000000000000\n"
#define SHA "1111111111111111111111111111111111111111111111111111111111111111"

static void
test_manifest_refuses(void **state)
{
	(void)state;
	parse_refused(HEAD TAIL, 0, 5);
	parse_refused("matkiosk-inspection-export 2\n", MK_ERR_VERSION, 1);
	parse_refused("tar\n", MK_ERR_FORMAT, 1);
	parse_refused(HEAD "device-id a b\n" TAIL, MK_ERR_FORMAT, 3);
	parse_refused(HEAD TAIL "member " SHA " 1 ../x\n", MK_ERR_FORMAT, 6);
	parse_refused(HEAD TAIL "member " SHA " 1 a b\n", MK_ERR_FORMAT, 6);
	parse_refused(HEAD TAIL "member " SHA " 01 a\n", MK_ERR_FORMAT, 6);
	parse_refused(HEAD TAIL "member " SHA " 1 a\nmember " SHA " 1 a\n",
	    MK_ERR_FORMAT, 7);
	parse_refused(HEAD TAIL "member 11 1 a\n", MK_ERR_FORMAT, 6);
	parse_refused(HEAD TAIL "bogus line\n", MK_ERR_FORMAT, 6);
	parse_refused(HEAD TAIL "no newline", MK_ERR_FORMAT, 6);
	/* No exporter, approver or head: incomplete. */
	parse_refused(HEAD, MK_ERR_FORMAT, 3);
	assert_false(expman_path_ok("MANIFEST x"));
	assert_false(expman_path_ok("a//b"));
	assert_false(expman_path_ok(".."));
	assert_true(expman_path_ok("repair/1/session.cast"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_members),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_directory_skipped),
		cmocka_unit_test(test_manifest_roundtrip),
		cmocka_unit_test(test_manifest_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
