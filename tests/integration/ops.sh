#!/usr/bin/env bash
# Running vigild as an operator does, on a namespace lab with two directors d1 (priority 150) and
# d2 (100):
#  - enable_script_security at run time: d1's notify_backup and track script are writable by
#    anyone, so vigild refuses to run them (the secure scripts beside them do run);
#  - startup_script runs before the instances start, shutdown_script after they stopped;
#  - the dump files on SIGUSR1 / SIGUSR2 / the JSON signal / STATS_CLEAR show the live instance;
#  - SIGTERM: d1 exits 0, its VIP is gone, notify_stop ran to the end (it takes 0.3 s) before the
#    shutdown_script, and d2 takes over.
#   tests/integration/ops.sh VIGILD
# Needs root; exits 77 (skip) without it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigild=${1:?usage: ops.sh VIGILD}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
. "$here/lab.sh"

lab_start d1 d2
vip=10.77.0.100
events="$work/events.notify"
mkdir -p "$work/tmp1" "$work/scripts"
chmod 755 "$work/scripts"

script() {  # script NAME MODE BODY
  printf '#!/bin/sh\n%s\n' "$3" > "$work/scripts/$1"
  chmod "$2" "$work/scripts/$1"
}
script event.sh 0755 "echo \"\$1\" >> $events"
script slow_event.sh 0755 "sleep 0.3; echo \"\$1\" >> $events"
script open_event.sh 0777 "echo \"\$1\" >> $events"   # anyone may rewrite it
script open_track.sh 0777 "exit 1"

cat > "$work/d1.conf" <<EOF
global_defs {
  router_id d1
  enable_script_security
  script_user root
  startup_script "$work/scripts/slow_event.sh startup"
  shutdown_script "$work/scripts/event.sh shutdown"
}
vrrp_script chk_open {
  script "$work/scripts/open_track.sh"
  interval 1
  weight 0
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
  track_script {
    chk_open
  }
  notify_master "$work/scripts/event.sh master"
  notify_backup "$work/scripts/open_event.sh backup"
  notify_stop "$work/scripts/slow_event.sh stop"
}
EOF
sed -e 's/router_id d1/router_id d2/' -e 's/priority 150/priority 100/' \
  -e '/startup_script/d' -e '/shutdown_script/d' -e '/notify_/d' "$work/d1.conf" > "$work/d2.conf"

ip netns exec "$(lab_ns d1)" env TMPDIR="$work/tmp1" "$vigild" -n -l -D -f "$work/d1.conf" \
  -p "$work/d1.pid" >>"$work/d1.log" 2>&1 &
d1=$!
LAB_PIDS+=("$d1")
ip netns exec "$(lab_ns d2)" "$vigild" -n -l -f "$work/d2.conf" -p "$work/d2.pid" \
  >>"$work/d2.log" 2>&1 &
LAB_PIDS+=("$!")

wait_for 10 has_vip d1 "$vip" || fail "d1 did not become master"
pass "d1 master (its insecure track script did not hold it in FAULT)"
wait_for 5 grep -qx master "$events" || fail "notify_master did not run"
[ "$(head -n 1 "$events")" = startup ] || fail "startup_script did not run first: $(tr '\n' ' ' < "$events")"
grep -qx backup "$events" && fail "the world-writable notify_backup ran under enable_script_security"
grep -q "Unsafe permissions found for script '$work/scripts/open_event.sh'" "$work/d1.log" ||
  fail "no refusal logged for the insecure notify_backup"
grep -q "Disabling track script chk_open" "$work/d1.log" || fail "the insecure track script was not disabled"
pass "enable_script_security: insecure notify_backup and track script refused, startup_script first"

# Dumps.
kill -USR1 "$d1"
wait_for 5 test -s "$work/tmp1/keepalived.data" || fail "no keepalived.data on SIGUSR1"
grep -q "^ VRRP Instance = VI_1$" "$work/tmp1/keepalived.data" || fail "keepalived.data lacks VI_1"
grep -q "^   State = MASTER$" "$work/tmp1/keepalived.data" || fail "keepalived.data: VI_1 not MASTER"
kill -s "$("$vigild" --signum=JSON)" "$d1"
wait_for 5 test -s "$work/tmp1/keepalived.json" || fail "no keepalived.json on the JSON signal"
python3 - "$work/tmp1/keepalived.json" <<'PY' || fail "keepalived.json: VI_1 not MASTER with adverts sent"
import json, sys
d = json.load(open(sys.argv[1]))
i = d[0]
assert i["data"]["iname"] == "VI_1" and i["data"]["state"] == 2, i["data"]
assert i["data"]["vips"] == ["10.77.0.100/24 dev eth0 scope global set"], i["data"]["vips"]
assert i["stats"]["advert_sent"] > 0 and i["stats"]["become_master"] == 1, i["stats"]
PY
kill -USR2 "$d1"
wait_for 5 grep -q "Became master: 1" "$work/tmp1/keepalived.stats" || fail "keepalived.stats: no 'Became master: 1'"
# STATS_CLEAR prints the counters, then later dumps count from 0 (keepalived "Printing and
# clearing VRRP stats").
rm -f "$work/tmp1/keepalived.stats"
kill -s "$("$vigild" --signum=STATS_CLEAR)" "$d1"
wait_for 5 grep -q "Became master: 1" "$work/tmp1/keepalived.stats" || fail "STATS_CLEAR: no stats printed"
rm -f "$work/tmp1/keepalived.stats"
kill -USR2 "$d1"
wait_for 5 grep -q "Became master: 0" "$work/tmp1/keepalived.stats" ||
  fail "after STATS_CLEAR the counters did not restart from 0"
pass "SIGUSR1 data, JSON, SIGUSR2 stats and STATS_CLEAR dumps in \$TMPDIR"

# SIGTERM.
kill -TERM "$d1"
wait "$d1"
rc=$?
[ "$rc" = 0 ] || fail "d1 exited $rc on SIGTERM"
has_vip d1 "$vip" && fail "d1 kept the VIP after SIGTERM"
[ "$(tail -n 2 "$events" | tr '\n' ' ')" = "stop shutdown " ] ||
  fail "notify_stop then shutdown_script expected last: $(tr '\n' ' ' < "$events")"
wait_for 4 has_vip d2 "$vip" || fail "d2 did not take over"
pass "SIGTERM: exit 0, VIP removed, notify_stop finished before shutdown_script, d2 took over"
echo "all ops checks passed"
