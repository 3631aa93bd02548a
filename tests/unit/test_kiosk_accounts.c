/*
 * kiosk/accounts, kiosk/passwd, kiosk/machine and kiosk/statedir: the
 * account file and its parser, the password rules of Article 8.9, the
 * machine file, and the ownership and permission checks on the state
 * directory (run as root: a directory is handed to another user with
 * chown to see it refused).
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "kiosk/accounts.h"
#include "kiosk/machine.h"
#include "kiosk/passwd.h"
#include "kiosk/statedir.h"

#define NOBODY		65534

/* Full names in Vietnamese (UTF-8). */
#define NGUYEN_VAN_A	"Nguy\xe1\xbb\x85n V\xc4\x83n A"
#define TRAN_THI_B	"Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B\xc3\xad" "ch"
#define DANG_QUOC_C \
	"\xc4\x90\xe1\xba\xb7ng Qu\xe1\xbb\x91" "c C\xc6\xb0\xe1\xbb\x9dng"

static char tmpdir[64];

/* ---- helpers ---- */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_kiosk-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_tmp(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
tmp_path(char *out, size_t outlen, const char *name)
{
	assert_int_equal(mkfs_path(out, outlen, "%s/%s", tmpdir, name), 0);
}

static void
write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static struct mkbuf *
read_file(const char *path)
{
	struct mkbuf *b;

	assert_int_equal(mkfs_read_file(path, 1 << 20, &b), 0);
	return b;
}

static void
make_account(struct account *a, const char *name, const char *full,
    uint32_t roles)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->full_name, sizeof(a->full_name), "%s", full);
	a->roles = roles;
	a->created = 1700000000;
}

/* ---- accounts ---- */

static void
save_three(const char *path)
{
	struct accounts *a;
	struct account acct;

	assert_non_null(a = accounts_new());
	make_account(&acct, "nguyenvana", NGUYEN_VAN_A, ROLE_SUPERVISOR);
	assert_int_equal(accounts_add(a, &acct), 0);
	make_account(&acct, "tranthib", TRAN_THI_B,
	    ROLE_DRAFTER | ROLE_IT_OFFICER);
	acct.created = -1;
	acct.flags = ACCOUNT_DISABLED;
	assert_int_equal(accounts_add(a, &acct), 0);
	make_account(&acct, "dang.quoc_c-1", DANG_QUOC_C, ROLE_ALL);
	acct.created = INT64_MAX;
	assert_int_equal(accounts_add(a, &acct), 0);
	assert_int_equal(accounts_save(a, path), 0);
	accounts_free(a);
}

static void
test_accounts_round_trip(void **state)
{
	char path[128];
	struct accounts *a;
	const struct account *p;
	struct stat st;

	(void)state;
	tmp_path(path, sizeof(path), "accounts");
	save_three(path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(accounts_load(path, &a), 0);
	assert_int_equal(accounts_count(a), 3);
	assert_non_null(p = accounts_at(a, 0));
	assert_string_equal(p->name, "nguyenvana");
	assert_string_equal(p->full_name, NGUYEN_VAN_A);
	assert_int_equal(p->roles, ROLE_SUPERVISOR);
	assert_true(p->created == 1700000000);
	assert_int_equal(p->flags, 0);
	assert_non_null(p = accounts_find(a, "tranthib"));
	assert_ptr_equal(p, accounts_at(a, 1));
	assert_string_equal(p->full_name, TRAN_THI_B);
	assert_int_equal(p->roles, ROLE_DRAFTER | ROLE_IT_OFFICER);
	assert_true(p->created == -1);
	assert_int_equal(p->flags, ACCOUNT_DISABLED);
	assert_non_null(p = accounts_find(a, "dang.quoc_c-1"));
	assert_string_equal(p->full_name, DANG_QUOC_C);
	assert_int_equal(p->roles, ROLE_ALL);
	assert_true(p->created == INT64_MAX);
	assert_null(accounts_at(a, 3));
	assert_null(accounts_find(a, "nobody"));
	assert_null(accounts_find(a, "NguyenVanA"));
	assert_null(accounts_find(a, ""));
	accounts_free(a);
	accounts_free(NULL);
}

static void
test_accounts_add_refuses(void **state)
{
	static const char *const bad_names[] = {
		"", "A", "Nguyenvana", "1abc", "../x", "a/b", "_recovery",
		".x", "a b", "nguy\xe1\xbb\x85n",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",	/* 33 */
	};
	static const char *const bad_full[] = {
		"A\x1b[2J", "A\nB", "A\tB", "A\x7f", "A\xc2\x9b",
		("\xe2\x80\xae" "A"),
		"A\xc0\xaf", "A\xed\xa0\x80", "A\x80",
	};
	struct accounts *a;
	struct account acct;
	size_t i;

	(void)state;
	assert_non_null(a = accounts_new());
	make_account(&acct, "nguyenvana", NGUYEN_VAN_A, ROLE_SUPERVISOR);
	assert_int_equal(accounts_add(a, &acct), 0);
	/* Taken, even with another full name and roles. */
	make_account(&acct, "nguyenvana", TRAN_THI_B, ROLE_DRAFTER);
	assert_int_equal(accounts_add(a, &acct), MK_ERR_EXISTS);
	assert_int_equal(accounts_count(a), 1);
	assert_string_equal(accounts_at(a, 0)->full_name, NGUYEN_VAN_A);

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		make_account(&acct, "x", "X", ROLE_DRAFTER);
		memcpy(acct.name, bad_names[i], strlen(bad_names[i]) + 1);
		if (accounts_add(a, &acct) != MK_ERR_ARGUMENT)
			fail_msg("name \"%s\" accepted", bad_names[i]);
	}
	for (i = 0; i < sizeof(bad_full) / sizeof(bad_full[0]); i++) {
		make_account(&acct, "tranthib", bad_full[i], ROLE_DRAFTER);
		if (accounts_add(a, &acct) != MK_ERR_ARGUMENT)
			fail_msg("full name %zu accepted", i);
	}
	/* No role, or a role that does not exist. */
	make_account(&acct, "tranthib", TRAN_THI_B, 0);
	assert_int_equal(accounts_add(a, &acct), MK_ERR_ARGUMENT);
	make_account(&acct, "tranthib", TRAN_THI_B, 0x20);
	assert_int_equal(accounts_add(a, &acct), MK_ERR_ARGUMENT);
	make_account(&acct, "tranthib", TRAN_THI_B, ROLE_DRAFTER | 0x80000000);
	assert_int_equal(accounts_add(a, &acct), MK_ERR_ARGUMENT);
	assert_int_equal(accounts_count(a), 1);
	accounts_free(a);
}

