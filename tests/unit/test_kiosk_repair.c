/*
 * kiosk/repair: the recorder writes the file as a chain of parts, and
 * repair_verify finds any change to the file against the parts as they
 * were logged: a byte changed, a part cut off, bytes appended, a part
 * dropped from the log, the parts of another session.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/cast.h"
#include "common/err.h"
#include "crypto/cry.h"
#include "kiosk/repair.h"

#define NPARTS	4

static char dir[] = "/tmp/mk-repair-ut.XXXXXX";
static char path[128];
static struct repair_part parts[NPARTS];

static int
setup(void **state)
{
	struct recorder *rec;
	char line[5000];
	int i;

	(void)state;
	if (cry_init(0, 0) != 0 || mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/1.cast", dir);
	if (recorder_open(path, 1, 80, 24, 1700000000, "t", &rec) != 0)
		return -1;
	memset(line, 'x', sizeof(line));
	for (i = 0; i < NPARTS; i++) {
		if (recorder_add(rec, (uint64_t)i * 1000, 'o', line,
		    100 + (size_t)i * 1000) != 0 ||
		    recorder_flush(rec, &parts[i]) != 1)
			return -1;
	}
	recorder_free(rec);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static int
check(uint32_t id, struct repair_part *p, size_t n, char *why, size_t len)
{
	int fd = open(path, O_RDONLY), r;

	assert_true(fd >= 0);
	r = repair_verify(fd, id, p, n, NULL, NULL, why, len);
	close(fd);
	return r;
}

static void
patch(off_t off, char c)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static void
test_intact(void **state)
{
	struct repair_part p[NPARTS];
	char why[300];

	(void)state;
	memcpy(p, parts, sizeof(p));
	/* Order in the log does not matter. */
	p[0] = parts[2];
	p[2] = parts[0];
	assert_int_equal(check(1, p, NPARTS, why, sizeof(why)), 0);
	assert_int_equal(parts[1].offset, parts[0].len);
	assert_memory_equal(parts[1].prev, parts[0].hash, REPAIR_HASH_LEN);
}

static void
test_byte_changed(void **state)
{
	struct repair_part p[NPARTS];
	char why[300], c;
	int fd = open(path, O_RDONLY);
	off_t off = (off_t)(parts[2].offset + 10);

	(void)state;
	assert_int_equal(pread(fd, &c, 1, off), 1);
	close(fd);
	patch(off, (char)(c ^ 1));
	memcpy(p, parts, sizeof(p));
	assert_int_equal(check(1, p, NPARTS, why, sizeof(why)),
	    MK_ERR_RECORDING);
	assert_non_null(strstr(why, "part 2 "));
	patch(off, c);
	assert_int_equal(check(1, p, NPARTS, why, sizeof(why)), 0);
}

static void
test_appended_and_cut(void **state)
{
	struct repair_part p[NPARTS];
	uint64_t end = parts[NPARTS - 1].offset + parts[NPARTS - 1].len;
	char why[300];

	(void)state;
	memcpy(p, parts, sizeof(p));
	assert_int_equal(truncate(path, (off_t)end + 5), 0);
	assert_int_equal(check(1, p, NPARTS, why, sizeof(why)),
	    MK_ERR_RECORDING);
	assert_non_null(strstr(why, "file holds"));
	assert_int_equal(truncate(path, (off_t)end - 5), 0);
	assert_int_equal(check(1, p, NPARTS, why, sizeof(why)),
	    MK_ERR_RECORDING);
	assert_non_null(strstr(why, "missing"));
	assert_int_equal(truncate(path, (off_t)end), 0);
}

static void
test_log_incomplete(void **state)
{
	struct repair_part p[NPARTS];
	char why[300];

	(void)state;
	memcpy(p, parts, sizeof(p));
	/* A part missing from the log (the file then holds more). */
	p[1] = parts[3];
	assert_int_equal(check(1, p, NPARTS - 1, why, sizeof(why)),
	    MK_ERR_RECORDING);
	/* The parts of session 1 do not vouch for it as session 2. */
	memcpy(p, parts, sizeof(p));
	assert_int_equal(check(2, p, NPARTS, why, sizeof(why)),
	    MK_ERR_RECORDING);
	assert_int_equal(check(1, p, 0, why, sizeof(why)), MK_ERR_RECORDING);
}

static void
test_genesis_vector(void **state)
{
	uint8_t g[REPAIR_HASH_LEN], want[REPAIR_HASH_LEN];

	(void)state;
	assert_int_equal(mk_unhex("0d9bbc9db863263c40c12c308884a5af124762cf"
	    "0a907ba1a9962c2537107f54", want, sizeof(want)), 0);
	repair_genesis(1, g);
	assert_memory_equal(g, want, sizeof(g));
	assert_memory_equal(parts[0].prev, want, sizeof(g));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_genesis_vector),
		cmocka_unit_test(test_intact),
		cmocka_unit_test(test_byte_changed),
		cmocka_unit_test(test_appended_and_cut),
		cmocka_unit_test(test_log_incomplete),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
