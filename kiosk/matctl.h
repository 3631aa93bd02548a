/*
 * What the parts of matctl share: its state, the helpers for passwords,
 * replies and output, and the command groups kept in their own files.
 */
#ifndef MATKIOSK_MATCTL_H
#define MATKIOSK_MATCTL_H

#include <stddef.h>

#include "common/conf.h"

#define PASSWORD_MAX	1024

struct mkclient;
struct mkmsg;

struct ctl {
	struct mkconf	 conf;
	const char	*user;
	struct mkclient	*c;
	char		 msg[4200];
};

struct listing {
	int	json;
	int	count;
};

void usage(void) __attribute__((noreturn));
/* Prints "matctl: what: why" (escaped) and returns 1. */
int fail(const char *what, const char *why);
int read_password(const char *prompt, char *buf, size_t len);
/* A new password, twice on a terminal. */
int ask_new_password(const char *who, char *pw, size_t len);
int connect_daemon(struct ctl *ctl);
/* Connects and logs in as -u NAME (password from the terminal or stdin). */
int login(struct ctl *ctl);
/* Reads replies until OK, handing each ENTRY to fn; ERR -> message, 1. */
typedef int (*entry_fn)(struct ctl *ctl, const struct mkmsg *m, void *arg);
int collect(struct ctl *ctl, entry_fn fn, void *arg, const char *what);
void json_str(const char *s);
void text_out(const char *s);
/* 1 for a lone "--json" argument, 0 for none; usage() otherwise. */
int has_json(int argc, char **argv);

/* kiosk/matctl_acct.c */
int cmd_passwd(struct ctl *ctl, int argc, char **argv);
int cmd_account(struct ctl *ctl, int argc, char **argv);
int cmd_key(struct ctl *ctl, int argc, char **argv);
int cmd_approve(struct ctl *ctl, int argc, char **argv);
int cmd_approval(struct ctl *ctl, int argc, char **argv);

/* kiosk/matctl_backup.c */
int cmd_backup(struct ctl *ctl, int argc, char **argv);
int cmd_restore(struct ctl *ctl, int argc, char **argv);
int cmd_media(struct ctl *ctl, int argc, char **argv);
int cmd_decommission(struct ctl *ctl, int argc, char **argv);

/* kiosk/matctl_export.c */
int cmd_export(struct ctl *ctl, int argc, char **argv);
int cmd_log_head(struct ctl *ctl, int argc, char **argv);
int cmd_report(struct ctl *ctl, int argc, char **argv);
int cmd_selfcheck(struct ctl *ctl, int argc, char **argv);
/* kiosk/matctl_print.c */
int cmd_print(struct ctl *ctl, int argc, char **argv);
int cmd_register(struct ctl *ctl, int argc, char **argv);
/* Media import, copy-out, signatures, workstations (matctl_media.c). */
int cmd_media_io(struct ctl *ctl, int argc, char **argv);
int cmd_copy_out(struct ctl *ctl, int argc, char **argv);
int cmd_av(struct ctl *ctl, int argc, char **argv);
int cmd_workstation(struct ctl *ctl, int argc, char **argv);
/* kiosk/matctl_repair.c */
int cmd_repair(struct ctl *ctl, int argc, char **argv);

#endif /* MATKIOSK_MATCTL_H */
