#!/usr/bin/env python3
# Developer check, not part of the build: shows each fixture to the real
# USBGuard (Debian packages usbguard and umockdev) as device 1-1 behind the
# root hub roothub-ehci.bin, and prints the rule `usbguard generate-policy`
# writes for it: its hash and with-interface list are what
# tests/unit/test_usbdev.c expects.
#   tests/data/usb/crosscheck-usbguard.py
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PCI = "/devices/pci0000:00/0000:00:14.0"


def load_strings():
    rows = {}
    with open(os.path.join(HERE, "strings.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, man, prod, ser, conn = line.rstrip("\n").split("\t")
            rows[name] = (man, prod, ser, conn)
    return rows


def block(path, num, name, strings, attrs_extra=""):
    man, prod, ser, conn = strings
    data = open(os.path.join(HERE, name), "rb").read()
    out = [f"P: {path}", f"N: bus/usb/001/{num:03d}",
           f"E: DEVNAME=/dev/bus/usb/001/{num:03d}", "E: DEVTYPE=usb_device",
           "E: DRIVER=usb", "E: SUBSYSTEM=usb", "A: authorized=1\\n",
           f"A: idVendor={data[9]:02x}{data[8]:02x}\\n",
           f"A: idProduct={data[11]:02x}{data[10]:02x}\\n"]
    for key, val in (("manufacturer", man), ("product", prod),
                     ("serial", ser), ("port/connect_type", conn)):
        if val != "-":
            out.append(f"A: {key}={val}\\n")
    out.append(attrs_extra + "H: descriptors=" + data.hex())
    return "\n".join(out) + "\n"


def main():
    rows = load_strings()
    root = block(PCI + "/usb1", 1, "roothub-ehci.bin",
                 rows["roothub-ehci.bin"], "A: authorized_default=1\\n\n")
    pci = f"P: {PCI}\nE: SUBSYSTEM=pci\nA: class=0x0c0330\\n\n"
    for name in sorted(rows):
        path = PCI + "/usb1/1-1"
        tree = block(path, 2, name, rows[name]) + "\n" + root + "\n" + pci
        if name == "roothub-ehci.bin":
            path = PCI + "/usb1"
            tree = root + "\n" + pci
        with tempfile.NamedTemporaryFile("w", suffix=".umockdev") as f:
            f.write(tree)
            f.flush()
            res = subprocess.run(["umockdev-run", "-d", f.name, "--",
                                  "usbguard", "generate-policy", "-d",
                                  path], capture_output=True, text=True)
        rule = res.stdout.strip().splitlines()
        print(f"{name}\t{rule[-1] if rule else res.stderr.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