static void
test_accounts_max(void **state)
{
	struct accounts *a;
	struct account acct;
	size_t i;

	(void)state;
	assert_non_null(a = accounts_new());
	for (i = 0; i < ACCOUNTS_MAX; i++) {
		make_account(&acct, "u", "U", ROLE_DRAFTER);
		snprintf(acct.name, sizeof(acct.name), "u%zu", i);
		assert_int_equal(accounts_add(a, &acct), 0);
	}
	make_account(&acct, "onemore", "U", ROLE_DRAFTER);
	assert_int_equal(accounts_add(a, &acct), MK_ERR_TOO_LARGE);
	assert_int_equal(accounts_count(a), ACCOUNTS_MAX);
	accounts_free(a);
}

static void
test_accounts_load_missing(void **state)
{
	char path[128];
	struct accounts *a = (struct accounts *)1;

	(void)state;
	tmp_path(path, sizeof(path), "absent");
	assert_int_equal(accounts_load(path, &a), MK_ERR_NOT_FOUND);
	assert_null(a);
}

/* Loads n bytes written to a file; the accounts must be NULL on error. */
static int
load_bytes(const void *p, size_t n, struct accounts **out)
{
	char path[128];
	int r;

	tmp_path(path, sizeof(path), "accounts.bad");
	write_file(path, p, n, 0600);
	*out = (struct accounts *)1;
	r = accounts_load(path, out);
	if (r != 0)
		assert_null(*out);
	unlink(path);
	return r;
}

