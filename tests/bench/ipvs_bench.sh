#!/usr/bin/env bash
# IPVS push and reload, vigild beside keepalived, in a real IPVS kernel under qemu (the VM test
# harness, tests/integration/vm/vm.sh): see README.md here.
#
#   sudo tests/bench/ipvs_bench.sh [--vigild PATH] [-k RUNS] [-n N -m M] [--big N M] [--no-big]
# Defaults: 1000 x 4 (push, and a reload that changes one destination), repeated -k 3 times;
# the #2318-size reload 2300 x 16 (36,800 real servers) with VRRP. Without --vigild a Release
# vigild is built in build/bench.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vigild="" runs=3 n=1000 m=4 big_n=2300 big_m=16 big=1
while (($#)); do
  case $1 in
    --vigild) vigild=$2; shift 2 ;;
    -k) runs=$2; shift 2 ;;
    -n) n=$2; shift 2 ;;
    -m) m=$2; shift 2 ;;
    --big) big_n=$2; big_m=$3; shift 3 ;;
    --no-big) big=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 1 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
. "$root/tests/integration/lab.sh"
. "$root/tests/integration/vm/vm.sh"
[ -n "$vigild" ] || vigild=$(release_vigild "$root")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vm_kernel
mkdir -p "$work/bench"
gen() {  # gen PREFIX N M [--vrrp IF PRIO]
  local prefix=$1 vn=$2 vm=$3
  shift 3
  python3 "$here/gen_ipvs_config.py" -n "$vn" -m "$vm" -o "$work/bench/$prefix.conf" \
    -r "$work/bench/$prefix-reload.conf" "$@" >"$work/bench/$prefix-changed.txt"
  echo $((vn + vn * vm)) >"$work/bench/$prefix-total.txt"
  python3 -c "import ipaddress,sys; i=$vn-1; print(f'{ipaddress.IPv4Address(int(ipaddress.IPv4Address(\"10.0.0.0\")) + i // 254 * 256 + i % 254 + 1)}:80')" \
    >"$work/bench/$prefix-last.txt"
  echo "$vm" >"$work/bench/$prefix-m.txt"
}
gen base "$n" "$m"
for f in changed total last m; do mv "$work/bench/base-$f.txt" "$work/bench/$f.txt"; done
mv "$work/bench/base-reload.conf" "$work/bench/reload.conf"
echo "${n}x${m}" >"$work/bench/size.txt"
((big)) && gen big "$big_n" "$big_m" --vrrp vb0 150
echo "export BENCH_REPEAT=$runs" >"$work/env"
vm_initramfs "$work/root" "$work/initrd.gz" "$vigild" "$root/tests/integration/vm/guest" \
  "$work/bench" "$work/env"
VM_MEMORY=${VIGIL_VM_MEMORY:-3072}
vm_boot "$work/initrd.gz" "$work/console.log" "${VIGIL_VM_TIMEOUT:-3600}" vigil.suites=bench \
  >/dev/null
grep '^VIGIL-VM-ACCEL' "$work/console.log" || true
verdict=0
vm_results "$work/console.log" || verdict=1
grep -E '^FAIL' "$work/console.log" || true

# Medians per benchmark and daemon, then vigild/keepalived.
printf "%-22s %-11s %5s %9s %9s  %s\n" benchmark daemon runs "wall s" "cpu s" "kernel ops"
grep '^BENCH ' "$work/console.log" | awk '
  { key = $2 SUBSEP $3; n[key]++; wall[key, n[key]] = $4; cpu[key, n[key]] = $5; ops[key] = $6
    names[$2] = 1 }
  function median(arr, key, cnt,   i, j, t, v) {
    for (i = 1; i <= cnt; i++) v[i] = arr[key, i]
    for (i = 1; i <= cnt; i++) for (j = i + 1; j <= cnt; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return cnt % 2 ? v[(cnt + 1) / 2] : (v[cnt / 2] + v[cnt / 2 + 1]) / 2
  }
  END {
    for (name in names) for (d = 0; d < 2; d++) {
      daemon = d ? "vigild" : "keepalived"; key = name SUBSEP daemon
      if (!(key in n)) continue
      w[daemon] = median(wall, key, n[key]); c[daemon] = median(cpu, key, n[key])
      printf "%-22s %-11s %5d %9s %9s  %s\n", name, daemon, n[key], w[daemon], c[daemon], ops[key]
      if (d && ("keepalived" in w) && name !~ /transitions/ && w["keepalived"] > 0 && c["keepalived"] > 0)
        printf "%-22s %-11s %5s %8.2fx %8.2fx\n", name, "ratio", "", w["vigild"] / w["keepalived"], c["vigild"] / c["keepalived"]
      if (d) { delete w; delete c }
    }
  }' | sort -s -k1,1
echo "(2318-vrrp-transitions: the wall column is the master's state changes, cpu the backup's)"
exit "$verdict"
