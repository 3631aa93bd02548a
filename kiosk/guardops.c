/*
 * Requests about the machine's guard state: watching for pushed state
 * changes, clearing a lockdown, and the incident register (list, show,
 * report, handle, close).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/text.h"
#include "crypto/logrec.h"
#include "daemon.h"
#include "handlers.h"
#include "incident.h"

/* Supervisors and IT officers manage incidents; anyone logged in may
 * report one (Article 14: "users can report an incident"). */

int
h_watch(struct session *s, const struct mkmsg *m)
{
	char reason[256];
	int r, state;

	(void)m;
	pthread_mutex_lock(&s->d->lock);
	state = daemon_state_locked(s->d);
	snprintf(reason, sizeof(reason), "%s", s->d->lockdown ?
	    s->d->lockdown_reason : "");
	pthread_mutex_unlock(&s->d->lock);
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE,
	    daemon_state_name(state))) != 0 ||
	    (r = mkmsg_add_str(s->out, F_MESSAGE, reason)) != 0 ||
	    (r = mkproto_send(s->fd, s->out)) != 0)
		return r;
	atomic_store(&s->watching, 1);
	return 0;
}

int
h_lockdown_clear(struct session *s, const struct mkmsg *m)
{
	char why[300];
	int r;

	(void)m;
	if (!s->authed)
		return reply_err(s, MK_ERR_DENIED, "a supervisor must log in");
	if ((r = guard_clear(s->d, s, why, sizeof(why))) != 0)
		return reply_err(s, r, why);
	return reply_ok(s);
}

