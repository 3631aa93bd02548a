#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "usbdev.h"
#include "usbpolicy.h"
#include "usbrule.h"

/* What an interface, a function or the device as a whole offers. */
#define C_STORAGE	0x01	/* mass storage 08, still image / MTP 06 */
#define C_HID		0x02	/* 03 */
#define C_HUB		0x04	/* 09 */
#define C_NETWORK	0x08	/* network, wireless, modem, tethering */
#define C_VENDOR	0x10	/* ff */
#define C_OTHER		0x20	/* audio, printer, video, smart card, ... */

static const struct {
	const char	*token;
	const char	*text;
	uint8_t		 severity;
} reasons[] = {
	[0] = { "unknown", "unknown reason", USBPOL_SEV_TRUNG_BINH },
	[USBPOL_RULE_ALLOW] = { "rule-allow", "allowed by rule",
	    USBPOL_SEV_INFO },
	[USBPOL_RULE_BLOCK] = { "rule-block", "blocked by rule",
	    USBPOL_SEV_THAP },
	[USBPOL_RULE_REJECT] = { "rule-reject", "rejected by rule",
	    USBPOL_SEV_THAP },
	[USBPOL_DEFAULT] = { "default", "no rule matches: blocked by default",
	    USBPOL_SEV_TRUNG_BINH },
	[USBPOL_MALFORMED] = { "malformed", "malformed descriptors",
	    USBPOL_SEV_TRUNG_BINH },
	[USBPOL_NETWORK] = { "network",
	    "network, wireless or modem interface", USBPOL_SEV_CAO },
	[USBPOL_VENDOR] = { "vendor-specific",
	    "vendor-specific interface on an unregistered device",
	    USBPOL_SEV_CAO },
	[USBPOL_STORAGE_HID] = { "storage-with-hid",
	    "storage with a keyboard or other HID interface", USBPOL_SEV_CAO },
	[USBPOL_STORAGE_UNREGISTERED] = { "storage-unregistered",
	    "storage not registered", USBPOL_SEV_TRUNG_BINH },
	[USBPOL_STORAGE_NO_SERIAL] = { "storage-no-serial",
	    "storage without a serial number", USBPOL_SEV_TRUNG_BINH },
	[USBPOL_HID_HUB] = { "hid-or-hub", "keyboard, mouse or hub",
	    USBPOL_SEV_INFO },
	[USBPOL_ERROR] = { "error", "the decision could not be made",
	    USBPOL_SEV_TRUNG_BINH },
	/* Set by the daemon, never by usbpolicy_decide: the storage-only
	 * medium a restore onto an unprovisioned machine reads. */
	[USBPOL_RESTORE] = { "restore", "the backup medium of a restore",
	    USBPOL_SEV_TRUNG_BINH },
};

#define NREASONS	(sizeof(reasons) / sizeof(reasons[0]))

const char *
usbpolicy_reason_str(int reason)
{
	if (reason < 0 || (size_t)reason >= NREASONS)
		reason = 0;
	return reasons[reason].text;
}

const char *
usbpolicy_reason_token(int reason)
{
	if (reason < 0 || (size_t)reason >= NREASONS)
		reason = 0;
	return reasons[reason].token;
}

/* One interface or function class triple. */
static unsigned
classify(uint8_t cls, uint8_t subcls)
{
	switch (cls) {
	case 0x02:	/* CDC control: ACM modems, ECM, NCM, MBIM, EEM */
	case 0x0a:	/* CDC data */
	case 0xe0:	/* wireless controller: Bluetooth, RNDIS, WUSB */
		return C_NETWORK;
	case 0xef:
		/* Miscellaneous: 01 ActiveSync / Palm sync, 03 wireless
		 * cable association, 04 RNDIS over Ethernet, Wi-Fi, WiMAX,
		 * WWAN (Microsoft OS class codes). */
		if (subcls == 0x01 || subcls == 0x03 || subcls == 0x04)
			return C_NETWORK;
		return C_OTHER;
	case 0xfe:
		/* Application specific: 02 is the IrDA bridge, a wireless
		 * link; DFU and test & measurement are not. */
		return subcls == 0x02 ? C_NETWORK : C_OTHER;
	case 0x08:
	case 0x06:
		/* A camera or a phone in MTP/PTP mode shares its files
		 * through 06: storage by another name. */
		return C_STORAGE;
	case 0x03:
		return C_HID;
	case 0x09:
		return C_HUB;
	case 0xff:
		/* USB Ethernet chips (ASIX, Realtek), 4G modems, ADB: many
		 * network devices hide behind vendor-specific classes. */
		return C_VENDOR;
	default:
		return C_OTHER;
	}
}

/* The union over the device class, every interface of every
 * configuration and alternate setting, and every association. */
