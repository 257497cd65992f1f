#!/usr/bin/env python3
"""Prints config_test_bench.sh's table from its raw measurements.

The raw file has one line per timed run: "NAME WALL_S MAXRSS_KB USER_S SYS_S" with NAME one of
keepalived, vigild. Context for the header comes from BENCH_* environment variables.
"""

import os
import statistics
import sys


def ratio(a, b):
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def main():
    e = os.environ
    runs = {"keepalived": [], "vigild": []}
    with open(sys.argv[1], encoding="ascii") as raw:
        for line in raw:
            name, wall, rss_kb, user, system = line.split()
            runs[name].append((float(wall), float(user) + float(system), int(rss_kb) / 1024))
    for name, rs in runs.items():
        if not rs:
            sys.exit(f"summarize: no runs of {name}")
    med = {name: [statistics.median(r[i] for r in rs) for i in range(3)]
           for name, rs in runs.items()}
    spread = {name: [(min(r[i] for r in rs), max(r[i] for r in rs)) for i in range(3)]
              for name, rs in runs.items()}

    print(f"config: {e.get('BENCH_N')} virtual servers x {e.get('BENCH_M')} real servers "
          f"(HTTP_GET), {e.get('BENCH_V')} VRRP instances; {e.get('BENCH_LINES')} lines, "
          f"{int(e.get('BENCH_BYTES', '0')) / 1e6:.1f} MB")
    print(f"runs: {len(runs['vigild'])} each, interleaved, after one warm-up each; medians "
          "(/usr/bin/time resolution 0.01 s)")
    for name, tag in (("keepalived", "K"), ("vigild", "V")):
        print(f"{name + ':':<12}{e.get('BENCH_' + tag + 'VER', '?')}; processes per run: "
              f"{e.get('BENCH_' + tag + 'PROCS', '?')}; exit {e.get('BENCH_' + tag + 'RC', '?')}")
    print()
    print(f"{'':<20}{'wall s':>9}{'cpu s (usr+sys)':>17}{'peak RSS MB':>13}   range (wall s)")
    for name in ("keepalived", "vigild"):
        w, c, r = med[name]
        lo, hi = spread[name][0]
        print(f"{name + ' -t':<20}{w:>9.2f}{c:>17.2f}{r:>13.1f}   {lo:.2f}..{hi:.2f}")
    k, g = med["keepalived"], med["vigild"]
    print(f"{'vigild/keepalived':<20}{ratio(g[0], k[0]):>9}{ratio(g[1], k[1]):>17}"
          f"{ratio(g[2], k[2]):>13}")


if __name__ == "__main__":
    main()
