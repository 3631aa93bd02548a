/*
 * Test tool: appends records named on standard input to the audit log of a
 * provisioned machine (its daemon stopped) through the writer's own API,
 * so that the log still verifies. t_export.sh uses it for the events of
 * features built on other branches (print.done, copy.done, media.import,
 * repair.begin), to check that reports count them by name; it never
 * stands in for an event this branch's daemon writes itself.
 *   logadd LOGDIR KEYFILE DEVKEY < lines
 * One record a line: EVENT SEVERITY(0-4) ACTOR OBJECT [KEY=VALUE ...]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "crypto/auditlog.h"
#include "crypto/cry.h"
#include "crypto/logrec.h"
#include "crypto/sign.h"

#define WORDS	(4 + LOGREC_FIELDS_MAX)

static int
append_line(struct auditlog *l, char *line)
{
	char *w[WORDS], *save = NULL, *eq;
	struct logkv kv[LOGREC_FIELDS_MAX];
	struct logev ev;
	uint64_t seq;
	size_t n = 0, i;

	for (w[n] = strtok_r(line, " \n", &save); w[n] != NULL && n < WORDS - 1;
	    w[n] = strtok_r(NULL, " \n", &save))
		n++;
	if (n == 0)
		return 0;
	if (n < 4)
		return MK_ERR_FORMAT;
	memset(&ev, 0, sizeof(ev));
	ev.event = w[0];
	ev.severity = (uint8_t)atoi(w[1]);
	ev.actor = w[2];
	ev.role = "supervisor";
	ev.object = w[3];
	for (i = 4; i < n; i++) {
		if ((eq = strchr(w[i], '=')) == NULL)
			return MK_ERR_FORMAT;
		*eq = '\0';
		kv[i - 4] = (struct logkv){ w[i], eq + 1 };
	}
	ev.nfields = n - 4;
	ev.fields = kv;
	return auditlog_append(l, &ev, &seq);
}

int
main(int argc, char **argv)
{
	struct auditlog *l = NULL;
	struct signkey *sk = NULL;
	char line[4096];
	int r = 0, n = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: logadd LOGDIR KEYFILE DEVKEY < lines\n");
		return 2;
	}
	if ((r = cry_init(65536, 0)) != 0 ||
	    (r = signkey_load(argv[3], &sk)) != 0 ||
	    (r = auditlog_open(argv[1], argv[2], sk, &l, NULL)) != 0)
		goto out;
	while (r == 0 && fgets(line, sizeof(line), stdin) != NULL) {
		r = append_line(l, line);
		n++;
	}
	if (r == 0)
		r = auditlog_checkpoint(l);
 out:
	if (r != 0)
		fprintf(stderr, "logadd: line %d: %s\n", n, mkerr_str(r));
	auditlog_free(l);
	signkey_free(sk);
	cry_done();
	return r == 0 ? 0 : 1;
}
