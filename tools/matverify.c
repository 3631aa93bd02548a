/*
 * matverify --key HEX [--expect-head SEQ:HEX] [--json] [--records] PATH
 *
 * The inspector's tool: verifies a matkiosk audit log offline from K_0
 * (the "log-verification-key" of the sealing certificate) and prints what
 * it found and a verdict. PATH is an inspection export (a tar archive,
 * checked step by step by crypto/expverify.c) or a log directory.
 *
 * Everything taken from the log is escaped before it is printed: the log is
 * evidence, and evidence can be hostile to the terminal that shows it.
 * Exit status: 0 valid, 1 invalid or could not verify, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/text.h"
#include "crypto/cry.h"
#include "crypto/expverify.h"
#include "crypto/logrec.h"
#include "crypto/logverify.h"

#define EXIT_VALID	0
#define EXIT_INVALID	1
#define EXIT_USAGE	2
#define SECMEM_BYTES	32768
/* Room for any escaped log string or path: a byte becomes at most "\xNN". */
#define ESC_MAX		(4 * LOGREC_STR_MAX + 1)

struct opts {
	const char	*path;
	int		 json;
	int		 records;
	const char	*expect;	/* --expect-head SEQ:HEX */
};

struct out {
	const struct opts *o;
	uint64_t	 nprinted;
};

static char esc[ESC_MAX];

static void
usage(void)
{
	fprintf(stderr, "usage: matverify --key HEX [--expect-head SEQ:HEX] "
	    "[--json] [--records] PATH\n"
	    "  --key HEX   K_0, the log-verification-key of the sealing "
	    "certificate\n"
	    "  --expect-head SEQ:HEX\n"
	    "              a log head photographed earlier (matctl log head):\n"
	    "              the export must hold record SEQ with a MAC starting "
	    "HEX\n"
	    "  --json      print the result as JSON\n"
	    "  --records   also list every verified record\n"
	    "  PATH        an inspection export (.tar) or a log directory\n");
}

/* Escaped for a terminal; a string cut at ESC_MAX still shows its start. */
static const char *
escape(const void *p, size_t n)
{
	(void)mktext_escape(p, n, esc, sizeof(esc));
	return esc;
}

