/*
 * The client protocol between matkioskd and its clients (matctl, matkiosk),
 * specified in docs/protocol.md.
 *
 * A frame is a u32 length (of what follows, at most PROTO_FRAME_MAX), a u16
 * message type and up to PROTO_FIELDS_MAX fields, each a u8 tag, a u32
 * length and that many bytes. The decoder is bounded and fuzzed; a frame
 * that does not decode is a protocol violation and the daemon disconnects.
 */
#ifndef MATKIOSK_PROTO_H
#define MATKIOSK_PROTO_H

#include <stddef.h>
#include <stdint.h>

struct mkbuf;

#define PROTO_VERSION		1
#define PROTO_FRAME_MAX		(1u << 20)
#define PROTO_DATA_MAX		65536	/* bytes in one DATA field */
#define PROTO_FIELDS_MAX	64

/* Requests (client to daemon). */
#define MSG_HELLO		0x0001	/* F_VERSION -> OK F_VERSION F_STATE */
#define MSG_AUTH		0x0002	/* F_USER F_PASSWORD -> OK F_ROLE */
#define MSG_INIT		0x0003	/* F_USER F_FULLNAME F_PASSWORD */
#define MSG_STATUS		0x0004	/* -> ENTRY(F_KEY F_VALUE)* OK */
#define MSG_WATCH		0x0005	/* -> OK F_STATE, then EVENT* only */
#define MSG_LOCKDOWN_CLEAR	0x0006	/* supervisor -> OK */
#define MSG_INCIDENT_LIST	0x0030	/* -> ENTRY* OK */
#define MSG_INCIDENT_SHOW	0x0031	/* F_SEQ -> ENTRY(F_KEY F_VALUE)* OK */
#define MSG_INCIDENT_REPORT	0x0032	/* F_LEVEL F_MESSAGE -> OK F_SEQ */
#define MSG_INCIDENT_UPDATE	0x0033	/* F_SEQ F_STATE F_NOTE -> OK */
#define MSG_USB_LIST		0x0040	/* -> ENTRY(F_PORT F_DEVID ...)* OK */
#define MSG_USB_REGISTER	0x0041	/* F_PORT F_LABEL F_OWNER F_DIRECTION */
#define MSG_USB_UNREGISTER	0x0042	/* F_PORT -> OK */
/* Accounts, passwords, key rotation, approvals (kiosk/acctops.c). */
#define MSG_PASSWD		0x0007	/* F_USER F_PASSWORD F_NEWPASSWORD */
#define MSG_LOGOUT		0x0008	/* -> OK */
#define MSG_ACCOUNT_LIST	0x0060	/* -> ENTRY* OK */
#define MSG_ACCOUNT_ADD		0x0061	/* F_USER F_FULLNAME F_ROLES F_PASSWORD */
#define MSG_ACCOUNT_SET		0x0062	/* F_USER [F_FULLNAME] [F_ROLES] */
#define MSG_ACCOUNT_DISABLE	0x0063	/* F_USER F_REASON */
#define MSG_ACCOUNT_ENABLE	0x0064	/* F_USER F_PASSWORD (new, temporary) */
#define MSG_ACCOUNT_RESET	0x0065	/* F_USER F_PASSWORD (temporary) */
#define MSG_ACCOUNT_UNLOCK	0x0066	/* F_USER: lifts a failed-login lock */
#define MSG_KEY_ROTATE		0x0067	/* -> OK F_SEQ (new key epoch) */
#define MSG_APPROVE		0x0068	/* F_APPROVER F_PASSWORD F_ACTION F_OBJECT
					   F_COUNT F_UNTIL -> OK F_SEQ */
#define MSG_APPROVAL_LIST	0x0069	/* -> ENTRY* OK */
/* The log viewer's queries (kiosk/logops.c): supervisor, IT officer,
 * inspector. Records newest first from F_CURSOR (or the head), filtered;
 * ENTRY(F_SEQ F_CREATED F_LEVEL F_USER F_ROLE F_EVENT F_OBJECT F_MESSAGE)*
 * then OK F_CURSOR (where the next page starts; absent at the end)
 * F_TOTAL (records in the log) F_SCANNED. Entries also carry F_STATE "ok",
 * or "damaged" with F_COUNT for records that cannot be read; F_LEVEL may
 * also be "thong-tin" here. docs/protocol.md, "Reading the log".
 * 0x0051-0x005f are kept for it. */
