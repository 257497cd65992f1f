#!/usr/bin/env python3
"""Configurations for the VM's differential test (vigild and keepalived build the same IPVS table).

The real servers of the samples do not exist in the guest, so health is made deterministic and the
same for both daemons: every checker block of a real server (HTTP_GET, TCP_CHECK, ...) is replaced
by a MISC_CHECK that always gives the same answer. With `warmup 0` both daemons run a checker's
first check one second after start (keepalived's bootstrap delay; the default warmup spreads it
over delay_loop); delay_loop is set to 60 s so that each checker runs once during the test and the
tables are settled after a few seconds; misc_timeout is 30 s so that a slow fork under emulation
(an ASan process forks slowly under TCG) is never taken for a failed check.
Each sample becomes two files:

  NAME.up.conf    the checkers run /bin/true: every real server ends up alive (alpha ones come up
                  after their first check), quorums are reached, sorry servers are not needed;
  NAME.down.conf  the checkers run /bin/false: real servers with checkers go down (removed, or
                  weight 0 under inhibit_on_failure), quorums are lost, sorry servers come in.

VRRP blocks and lvs_sync_daemon are dropped: the daemons run with -C (checkers and IPVS only), and
the VRRP side has its own tests. Everything else (virtual servers, groups, schedulers, persistence,
forwarding, weights, thresholds, alpha, quorum, sorry servers, inhibit) is kept as written.

It also writes generated.up.conf / generated.down.conf: a large file covering what the samples do
not (every scheduler and flag, IPv6, fwmarks, groups with ranges, DR/TUN/NAT, thresholds, sorry
servers, inhibit), with real servers that are alive and dead in a fixed pattern.

    make_configs.py OUT_DIR SAMPLE...
"""

import ipaddress
import os
import re
import sys

CHECKERS = {
    "HTTP_GET", "SSL_GET", "TCP_CHECK", "MISC_CHECK", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK",
    "PING_CHECK", "FILE_CHECK", "BFD_CHECK",
}
DROPPED_BLOCKS = ("vrrp_", "static_", "track_file", "garp_group", "linkbeat", "bfd_instance")


class Node:
    def __init__(self, words):
        self.words = words
        self.children = None  # a list when the statement opens a block


def tokenize(line):
    out = []
    for m in re.finditer(r'"[^"]*"|\{|\}|[^\s{}"]+', line):
        tok = m.group(0)
        if tok.startswith(("!", "#")):
            break
        out.append(tok)
    return out


def parse(text):
    root = Node([])
    root.children = []
    stack = [root]
    for line in text.splitlines():
        words = []
        for tok in tokenize(line):
            if tok == "{":
                node = Node(words)
                node.children = []
                stack[-1].children.append(node)
                stack.append(node)
                words = []
            elif tok == "}":
                if words:
                    stack[-1].children.append(Node(words))
                    words = []
                if len(stack) > 1:
                    stack.pop()
            else:
                words.append(tok)
        if words:
            stack[-1].children.append(Node(words))
    return root


def emit(node, out, depth=0):
    for child in node.children:
        pad = "  " * depth
        if child.children is None:
            out.append(pad + " ".join(child.words))
        else:
            out.append(pad + " ".join(child.words) + " {")
            emit(child, out, depth + 1)
            out.append(pad + "}")


def misc_check(verdict):
    node = Node(["MISC_CHECK"])
    node.children = [Node(["misc_path", f"/bin/{verdict}"]), Node(["misc_timeout", "30"]),
                     Node(["retry", "0"]), Node(["warmup", "0"])]
    return node


def transform(root, verdict):
    kept = []
    have_globals = False
    for child in root.children:
        name = child.words[0] if child.words else ""
        if child.children is not None and name.startswith(DROPPED_BLOCKS):
            continue
        if name == "global_defs" and child.children is not None:
            child.children = [c for c in child.children
                              if c.words and c.words[0] not in ("lvs_sync_daemon", "script_user",
                                                              "enable_script_security")]
            child.children += [Node(["script_user", "root"]), Node(["enable_script_security"])]
            have_globals = True
        if name == "virtual_server" and child.children is not None:
            body = [c for c in child.children if not (c.words and c.words[0] == "delay_loop")]
            body.insert(0, Node(["delay_loop", "60"]))
            for rs in body:
                if rs.children is not None and rs.words[0] == "real_server":
                    rs.children = [misc_check(verdict)
                                   if c.children is not None and c.words[0] in CHECKERS else c
                                   for c in rs.children]
            child.children = body
        kept.append(child)
    if not have_globals:
        globals_node = Node(["global_defs"])
        globals_node.children = [Node(["script_user", "root"]), Node(["enable_script_security"])]
        kept.insert(0, globals_node)
    root.children = kept
    return root


TUNNELS = ["TUN type ipip", "TUN type gue port 6080", "TUN type gue port 6081 nocsum",
           "TUN type gre", "TUN type gue port 6082 remcsum"]
SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf"]


