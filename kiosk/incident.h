/*
 * Incidents (R8, Articles 12 and 14): each has a level (Thấp, Trung bình,
 * Cao, Khẩn cấp), a life (open -> handled -> closed) and notes. The register
 * is STATE/incidents, written atomically; every change is also an audit-log
 * record, which is what an inspector relies on.
 *
 * File, version 1: magic "MATKINCI", u16 version, u32 count, then per
 * incident: u32 id, u8 level, u8 state, i64 opened, i64 updated,
 * bstr source (the event that raised it), bstr reporter, bstr summary,
 * bstr notes.
 */
#ifndef MATKIOSK_INCIDENT_H
#define MATKIOSK_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#define INCIDENTS_MAX		10000
#define INCIDENT_SUMMARY_MAX	512
#define INCIDENT_NOTES_MAX	4000

#define INC_OPEN	0
#define INC_HANDLED	1
#define INC_CLOSED	2

struct incident {
	uint32_t	id;
	uint8_t		level;		/* LOG_SEV_THAP .. LOG_SEV_KHAN_CAP */
	uint8_t		state;
	int64_t		opened, updated;
	char		source[64];
	char		reporter[33];
	char		summary[INCIDENT_SUMMARY_MAX + 1];
	char		notes[INCIDENT_NOTES_MAX + 1];
};

struct incidents;

/* An empty register if the file does not exist yet. */
int incidents_load(const char *path, struct incidents **out);
int incidents_save(const struct incidents *r, const char *path);
void incidents_free(struct incidents *r);
size_t incidents_count(const struct incidents *r);
const struct incident *incidents_at(const struct incidents *r, size_t i);
const struct incident *incidents_find(const struct incidents *r,
    uint32_t id);
/* Opens a new incident; *id gets its number. */
int incidents_open(struct incidents *r, uint8_t level, const char *source,
    const char *reporter, const char *summary, int64_t now, uint32_t *id);
/* Moves id to state (forward only) and appends "who: note" to its notes. */
int incidents_update(struct incidents *r, uint32_t id, uint8_t state,
    const char *who, const char *note, int64_t now);
size_t incidents_open_count(const struct incidents *r);

const char *incident_state_name(uint8_t state);
/* "thap", "trung-binh", "cao", "khan-cap" -> level; 0 if unknown. */
int incident_level_parse(const char *token);
const char *incident_level_token(uint8_t level);

#endif /* MATKIOSK_INCIDENT_H */
