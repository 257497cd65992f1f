#!/usr/bin/python3
"""Sends VRRPv2 adverts, correct or deliberately broken, from this namespace to 224.0.0.18.

  send_adverts.py SRC IFACE CASE...      one packet per CASE, printed as "sent CASE"

Every case carries priority 254 for VRID 51 with the lab's VIP and password, so a receiver that
wrongly accepted it would hand over mastership: the test sees any acceptance as a state change.
"""
import socket
import struct
import sys

VRID, PRIORITY, VIP, PASSWORD = 51, 254, "10.77.0.100", b"secret\0\0"


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def vrrp(version=2, vtype=1, vrid=VRID, prio=PRIORITY, naddr=1, auth=1, interval=1,
         addrs=(VIP,), password=PASSWORD, bad_sum=False):
    body = struct.pack("!BBBBBBH", (version << 4) | vtype, vrid, prio, naddr, auth, interval, 0)
    body += b"".join(socket.inet_aton(a) for a in addrs) + password
    s = checksum(body)
    if bad_sum:
        s ^= 0x5A5A
    return body[:6] + struct.pack("!H", s) + body[8:]


def ip_packet(src, payload, ttl=255, proto=112):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 1, 0, ttl, proto, 0,
                         socket.inet_aton(src), socket.inet_aton("224.0.0.18"))
    return header + payload


CASES = {
    "ttl": lambda: dict(ttl=64),
    "version": lambda: dict(payload=vrrp(version=3)),
    "type": lambda: dict(payload=vrrp(vtype=2)),
    "checksum": lambda: dict(payload=vrrp(bad_sum=True)),
    "vrid": lambda: dict(payload=vrrp(vrid=52)),
    "auth_type": lambda: dict(payload=vrrp(auth=0)),
    "password": lambda: dict(payload=vrrp(password=b"wrong\0\0\0")),
    "interval": lambda: dict(payload=vrrp(interval=3)),
    "address_count": lambda: dict(payload=vrrp(naddr=2, addrs=(VIP, "10.77.0.101"))),
    "address_list": lambda: dict(payload=vrrp(addrs=("10.77.0.199",))),
    "truncated": lambda: dict(payload=vrrp()[:10]),
    "length": lambda: dict(payload=vrrp() + b"\0\0\0\0"),
}


def main():
    src, iface, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    for case in cases:
        spec = CASES[case]()
        payload = spec.get("payload", vrrp())
        s.sendto(ip_packet(src, payload, ttl=spec.get("ttl", 255)), ("224.0.0.18", 0))
        print("sent", case, flush=True)


if __name__ == "__main__":
    main()
