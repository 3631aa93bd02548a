#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "fsutil.h"
#include "text.h"

#define CONF_FILE_MAX	65536
#define CONF_LINE_MAX	1024

struct conf_key {
	const char	*section;
	const char	*key;
	size_t		 off;
	size_t		 size;
	int		 (*check)(const char *value);
};

/* Absolute, with no "." or ".." component: what a reader sees is where
 * the path leads. */
static int
check_abs_path(const char *v)
{
	size_t n = strlen(v);

	if (v[0] != '/' || !mktext_is_clean(v, n))
		return 0;
	if (strstr(v, "/../") != NULL || strstr(v, "/./") != NULL)
		return 0;
	if ((n >= 3 && strcmp(v + n - 3, "/..") == 0) ||
	    (n >= 2 && strcmp(v + n - 2, "/.") == 0))
		return 0;
	return 1;
}

static int
check_name(const char *v)
{
	return mktext_valid_name(v);
}

static int
check_language(const char *v)
{
	return strcmp(v, "vi") == 0 || strcmp(v, "en") == 0;
}

#define KEY(sec, k, field, chk) \
	{ sec, k, offsetof(struct mkconf, field), \
	  sizeof(((struct mkconf *)0)->field), chk }

static int
check_yesno(const char *v)
{
	return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0;
}

/* Comma-separated role names; kiosk/printpol.c parses them. */
static int
check_roles(const char *v)
{
	return v[0] != '\0' && strspn(v, "abcdefghijklmnopqrstuvwxyz-,") ==
	    strlen(v);
}

