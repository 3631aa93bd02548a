/*
 * The USB decision: the administrator's rules (usbrule.h) under fixed
 * protections that no rule can lift (requirement R2; docs/usb-rules.md,
 * "Fixed protections", has the reasoning and the evasions considered).
 *
 * Every interface of every configuration counts (the host could switch
 * configuration or alternate setting later), as do interface association
 * descriptors and the device-level class. In order:
 *
 *  1. descriptors not parsed                      -> block  (Trung bình)
 *  2. storage together with HID (keyboard, mouse) -> reject (Cao)
 *  3. network, wireless, modem or tethering       -> block  (Cao)
 *  4. vendor-specific, unless a rule registers it -> block  (Cao)
 *  5. storage: only with an allow rule that registers the device, and a
 *     non-empty serial                            -> else block (Trung bình)
 *  6. only HID, or only hub interfaces: allowed unless a rule blocks or
 *     rejects them, so no one is locked out of the console (info)
 *  7. anything else: the first matching rule; no match -> block
 *     (Trung bình)
 *
 * A protection never makes a rule's decision weaker: if the rule said
 * reject where the protection says block, the device is rejected.
 */
#ifndef MATKIOSK_USBPOLICY_H
#define MATKIOSK_USBPOLICY_H

#include <stdint.h>

#include "usbrule.h"

struct usbdev;

/* Stable reason codes: logs and `matctl usb list --json` carry them. */
#define USBPOL_RULE_ALLOW		1	/* an allow rule matched */
#define USBPOL_RULE_BLOCK		2	/* a block rule matched */
#define USBPOL_RULE_REJECT		3	/* a reject rule matched */
#define USBPOL_DEFAULT			4	/* no rule matched */
#define USBPOL_MALFORMED		5	/* descriptors not parsed */
#define USBPOL_NETWORK			6	/* network/wireless/modem */
#define USBPOL_VENDOR			7	/* unregistered vendor class */
#define USBPOL_STORAGE_HID		8	/* storage with HID */
#define USBPOL_STORAGE_UNREGISTERED	9	/* storage not registered */
#define USBPOL_STORAGE_NO_SERIAL	10	/* storage without serial */
#define USBPOL_HID_HUB			11	/* keyboard, mouse or hub */
#define USBPOL_ERROR			12	/* the decision failed */
#define USBPOL_RESTORE			13	/* the medium of a restore */

/* Severities for the audit log, the values of crypto/logrec.h LOG_SEV_*
 * (Article 12 levels); repeated here because usbguard/ does not depend
 * on crypto/ (a unit test checks that they agree). */
#define USBPOL_SEV_INFO		0
#define USBPOL_SEV_THAP		1	/* Thấp */
#define USBPOL_SEV_TRUNG_BINH	2	/* Trung bình */
#define USBPOL_SEV_CAO		3	/* Cao */

struct usbpolicy_decision {
	enum usbrule_target	 target;
	int			 reason;	/* USBPOL_* */
	uint8_t			 severity;	/* USBPOL_SEV_* */
	/* The rule whose target was applied, or -1 when a fixed protection
	 * or the implicit default decided. */
	int			 rule;
	/* The first rule that matched, or -1: when it differs from rule,
	 * a fixed protection overrode it (worth showing to the officer). */
	int			 matched;
};

/*
 * Decides for dev under rules (NULL: no rules). Pure: reads nothing but
 * its arguments. Returns 0, or an error (MK_ERR_CRYPTO if the device
 * hash could not be computed) with *out still filled in as block /
 * USBPOL_ERROR: the caller blocks on any error.
 */
int usbpolicy_decide(const struct usbrules *rules, const struct usbdev *dev,
    struct usbpolicy_decision *out);

/* A short English phrase ("network, wireless or modem interface") and a
 * stable token for machines ("network"); never NULL. */
const char *usbpolicy_reason_str(int reason);
const char *usbpolicy_reason_token(int reason);

#endif /* MATKIOSK_USBPOLICY_H */
