#!/usr/bin/env bash
# The IPVS tests in a real kernel: boots Debian's 6.1 kernel under qemu once and runs the guest
# suites (tests/integration/vm/guest/*.sh) in order, in one boot:
#   no_ipvs       a kernel without IPVS, then with it: said once, checkers keep running, the
#                 table is programmed when the module appears (must run first)
#   differential  for every Debian sample with virtual servers and a generated large file,
#                 vigild -C builds the same table as keepalived -C (ipvsadm -Sn, sorted)
#   datapath      client -> VIP -> IPVS NAT and DR -> two real servers; checker failures,
#                 SIGHUP by difference, drift repair, SIGTERM and -I, counted in the kernel
#
#   tests/integration/vm/run.sh VIGILD [SUITE...]
# Needs root, qemu-system-x86, busybox-static, cpio, kmod, ipvsadm and keepalived
# (scripts/install-deps.sh); exits 77 (skip) without them. The kernel is downloaded once into
# $VIGIL_VM_CACHE (default /var/cache/vigil-vm). VIGIL_VM_ACCEL=tcg forces software emulation.
# The guest gets the caller's ASAN_OPTIONS/UBSAN_OPTIONS (vigild may be the sanitizer build).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: run.sh VIGILD [SUITE...]}
shift
suites=("$@")
((${#suites[@]})) || suites=(no_ipvs differential datapath)
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
for tool in qemu-system-x86_64 busybox cpio depmod ipvsadm keepalived; do
  command -v "$tool" >/dev/null || { echo "skip: needs $tool (scripts/install-deps.sh)"; exit 77; }
done
. "$here/vm.sh"

start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vm_kernel || { echo "FAIL: no kernel"; exit 1; }
python3 "$here/make_configs.py" "$work/diff" /usr/share/doc/keepalived/samples/keepalived.conf.* ||
  { echo "FAIL: make_configs.py"; exit 1; }
{
  echo "export ASAN_OPTIONS='${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}'"
  echo "export UBSAN_OPTIONS='${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}'"
  # A glob of the differential files to run (e.g. 'quorum*'), for debugging.
  [ -z "${VIGIL_VM_DIFF_ONLY:-}" ] || echo "export DIFF_ONLY='$VIGIL_VM_DIFF_ONLY'"
} >"$work/env"
vm_initramfs "$work/root" "$work/initrd.gz" "$vigild" "$here/guest" "$work/diff" "$work/env"
vm_log "initramfs $(du -h "$work/initrd.gz" | cut -f1) built in $((SECONDS - start)) s"
booted=$SECONDS
vm_boot "$work/initrd.gz" "$work/console.log" "${VIGIL_VM_TIMEOUT:-900}" \
  "vigil.suites=$(IFS=,; echo "${suites[*]}")"
status=$?
vm_log "guest ran $((SECONDS - booted)) s (qemu status $status), $((SECONDS - start)) s in all"
[ "$status" -eq 124 ] && vm_log "the guest was stopped after ${VIGIL_VM_TIMEOUT:-900} s"
vm_results "$work/console.log"
