#!/usr/bin/env bash
# checkers_bench.sh inside the qemu guest of tests/integration/vm/ (Debian's kernel with IPVS),
# so that keepalived's checker process runs (it exits at start-up without IPVS) and both daemons
# are measured in the same boot. The guest gets the VM tests' initramfs plus bash, nginx and the
# bench; the table is printed on the console (and here).
#
#   sudo tests/bench/checkers_bench_vm.sh [--vigild PATH] [BENCH ARGS...]
# e.g. sudo tests/bench/checkers_bench_vm.sh -s 60 -w 15
# Without --vigild a Release vigild is built in build/bench. Needs what tests/integration/vm/run.sh
# needs (qemu-system-x86, busybox, cpio, kmod, ipvsadm, keepalived) and nginx. VIGIL_VM_CPUS and
# VIGIL_VM_MEMORY size the guest (vm.sh); VIGIL_VM_TIMEOUT bounds the boot (default 900 s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vm=$root/tests/integration/vm
vigild="" args=()
while (($#)); do
  case $1 in
    --vigild) vigild=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
[ -f "$vm/vm.sh" ] || { echo "bench: no VM harness in $vm" >&2; exit 1; }
for tool in qemu-system-x86_64 busybox cpio depmod nginx bash keepalived; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 1; }
done
. "$root/tests/integration/lab.sh"
. "$vm/vm.sh"
[ -n "$vigild" ] || vigild=$(release_vigild "$root")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vm_kernel
# The guest: the VM tests' /init and lib.sh, a suite that loads IPVS and runs the bench, and the
# bench with lab.sh where it expects it.
mkdir -p "$work/guest" "$work/bench/tests/bench" "$work/bench/tests/integration"
cp "$vm/guest/init" "$vm/guest/lib.sh" "$work/guest/"
cp "$here/checkers_bench.sh" "$work/bench/tests/bench/"
cp "$root/tests/integration/lab.sh" "$work/bench/tests/integration/"
printf '%q ' "${args[@]}" >"$work/bench/args"
cat >"$work/guest/checkers_bench.sh" <<'SUITE'
. /vm/lib.sh
load_ipvs || { bad "cannot load ip_vs"; finish; exit; }
modprobe veth && modprobe bridge || { bad "cannot load veth/bridge"; finish; exit; }
eval "set -- $(cat /vm/bench/args)"
bash /vm/bench/tests/bench/checkers_bench.sh --vigild /usr/sbin/vigild "$@" || bad "the bench failed"
finish
SUITE
vm_initramfs "$work/root" "$work/initrd.gz" "$vigild" "$work/guest" "$work/bench"
# bash (the bench and lab.sh are bash) and nginx (the real servers), over busybox's applets.
rm -f "$work/root/usr/bin/bash" "$work/root/usr/sbin/nginx"
vm_copy_binary "$work/root" "$(command -v bash)" /usr/bin/bash
vm_copy_binary "$work/root" "$(command -v nginx)" /usr/sbin/nginx
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
vm_boot "$work/initrd.gz" "$work/console.log" "${VIGIL_VM_TIMEOUT:-900}" \
  "vigil.suites=checkers_bench"
vm_results "$work/console.log"