static void
test_accounts_load_corrupt(void **state)
{
	char path[128];
	struct mkbuf *b;
	struct accounts *a;
	uint8_t *d;
	size_t n, i;
	int r;

	(void)state;
	tmp_path(path, sizeof(path), "accounts");
	save_three(path);
	b = read_file(path);
	n = mkbuf_len(b);
	assert_non_null(d = malloc(n + 1));
	memcpy(d, mkbuf_ptr(b), n);

	/* Every truncation is an error; a cut inside the data is
	 * MK_ERR_TRUNCATED. */
	for (i = 0; i < n; i++) {
		r = load_bytes(d, i, &a);
		if (r != MK_ERR_TRUNCATED)
			fail_msg("cut at %zu of %zu: %d", i, n, r);
	}
	/* One byte too many. */
	d[n] = 0;
	assert_int_equal(load_bytes(d, n + 1, &a), MK_ERR_TRAILING);
	/* Foreign magic, unknown version. */
	d[0] ^= 0x20;
	assert_int_equal(load_bytes(d, n, &a), MK_ERR_FORMAT);
	d[0] ^= 0x20;
	d[9] = 3;
	assert_int_equal(load_bytes(d, n, &a), MK_ERR_VERSION);
	d[9] = 1;
	assert_int_equal(load_bytes(d, n, &a), MK_ERR_VERSION);
	d[9] = 2;
	/* A count larger than the records. */
	d[11] = 4;
	assert_int_equal(load_bytes(d, n, &a), MK_ERR_TRUNCATED);
	/* A count smaller than the records leaves bytes after the end. */
	d[11] = 2;
	assert_int_equal(load_bytes(d, n, &a), MK_ERR_TRAILING);
	d[11] = 3;
	/* A name that is not a valid account name: "Nguyenvana". */
	assert_int_equal(d[14], 'n');
	d[14] = 'N';
	assert_int_equal(load_bytes(d, n, &a), MK_ERR_FORMAT);
	d[14] = 'n';
	/* A name longer than ACCOUNT_NAME_MAX. */
	d[13] = 33;
	assert_int_not_equal(load_bytes(d, n, &a), 0);
	d[13] = 10;
	assert_int_equal(load_bytes(d, n, &a), 0);
	accounts_free(a);

	/* Every single-byte change: an error, or accounts that are valid. */
	for (i = 0; i < n; i++) {
		d[i] ^= 0x41;
		if (load_bytes(d, n, &a) == 0) {
			assert_int_equal(accounts_count(a), 3);
			assert_int_equal(accounts_at(a, 0)->roles &
			    ~(uint32_t)ROLE_ALL, 0);
			accounts_free(a);
		}
		d[i] ^= 0x41;
	}
	free(d);
	mkbuf_free(b);
}

