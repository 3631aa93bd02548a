/*
 * A small, bounded reader of POSIX ustar archives held in memory, for
 * matverify: an inspection export is a tar archive (the daemon writes it
 * with libarchive) and matverify links libgcrypt only (docs/architecture.md,
 * "Inspection export"). Only what the export uses is accepted: regular
 * files and directories with ustar headers ("ustar\0" "00"), names of
 * printable ASCII without "..", "." or empty components and not absolute,
 * no duplicate names, and the archive's end (zero blocks) with nothing but
 * zeros after it. Everything else is refused with the reason: the archive
 * is evidence handed over by a machine that may be lying.
 */
#ifndef MATKIOSK_TARREAD_H
#define MATKIOSK_TARREAD_H

#include <stddef.h>
#include <stdint.h>

#define TARREAD_BLOCK		512
#define TARREAD_NAME_MAX	260	/* prefix "/" name, with the NUL */
#define TARREAD_MEMBERS_MAX	8192

struct tarmember {
	char		 name[TARREAD_NAME_MAX];
	const uint8_t	*data;		/* points into the archive */
	uint64_t	 size;
	uint64_t	 offset;	/* of the header, in the archive */
};

struct tarread {
	struct tarmember *m;		/* regular files, in archive order */
	size_t		  n;
	char		  why[200];	/* on failure: what is wrong, where */
};

/*
 * Parses the archive p[0..len). 0 and t filled (t->m allocated), or
 * MK_ERR_FORMAT / MK_ERR_TRUNCATED / MK_ERR_TOO_LARGE / MK_ERR_EXISTS
 * (a duplicate name) / MK_ERR_ALLOC with t->why set.
 */
int tarread_parse(const uint8_t *p, size_t len, struct tarread *t);
/* The member called name, or NULL. */
const struct tarmember *tarread_find(const struct tarread *t,
    const char *name);
/* Frees t->m; accepts a zeroed struct. */
void tarread_free(struct tarread *t);

#endif /* MATKIOSK_TARREAD_H */
