/*
 * common/conf: defaults, a full valid file, and every error naming the file
 * and the line at fault.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/conf.h"
#include "common/err.h"

/* Writes n bytes to a new temporary file; the caller unlinks path. */
static void
write_temp(const char *text, size_t n, char path[64])
{
	int fd;

	snprintf(path, 64, "/tmp/test_conf-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

/* Loads text over the defaults; returns the result, error in err. */
static int
load_text(const char *text, size_t n, struct mkconf *c, char *err,
    size_t errlen, char path[64])
{
	int r;

	write_temp(text, n, path);
	mkconf_defaults(c);
	memset(err, 0, errlen);
	r = mkconf_load(path, c, err, errlen);
	unlink(path);
	return r;
}

static void
assert_defaults(const struct mkconf *c)
{
	assert_string_equal(c->state, "/var/lib/matkiosk");
	assert_string_equal(c->socket, "/run/matkiosk/matkioskd.sock");
	assert_string_equal(c->work, "/run/matkiosk/work");
	assert_string_equal(c->usb_rules, "/etc/matkiosk/usb.rules");
	assert_string_equal(c->client_group, "matkiosk");
}

static void
test_policy(void **state)
{
	static const char text[] = "[policy]\npassword_min_length = 12\n"
	    "password_max_age_days = 30\npassword_history = 0\n"
	    "max_failed_logins = 3\nlockout_minutes = 30\n"
	    "idle_lock_minutes = 10\n";
	char path[64], err[512];
	struct mkconf c;

	(void)state;
	mkconf_defaults(&c);
	assert_int_equal(c.password_min_length, 8);
	assert_int_equal(c.idle_lock_minutes, 5);
	assert_true(c.max_failed_logins >= 1 && c.max_failed_logins <= 10);
	assert_int_equal(load_text(text, strlen(text), &c, err, sizeof(err),
	    path), 0);
	assert_int_equal(c.password_min_length, 12);
	assert_int_equal(c.password_max_age_days, 30);
	assert_int_equal(c.password_history, 0);
	assert_int_equal(c.max_failed_logins, 3);
	assert_int_equal(c.lockout_minutes, 30);
	assert_int_equal(c.idle_lock_minutes, 10);
}

/* [console] language: the console's language, Vietnamese by default. */
static void
test_console_language(void **state)
{
	static const char en[] = "[console]\nlanguage = en\n";
	static const char fr[] = "[console]\nlanguage = fr\n";
	char path[64], err[512];
	struct mkconf c;

	(void)state;
	mkconf_defaults(&c);
	assert_string_equal(c.language, "vi");
	assert_int_equal(load_text(en, strlen(en), &c, err, sizeof(err),
	    path), 0);
	assert_string_equal(c.language, "en");
	assert_int_equal(load_text(fr, strlen(fr), &c, err, sizeof(err),
	    path), MK_ERR_CONFIG);
	assert_non_null(strstr(err, ":2:"));
}

static void
test_defaults(void **state)
{
	struct mkconf c;

	(void)state;
	memset(&c, 'x', sizeof(c));
	mkconf_defaults(&c);
	assert_defaults(&c);
	assert_string_equal(c.path, "");
}

static void
test_full_file(void **state)
{
	static const char text[] =
	    "# matkiosk configuration\n"
	    "; another comment style\n"
	    "\n"
	    "[paths]\n"
	    "state = /srv/mk/state   # inline comment\n"
	    "  socket=/run/mk/sock\t; inline comment\n"
	    "\n"
	    "work\t=\t/run/mk/work#1\n"
	    "usb_rules = /etc/mk/usb.rules\r\n"
	    "   \n"
	    "[ daemon ]   # section comment\n"
	    "client_group = mk-users\n"
	    "[paths]";
	char path[64], err[512];
	struct mkconf c;

	(void)state;
	assert_int_equal(load_text(text, strlen(text), &c, err, sizeof(err),
	    path), 0);
	assert_string_equal(c.path, path);
	assert_string_equal(c.state, "/srv/mk/state");
	assert_string_equal(c.socket, "/run/mk/sock");
	/* A '#' not after white space is part of the value. */
	assert_string_equal(c.work, "/run/mk/work#1");
	assert_string_equal(c.usb_rules, "/etc/mk/usb.rules");
	assert_string_equal(c.client_group, "mk-users");
}

/* Keys not in the file keep their defaults; an empty file is valid. */
static void
test_partial_and_empty(void **state)
{
	static const char text[] = "[daemon]\nclient_group = kiosk\n";
	char path[64], err[512];
	struct mkconf c;

	(void)state;
	assert_int_equal(load_text(text, strlen(text), &c, err, sizeof(err),
	    path), 0);
	assert_string_equal(c.client_group, "kiosk");
	assert_string_equal(c.state, "/var/lib/matkiosk");
	assert_string_equal(c.usb_rules, "/etc/matkiosk/usb.rules");

	assert_int_equal(load_text("", 0, &c, err, sizeof(err), path), 0);
	assert_defaults(&c);
	assert_string_equal(c.path, path);
}

struct bad_case {
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	unsigned	 line;
	const char	*what;		/* expected in the message */
};

static void
check_bad(const struct bad_case *bc)
{
	char path[64], err[512], prefix[96];
	struct mkconf c;
	size_t len = bc->len != 0 ? bc->len : strlen(bc->text);

	assert_int_equal(load_text(bc->text, len, &c, err, sizeof(err), path),
	    MK_ERR_CONFIG);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, bc->line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, bc->what) == NULL)
		fail_msg("config %u: got \"%s\", want \"%s...%s\"", bc->line,
		    err, prefix, bc->what);
}