/* The same name twice in a file is refused. */
static void
test_accounts_load_duplicate(void **state)
{
	/* Per account after the flags: public key 32, four times 8, a
	 * u32, salt 16, history count 1: 85 bytes, all zero here. */
	static const uint8_t head[] = "MATKACCT\x00\x02\x00\x02";
	static const uint8_t one_a[] = "\x00\x01" "a" "\x00\x01" "A"
	    "\x00\x00\x00\x01" "\0\0\0\0\0\0\0\0" "\x00";
	static const uint8_t one_b[] = "\x00\x01" "a" "\x00\x01" "B"
	    "\x00\x00\x00\x02" "\0\0\0\0\0\0\0\0" "\x00";
	uint8_t file[256];
	size_t n = 0;
	struct accounts *a;

	(void)state;
	memset(file, 0, sizeof(file));
	memcpy(file, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	memcpy(file + n, one_a, sizeof(one_a) - 1);
	n += sizeof(one_a) - 1 + 85;
	memcpy(file + n, one_b, sizeof(one_b) - 1);
	n += sizeof(one_b) - 1 + 85;
	assert_int_equal(load_bytes(file, n, &a), MK_ERR_EXISTS);
	/* The first alone loads. */
	file[11] = 1;
	assert_int_equal(load_bytes(file, 12 + sizeof(one_a) - 1 + 85, &a),
	    0);
	accounts_free(a);
}

/* read_str (accounts.c) copies the bstr and NUL-terminates it, then the
 * name is validated as a C string: a name "ab\0../x" in the file loads as
 * "ab", silently. The file's bytes are not a valid name. */
static void
test_accounts_load_embedded_nul(void **state)
{
	static const uint8_t name_nul[] =
	    "MATKACCT\x00\x01\x00\x01"
	    "\x00\x07" "ab\0../x" "\x00\x01" "A" "\x00\x00\x00\x01"
	    "\0\0\0\0\0\0\0\0" "\x00";
	static const uint8_t full_nul[] =
	    "MATKACCT\x00\x01\x00\x01"
	    "\x00\x02" "ab" "\x00\x03" "A\0\x1b" "\x00\x00\x00\x01"
	    "\0\0\0\0\0\0\0\0" "\x00";
	struct accounts *a;
	int bad = 0;

	(void)state;
	if (load_bytes(name_nul, sizeof(name_nul) - 1, &a) == 0) {
		print_error("name \"ab\\0../x\" loaded as \"%s\"\n",
		    accounts_at(a, 0)->name);
		accounts_free(a);
		bad++;
	}
	if (load_bytes(full_nul, sizeof(full_nul) - 1, &a) == 0) {
		print_error("full name \"A\\0\\x1b\" loaded as \"%s\"\n",
		    accounts_at(a, 0)->full_name);
		accounts_free(a);
		bad++;
	}
	assert_int_equal(bad, 0);
}

static void
test_roles_str(void **state)
{
	char s[128], small[12];

	(void)state;
	assert_int_equal(accounts_roles_str(ROLE_DRAFTER, s, sizeof(s)), 0);
	assert_string_equal(s, "drafter");
	assert_int_equal(accounts_roles_str(ROLE_INSPECTOR, s, sizeof(s)), 0);
	assert_string_equal(s, "inspector");
	assert_int_equal(accounts_roles_str(0, s, sizeof(s)), 0);
	assert_string_equal(s, "");
	assert_int_equal(accounts_roles_str(ROLE_ALL, s, sizeof(s)), 0);
	assert_int_equal(strlen(s), strlen("supervisor,it-officer,drafter,"
	    "technician,inspector"));
	assert_non_null(strstr(s, "supervisor"));
	assert_non_null(strstr(s, "it-officer"));
	assert_non_null(strstr(s, "drafter"));
	assert_non_null(strstr(s, "technician"));
	assert_non_null(strstr(s, "inspector"));
	assert_int_equal(accounts_roles_str(ROLE_DRAFTER | ROLE_SUPERVISOR, s,
	    sizeof(s)), 0);
	assert_true(strcmp(s, "drafter,supervisor") == 0 ||
	    strcmp(s, "supervisor,drafter") == 0);
	/* Unknown bits are not names. */
	assert_int_equal(accounts_roles_str(0x80000000 | ROLE_TECHNICIAN, s,
	    sizeof(s)), 0);
	assert_string_equal(s, "technician");
	/* Too small: an error, and still a terminated string. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(accounts_roles_str(ROLE_ALL, small, sizeof(small)),
	    MK_ERR_TOO_LARGE);
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(accounts_roles_str(ROLE_ALL, small, 0),
	    MK_ERR_ARGUMENT);

	assert_string_equal(accounts_primary_role(ROLE_DRAFTER |
	    ROLE_SUPERVISOR), "supervisor");
	assert_string_equal(accounts_primary_role(ROLE_INSPECTOR),
	    "inspector");
	assert_string_equal(accounts_primary_role(0), "-");
}

/* "drafter" and its NUL need 8 bytes: the first role is charged for a
 * comma it does not write (accounts.c, o + n + 2). */
static void
test_roles_str_exact_fit(void **state)
{
	char s[8];

	(void)state;
	assert_int_equal(accounts_roles_str(ROLE_DRAFTER, s, sizeof(s)), 0);
	assert_string_equal(s, "drafter");
}

/* ---- passwd ---- */

static void
expect_refused(const char *name, const char *pw, const char *rule)
{
	char why[128];

	memset(why, 0, sizeof(why));
	if (passwd_check(name, pw, PASSWD_MIN_LEN, why, sizeof(why)) !=
	    MK_ERR_POLICY || strstr(why, rule) == NULL)
		fail_msg("\"%s\": got \"%s\", want the rule \"%s\"", pw, why,
		    rule);
}

static void
test_passwd_rules(void **state)
{
	char why[128];

	(void)state;
	/* Eight characters in twelve bytes. */
	assert_int_equal(strlen("\xc3\x81\xc3\xa1\xc3\xa1" "1!Bbb"), 11);
	assert_int_equal(passwd_check("nguyenvana", "\xc3\x81\xc3\xa1\xc3\xa1"
	    "1!Bbb", PASSWD_MIN_LEN, why, sizeof(why)), 0);
	/* "Mật khẩu 1!" */
	assert_int_equal(passwd_check("nguyenvana",
	    "M\xe1\xba\xadt kh\xe1\xba\xa9u 1!", PASSWD_MIN_LEN, why,
	    sizeof(why)), 0);
	assert_int_equal(passwd_check("nguyenvana", "Sông#Hồng7x",
	    PASSWD_MIN_LEN, why, sizeof(why)), 0);
	assert_int_equal(passwd_check("nguyenvana", "Kq7!vRt2", PASSWD_MIN_LEN,
	    why, sizeof(why)), 0);
	/* Common passwords, and common words dressed up with look-alike
	 * digits and symbols around them. */
	expect_refused("nguyenvana", "P@ssw0rd1", "common password");
	expect_refused("nguyenvana", "Password1!", "common password");
	expect_refused("nguyenvana", "Matkhau@123", "common password");
	expect_refused("nguyenvana", "@Admin2026!", "common password");
	expect_refused("nguyenvana", "Qwerty!23", "common password");
	expect_refused("nguyenvana", "Abcdef1!", "common password");
	expect_refused("nguyenvana", "Vietnam#1975", "common password");
	/* Too few different characters once decorations are stripped. */
	expect_refused("nguyenvana", "Aaaaaaa1!", "common password");
	expect_refused("nguyenvana", "1!Abab@ba", "common password");

	/* Seven characters, though ten bytes: too short. */
	expect_refused("nguyenvana", "\xc3\x81\xc3\xa1\xc3\xa1" "1!Bb",
	    "at least 8 characters");
	expect_refused("nguyenvana", "Abcde1!", "at least 8 characters");
	expect_refused("nguyenvana", "", "at least 8 characters");
	expect_refused("nguyenvana", "ABCDEFG1!", "lower-case");
	expect_refused("nguyenvana", "abcdefg1!", "upper-case");
	expect_refused("nguyenvana", "Abcdefgh!", "digit");
	expect_refused("nguyenvana", "Abcdefgh1", "special");
	/* The name, in any case, anywhere. */
	expect_refused("nguyenvana", "NguyenVanA1!", "account name");
	expect_refused("nguyenvana", "1!xNGUYENVANAx", "account name");
	expect_refused("tranthib", "Xtranthib9#", "account name");
	/* Control characters, wherever they are. */
	expect_refused("nguyenvana", "Abcdef1!\x01", "control character");
	expect_refused("nguyenvana", "\x1b[2JAbcdef1!", "control character");
	expect_refused("nguyenvana", "Abcd\tef1!", "control character");
	expect_refused("nguyenvana", "Abcdef1!\x7f", "control character");
	/* A longer minimum is honoured. */
	assert_int_equal(passwd_check("nguyenvana", "Kq7!vRt2", 12, why,
	    sizeof(why)), MK_ERR_POLICY);
	assert_non_null(strstr(why, "at least 12 characters"));
	/* A small buffer is cut, not overrun. */
	memset(why, 'x', sizeof(why));
	assert_int_equal(passwd_check("nguyenvana", "abc", PASSWD_MIN_LEN,
	    why, 10), MK_ERR_POLICY);
	assert_int_equal(strlen(why), 9);
}

/* ---- machine ---- */

#define DEVID	"00112233445566778899aabbccddeeff"
#define RKHEX	"a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5" \
		"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
#define RK	"recovery-key=" RKHEX "\n"

static void
test_machine_round_trip(void **state)
{
	char path[128];
	struct machine m, back;
	struct mkbuf *b;
	struct stat st;
	static const char want[] = "device-id=" DEVID "\n"
	    "provisioned=1700000000\nkey-epoch=4294967295\n" RK;

	(void)state;
	tmp_path(path, sizeof(path), "machine");
	memset(&m, 0, sizeof(m));
	snprintf(m.device_id, sizeof(m.device_id), "%s", DEVID);
	m.provisioned = 1700000000;
	m.key_epoch = UINT32_MAX;
	for (size_t i = 0; i < sizeof(m.recovery_pk); i++)
		m.recovery_pk[i] = i < 16 ? 0xa5 : 0x5a;
	assert_int_equal(machine_save(path, &m), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	b = read_file(path);
	assert_int_equal(mkbuf_len(b), strlen(want));
	assert_memory_equal(mkbuf_ptr(b), want, strlen(want));
	mkbuf_free(b);

	memset(&back, 0xff, sizeof(back));
	assert_int_equal(machine_load(path, &back), 0);
	assert_string_equal(back.device_id, DEVID);
	assert_true(back.provisioned == 1700000000);
	assert_int_equal(back.key_epoch, UINT32_MAX);
	assert_memory_equal(back.recovery_pk, m.recovery_pk, 32);

	m.provisioned = INT64_MAX;
	m.key_epoch = 0;
	assert_int_equal(machine_save(path, &m), 0);
	assert_int_equal(machine_load(path, &back), 0);
	assert_true(back.provisioned == INT64_MAX);
	assert_int_equal(back.key_epoch, 0);
}

static int
load_machine_text(const char *text, size_t n)
{
	char path[128];
	struct machine m;
	int r;

	tmp_path(path, sizeof(path), "machine.bad");
	write_file(path, text, n, 0600);
	r = machine_load(path, &m);
	unlink(path);
	return r;
}

static void
test_machine_rejects(void **state)
{
	static const char *const bad[] = {
		"\n\n",
		/* one key missing */
		RK "provisioned=1\nkey-epoch=1\n",
		RK "device-id=" DEVID "\nkey-epoch=1\n",
		RK "device-id=" DEVID "\nprovisioned=1\n",
		"device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\n",
		/* recovery key: short, long, not hex */
		"device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\n"
		    "recovery-key=a5a5\n",
		"device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\n"
		    RK "0\n",
		"device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\n"
		    "recovery-key=" RKHEX "\n" RK,
		/* unknown key, or no key at all */
		RK "device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\nextra=1\n",
		RK "device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\njunk\n",
		/* device id: short, long, not hex */
		RK "device-id=00112233445566778899aabbccddeef\nprovisioned=1\n"
		    "key-epoch=1\n",
		RK "device-id=" DEVID "0\nprovisioned=1\nkey-epoch=1\n",
		RK "device-id=00112233445566778899aabbccddeefg\nprovisioned=1\n"
		    "key-epoch=1\n",
		/* numbers: empty, not decimal, out of range, negative */
		RK "device-id=" DEVID "\nprovisioned=\nkey-epoch=1\n",
		RK "device-id=" DEVID "\nprovisioned=12x\nkey-epoch=1\n",
		RK "device-id=" DEVID "\nprovisioned=9223372036854775808\n"
		    "key-epoch=1\n",
		RK "device-id=" DEVID "\nprovisioned=99999999999999999999\n"
		    "key-epoch=1\n",
		RK "device-id=" DEVID "\nprovisioned=-1\nkey-epoch=1\n",
		RK "device-id=" DEVID "\nprovisioned=1\nkey-epoch=4294967296\n",
		RK "device-id=" DEVID "\nprovisioned=1\nkey-epoch=-1\n",
		RK "device-id=" DEVID "\nprovisioned=1\nkey-epoch=0x10\n",
		/* a key's name in another case, or with spaces */
		RK "Device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\n",
		RK "device-id = " DEVID "\nprovisioned=1\nkey-epoch=1\n",
	};
	static const char nul[] = "device-id=" DEVID "\nprovisioned=1\0\n"
	    "key-epoch=1\n";
	char big[1100], path[128];
	struct machine m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (load_machine_text(bad[i], strlen(bad[i])) != MK_ERR_FORMAT)
			fail_msg("machine file %zu accepted", i);
	assert_int_equal(load_machine_text(nul, sizeof(nul) - 1),
	    MK_ERR_FORMAT);
	/* Larger than any machine file. */
	memset(big, '\n', sizeof(big));
	memcpy(big, "device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\n", 68);
	assert_int_not_equal(load_machine_text(big, sizeof(big)), 0);
	/* Absent, and a symlink to a good file. */
	tmp_path(path, sizeof(path), "machine.absent");
	assert_int_equal(machine_load(path, &m), MK_ERR_NOT_FOUND);
	assert_int_equal(symlink("/dev/null", path), 0);
	assert_int_not_equal(machine_load(path, &m), 0);
	unlink(path);
}

/* An empty file reaches memcpy(text, mkbuf_ptr(b), 0) with a NULL source
 * (machine.c, machine_load): undefined behaviour, which UBSan stops. Run
 * in a child so that the tests after this one still run. */
static void
test_machine_empty_file(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	assert_true((pid = fork()) >= 0);
	if (pid == 0)
		_exit(load_machine_text("", 0) == MK_ERR_FORMAT ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("empty machine file: %s %d", WIFEXITED(status) ?
		    "exit" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status));
}

/* The loader takes more than the saver writes: a repeated key (the last
 * one wins) and numbers with a sign or leading blanks, as strtoull
 * allows (machine.c, parse_line) -- "-18446744069414584321" wraps to
 * 4294967295. */
static void
test_machine_noncanonical(void **state)
{
	static const char *const bad[] = {
		RK "device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\n"
		    "key-epoch=0\n",
		RK "device-id=" DEVID "\nprovisioned=1\nkey-epoch=1\n"
		    "device-id=ffffffffffffffffffffffffffffffff\n",
		RK "device-id=" DEVID "\nprovisioned=+1\nkey-epoch=1\n",
		RK "device-id=" DEVID "\nprovisioned= 1\nkey-epoch=1\n",
		RK "device-id=" DEVID "\nprovisioned=1\n"
		    "key-epoch=-18446744069414584321\n",
	};
	size_t i, accepted = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load_machine_text(bad[i], strlen(bad[i])) ==
		    MK_ERR_FORMAT)
			continue;
		print_error("machine file %zu accepted:\n%s", i, bad[i]);
		accepted++;
	}
	assert_int_equal(accepted, 0);
}

/* ---- statedir ---- */

struct sd_fixture {
	struct statedir	sd;
	char		why[2048];
};

static void
sd_make(struct sd_fixture *f, const char *sub)
{
	char root[256];

	tmp_path(root, sizeof(root), sub);
	assert_int_equal(statedir_init(&f->sd, root), 0);
	memset(f->why, 0, sizeof(f->why));
}

static void
expect_unsafe(struct sd_fixture *f, const char *path, const char *what)
{
	char want[1400];

	memset(f->why, 0, sizeof(f->why));
	assert_int_equal(statedir_prepare(&f->sd, f->why, sizeof(f->why)),
	    MK_ERR_UNSAFE);
	/* The path first, as "PATH: fault". */
	snprintf(want, sizeof(want), "%s: ", path);
	if (strncmp(f->why, want, strlen(want)) != 0 ||
	    strstr(f->why, what) == NULL)
		fail_msg("got \"%s\", want \"%s...%s\"", f->why, want, what);
}

static void
expect_safe(struct sd_fixture *f)
{
	f->why[0] = '\0';
	if (statedir_prepare(&f->sd, f->why, sizeof(f->why)) != 0)
		fail_msg("refused: %s", f->why);
}

static void
assert_private_dir(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, geteuid());
}

