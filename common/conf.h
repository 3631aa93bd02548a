/*
 * The INI configuration (DESIGN.md, "Configuration"): sections of
 * "key = value" lines, '#' or ';' comments (also after a value, when
 * preceded by white space). An unknown section or key, a repeated key or a
 * bad value is an error that names the file and line.
 */
#ifndef MATKIOSK_CONF_H
#define MATKIOSK_CONF_H

#include <stddef.h>

#define MKCONF_DEFAULT_PATH	"/etc/matkiosk/matkiosk.conf"
#define MKCONF_PATH_MAX		1024

struct mkconf {
	char	path[MKCONF_PATH_MAX];		/* the file read, or "" */
	/* [paths] */
	char	state[MKCONF_PATH_MAX];
	char	socket[MKCONF_PATH_MAX];
	char	work[MKCONF_PATH_MAX];
	char	usb_rules[MKCONF_PATH_MAX];
	/* [daemon] */
	char	client_group[64];		/* may connect besides root */
	/* [policy]: the account rules of Article 8 (docs/architecture.md,
	 * "Accounts"); each is checked against what the article allows. */
	unsigned	password_min_length;	/* 8..128, Article 8.9 */
	unsigned	password_max_age_days;	/* 1..365, Article 8.9 */
	unsigned	password_history;	/* 0..24 */
	unsigned	max_failed_logins;	/* 1..10, Article 8.5 */
	unsigned	lockout_minutes;	/* 1..1440, Article 8.5 */
	unsigned	idle_lock_minutes;	/* 1..10, Article 8.7 */
	/* [backup] */
	unsigned	backup_interval_days;	/* 1..365, Article 10 */
	/* [console] */
	char	language[4];			/* "vi" (default) or "en" */
	/* [print]: printing (kiosk/printops.c, docs/architecture.md,
	 * "Printing"). Per classification: the roles that may print, whether
	 * a supervisor's approval is needed ("yes"/"no"), and whether a
	 * document that cannot be marked may be printed unmarked. */
	struct {
		char	cups_server[MKCONF_PATH_MAX];	/* cupsd's socket */
		char	allow_file_device[4];	/* tests only: file: is local */
		char	roles[3][128];		/* mat, toi-mat, tuyet-mat */
		char	approval[3][4];
		char	unmarked[3][4];
	} print;
	/* [repair] (Article 13.3) */
	unsigned	repair_limit_minutes;	/* 1..480 */
	/* Tests only: a limit in seconds instead (0: off); every session
	 * started under it says so in its repair.start record. */
	unsigned	repair_test_limit_seconds;	/* 0..3600 */
};

/* Fills in the fixed defaults of DESIGN.md. */
void mkconf_defaults(struct mkconf *c);
/*
 * Loads path over the defaults. With path NULL, the default path is read if
 * it exists and the defaults kept otherwise. On error, err gets
 * "FILE:LINE: what is wrong" and MK_ERR_CONFIG is returned.
 */
int mkconf_load(const char *path, struct mkconf *c, char *err, size_t errlen);

#endif /* MATKIOSK_CONF_H */
