#!/usr/bin/env bash
# vigil in two minutes: a pair of LVS directors running vigild with a realistic keepalived.conf,
# two web real servers and a client, all in network namespaces on this machine, narrated step by
# step: the election, the virtual IP answering, the master dying and the backup taking over (with
# the outage the client saw, in ms), a real server stopped (the checkers take it out) and
# restarted (back in). Where the kernel has IPVS, the IPVS table and the traffic spread over the
# two real servers are shown too; where it has none, the demo says so and `--vm` runs the whole
# demo inside a qemu guest booted from Debian's kernel, IPVS included.
#
#   scripts/demo.sh [--non-interactive] [--build DIR] [--vigild PATH --vigilctl PATH] [--vm]
#
#   --non-interactive  no pauses between the steps (the default when stdin is not a terminal)
#   --build DIR        use (and bring up to date) the vigild and vigilctl of build tree DIR;
#                      without it: build/release, build/asan or another build/* that has them,
#                      else the release preset is configured and built
#   --vigild/--vigilctl use these binaries as they are (no build)
#   --vm               run the demo in a qemu guest with IPVS (a few minutes under TCG)
#
# Needs root (network namespaces; asks sudo for it when run interactively), iproute2, iputils
# ping and busybox (its httpd serves the real servers; nc is the client); --vm also needs
# qemu-system-x86, cpio and kmod (scripts/install-deps.sh installs all of them). Everything it
# creates (namespaces, processes, the work directory) is removed on exit and on Ctrl-C. Every
# step is checked: the demo exits 1 when something did not happen (it is also a test: ctest
# `demo`), 77 when it cannot run here (not root and not interactive, a tool missing).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
argv=("$@")

interactive=auto build="" vigild="" vigilctl="" vm=false in_vm=false
usage() { sed -n '10,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --non-interactive) interactive=false ;;
    --build) [ $# -ge 2 ] || usage; build=$2; shift ;;
    --vigild) [ $# -ge 2 ] || usage; vigild=$2; shift ;;
    --vigilctl) [ $# -ge 2 ] || usage; vigilctl=$2; shift ;;
    --vm) vm=true ;;
    --in-vm) in_vm=true ;;  # internal: the guest side of --vm
    -h|--help) usage ;;
    *) echo "demo.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
# Waits are 4 times longer in the --vm guest: vigild (often the sanitizer build) under qemu's
# software emulation starts and runs several times slower.
slow=1
$in_vm && slow=4
[ "$interactive" = auto ] && { [ -t 0 ] && interactive=true || interactive=false; }