static void
test_statedir_layout(void **state)
{
	struct sd_fixture f;
	char p[STATEDIR_PATH_MAX], slot[STATEDIR_PATH_MAX];

	(void)state;
	sd_make(&f, "s1");
	tmp_path(p, sizeof(p), "s1/keys/slots");
	assert_string_equal(f.sd.slots, p);
	tmp_path(p, sizeof(p), "s1/keys/logkey");
	assert_string_equal(f.sd.logkey, p);
	tmp_path(p, sizeof(p), "s1/device.key");
	assert_string_equal(f.sd.devkey, p);
	assert_int_equal(statedir_slot_path(&f.sd, "_recovery", slot,
	    sizeof(slot)), 0);
	tmp_path(p, sizeof(p), "s1/keys/slots/_recovery.slot");
	assert_string_equal(slot, p);
	assert_int_equal(statedir_slot_path(&f.sd, "nguyenvana", slot, 10),
	    MK_ERR_TOO_LARGE);

	expect_safe(&f);
	assert_private_dir(f.sd.root);
	assert_private_dir(f.sd.keys);
	assert_private_dir(f.sd.slots);
	assert_private_dir(f.sd.vault);
	assert_private_dir(f.sd.log);
	assert_false(statedir_provisioned(&f.sd));
	/* Again, with the private files in place. */
	write_file(f.sd.devkey, "k", 1, 0600);
	write_file(f.sd.accounts, "a", 1, 0600);
	write_file(f.sd.logkey, "l", 1, 0400);
	write_file(f.sd.machine, "m", 1, 0600);
	expect_safe(&f);
	assert_true(statedir_provisioned(&f.sd));
}

