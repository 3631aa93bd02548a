/*
 * The log viewer's request, MSG_LOG_QUERY (docs/protocol.md): who may read
 * the audit log, and the severity tokens the protocol uses for it. The
 * handler itself is h_log_query (handlers.h); the index it pages through
 * is kiosk/logidx.h.
 */
#ifndef MATKIOSK_LOGOPS_H
#define MATKIOSK_LOGOPS_H

#include <stdint.h>

#include "accounts.h"

/* Supervisors and IT officers review the log (Article 11); the
 * inspector (Công an tỉnh) reads it on inspection. */

/* 1 if an account with these roles may read the log. */
int logops_may_read(uint32_t roles);

/* "thong-tin", "thap", "trung-binh", "cao", "khan-cap": the severities
 * LOG_SEV_INFO .. LOG_SEV_KHAN_CAP. parse: -1 for anything else. */
int logops_level_parse(const char *token);
const char *logops_level_token(uint8_t severity);

#endif /* MATKIOSK_LOGOPS_H */