static void
test_errors_name_file_and_line(void **state)
{
	static char longline[1200], longcomment[1200];
	static char nul_text[] = "[paths]\nstate = /var\0/lib\n";
	const struct bad_case cases[] = {
		{ "[paths]\nstate = /a\n\n[nosuch]\n", 0, 4,
		    "unknown section" },
		{ "[paths\n", 0, 1, "section" },
		{ "[paths] x\n", 0, 1, "section" },
		{ "# c\n[paths]\nstat = /a\n", 0, 3, "unknown key" },
		{ "[daemon]\nstate = /a\n", 0, 2, "unknown key" },
		{ "# c\n\nstate = /a\n", 0, 3, "outside" },
		{ "[paths]\nstate = /a\nsocket = /b\nstate = /c\n", 0, 4,
		    "twice" },
		{ "[paths]\nstate /a\n", 0, 2, "key = value" },
		{ "[paths]\nstate = var/lib\n", 0, 2, "bad value" },
		{ "[paths]\n\nwork = ./work\n", 0, 3, "bad value" },
		{ "[paths]\nstate = \n", 0, 2, "bad value" },
		{ "[paths]\nstate = /var/../etc\n", 0, 2, "bad value" },
		{ "[paths]\nstate = /var/\x1b[2Jlib\n", 0, 2, "bad value" },
		{ "[paths]\nstate = /var/\x7flib\n", 0, 2, "bad value" },
		{ "[paths]\nstate = /var/\xc2\x9blib\n", 0, 2, "bad value" },
		{ "[paths]\nstate = /var/\xe2\x80\xaelib\n", 0, 2,
		    "bad value" },
		{ "[paths]\nstate = /var/\xc0\xaflib\n", 0, 2, "bad value" },
		{ "[paths]\nstate = /a\rb\n", 0, 2, "bad value" },
		{ "[daemon]\nclient_group = Admins\n", 0, 2, "bad value" },
		{ "[daemon]\nclient_group = ../x\n", 0, 2, "bad value" },
		{ nul_text, sizeof(nul_text) - 1, 2, "NUL" },
		{ longline, 0, 2, "too long" },
		/* [policy]: each setting outside what Article 8 allows is
		 * refused by name. */
		{ "[policy]\nidle_lock_minutes = 11\n", 0, 2,
		    "idle_lock_minutes must be a whole number from 1 to 10" },
		{ "[policy]\nidle_lock_minutes = 0\n", 0, 2,
		    "idle_lock_minutes must be" },
		{ "[policy]\npassword_min_length = 7\n", 0, 2,
		    "password_min_length must be a whole number from 8" },
		{ "[policy]\npassword_max_age_days = 0\n", 0, 2,
		    "password_max_age_days must be" },
		{ "[policy]\npassword_history = 25\n", 0, 2,
		    "password_history must be" },
		{ "[policy]\nmax_failed_logins = 0\n", 0, 2,
		    "max_failed_logins must be" },
		{ "[policy]\nmax_failed_logins = 11\n", 0, 2,
		    "max_failed_logins must be" },
		{ "[policy]\nlockout_minutes = -5\n", 0, 2,
		    "lockout_minutes must be" },
		{ "[policy]\nlockout_minutes = 5m\n", 0, 2,
		    "lockout_minutes must be" },
		{ "[policy]\nlockout_minutes = 99999999999999999999\n", 0, 2,
		    "lockout_minutes must be" },
		{ "[policy]\nlockout_minutes = 5\nlockout_minutes = 6\n", 0,
		    3, "twice" },
		{ "[policy]\nidle_lock = 5\n", 0, 2, "unknown key" },
	};
	size_t i;

	(void)state;
	memcpy(longline, "[paths]\nstate = /", 17);
	memset(longline + 17, 'a', 1100);
	memcpy(longline + 1117, "\n", 2);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad(&cases[i]);

	/* The limit is 1024 bytes a line: a comment that long is fine, one
	 * byte more is not. */
	longcomment[0] = '#';
	memset(longcomment + 1, 'c', 1023);
	memcpy(longcomment + 1024, "\n[paths]\n", 10);
	{
		char path[64], err[512];
		struct mkconf c;
		struct bad_case over = { longcomment, 0, 1, "too long" };

		assert_int_equal(load_text(longcomment, strlen(longcomment),
		    &c, err, sizeof(err), path), 0);
		memmove(longcomment + 1, longcomment, strlen(longcomment) + 1);
		check_bad(&over);
	}
}