static void
test_statedir_init_limits(void **state)
{
	struct statedir sd;
	char root[STATEDIR_PATH_MAX];

	(void)state;
	/* Room for the root but not for "/keys/logkey" after it. */
	memset(root, 'a', sizeof(root) - 6);
	root[0] = '/';
	root[sizeof(root) - 6] = '\0';
	assert_int_equal(statedir_init(&sd, root), MK_ERR_TOO_LARGE);
}

static void
test_statedir_relative(void **state)
{
	struct sd_fixture f;

	(void)state;
	assert_int_equal(statedir_init(&f.sd, "var/lib/matkiosk"), 0);
	expect_unsafe(&f, "var/lib/matkiosk", "absolute");
}

static void
test_statedir_bad_modes(void **state)
{
	struct sd_fixture f;

	(void)state;
	sd_make(&f, "s2");
	expect_safe(&f);
	/* The state directory, world-writable or only group-readable. */
	assert_int_equal(chmod(f.sd.root, 0777), 0);
	expect_unsafe(&f, f.sd.root, "group or others");
	assert_int_equal(chmod(f.sd.root, 0750), 0);
	expect_unsafe(&f, f.sd.root, "group or others");
	assert_int_equal(chmod(f.sd.root, 0700), 0);
	assert_int_equal(chmod(f.sd.slots, 0701), 0);
	expect_unsafe(&f, f.sd.slots, "group or others");
	assert_int_equal(chmod(f.sd.slots, 0700), 0);
	expect_safe(&f);

	/* Key and account files readable by others. */
	write_file(f.sd.devkey, "k", 1, 0644);
	expect_unsafe(&f, f.sd.devkey, "group or others");
	assert_int_equal(chmod(f.sd.devkey, 0600), 0);
	write_file(f.sd.logkey, "l", 1, 0640);
	expect_unsafe(&f, f.sd.logkey, "group or others");
	assert_int_equal(chmod(f.sd.logkey, 0600), 0);
	write_file(f.sd.accounts, "a", 1, 0606);
	expect_unsafe(&f, f.sd.accounts, "group or others");
	assert_int_equal(chmod(f.sd.accounts, 0600), 0);
	write_file(f.sd.machine, "m", 1, 0660);
	expect_unsafe(&f, f.sd.machine, "group or others");
	assert_int_equal(chmod(f.sd.machine, 0600), 0);
	expect_safe(&f);
}

