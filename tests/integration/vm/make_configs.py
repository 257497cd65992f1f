#!/usr/bin/env python3
"""Configurations for the VM's differential test (vigild and keepalived build the same IPVS table).

The real servers of the samples do not exist in the guest, so health is made deterministic and the
same for both daemons, without a process per check (a fork of the sanitizer build of vigild is
slow under emulation). Every Debian sample with virtual servers goes, merged with the others
(Merger), into two files:

  samples.up.conf    every checker block of a real server is removed: a real server without
                     checkers is alive from the start (alpha or not), quorums are reached, sorry
                     servers are not needed;
  samples.down.conf  the checker blocks of a real server become one TCP_CHECK to a closed port on
                     the loopback address of its family (127.0.0.1 or ::1, port 9): the
                     connection is refused at once, so every real server with a checker goes
                     down (removed, or weight 0 under inhibit_on_failure), quorums are lost,
                     sorry servers come in.

With `warmup 0` both daemons run a checker's first check about one second after start;
delay_loop is set to 60 s and retry to 0, so that each checker runs exactly once during the test:
the test waits until the daemon's namespace has seen one refused connection per checker (the
kernel's TCP AttemptFails counter) and the table has settled. The first line of each file says
how many checkers it has ("! checkers N").

VRRP blocks, lvs_sync_daemon and the e-mail settings are dropped: the daemons run with -C
(checkers and IPVS only), the VRRP side has its own tests, and no connection other than the
checks' may leave the namespace. Everything else (virtual servers, groups, schedulers,
persistence, forwarding, weights, thresholds, alpha, quorum, sorry servers, inhibit) is kept as
written.

It also writes generated.conf: a large file covering what the samples do not (every scheduler
and flag, IPv6, fwmarks, groups with ranges, DR/TUN/NAT, thresholds, sorry servers, inhibit),
where real servers without a checker are alive and some have the refused TCP_CHECK (down_in):
virtual servers with all real servers up, one down and all down, each feature in every state.

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


CLOSED_PORT = 9  # discard: nothing listens in the test's namespaces


def refused_check(family):
    """A TCP_CHECK that fails at once: the connection to a closed loopback port is refused."""
    node = Node(["TCP_CHECK"])
    node.children = [Node(["connect_ip", "::1" if family == 6 else "127.0.0.1"]),
                     Node(["connect_port", str(CLOSED_PORT)]), Node(["connect_timeout", "5"]),
                     Node(["retry", "0"]), Node(["warmup", "0"])]
    return node


def family_of(address):
    return 6 if ":" in address else 4


GLOBAL_DROPPED = ("lvs_sync_daemon", "script_user", "enable_script_security", "smtp_server",
                  "smtp_connect_timeout", "notification_email", "notification_email_from",
                  "smtp_alert", "smtp_alert_vrrp", "smtp_alert_checker")


def transform(root, down):
    """Returns the number of checkers the file has afterwards."""
    kept = []
    have_globals = False
    checkers = 0
    for child in root.children:
        name = child.words[0] if child.words else ""
        if child.children is not None and name.startswith(DROPPED_BLOCKS):
            continue
        if name == "global_defs" and child.children is not None:
            child.children = [c for c in child.children
                              if c.words and c.words[0] not in GLOBAL_DROPPED]
            child.children += [Node(["script_user", "root"]), Node(["enable_script_security"])]
            have_globals = True
        if name == "virtual_server" and child.children is not None:
            body = [c for c in child.children
                    if not (c.words and c.words[0] in ("delay_loop", "smtp_alert"))]
            body.insert(0, Node(["delay_loop", "60"]))
            for rs in body:
                if rs.children is None or rs.words[0] != "real_server":
                    continue
                had = any(c.children is not None and c.words[0] in CHECKERS for c in rs.children)
                rs.children = [c for c in rs.children
                               if not (c.children is not None and c.words[0] in CHECKERS)
                               and not (c.words and c.words[0] == "smtp_alert")]
                if had and down:
                    rs.children.append(refused_check(family_of(rs.words[1])))
                    checkers += 1
            child.children = body
        kept.append(child)
    if not have_globals:
        globals_node = Node(["global_defs"])
        globals_node.children = [Node(["script_user", "root"]), Node(["enable_script_security"])]
        kept.insert(0, globals_node)
    root.children = kept
    return checkers


TUNNELS = ["TUN type ipip", "TUN type gue port 6080", "TUN type gue port 6081 nocsum",
           "TUN type gre", "TUN type gue port 6082 remcsum"]
SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf"]


def down_in(i):
    """Which real servers (0-3) of generated virtual server i have the failing checker: none for
    4 in 11 virtual servers, one for 5 in 11, all four (quorum lost, sorry server in) for 2 in 11.
    11 is prime to every period of the file's features (10 kinds, 13 schedulers, quorum every
    13th, sorry server every 19th, groups every 20th...), so each feature is seen in every state."""
    state = (7 * i + 3) % 11
    if state < 4:
        return ()
    if state < 9:
        return (state % 4,)
    return (0, 1, 2, 3)


def generated():
    """A large, varied file and its number of checkers (down_in says which fail)."""
    out = ["global_defs {", "  router_id vm-generated", "  script_user root",
           "  enable_script_security", "}", ""]
    rs_index = 0
    checkers = 0

    def real_server(addr, port, extra, method=None, down=False):
        nonlocal rs_index, checkers
        rs_index += 1
        lines = [f"  real_server {addr} {port}".rstrip() + " {", f"    weight {rs_index % 7 + 1}"]
        if method:
            lines.append(f"    lvs_method {method}")
        lines += [f"    {e}" for e in extra]
        if down:
            checkers += 1
            node = Node(["real_server"])
            node.children = [refused_check(addr.version)]
            body = []
            emit(node, body, 2)
            lines += body
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
            body += real_server(addr, port, extra, rs_method, j in down_in(i))
        vs += [head + " {"] + body + ["}", ""]
    return "\n".join(out + groups + vs) + "\n", checkers


def group_keys(group):
    """The services a virtual_server_group stands for: ("fwmark", N) and (address, port), with
    the ranges of its entries ("10.0.0.3-10 80", "ae00::2-9 80") expanded."""
    keys = set()
    for entry in group.children:
        if entry.children is not None or not entry.words:
            continue
        if entry.words[0] == "fwmark":
            keys.add(("fwmark", int(entry.words[1])))
            continue
        addr, _, last = entry.words[0].partition("-")
        port = entry.words[1] if len(entry.words) > 1 else ""
        first = ipaddress.ip_address(addr)
        count = 1
        if last:
            width = 8 if first.version == 4 else 16
            low = int(first) & ((1 << width) - 1)
            count = int(last, 10 if first.version == 4 else 16) - low + 1
        keys.update((first + k, port) for k in range(max(count, 1)))
    return keys


class Merger:
    """Puts the blocks of many samples into one file (one daemon per file under emulation is
    what costs: an ASan vigild start takes seconds of TCG time). Samples reuse addresses
    (10.10.10.2 1358 is in six of them), so a virtual_server whose service another sample
    already has moves to a fresh address (10.99.0.N or fd99::N) or fwmark (9000 + N) and a
    reused group name gets a suffix; nothing else of the block changes. Groups are never moved:
    a group that collides is an error of this script."""

    def __init__(self):
        self.blocks = []
        self.used = set()
        self.group_names = set()
        self.fresh = 0

    def _fresh(self, kind):
        self.fresh += 1
        if kind == "fwmark":
            return str(9000 + self.fresh)
        if kind == 6:
            return str(ipaddress.IPv6Address("fd99::") + self.fresh)
        return str(ipaddress.IPv4Address("10.99.0.0") + self.fresh)

    def add(self, origin, root):
        blocks = [c for c in root.children
                  if c.children is not None and c.words and c.words[0] != "global_defs"]
        renames = {}
        groups = {}
        for b in blocks:
            if b.words[0] == "virtual_server_group":
                name = b.words[1]
                new = name
                while new in self.group_names:
                    new += "_"
                self.group_names.add(new)
                renames[name] = new
                b.words[1] = new
                groups[new] = b
        self.blocks.append(Node(["!", "from", origin]))
        for b in blocks:
            if b.words[0] == "virtual_server":
                w = b.words
                if w[1] == "group":
                    w[2] = renames.get(w[2], w[2])
                    keys = group_keys(groups[w[2]]) if w[2] in groups else set()
                    if keys & self.used:
                        sys.exit(f"make_configs.py: group {w[2]} of {origin} collides")
                elif w[1] == "fwmark":
                    keys = {("fwmark", int(w[2]))}
                    if keys & self.used:
                        w[2] = self._fresh("fwmark")
                        keys = {("fwmark", int(w[2]))}
                else:
                    port = w[2] if len(w) > 2 else ""
                    addr = ipaddress.ip_address(w[1])
                    if (addr, port) in self.used:
                        w[1] = self._fresh(addr.version)
                        addr = ipaddress.ip_address(w[1])
                    keys = {(addr, port)}
                self.used |= keys
            self.blocks.append(b)

    def text(self, checkers, what):
        root = Node([])
        root.children = [Node(["global_defs"])] + self.blocks
        root.children[0].children = [Node(["router_id", "vm-samples"]),
                                     Node(["script_user", "root"]),
                                     Node(["enable_script_security"])]
        lines = [f"! checkers {checkers}", f"! {what}"]
        emit(root, lines)
        return "\n".join(lines) + "\n"


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    samples = []
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if re.search(r"^\s*virtual_server\s", text, re.M):
            samples.append((os.path.basename(path), text))
    # Groups first: they are never moved (Merger).
    samples.sort(key=lambda s: (not re.search(r"^\s*virtual_server\s+group\s", s[1], re.M), s[0]))
    for down, suffix in ((False, "up"), (True, "down")):
        merger = Merger()
        checkers = 0
        for name, text in samples:
            root = parse(text)
            checkers += transform(root, down)
            merger.add(name, root)
        what = ("the Debian samples with virtual servers, real servers "
                + ("with checkers down" if down else "alive, no checkers"))
        with open(os.path.join(out_dir, f"samples.{suffix}.conf"), "w") as f:
            f.write(merger.text(checkers, what))
    text, checkers = generated()
    with open(os.path.join(out_dir, "generated.conf"), "w") as f:
        f.write(f"! checkers {checkers}\n" + text)


if __name__ == "__main__":
    main()