/* check_abs_path refuses "/../" inside a path; a ".." as the last
 * component climbs out just the same ("/var/lib/matkiosk/.." is /var/lib). */
static void
test_dotdot_last_component(void **state)
{
	const struct bad_case cases[] = {
		{ "[paths]\nstate = /var/lib/matkiosk/..\n", 0, 2,
		    "bad value" },
		{ "[paths]\nwork = /run/matkiosk/work/..\n", 0, 2,
		    "bad value" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad(&cases[i]);
}

/* An error message cut to a small buffer stays terminated. */
static void
test_error_small_buffer(void **state)
{
	static const char text[] = "[paths]\nbogus = 1\n";
	char path[64], err[8];
	struct mkconf c;

	(void)state;
	assert_int_equal(load_text(text, strlen(text), &c, err, sizeof(err),
	    path), MK_ERR_CONFIG);
	/* Cut to fit, but terminated. */
	assert_true(strlen(err) < sizeof(err));
	assert_memory_equal(err, path, strlen(err));
}

static void
test_missing_file(void **state)
{
	char dir[] = "/tmp/test_conf-XXXXXX", path[96], err[512];
	struct mkconf c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	mkconf_defaults(&c);
	assert_int_equal(mkconf_load(path, &c, err, sizeof(err)),
	    MK_ERR_CONFIG);
	assert_non_null(strstr(err, path));
	assert_defaults(&c);
	/* A directory is not a configuration file either. */
	assert_int_equal(mkconf_load(dir, &c, err, sizeof(err)),
	    MK_ERR_CONFIG);
	assert_non_null(strstr(err, dir));
	assert_int_equal(rmdir(dir), 0);
}

static void
test_null_path_without_default(void **state)
{
	char err[512];
	struct mkconf c;

	(void)state;
	if (access(MKCONF_DEFAULT_PATH, F_OK) == 0 || errno != ENOENT) {
		skip();
		return;
	}
	mkconf_defaults(&c);
	err[0] = '\0';
	assert_int_equal(mkconf_load(NULL, &c, err, sizeof(err)), 0);
	assert_defaults(&c);
	assert_string_equal(c.path, "");
	assert_string_equal(err, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_console_language),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_partial_and_empty),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_dotdot_last_component),
		cmocka_unit_test(test_error_small_buffer),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_null_path_without_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
