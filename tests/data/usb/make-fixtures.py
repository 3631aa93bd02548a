#!/usr/bin/env python3
# Writes the USB descriptor fixtures of this folder: each *.bin is what the
# kernel's sysfs "descriptors" attribute holds for that device (the 18-byte
# device descriptor, then every configuration: its 9-byte header and the
# wTotalLength bytes of interface, endpoint, class-specific and companion
# descriptors that follow). See README.md for the devices.
#   tests/data/usb/make-fixtures.py      (rewrites the .bin files)
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def device(bcd_usb, cls, sub, proto, mps0, vid, pid, bcd_dev, i_man, i_prod,
           i_ser, nconf):
    return struct.pack("<BBHBBBBHHHBBBB", 18, 1, bcd_usb, cls, sub, proto,
                       mps0, vid, pid, bcd_dev, i_man, i_prod, i_ser, nconf)


def config(value, attrs, max_power, nintf, body, i_conf=0):
    total = 9 + len(body)
    return struct.pack("<BBHBBBBB", 9, 2, total, nintf, value, i_conf,
                       attrs, max_power) + body


def iface(num, alt, neps, cls, sub, proto, i_intf=0):
    return struct.pack("<BBBBBBBBB", 9, 4, num, alt, neps, cls, sub, proto,
                       i_intf)


def ep(addr, attrs, max_packet, interval):
    return struct.pack("<BBBBHB", 7, 5, addr, attrs, max_packet, interval)


def ss_companion(max_burst=0, attrs=0, bytes_per_interval=0):
    return struct.pack("<BBBBH", 6, 0x30, max_burst, attrs,
                       bytes_per_interval)


def iad(first, count, cls, sub, proto, i_func=0):
    return struct.pack("<BBBBBBBB", 8, 0x0b, first, count, cls, sub, proto,
                       i_func)


def hid(report_len, bcd_hid=0x0111):
    return struct.pack("<BBHBBBH", 9, 0x21, bcd_hid, 0, 1, 0x22, report_len)


def cdc_header(bcd=0x0110):
    return struct.pack("<BBBH", 5, 0x24, 0x00, bcd)


def cdc_call_mgmt(caps, data_if):
    return struct.pack("<BBBBB", 5, 0x24, 0x01, caps, data_if)


def cdc_acm(caps):
    return struct.pack("<BBBB", 4, 0x24, 0x02, caps)


def cdc_union(master, slave):
    return struct.pack("<BBBBB", 5, 0x24, 0x06, master, slave)


def cdc_ether(i_mac, max_segment=1514):
    return struct.pack("<BBBBIHHB", 13, 0x24, 0x0f, i_mac, 0, max_segment,
                       0, 0)


def uas_pipe(pipe_id):
    return struct.pack("<BBBB", 4, 0x24, pipe_id, 0)


BULK, INTR, ISO = 2, 3, 1


def storage_if(num=0, ep_in=0x81, ep_out=0x02, size=512):
    return (iface(num, 0, 2, 0x08, 0x06, 0x50) + ep(ep_in, BULK, size, 0) +
            ep(ep_out, BULK, size, 0))


def keyboard_if(num, ep_in, report_len=65):
    return (iface(num, 0, 1, 0x03, 0x01, 0x01) + hid(report_len) +
            ep(ep_in, INTR, 8, 10))


def ecm_ifs(ctrl, data, ep_int, ep_in, ep_out, size=512, ss=False, i_mac=3):
    comp = ss_companion() if ss else b""
    body = (iface(ctrl, 0, 1, 0x02, 0x06, 0x00) + cdc_header() +
            cdc_union(ctrl, data) + cdc_ether(i_mac) +
            ep(ep_int, INTR, 16, 8) +
            (ss_companion(0, 0, 16) if ss else b""))
    body += iface(data, 0, 0, 0x0a, 0x00, 0x00)
    body += (iface(data, 1, 2, 0x0a, 0x00, 0x00) +
             ep(ep_in, BULK, size, 0) + comp + ep(ep_out, BULK, size, 0) +
             comp)
    return body


def rndis_ifs(cls, sub, proto):
    return (iad(0, 2, cls, sub, proto) +
            iface(0, 0, 1, cls, sub, proto) + cdc_header() +
            cdc_call_mgmt(0, 1) + cdc_acm(0) + cdc_union(0, 1) +
            ep(0x81, INTR, 8, 9) +
            iface(1, 0, 2, 0x0a, 0x00, 0x00) + ep(0x82, BULK, 512, 0) +
            ep(0x01, BULK, 512, 0))


