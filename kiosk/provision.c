/*
 * Provisioning a new machine (matctl init, or the console's first-start
 * wizard): the vault master key granted to the first supervisor and to the
 * recovery code (kiosk/keys.h), the device's Ed25519 key, and the audit
 * log with its first
 * key K_0, which leaves the machine only on the sealing certificate.
 * The machine file is written last: until it exists the machine is not
 * provisioned, and an interrupted provisioning is simply done again.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/keyslot.h"
#include "crypto/sign.h"
#include "daemon.h"
#include "handlers.h"
#include "keys.h"
#include "passwd.h"
#include "usbguardd.h"
#include "vault.h"

#define RECOVERY_LABEL	KEYS_RECOVERY_LABEL
#define RECOVERY_BYTES	20
#define RECOVERY_CHARS	32	/* base32 of 20 bytes */
#define RECOVERY_TEXT	(RECOVERY_CHARS + RECOVERY_CHARS / 4)
#define CERT_MAX	4096
#define PASSWORD_MAX	1024

struct provision {
	char		 user[ACCOUNT_NAME_MAX + 1];
	char		 full_name[ACCOUNT_FULLNAME_MAX + 1];
	char		*pw;		/* secure memory */
	uint8_t		*mk;		/* secure memory */
	uint8_t		*k0;		/* secure memory */
	char		 recovery[RECOVERY_TEXT + 1];
	char		 device_id[33];
	uint8_t		 user_pk[32];
	uint8_t		 recovery_pk[32];
	struct signkey	*devkey;
	char		 cert[CERT_MAX];
};

/* Base32 (RFC 4648) in groups of four: easy to read out and type. */
static void
make_recovery_code(char *out)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t rnd[RECOVERY_BYTES];
	size_t i, o = 0, bit;

	cry_random_key(rnd, sizeof(rnd));
	for (i = 0; i < RECOVERY_CHARS; i++) {
		bit = i * 5;
		unsigned v = ((unsigned)rnd[bit / 8] << 8 |
		    (bit / 8 + 1 < sizeof(rnd) ? rnd[bit / 8 + 1] : 0));
		out[o++] = alpha[(v >> (11 - bit % 8)) & 0x1f];
		if (i % 4 == 3 && i + 1 < RECOVERY_CHARS)
			out[o++] = '-';
	}
	out[o] = '\0';
	mk_wipe(rnd, sizeof(rnd));
}

/* The secret wrapped in the recovery slot: the code without dashes. */
static void
recovery_secret(const char *code, char *out)
{
	size_t o = 0;

	for (; *code != '\0'; code++)
		if (*code != '-')
			out[o++] = *code;
	out[o] = '\0';
}

static int
remove_dir_files(const char *dir)
{
	char path[STATEDIR_PATH_MAX + 300];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : mkerr_from_errno(errno);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if ((r = mkfs_path(path, sizeof(path), "%s/%s", dir,
		    de->d_name)) != 0)
			break;
		if (unlink(path) != 0) {
			r = mkerr_from_errno(errno);
			break;
		}
	}
	closedir(d);
	return r;
}

/* Clears what an interrupted provisioning left, but never documents. */
static int
clear_leftovers(struct daemon *d, char *why, size_t whylen)
{
	struct dirent *de;
	DIR *dir;
	int r;

	if ((dir = opendir(d->sd.vault)) == NULL)
		return mkerr_from_errno(errno);
	while ((de = readdir(dir)) != NULL) {
		if (strstr(de->d_name, ".mkd") != NULL) {
			closedir(dir);
			if (snprintf(why, whylen, "%s holds documents but "
			    "the machine is not provisioned: refusing to "
			    "provision over them", d->sd.vault) < 0)
				why[0] = '\0';
			return MK_ERR_EXISTS;
		}
	}
	closedir(dir);
	if ((r = remove_dir_files(d->sd.log)) != 0 ||
	    (r = remove_dir_files(d->sd.slots)) != 0 ||
	    (r = remove_dir_files(d->sd.grants)) != 0)
		return r;
	unlink(d->sd.logkey);
	unlink(d->sd.devkey);
	unlink(d->sd.accounts);
	return 0;
}

static int
write_keys(struct daemon *d, struct provision *pv)
{
	char secret[RECOVERY_CHARS + 1];
	uint8_t id[16];
	int r;

	cry_random_key(pv->mk, 32);
	cry_random_key(pv->k0, 32);
	cry_random(id, sizeof(id));
	mk_hex(id, sizeof(id), pv->device_id);
	make_recovery_code(pv->recovery);
	recovery_secret(pv->recovery, secret);
	if ((r = signkey_generate(&pv->devkey)) != 0 ||
	    (r = signkey_save(pv->devkey, d->sd.devkey)) != 0 ||
	    (r = keys_credential_new(&d->sd, pv->user, pv->pw,
	    pv->user_pk)) != 0 ||
	    (r = keys_grant_write(&d->sd, pv->user, pv->user_pk, pv->mk, 1,
	    NULL, 0)) != 0 ||
	    (r = keys_credential_new(&d->sd, RECOVERY_LABEL, secret,
	    pv->recovery_pk)) != 0)
		goto out;
	r = keys_grant_write(&d->sd, RECOVERY_LABEL, pv->recovery_pk, pv->mk,
	    1, NULL, 0);
 out:
	mk_wipe(secret, sizeof(secret));
	return r;
}

