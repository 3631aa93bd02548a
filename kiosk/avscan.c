/*
 * libclamav behind four functions (kiosk/avscan.h). One engine for the
 * daemon, compiled once and shared by session threads: a compiled engine
 * is read-only and libclamav allows concurrent scans on it. The mutex
 * guards loading and replacing it; a scan holds a reference count, and a
 * reload (after an update: rare) waits until no scan uses the engine.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <clamav.h>

#include "avscan.h"
#include "common/err.h"
#include "common/text.h"

static pthread_mutex_t av_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t av_once = PTHREAD_ONCE_INIT;
static int av_init_err;
static struct cl_engine *av_engine;	/* the current one, or NULL */
static unsigned av_nsigs;
static unsigned av_users;
static pthread_cond_t av_idle = PTHREAD_COND_INITIALIZER;

/* libclamav's own messages would go to stderr: the daemon reports what
 * matters itself (the refusal, with libclamav's error string). */
static void
quiet(enum cl_msg severity, const char *fullmsg, const char *msg,
    void *context)
{
	(void)severity;
	(void)fullmsg;
	(void)msg;
	(void)context;
}

static void
init_once(void)
{
	cl_set_clcb_msg(quiet);
	av_init_err = cl_init(CL_INIT_DEFAULT) == CL_SUCCESS ? 0 : MK_ERR_AVDB;
}

int
avscan_init(void)
{
	pthread_once(&av_once, init_once);
	return av_init_err;
}

/* A compiled engine from dbdir, or NULL with why. An empty directory
 * loads "successfully" with no signature: that is a missing database,
 * and a scanner without signatures calls everything clean, so it is
 * refused. */
static struct cl_engine *
load(const char *dbdir, const char *tmpdir, unsigned *sigs, char *why,
    size_t whylen)
{
	struct cl_engine *e;
	cl_error_t r;

	*sigs = 0;
	if (avscan_init() != 0) {
		snprintf(why, whylen, "libclamav does not initialise");
		return NULL;
	}
	if (access(dbdir, R_OK | X_OK) != 0) {
		snprintf(why, whylen, "no signature database (%s)", dbdir);
		return NULL;
	}
	if ((e = cl_engine_new()) == NULL) {
		snprintf(why, whylen, "libclamav: out of memory");
		return NULL;
	}
	if (tmpdir != NULL)
		cl_engine_set_str(e, CL_ENGINE_TMPDIR, tmpdir);
	/* libclamav skips (and calls clean) what exceeds its limits; they
	 * are raised to the largest import, and a file still beyond them
	 * is flagged (CL_SCAN_HEURISTIC_EXCEEDS_MAX), never passed. */
	cl_engine_set_num(e, CL_ENGINE_MAX_FILESIZE, AVSCAN_FILE_MAX);
	cl_engine_set_num(e, CL_ENGINE_MAX_SCANSIZE, AVSCAN_FILE_MAX);
	/* No bytecode: signatures are data, never code to run. */
	if ((r = cl_load(dbdir, e, sigs, CL_DB_STDOPT & ~CL_DB_BYTECODE)) !=
	    CL_SUCCESS || *sigs == 0 ||
	    (r = cl_engine_compile(e)) != CL_SUCCESS) {
		snprintf(why, whylen, "signature database %s", *sigs == 0 &&
		    r == CL_SUCCESS ? "holds no signature" : cl_strerror(r));
		cl_engine_free(e);
		*sigs = 0;
		return NULL;
	}
	return e;
}

int
avscan_check_db(const char *dbdir, unsigned *sigs, char *why, size_t whylen)
{
	struct cl_engine *e = load(dbdir, NULL, sigs, why, whylen);

	if (e == NULL)
		return MK_ERR_AVDB;
	cl_engine_free(e);
	return 0;
}

static struct cl_engine *
acquire(const char *dbdir, const char *tmpdir, char *why, size_t whylen)
{
	struct cl_engine *e;
	unsigned n;

	pthread_mutex_lock(&av_lock);
	if (av_engine == NULL &&
	    (av_engine = load(dbdir, tmpdir, &n, why, whylen)) != NULL)
		av_nsigs = n;
	if ((e = av_engine) != NULL)
		av_users++;
	pthread_mutex_unlock(&av_lock);
	return e;
}

static void
release(void)
{
	pthread_mutex_lock(&av_lock);
	if (--av_users == 0)
		pthread_cond_broadcast(&av_idle);
	pthread_mutex_unlock(&av_lock);
}

int
avscan_fd(const char *dbdir, const char *tmpdir, int fd, char *name,
    size_t namelen, char *why, size_t whylen)
{
	struct cl_scan_options opt;
	struct cl_engine *e;
	const char *virname = NULL;
	unsigned long scanned = 0;
	cl_error_t r;

	name[0] = '\0';
	if ((e = acquire(dbdir, tmpdir, why, whylen)) == NULL)
		return MK_ERR_AVDB;
	if (lseek(fd, 0, SEEK_SET) != 0) {
		release();
		snprintf(why, whylen, "cannot read the file");
		return MK_ERR_IO;
	}
	memset(&opt, 0, sizeof(opt));
	opt.general = CL_SCAN_GENERAL_HEURISTICS;
	opt.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	opt.parse = ~0u;
	r = cl_scandesc(fd, NULL, &virname, &scanned, e, &opt);
	if (r == CL_VIRUS)
		mktext_escape(virname, strlen(virname), name, namelen);
	release();
	if (r == CL_VIRUS) {
		snprintf(why, whylen, "malware found: %s", name);
		return MK_ERR_INFECTED;
	}
	if (r != CL_CLEAN) {
		snprintf(why, whylen, "the scan failed: %s", cl_strerror(r));
		return MK_ERR_IO;
	}
	return 0;
}

void
avscan_reload(void)
{
	pthread_mutex_lock(&av_lock);
	while (av_users > 0)
		pthread_cond_wait(&av_idle, &av_lock);
	if (av_engine != NULL)
		cl_engine_free(av_engine);
	av_engine = NULL;
	av_nsigs = 0;
	pthread_mutex_unlock(&av_lock);
}

unsigned
avscan_sigs(void)
{
	unsigned n;

	pthread_mutex_lock(&av_lock);
	n = av_nsigs;
	pthread_mutex_unlock(&av_lock);
	return n;
}

void
avscan_done(void)
{
	avscan_reload();
}