def generated(verdict_for):
    """A large, varied file; verdict_for(i) says whether real server i's checker passes."""
    out = ["global_defs {", "  router_id vm-generated", "  script_user root",
           "  enable_script_security", "}", ""]
    rs_index = 0

    def real_server(addr, port, extra, method=None):
        nonlocal rs_index
        rs_index += 1
        lines = [f"  real_server {addr} {port}".rstrip() + " {", f"    weight {rs_index % 7 + 1}"]
        if method:
            lines.append(f"    lvs_method {method}")
        lines += [f"    {e}" for e in extra]
        # One real server in four has a checker (each check is a fork: few, for TCG's sake);
        # the others are always alive.
        if rs_index % 4 == 1:
            lines += ["    MISC_CHECK {", f"      misc_path /bin/{verdict_for(rs_index)}",
                      "      misc_timeout 30", "      retry 0", "      warmup 0", "    }"]
        lines.append("  }")
        return lines

    v4 = ipaddress.IPv4Address("10.20.0.1")
    r4 = ipaddress.IPv4Address("10.40.0.1")
    v6 = ipaddress.IPv6Address("fd20::1")
    r6 = ipaddress.IPv6Address("fd40::1")
    groups = []
    vs = []
    for i in range(400):
        sched = SCHEDULERS[i % len(SCHEDULERS)]
        kind = i % 10
        body = ["  delay_loop 60", f"  lb_algo {sched}"]
        group = kind == 9 and i % 20 == 9
        # keepalived wants a group's DR/TUN real servers on every entry's port: groups use NAT.
        method = "NAT" if group else ["NAT", "DR", "TUN"][i % 3]
        body.append(f"  lb_kind {method}")
        if kind in (1, 5):
            body.append(f"  persistence_timeout {60 + i}")
        if kind == 5:
            body.append("  persistence_granularity 255.255.255.0")
        if sched == "sh":
            body += ["  sh-port", "  sh-fallback"]
        if sched == "mh" and i % 2:
            body += ["  mh-port"]
        if i % 17 == 0:
            body.append("  inhibit_on_failure")
        if i % 11 == 0:
            body.append("  alpha")
        if i % 13 == 0:
            body += ["  quorum 3", "  hysteresis 1"]
        if i % 19 == 0:
            sorry = r6 + 60000 + i if kind == 8 else r4 + 60000 + i
            sorry_port = "" if kind == 7 else 8080 if method == "NAT" else 80 + i % (5 if kind == 8 else 3)
            body.append(f"  sorry_server {sorry} {sorry_port}".rstrip())
        if kind != 7:
            body.append(f"  protocol {'UDP' if i % 23 == 0 else 'TCP'}")
        if kind == 7:  # fwmark service
            head = f"virtual_server fwmark {1000 + i}"
        elif kind == 8:  # IPv6
            head = f"virtual_server {v6 + i} {80 + i % 5}"
        elif group:  # a group: an address, a range and a fwmark
            name = f"VSG_{i}"
            net = f"10.{30 + i // 200}.{i % 200}"
            groups += [f"virtual_server_group {name} {{", f"  {net}.1 80",
                       f"  {net}.10-14 443", f"  fwmark {5000 + i}", "}", ""]
            head = f"virtual_server group {name}"
        else:
            head = f"virtual_server {v4 + i} {80 + i % 3}"
        vs_port = 80 + i % 5 if kind == 8 else 80 + i % 3
        for j in range(4):
            extra = []
            if i % 29 == 0 and j == 0:
                extra += ["uthreshold 100", "lthreshold 10"]
            addr = r6 + i * 4 + j if kind == 8 else r4 + i * 4 + j
            rs_method = None
            if kind != 8 and j == 3 and i % 4 == 0:
                rs_method = "NAT"  # a real server's own method overrides the virtual server's
            elif method == "TUN" and j == 1:
                rs_method = TUNNELS[i % len(TUNNELS)]
            # Only NAT translates the port; otherwise a fwmark service's real servers have none.
            nat = (rs_method or method) == "NAT"
            port = 8000 + j if nat else "" if kind == 7 else vs_port
            body += real_server(addr, port, extra, rs_method)
        vs += [head + " {"] + body + ["}", ""]
    return "\n".join(out + groups + vs) + "\n"


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if not re.search(r"^\s*virtual_server\s", text, re.M):
            continue
        name = os.path.basename(path).replace("keepalived.conf.", "")
        for verdict, suffix in (("true", "up"), ("false", "down")):
            lines = [f"! {os.path.basename(path)} for the differential test, checkers -> "
                     f"/bin/{verdict}"]
            emit(transform(parse(text), verdict), lines)
            with open(os.path.join(out_dir, f"{name}.{suffix}.conf"), "w") as f:
                f.write("\n".join(lines) + "\n")
    for verdict_name, verdict_for in (("up", lambda i: "true"),
                                      ("down", lambda i: "false" if i % 8 == 1 else "true")):
        with open(os.path.join(out_dir, f"generated.{verdict_name}.conf"), "w") as f:
            f.write(generated(verdict_for))


if __name__ == "__main__":
    main()