static const struct conf_key keys[] = {
	KEY("paths", "state", state, check_abs_path),
	KEY("paths", "socket", socket, check_abs_path),
	KEY("paths", "work", work, check_abs_path),
	KEY("paths", "usb_rules", usb_rules, check_abs_path),
	KEY("daemon", "client_group", client_group, check_name),
	KEY("console", "language", language, check_language),
	KEY("print", "cups_server", print.cups_server, check_abs_path),
	KEY("print", "allow_file_device", print.allow_file_device,
	    check_yesno),
	KEY("print", "mat_roles", print.roles[0], check_roles),
	KEY("print", "toi_mat_roles", print.roles[1], check_roles),
	KEY("print", "tuyet_mat_roles", print.roles[2], check_roles),
	KEY("print", "mat_approval", print.approval[0], check_yesno),
	KEY("print", "toi_mat_approval", print.approval[1], check_yesno),
	KEY("print", "tuyet_mat_approval", print.approval[2], check_yesno),
	KEY("print", "mat_unmarked", print.unmarked[0], check_yesno),
	KEY("print", "toi_mat_unmarked", print.unmarked[1], check_yesno),
	KEY("print", "tuyet_mat_unmarked", print.unmarked[2], check_yesno),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Numbers, with the range the regulation allows and the rule behind it. */
struct conf_int {
	const char	*section;
	const char	*key;
	size_t		 off;
	unsigned	 min, max;
	const char	*why;
};

#define INT(sec, k, field, lo, hi, why) \
	{ sec, k, offsetof(struct mkconf, field), lo, hi, why }

static const struct conf_int ints[] = {
	INT("policy", "password_min_length", password_min_length, 8, 128,
	    "Article 8.9 asks for at least 8 characters"),
	INT("policy", "password_max_age_days", password_max_age_days, 1, 365,
	    "Article 8.9 asks that passwords expire"),
	INT("policy", "password_history", password_history, 0, 24,
	    "at most 24 past passwords are kept"),
	INT("policy", "max_failed_logins", max_failed_logins, 1, 10,
	    "Article 8.5 asks that failed logins be limited"),
	INT("policy", "lockout_minutes", lockout_minutes, 1, 1440,
	    "Article 8.5 asks for a temporary lock"),
	INT("policy", "idle_lock_minutes", idle_lock_minutes, 1, 10,
	    "Article 8.7 asks for a screen lock after at most 10 minutes"),
	INT("backup", "interval_days", backup_interval_days, 1, 365,
	    "Article 10 asks for regular backups"),
	INT("repair", "limit_minutes", repair_limit_minutes, 1, 480,
	    "a repair session is time-limited (Article 13.3)"),
	INT("repair", "test_limit_seconds", repair_test_limit_seconds, 0, 3600,
	    "a test-only limit in seconds"),
};
#define NINTS (sizeof(ints) / sizeof(ints[0]))

void
mkconf_defaults(struct mkconf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->state, sizeof(c->state), "/var/lib/matkiosk");
	snprintf(c->socket, sizeof(c->socket), "/run/matkiosk/matkioskd.sock");
	snprintf(c->work, sizeof(c->work), "/run/matkiosk/work");
	snprintf(c->usb_rules, sizeof(c->usb_rules), "/etc/matkiosk/usb.rules");
	snprintf(c->client_group, sizeof(c->client_group), "matkiosk");
	snprintf(c->language, sizeof(c->language), "vi");
	c->password_min_length = 8;
	c->password_max_age_days = 90;
	c->password_history = 5;
	c->max_failed_logins = 5;
	c->lockout_minutes = 15;
	c->idle_lock_minutes = 5;
	c->backup_interval_days = 7;
	snprintf(c->print.cups_server, sizeof(c->print.cups_server),
	    "/run/cups/cups.sock");
	snprintf(c->print.allow_file_device,
	    sizeof(c->print.allow_file_device), "no");
	/* Article 13.2 and the national rules: every print of Tối mật and
	 * Tuyệt mật needs a supervisor's approval. */
	snprintf(c->print.roles[0], sizeof(c->print.roles[0]),
	    "drafter,supervisor");
	snprintf(c->print.roles[1], sizeof(c->print.roles[1]),
	    "drafter,supervisor");
	snprintf(c->print.roles[2], sizeof(c->print.roles[2]),
	    "drafter,supervisor");
	snprintf(c->print.approval[0], sizeof(c->print.approval[0]), "no");
	snprintf(c->print.approval[1], sizeof(c->print.approval[1]), "yes");
	snprintf(c->print.approval[2], sizeof(c->print.approval[2]), "yes");
	snprintf(c->print.unmarked[0], sizeof(c->print.unmarked[0]), "no");
	snprintf(c->print.unmarked[1], sizeof(c->print.unmarked[1]), "no");
	snprintf(c->print.unmarked[2], sizeof(c->print.unmarked[2]), "no");
	c->repair_limit_minutes = 120;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Cuts a comment that starts after white space (a '#' inside a value such
 * as a path is kept). */
static void
cut_comment(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++) {
		if ((*p == '#' || *p == ';') && (p == s || p[-1] == ' ' ||
		    p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

struct parse_state {
	const char	*file;
	struct mkconf	*conf;
	char		 section[64];
	unsigned char	 seen[NKEYS + NINTS];
	char		*err;
	size_t		 errlen;
};

static int
fail(struct parse_state *ps, size_t line, const char *fmt, const char *arg)
{
	char what[512];

	snprintf(what, sizeof(what), fmt, arg);
	if (snprintf(ps->err, ps->errlen, "%s:%zu: %s", ps->file, line,
	    what) < 0 && ps->errlen > 0)
		ps->err[0] = '\0';
	return MK_ERR_CONFIG;
}

static int
set_int(struct parse_state *ps, size_t line, const char *key,
    const char *value)
{
	const struct conf_int *k;
	unsigned long v;
	char *end, what[300];
	size_t i;

	for (i = 0; i < NINTS; i++)
		if (strcmp(ints[i].section, ps->section) == 0 &&
		    strcmp(ints[i].key, key) == 0)
			break;
	if (i == NINTS)
		return fail(ps, line, "unknown key '%s'", key);
	k = &ints[i];
	if (ps->seen[NKEYS + i]++)
		return fail(ps, line, "key '%s' given twice", key);
	errno = 0;
	v = strtoul(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
	    v < k->min || v > k->max) {
		snprintf(what, sizeof(what), "%s must be a whole number from "
		    "%u to %u (%s)", key, k->min, k->max, k->why);
		return fail(ps, line, "%s", what);
	}
	*(unsigned *)(void *)((char *)ps->conf + k->off) = (unsigned)v;
	return 0;
}

static int
set_key(struct parse_state *ps, size_t line, char *key, char *value)
{
	const struct conf_key *k;
	size_t i;

	for (i = 0; i < NINTS; i++)
		if (strcmp(ints[i].section, ps->section) == 0)
			return set_int(ps, line, key, value);
	for (i = 0; i < NKEYS; i++) {
		k = &keys[i];
		if (strcmp(k->section, ps->section) == 0 &&
		    strcmp(k->key, key) == 0)
			break;
	}
	if (i == NKEYS)
		return fail(ps, line, "unknown key '%s'", key);
	if (ps->seen[i]++)
		return fail(ps, line, "key '%s' given twice", key);
	if (strlen(value) >= k->size || !k->check(value))
		return fail(ps, line, "bad value for '%s'", key);
	memcpy((char *)ps->conf + k->off, value, strlen(value) + 1);
	return 0;
}

static int
section_known(const char *s)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, s) == 0)
			return 1;
	for (i = 0; i < NINTS; i++)
		if (strcmp(ints[i].section, s) == 0)
			return 1;
	return 0;
}

static int
parse_line(struct parse_state *ps, size_t line, char *s)
{
	char *eq, *end;

	cut_comment(s);
	s = trim(s);
	if (*s == '\0')
		return 0;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != '\0')
			return fail(ps, line, "malformed section%s", "");
		*end = '\0';
		s = trim(s + 1);
		if (!section_known(s) || strlen(s) >= sizeof(ps->section))
			return fail(ps, line, "unknown section [%s]", s);
		snprintf(ps->section, sizeof(ps->section), "%s", s);
		return 0;
	}
	if ((eq = strchr(s, '=')) == NULL)
		return fail(ps, line, "expected 'key = value'%s", "");
	if (ps->section[0] == '\0')
		return fail(ps, line, "key outside a section%s", "");
	*eq = '\0';
	return set_key(ps, line, trim(s), trim(eq + 1));
}