static void
json_str(const void *p, size_t n)
{
	const char *s = escape(p, n);

	/* After mktext_escape only '"' and '\\' need JSON escapes: control
	 * characters and invalid UTF-8 are already "\xNN" text. */
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void
json_cstr(const char *s)
{
	json_str(s, strlen(s));
}

static void
fmt_time(int64_t us, char *out, size_t n, int iso)
{
	int64_t sec = us / 1000000 - (us % 1000000 < 0);
	time_t t = (time_t)sec;
	struct tm tm;

	/* n is always room for a date: strftime fails only on a year
	 * too large to print. */
	if (gmtime_r(&t, &tm) == NULL || strftime(out, n, iso ?
	    "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
		out[0] = '?';
		out[1] = '\0';
	}
}

static int
hex_key(char *arg, uint8_t *k0)
{
	int r = mk_unhex(arg, k0, 32);

	/* Out of /proc/PID/cmdline as soon as it is read. */
	mk_wipe(arg, strlen(arg));
	return r;
}

/* ---- records (--records) ---- */

static void
text_record(const struct logrec *rec)
{
	char when[40];
	size_t i;

	fmt_time(rec->wall_us, when, sizeof(when), 0);
	printf("  %8" PRIu64 "  %s  e%-4" PRIu32 " %-10s ", rec->seq, when,
	    rec->epoch, logrec_severity_name(rec->severity));
	printf("%s", escape(rec->actor.p, rec->actor.len));
	printf("/%s  ", escape(rec->role.p, rec->role.len));
	printf("%s", escape(rec->event.p, rec->event.len));
	printf("  %s", escape(rec->object.p, rec->object.len));
	for (i = 0; i < rec->nfields; i++) {
		printf("  %s=", escape(rec->keys[i].p, rec->keys[i].len));
		printf("%s", escape(rec->values[i].p, rec->values[i].len));
	}
	putchar('\n');
}

static void
json_record(const struct logrec *rec, int first)
{
	char when[40];
	size_t i;

	fmt_time(rec->wall_us, when, sizeof(when), 1);
	printf("%s\n    {\"seq\":%" PRIu64 ",\"epoch\":%" PRIu32
	    ",\"kind\":\"%s\",\"time\":\"%s\",\"wall_us\":%" PRId64
	    ",\"mono_us\":%" PRIu64 ",\"severity\":%u,\"actor\":",
	    first ? "" : ",", rec->seq, rec->epoch,
	    rec->kind == LOGREC_SEAL ? "seal" : "event", when, rec->wall_us,
	    rec->mono_us, rec->severity);
	json_str(rec->actor.p, rec->actor.len);
	printf(",\"role\":");
	json_str(rec->role.p, rec->role.len);
	printf(",\"event\":");
	json_str(rec->event.p, rec->event.len);
	printf(",\"object\":");
	json_str(rec->object.p, rec->object.len);
	printf(",\"fields\":{");
	for (i = 0; i < rec->nfields; i++) {
		printf("%s", i > 0 ? "," : "");
		json_str(rec->keys[i].p, rec->keys[i].len);
		putchar(':');
		json_str(rec->values[i].p, rec->values[i].len);
	}
	printf("}}");
}

static int
record_cb(const struct logrec *rec, void *arg)
{
	struct out *out = arg;

	if (out->o->json)
		json_record(rec, out->nprinted == 0);
	else
		text_record(rec);
	out->nprinted++;
	return 0;
}

/* ---- the summary ---- */

/* Errors of the machine, not of the log: we could not look. */
static int
is_local_error(int err)
{
	return err == MK_ERR_ALLOC || err == MK_ERR_SYSTEM ||
	    err == MK_ERR_DENIED || err == MK_ERR_IO ||
	    err == MK_ERR_CRYPTO || err == MK_ERR_INTERNAL ||
	    err == MK_ERR_ARGUMENT;
}

static void
text_counts(const struct logverify_report *rep)
{
	char t0[40], t1[40], mac[2 * LOGREC_MAC_LEN + 1];
	uint8_t s;

	printf("  records       %" PRIu64, rep->records);
	if (rep->records > 0)
		printf(", seq %" PRIu64 " .. %" PRIu64, rep->first_seq,
		    rep->last_seq);
	putchar('\n');
	if (rep->records > 0) {
		fmt_time(rep->first_wall_us, t0, sizeof(t0), 0);
		fmt_time(rep->last_wall_us, t1, sizeof(t1), 0);
		printf("  time          %s .. %s (wall clock of the first "
		    "and last record)\n", t0, t1);
	}
	printf("  epochs        %" PRIu64 "\n", rep->epochs);
	printf("  severity     ");
	for (s = 0; s <= LOG_SEV_KHAN_CAP; s++)
		printf(" %s: %" PRIu64 "%s", logrec_severity_name(s),
		    rep->by_severity[s], s < LOG_SEV_KHAN_CAP ? "," : "\n");
	if (rep->err == 0) {
		mk_hex(rep->head_mac, LOGREC_MAC_LEN, mac);
		printf("  head          seq %" PRIu64 ", MAC %.16s…\n",
		    rep->last_seq, mac);
	}
}

static void
print_text(const char *path, int r, const struct logverify_report *rep)
{
	char key[2 * 32 + 1];

	printf("matverify: log directory %s\n", escape(path, strlen(path)));
	printf("  segments      %" PRIu64 " (%" PRIu64 " sealed)\n",
	    rep->segments, rep->sealed_segments);
	text_counts(rep);
	printf("  checkpoints   %" PRIu64 " verified\n", rep->sealed_segments);
	if (rep->records > 0) {
		mk_hex(rep->device_key, 32, key);
		printf("  device key    %s\n", key);
	}
	if (r == 0) {
		printf("  last segment  %s\n", rep->last_open ?
		    "open (no checkpoint yet: the log is still being written "
		    "or the device stopped without a clean shutdown)" :
		    "sealed with a checkpoint");
		printf("VERDICT: VALID: the log is intact from seq %" PRIu64
		    " to seq %" PRIu64 "\n", rep->first_seq, rep->last_seq);
		return;
	}
	printf("  (the counts above cover what verified before the "
	    "failure)\n");
	printf("VERDICT: %s: ", is_local_error(r) ? "ERROR (could not verify)" :
	    "INVALID");
	if (rep->bad_file[0] != '\0')
		printf("first bad record: seq %" PRIu64 ", segment %s, byte "
		    "offset %" PRIu64 ": ", rep->bad_seq,
		    escape(rep->bad_file, strlen(rep->bad_file)),
		    rep->bad_offset);
	printf("%s\n", escape(rep->reason, strlen(rep->reason)));
}

static void
json_severity(const struct logverify_report *rep)
{
	uint8_t s;

	printf("\"severity\":[");
	for (s = 0; s <= LOG_SEV_KHAN_CAP; s++) {
		printf("%s{\"level\":%u,\"name\":", s > 0 ? "," : "", s);
		json_cstr(logrec_severity_name(s));
		printf(",\"name_en\":\"%s\",\"count\":%" PRIu64 "}",
		    logrec_severity_name_en(s), rep->by_severity[s]);
	}
	printf("],\n");
}

static void
json_error(int r, const struct logverify_report *rep)
{
	if (r == 0) {
		printf("\"error\":null");
		return;
	}
	printf("\"error\":{\"code\":");
	json_cstr(mkerr_str(r));
	printf(",\"local\":%s,\"seq\":%" PRIu64 ",\"file\":",
	    is_local_error(r) ? "true" : "false", rep->bad_seq);
	json_cstr(rep->bad_file);
	printf(",\"offset\":%" PRIu64 ",\"reason\":", rep->bad_offset);
	json_cstr(rep->reason);
	putchar('}');
}

static void
json_times(const struct logverify_report *rep)
{
	char t[40];

	if (rep->records == 0) {
		printf("\"first_time\":null,\"last_time\":null,\n");
		return;
	}
	fmt_time(rep->first_wall_us, t, sizeof(t), 1);
	printf("\"first_time\":\"%s\",", t);
	fmt_time(rep->last_wall_us, t, sizeof(t), 1);
	printf("\"last_time\":\"%s\",\n", t);
}

static void
print_json_tail(int r, const struct logverify_report *rep)
{
	char mac[2 * LOGREC_MAC_LEN + 1], key[2 * 32 + 1];

	mk_hex(rep->head_mac, LOGREC_MAC_LEN, mac);
	mk_hex(rep->device_key, 32, key);
	printf("\"valid\":%s,\n\"segments\":%" PRIu64 ",\"sealed_segments\":%"
	    PRIu64 ",\"checkpoints_verified\":%" PRIu64 ",\"last_segment_open\""
	    ":%s,\n\"records\":%" PRIu64 ",\"first_seq\":%" PRIu64
	    ",\"last_seq\":%" PRIu64 ",\"epochs\":%" PRIu64 ",\n",
	    r == 0 ? "true" : "false", rep->segments, rep->sealed_segments,
	    rep->sealed_segments, rep->last_open ? "true" : "false",
	    rep->records, rep->first_seq, rep->last_seq, rep->epochs);
	json_times(rep);
	json_severity(rep);
	if (r == 0)
		printf("\"head\":{\"seq\":%" PRIu64 ",\"mac\":\"%s\"},\n",
		    rep->last_seq, mac);
	else
		printf("\"head\":null,\n");
	printf("\"device_key\":");
	if (rep->records > 0)
		printf("\"%s\",\n", key);
	else
		printf("null,\n");
	json_error(r, rep);
	printf("\n}\n");
}

/* ---- what PATH is ---- */

static int
verify_logdir(const struct opts *o, const uint8_t *k0, struct out *out,
    struct logverify_report *rep)
{
	int r;

	if (o->json) {
		printf("{\"path\":");
		json_cstr(o->path);
		printf(",\"kind\":\"log-directory\",\n");
		if (o->records)
			printf("\"record_list\":[");
	}
	r = logverify_dir(o->path, k0, o->records ? record_cb : NULL, out,
	    rep);
	if (o->json && o->records)
		printf("\n],\n");
	if (o->json)
		print_json_tail(r, rep);
	else
		print_text(o->path, r, rep);
	return r;
}

/* ---- an inspection export ---- */

static const char *
state_name(enum expverify_state st)
{
	return st == EXPV_PASS ? "PASS" : st == EXPV_FAIL ? "FAIL" : "-";
}

static void
text_export_head(const struct expverify_report *rep)
{
	char when[40], key[65];
	size_t i;

	if (rep->step[1].state != EXPV_PASS)
		return;
	fmt_time(rep->man.created * 1000000, when, sizeof(when), 0);
	mk_hex(rep->man.device_key, 32, key);
	printf("  device        %s\n", rep->man.device_id);
	printf("  device key    %s (as the manifest says; checked against "
	    "the log)\n", key);
	printf("  created       %s by %s, approved by %s\n", when,
	    rep->man.exporter, rep->man.approver);
	printf("  members       %zu\n", rep->man.n);
	for (i = 0; i < rep->man.n; i++)
		printf("                %12" PRIu64 "  %s\n", rep->man.m[i].size,
		    escape(rep->man.m[i].path, strlen(rep->man.m[i].path)));
	printf("  none on this machine:");
	for (i = 0; i < rep->man.nnone; i++)
		printf(" %s", rep->man.none[i]);
	printf("%s\n", rep->man.nnone == 0 ? " -" : "");
}

static void
print_export_text(const char *path, int r, const struct expverify_report *rep)
{
	const struct expverify_step *st;
	size_t i;

	printf("matverify: inspection export %s\n", escape(path,
	    strlen(path)));
	text_export_head(rep);
	printf("  checks\n");
	for (i = 0; i < EXPVERIFY_STEPS; i++) {
		st = &rep->step[i];
		printf("    %-12s %-4s  ", st->name, state_name(st->state));
		printf("%s\n", escape(st->detail, strlen(st->detail)));
	}
	if (rep->step[2].state != EXPV_NOT_RUN)
		text_counts(&rep->log);
	if (r == 0) {
		printf("VERDICT: VALID: every member is as the device signed it "
		    "and the log is intact from seq %" PRIu64 " to seq %" PRIu64
		    "%s\n", rep->log.first_seq, rep->log.last_seq, rep->expect ?
		    ", reaching the anchored head" : "");
		return;
	}
	st = &rep->step[rep->failed];
	printf("VERDICT: %s: %s: ", is_local_error(r) ?
	    "ERROR (could not verify)" : "INVALID", st->name);
	printf("%s\n", escape(st->detail, strlen(st->detail)));
}

static void
json_export(const char *path, int r, const struct expverify_report *rep)
{
	const struct expverify_step *st;
	char key[65];
	size_t i;

	printf("\"steps\":[");
	for (i = 0; i < EXPVERIFY_STEPS; i++) {
		st = &rep->step[i];
		printf("%s{\"name\":\"%s\",\"state\":\"%s\",\"detail\":",
		    i ? "," : "", st->name, st->state == EXPV_PASS ? "pass" :
		    st->state == EXPV_FAIL ? "fail" : "not-run");
		json_cstr(st->detail);
		putchar('}');
	}
	printf("],\n\"failed_step\":");
	if (r != 0)
		printf("\"%s\",\n", rep->step[rep->failed].name);
	else
		printf("null,\n");
	if (rep->step[1].state == EXPV_PASS) {
		mk_hex(rep->man.device_key, 32, key);
		printf("\"manifest\":{\"device_id\":");
		json_cstr(rep->man.device_id);
		printf(",\"created\":%" PRId64 ",\"exporter\":", rep->man.created);
		json_cstr(rep->man.exporter);
		printf(",\"approver\":");
		json_cstr(rep->man.approver);
		printf(",\"members\":%zu,\"none\":[", rep->man.n);
		for (i = 0; i < rep->man.nnone; i++) {
			printf("%s", i ? "," : "");
			json_cstr(rep->man.none[i]);
		}
		printf("]},\n");
	}
	(void)path;
	print_json_tail(r, &rep->log);
}

static int
verify_export(const struct opts *o, const uint8_t *k0, struct out *out)
{
	static struct expverify_report rep;
	struct stat st;
	void *map = MAP_FAILED;
	int fd, r;

	if (o->expect != NULL && expverify_parse_head(o->expect, &rep) != 0) {
		fprintf(stderr, "matverify: --expect-head wants SEQ:HEX, with "
		    "%d to %d hex digits of the MAC\n", EXPVERIFY_PREFIX_MIN,
		    EXPVERIFY_PREFIX_MAX);
		return MK_ERR_USAGE;
	}
	if ((fd = open(o->path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		fprintf(stderr, "matverify: %s: cannot read it as an export: "
		    "%s\n", escape(o->path, strlen(o->path)),
		    fd < 0 || errno ? strerror(errno) : "empty or not a file");
		if (fd >= 0)
			close(fd);
		return MK_ERR_IO;
	}
	close(fd);
	if (o->json) {
		printf("{\"path\":");
		json_cstr(o->path);
		printf(",\"kind\":\"inspection-export\",\n");
		if (o->records)
			printf("\"record_list\":[");
	}
	r = expverify_run(map, (size_t)st.st_size, k0, o->records ?
	    record_cb : NULL, out, &rep);
	if (o->json && o->records)
		printf("\n],\n");
	if (o->json)
		json_export(o->path, r, &rep);
	else
		print_export_text(o->path, r, &rep);
	munmap(map, (size_t)st.st_size);
	expverify_free(&rep);
	return r;
}
static int
verify_path(const struct opts *o, const uint8_t *k0)
{
	struct logverify_report rep;
	struct out out = { o, 0 };
	struct stat st;

	if (stat(o->path, &st) != 0) {
		fprintf(stderr, "matverify: %s: %s\n",
		    escape(o->path, strlen(o->path)), strerror(errno));
		return MK_ERR_NOT_FOUND;
	}
	if (S_ISDIR(st.st_mode)) {
		if (o->expect != NULL) {
			fprintf(stderr, "matverify: --expect-head needs an "
			    "inspection export, not a log directory\n");
			return MK_ERR_USAGE;
		}
		return verify_logdir(o, k0, &out, &rep);
	}
	return verify_export(o, k0, &out);
}

static int
parse_args(int argc, char **argv, struct opts *o, uint8_t *k0)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "records", no_argument, NULL, 'r' },
		{ "expect-head", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_key = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (hex_key(optarg, k0) != 0) {
				fprintf(stderr, "matverify: --key needs 64 "
				    "hex digits\n");
				return -1;
			}
			have_key = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'r':
			o->records = 1;
			break;
		case 'e':
			o->expect = optarg;
			break;
		default:
			return -1;
		}
	}
	if (!have_key || optind != argc - 1)
		return -1;
	o->path = argv[optind];
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { NULL, 0, 0, NULL };
	uint8_t *k0;
	int r;

	if (cry_init(SECMEM_BYTES, 0) != 0 ||
	    (k0 = cry_secure_alloc(32)) == NULL) {
		fprintf(stderr, "matverify: cannot initialise libgcrypt\n");
		return EXIT_INVALID;
	}
	if (parse_args(argc, argv, &o, k0) != 0) {
		cry_secure_free(k0, 32);
		usage();
		return EXIT_USAGE;
	}
	r = verify_path(&o, k0);
	cry_secure_free(k0, 32);
	if (r == MK_ERR_USAGE) {
		usage();
		return EXIT_USAGE;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "matverify: cannot write the result\n");
		return EXIT_INVALID;
	}
	return r == 0 ? EXIT_VALID : EXIT_INVALID;
}
