/*
 * The incident register: open, handle, close (forward only, notes kept),
 * save and load, and a damaged register file refused rather than misread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "crypto/logrec.h"
#include "kiosk/incident.h"

static char path[64];

static int
setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/mk-inc.XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	close(fd);
	return unlink(path);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void
test_life(void **state)
{
	struct incidents *r;
	const struct incident *inc;
	uint32_t a, b;

	(void)state;
	assert_int_equal(incidents_load(path, &r), 0);	/* none yet */
	assert_int_equal(incidents_count(r), 0);
	assert_int_equal(incidents_open(r, LOG_SEV_KHAN_CAP,
	    "airgap.violation", "system", "network link eth0 is up", 100, &a),
	    0);
	assert_int_equal(incidents_open(r, LOG_SEV_THAP, "user.report",
	    "nguyenvana", "Màn hình lạ", 200, &b), 0);
	assert_int_equal(b, a + 1);
	assert_int_equal(incidents_open_count(r), 2);
	assert_int_equal(incidents_update(r, a, INC_HANDLED, "giamdoc",
	    "đã rút cáp", 300), 0);
	assert_int_equal(incidents_update(r, a, INC_CLOSED, "giamdoc",
	    "xong", 400), 0);
	/* Forward only. */
	assert_int_equal(incidents_update(r, a, INC_OPEN, "x", "again", 500),
	    MK_ERR_ARGUMENT);
	assert_int_equal(incidents_update(r, 99, INC_CLOSED, "x", "y", 500),
	    MK_ERR_NOT_FOUND);
	/* Hostile text is refused, not stored. */
	assert_int_equal(incidents_update(r, b, INC_HANDLED, "x",
	    "\x1b[2J", 500), MK_ERR_ARGUMENT);
	assert_int_equal(incidents_open_count(r), 1);
	assert_int_equal(incidents_save(r, path), 0);
	incidents_free(r);

	assert_int_equal(incidents_load(path, &r), 0);
	assert_int_equal(incidents_count(r), 2);
	assert_non_null(inc = incidents_find(r, a));
	assert_int_equal(inc->state, INC_CLOSED);
	assert_int_equal(inc->level, LOG_SEV_KHAN_CAP);
	assert_string_equal(inc->notes, "giamdoc: đã rút cáp | giamdoc: xong");
	assert_int_equal(inc->updated, 400);
	assert_non_null(inc = incidents_find(r, b));
	assert_string_equal(inc->summary, "Màn hình lạ");
	incidents_free(r);
}

static void
test_damaged(void **state)
{
	struct incidents *r;
	uint32_t id;
	FILE *f;
	long size;

	(void)state;
	assert_int_equal(incidents_load(path, &r), 0);
	assert_int_equal(incidents_open(r, LOG_SEV_CAO, "doc.view.failed",
	    "a", "altered", 1, &id), 0);
	assert_int_equal(incidents_save(r, path), 0);
	incidents_free(r);
	assert_non_null(f = fopen(path, "r+"));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	/* A level byte out of range. */
	fseek(f, 8 + 2 + 4 + 4, SEEK_SET);
	fputc(9, f);
	fclose(f);
	assert_int_equal(incidents_load(path, &r), MK_ERR_FORMAT);
	assert_null(r);
	/* Cut short. */
	assert_int_equal(truncate(path, size - 3), 0);
	assert_int_not_equal(incidents_load(path, &r), 0);
	assert_null(r);
	assert_int_equal(incident_level_parse("khan-cap"), LOG_SEV_KHAN_CAP);
	assert_int_equal(incident_level_parse("urgent"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
