#!/usr/bin/env python3
# Writes the umockdev device trees of tests/integration/t_usb.sh from the
# fixtures (*.bin, strings.tsv): run it after changing a fixture.
#   tests/data/usb/make-umockdev.py
# bed.umockdev: two root hubs and the devices present when the daemon
# starts (already authorized, as devices plugged before it started are).
# bed-stuck.umockdev: a root hub whose authorized_default cannot be
# written (the attribute is missing), with a network adapter behind it:
# the daemon cannot close the hub, so it must lock down.
# plug-*.umockdev: one device each for hotplug, arriving the way the kernel
# shows it with authorized_default 0 (authorized 0, no interfaces yet).
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PCI = "/devices/pci0000:00/0000:00:14.0"
# A product string with a terminal escape (set window title), a bell, a
# backspace and invalid UTF-8: what a hostile device may send.
HOSTILE = b"Keyboard\x1b]0;owned\x07\x08\xff\xfe"

# sysname, fixture, extra: the devices present at start.
PRESENT = [
    ("1-1", "hub-gl850g.bin"),
    ("1-1.1", "stick-sandisk.bin"),
    ("1-1.2", "stick-noserial.bin"),
    ("1-1.3", "uasp-jms578.bin"),
    ("1-2", "eth-rtl8153.bin"),
    ("1-3", "bt-csr8510.bin"),
    ("1-4", "phone-rndis.bin"),
    ("1-5", "badusb-composite.bin"),
    ("1-6", "keyboard-k120.bin"),
    ("1-7", "mouse-m90.bin"),
    ("2-1", "eth-ax88179.bin"),
    ("2-2", "modem-e3372.bin"),
    ("2-3", "badusb-twocfg.bin"),
    ("2-4", "phone-mtp-adb.bin"),
]
PLUG = [("1-8", "mouse-m90.bin", "plug-mouse", None),
        ("1-9", "eth-gadget-ecm.bin", "plug-ecm", None),
        ("2-5", "phone-rndis-ef.bin", "plug-rndis", None),
        # The registered stick's model with another serial: a clone (or
        # the same model bought twice) is not registered.
        ("2-6", "stick-sandisk.bin", "plug-clone", "4C530001230517118284"),
        ("2-7", "badusb-composite.bin", "plug-badusb", None)]


def load_strings():
    rows = {}
    with open(os.path.join(HERE, "strings.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, man, prod, ser, conn = line.rstrip("\n").split("\t")
            rows[name] = (man, prod, ser, conn)
    return rows


def syspath(sysname):
    bus = sysname.split("-")[0]
    path, parts = f"{PCI}/usb{bus}", sysname.split("-")[1].split(".")
    for i in range(len(parts)):
        path += f"/{bus}-{'.'.join(parts[:i + 1])}"
    return path


def block(path, bus, num, name, strings, authorized, extra=()):
    man, prod, ser, conn = strings
    data = open(os.path.join(HERE, name), "rb").read()
    out = [f"P: {path}", f"N: bus/usb/{bus:03d}/{num:03d}",
           f"E: DEVNAME=/dev/bus/usb/{bus:03d}/{num:03d}",
           "E: DEVTYPE=usb_device", "E: DRIVER=usb", "E: SUBSYSTEM=usb",
           f"A: authorized={authorized}\\n",
           f"A: idVendor={data[9]:02x}{data[8]:02x}\\n",
           f"A: idProduct={data[11]:02x}{data[10]:02x}\\n"]
    for key, val in (("manufacturer", man), ("product", prod),
                     ("serial", ser), ("port/connect_type", conn)):
        if val == "-":
            continue
        raw = val.encode()
        if name == "keyboard-k120.bin" and key == "product":
            raw = HOSTILE
        raw += b"\n"
        out.append(f"H: {key}={raw.hex()}")
    out.extend(extra)
    out.append("H: descriptors=" + data.hex())
    return "\n".join(out) + "\n"


def roots(rows, buses=(1, 2), default=True):
    out = []
    for bus in buses:
        extra = ["A: authorized_default=1\\n"] if default else []
        out.append(block(f"{PCI}/usb{bus}", bus, 1, "roothub-ehci.bin",
                         rows["roothub-ehci.bin"], 1, extra))
    out.append(f"P: {PCI}\nE: SUBSYSTEM=pci\nA: class=0x0c0330\\n\n")
    return out


def main():
    rows = load_strings()
    blocks = []
    for i, (sysname, name) in enumerate(PRESENT):
        bus = int(sysname.split("-")[0])
        blocks.append(block(syspath(sysname), bus, i + 2, name, rows[name],
                            1))
    # Children before parents, as umockdev-record writes them.
    blocks.sort(key=lambda b: -b.split("\n")[0].count("/"))
    with open(os.path.join(HERE, "bed.umockdev"), "w") as f:
        f.write("\n".join(blocks + roots(rows)))
    with open(os.path.join(HERE, "bed-stuck.umockdev"), "w") as f:
        f.write("\n".join([block(syspath("1-1"), 1, 2, "eth-rtl8153.bin",
                                 rows["eth-rtl8153.bin"], 1)] +
                          roots(rows, (1,), False)))
    for i, (sysname, name, out, serial) in enumerate(PLUG):
        bus = int(sysname.split("-")[0])
        strings = rows[name]
        if serial is not None:
            strings = strings[:2] + (serial,) + strings[3:]
        with open(os.path.join(HERE, out + ".umockdev"), "w") as f:
            f.write(block(syspath(sysname), bus, 40 + i, name, strings, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
