#!/usr/bin/env bash
# The .deb under a real systemd: Debian's systemd boots as PID 1 in a container
# (systemd-nspawn) whose network namespace is a lab namespace with an eth0, and the packaged
# vigild.service is exercised there:
#  - the package installs into the root file system (dependencies from the Debian archive) and
#    its postinst enables the unit; at boot systemd starts vigild and it reports READY=1
#    (ActiveState=active, StatusText) and takes the VIP as the only director;
#  - `systemctl reload` (SIGHUP) goes back to active with the reload in the log; a broken file
#    is refused and vigild stays active;
#  - the watchdog: vigild frozen with SIGSTOP stops pinging, systemd kills and restarts it;
#  - `systemctl stop`: exit 0, VIP gone, notify_stop ran;
#  - dpkg -r stops it (prerm), dpkg -i starts it again (postinst), dpkg --purge forgets it.
# Too heavy for CI (it needs a Debian root file system, ~300 MB); run it by hand:
#   sudo debootstrap --variant=minbase --include=systemd,iproute2,procps bookworm /tmp/rootfs
#   scripts/package.sh
#   sudo tests/packaging/systemd_container.sh build/release/vigil_*.deb /tmp/rootfs
# The root file system is modified (the package is installed, then purged).
set -uo pipefail
deb=$(realpath "${1:?usage: systemd_container.sh DEB ROOTFS}")
rootfs=$(realpath "${2:?usage: systemd_container.sh DEB ROOTFS}")
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "skip: no systemd-nspawn (systemd-container)"; exit 77; }
[ -x "$rootfs/lib/systemd/systemd" ] || { echo "skip: $rootfs has no systemd"; exit 77; }
. "$here/../integration/lab.sh"

work=$(mktemp -d)
nspawn_pid=""
cleanup() {
  [ -n "$nspawn_pid" ] && kill "$nspawn_pid" 2>/dev/null && wait "$nspawn_pid" 2>/dev/null
  lab_down
  rm -rf "$work" "$rootfs/root/vigil.deb"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -n "${leader:-}" ] && in_ct journalctl -u vigild --no-pager | tail -n 40; exit 1; }
pass() { echo "ok: $*"; }

lab_up d1
vip=10.77.0.100

# The configuration and a notify_stop script inside the container.
mkdir -p "$rootfs/etc/keepalived"
cat > "$rootfs/etc/keepalived/keepalived.conf" <<EOF
global_defs {
  router_id ct
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  virtual_ipaddress {
    $vip/24
  }
  notify_stop "/etc/keepalived/stop.sh"
}
EOF
printf '#!/bin/sh\necho stopped >> /run/vigil-stop.log\n' > "$rootfs/etc/keepalived/stop.sh"
chmod 755 "$rootfs/etc/keepalived/stop.sh"

# Install (dependencies from the archive, through the host's network) before boot.
cp "$deb" "$rootfs/root/vigil.deb"
chroot "$rootfs" sh -c 'apt-get install -y -q /root/vigil.deb' >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "apt-get install of the package in the root file system failed"; }
[ -L "$rootfs/etc/systemd/system/multi-user.target.wants/vigild.service" ] ||
  fail "postinst did not enable vigild.service"
pass "installed with its dependencies; postinst enabled vigild.service"

systemd-nspawn -D "$rootfs" --register=no --keep-unit -b --console=passive --capability=CAP_NET_ADMIN \
  --network-namespace-path="/run/netns/$(lab_ns d1)" >"$work/boot.log" 2>&1 &
nspawn_pid=$!
leader=""
for _ in $(seq 100); do
  leader=$(pgrep -P "$nspawn_pid" -x systemd | head -n 1)
  [ -n "$leader" ] && break
  sleep 0.1
done
[ -n "$leader" ] || fail "the container's systemd did not start: $(cat "$work/boot.log")"
in_ct() { nsenter -t "$leader" -a "$@"; }
wait_for 60 sh -c "nsenter -t $leader -a systemctl is-system-running | grep -Eq 'running|degraded'" ||
  fail "the container did not finish booting"
pass "systemd $(in_ct systemctl --version | head -n 1 | cut -d' ' -f2) booted as PID 1 in the lab namespace"

