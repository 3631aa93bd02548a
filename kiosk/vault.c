#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "crypto/cry.h"
#include "vault.h"

#define DOC_SUFFIX	".mkd"
#define TMP_PREFIX	".tmp-"

struct vault {
	char	dir[1024];
	int	dirfd;
};

struct vault_import {
	struct vault		*v;
	struct docfmt_enc	*enc;
	int			 fd;
	char			 tmpname[64];	/* "" with O_TMPFILE */
	char			 id[VAULT_ID_HEX + 1];
	uint8_t			*chunk;		/* pending plaintext */
	size_t			 fill;
	uint8_t			*ct;
	uint64_t		 size;
	gcry_md_hd_t		 md;
};

struct vault_reader {
	struct docfmt_dec	*verify;	/* first pass */
	struct docfmt_dec	*dec;		/* second pass */
	int			 fd;
	int			 verified;
	uint64_t		 start, off, end;	/* body offsets */
	uint8_t			*ct;
};

int
vault_open(const char *dir, struct vault **out)
{
	struct vault *v;
	int r;

	*out = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return MK_ERR_ALLOC;
	if ((r = mkfs_path(v->dir, sizeof(v->dir), "%s", dir)) != 0) {
		free(v);
		return r;
	}
	if ((v->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = mkerr_from_errno(errno);
		free(v);
		return r;
	}
	*out = v;
	return 0;
}

void
vault_free(struct vault *v)
{
	if (v == NULL)
		return;
	close(v->dirfd);
	free(v);
}

int
vault_id_valid(const char *id)
{
	size_t i;

	if (strlen(id) != VAULT_ID_HEX)
		return 0;
	for (i = 0; i < VAULT_ID_HEX; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

int
vault_cleanup(struct vault *v, unsigned *removed)
{
	struct dirent *de;
	DIR *d;
	int fd;

	*removed = 0;
	if ((fd = dup(v->dirfd)) < 0)
		return mkerr_from_errno(errno);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return mkerr_from_errno(errno);
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		if (unlinkat(v->dirfd, de->d_name, 0) == 0)
			(*removed)++;
	}
	closedir(d);
	return *removed > 0 ? mkfs_fsync_dir(v->dir) : 0;
}

/* An unnamed file where the filesystem allows it: if the daemon is killed
 * mid-import, the kernel frees it and no partial document exists at all. */
static int
open_tmp(struct vault_import *im)
{
	uint8_t rnd[8];
	char hex[17];

	im->tmpname[0] = '\0';
	im->fd = openat(im->v->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC,
	    0600);
	if (im->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return mkerr_from_errno(errno);
	cry_random(rnd, sizeof(rnd));
	mk_hex(rnd, sizeof(rnd), hex);
	if (mkfs_path(im->tmpname, sizeof(im->tmpname), "%s%s", TMP_PREFIX,
	    hex) != 0)
		return MK_ERR_INTERNAL;
	im->fd = openat(im->v->dirfd, im->tmpname,
	    O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	return im->fd < 0 ? mkerr_from_errno(errno) : 0;
}

int
vault_import_begin(struct vault *v, const uint8_t mk[DOCFMT_KEY_LEN],
    uint32_t key_epoch, int classification, const struct docfmt_meta *meta,
    struct vault_import **out)
{
	struct vault_import *im;
	const uint8_t *hdr;
	size_t hdrlen;
	int r;

	*out = NULL;
	if ((im = calloc(1, sizeof(*im))) == NULL)
		return MK_ERR_ALLOC;
	im->v = v;
	im->fd = -1;
	if ((im->chunk = cry_secure_alloc(DOCFMT_CHUNK)) == NULL ||
	    (im->ct = malloc(DOCFMT_CT_CHUNK)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	if (gcry_md_open(&im->md, GCRY_MD_SHA256, GCRY_MD_FLAG_SECURE) != 0) {
		r = MK_ERR_CRYPTO;
		goto out;
	}
	if ((r = docfmt_enc_new(mk, key_epoch, classification, meta,
	    &im->enc)) != 0 || (r = open_tmp(im)) != 0)
		goto out;
	mk_hex(docfmt_enc_id(im->enc), DOCFMT_ID_LEN, im->id);
	hdr = docfmt_enc_header(im->enc, &hdrlen);
	if ((r = mkfs_write_all(im->fd, hdr, hdrlen)) != 0)
		goto out;
	*out = im;
	return 0;
 out:
	vault_import_abort(im);
	return r;
}

const char *
vault_import_id(const struct vault_import *im)
{
	return im->id;
}

static int
flush_chunk(struct vault_import *im, int last)
{
	int r;

	if ((r = docfmt_enc_chunk(im->enc, im->chunk, im->fill, last,
	    im->ct)) != 0)
		return r;
	r = mkfs_write_all(im->fd, im->ct, im->fill + DOCFMT_TAG);
	mk_wipe(im->chunk, im->fill);
	im->fill = 0;
	return r;
}

int
vault_import_write(struct vault_import *im, const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t take;
	int r;

	gcry_md_write(im->md, p, n);
	im->size += n;
	while (n > 0) {
		/* A full chunk is sealed only once more data shows it is not
		 * the last one. */
		if (im->fill == DOCFMT_CHUNK && (r = flush_chunk(im, 0)) != 0)
			return r;
		take = DOCFMT_CHUNK - im->fill;
		if (take > n)
			take = n;
		memcpy(im->chunk + im->fill, s, take);
		im->fill += take;
		s += take;
		n -= take;
	}
	return 0;
}

static int
link_final(struct vault_import *im)
{
	char name[VAULT_ID_HEX + 8], proc[64];

	if (mkfs_path(name, sizeof(name), "%s%s", im->id, DOC_SUFFIX) != 0)
		return MK_ERR_INTERNAL;
	if (im->tmpname[0] != '\0') {
		if (renameat(im->v->dirfd, im->tmpname, im->v->dirfd,
		    name) != 0)
			return mkerr_from_errno(errno);
		im->tmpname[0] = '\0';
		return 0;
	}
	if (mkfs_path(proc, sizeof(proc), "/proc/self/fd/%d", im->fd) != 0)
		return MK_ERR_INTERNAL;
	if (linkat(AT_FDCWD, proc, im->v->dirfd, name, AT_SYMLINK_FOLLOW) != 0)
		return mkerr_from_errno(errno);
	return 0;
}

int
vault_import_commit(struct vault_import *im, uint64_t *size,
    uint8_t sha256[32])
{
	int r;

	*size = 0;
	if ((r = flush_chunk(im, 1)) != 0)
		goto out;
	if (fsync(im->fd) != 0) {
		r = mkerr_from_errno(errno);
		goto out;
	}
	if ((r = link_final(im)) != 0 || (r = mkfs_fsync_dir(im->v->dir)) != 0)
		goto out;
	*size = im->size;
	memcpy(sha256, gcry_md_read(im->md, GCRY_MD_SHA256), 32);
 out:
	vault_import_abort(im);
	return r;
}

void
vault_import_abort(struct vault_import *im)
{
	if (im == NULL)
		return;
	if (im->fd >= 0)
		close(im->fd);
	if (im->tmpname[0] != '\0')
		unlinkat(im->v->dirfd, im->tmpname, 0);
	docfmt_enc_free(im->enc);
	cry_secure_free(im->chunk, DOCFMT_CHUNK);
	free(im->ct);
	gcry_md_close(im->md);
	mk_wipe(im, sizeof(*im));
	free(im);
}

static int
open_doc(struct vault *v, const char *id, int *fd, uint64_t *len)
{
	char name[VAULT_ID_HEX + 8];
	struct stat st;

	*fd = -1;
	if (!vault_id_valid(id))
		return MK_ERR_NOT_FOUND;
	if (mkfs_path(name, sizeof(name), "%s%s", id, DOC_SUFFIX) != 0)
		return MK_ERR_INTERNAL;
	if ((*fd = openat(v->dirfd, name, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return MK_ERR_FORMAT;
	}
	*len = (uint64_t)st.st_size;
	return 0;
}

/* Reads and opens the header of fd into a decoder. */
static int
open_header(int fd, const uint8_t *mk, struct vault_doc *doc,
    struct docfmt_dec **dec)
{
	uint8_t hdr[DOCFMT_HEADER_MAX];
	struct docfmt_info info;
	size_t got;
	int r;

	*dec = NULL;
	if ((r = mkfs_read_full(fd, hdr, sizeof(hdr), &got)) != 0)
		return r;
	if ((r = docfmt_parse_info(hdr, got, &info)) != 0)
		return r;
	doc->classification = info.classification;
	return docfmt_dec_new(mk, hdr, info.header_len, &doc->meta, dec);
}

int
vault_describe(struct vault *v, const uint8_t mk[DOCFMT_KEY_LEN],
    const char *id, struct vault_doc *doc)
{
	struct docfmt_dec *dec = NULL;
	uint64_t len;
	int fd, r;

	memset(doc, 0, sizeof(*doc));
	snprintf(doc->id, sizeof(doc->id), "%s", id);
	if ((r = open_doc(v, id, &fd, &len)) != 0)
		return r;
	if ((r = open_header(fd, mk, doc, &dec)) == 0)
		r = docfmt_plain_len(docfmt_dec_info(dec)->header_len, len,
		    &doc->size);
	docfmt_dec_free(dec);
	close(fd);
	return r;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
vault_ids(struct vault *v, char ***ids, size_t *n)
{
	struct dirent *de;
	char **list = NULL, **nl, id[VAULT_ID_HEX + 1];
	size_t count = 0, len;
	DIR *d;
	int fd, r = 0;

	*ids = NULL;
	*n = 0;
	if ((fd = dup(v->dirfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		r = mkerr_from_errno(errno);
		if (fd >= 0)
			close(fd);
		return r;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len != VAULT_ID_HEX + strlen(DOC_SUFFIX) ||
		    strcmp(de->d_name + VAULT_ID_HEX, DOC_SUFFIX) != 0)
			continue;
		memcpy(id, de->d_name, VAULT_ID_HEX);
		id[VAULT_ID_HEX] = '\0';
		if (!vault_id_valid(id))
			continue;
		if ((nl = realloc(list, (count + 1) * sizeof(*nl))) == NULL ||
		    (nl[count] = strdup(id)) == NULL) {
			list = nl != NULL ? nl : list;
			r = MK_ERR_ALLOC;
			break;
		}
		list = nl;
		count++;
	}
	closedir(d);
	if (r == 0 && count > 1)
		qsort(list, count, sizeof(*list), cmp_names);
	*ids = list;
	*n = count;
	return r;
}

void
vault_ids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int
vault_read_open(struct vault *v, const uint8_t mk[DOCFMT_KEY_LEN],
    const char *id, struct vault_doc *doc, struct vault_reader **out)
{
	struct vault_reader *rd;
	struct vault_doc again;
	uint64_t len;
	int r;

	*out = NULL;
	memset(doc, 0, sizeof(*doc));
	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return MK_ERR_ALLOC;
	rd->fd = -1;
	snprintf(doc->id, sizeof(doc->id), "%s", id);
	if ((r = open_doc(v, id, &rd->fd, &len)) != 0)
		goto out;
	/* Two decoders from one look at the key: one for the verifying pass,
	 * one for reading; neither needs mk again. */
	if ((r = open_header(rd->fd, mk, doc, &rd->verify)) != 0 ||
	    lseek(rd->fd, 0, SEEK_SET) != 0 ||
	    (r = open_header(rd->fd, mk, &again, &rd->dec)) != 0)
		goto out;
	mk_wipe(&again, sizeof(again));
	rd->start = rd->off = docfmt_dec_info(rd->dec)->header_len;
	rd->end = len;
	if ((r = docfmt_plain_len(rd->start, len, &doc->size)) != 0)
		goto out;
	if ((rd->ct = malloc(DOCFMT_CT_CHUNK)) == NULL) {
		r = MK_ERR_ALLOC;
		goto out;
	}
	*out = rd;
	return 0;
 out:
	vault_read_close(rd);
	return r;
}

/* Reads the chunk at rd->off into rd->ct; *len its size, *last whether it
 * is the final one. */
static int
read_chunk(struct vault_reader *rd, uint64_t off, size_t *len, int *last)
{
	size_t want, got;
	ssize_t n;

	want = rd->end - off > DOCFMT_CT_CHUNK ? DOCFMT_CT_CHUNK :
	    (size_t)(rd->end - off);
	*last = off + want == rd->end;
	for (got = 0; got < want; got += (size_t)n) {
		n = pread(rd->fd, rd->ct + got, want - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return n < 0 ? mkerr_from_errno(errno) :
			    MK_ERR_TRUNCATED;
	}
	*len = want;
	return 0;
}

int
vault_read_verify(struct vault_reader *rd, vault_cancel_fn cancel, void *arg)
{
	uint8_t *scratch;
	uint64_t off;
	size_t len;
	int last = 0, r = 0;

	if ((scratch = cry_secure_alloc(DOCFMT_CHUNK)) == NULL)
		return MK_ERR_ALLOC;
	for (off = rd->start; off < rd->end && r == 0; off += len) {
		if (cancel != NULL && cancel(arg)) {
			r = MK_ERR_LOCKED;
			break;
		}
		if ((r = read_chunk(rd, off, &len, &last)) == 0)
			r = docfmt_dec_chunk(rd->verify, rd->ct, len, last,
			    scratch);
	}
	if (r == 0)
		r = docfmt_dec_finish(rd->verify);
	cry_secure_free(scratch, DOCFMT_CHUNK);
	/* The verifying decoder's keys are not needed any more. */
	docfmt_dec_free(rd->verify);
	rd->verify = NULL;
	rd->verified = r == 0;
	return r;
}

int
vault_read_next(struct vault_reader *rd, uint8_t *buf, size_t *n)
{
	size_t want;
	int last, e;

	*n = 0;
	/* Unverified plaintext never leaves: verify first. */
	if (!rd->verified)
		return MK_ERR_INTERNAL;
	if (rd->off >= rd->end)
		return docfmt_dec_finish(rd->dec);
	if ((e = read_chunk(rd, rd->off, &want, &last)) != 0)
		return e;
	if ((e = docfmt_dec_chunk(rd->dec, rd->ct, want, last, buf)) != 0)
		return e;
	rd->off += want;
	*n = want - DOCFMT_TAG;
	/* An empty last chunk carries no data but ends the stream. */
	return 0;
}

void
vault_read_close(struct vault_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->fd >= 0)
		close(rd->fd);
	docfmt_dec_free(rd->verify);
	docfmt_dec_free(rd->dec);
	free(rd->ct);
	free(rd);
}

static int
open_doc_rw(struct vault *v, const char *id, int flags, int *fd)
{
	char name[VAULT_ID_HEX + 8];

	if (!vault_id_valid(id))
		return MK_ERR_NOT_FOUND;
	if (mkfs_path(name, sizeof(name), "%s%s", id, DOC_SUFFIX) != 0)
		return MK_ERR_INTERNAL;
	if ((*fd = openat(v->dirfd, name, flags | O_CLOEXEC |
	    O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	return 0;
}

static int
read_fixed(int fd, uint8_t hdr[DOCFMT_META_OFF], struct docfmt_info *info)
{
	ssize_t n;
	int r;

	n = pread(fd, hdr, DOCFMT_META_OFF, 0);
	if (n < 0)
		return mkerr_from_errno(errno);
	if (n != DOCFMT_META_OFF)
		return MK_ERR_TRUNCATED;
	r = docfmt_parse_info(hdr, DOCFMT_META_OFF, info);
	return r == MK_ERR_TRUNCATED ? 0 : r;
}

int
vault_key_epoch(struct vault *v, const char *id, uint32_t *epoch)
{
	uint8_t hdr[DOCFMT_META_OFF];
	struct docfmt_info info;
	int fd, r;

	*epoch = 0;
	if ((r = open_doc_rw(v, id, O_RDONLY, &fd)) != 0)
		return r;
	if ((r = read_fixed(fd, hdr, &info)) == 0)
		*epoch = info.key_epoch;
	close(fd);
	return r;
}

int
vault_rewrap(struct vault *v, const char *id,
    const uint8_t old_mk[DOCFMT_KEY_LEN],
    const uint8_t new_mk[DOCFMT_KEY_LEN], uint32_t new_epoch, int *done)
{
	uint8_t hdr[DOCFMT_META_OFF];
	struct docfmt_info info;
	ssize_t w;
	int fd, r;

	*done = 0;
	if ((r = open_doc_rw(v, id, O_RDWR, &fd)) != 0)
		return r;
	if ((r = read_fixed(fd, hdr, &info)) != 0 ||
	    info.key_epoch == new_epoch)
		goto out;
	if ((r = docfmt_rewrap(hdr, sizeof(hdr), old_mk, new_mk,
	    new_epoch)) != 0)
		goto out;
	w = pwrite(fd, hdr + DOCFMT_KEYBLOCK_OFF, DOCFMT_KEYBLOCK_LEN,
	    DOCFMT_KEYBLOCK_OFF);
	if (w != DOCFMT_KEYBLOCK_LEN || fdatasync(fd) != 0)
		r = w < 0 ? mkerr_from_errno(errno) : MK_ERR_IO;
	else
		*done = 1;
 out:
	mk_wipe(hdr, sizeof(hdr));
	close(fd);
	return r;
}

int
vault_delete(struct vault *v, const char *id)
{
	uint8_t zero[DOCFMT_KEYBLOCK_LEN];
	char name[VAULT_ID_HEX + 8];
	ssize_t w;
	int fd, r = 0;

	if (!vault_id_valid(id))
		return MK_ERR_NOT_FOUND;
	if (mkfs_path(name, sizeof(name), "%s%s", id, DOC_SUFFIX) != 0)
		return MK_ERR_INTERNAL;
	if ((fd = openat(v->dirfd, name, O_WRONLY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0)
		return mkerr_from_errno(errno);
	/* Crypto-erase: without its wrapped data key the body is noise,
	 * whatever copies of its blocks the disk keeps. */
	memset(zero, 0, sizeof(zero));
	w = pwrite(fd, zero, sizeof(zero), DOCFMT_KEYBLOCK_OFF);
	if (w != (ssize_t)sizeof(zero) || fdatasync(fd) != 0)
		r = w < 0 ? mkerr_from_errno(errno) : MK_ERR_IO;
	close(fd);
	if (r != 0)
		return r;
	if (unlinkat(v->dirfd, name, 0) != 0)
		return mkerr_from_errno(errno);
	return mkfs_fsync_dir(v->dir);
}