static unsigned
classify_device(const struct usbdev *d)
{
	const struct usbdev_iface *it;
	const struct usbdev_func *fn;
	uint8_t c, s, p;
	unsigned cls = 0;
	size_t i;

	/* At device level 00 means "see the interfaces" and ef:02:01
	 * announces association descriptors; any other class is a claim
	 * about the device that counts like an interface. */
	usbdev_class(d, &c, &s, &p);
	if (c != 0x00 && !(c == 0xef && s == 0x02 && p == 0x01))
		cls |= classify(c, s);
	for (i = 0; (it = usbdev_iface(d, i)) != NULL; i++)
		cls |= classify(it->cls, it->subcls);
	/* The kernel binds interfaces, but some drivers read the function
	 * of an association: judge what it claims too. */
	for (i = 0; (fn = usbdev_func(d, i)) != NULL; i++)
		cls |= classify(fn->cls, fn->subcls);
	return cls;
}

static void
set(struct usbpolicy_decision *out, enum usbrule_target target,
    int reason, int rule)
{
	out->target = target;
	out->reason = reason;
	out->severity = reasons[reason].severity;
	out->rule = rule;
}

static int
rule_reason(enum usbrule_target t)
{
	if (t == USBRULE_ALLOW)
		return USBPOL_RULE_ALLOW;
	return t == USBRULE_REJECT ? USBPOL_RULE_REJECT : USBPOL_RULE_BLOCK;
}

/* A fixed protection: target at least t, whatever the rule said; a rule
 * that was stricter still decides the target (the reason stays the
 * protection's, which is what the log must say). */
static void
protect(struct usbpolicy_decision *out, enum usbrule_target t, int reason,
    enum usbrule_target rt, int ri)
{
	if (ri >= 0 && rt > t)
		set(out, rt, reason, ri);
	else
		set(out, t, reason, -1);
}

/* What the rules say, with the implicit default. */
static void
follow_rules(struct usbpolicy_decision *out, enum usbrule_target rt,
    int ri)
{
	if (ri < 0)
		set(out, USBRULE_BLOCK, USBPOL_DEFAULT, -1);
	else
		set(out, rt, rule_reason(rt), ri);
}

static void
decide_storage(struct usbpolicy_decision *out, const struct usbdev *d,
    enum usbrule_target rt, int ri, int registered)
{
	size_t serial_len;

	(void)usbdev_serial(d, &serial_len);
	if (ri >= 0 && rt != USBRULE_ALLOW)
		follow_rules(out, rt, ri);
	else if (!registered)
		protect(out, USBRULE_BLOCK, USBPOL_STORAGE_UNREGISTERED, rt,
		    -1);
	else if (serial_len == 0)
		/* Every unit of a serial-less model has the same hash:
		 * registering one would register them all. */
		protect(out, USBRULE_BLOCK, USBPOL_STORAGE_NO_SERIAL, rt, -1);
	else
		follow_rules(out, rt, ri);
}

static void
decide(struct usbpolicy_decision *out, const struct usbdev *d,
    unsigned cls, enum usbrule_target rt, int ri, int registered)
{
	if ((cls & C_STORAGE) && (cls & C_HID))
		/* A stick that types is the BadUSB attack itself: remove
		 * it, so it cannot even be authorized by mistake later. */
		protect(out, USBRULE_REJECT, USBPOL_STORAGE_HID, rt, ri);
	else if (cls & C_NETWORK)
		protect(out, USBRULE_BLOCK, USBPOL_NETWORK, rt, ri);
	else if ((cls & C_VENDOR) && !registered)
		protect(out, USBRULE_BLOCK, USBPOL_VENDOR, rt, ri);
	else if (cls & C_STORAGE)
		decide_storage(out, d, rt, ri, registered);
	else if (cls == C_HID || cls == C_HUB) {
		/* Only pure HID or pure hub devices: a "hub" that also
		 * offers anything else is judged by what else it offers. */
		if (ri >= 0)
			follow_rules(out, rt, ri);
		else
			set(out, USBRULE_ALLOW, USBPOL_HID_HUB, -1);
	} else
		follow_rules(out, rt, ri);
}

int
usbpolicy_decide(const struct usbrules *rules, const struct usbdev *dev,
    struct usbpolicy_decision *out)
{
	enum usbrule_target rt;
	int ri, r, registered;

	memset(out, 0, sizeof(*out));
	set(out, USBRULE_BLOCK, USBPOL_ERROR, -1);
	out->matched = -1;
	if (!usbdev_parsed(dev)) {
		set(out, USBRULE_BLOCK, USBPOL_MALFORMED, -1);
		return 0;
	}
	if ((r = usbrules_match(rules, dev, &rt, &ri)) != 0)
		return r;
	out->matched = ri;
	registered = ri >= 0 && usbrules_registers(rules, (size_t)ri);
	decide(out, dev, classify_device(dev), rt, ri, registered);
	return 0;
}