prop() { in_ct systemctl show -p "$1" --value vigild; }
wait_for 20 sh -c "[ \"\$(nsenter -t $leader -a systemctl show -p ActiveState --value vigild)\" = active ]" ||
  fail "vigild.service is not active after boot: $(prop ActiveState) $(prop SubState)"
[ "$(prop Type)" = notify ] || fail "Type is $(prop Type)"
case $(prop StatusText) in
  "Running 1 VRRP instance(s), 0 virtual server(s) from /etc/keepalived/keepalived.conf") ;;
  *) fail "StatusText: $(prop StatusText)" ;;
esac
wait_for 10 has_vip d1 "$vip" || fail "vigild did not take the VIP"
pass "started at boot: active (READY=1), StatusText '$(prop StatusText)', VIP held"

pid=$(prop MainPID)
[ "$(prop WatchdogUSec)" = 10s ] || fail "WatchdogUSec: $(prop WatchdogUSec)"
in_ct systemctl reload vigild || fail "systemctl reload failed"
wait_for 10 sh -c "nsenter -t $leader -a journalctl -u vigild --no-pager | grep -q 'Reloaded configuration'" ||
  fail "no reload in the journal"
[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" = "$pid" ] || fail "reload restarted or broke vigild"
echo "vrrp_instance {" >> "$rootfs/etc/keepalived/keepalived.conf"
in_ct systemctl reload vigild
wait_for 10 sh -c "nsenter -t $leader -a systemctl show -p StatusText --value vigild | grep -q 'Reload refused'" ||
  fail "a broken reload did not show in StatusText: $(prop StatusText)"
[ "$(prop ActiveState)" = active ] || fail "vigild not active after a refused reload"
sed -i '$d' "$rootfs/etc/keepalived/keepalived.conf"
pass "reload: same MainPID, active; a broken file is refused ('$(prop StatusText)')"

# The watchdog: a frozen vigild stops pinging; after WatchdogSec systemd kills and restarts it.
restarts=$(prop NRestarts)
in_ct kill -STOP "$pid"
wait_for 30 sh -c "[ \"\$(nsenter -t $leader -a systemctl show -p NRestarts --value vigild)\" -gt $restarts ]" ||
  fail "the watchdog did not restart a frozen vigild"
wait_for 20 sh -c "[ \"\$(nsenter -t $leader -a systemctl show -p ActiveState --value vigild)\" = active ]" ||
  fail "vigild not active again after the watchdog restart"
in_ct journalctl -u vigild --no-pager | grep -q "Watchdog timeout" || fail "no watchdog timeout in the journal"
pass "watchdog: frozen vigild killed and restarted (NRestarts $(prop NRestarts))"
wait_for 10 has_vip d1 "$vip" || fail "the VIP did not come back after the restart"

in_ct rm -f /run/vigil-stop.log
in_ct systemctl stop vigild || fail "systemctl stop failed"
[ "$(prop ActiveState)" = inactive ] || fail "not inactive after stop: $(prop ActiveState) $(prop Result)"
[ "$(prop Result)" = success ] || fail "stop result: $(prop Result) (exit $(prop ExecMainStatus))"
has_vip d1 "$vip" && fail "the VIP stayed after systemctl stop"
in_ct grep -qx stopped /run/vigil-stop.log || fail "notify_stop did not run"
pass "stop: exit 0 (Result=success), VIP removed, notify_stop ran"

in_ct systemctl start vigild || fail "start failed"
in_ct dpkg -r vigil >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "dpkg -r failed"; }
in_ct pgrep -x vigild >/dev/null && fail "vigild still runs after dpkg -r"
in_ct dpkg -i /root/vigil.deb >"$work/reinstall.log" 2>&1 || { cat "$work/reinstall.log"; fail "dpkg -i failed"; }
wait_for 20 sh -c "[ \"\$(nsenter -t $leader -a systemctl show -p ActiveState --value vigild)\" = active ]" ||
  fail "postinst did not start vigild"
in_ct dpkg --purge vigil >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge failed"; }
in_ct test -e /etc/systemd/system/multi-user.target.wants/vigild.service && fail "purge left the unit enabled"
in_ct test -e /etc/default/vigild && fail "purge left /etc/default/vigild"
pass "dpkg -r stopped it, dpkg -i started it, dpkg --purge removed it and its state"
echo "all systemd container checks passed"
