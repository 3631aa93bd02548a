/*
 * Bounded ustar reader (see tarread.h). Header layout (POSIX.1-1988):
 * name 0..100, mode 100, uid 108, gid 116, size 124..136, mtime 136,
 * chksum 148..156, typeflag 156, linkname 157, magic 257..263,
 * version 263..265, uname 265, gname 297, devmajor 329, devminor 337,
 * prefix 345..500.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tarread.h"

#define H_NAME		0
#define H_SIZE		124
#define H_CHKSUM	148
#define H_TYPE		156
#define H_MAGIC		257
#define H_PREFIX	345

static int
failf(struct tarread *t, int err, uint64_t off, const char *what)
{
	snprintf(t->why, sizeof(t->why), "tar header at byte %llu: %s",
	    (unsigned long long)off, what);
	return err;
}

/* An octal field of n bytes: digits, then NULs or spaces only. */
static int
octal(const uint8_t *f, size_t n, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	while (i < n && f[i] == ' ')
		i++;
	if (i == n || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (*v > (UINT64_MAX >> 3))
			return -1;
		*v = (*v << 3) | (uint64_t)(f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != '\0' && f[i] != ' ')
			return -1;
	return 0;
}

static int
checksum_ok(const uint8_t *h)
{
	uint64_t want, sum = 0;
	size_t i;

	if (octal(h + H_CHKSUM, 8, &want) != 0)
		return 0;
	for (i = 0; i < TARREAD_BLOCK; i++)
		sum += (i >= H_CHKSUM && i < H_CHKSUM + 8) ? ' ' : h[i];
	return sum == want;
}

/* Copies a NUL-padded field; -1 if it holds a byte that is not printable
 * ASCII before its end. */
static int
field_str(const uint8_t *f, size_t n, char *out, size_t *len)
{
	size_t i;

	for (i = 0; i < n && f[i] != '\0'; i++) {
		if (f[i] < 0x21 || f[i] > 0x7e)
			return -1;
		out[i] = (char)f[i];
	}
	*len = i;
	for (; i < n; i++)
		if (f[i] != '\0')
			return -1;
	return 0;
}

/* Relative, no empty, "." or ".." component; a trailing '/' is dropped
 * (directories). */
static int
name_ok(char *s)
{
	size_t n = strlen(s);
	const char *c;

	if (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	if (n == 0 || s[0] == '/')
		return 0;
	for (c = s; c != NULL; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (*c == '/' || *c == '\0' || (c[0] == '.' && (c[1] == '/' ||
		    c[1] == '\0' || (c[1] == '.' && (c[2] == '/' ||
		    c[2] == '\0')))))
			return 0;
	}
	return 1;
}

static int
header_name(const uint8_t *h, char out[TARREAD_NAME_MAX])
{
	char prefix[156], name[101];
	size_t pl, nl;

	if (field_str(h + H_PREFIX, 155, prefix, &pl) != 0 ||
	    field_str(h + H_NAME, 100, name, &nl) != 0 || nl == 0)
		return -1;
	prefix[pl] = name[nl] = '\0';
	if (pl > 0)
		snprintf(out, TARREAD_NAME_MAX, "%s/%s", prefix, name);
	else
		snprintf(out, TARREAD_NAME_MAX, "%s", name);
	return name_ok(out) ? 0 : -1;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static int
add_member(struct tarread *t, const struct tarmember *m, size_t *cap)
{
	struct tarmember *nv;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->m[i].name, m->name) == 0)
			return failf(t, MK_ERR_EXISTS, m->offset,
			    "a second member of the same name");
	if (t->n == TARREAD_MEMBERS_MAX)
		return failf(t, MK_ERR_TOO_LARGE, m->offset, "too many members");
	if (t->n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		if ((nv = realloc(t->m, *cap * sizeof(*nv))) == NULL)
			return MK_ERR_ALLOC;
		t->m = nv;
	}
	t->m[t->n++] = *m;
	return 0;
}

/* One header at off; *next is where the following header starts. */
static int
one_header(struct tarread *t, const uint8_t *p, size_t len, size_t off,
    size_t *next, size_t *cap)
{
	const uint8_t *h = p + off;
	struct tarmember m;
	uint64_t size, blocks;

	memset(&m, 0, sizeof(m));
	m.offset = off;
	if (!checksum_ok(h))
		return failf(t, MK_ERR_FORMAT, off, "bad checksum");
	if (memcmp(h + H_MAGIC, "ustar\0" "00", 8) != 0)
		return failf(t, MK_ERR_FORMAT, off, "not a ustar header");
	if (header_name(h, m.name) != 0)
		return failf(t, MK_ERR_FORMAT, off, "unsafe or malformed name");
	if (octal(h + H_SIZE, 12, &size) != 0)
		return failf(t, MK_ERR_FORMAT, off, "malformed size");
	blocks = size / TARREAD_BLOCK + (size % TARREAD_BLOCK != 0);
	if (blocks > (len - off) / TARREAD_BLOCK - 1)
		return failf(t, MK_ERR_TRUNCATED, off, "member runs past the "
		    "end of the archive");
	*next = off + TARREAD_BLOCK + (size_t)blocks * TARREAD_BLOCK;
	if (h[H_TYPE] == '5')
		return size == 0 ? 0 : failf(t, MK_ERR_FORMAT, off,
		    "a directory with content");
	if (h[H_TYPE] != '0' && h[H_TYPE] != '\0')
		return failf(t, MK_ERR_FORMAT, off, "not a regular file or "
		    "directory (links and special files are refused)");
	m.data = h + TARREAD_BLOCK;
	m.size = size;
	return add_member(t, &m, cap);
}

int
tarread_parse(const uint8_t *p, size_t len, struct tarread *t)
{
	size_t off = 0, next, cap = 0;
	int r;

	memset(t, 0, sizeof(*t));
	if (len % TARREAD_BLOCK != 0)
		return failf(t, MK_ERR_TRUNCATED, len - len % TARREAD_BLOCK,
		    "the archive is not a whole number of 512-byte blocks");
	while (off < len) {
		if (all_zero(p + off, TARREAD_BLOCK)) {
			/* The end: nothing may follow but zeros. */
			if (all_zero(p + off, len - off))
				return 0;
			r = failf(t, MK_ERR_FORMAT, off, "data after the end "
			    "of the archive");
			tarread_free(t);
			return r;
		}
		if ((r = one_header(t, p, len, off, &next, &cap)) != 0) {
			tarread_free(t);
			return r;
		}
		off = next;
	}
	r = failf(t, MK_ERR_TRUNCATED, off, "no end-of-archive block");
	tarread_free(t);
	return r;
}

const struct tarmember *
tarread_find(const struct tarread *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->m[i].name, name) == 0)
			return &t->m[i];
	return NULL;
}

void
tarread_free(struct tarread *t)
{
	char why[sizeof(t->why)];

	memcpy(why, t->why, sizeof(why));
	free(t->m);
	memset(t, 0, sizeof(*t));
	memcpy(t->why, why, sizeof(why));
}
