#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/text.h"

#define ACCT_MAGIC	"MATKACCT"
#define ACCT_VERSION	2
#define ACCT_FILE_MAX	(ACCOUNTS_MAX * 1200 + 64)

struct accounts {
	struct account	*v;
	size_t		 n;
};

static const struct {
	uint32_t	 bit;
	const char	*name;
} role_names[] = {
	{ ROLE_SUPERVISOR, "supervisor" },
	{ ROLE_IT_OFFICER, "it-officer" },
	{ ROLE_DRAFTER, "drafter" },
	{ ROLE_TECHNICIAN, "technician" },
	{ ROLE_INSPECTOR, "inspector" },
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

struct accounts *
accounts_new(void)
{
	return calloc(1, sizeof(struct accounts));
}

void
accounts_free(struct accounts *a)
{
	if (a == NULL)
		return;
	free(a->v);
	free(a);
}

size_t
accounts_count(const struct accounts *a)
{
	return a->n;
}

const struct account *
accounts_at(const struct accounts *a, size_t i)
{
	return i < a->n ? &a->v[i] : NULL;
}

const struct account *
accounts_find(const struct accounts *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return &a->v[i];
	return NULL;
}

struct account *
accounts_find_mut(struct accounts *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return &a->v[i];
	return NULL;
}

size_t
accounts_count_active(const struct accounts *a, uint32_t roles,
    const char *skip)
{
	size_t i, n = 0;

	for (i = 0; i < a->n; i++)
		if (!(a->v[i].flags & ACCOUNT_DISABLED) &&
		    (a->v[i].roles & roles) &&
		    (skip == NULL || strcmp(a->v[i].name, skip) != 0))
			n++;
	return n;
}

static int
account_valid(const struct account *acct)
{
	return mktext_valid_name(acct->name) &&
	    mktext_is_clean(acct->full_name, strlen(acct->full_name)) &&
	    (acct->roles & ~(uint32_t)ROLE_ALL) == 0 && acct->roles != 0 &&
	    (acct->flags & ~(uint32_t)ACCOUNT_FLAGS) == 0 &&
	    acct->nhist <= ACCOUNT_HISTORY_MAX;
}

int
accounts_add(struct accounts *a, const struct account *acct)
{
	struct account *nv;

	if (!account_valid(acct))
		return MK_ERR_ARGUMENT;
	if (accounts_find(a, acct->name) != NULL)
		return MK_ERR_EXISTS;
	if (a->n >= ACCOUNTS_MAX)
		return MK_ERR_TOO_LARGE;
	if ((nv = realloc(a->v, (a->n + 1) * sizeof(*nv))) == NULL)
		return MK_ERR_ALLOC;
	a->v = nv;
	a->v[a->n++] = *acct;
	return 0;
}

static int
rd_copy(struct mkrd *r, void *out, size_t n)
{
	const uint8_t *p;
	int e;

	if ((e = mkrd_bytes(r, n, &p)) == 0)
		memcpy(out, p, n);
	return e;
}

static int
rd_time(struct mkrd *r, int64_t *t)
{
	uint64_t v;
	int e;

	if ((e = mkrd_u64(r, &v)) == 0)
		*t = (int64_t)v;
	return e;
}

static int
parse_one(struct mkrd *r, struct account *acct)
{
	unsigned i;
	int e;

	memset(acct, 0, sizeof(*acct));
	if ((e = mkrd_cstr(r, acct->name, sizeof(acct->name))) != 0 ||
	    (e = mkrd_cstr(r, acct->full_name,
	    sizeof(acct->full_name))) != 0 ||
	    (e = mkrd_u32(r, &acct->roles)) != 0 ||
	    (e = rd_time(r, &acct->created)) != 0 ||
	    (e = mkrd_u8(r, &acct->flags)) != 0 ||
	    (e = rd_copy(r, acct->pk, ACCOUNT_PK_LEN)) != 0 ||
	    (e = rd_time(r, &acct->pw_set)) != 0 ||
	    (e = mkrd_u32(r, &acct->failed)) != 0 ||
	    (e = rd_time(r, &acct->locked_until)) != 0 ||
	    (e = rd_time(r, &acct->last_login)) != 0 ||
	    (e = rd_time(r, &acct->disabled_at)) != 0 ||
	    (e = rd_copy(r, acct->hist_salt, ACCOUNT_SALT_LEN)) != 0 ||
	    (e = mkrd_u8(r, &acct->nhist)) != 0)
		return e;
	if (acct->nhist > ACCOUNT_HISTORY_MAX)
		return MK_ERR_FORMAT;
	for (i = 0; i < acct->nhist; i++)
		if ((e = rd_copy(r, acct->hist[i], ACCOUNT_HASH_LEN)) != 0)
			return e;
	return account_valid(acct) ? 0 : MK_ERR_FORMAT;
}

int
accounts_load(const char *path, struct accounts **out)
{
	struct accounts *a = NULL;
	struct account acct;
	struct mkbuf *b = NULL;
	const uint8_t *magic;
	struct mkrd r;
	uint16_t version, count, i;
	int e;

	*out = NULL;
	if ((e = mkfs_read_file(path, ACCT_FILE_MAX, &b)) != 0)
		return e;
	mkrd_init(&r, mkbuf_ptr(b), mkbuf_len(b));
	if ((a = accounts_new()) == NULL) {
		e = MK_ERR_ALLOC;
		goto out;
	}
	if ((e = mkrd_bytes(&r, 8, &magic)) != 0 ||
	    (e = mkrd_u16(&r, &version)) != 0 ||
	    (e = mkrd_u16(&r, &count)) != 0)
		goto out;
	if (memcmp(magic, ACCT_MAGIC, 8) != 0) {
		e = MK_ERR_FORMAT;
		goto out;
	}
	if (version != ACCT_VERSION) {
		e = MK_ERR_VERSION;
		goto out;
	}
	for (i = 0; i < count; i++)
		if ((e = parse_one(&r, &acct)) != 0 ||
		    (e = accounts_add(a, &acct)) != 0)
			goto out;
	if (mkrd_left(&r) != 0) {
		e = MK_ERR_TRAILING;
		goto out;
	}
	*out = a;
	a = NULL;
 out:
	accounts_free(a);
	mkbuf_free(b);
	return e;
}

int
accounts_save(const struct accounts *a, const char *path)
{
	struct mkbuf *b;
	size_t i;
	int e;

	if ((b = mkbuf_new(ACCT_FILE_MAX)) == NULL)
		return MK_ERR_ALLOC;
	if ((e = mkbuf_put(b, ACCT_MAGIC, 8)) != 0 ||
	    (e = mkbuf_put_u16(b, ACCT_VERSION)) != 0 ||
	    (e = mkbuf_put_u16(b, (uint16_t)a->n)) != 0)
		goto out;
	for (i = 0; i < a->n; i++) {
		const struct account *c = &a->v[i];
		unsigned h;

		if ((e = mkbuf_put_cstr(b, c->name)) != 0 ||
		    (e = mkbuf_put_cstr(b, c->full_name)) != 0 ||
		    (e = mkbuf_put_u32(b, c->roles)) != 0 ||
		    (e = mkbuf_put_u64(b, (uint64_t)c->created)) != 0 ||
		    (e = mkbuf_put_u8(b, c->flags)) != 0 ||
		    (e = mkbuf_put(b, c->pk, ACCOUNT_PK_LEN)) != 0 ||
		    (e = mkbuf_put_u64(b, (uint64_t)c->pw_set)) != 0 ||
		    (e = mkbuf_put_u32(b, c->failed)) != 0 ||
		    (e = mkbuf_put_u64(b, (uint64_t)c->locked_until)) != 0 ||
		    (e = mkbuf_put_u64(b, (uint64_t)c->last_login)) != 0 ||
		    (e = mkbuf_put_u64(b, (uint64_t)c->disabled_at)) != 0 ||
		    (e = mkbuf_put(b, c->hist_salt, ACCOUNT_SALT_LEN)) != 0 ||
		    (e = mkbuf_put_u8(b, c->nhist)) != 0)
			goto out;
		for (h = 0; h < c->nhist; h++)
			if ((e = mkbuf_put(b, c->hist[h],
			    ACCOUNT_HASH_LEN)) != 0)
				goto out;
	}
	e = mkfs_atomic_write(path, mkbuf_ptr(b), mkbuf_len(b), 0600);
 out:
	mkbuf_free(b);
	return e;
}

int
accounts_roles_str(uint32_t roles, char *out, size_t outlen)
{
	size_t i, o = 0, n;

	if (outlen == 0)
		return MK_ERR_ARGUMENT;
	out[0] = '\0';
	for (i = 0; i < NROLES; i++) {
		if (!(roles & role_names[i].bit))
			continue;
		n = strlen(role_names[i].name);
		if (o + (o > 0) + n + 1 > outlen)
			return MK_ERR_TOO_LARGE;
		if (o > 0)
			out[o++] = ',';
		memcpy(out + o, role_names[i].name, n + 1);
		o += n;
	}
	return 0;
}

const char *
accounts_primary_role(uint32_t roles)
{
	size_t i;

	for (i = 0; i < NROLES; i++)
		if (roles & role_names[i].bit)
			return role_names[i].name;
	return "-";
}

int
accounts_roles_parse(const char *s, uint32_t *roles)
{
	const char *p = s, *e;
	size_t i, n;

	*roles = 0;
	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < NROLES; i++)
			if (strlen(role_names[i].name) == n &&
			    strncmp(role_names[i].name, p, n) == 0)
				break;
		if (i == NROLES)
			return MK_ERR_USAGE;
		*roles |= role_names[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return *roles != 0 ? 0 : MK_ERR_USAGE;
}

void
accounts_flags_str(const struct account *acct, int64_t now, char *out,
    size_t outlen)
{
	snprintf(out, outlen, "%s%s%s%s",
	    acct->flags & ACCOUNT_DISABLED ? "disabled," : "",
	    acct->flags & ACCOUNT_MUST_CHANGE ? "must-change," : "",
	    acct->flags & ACCOUNT_KEY_PENDING ? "key-pending," : "",
	    acct->locked_until > now ? "locked," : "");
	if (out[0] != '\0')
		out[strlen(out) - 1] = '\0';
	else
		snprintf(out, outlen, "-");
}