static int
write_accounts(struct daemon *d, struct provision *pv)
{
	struct keyslot_params kp;
	uint8_t hash[ACCOUNT_HASH_LEN];
	struct accounts *a;
	struct account acct;
	int r;

	memset(&acct, 0, sizeof(acct));
	snprintf(acct.name, sizeof(acct.name), "%s", pv->user);
	snprintf(acct.full_name, sizeof(acct.full_name), "%s", pv->full_name);
	acct.roles = ROLE_SUPERVISOR | ROLE_IT_OFFICER;
	acct.created = (int64_t)time(NULL);
	acct.pw_set = acct.created;
	memcpy(acct.pk, pv->user_pk, sizeof(acct.pk));
	cry_random(acct.hist_salt, sizeof(acct.hist_salt));
	keyslot_default_params(&kp);
	if ((r = passwd_history_hash(&acct, pv->pw, &kp, hash)) != 0)
		return r;
	passwd_history_push(&acct, d->conf.password_history, hash);
	mk_wipe(hash, sizeof(hash));
	if ((a = accounts_new()) == NULL)
		return MK_ERR_ALLOC;
	if ((r = accounts_add(a, &acct)) == 0)
		r = accounts_save(a, d->sd.accounts);
	accounts_free(a);
	return r;
}

static int
start_log(struct daemon *d, struct provision *pv, struct auditlog **log)
{
	struct logkv init_kv[2] = { { "device-id", pv->device_id },
	    { "software", "matkiosk " MATKIOSK_VERSION } };
	struct logev first = { .severity = LOG_SEV_INFO, .actor = "system",
	    .role = "-", .event = "log.init", .object = pv->device_id,
	    .nfields = 2, .fields = init_kv };
	struct logkv kv[2] = { { "supervisor", pv->user },
	    { "full-name", pv->full_name } };
	struct logev prov = { .severity = LOG_SEV_INFO, .actor = pv->user,
	    .role = "supervisor", .event = "machine.provision",
	    .object = pv->device_id, .nfields = 2, .fields = kv };
	struct logkv akv[1] = { { "roles", "supervisor,it-officer" } };
	struct logev acct = { .severity = LOG_SEV_INFO, .actor = pv->user,
	    .role = "supervisor", .event = "account.create",
	    .object = pv->user, .nfields = 1, .fields = akv };
	int r;

	if ((r = auditlog_create(d->sd.log, d->sd.logkey, pv->k0, pv->devkey,
	    &first, log)) != 0)
		return r;
	if ((r = auditlog_append(*log, &prov, NULL)) != 0 ||
	    (r = auditlog_append(*log, &acct, NULL)) != 0) {
		auditlog_free(*log);
		*log = NULL;
	}
	return r;
}

static int
make_certificate(struct provision *pv, const struct auditlog *log)
{
	uint8_t pub[SIGN_PUBLIC_LEN], mac[LOGREC_MAC_LEN];
	char pubhex[2 * SIGN_PUBLIC_LEN + 1], k0hex[65], machex[17], when[32];
	unsigned long long seq;
	uint64_t s;
	time_t now = time(NULL);
	struct tm tm;
	int n;

	signkey_public(pv->devkey, pub);
	mk_hex(pub, sizeof(pub), pubhex);
	mk_hex(pv->k0, 32, k0hex);
	auditlog_head(log, &s, mac);
	seq = s;
	mk_hex(mac, 8, machex);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(pv->cert, sizeof(pv->cert),
	    "MATKIOSK - GIẤY CHỨNG NHẬN NIÊM PHONG / SEALING CERTIFICATE\n"
	    "Thiết bị soạn thảo, lưu trữ văn bản mật (Quyết định 29/2020/QĐ-UBND)\n"
	    "\n"
	    "device-id: %s\n"
	    "device-public-key: %s\n"
	    "log-verification-key: %s\n"
	    "log-head: %llu:%s\n"
	    "provisioned: %s\n"
	    "supervisor: %s (%s)\n"
	    "software: matkiosk %s\n"
	    "\n"
	    "Bàn giao cho cơ quan kiểm tra (Công an tỉnh) và giữ bí mật: khóa\n"
	    "xác minh nhật ký cho phép phát hiện mọi sửa đổi nhật ký của máy và\n"
	    "không được lưu trên máy này.\n"
	    "Give this certificate to the inspecting authority (provincial\n"
	    "police) and keep it confidential: the log verification key detects\n"
	    "any change to this machine's audit log and is not kept on it.\n",
	    pv->device_id, pubhex, k0hex, seq, machex, when, pv->user,
	    pv->full_name, MATKIOSK_VERSION);
	mk_wipe(k0hex, sizeof(k0hex));
	return n < 0 || (size_t)n >= sizeof(pv->cert) ? MK_ERR_TOO_LARGE : 0;
}