static int
incident_entry(struct session *s, const struct incident *inc)
{
	int r;

	if ((r = mkmsg_start(s->out, MSG_ENTRY)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, inc->id)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_LEVEL,
	    incident_level_token(inc->level))) != 0 ||
	    (r = mkmsg_add_str(s->out, F_STATE,
	    incident_state_name(inc->state))) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_CREATED,
	    (uint64_t)inc->opened)) != 0 ||
	    (r = mkmsg_add_str(s->out, F_MESSAGE, inc->summary)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

static int
may(struct session *s, enum action act)
{
	return s->authed && policy_may(s->acct.roles, act) == MAY_YES;
}

int
h_incident_list(struct session *s, const struct mkmsg *m)
{
	struct incident inc;
	size_t i;
	int r = 0, more = 1;

	(void)m;
	if (!may(s, ACT_INCIDENT_VIEW))
		return reply_err(s, MK_ERR_DENIED, "supervisors, IT officers "
		    "and inspectors review incidents");
	if (session_log(s, LOG_SEV_INFO, "incident.list", "", 0, NULL) != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	for (i = 0; more && r == 0; i++) {
		pthread_mutex_lock(&s->d->lock);
		more = i < incidents_count(s->d->incidents);
		if (more)
			inc = *incidents_at(s->d->incidents, i);
		pthread_mutex_unlock(&s->d->lock);
		if (more)
			r = incident_entry(s, &inc);
	}
	return r != 0 ? r : reply_ok(s);
}

static int
show_fields(struct session *s, const struct incident *inc)
{
	char id[16], opened[40], updated[40];
	time_t t;
	struct tm tm;
	int r;

	snprintf(id, sizeof(id), "%" PRIu32, inc->id);
	t = (time_t)inc->opened;
	gmtime_r(&t, &tm);
	strftime(opened, sizeof(opened), "%Y-%m-%d %H:%M:%S UTC", &tm);
	t = (time_t)inc->updated;
	gmtime_r(&t, &tm);
	strftime(updated, sizeof(updated), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if ((r = add_entry(s, "incident", id)) != 0 ||
	    (r = add_entry(s, "level", logrec_severity_name(inc->level))) != 0 ||
	    (r = add_entry(s, "state", incident_state_name(inc->state))) != 0 ||
	    (r = add_entry(s, "opened", opened)) != 0 ||
	    (r = add_entry(s, "updated", updated)) != 0 ||
	    (r = add_entry(s, "source", inc->source)) != 0 ||
	    (r = add_entry(s, "reported-by", inc->reporter)) != 0 ||
	    (r = add_entry(s, "summary", inc->summary)) != 0 ||
	    (r = add_entry(s, "notes", inc->notes[0] ? inc->notes : "-")) != 0)
		return r;
	return reply_ok(s);
}

static int
find_incident(struct session *s, const struct mkmsg *m, struct incident *inc)
{
	const struct incident *p;
	uint64_t id;

	if (mkmsg_u64(m, F_SEQ, &id) != 0 || id > UINT32_MAX)
		return MK_ERR_USAGE;
	pthread_mutex_lock(&s->d->lock);
	p = incidents_find(s->d->incidents, (uint32_t)id);
	if (p != NULL)
		*inc = *p;
	pthread_mutex_unlock(&s->d->lock);
	return p != NULL ? 0 : MK_ERR_NOT_FOUND;
}

int
h_incident_show(struct session *s, const struct mkmsg *m)
{
	struct incident inc;
	char id[16];
	int r;

	if (!may(s, ACT_INCIDENT_VIEW))
		return reply_err(s, MK_ERR_DENIED, "supervisors, IT officers "
		    "and inspectors review incidents");
	if ((r = find_incident(s, m, &inc)) != 0)
		return reply_err(s, r, "no such incident");
	snprintf(id, sizeof(id), "%" PRIu32, inc.id);
	if (session_log(s, LOG_SEV_INFO, "incident.view", id, 0, NULL) != 0)
		return reply_err(s, MK_ERR_LOG, NULL);
	return show_fields(s, &inc);
}

int
h_incident_report(struct session *s, const struct mkmsg *m)
{
	char level[16], summary[INCIDENT_SUMMARY_MAX + 1];
	uint32_t id = 0;
	int lv, r;

	if (!s->authed)
		return reply_err(s, MK_ERR_DENIED, "log in first");
	if (mkmsg_str(m, F_LEVEL, level, sizeof(level)) != 0 ||
	    (lv = incident_level_parse(level)) == 0)
		return reply_err(s, MK_ERR_USAGE, "level must be thap, "
		    "trung-binh, cao or khan-cap");
	if (mkmsg_str(m, F_MESSAGE, summary, sizeof(summary)) != 0 ||
	    summary[0] == '\0' || !mktext_is_clean(summary, strlen(summary)))
		return reply_err(s, MK_ERR_USAGE, "a summary is needed (clean "
		    "text, at most 512 bytes)");
	pthread_mutex_lock(&s->d->lock);
	r = guard_incident_locked(s->d, (uint8_t)lv, "user.report",
	    s->acct.name, summary, &id);
	pthread_mutex_unlock(&s->d->lock);
	if (r != 0)
		return reply_err(s, r, NULL);
	if ((r = mkmsg_start(s->out, MSG_OK)) != 0 ||
	    (r = mkmsg_add_u64(s->out, F_SEQ, id)) != 0)
		return r;
	return mkproto_send(s->fd, s->out);
}

int
h_incident_update(struct session *s, const struct mkmsg *m)
{
	char state[16], note[INCIDENT_SUMMARY_MAX + 1], id[16];
	struct incident inc;
	uint8_t to;
	int r;

	if (!may(s, ACT_INCIDENT_HANDLE))
		return reply_err(s, MK_ERR_DENIED, "supervisors and IT officers "
		    "handle incidents");
	if ((r = find_incident(s, m, &inc)) != 0)
		return reply_err(s, r, "no such incident");
	if (mkmsg_str(m, F_STATE, state, sizeof(state)) != 0 ||
	    (strcmp(state, "handled") != 0 && strcmp(state, "closed") != 0))
		return reply_err(s, MK_ERR_USAGE, "state: handled or closed");
	to = strcmp(state, "closed") == 0 ? INC_CLOSED : INC_HANDLED;
	if (mkmsg_str(m, F_NOTE, note, sizeof(note)) != 0)
		snprintf(note, sizeof(note), "-");
	snprintf(id, sizeof(id), "%" PRIu32, inc.id);
	struct logkv kv[2] = { { "state", state }, { "note", note } };
	pthread_mutex_lock(&s->d->lock);
	if (s->d->lockdown && s->d->lockdown_incident == inc.id &&
	    to == INC_CLOSED)
		r = MK_ERR_LOCKED;	/* clear the lockdown first */
	else if ((r = incidents_update(s->d->incidents, inc.id, to,
	    s->acct.name, note, (int64_t)time(NULL))) == 0 &&
	    (r = daemon_log_locked(s->d, LOG_SEV_INFO, s->acct.name,
	    accounts_primary_role(s->acct.roles), "incident.update", id, 2,
	    kv)) == 0)
		r = incidents_save(s->d->incidents, s->d->sd.incidents);
	pthread_mutex_unlock(&s->d->lock);
	if (r != 0)
		return reply_err(s, r, r == MK_ERR_LOCKED ? "the lockdown of "
		    "this incident must be cleared first" : r == MK_ERR_ARGUMENT ?
		    "an incident only moves forward (open, handled, closed) and "
		    "notes must be clean text" : NULL);
	return reply_ok(s);
}
