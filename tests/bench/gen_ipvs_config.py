#!/usr/bin/env python3
"""Writes the IPVS benchmark's configurations: N virtual servers (TCP, wrr, NAT) with M real
servers each and no checkers (every real server is alive, so the whole table is pushed at start),
and the same file with one destination's weight changed (the reload).

    gen_ipvs_config.py -n 1000 -m 4 -o base.conf -r reload.conf [--vrrp IFACE PRIORITY]

With --vrrp the files also hold one VRRP instance (VI_1, VRID 51, advert_int 1) on IFACE with
that priority and a notify script that appends each state to /tmp/vrrp.states.
"""

import argparse
import ipaddress

VS_BASE = int(ipaddress.IPv4Address("10.0.0.0"))
RS_BASE = int(ipaddress.IPv4Address("10.128.0.0"))


def address(base, index):
    # Skip .0 and .255 so no address looks like a network or broadcast address.
    return str(ipaddress.IPv4Address(base + index // 254 * 256 + index % 254 + 1))


def write(path, n, m, vrrp, changed):
    with open(path, "w") as out:
        out.write("global_defs {\n  router_id bench\n  script_user root\n"
                  "  enable_script_security\n}\n")
        if vrrp:
            ifname, priority = vrrp
            out.write(
                "vrrp_instance VI_1 {\n"
                f"  interface {ifname}\n  virtual_router_id 51\n  priority {priority}\n"
                "  advert_int 1\n  notify /tmp/vrrp-notify.sh\n"
                "  virtual_ipaddress {\n    192.168.77.100/32\n  }\n}\n")
        for i in range(n):
            out.write(f"virtual_server {address(VS_BASE, i)} 80 {{\n"
                      "  lb_algo wrr\n  lb_kind NAT\n  protocol TCP\n")
            for j in range(m):
                weight = 2 if changed and i == n // 2 and j == 0 else 1
                out.write(f"  real_server {address(RS_BASE, i * m + j)} 8080 {{\n"
                          f"    weight {weight}\n  }}\n")
            out.write("}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("-m", type=int, default=4)
    p.add_argument("-o", required=True)
    p.add_argument("-r", required=True)
    p.add_argument("--vrrp", nargs=2, metavar=("IFACE", "PRIORITY"))
    a = p.parse_args()
    write(a.o, a.n, a.m, a.vrrp, False)
    write(a.r, a.n, a.m, a.vrrp, True)
    # The changed destination, for the guest to wait on: "VIP:80 RIP:8080 weight 2".
    i = a.n // 2
    print(f"{address(VS_BASE, i)}:80 {address(RS_BASE, i * a.m)}:8080")


if __name__ == "__main__":
    main()