static int
provision(struct daemon *d, struct provision *pv, char *why, size_t whylen)
{
	struct auditlog *log = NULL;
	struct machine mach;
	int r;

	if ((r = clear_leftovers(d, why, whylen)) != 0)
		goto out;
	if ((r = write_keys(d, pv)) != 0) {
		snprintf(why, whylen, "cannot create the keys: %s",
		    mkerr_str(r));
		goto out;
	}
	if ((r = write_accounts(d, pv)) != 0) {
		snprintf(why, whylen, "cannot write the accounts: %s",
		    mkerr_str(r));
		goto out;
	}
	if ((r = start_log(d, pv, &log)) != 0) {
		snprintf(why, whylen, "cannot create the audit log: %s",
		    mkerr_str(r));
		goto out;
	}
	if ((r = make_certificate(pv, log)) != 0)
		goto out;
	memset(&mach, 0, sizeof(mach));
	snprintf(mach.device_id, sizeof(mach.device_id), "%s", pv->device_id);
	mach.provisioned = (int64_t)time(NULL);
	mach.key_epoch = 1;
	memcpy(mach.recovery_pk, pv->recovery_pk, sizeof(mach.recovery_pk));
	if ((r = machine_save(d->sd.machine, &mach)) != 0)
		goto out;
	/* Reopen through the normal path, as after a restart. */
	auditlog_free(log);
	log = NULL;
	r = daemon_open_state(d, why, whylen);
 out:
	auditlog_free(log);
	if (r != 0 && why[0] == '\0')
		snprintf(why, whylen, "provisioning failed: %s", mkerr_str(r));
	return r;
}

static int
read_request(struct session *s, const struct mkmsg *m, struct provision *pv,
    char *why, size_t whylen)
{
	if (mkmsg_str(m, F_USER, pv->user, sizeof(pv->user)) != 0 ||
	    !mktext_valid_name(pv->user)) {
		snprintf(why, whylen, "account name must be 1-32 of a-z, 0-9, "
		    "'.', '_', '-', starting with a letter");
		return MK_ERR_USAGE;
	}
	if (mkmsg_get(m, F_FULLNAME) != NULL &&
	    (mkmsg_str(m, F_FULLNAME, pv->full_name,
	    sizeof(pv->full_name)) != 0 ||
	    !mktext_is_clean(pv->full_name, strlen(pv->full_name)))) {
		snprintf(why, whylen, "full name too long or not clean text");
		return MK_ERR_USAGE;
	}
	if (mkmsg_str(m, F_PASSWORD, pv->pw, PASSWORD_MAX + 1) != 0) {
		snprintf(why, whylen, "password missing or too long");
		return MK_ERR_USAGE;
	}
	return passwd_check(pv->user, pv->pw, s->d->conf.password_min_length,
	    why, whylen);
}

static int
send_certificate(struct session *s, const struct provision *pv)
{
	int r;

	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_CERT, pv->cert)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_RECOVERY, pv->recovery)) != 0)
		return r;
	r = mkproto_send(s->fd, s->out);
	mkbuf_reset(s->out);
	return r;
}

int
h_init(struct session *s, const struct mkmsg *m)
{
	struct provision pv;
	char why[256] = "";
	int r;

	memset(&pv, 0, sizeof(pv));
	pv.pw = cry_secure_alloc(PASSWORD_MAX + 1);
	pv.mk = cry_secure_alloc(32);
	pv.k0 = cry_secure_alloc(32);
	if (pv.pw == NULL || pv.mk == NULL || pv.k0 == NULL) {
		r = reply_err(s, MK_ERR_ALLOC, NULL);
		goto out;
	}
	if ((r = read_request(s, m, &pv, why, sizeof(why))) != 0) {
		r = reply_err(s, r, why);
		goto out;
	}
	pthread_mutex_lock(&s->d->lock);
	if (s->d->provisioned) {
		daemon_log_locked(s->d, LOG_SEV_TRUNG_BINH, "-", "-",
		    "machine.provision.refused", "", 0, NULL);
		r = MK_ERR_PROVISIONED;
	} else if ((r = provision(s->d, &pv, why, sizeof(why))) != 0)
		daemon_close_state(s->d);
	pthread_mutex_unlock(&s->d->lock);
	if (r != 0) {
		diag(3, "init: %s", why[0] ? why : mkerr_str(r));
		r = reply_err(s, r, why[0] ? why : NULL);
		goto out;
	}
	r = send_certificate(s, &pv);
	/* Devices present before provisioning were kept blocked where their
	 * admission could not be logged (there was no log): decide again. */
	usbd_redecide(s->d);
 out:
	cry_secure_free(pv.pw, PASSWORD_MAX + 1);
	cry_secure_free(pv.mk, 32);
	cry_secure_free(pv.k0, 32);
	signkey_free(pv.devkey);
	mk_wipe(&pv, sizeof(pv));
	return r;
}
