# Sourced by the VM tests and benchmarks: Debian's own kernel under qemu with an initramfs that
# holds busybox, ipvsadm, Debian's keepalived, vigild, every shared library they need and a test
# script (facts: ../shared/recipes/qemu-ipvs.md of the project workspace).
#   vm_kernel                 fetches and caches Debian's 6.1 kernel and the modules the tests
#                             need; sets VM_KVER, VM_VMLINUX and VM_MODULES (a modules tree)
#   vm_initramfs DIR OUT VIGILD GUEST_DIR [EXTRA_FILE...]
#                             packs DIR (made from scratch) into OUT (gzip'ed newc cpio)
#   vm_boot INITRD LOG SECONDS [APPEND...]
#                             boots it, the console copied to LOG and to stdout; returns qemu's
#                             status (124 on timeout)
#   vm_results LOG            checks the marker lines the guest printed (see guest/init)
#
# The kernel is cached outside the source tree in $VIGIL_VM_CACHE (default /var/cache/vigil-vm):
# a repeated run downloads nothing. KVM is used when it can boot a guest, else qemu's TCG
# (VIGIL_VM_ACCEL=tcg forces TCG); the guest says which one ran.

VM_CACHE=${VIGIL_VM_CACHE:-/var/cache/vigil-vm}
VM_MEMORY=${VIGIL_VM_MEMORY:-2048}
VM_CPUS=${VIGIL_VM_CPUS:-2}

# The modules the guest loads, with their dependencies (from the kernel's modules.dep).
# crc32c_generic is not a symbol dependency of libcrc32c but it needs the algorithm to load.
VM_WANT_MODULES=(
  crc32c_generic ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh
  ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_mh ip_vs_fo ip_vs_ovf ip_vs_pe_sip ip_vs_ftp
  veth bridge dummy nf_conntrack
)

vm_log() { echo "vm: $*" >&2; }

