/*
 * The malware scanner (R11, Article 9.5): libclamav over a signature
 * database kept in STATE/av/, updated only from a registered medium
 * (kiosk/mediaops.c). The engine is loaded at first use and kept; it is
 * refused, and nothing is scanned as clean, when the database is missing,
 * empty or does not load.
 */
#ifndef MATKIOSK_AVSCAN_H
#define MATKIOSK_AVSCAN_H

#include <stddef.h>

#define AVSCAN_NAME_MAX	128
/* The largest file scanned in full (libclamav's limits are 32-bit); the
 * import refuses larger files. */
#define AVSCAN_FILE_MAX	(2000LL * 1024 * 1024)

/* Initialises libclamav once (any thread); 0 or MK_ERR_AVDB. */
int avscan_init(void);
/*
 * Scans the file open on fd (from its start). 0 if clean; MK_ERR_INFECTED
 * with the signature's name (escaped) in name; MK_ERR_AVDB (why says what)
 * when the database in dbdir is missing or broken; MK_ERR_IO if the file
 * cannot be read. tmpdir receives the engine's temporary files.
 */
int avscan_fd(const char *dbdir, const char *tmpdir, int fd, char *name,
    size_t namelen, char *why, size_t whylen);
/*
 * Loads the database in dbdir into a fresh engine, as a check before it is
 * installed: 0 with *sigs the number of signatures, or MK_ERR_AVDB.
 */
int avscan_check_db(const char *dbdir, unsigned *sigs, char *why,
    size_t whylen);
/* Drops the loaded engine, so that the next scan loads the database
 * again (after an update). */
void avscan_reload(void);
/* Frees the engine at exit (no scan may run). */
void avscan_done(void);
/* Signatures of the loaded engine (0 if none is loaded). */
unsigned avscan_sigs(void);

#endif /* MATKIOSK_AVSCAN_H */