static void
test_statedir_other_owner(void **state)
{
	struct sd_fixture f;

	(void)state;
	sd_make(&f, "s3");
	expect_safe(&f);
	assert_int_equal(chown(f.sd.root, NOBODY, NOBODY), 0);
	expect_unsafe(&f, f.sd.root, "owned by another user");
	assert_int_equal(chown(f.sd.root, 0, 0), 0);
	assert_int_equal(chown(f.sd.vault, NOBODY, 0), 0);
	expect_unsafe(&f, f.sd.vault, "owned by another user");
	assert_int_equal(chown(f.sd.vault, 0, 0), 0);
	write_file(f.sd.devkey, "k", 1, 0600);
	assert_int_equal(chown(f.sd.devkey, NOBODY, NOBODY), 0);
	expect_unsafe(&f, f.sd.devkey, "owned by another user");
	assert_int_equal(chown(f.sd.devkey, 0, 0), 0);
	expect_safe(&f);
}

/* A symlink where a directory or a key belongs is refused, even to a
 * private directory or file of the right owner. */
static void
test_statedir_symlinks(void **state)
{
	struct sd_fixture f;
	char elsewhere[128], keyfile[128];

	(void)state;
	tmp_path(elsewhere, sizeof(elsewhere), "elsewhere");
	assert_int_equal(mkdir(elsewhere, 0700), 0);
	tmp_path(keyfile, sizeof(keyfile), "elsewhere/key");
	write_file(keyfile, "k", 1, 0600);

	sd_make(&f, "s4");
	expect_safe(&f);
	assert_int_equal(rmdir(f.sd.vault), 0);
	assert_int_equal(symlink(elsewhere, f.sd.vault), 0);
	expect_unsafe(&f, f.sd.vault, "not a directory");
	assert_int_equal(unlink(f.sd.vault), 0);
	expect_safe(&f);

	assert_int_equal(symlink(keyfile, f.sd.devkey), 0);
	expect_unsafe(&f, f.sd.devkey, "not a regular file");
	assert_int_equal(unlink(f.sd.devkey), 0);
	/* A directory where a key file belongs. */
	assert_int_equal(mkdir(f.sd.logkey, 0700), 0);
	expect_unsafe(&f, f.sd.logkey, "not a regular file");
	assert_int_equal(rmdir(f.sd.logkey), 0);

	/* The state directory itself a symlink. */
	sd_make(&f, "s5");
	assert_int_equal(symlink(elsewhere, f.sd.root), 0);
	expect_unsafe(&f, f.sd.root, "not a directory");
}