def sandisk():
    return (device(0x0200, 0, 0, 0, 64, 0x0781, 0x5567, 0x0126, 1, 2, 3, 1) +
            config(1, 0x80, 0x32, 1, storage_if()))


def noserial_stick():
    return (device(0x0200, 0, 0, 0, 64, 0x090c, 0x1000, 0x1100, 1, 2, 0, 1) +
            config(1, 0x80, 0x32, 1, storage_if()))


def uasp():
    burst = ss_companion(15, 0, 0)
    streams = ss_companion(15, 0x05, 0)
    alt0 = (iface(0, 0, 2, 0x08, 0x06, 0x50) +
            ep(0x81, BULK, 1024, 0) + burst +
            ep(0x02, BULK, 1024, 0) + burst)
    alt1 = (iface(0, 1, 4, 0x08, 0x06, 0x62) +
            ep(0x01, BULK, 1024, 0) + burst + uas_pipe(1) +
            ep(0x82, BULK, 1024, 0) + streams + uas_pipe(2) +
            ep(0x83, BULK, 1024, 0) + streams + uas_pipe(3) +
            ep(0x04, BULK, 1024, 0) + streams + uas_pipe(4))
    return (device(0x0310, 0, 0, 0, 9, 0x152d, 0x0578, 0x0408, 1, 2, 3, 1) +
            config(1, 0x80, 0x70, 1, alt0 + alt1))


def rtl8153():
    vendor = (iface(0, 0, 3, 0xff, 0xff, 0x00) +
              ep(0x81, BULK, 1024, 0) + ss_companion(3) +
              ep(0x02, BULK, 1024, 0) + ss_companion(3) +
              ep(0x83, INTR, 2, 8) + ss_companion(0, 0, 2))
    return (device(0x0300, 0, 0, 0, 9, 0x0bda, 0x8153, 0x3000, 1, 2, 6, 2) +
            config(1, 0xa0, 0x30, 1, vendor) +
            config(2, 0xa0, 0x30, 2,
                   ecm_ifs(0, 1, 0x83, 0x81, 0x02, 1024, True, 3)))


def ax88179():
    body = (iface(0, 0, 3, 0xff, 0xff, 0x00) +
            ep(0x81, INTR, 8, 11) + ss_companion(0, 0, 8) +
            ep(0x82, BULK, 1024, 0) + ss_companion(3) +
            ep(0x03, BULK, 1024, 0) + ss_companion(3))
    return (device(0x0300, 0xff, 0xff, 0x00, 9, 0x0b95, 0x1790, 0x0100,
                   1, 2, 3, 1) +
            config(1, 0xa0, 0x7c, 1, body))


def gadget_ecm():
    return (device(0x0200, 0x02, 0x00, 0x00, 64, 0x0525, 0xa4a1, 0x0601,
                   1, 2, 0, 1) +
            config(1, 0xc0, 0x01, 2, ecm_ifs(0, 1, 0x83, 0x81, 0x02),
                   i_conf=4))


def bt_csr():
    body = (iface(0, 0, 3, 0xe0, 0x01, 0x01) + ep(0x81, INTR, 16, 1) +
            ep(0x02, BULK, 64, 0) + ep(0x82, BULK, 64, 0))
    for alt, size in enumerate((0, 9, 17, 25, 33, 49)):
        body += (iface(1, alt, 2, 0xe0, 0x01, 0x01) +
                 ep(0x03, ISO, size, 1) + ep(0x83, ISO, size, 1))
    return (device(0x0200, 0xe0, 0x01, 0x01, 64, 0x0a12, 0x0001, 0x8891,
                   0, 2, 0, 1) +
            config(1, 0xe0, 0x32, 2, body))


def pixel_rndis():
    return (device(0x0210, 0xef, 0x02, 0x01, 64, 0x18d1, 0x4ee3, 0x0440,
                   1, 2, 3, 1) +
            config(1, 0x80, 0xfa, 2, rndis_ifs(0xe0, 0x01, 0x03)))


def gadget_rndis_ef():
    return (device(0x0200, 0xef, 0x02, 0x01, 64, 0x1d6b, 0x0104, 0x0100,
                   1, 2, 3, 1) +
            config(1, 0xc0, 0xfa, 2, rndis_ifs(0xef, 0x04, 0x01)))


