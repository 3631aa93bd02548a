#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "machine.h"

#define MACHINE_FILE_MAX 1024

/* Only what machine_save writes: digits, no sign, no blank, no leading
 * zero, within max. */
static int
parse_number(const char *s, unsigned long long max, unsigned long long *v)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return MK_ERR_FORMAT;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return MK_ERR_FORMAT;
	errno = 0;
	*v = strtoull(s, NULL, 10);
	return errno != 0 || *v > max ? MK_ERR_FORMAT : 0;
}

static int
parse_line(struct machine *m, const char *line, unsigned *seen)
{
	uint8_t id[16];
	unsigned long long v;
	unsigned bit;

	if (strncmp(line, "device-id=", 10) == 0) {
		bit = 1;
		if (mk_unhex(line + 10, id, sizeof(id)) != 0)
			return MK_ERR_FORMAT;
		mk_hex(id, sizeof(id), m->device_id);
	} else if (strncmp(line, "provisioned=", 12) == 0) {
		bit = 2;
		if (parse_number(line + 12, INT64_MAX, &v) != 0)
			return MK_ERR_FORMAT;
		m->provisioned = (int64_t)v;
	} else if (strncmp(line, "key-epoch=", 10) == 0) {
		bit = 4;
		if (parse_number(line + 10, UINT32_MAX, &v) != 0)
			return MK_ERR_FORMAT;
		m->key_epoch = (uint32_t)v;
	} else if (strncmp(line, "recovery-key=", 13) == 0) {
		bit = 8;
		if (strlen(line + 13) != 64 ||
		    mk_unhex(line + 13, m->recovery_pk, 32) != 0)
			return MK_ERR_FORMAT;
	} else
		return MK_ERR_FORMAT;
	if (*seen & bit)
		return MK_ERR_FORMAT;	/* a repeated key */
	*seen |= bit;
	return 0;
}

int
machine_load(const char *path, struct machine *m)
{
	struct mkbuf *b = NULL;
	char text[MACHINE_FILE_MAX + 1], *line, *save = NULL;
	unsigned seen = 0;
	size_t len;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = mkfs_read_file(path, MACHINE_FILE_MAX, &b)) != 0)
		return r;
	if ((len = mkbuf_len(b)) > 0)
		memcpy(text, mkbuf_ptr(b), len);
	text[len] = '\0';
	mkbuf_free(b);
	if (strlen(text) != len)
		return MK_ERR_FORMAT;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if ((r = parse_line(m, line, &seen)) != 0)
			return r;
	return seen == 15 ? 0 : MK_ERR_FORMAT;
}

int
machine_save(const char *path, const struct machine *m)
{
	char text[MACHINE_FILE_MAX], pk[65];
	int n;

	mk_hex(m->recovery_pk, 32, pk);
	n = snprintf(text, sizeof(text),
	    "device-id=%s\nprovisioned=%" PRId64 "\nkey-epoch=%" PRIu32 "\n"
	    "recovery-key=%s\n",
	    m->device_id, m->provisioned, m->key_epoch, pk);
	if (n < 0 || (size_t)n >= sizeof(text))
		return MK_ERR_TOO_LARGE;
	return mkfs_atomic_write(path, text, (size_t)n, 0600);
}
