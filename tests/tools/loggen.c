/*
 * Test tool: appends records to the audit log of a provisioned machine
 * (its daemon stopped) through the writer's own API, so that the log
 * still verifies: a log of realistic size and variety for the log
 * viewer's tests and bench.
 *   loggen LOGDIR KEYFILE DEVKEY N [--segment M] [--hostile]
 * N event records (plus the writer's seals) by a few people and the
 * system, of every severity; --segment M closes the segment with a
 * checkpoint every M records, as daemon restarts do; --hostile adds, in
 * the middle, a record whose actor and fields hold terminal escapes and
 * invalid UTF-8. It ends with a checkpoint and prints "FIRST LAST", the
 * seqs it appended. Every append is durable (fdatasync): on a disk, give
 * it a copy on tmpfs for large N.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/logrec.h"
#include "crypto/sign.h"

struct kind {
	const char	*event;
	uint8_t		 severity;
	const char	*key1, *key2;
};

static const struct kind kinds[] = {
	{ "auth.login", LOG_SEV_INFO, "peer", NULL },
	{ "doc.view", LOG_SEV_INFO, "class", "sha256" },
	{ "auth.logout", LOG_SEV_INFO, "reason", NULL },
	{ "doc.import", LOG_SEV_INFO, "class", "sha256" },
	{ "usb.decision", LOG_SEV_TRUNG_BINH, "id", "reason" },
	{ "doc.view", LOG_SEV_INFO, "class", "sha256" },
	{ "auth.fail", LOG_SEV_THAP, "reason", "peer" },
	{ "doc.import.begin", LOG_SEV_INFO, "class", NULL },
	{ "usb.decision", LOG_SEV_CAO, "id", "reason" },
	{ "incident.open", LOG_SEV_KHAN_CAP, "source", "summary" },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

static const char *const people[] = { "giamdoc", "nguyenvana",
    "tranthib", "lethic", "system" };
#define NPEOPLE	(sizeof(people) / sizeof(people[0]))

static void
usage(void)
{
	fprintf(stderr, "usage: loggen LOGDIR KEYFILE DEVKEY N [--segment M] "
	    "[--hostile]\n");
	exit(2);
}

/* Record i: a person and a kind that vary independently, and values of
 * realistic length (a document's SHA-256 is the longest). */
static int
append_one(struct auditlog *l, uint64_t i, uint64_t *seq)
{
	const struct kind *k = &kinds[(i * 7 + i / 3) % NKINDS];
	char object[40], v1[80], v2[80];
	uint8_t h[32];
	struct logkv kv[2];
	struct logev ev;

	mk_put_be64(h, i);
	cry_sha256(h, 8, h);
	mk_hex(h, 16, object);
	snprintf(v1, sizeof(v1), "value-%" PRIu64, i % 1000);
	mk_hex(h, 32, v2);
	kv[0] = (struct logkv){ k->key1, v1 };
	kv[1] = (struct logkv){ k->key2 != NULL ? k->key2 : "n", v2 };
	memset(&ev, 0, sizeof(ev));
	ev.severity = k->severity;
	ev.actor = people[(i / 2) % NPEOPLE];
	ev.role = strcmp(ev.actor, "system") == 0 ? "-" : "supervisor";
	ev.event = k->event;
	ev.object = object;
	ev.nfields = k->key2 != NULL ? 2 : 1;
	ev.fields = kv;
	return auditlog_append(l, &ev, seq);
}

static int
append_hostile(struct auditlog *l, uint64_t *seq)
{
	struct logkv kv[2] = { { "name", "\x1b]0;pwned\x07\xff\xfe" },
	    { "serial\x1b[2J", "\xe2\x80\xae" "evil" } };
	struct logev ev = { LOG_SEV_CAO, "mallory\x1b[31m", "-",
	    "usb.decision", "1-1\r\n", 2, kv };

	return auditlog_append(l, &ev, seq);
}

static int
generate(struct auditlog *l, uint64_t n, uint64_t every, int hostile,
    uint64_t *first, uint64_t *last)
{
	uint64_t i, seq;
	int r;

	for (i = 0; i < n; i++) {
		if (hostile && i == n / 2 && (r = append_hostile(l,
		    &seq)) != 0)
			return r;
		if ((r = append_one(l, i, &seq)) != 0)
			return r;
		if (i == 0)
			*first = seq;
		*last = seq;
		if (every > 0 && (i + 1) % every == 0 && i + 1 < n &&
		    (r = auditlog_checkpoint(l)) != 0)
			return r;
	}
	return auditlog_checkpoint(l);
}

int
main(int argc, char **argv)
{
	struct auditlog *l = NULL;
	struct signkey *sk = NULL;
	uint64_t n, every = 0, first = 0, last = 0;
	int i, hostile = 0, r;

	if (argc < 5)
		usage();
	n = strtoull(argv[4], NULL, 10);
	for (i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--segment") == 0 && i + 1 < argc)
			every = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--hostile") == 0)
			hostile = 1;
		else
			usage();
	}
	if (n == 0)
		usage();
	if ((r = cry_init(65536, 0)) != 0 ||
	    (r = signkey_load(argv[3], &sk)) != 0 ||
	    (r = auditlog_open(argv[1], argv[2], sk, &l, NULL)) != 0 ||
	    (r = generate(l, n, every, hostile, &first, &last)) != 0) {
		fprintf(stderr, "loggen: %s\n", mkerr_str(r));
		auditlog_free(l);
		signkey_free(sk);
		return 1;
	}
	printf("%" PRIu64 " %" PRIu64 "\n", first, last);
	auditlog_free(l);
	signkey_free(sk);
	cry_done();
	return 0;
}