#define MSG_LOG_QUERY		0x0050	/* [F_CURSOR] [F_DIRECTION "older"|"newer"]
					   [F_LIMIT] [F_EVENT] [F_LEVEL min]
					   [F_USER] [F_FROM] [F_TO] */
/*
 * Numbers kept for the capability issues, so that they can be built side
 * by side: printing and the copy register (issue 7) 0x0070-0x007f, fields
 * 70-89; repair sessions (issue 9) 0x0080-0x008f, fields 90-109; media
 * import and copy-out (issue 8) 0x0090-0x009f, fields 110-129; inspection
 * export and reports (issue 10) 0x00a0-0x00af, fields 130-149; backup,
 * sanitization, decommissioning (issue 12) 0x00b0-0x00bf, fields 150-169.
 */
/* Printing and the copy register (kiosk/printops.c). */
#define MSG_PRINT		0x0070	/* F_ID F_PRINTER [F_COUNT copies] ->
					   OK F_SEQ (intent) F_JOB F_PAGES
					   F_STATE F_COUNT (made) */
#define MSG_REGISTER		0x0071	/* [F_FROM] [F_TO] -> ENTRY(F_SEQ
					   (number) F_INTENT F_CREATED F_ID
					   F_CLASS F_COPY_TYPE F_COUNT F_MADE
					   F_APPROVER F_USER F_DEST F_STATE
					   [F_MESSAGE] [F_JOB] [F_PAGES])* OK */
/* Media import, copy-out, signatures, receiving workstations
 * (kiosk/mediaops.c, docs/protocol.md "Media"). */
#define MSG_MEDIA_LIST		0x0090	/* F_SERIAL -> ENTRY(F_MPATH F_SIZE)* OK */
#define MSG_MEDIA_IMPORT	0x0091	/* F_SERIAL F_MPATH [F_CLASS] [F_TITLE]
					   -> OK F_ID F_SIZE F_STATE */
#define MSG_COPY_OUT		0x0092	/* F_ID F_SERIAL F_WORKSTATION |
					   F_COPYTYPE "plaintext" -> OK F_MPATH
					   F_SEQ F_PKGHASH */
#define MSG_AV_UPDATE		0x0093	/* F_SERIAL F_MPATH -> OK F_COUNT */
#define MSG_WS_SELF		0x0094	/* -> OK F_SIGNPUB F_XFERPUB */
#define MSG_WS_ADD		0x0095	/* F_WORKSTATION F_SIGNPUB F_XFERPUB */
#define MSG_WS_LIST		0x0096	/* -> ENTRY(F_WORKSTATION ...)* OK */
#define F_MPATH		110	/* a path on a medium, relative to its root */
#define F_WORKSTATION	111	/* a receiving workstation's name */
#define F_COPYTYPE	112	/* "transfer-package", "plaintext" */
#define F_PKGHASH	113	/* SHA-256 of a transfer package, hex */
#define F_SIGNPUB	114	/* Ed25519 public key, hex */
#define F_XFERPUB	115	/* X25519 public key, hex */
/* Backup and restore (kiosk/backupops.c). */
#define MSG_BACKUP		0x00b0	/* F_PATH -> OK F_SEQ F_COUNT F_TOTAL F_SIZE */
#define MSG_BACKUP_VERIFY	0x00b1	/* F_PATH -> ENTRY(F_KEY F_VALUE)* OK */
#define MSG_RESTORE		0x00b2	/* F_PATH, F_USER F_PASSWORD or F_RECOVERY */
#define MSG_MEDIA_SANITIZE	0x00b3	/* F_PATH (device) -> OK F_STATE F_CERT */
#define MSG_DECOMMISSION	0x00b4	/* F_PATH F_PASSWORD -> OK F_CERT */
/* Supervised repair sessions (kiosk/repairops.c; docs/protocol.md,
 * "Repair sessions"). START turns the connection into a terminal stream:
 * INPUT and RESIZE from the client, OUTPUT and NOTICE from the daemon,
 * until one EXIT. */
#define MSG_REPAIR_START	0x0080	/* F_USER F_PASSWORD (supervisor) F_TECH
					   F_TECH_PASSWORD F_REPAIR_REASON
					   [F_ROWS F_COLS] -> OK F_SEQ
					   F_LIMIT_SECONDS, then the stream */
