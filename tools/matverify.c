/*
 * matverify --key HEX [--json] [--records] PATH
 *
 * The inspector's tool: verifies a matkiosk audit log offline from K_0
 * (the "log-verification-key" of the sealing certificate) and prints what
 * it found and a verdict. PATH is a log directory; inspection exports (a
 * tar archive) will be read by verify_export() once their format exists.
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
#include <sys/stat.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/text.h"
#include "crypto/cry.h"
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
};

struct out {
	const struct opts *o;
	uint64_t	 nprinted;
};

static char esc[ESC_MAX];

static void
usage(void)
{
	fprintf(stderr, "usage: matverify --key HEX [--json] [--records] "
	    "PATH\n"
	    "  --key HEX   K_0, the log-verification-key of the sealing "
	    "certificate\n"
	    "  --json      print the result as JSON\n"
	    "  --records   also list every verified record\n"
	    "  PATH        a log directory\n");
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

/* An inspection export: a tar archive whose log segments are handed to
 * logverify_segments() from memory. Its format is not settled yet. */
static int
verify_export(const struct opts *o)
{
	fprintf(stderr, "matverify: %s: inspection exports are not "
	    "supported yet; give the log directory\n",
	    escape(o->path, strlen(o->path)));
	return MK_ERR_FORMAT;
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
	if (S_ISDIR(st.st_mode))
		return verify_logdir(o, k0, &out, &rep);
	return verify_export(o);
}

static int
parse_args(int argc, char **argv, struct opts *o, uint8_t *k0)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "records", no_argument, NULL, 'r' },
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
	struct opts o = { NULL, 0, 0 };
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
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "matverify: cannot write the result\n");
		return EXIT_INVALID;
	}
	return r == 0 ? EXIT_VALID : EXIT_INVALID;
}
