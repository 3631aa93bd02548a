/*
 * libFuzzer target for the backup manifest parser (kiosk/backup.c), which
 * reads manifest.N from a medium at the restore test and at a restore,
 * before its signature can be checked. Any input is refused or parses;
 * what parses, formatted again, parses to the same manifest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "kiosk/backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
same(const struct backup_manifest *a, const struct backup_manifest *b)
{
	size_t i;

	CHECK(strcmp(a->device_id, b->device_id) == 0);
	CHECK(a->generation == b->generation && a->created == b->created);
	CHECK(a->key_epoch == b->key_epoch && a->log_seq == b->log_seq);
	CHECK(strcmp(a->log_mac, b->log_mac) == 0);
	CHECK(a->n == b->n);
	for (i = 0; i < a->n; i++) {
		CHECK(strcmp(a->f[i].path, b->f[i].path) == 0);
		CHECK(memcmp(a->f[i].sha, b->f[i].sha, 32) == 0);
		CHECK(a->f[i].size == b->f[i].size);
		CHECK(backup_path_ok(a->f[i].path));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_manifest m, m2;
	struct mkbuf *out;
	size_t line;

	if (backup_manifest_parse((const char *)data, size, &m, &line) != 0) {
		backup_manifest_free(&m);
		return 0;
	}
	CHECK((out = mkbuf_new(size + 4096)) != NULL);
	CHECK(backup_manifest_format(&m, out) == 0);
	CHECK(backup_manifest_parse((const char *)mkbuf_ptr(out),
	    mkbuf_len(out), &m2, &line) == 0);
	same(&m, &m2);
	backup_manifest_free(&m);
	backup_manifest_free(&m2);
	mkbuf_free(out);
	return 0;
}