#define MSG_REPAIR_INPUT	0x0081	/* F_DATA: keys typed */
#define MSG_REPAIR_RESIZE	0x0082	/* F_ROWS F_COLS */
#define MSG_REPAIR_OUTPUT	0x0083	/* F_DATA: what the terminal shows */
#define MSG_REPAIR_NOTICE	0x0084	/* F_MESSAGE: a time-limit warning */
#define MSG_REPAIR_EXIT		0x0085	/* F_STATE F_EXIT F_MESSAGE: the end */
#define MSG_REPAIR_END		0x0086	/* F_SEQ: a supervisor ends it */
#define MSG_REPAIR_SIGNOFF	0x0087	/* F_SEQ F_USER F_PASSWORD F_WORK
					   F_TECH_ACCOUNT -> OK F_VALUE */
#define MSG_REPAIR_LIST		0x0088	/* -> ENTRY* OK */
#define MSG_REPAIR_SHOW		0x0089	/* F_SEQ -> ENTRY(F_KEY F_VALUE)* OK */
#define MSG_REPAIR_PLAY		0x008a	/* F_SEQ -> DATA* OK, or ERR */
#define MSG_DOC_IMPORT		0x0010	/* F_CLASS F_TITLE, DATA*, END */
#define MSG_DOC_LIST		0x0011	/* -> ENTRY* OK */
#define MSG_DOC_CAT		0x0012	/* F_ID -> DATA* OK */
#define MSG_DOC_DELETE		0x0013	/* F_ID -> OK */
#define MSG_DATA		0x0020	/* F_DATA: a piece of a stream */
#define MSG_END			0x0021	/* end of a client stream */
/* Replies (daemon to client). */
#define MSG_OK			0x0100
#define MSG_ERR			0x0101	/* F_CODE F_MESSAGE */
#define MSG_ENTRY		0x0102	/* one item of a listing */
#define MSG_EVENT		0x0103	/* pushed: F_STATE F_MESSAGE */

/* Field tags. */
#define F_VERSION	1	/* u64 */
#define F_USER		2
#define F_PASSWORD	3
#define F_FULLNAME	4
#define F_CLASS		5	/* "mat", "toi-mat", "tuyet-mat" */
#define F_TITLE		6
#define F_ID		7	/* document id, 32 hex digits */
#define F_DATA		8
#define F_CODE		9	/* u64: -MK_ERR_* */
#define F_MESSAGE	10
#define F_KEY		11
#define F_VALUE		12
#define F_CERT		13	/* sealing certificate text */
#define F_RECOVERY	14	/* recovery code, shown once */
#define F_SIZE		15	/* u64 */
#define F_CREATED	16	/* u64 seconds */
#define F_AUTHOR	17
#define F_ROLE		18
#define F_STATE		19
#define F_SEQ		20	/* u64 */
#define F_LEVEL		21	/* "thap", "trung-binh", "cao", "khan-cap" */
#define F_NOTE		22
#define F_PORT		23	/* kernel name of a USB device, "1-1.2" */
#define F_DEVID		24	/* "0781:5567" */
#define F_SERIAL	25	/* escaped */
#define F_NAME		26	/* escaped */
#define F_IFACES	27	/* "08:06:50 03:01:01" */
#define F_TARGET	28	/* "allow", "block", "reject" */
#define F_RULE		29	/* rule number from 0, or "-" */
#define F_REASON	30	/* usbpolicy_reason_token */
#define F_LABEL		31
#define F_OWNER		32
#define F_DIRECTION	33	/* "import", "export", "both" */
/* 34-49: accounts and approvals. */
#define F_NEWPASSWORD	34
#define F_ROLES		35	/* "drafter,supervisor" */
#define F_ACTION	36	/* an approvable action: "doc.delete", ... */
#define F_OBJECT	37	/* what the action is on (document id, port) */
#define F_COUNT		38	/* u64 */
#define F_UNTIL		39	/* u64 seconds since the epoch */
#define F_APPROVER	40
#define F_FLAGS		41	/* "disabled,must-change,locked" */
#define F_PWSET		42	/* u64: when the password was set */
#define F_LASTLOGIN	43	/* u64: the last login, 0 if none */
/* 50-69: the log viewer's queries. */
#define F_CURSOR	50	/* u64 sequence number to start from */
#define F_LIMIT		51	/* u64, at most 500 records a page */
#define F_EVENT		52	/* event name, or a prefix ending in '.' */
#define F_FROM		53	/* u64 seconds since the epoch, inclusive */
#define F_TO		54	/* u64 seconds since the epoch, exclusive */
#define F_TOTAL		55	/* u64 */
/* 70-89: printing and the copy register. */
#define F_PRINTER	70	/* a CUPS queue name */
#define F_JOB		71	/* u64: CUPS job id */
#define F_PAGES		72	/* u64: pages CUPS reported */
#define F_DEST		73	/* printer queue, medium, workstation */
#define F_COPY_TYPE	74	/* print, transfer-package, plaintext */
#define F_MADE		75	/* u64: copies made */
#define F_INTENT	76	/* u64: seq of the intent (begin) record */
/* 90-109: repair sessions. */
#define F_TECH		90	/* the technician's account */
#define F_TECH_PASSWORD	91
#define F_REPAIR_REASON	92
#define F_ROWS		93	/* u64, 1..1000 */
#define F_COLS		94	/* u64, 1..1000 */
#define F_EXIT		95	/* u64: the shell's wait status */
#define F_WORK		96	/* what was done (the minutes) */
#define F_TECH_ACCOUNT	97	/* the technician's account of it */
#define F_LIMIT_SECONDS	98	/* u64 */
#define F_SUPERVISOR	99
#define F_PATH		150	/* a path on this machine (a medium's mount) */
#define F_SCANNED	56	/* u64: records a log query looked at */
/* Inspection export, log head, reports, self-check (issue 10;
 * kiosk/exportops.c, kiosk/reportops.c, kiosk/selfcheck.c). */