static void
test_statedir_parents(void **state)
{
	struct sd_fixture f;
	char parent[128];

	(void)state;
	tmp_path(parent, sizeof(parent), "p");
	assert_int_equal(mkdir(parent, 0755), 0);
	sd_make(&f, "p/state");
	expect_safe(&f);
	/* Anyone could rename the state directory away and put theirs. */
	assert_int_equal(chmod(parent, 0777), 0);
	expect_unsafe(&f, parent, "writable by group or others");
	assert_int_equal(chmod(parent, 0775), 0);
	expect_unsafe(&f, parent, "writable by group or others");
	/* Sticky, as /tmp: others cannot move what is ours. */
	assert_int_equal(chmod(parent, 01777), 0);
	expect_safe(&f);
	assert_int_equal(chmod(parent, 0755), 0);
	/* A parent of another (non-root) user's. */
	assert_int_equal(chown(parent, NOBODY, NOBODY), 0);
	expect_unsafe(&f, parent, "owned by another user");
	assert_int_equal(chown(parent, 0, 0), 0);
	/* Further up the tree: the temporary directory itself. */
	assert_int_equal(chmod(tmpdir, 0757), 0);
	expect_unsafe(&f, tmpdir, "writable by group or others");
	assert_int_equal(chmod(tmpdir, 0700), 0);
	expect_safe(&f);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_tmp, teardown_tmp)
	const struct CMUnitTest tests[] = {
		T(test_accounts_round_trip),
		T(test_accounts_add_refuses),
		T(test_accounts_max),
		T(test_accounts_load_missing),
		T(test_accounts_load_corrupt),
		T(test_accounts_load_duplicate),
		T(test_accounts_load_embedded_nul),
		T(test_roles_str),
		T(test_roles_str_exact_fit),
		T(test_passwd_rules),
		T(test_machine_round_trip),
		T(test_machine_rejects),
		T(test_machine_empty_file),
		T(test_machine_noncanonical),
		T(test_statedir_layout),
		T(test_statedir_init_limits),
		T(test_statedir_relative),
		T(test_statedir_bad_modes),
		T(test_statedir_other_owner),
		T(test_statedir_symlinks),
		T(test_statedir_parents),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