def pixel_mtp_adb():
    body = (iface(0, 0, 3, 0x06, 0x01, 0x01, 5) +
            ep(0x81, BULK, 512, 0) + ep(0x01, BULK, 512, 0) +
            ep(0x82, INTR, 28, 6) +
            iface(1, 0, 2, 0xff, 0x42, 0x01, 6) +
            ep(0x02, BULK, 512, 0) + ep(0x83, BULK, 512, 0))
    return (device(0x0210, 0, 0, 0, 64, 0x18d1, 0x4ee2, 0x0440, 1, 2, 3, 1) +
            config(1, 0x80, 0xfa, 2, body))


def huawei_e3372():
    body = (iface(0, 0, 3, 0xff, 0xff, 0xff) + ep(0x81, INTR, 16, 5) +
            ep(0x82, BULK, 512, 0) + ep(0x01, BULK, 512, 0) +
            iface(1, 0, 2, 0xff, 0xff, 0xff) + ep(0x83, BULK, 512, 0) +
            ep(0x02, BULK, 512, 0) +
            ecm_ifs(2, 3, 0x84, 0x85, 0x03, 512, False, 4) +
            storage_if(4, 0x86, 0x04))
    return (device(0x0200, 0, 0, 0, 64, 0x12d1, 0x1506, 0x0102, 2, 3, 0, 1) +
            config(1, 0xa0, 0xfa, 5, body))


def badusb():
    return (device(0x0200, 0, 0, 0, 64, 0x058f, 0x6387, 0x0100, 1, 2, 3, 1) +
            config(1, 0x80, 0x32, 2, storage_if() + keyboard_if(1, 0x83)))


def badusb_twocfg():
    return (device(0x0200, 0, 0, 0, 64, 0x058f, 0x6387, 0x0100, 1, 2, 3, 2) +
            config(1, 0x80, 0x32, 1, storage_if()) +
            config(2, 0x80, 0x32, 1, keyboard_if(0, 0x81)))


def keyboard():
    body = (keyboard_if(0, 0x81, 65) +
            iface(1, 0, 1, 0x03, 0x00, 0x00) + hid(159) +
            ep(0x82, INTR, 8, 10))
    return (device(0x0110, 0, 0, 0, 8, 0x046d, 0xc31c, 0x6400, 1, 2, 0, 1) +
            config(1, 0xa0, 0x2d, 2, body))


def mouse():
    body = (iface(0, 0, 1, 0x03, 0x01, 0x02) + hid(52) +
            ep(0x81, INTR, 4, 10))
    return (device(0x0200, 0, 0, 0, 8, 0x046d, 0xc05a, 0x5400, 1, 2, 0, 1) +
            config(1, 0xa0, 0x32, 1, body))


def hub():
    body = iface(0, 0, 1, 0x09, 0x00, 0x00) + ep(0x81, INTR, 1, 12)
    return (device(0x0200, 0x09, 0x00, 0x01, 64, 0x05e3, 0x0608, 0x6060,
                   0, 1, 0, 1) +
            config(1, 0xe0, 0x32, 1, body))


def roothub():
    body = iface(0, 0, 1, 0x09, 0x00, 0x00) + ep(0x81, INTR, 4, 12)
    return (device(0x0200, 0x09, 0x00, 0x00, 64, 0x1d6b, 0x0002, 0x0601,
                   3, 2, 1, 1) +
            config(1, 0xe0, 0x00, 1, body))


FIXTURES = {
    "stick-sandisk.bin": sandisk,
    "stick-noserial.bin": noserial_stick,
    "uasp-jms578.bin": uasp,
    "eth-rtl8153.bin": rtl8153,
    "eth-ax88179.bin": ax88179,
    "eth-gadget-ecm.bin": gadget_ecm,
    "bt-csr8510.bin": bt_csr,
    "phone-rndis.bin": pixel_rndis,
    "phone-rndis-ef.bin": gadget_rndis_ef,
    "phone-mtp-adb.bin": pixel_mtp_adb,
    "modem-e3372.bin": huawei_e3372,
    "badusb-composite.bin": badusb,
    "badusb-twocfg.bin": badusb_twocfg,
    "keyboard-k120.bin": keyboard,
    "mouse-m90.bin": mouse,
    "hub-gl850g.bin": hub,
    "roothub-ehci.bin": roothub,
}


def main():
    for name, make in FIXTURES.items():
        data = make()
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
