#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cast.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/cry.h"
#include "repair.h"
#include "statedir.h"

/* A part never grows past this before it is written (an event line is
 * at most six times its data, which is at most 64 KiB). */
#define PENDING_MAX	(REPAIR_PART_BYTES + 8 * 65536)

struct recorder {
	int		 fd;
	int		 failed;
	uint64_t	 size;		/* bytes written (the logged parts) */
	uint64_t	 parts;
	uint8_t		 last[REPAIR_HASH_LEN];
	struct mkbuf	*pending;
};

void
repair_genesis(uint32_t id, uint8_t out[REPAIR_HASH_LEN])
{
	char text[64];
	int n;

	n = snprintf(text, sizeof(text), "matkiosk repair recording %" PRIu32,
	    id);
	cry_sha256(text, (size_t)n, out);
}

static void
chain(const uint8_t prev[REPAIR_HASH_LEN], const void *p, size_t len,
    uint8_t out[REPAIR_HASH_LEN])
{
	const void *parts[2] = { prev, p };
	size_t lens[2] = { REPAIR_HASH_LEN, len };

	cry_sha256_v(out, 2, parts, lens);
}

int
recorder_open(const char *path, uint32_t id, unsigned cols, unsigned rows,
    int64_t timestamp, const char *title, struct recorder **out)
{
	struct recorder *rec;
	int r;

	*out = NULL;
	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		return MK_ERR_ALLOC;
	rec->fd = -1;
	repair_genesis(id, rec->last);
	if ((rec->pending = mkbuf_new(PENDING_MAX)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if ((r = cast_put_header(rec->pending, cols, rows, timestamp,
	    title)) != 0)
		goto out;
	if ((rec->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	*out = rec;
	rec = NULL;
 out:
	recorder_free(rec);
	return r;
}

void
recorder_free(struct recorder *rec)
{
	if (rec == NULL)
		return;
	if (rec->fd >= 0)
		close(rec->fd);
	mkbuf_free(rec->pending);
	free(rec);
}

int
recorder_add(struct recorder *rec, uint64_t t_us, char type,
    const void *data, size_t len)
{
	if (rec->failed)
		return MK_ERR_IO;
	return cast_put_event(rec->pending, t_us, type, data, len);
}

size_t
recorder_pending(const struct recorder *rec)
{
	return mkbuf_len(rec->pending);
}

int
recorder_flush(struct recorder *rec, struct repair_part *part)
{
	size_t len = mkbuf_len(rec->pending);
	int r;

	memset(part, 0, sizeof(*part));
	if (rec->failed)
		return MK_ERR_IO;
	if (len == 0)
		return 0;
	if ((r = mkfs_write_all(rec->fd, mkbuf_ptr(rec->pending), len)) != 0 ||
	    (fdatasync(rec->fd) != 0 && (r = mkerr_from_errno(errno)) != 0)) {
		/* Nothing half-written stays: the file remains exactly the
		 * logged parts. */
		rec->failed = 1;
		if (ftruncate(rec->fd, (off_t)rec->size) != 0 ||
		    lseek(rec->fd, (off_t)rec->size, SEEK_SET) < 0)
			(void)0;	/* already failing */
		return r;
	}
	part->seq = rec->parts;
	part->offset = rec->size;
	part->len = len;
	memcpy(part->prev, rec->last, REPAIR_HASH_LEN);
	chain(rec->last, mkbuf_ptr(rec->pending), len, part->hash);
	memcpy(rec->last, part->hash, REPAIR_HASH_LEN);
	rec->size += len;
	rec->parts++;
	mkbuf_reset(rec->pending);
	return 1;
}

void
recorder_state(const struct recorder *rec, uint64_t *size, uint64_t *parts,
    uint8_t last[REPAIR_HASH_LEN])
{
	*size = rec->size;
	*parts = rec->parts;
	memcpy(last, rec->last, REPAIR_HASH_LEN);
}

/* ---- verification ---- */

static int
cmp_seq(const void *a, const void *b)
{
	const struct repair_part *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
check_part(int fd, const struct repair_part *pt, const uint8_t *prev,
    uint8_t *buf, char *why, size_t whylen)
{
	uint8_t h[REPAIR_HASH_LEN];
	size_t got = 0;
	int r;

	if (lseek(fd, (off_t)pt->offset, SEEK_SET) < 0 ||
	    (r = mkfs_read_full(fd, buf, (size_t)pt->len, &got)) != 0 ||
	    got != pt->len) {
		snprintf(why, whylen, "part %" PRIu64 " (bytes %" PRIu64
		    "..%" PRIu64 ") is missing: the recording was cut short",
		    pt->seq, pt->offset, pt->offset + pt->len);
		return MK_ERR_RECORDING;
	}
	chain(prev, buf, (size_t)pt->len, h);
	if (cry_ct_equal(h, pt->hash, REPAIR_HASH_LEN))
		return 0;
	snprintf(why, whylen, "part %" PRIu64 " (bytes %" PRIu64 "..%" PRIu64
	    ") differs from what the log recorded: the recording was altered",
	    pt->seq, pt->offset, pt->offset + pt->len);
	return MK_ERR_RECORDING;
}

/* The logged parts themselves must form one chain over one file. */
static int
check_order(uint32_t id, const struct repair_part *parts, size_t n,
    char *why, size_t whylen)
{
	uint8_t prev[REPAIR_HASH_LEN];
	uint64_t off = 0;
	size_t i;

	repair_genesis(id, prev);
	for (i = 0; i < n; i++) {
		if (parts[i].seq != i || parts[i].offset != off ||
		    parts[i].len == 0 || parts[i].len > REPAIR_PART_MAX ||
		    !cry_ct_equal(parts[i].prev, prev, REPAIR_HASH_LEN)) {
			snprintf(why, whylen, "the log's record of part %zu "
			    "does not follow the one before", i);
			return MK_ERR_RECORDING;
		}
		memcpy(prev, parts[i].hash, REPAIR_HASH_LEN);
		off += parts[i].len;
	}
	return 0;
}

int
repair_verify(int fd, uint32_t id, struct repair_part *parts, size_t n,
    repair_part_fn fn, void *arg, char *why, size_t whylen)
{
	uint8_t prev[REPAIR_HASH_LEN], *buf = NULL;
	struct stat st;
	uint64_t end = 0;
	size_t i;
	int r;

	if (n == 0) {
		snprintf(why, whylen, "the log holds no part of this "
		    "recording");
		return MK_ERR_RECORDING;
	}
	qsort(parts, n, sizeof(*parts), cmp_seq);
	if ((r = check_order(id, parts, n, why, whylen)) != 0)
		return r;
	if ((buf = malloc(REPAIR_PART_MAX)) == NULL)
		return MK_ERR_ALLOC;
	repair_genesis(id, prev);
	for (i = 0; i < n; i++) {
		if ((r = check_part(fd, &parts[i], prev, buf, why,
		    whylen)) != 0 || (fn != NULL &&
		    (r = fn(buf, (size_t)parts[i].len, arg)) != 0))
			goto out;
		memcpy(prev, parts[i].hash, REPAIR_HASH_LEN);
		end = parts[i].offset + parts[i].len;
	}
	if (fstat(fd, &st) != 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	if ((uint64_t)st.st_size != end) {
		snprintf(why, whylen, "the file holds %" PRIu64 " bytes, the "
		    "log %" PRIu64 ": the recording was altered",
		    (uint64_t)st.st_size, end);
		r = MK_ERR_RECORDING;
	}
 out:
	free(buf);
	return r;
}

/* ---- the session index, STATE/repair/N.info ---- */

int
repair_file(const char *root, uint32_t id, const char *ext, char *out,
    size_t outlen)
{
	if (ext == NULL)
		return mkfs_path(out, outlen, "%s/repair", root);
	return mkfs_path(out, outlen, "%s/repair/%" PRIu32 ".%s", root, id,
	    ext);
}

int
repair_info_save(const char *root, const struct repair_info *ri)
{
	char path[REPAIR_PATH_MAX], text[REPAIR_INFO_MAX];
	int n;

	n = snprintf(text, sizeof(text), "id=%" PRIu32 "\nsupervisor=%s\n"
	    "technician=%s\nreason=%s\nstarted=%" PRId64 "\nlimit=%" PRIu64
	    "\nended=%" PRId64 "\nend=%s\nexit=%" PRIu64 "\nsize=%" PRIu64
	    "\nparts=%" PRIu64 "\nsha256=%s\nsigned-by=%s\nsigned-at=%" PRId64
	    "\nminutes-sha256=%s\n", ri->id, ri->sup, ri->tech, ri->reason,
	    ri->started, ri->limit, ri->ended, ri->end, ri->exitst, ri->size,
	    ri->parts, ri->sha, ri->signed_by, ri->signed_at,
	    ri->minutes_sha);
	if (n < 0 || (size_t)n >= sizeof(text))
		return MK_ERR_TOO_LARGE;
	if (repair_file(root, ri->id, "info", path, sizeof(path)) != 0)
		return MK_ERR_TOO_LARGE;
	return mkfs_atomic_write(path, text, (size_t)n, 0600);
}

static void
info_field(struct repair_info *ri, const char *k, const char *v)
{
	if (strcmp(k, "supervisor") == 0)
		snprintf(ri->sup, sizeof(ri->sup), "%s", v);
	else if (strcmp(k, "technician") == 0)
		snprintf(ri->tech, sizeof(ri->tech), "%s", v);
	else if (strcmp(k, "reason") == 0)
		snprintf(ri->reason, sizeof(ri->reason), "%s", v);
	else if (strcmp(k, "started") == 0)
		ri->started = strtoll(v, NULL, 10);
	else if (strcmp(k, "limit") == 0)
		ri->limit = strtoull(v, NULL, 10);
	else if (strcmp(k, "ended") == 0)
		ri->ended = strtoll(v, NULL, 10);
	else if (strcmp(k, "end") == 0)
		snprintf(ri->end, sizeof(ri->end), "%s", v);
	else if (strcmp(k, "exit") == 0)
		ri->exitst = strtoull(v, NULL, 10);
	else if (strcmp(k, "size") == 0)
		ri->size = strtoull(v, NULL, 10);
	else if (strcmp(k, "parts") == 0)
		ri->parts = strtoull(v, NULL, 10);
	else if (strcmp(k, "sha256") == 0)
		snprintf(ri->sha, sizeof(ri->sha), "%s", v);
	else if (strcmp(k, "signed-by") == 0)
		snprintf(ri->signed_by, sizeof(ri->signed_by), "%s", v);
	else if (strcmp(k, "signed-at") == 0)
		ri->signed_at = strtoll(v, NULL, 10);
	else if (strcmp(k, "minutes-sha256") == 0)
		snprintf(ri->minutes_sha, sizeof(ri->minutes_sha), "%s", v);
}

int
repair_info_load(const char *root, uint32_t id, struct repair_info *ri)
{
	char path[REPAIR_PATH_MAX], *text, *line, *save, *eq;
	struct mkbuf *b = NULL;
	int r;

	memset(ri, 0, sizeof(*ri));
	ri->id = id;
	if ((r = repair_file(root, id, "info", path, sizeof(path))) != 0 ||
	    (r = mkfs_read_file(path, REPAIR_INFO_MAX, &b)) != 0)
		return r == MK_ERR_SYSTEM ? MK_ERR_NOT_FOUND : r;
	if ((text = calloc(1, mkbuf_len(b) + 1)) == NULL) {
		mkbuf_free(b);
		return MK_ERR_ALLOC;
	}
	memcpy(text, mkbuf_ptr(b), mkbuf_len(b));
	mkbuf_free(b);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if ((eq = strchr(line, '=')) != NULL) {
			*eq = '\0';
			info_field(ri, line, eq + 1);
		}
	free(text);
	return 0;
}

