#include <errno.h>
#include <stddef.h>

#include "err.h"

static const char *const messages[] = {
	[0] = "success",
	[1] = "internal error",
	[2] = "out of memory",
	[3] = "system error",
	[4] = "invalid argument",
	[5] = "malformed data",
	[6] = "length exceeds maximum",
	[7] = "data truncated",
	[8] = "authentication failed (data altered or wrong key)",
	[9] = "cryptographic library error",
	[10] = "unsupported format version",
	[11] = "not found",
	[12] = "already exists",
	[13] = "permission denied",
	[14] = "wrong name or password",
	[15] = "locked",
	[16] = "machine is not provisioned",
	[17] = "machine is already provisioned",
	[18] = "audit log cannot be written",
	[19] = "protocol violation",
	[20] = "unsafe ownership or permissions",
	[21] = "configuration error",
	[22] = "unexpected data after the end",
	[23] = "out of sequence",
	[24] = "signature does not verify",
	[25] = "input/output error",
	[26] = "no space left on device",
	[27] = "connection closed",
	[28] = "busy",
	[29] = "timed out",
	[30] = "bad request",
	[31] = "the password must be changed first",
	[32] = "account disabled",
	[33] = "account temporarily locked after failed logins",
	[34] = "refused by policy",
	[35] = "needs a supervisor's approval",
	[36] = "printer unavailable or the print job failed",
	[37] = "not a local printer: network printers are refused",
	[38] = "this format cannot be marked as a copy",
	[44] = "malware found: the file is refused",
	[45] = "the malware scanner's database is missing or broken",
	[46] = "not a registered medium, or not usable for this",
	[40] = "a repair session is in progress",
	[41] = "the recording does not match the log",
	[42] = "needs a supervisor and a technician",
};

const char *
mkerr_str(int err)
{
	if (err > 0 || err < MK_ERR_MAX ||
	    (size_t)-err >= sizeof(messages) / sizeof(messages[0]) ||
	    messages[-err] == NULL)
		return "unknown error";
	/* Numbers kept for other issues may have no text yet. */
	return messages[-err] != NULL ? messages[-err] : "unknown error";
}

int
mkerr_from_errno(int saved_errno)
{
	switch (saved_errno) {
	case 0:
		return MK_ERR_INTERNAL;
	case ENOMEM:
		return MK_ERR_ALLOC;
	case ENOSPC:
	case EDQUOT:
		return MK_ERR_NO_SPACE;
	case ENOENT:
		return MK_ERR_NOT_FOUND;
	case EEXIST:
		return MK_ERR_EXISTS;
	case EACCES:
	case EPERM:
		return MK_ERR_DENIED;
	case EIO:
		return MK_ERR_IO;
	case EPIPE:
	case ECONNRESET:
		return MK_ERR_CLOSED;
	case ETIMEDOUT:
		return MK_ERR_TIMEOUT;
	default:
		return MK_ERR_SYSTEM;
	}
}
