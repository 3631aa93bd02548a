/*
 * Test tool: the attacks on an audit-log segment that matverify must catch,
 * made at the level of the segment's framing (header, length-prefixed
 * records with their MACs, the checkpoint trailer; docs/formats.md).
 *   segtool list SEG                       records: index offset length
 *   segtool edit SEG OUT flip N            one byte of record N's body
 *   segtool edit SEG OUT delete N          record N removed
 *   segtool edit SEG OUT dup N             a copy of record N inserted
 *   segtool edit SEG OUT swap N M          records N and M exchanged
 *   segtool edit SEG OUT truncate N        cut before record N (no trailer)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"

#define SEG_HEADER	48
#define MAC_LEN		32
#define TRAILER_MAGIC	"MATKSIG"
#define MAX_RECORDS	100000

struct seg {
	struct mkbuf	*b;
	size_t		 n;
	size_t		 off[MAX_RECORDS], len[MAX_RECORDS];
	size_t		 trailer;	/* offset, or 0 */
};

static int
parse(const char *path, struct seg *s)
{
	const uint8_t *p;
	size_t off = SEG_HEADER, total;
	uint32_t len;

	if (mkfs_read_file(path, 256u << 20, &s->b) != 0)
		return -1;
	p = mkbuf_ptr(s->b);
	total = mkbuf_len(s->b);
	while (off + 4 <= total) {
		if (memcmp(p + off, TRAILER_MAGIC, 7) == 0) {
			s->trailer = off;
			break;
		}
		len = mk_get_be32(p + off);
		if (off + 4 + len + MAC_LEN > total || s->n == MAX_RECORDS)
			return -1;
		s->off[s->n] = off;
		s->len[s->n++] = 4 + len + MAC_LEN;
		off += 4 + len + MAC_LEN;
	}
	return 0;
}

static void
put_rec(FILE *f, const struct seg *s, size_t i)
{
	fwrite(mkbuf_ptr(s->b) + s->off[i], 1, s->len[i], f);
}

static int
edit(struct seg *s, FILE *f, const char *op, size_t a, size_t b)
{
	const uint8_t *p = mkbuf_ptr(s->b);
	size_t i, total = mkbuf_len(s->b);

	if (a >= s->n || (strcmp(op, "swap") == 0 && b >= s->n))
		return -1;
	if (strcmp(op, "flip") == 0)
		mkbuf_mutable_ptr(s->b)[s->off[a] + 4 + 10] ^= 1;
	fwrite(p, 1, SEG_HEADER, f);
	for (i = 0; i < s->n; i++) {
		if (strcmp(op, "truncate") == 0 && i == a)
			return 0;
		if (strcmp(op, "delete") == 0 && i == a)
			continue;
		if (strcmp(op, "swap") == 0 && (i == a || i == b))
			put_rec(f, s, i == a ? b : a);
		else
			put_rec(f, s, i);
		if (strcmp(op, "dup") == 0 && i == a)
			put_rec(f, s, i);
	}
	if (s->trailer != 0)
		fwrite(p + s->trailer, 1, total - s->trailer, f);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct seg s;
	FILE *f;
	size_t i;
	int r;

	if (argc < 3 || parse(argv[2], &s) != 0) {
		fprintf(stderr, "segtool: usage or unreadable segment\n");
		return 2;
	}
	if (strcmp(argv[1], "list") == 0) {
		for (i = 0; i < s.n; i++)
			printf("%zu %zu %zu\n", i, s.off[i], s.len[i]);
		if (s.trailer)
			printf("trailer %zu\n", s.trailer);
		return 0;
	}
	if (strcmp(argv[1], "edit") != 0 || argc < 6 ||
	    (f = fopen(argv[3], "w")) == NULL)
		return 2;
	r = edit(&s, f, argv[4], strtoul(argv[5], NULL, 10),
	    argc > 6 ? strtoul(argv[6], NULL, 10) : 0);
	fclose(f);
	mkbuf_free(s.b);
	return r == 0 ? 0 : 1;
}