# The package name of the current 6.1 kernel: what linux-image-amd64 depends on.
vm_kernel_package() {
  local p
  p=$(apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-6\.1\.[0-9.-]*-amd64$/ {print $2; exit}')
  [ -n "$p" ] || p=$(apt-cache search --names-only '^linux-image-6\.1\.[0-9.]*-[0-9]+-amd64$' 2>/dev/null |
    awk '{print $1}' | sort -V | tail -n 1)
  echo "$p"
}

vm_kernel() {
  local stamp="$VM_CACHE/kernel.ok"
  local want; want=$(printf '%s\n' "${VM_WANT_MODULES[@]}" | sort | tr '\n' ' ')
  # A kernel already cached with the same module list is used as it is: no network at all.
  if [ -f "$stamp" ] && [ "$(sed -n 2p "$stamp")" = "$want" ]; then
    VM_KVER=$(sed -n 1p "$stamp")
    VM_VMLINUX="$VM_CACHE/vmlinux-$VM_KVER"
    VM_MODULES="$VM_CACHE/modules"
    [ -f "$VM_VMLINUX" ] && return 0
  fi
  mkdir -p "$VM_CACHE"
  local deb; deb=$(ls "$VM_CACHE"/linux-image-6.1.*-amd64_*.deb 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$deb" ]; then
    local pkg; pkg=$(vm_kernel_package)
    if [ -z "$pkg" ]; then
      apt-get update -q >/dev/null 2>&1 || true
      pkg=$(vm_kernel_package)
    fi
    [ -n "$pkg" ] || { vm_log "no linux-image-6.1.*-amd64 package known to apt"; return 1; }
    vm_log "downloading $pkg into $VM_CACHE"
    (cd "$VM_CACHE" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
      { apt-get update -q >/dev/null 2>&1; (cd "$VM_CACHE" && apt-get download -q "$pkg"); } ||
      { vm_log "apt-get download $pkg failed"; return 1; }
    deb=$(ls "$VM_CACHE"/"$pkg"_*.deb | tail -n 1)
  fi
  local tmp; tmp=$(mktemp -d "$VM_CACHE/unpack.XXXXXX")
  dpkg-deb -x "$deb" "$tmp"
  VM_KVER=$(ls "$tmp/lib/modules" | head -n 1)
  local src="$tmp/lib/modules/$VM_KVER"
  # The package ships no modules.dep (its postinst makes it).
  depmod -b "$tmp" "$VM_KVER" || { vm_log "depmod failed"; rm -rf "$tmp"; return 1; }
  # The closure of the wanted modules over modules.dep ("path: dep dep ...").
  local -A paths=()
  local m line
  for m in "${VM_WANT_MODULES[@]}"; do
    line=$(grep -E "/$m\.ko(\.xz|\.zst)?:" "$src/modules.dep" | head -n 1)
    [ -n "$line" ] || { vm_log "module $m is not in $VM_KVER"; rm -rf "$tmp"; return 1; }
    local f
    for f in ${line/:/}; do paths[$f]=1; done
  done
  rm -rf "$VM_CACHE/modules"
  local dst="$VM_CACHE/modules/lib/modules/$VM_KVER"
  for f in "${!paths[@]}"; do
    mkdir -p "$dst/$(dirname "$f")"
    cp "$src/$f" "$dst/$f"
  done
  cp "$src"/modules.order "$src"/modules.builtin* "$dst/" 2>/dev/null || true
  depmod -b "$VM_CACHE/modules" "$VM_KVER"
  # qemu boots the uncompressed ELF through its PVH entry point: no decompression in the guest
  # (50 s of a TCG boot) and no real-mode setup. The bzImage holds it as one xz stream.
  local z="$tmp/boot/vmlinuz-$VM_KVER" off
  off=$(grep -abo $'\xfd7zXZ\x00' "$z" | head -n 1 | cut -d: -f1)
  [ -n "$off" ] && tail -c +$((off + 1)) "$z" | xz -dc --single-stream >"$VM_CACHE/vmlinux-$VM_KVER" 2>/dev/null
  if ! head -c 4 "$VM_CACHE/vmlinux-$VM_KVER" 2>/dev/null | grep -q ELF; then
    vm_log "cannot unpack the kernel's ELF image from $z"
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$tmp"
  printf '%s\n%s\n' "$VM_KVER" "$want" >"$stamp"
  VM_VMLINUX="$VM_CACHE/vmlinux-$VM_KVER"
  VM_MODULES="$VM_CACHE/modules"
  vm_log "kernel $VM_KVER cached in $VM_CACHE ($(du -sh "$VM_CACHE/modules" | cut -f1) of modules)"
}

# Copies binary $2 to $1/$3 (its path in the guest) and every library ldd lists for it to the
# same path in the guest (merged /usr: /lib is usr/lib there).
vm_copy_binary() {
  local root=$1 bin=$2 dest=$3
  mkdir -p "$root/$(dirname "$dest")"
  cp -L "$bin" "$root/$dest"
  local lib
  for lib in $(ldd "$bin" 2>/dev/null | awk '/=> \// {print $3} /^\t\/[^ ]*/ {print $1}'); do
    local in_guest=${lib#/usr}
    [ -e "$root/usr$in_guest" ] && continue
    mkdir -p "$root/usr$(dirname "$in_guest")"
    cp -L "$lib" "$root/usr$in_guest"
  done
}

vm_initramfs() {
  local root=$1 out=$2 vigild=$3 guest=$4
  shift 4
  rm -rf "$root"
  mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,proc,sys,dev,run,tmp,etc,vm,var,root}
  ln -s usr/bin "$root/bin"
  ln -s usr/sbin "$root/sbin"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  ln -s ../run "$root/var/run"
  cp /bin/busybox "$root/usr/bin/busybox"
  local applet
  for applet in $(busybox --list); do
    # The guest's /sbin/modprobe appears only when the no-IPVS test is done (guest/init).
    case $applet in modprobe|ip|busybox) continue ;; esac
    [ -e "$root/usr/bin/$applet" ] || ln -s busybox "$root/usr/bin/$applet"
  done
  ln -s busybox "$root/usr/bin/modprobe"
  vm_copy_binary "$root" "$(command -v ip)" /usr/bin/ip  # iproute2: netns, which busybox lacks
  vm_copy_binary "$root" "$(command -v ipvsadm)" /usr/sbin/ipvsadm
  vm_copy_binary "$root" "$(command -v keepalived)" /usr/sbin/keepalived
  vm_copy_binary "$root" "$vigild" /usr/sbin/vigild
  # The sanitizer build carries ~200 MB of DWARF, which the guest would hold in RAM: reports
  # there name functions (the symbol table stays), not lines.
  strip --strip-debug "$root/usr/sbin/vigild"
  cp -a "$VM_MODULES/lib/modules" "$root/usr/lib/"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  echo 'hosts: files' >"$root/etc/nsswitch.conf"
  echo '127.0.0.1 localhost' >"$root/etc/hosts"
  echo vigil-vm >"$root/etc/hostname"
  cp -r "$guest"/. "$root/vm/"
  local f
  for f in "$@"; do cp -r "$f" "$root/vm/"; done
  mv "$root/vm/init" "$root/init"
  chmod 755 "$root/init" "$root"/vm/*.sh
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}

# Which accelerator to use: KVM when it boots a guest, else TCG. An openable /dev/kvm is not
# enough: nested KVM can hang a guest before its first line (seen on a Firecracker host), so the
# first run on a machine boots a one-line guest under KVM and the answer is cached per host
# kernel and qemu version.
vm_accel() {
  if [ -n "${VIGIL_VM_ACCEL:-}" ]; then echo "$VIGIL_VM_ACCEL"; return; fi
  if ! [ -c /dev/kvm ] || ! { exec 9<>/dev/kvm; } 2>/dev/null; then echo tcg; return; fi
  exec 9>&-
  local key; key="$(uname -r) $(qemu-system-x86_64 --version | head -n 1)"
  local cache="$VM_CACHE/accel"
  if [ -f "$cache" ] && [ "$(sed -n 2p "$cache")" = "$key" ]; then sed -n 1p "$cache"; return; fi
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/r"
  cp /bin/busybox "$tmp/r/busybox"
  printf '#!/busybox sh\n/busybox echo VIGIL-KVM-PROBE-OK\n/busybox poweroff -f\n' >"$tmp/r/init"
  chmod 755 "$tmp/r/init"
  (cd "$tmp/r" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/probe.gz"
  local accel=tcg
  if timeout --kill-after=5 30 qemu-system-x86_64 -accel kvm -cpu host -smp 1 -m 256 \
    -display none -nodefaults -serial stdio -no-reboot -kernel "$VM_VMLINUX" \
    -initrd "$tmp/probe.gz" -append "console=ttyS0 quiet panic=-1" </dev/null 2>/dev/null |
    grep -q VIGIL-KVM-PROBE-OK; then
    accel=kvm
  fi
  rm -rf "$tmp"
  printf '%s\n%s\n' "$accel" "$key" >"$cache"
  [ "$accel" = tcg ] && vm_log "/dev/kvm is there but a KVM guest did not boot: using TCG"
  echo "$accel"
}

# no_timer_check: a loaded host can make the guest kernel's IO-APIC timer check fail under TCG
# (a panic: "IO-APIC + timer doesn't work!").
vm_boot() {
  local initrd=$1 log=$2 seconds=$3
  shift 3
  local accel; accel=$(vm_accel)
  local cpu=()
  [ "$accel" = kvm ] && cpu=(-cpu host)
  vm_log "booting $VM_KVER under $accel (${VM_CPUS} CPUs, ${VM_MEMORY} MB, limit ${seconds} s)"
  timeout --kill-after=10 "$seconds" qemu-system-x86_64 -accel "$accel" "${cpu[@]}" \
    -smp "$VM_CPUS" -m "$VM_MEMORY" -display none -nodefaults -serial stdio -no-reboot \
    -kernel "$VM_VMLINUX" -initrd "$initrd" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check $*" </dev/null 2>&1 |
    stdbuf -o0 tr -d '\r' | tee "$log"
  return "${PIPESTATUS[0]}"
}

# The guest prints "VIGIL-VM-RESULT NAME pass|fail SECONDS" per suite and "VIGIL-VM-DONE" last.
vm_results() {
  local log=$1 failed=0 name verdict secs
  if ! grep -q '^VIGIL-VM-DONE' "$log"; then
    vm_log "the guest did not finish (no VIGIL-VM-DONE line)"
    return 1
  fi
  grep -q '^VIGIL-VM-RESULT ' "$log" || { vm_log "no suite ran"; return 1; }
  while read -r _ name verdict secs; do
    vm_log "suite $name: $verdict (${secs} s)"
    [ "$verdict" = pass ] || failed=1
  done < <(grep '^VIGIL-VM-RESULT ' "$log")
  return "$failed"
}