static int
parse(struct parse_state *ps, const char *text, size_t len)
{
	char line[CONF_LINE_MAX + 1];
	size_t i = 0, n, lineno = 0;
	const char *nl;
	int r;

	while (i < len) {
		lineno++;
		nl = memchr(text + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
		if (n > CONF_LINE_MAX)
			return fail(ps, lineno, "line too long%s", "");
		memcpy(line, text + i, n);
		line[n] = '\0';
		if (memchr(line, '\0', n) != NULL)
			return fail(ps, lineno, "NUL byte in line%s", "");
		if ((r = parse_line(ps, lineno, line)) != 0)
			return r;
		i += n + 1;
	}
	return 0;
}

int
mkconf_load(const char *path, struct mkconf *c, char *err, size_t errlen)
{
	struct parse_state ps;
	struct mkbuf *b = NULL;
	const char *file = path != NULL ? path : MKCONF_DEFAULT_PATH;
	int r;

	memset(&ps, 0, sizeof(ps));
	ps.file = file;
	ps.conf = c;
	ps.err = err;
	ps.errlen = errlen;
	if ((r = mkfs_read_file(file, CONF_FILE_MAX, &b)) != 0) {
		if (path == NULL && r == MK_ERR_NOT_FOUND)
			return 0;
		snprintf(err, errlen, "%s: cannot read: %s", file,
		    r == MK_ERR_NOT_FOUND ? "no such file" : mkerr_str(r));
		return MK_ERR_CONFIG;
	}
	if (snprintf(c->path, sizeof(c->path), "%s", file) >=
	    (int)sizeof(c->path))
		r = fail(&ps, 0, "path too long%s", "");
	else
		r = parse(&ps, (const char *)mkbuf_ptr(b), mkbuf_len(b));
	mkbuf_free(b);
	return r;
}