#define MSG_EXPORT		0x00a0	/* F_PATH -> OK F_PATH F_SEQ F_MAC F_COUNT
					   F_SIZE F_HASH */
#define MSG_LOG_HEAD		0x00a1	/* -> OK F_SEQ F_MAC */
#define MSG_REPORT		0x00a2	/* F_KIND F_YEAR [F_HALF] F_FORMAT
					   -> DATA* OK F_SEQ */
#define MSG_SELFCHECK		0x00a3	/* -> ENTRY(F_KEY F_STATE F_VALUE)* OK
					   F_COUNT (passed) F_TOTAL */
#define F_MAC		130	/* hex: a log record's MAC */
#define F_HASH		131	/* hex SHA-256 */
#define F_KIND		132	/* "semiannual", "annual" */
#define F_YEAR		133	/* u64 */
#define F_HALF		134	/* u64: 1 or 2 */
#define F_FORMAT	135	/* "text", "html" */

struct mkfield {
	uint8_t		 tag;
	uint32_t	 len;
	const uint8_t	*p;
};

struct mkmsg {
	uint16_t	type;
	size_t		nfields;
	struct mkfield	f[PROTO_FIELDS_MAX];
};

/* Decodes a frame body (after the length). Fields point into p. */
int mkmsg_decode(const uint8_t *p, size_t len, struct mkmsg *m);
/* The first field with tag, or NULL. */
const struct mkfield *mkmsg_get(const struct mkmsg *m, uint8_t tag);
/* Copies a text field (no NUL bytes) into out; MK_ERR_USAGE if missing,
 * MK_ERR_TOO_LARGE if it does not fit. */
int mkmsg_str(const struct mkmsg *m, uint8_t tag, char *out, size_t outlen);
int mkmsg_u64(const struct mkmsg *m, uint8_t tag, uint64_t *v);

/* Building: start, add fields, then send (which fills in the length). */
int mkmsg_start(struct mkbuf *b, uint16_t type);
int mkmsg_add(struct mkbuf *b, uint8_t tag, const void *p, size_t len);
int mkmsg_add_str(struct mkbuf *b, uint8_t tag, const char *s);
int mkmsg_add_u64(struct mkbuf *b, uint8_t tag, uint64_t v);

/* Sends the frame in b (started with mkmsg_start) on a socket. */
int mkproto_send(int fd, struct mkbuf *b);
/*
 * Receives one frame into b (reset first) and decodes it into m.
 * timeout_ms bounds the wait for the first byte (-1: forever); once a frame
 * has begun, the rest must arrive within PROTO_FRAME_TIMEOUT_MS
 * (MK_ERR_TRUNCATED otherwise; MK_ERR_TIMEOUT only means no frame began).
 * MK_ERR_CLOSED on a clean end of stream, MK_ERR_TOO_LARGE for a frame over
 * the cap (nothing is allocated for it), MK_ERR_PROTOCOL if it does not
 * decode.
 */
#define PROTO_FRAME_TIMEOUT_MS	30000
int mkproto_recv(int fd, struct mkbuf *b, struct mkmsg *m, int timeout_ms);

/* Convenience replies. */
int mkproto_send_simple(int fd, uint16_t type);
int mkproto_send_err(int fd, int code, const char *message);

#endif /* MATKIOSK_PROTO_H */
