/*
 * One project-wide list of error codes (after OpenSSH ssherr.h).
 * Library functions return 0 on success or one of these negative codes;
 * libgcrypt and errno values are translated at the library's edge.
 */
#ifndef MATKIOSK_ERR_H
#define MATKIOSK_ERR_H

#define MK_OK			 0
#define MK_ERR_INTERNAL		-1	/* an invariant failed */
#define MK_ERR_ALLOC		-2	/* out of memory */
#define MK_ERR_SYSTEM		-3	/* a system call failed: see errno */
#define MK_ERR_ARGUMENT		-4	/* invalid argument */
#define MK_ERR_FORMAT		-5	/* malformed input */
#define MK_ERR_TOO_LARGE	-6	/* a length above its maximum */
#define MK_ERR_TRUNCATED	-7	/* input ends too early */
#define MK_ERR_AUTH		-8	/* authentication tag or MAC mismatch */
#define MK_ERR_CRYPTO		-9	/* libgcrypt failed */
#define MK_ERR_VERSION		-10	/* unsupported format version */
#define MK_ERR_NOT_FOUND	-11	/* no such object */
#define MK_ERR_EXISTS		-12	/* object exists already */
#define MK_ERR_DENIED		-13	/* not permitted */
#define MK_ERR_PASSWORD		-14	/* wrong name or password */
#define MK_ERR_LOCKED		-15	/* vault or console locked */
#define MK_ERR_NOT_PROVISIONED	-16	/* machine not provisioned */
#define MK_ERR_PROVISIONED	-17	/* machine already provisioned */
#define MK_ERR_LOG		-18	/* audit log could not be written */
#define MK_ERR_PROTOCOL		-19	/* protocol violation */
#define MK_ERR_UNSAFE		-20	/* unsafe ownership or permissions */
#define MK_ERR_CONFIG		-21	/* configuration error */
#define MK_ERR_TRAILING		-22	/* data after the end */
#define MK_ERR_ORDER		-23	/* out of sequence */
#define MK_ERR_SIGNATURE	-24	/* signature does not verify */
#define MK_ERR_IO		-25	/* short read or write */
#define MK_ERR_NO_SPACE		-26	/* disk full */
#define MK_ERR_CLOSED		-27	/* peer closed the connection */
#define MK_ERR_BUSY		-28	/* resource busy or limit reached */
#define MK_ERR_TIMEOUT		-29	/* timed out */
#define MK_ERR_USAGE		-30	/* bad request arguments */
#define MK_ERR_PW_CHANGE	-31	/* password must be changed first */
#define MK_ERR_DISABLED		-32	/* account disabled */
#define MK_ERR_ACCT_LOCKED	-33	/* account locked after failures */
#define MK_ERR_POLICY		-34	/* refused by policy (the message says
					   which rule) */
#define MK_ERR_APPROVAL		-35	/* needs a supervisor's approval */
/* Repair sessions (kiosk/repairops.c). */
#define MK_ERR_REPAIR_ACTIVE	-40	/* a repair session is in progress */
#define MK_ERR_RECORDING	-41	/* a recording does not match the log */
#define MK_ERR_TWO_PERSON	-42	/* needs a supervisor and a technician */
/* Kept: -36..-39 printing, -40..-43 repair, -44..-47 media,
 * -48..-51 export, -52..-55 backup. MK_ERR_MAX is the lowest in use. */
/* Printing (kiosk/printops.c). */
#define MK_ERR_PRINTER		-36	/* printer or CUPS unavailable, or the
					   job failed */
#define MK_ERR_NET_PRINTER	-37	/* not a local printer (Article 13.2) */
#define MK_ERR_UNMARKABLE	-38	/* a format that cannot be marked */
/* Media import and copy-out (issue 8). */
#define MK_ERR_INFECTED		-44	/* malware found: the file is refused */
#define MK_ERR_AVDB		-45	/* scanner database missing or broken */
#define MK_ERR_MEDIUM		-46	/* medium not registered or not usable */
#define MK_ERR_MAX		-46

/* A short English description; never NULL. */
const char *mkerr_str(int err);

/* Translate errno (as left by a failed system call) to an error code. */
int mkerr_from_errno(int saved_errno);

#endif /* MATKIOSK_ERR_H */