# ---- narration
# Colours on a terminal, unless NO_COLOR is set (the --vm guest's console is a terminal: it
# follows the host's stdout through VIGIL_DEMO_COLOR).
color=${VIGIL_DEMO_COLOR:-$([ -t 1 ] && [ -z "${NO_COLOR:-}" ] && echo 1 || echo 0)}
if [ "$color" = 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'; else B="" G="" R="" D="" N=""; fi
step_no=0
step() { step_no=$((step_no + 1)); printf '\n%s== %d. %s%s\n' "$B" "$step_no" "$*" "$N"; }
say() { if [ -n "$*" ]; then printf '   %s\n' "$*"; else echo; fi; }
good() { printf '   %s✓ %s%s\n' "$G" "$*" "$N"; }
show() { sed "s/^/     $D│$N /"; }  # indents command output
pause() {
  $interactive || return 0
  read -r -p "   ${D}[Enter: next step, Ctrl-C: stop]${N} " _ || true
}
die() { echo "demo.sh: $*" >&2; exit 1; }
skip() { echo "demo.sh: skip: $*" >&2; exit 77; }
now_us() { echo "${EPOCHREALTIME/./}"; }
ms_since() { echo $((($(now_us) - $1) / 1000)); }

# ---- the binaries (built as the calling user; root comes after, through sudo)
if [ "$(id -u)" -ne 0 ] && ! { $interactive && command -v sudo >/dev/null; }; then
  skip "needs root (network namespaces): sudo $0 ${argv[*]}"
fi
if [ -z "$vigild" ] || [ -z "$vigilctl" ]; then
  src=$(cd "$here/.." && pwd)
  if [ -z "$build" ]; then
    for d in "$src"/build/release "$src"/build/asan "$src"/build/*; do
      [ -x "$d/daemon/vigild" ] && [ -x "$d/ctl/vigilctl" ] && { build=$d; break; }
    done
  fi
  if [ -z "$build" ]; then
    echo "demo.sh: no build found; building the release preset (a few minutes, once)" >&2
    (cd "$src" && cmake --preset release >/dev/null) || die "cmake --preset release failed"
    build=$src/build/release
  fi
  [ -f "$build/build.ninja" ] || [ -f "$build/Makefile" ] || die "$build is not a build tree"
  # Brings the two binaries up to date (nothing to do when they are).
  cmake --build "$build" --target vigild vigilctl >/dev/null ||
    die "building vigild and vigilctl in $build failed (run: cmake --build $build --target vigild vigilctl)"
  vigild=$build/daemon/vigild
  vigilctl=$build/ctl/vigilctl
fi
vigild=$(realpath "$vigild") vigilctl=$(realpath "$vigilctl")
[ -x "$vigild" ] || die "no vigild at $vigild"
[ -x "$vigilctl" ] || die "no vigilctl at $vigilctl"

if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: the lab needs root (network namespaces); asking sudo" >&2
  exec sudo -- "$0" "${argv[@]}" --vigild "$vigild" --vigilctl "$vigilctl"
fi

# The files the demo uses: from the source tree, or next to this script in the --vm guest.
find_file() {  # find_file REPO_PATH -> the path that exists
  if [ -e "$here/../$1" ]; then echo "$here/../$1"; else echo "$here/$(basename "$1")"; fi
}
lab_sh=$(find_file tests/integration/lab.sh)
realserver_sh=$(find_file scripts/realserver.sh)
example_conf=$(find_file etc/keepalived.conf.lvs-dr)

# ---- --vm: the same demo, inside Debian's kernel under qemu (tests/integration/vm/vm.sh)
if $vm; then
  for t in qemu-system-x86_64 busybox cpio depmod ipvsadm keepalived ping bash; do
    command -v "$t" >/dev/null || skip "--vm needs $t (scripts/install-deps.sh)"
  done
  vm_dir=$here/../tests/integration/vm
  . "$vm_dir/vm.sh"
  work=$(mktemp -d /tmp/vigil-demo-vm.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  trap 'echo; echo "demo.sh: interrupted"; exit 130' INT TERM
  started=$SECONDS
  echo "${B}vigil demo in a virtual machine${N}: Debian's kernel (with IPVS) under qemu."
  echo "The guest runs this very script; its console follows. Under software emulation (TCG)"
  echo "the whole run takes a few minutes, and timings inside it are several times slower."
  vm_kernel || die "could not get Debian's kernel (see the vm: lines above)"
  # The guest side: the VM tests' /init runs the suite demo_suite.sh, which starts the demo
  # with bash (the guest's sh is busybox) and the guest's own tools.
  mkdir -p "$work/guest"
  cp "$vm_dir/guest/init" "$work/guest/init"
  cp "$0" "$work/guest/demo.sh"
  cp "$lab_sh" "$realserver_sh" "$example_conf" "$work/guest/"
  cat >"$work/guest/demo_suite.sh" <<'SH'
export PATH=/opt/demo/bin:$PATH
modprobe crc32c_generic && modprobe ip_vs && modprobe veth && modprobe bridge || exit 1
exec bash /vm/demo.sh --in-vm --non-interactive --vigild /usr/sbin/vigild \
  --vigilctl /opt/demo/bin/vigilctl
SH
  {
    echo "export VIGIL_DEMO_VIGILD_ARGS='${VIGIL_DEMO_VIGILD_ARGS:-}'"
    echo "export VIGIL_DEMO_LOGS='${VIGIL_DEMO_LOGS:-}'"
    echo "export VIGIL_DEMO_COLOR=$color"
    echo "export ASAN_OPTIONS='${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}'"
    echo "export UBSAN_OPTIONS='${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}'"
  } >"$work/guest/env"
  vm_initramfs "$work/root" "$work/initrd.gz" "$vigild" "$work/guest" || die "initramfs failed"
  # What the demo needs beyond the VM tests' initramfs: bash, vigilctl and iputils ping (-D).
  vm_copy_binary "$work/root" "$(command -v bash)" /opt/demo/bin/bash
  vm_copy_binary "$work/root" "$(command -v ping)" /opt/demo/bin/ping
  vm_copy_binary "$work/root" "$vigilctl" /opt/demo/bin/vigilctl
  strip --strip-debug "$work/root/opt/demo/bin/vigilctl"
  (cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
  vm_log "initramfs $(du -h "$work/initrd.gz" | cut -f1) built in $((SECONDS - started)) s"
  vm_boot "$work/initrd.gz" "$work/console.log" "${VIGIL_VM_TIMEOUT:-900}" \
    "vigil.suites=demo_suite"
  status=$?
  [ "$status" -eq 124 ] && vm_log "the guest was stopped after ${VIGIL_VM_TIMEOUT:-900} s"
  if vm_results "$work/console.log"; then
    echo "${G}${B}The demo passed inside the VM${N} ($((SECONDS - started)) s in all)."
    exit 0
  fi
  echo "${R}${B}The demo failed inside the VM${N} ($((SECONDS - started)) s in all)."
  exit 1
fi

# ---- the lab
for t in ip busybox ping; do
  command -v "$t" >/dev/null || skip "needs $t (scripts/install-deps.sh)"
done
ping -V 2>&1 | grep -q iputils || skip "needs iputils ping (its -D timestamps measure the outage)"
# shellcheck source=../tests/integration/lab.sh
. "$lab_sh"
work=""
demo_started=$(now_us)
lab_start lb1 lb2 web1 web2 client   # sets trap EXIT: lab_down, rm -rf $work
trap 'echo; say "interrupted"; exit 130' INT TERM
# (bash's "Killed" notices for the lab's processes are not news: stderr is quiet meanwhile)
trap '{ lab_down; } 2>/dev/null; rm -rf "$work"; say "cleaned up: namespaces, processes and $work removed"' EXIT
failed() { printf '   %s✗ %s%s\n' "$R" "$1" "$N"; fail "$@"; }

VIP=192.0.2.100
declare -A ADDR=([lb1]=192.0.2.11 [lb2]=192.0.2.12 [web1]=192.0.2.21 [web2]=192.0.2.22
  [client]=192.0.2.50)
declare -A PID

printf '%svigil demo%s: two LVS directors, two web servers and a client in network namespaces.\n' "$B" "$N"
step "The lab"
# The example configuration's own network (192.0.2.0/24) instead of lab.sh's 10.77.0.0/24.
for h in lb1 lb2 web1 web2 client; do
  on "$h" ip -4 addr flush dev eth0
  on "$h" ip addr add "${ADDR[$h]}/24" dev eth0
done
say "client ${ADDR[client]}"
say "   |"
say "   +---- switch ---+-----------------+-----------------+"
say "   |               |                 |                 |"
say "  lb1 ${ADDR[lb1]}  lb2 ${ADDR[lb2]}   web1 ${ADDR[web1]}   web2 ${ADDR[web2]}"
say "  director        director          real server       real server"
say "  (vigild)        (vigild)          (busybox httpd)   (busybox httpd)"
say ""
say "Clients use the virtual IP $VIP:80. The master director holds it; in LVS direct"
say "routing the director forwards each connection to a real server, which answers the client"
say "itself (both real servers hold the VIP on lo: scripts/realserver.sh start $VIP)."

# Real servers: a page naming the server and /healthz for the directors' HTTP_GET checks.
declare -A WEB
web_start() {  # web_start HOST
  mkdir -p "$work/www-$1"
  echo "$1" >"$work/www-$1/index.html"
  echo ok >"$work/www-$1/healthz"
  ip netns exec "$(lab_ns "$1")" busybox httpd -f -p 80 -h "$work/www-$1" >>"$work/$1.log" 2>&1 &
  WEB[$1]=$!
  LAB_PIDS+=("$!")
}
web_stop() { kill "${WEB[$1]}" 2>/dev/null; wait "${WEB[$1]}" 2>/dev/null; true; }
for h in web1 web2; do
  REALSERVER_STATE_DIR=$work/realserver-$h on "$h" "$realserver_sh" start "$VIP" >>"$work/$h.log" 2>&1 ||
    failed "realserver.sh start $VIP on $h failed"
  web_start "$h"
done
get() {  # get ADDR: one HTTP request from the client; prints the body (the server's name)
  printf 'GET / HTTP/1.0\r\n\r\n' | on client busybox nc -w 2 "$1" 80 2>/dev/null | tail -n 1
}
# (Polled through bash functions, never `sh -c "ip ..."`: in the --vm guest sh is busybox, whose
# own ip applet has no netns.)
answers() { [ "$(get "${ADDR[$1]}")" = "$1" ]; }
for h in web1 web2; do
  wait_for $((5 * slow)) answers "$h" || failed "$h does not answer HTTP"
done
good "web1 and web2 answer HTTP on their own addresses"

# IPVS: the directors' namespaces get their own table when the kernel has the ip_vs module.
modprobe -q ip_vs 2>/dev/null || true
if on lb1 test -e /proc/net/ip_vs && command -v ipvsadm >/dev/null; then
  ipvs=true
  good "this kernel has IPVS: the directors will forward HTTP to the real servers"
else
  ipvs=false
  say "${B}This kernel has no IPVS${N} (no ip_vs module$(command -v ipvsadm >/dev/null || echo ", or no ipvsadm")):"
  say "the directors cannot forward connections to the real servers here. Everything else"
  say "runs: VRRP, the virtual IP, the health checks. To see IPVS too: scripts/demo.sh --vm"
fi
pause

step "The configuration"
# etc/keepalived.conf.lvs-dr unchanged, but for the checkers' timers (seconds -> 1 s, so that the
# demo does not wait for a 5 s delay_loop).
sed -e 's/delay_loop 5/delay_loop 1/' -e 's/connect_timeout 3/connect_timeout 1/' \
  -e 's/retry 2/retry 1/' -e 's/delay_before_retry 2/delay_before_retry 1/' \
  "$example_conf" >"$work/keepalived.conf"
for h in lb1 lb2; do
  on "$h" "$vigild" -t -i "$h" -f "$work/keepalived.conf" >"$work/$h-check.log" 2>&1 ||
    failed "vigild -t -i $h rejected the configuration: $(cat "$work/$h-check.log")"
done
say "Both directors read the same file: etc/keepalived.conf.lvs-dr, the example LVS-DR pair"
say "(a keepalived.conf; only the health checks' timers are shortened for the demo)."
say "Lines starting with @lb1 / @lb2 apply to one director (vigild -i lb1 / -i lb2):"
grep -E '^\s*(@lb|vrrp_instance|virtual_server|real_server|lb_algo|lb_kind|advert_int|delay_loop|[0-9./]+ dev eth0)' \
  "$work/keepalived.conf" | show
good "vigild -t accepts it for lb1 and for lb2: 0 errors, 0 warnings"
pause

step "Two directors start: the VRRP election"
start_director() {  # start_director HOST
  ip netns exec "$(lab_ns "$1")" "$vigild" -n -l -i "$1" -f "$work/keepalived.conf" \
    -p "$work/$1.pid" ${VIGIL_DEMO_VIGILD_ARGS:-} >>"$work/$1.log" 2>&1 &
  PID[$1]=$!
  LAB_PIDS+=("$!")
}
t0=$(now_us)
start_director lb1
# lb2 once lb1 listens: were lb2 (whose wait is 0.2 s longer) up first by more than that, it
# would claim the VIP for a moment before lb1's adverts sent it back to BACKUP.
wait_for $((10 * slow)) grep -q "Entering BACKUP STATE" "$work/lb1.log" || failed "lb1 did not start"
start_director lb2
say "vigild started on lb1 (priority 150), then on lb2 (priority 100). Each begins as BACKUP"
say "and listens for 3 × advert_int + skew before claiming the VIP; the higher priority wins."
wait_for $((15 * slow)) has_vip lb1 "$VIP" || failed "lb1 did not become master"
elected=$(ms_since "$t0")
wait_for $((5 * slow)) grep -q "Entering BACKUP STATE" "$work/lb2.log" || failed "lb2 did not enter BACKUP"
has_vip lb2 "$VIP" && failed "lb2 holds the VIP too"
grep -h "Entering .* STATE" "$work/lb1.log" | sed 's/^/lb1: /' | show
grep -h "Entering .* STATE" "$work/lb2.log" | sed 's/^/lb2: /' | show
good "lb1 is MASTER after $elected ms and holds $VIP; lb2 is BACKUP"
ctl() { "$vigilctl" -s "$work/$1.sock" "${@:2}"; }
wait_for $((5 * slow)) ctl lb1 status || failed "vigilctl status on lb1 does not answer"
say "What lb1 says about itself (vigilctl status):"
ctl lb1 status | show
pause

step "The virtual IP answers"
out=$(on client ping -c 3 -i 0.2 -W 1 "$VIP" 2>&1) || failed "the VIP does not answer ping: $out"
grep -E "packets transmitted" <<<"$out" | show
good "$VIP answers ping from the client (lb1 answers for it)"
spread() {  # spread N: N requests to the VIP, prints "web1=A web2=B failed=C"
  local a=0 b=0 f=0 i
  for ((i = 0; i < $1; i++)); do
    case $(get "$VIP") in
      web1) a=$((a + 1)) ;;
      web2) b=$((b + 1)) ;;
      *) f=$((f + 1)) ;;
    esac
  done
  echo "web1=$a web2=$b failed=$f"
}
real_servers_in() {  # real_servers_in HOST N: HOST's IPVS table has N real servers
  local t
  t=$(on "$1" ipvsadm -Ln) && [ "$(grep -c -- '-> 192.0.2.2' <<<"$t")" -eq "$2" ]
}
ipvs_table() {  # ipvs_table HOST N: shows the table once it has N real servers
  wait_for $((10 * slow)) real_servers_in "$1" "$2" ||
    failed "the IPVS table on $1 does not have $2 real server(s)"
  on "$1" ipvsadm -Ln | show
}
if $ipvs; then
  say "lb1's IPVS table (ipvsadm -Ln in lb1's namespace), programmed by vigild:"
  ipvs_table lb1 2
  s=$(spread 10)
  say "10 HTTP requests from the client to http://$VIP/: $s"
  [[ $s == *failed=0 && $s != web1=0* && $s != *web2=0* ]] ||
    failed "the requests were not spread over both real servers: $s"
  good "IPVS spreads the connections over web1 and web2 (wlc)"
else
  say "(without IPVS nobody forwards $VIP:80 to the real servers; the VRRP failover below"
  say " is measured with ping, which the master answers itself)"
fi
pause

step "lb1 dies: the backup takes over"
sw_port="v${LAB_ID}x1"  # lb1's port on the switch (lab.sh: the first host)
on client ping -D -n -i 0.01 -W 1 "$VIP" >"$work/ping.log" 2>&1 &
pinger=$!
LAB_PIDS+=("$pinger")
sleep 1
say "The client pings $VIP every 10 ms. Now lb1 fails hard, as in a power cut: its switch"
say "port goes dark and its vigild is killed (SIGKILL), so it sends no goodbye advert."
# lb2 must have stayed BACKUP while lb1 was alive: a MASTER there would be two masters.
if grep -q "Entering MASTER STATE" "$work/lb2.log"; then
  grep -h "Entering .* STATE" "$work/lb2.log" | sed 's/^/lb2: /' | show
  if $in_vm; then  # emulation can starve a daemon for seconds: said, not failed
    say "(lb2 took over for a moment while lb1 was alive: under emulation lb1's adverts came late)"
  else
    failed "lb2 became MASTER while lb1 was alive"
  fi
fi
lb2_lines=$(wc -l <"$work/lb2.log")
t0=$(now_us)
ip -n "$(lab_ns sw)" link set "$sw_port" down
kill -9 "${PID[lb1]}" 2>/dev/null
wait "${PID[lb1]}" 2>/dev/null
wait_for $((15 * slow)) has_vip lb2 "$VIP" || failed "lb2 did not take over"
takeover=$(ms_since "$t0")
sleep 0.5
kill "$pinger" 2>/dev/null
wait "$pinger" 2>/dev/null
tail -n +$((lb2_lines + 1)) "$work/lb2.log" | grep -h "Entering MASTER STATE" | sed 's/^/lb2: /' | show
# The outage: the longest gap between two replies the client received.
# (A here-string, not < <(...): the --vm guest has no /dev/fd.)
read -r outage replies_after <<<"$(awk -v t0="${t0:0:-6}.${t0: -6}" '
  /bytes from/ { t = substr($1, 2, length($1) - 2) + 0
                 if (last != "" && t - last > gap) gap = t - last
                 last = t; if (t > t0) after++ }
  END { printf "%d %d\n", gap * 1000, after }' "$work/ping.log")"
[ "${replies_after:-0}" -gt 0 ] || failed "the client got no reply from $VIP after the takeover"
good "lb2 is MASTER ${takeover} ms after lb1 died"
say "(a backup waits 3 × advert_int + skew = 3 × 1 s + 0.61 s = 3.61 s from the last advert"
say " it heard, which left lb1 up to 1 s before it died)"
$in_vm && say "(in this emulated guest every timing is stretched: compare with a run on real hardware)"
good "${B}outage seen by the client: ${outage} ms${N}${G} without a reply, then $VIP answered again"
if $ipvs; then
  s=$(spread 4)
  say "4 HTTP requests through lb2 now: $s"
  [[ $s == *failed=0 && $s != web1=0* && $s != *web2=0* ]] ||
    failed "requests through lb2 were not spread over both real servers: $s"
  good "lb2's own IPVS table (vigild programs it on every director) serves the clients"
fi
pause

step "A real server fails: the health checks take it out"
say "web1's web server stops. lb2 checks GET /healthz on each real server every second"
say "(HTTP_GET, connect_timeout 1, retry 1): web1 fails twice and is removed."
lines_before=$(wc -l <"$work/lb2.log")
t0=$(now_us)
web_stop web1
rs_web1="\[${ADDR[web1]}\]:tcp:80"
wait_for $((15 * slow)) sh -c "tail -n +$((lines_before + 1)) '$work/lb2.log' | grep -q 'Removing service $rs_web1'" ||
  failed "lb2 did not take web1 out"
down_ms=$(ms_since "$t0")
tail -n +$((lines_before + 1)) "$work/lb2.log" | grep -E "$rs_web1" | sed 's/^/lb2: /' | show
good "web1 is DOWN after $down_ms ms"
ctl lb2 status | grep -E "^\[|^  -> \[" | show
ctl lb2 status | grep -qE -- "-> $rs_web1 +DOWN" || failed "vigilctl status on lb2 does not show web1 DOWN"
if $ipvs; then
  ipvs_table lb2 1
  s=$(spread 4)
  say "4 HTTP requests: $s"
  [ "$s" = "web1=0 web2=4 failed=0" ] || failed "requests did not all go to web2: $s"
  good "every request goes to web2; no client is sent to the dead server"
fi
pause

step "The real server comes back"
say "web1's httpd starts again: its next check passes and lb2 puts it back."
lines_before=$(wc -l <"$work/lb2.log")
t0=$(now_us)
web_start web1
wait_for $((15 * slow)) sh -c "tail -n +$((lines_before + 1)) '$work/lb2.log' | grep -q 'Adding service $rs_web1'" ||
  failed "lb2 did not put web1 back"
up_ms=$(ms_since "$t0")
tail -n +$((lines_before + 1)) "$work/lb2.log" | grep -E "$rs_web1" | sed 's/^/lb2: /' | show
good "web1 is UP again after $up_ms ms"
ctl lb2 status | grep -E -- "-> $rs_web1" | show
ctl lb2 status | grep -qE -- "-> $rs_web1 +UP" || failed "vigilctl status on lb2 does not show web1 UP"
if $ipvs; then
  ipvs_table lb2 2
  s=$(spread 6)
  say "6 HTTP requests: $s"
  [[ $s == *failed=0 && $s != web1=0* && $s != *web2=0* ]] || failed "web1 gets no traffic again: $s"
  good "both real servers serve again"
fi

step "Done"
say "Election $elected ms, failover $takeover ms (client outage $outage ms), real server out"
say "$down_ms ms after it stopped, back $up_ms ms after it restarted."
$ipvs || say "IPVS was not shown: this kernel has none (scripts/demo.sh --vm shows it)."
say "The whole demo took $(ms_since "$demo_started") ms."
if [ -n "${VIGIL_DEMO_LOGS:-}" ]; then  # for debugging the demo: the directors' logs
  for h in lb1 lb2; do echo "---- $h"; cat "$work/$h.log"; done
fi
kill -TERM "${PID[lb2]}" 2>/dev/null
wait "${PID[lb2]}" 2>/dev/null
exit 0
