# The same file, two daemons, one table. For every configuration in /vm/diff (the Debian samples
# with virtual servers and a generated large file, made deterministic by make_configs.py),
# keepalived -C and then vigild -C each run in a network namespace of their own per file (IPVS
# tables are per namespace, so all files run at once). Once every table has settled, the
# tables (`ipvsadm -Sn`, sorted) must be equal file by file; so must what each daemon leaves
# behind after SIGTERM.
. /vm/lib.sh
load_ipvs || { bad "cannot load ip_vs"; finish; exit; }
w=/tmp/diff
mkdir -p "$w"
all_confs=$(cd /vm/diff && ls ${DIFF_ONLY:-*}.conf)
# A table is settled when it is not empty (the daemon has started: every file has a virtual
# server) and has not changed for stable_cs, at least min_cs after start (the checkers' first
# round runs 1 s after start); limit_cs bounds it all.
stable_cs=400
min_cs=600
# Files run this many at once (each daemon is a process or two; under TCG more contend too much).
batch=${DIFF_BATCH:-8}
limit_cs=${DIFF_LIMIT_CS:-12000}

n=0
for c in $all_confs; do
  n=$((n + 1))
  [ "$n" -gt "$batch" ] && break
  ip netns add "d$n"
  ip -n "d$n" link set lo up
done

# start DAEMON: one per file, each in its namespace
start() {
  n=0
  for c in $confs; do
    n=$((n + 1))
    if [ "$1" = keepalived ]; then
      in_ns "d$n" "$KEEPALIVED" -n -l -C -f "/vm/diff/$c" -p "/run/ka$n.pid" \
        -c "/run/kc$n.pid" -r "/run/kr$n.pid" >"$w/$c.keepalived.log" 2>&1 &
    else
      in_ns "d$n" "$VIGILD" -n -l -C -f "/vm/diff/$c" -p "/run/vg$n.pid" \
        >"$w/$c.vigild.log" 2>&1 &
    fi
    eval "pid_$n=$!"
    rm -f "$w/$c.$1.table" "$w/$c.$1.changed"
  done
}

# settle DAEMON: polls every table until each has been unchanged for stable_cs; saves them
settle() {
  t0=$(now_cs)
  while :; do
    pending=0
    now=$(now_cs)
    n=0
    for c in $confs; do
      n=$((n + 1))
      [ -f "$w/$c.$1.settled" ] && continue
      table "d$n" >"$w/$c.$1.now"
      if ! cmp -s "$w/$c.$1.now" "$w/$c.$1.table" 2>/dev/null; then
        mv "$w/$c.$1.now" "$w/$c.$1.table"
        echo "$now" >"$w/$c.$1.changed"
      fi
      changed=$(cat "$w/$c.$1.changed")
      if [ -s "$w/$c.$1.table" ] && [ $((now - t0)) -ge "$min_cs" ] &&
        [ $((now - changed)) -ge "$stable_cs" ]; then
        touch "$w/$c.$1.settled"
      else
        pending=$((pending + 1))
      fi
    done
    [ "$pending" -eq 0 ] && break
    if [ $((now - t0)) -ge "$limit_cs" ]; then
      bad "$1: $pending table(s) still changing after $((limit_cs / 100)) s"
      break
    fi
    sleep 0.5
  done
  echo "$1: tables settled after $(( ($(now_cs) - t0) / 100 )) s"
}

# stop DAEMON: SIGTERM to all, then the table each leaves behind; the namespace is emptied
stop() {
  n=0
  for c in $confs; do
    n=$((n + 1))
    eval "p=\$pid_$n"
    kill -TERM "$p" 2>/dev/null
  done
  n=0
  for c in $confs; do
    n=$((n + 1))
    eval "p=\$pid_$n"
    if stop_and_wait "$p" 120; then
      # vigild exits 0 on SIGTERM (a sanitizer report makes it non-zero).
      [ "$1" = keepalived ] || [ "$stopped_rc" -eq 0 ] || bad "$1 on $c exited with status $stopped_rc"
    else
      bad "$1 on $c did not exit within 120 s of SIGTERM"
    fi
  done
  # keepalived's parent exits before its checker child has cleaned up.
  wait_for 60 sh -c '! pidof keepalived' || bad "keepalived's children did not exit"
  n=0
  for c in $confs; do
    n=$((n + 1))
    table "d$n" >"$w/$c.$1.after"
    ip netns exec "d$n" ipvsadm -C
  done
}

set -- $all_confs
while [ "$#" -gt 0 ]; do
  confs=""
  while [ "$#" -gt 0 ] && [ "$(echo $confs | wc -w)" -lt "$batch" ]; do
    confs="$confs $1"
    shift
  done
  for daemon in keepalived vigild; do
    start "$daemon"
    settle "$daemon"
    stop "$daemon"
  done
done

for c in $all_confs; do
  k="$w/$c.keepalived.table"
  v="$w/$c.vigild.table"
  lines=$(wc -l <"$k")
  if [ "$lines" -eq 0 ]; then
    bad "$c: keepalived built an empty table (see $c.keepalived.log below)"
    tail -n 20 "$w/$c.keepalived.log"
  elif cmp -s "$k" "$v"; then
    ok "$c: same table ($lines lines)"
  else
    bad "$c: the tables differ (- keepalived, + vigild)"
    diff "$k" "$v" | grep '^[-+][-+]*[^-+]' | head -n 40
    echo "---- vigild log"
    if grep -q 'Sanitizer\|runtime error' "$w/$c.vigild.log"; then
      grep -A 30 'ERROR: \|runtime error' "$w/$c.vigild.log" | head -n 40
    else
      grep -v ' checkers: ' "$w/$c.vigild.log" | head -n 30
    fi
  fi
  # vigild removes everything it owns. keepalived 2.2.7 does not always: it leaves fwmark
  # services, and the real servers of a virtual server with alpha (docs/ipvs.md).
  if [ -s "$w/$c.vigild.after" ]; then
    bad "$c: vigild left entries behind after SIGTERM"
    head -n 10 "$w/$c.vigild.after"
  fi
  if [ -s "$w/$c.keepalived.after" ]; then
    echo "note: $c: keepalived left $(wc -l <"$w/$c.keepalived.after") entries after SIGTERM"
  fi
done
n=0
for c in $all_confs; do
  n=$((n + 1))
  [ "$n" -gt "$batch" ] && break
  ip netns del "d$n"
done
finish
