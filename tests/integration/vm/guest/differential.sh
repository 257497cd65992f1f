# The same file, two daemons, one table. For every configuration in /vm/diff (made deterministic
# by make_configs.py: the Debian samples with virtual servers merged into samples.up.conf and
# samples.down.conf, and the large generated.conf),
# keepalived -C and vigild -C run at the same time, each in a network namespace of its own
# (IPVS tables are per namespace, so every file and both daemons run at once). Once both tables
# of a file have settled they must be equal (`ipvsadm -Sn`, sorted); after SIGTERM vigild must
# exit 0 having removed everything it programmed.
#
# Settled: the daemon's namespace has seen one refused connection per checker of the file (the
# kernel's TCP AttemptFails; make_configs.py writes the count on the file's first line, and its
# checkers run once), and its table (/proc/PID/net/ip_vs) has not changed for settle_cs since
# then; a file without checkers must also have a non-empty table (every real server is alive).
# Settled tables that differ are read again until they agree or limit_cs passes, so a daemon
# that is merely slow is not a failure; one that never gets there is.
. /vm/lib.sh
load_ipvs || { bad "cannot load ip_vs"; finish; exit; }
w=/tmp/diff
mkdir -p "$w"
all_confs=$(cd /vm/diff && ls ${DIFF_ONLY:-*}.conf)
settle_cs=${DIFF_SETTLE_CS:-150}
limit_cs=${DIFF_LIMIT_CS:-18000}

# kN and vN: keepalived's and vigild's namespaces for the Nth file; one iproute2 run for all
# (the loop runs in a subshell of the pipe: it counts nothing for the rest of the script).
files=$(echo $all_confs | wc -w)
n=0
for c in $all_confs; do
  n=$((n + 1))
  echo "netns add k$n"
  echo "netns add v$n"
done | ip -b - || { bad "cannot create the namespaces"; finish; exit; }

# Both daemons of every file at once (lo must be up: the checks connect to 127.0.0.1 / ::1).
t0=$(now_cs)
n=0
for c in $all_confs; do
  n=$((n + 1))
  in_ns "k$n" sh -c "ifconfig lo up && exec $KEEPALIVED -n -l -C -f /vm/diff/$c \
    -p /run/ka$n.pid -c /run/kc$n.pid -r /run/kr$n.pid" >"$w/$c.keepalived.log" 2>&1 &
  eval "kpid_$n=$!"
  in_ns "v$n" sh -c "ifconfig lo up && exec $VIGILD -n -l -C -f /vm/diff/$c -p /run/vg$n.pid" \
    >"$w/$c.vigild.log" 2>&1 &
  eval "vpid_$n=$!"
  eval "checks_$n=$(sed -n '1s/^! checkers //p' "/vm/diff/$c")"
done
echo "started $((files * 2)) daemons in $(( ($(now_cs) - t0) / 100 )) s"

# Per daemon D (k or v) of file N: D_sum_N (the table's checksum when last seen), D_changed_N
# (when it last changed), D_done_N (when its checks were all seen); same_N once the two agree.
# Each round reads every table and counter with three processes, whatever the number of files
# (a process costs tens of milliseconds under emulation): sum_PID, lines_PID and fails_PID.
all_pids=""
n=0
for c in $all_confs; do
  n=$((n + 1))
  eval "all_pids=\"\$all_pids \$kpid_$n \$vpid_$n\""
done
tables="" counters=""
for p in $all_pids; do
  tables="$tables /proc/$p/net/ip_vs"
  counters="$counters /proc/$p/net/snmp"
done
poll() {
  there=""
  for f in $tables $counters; do [ -e "$f" ] && there="$there $f"; done
  [ -n "$there" ] || return 0
  eval "$(md5sum $there 2>/dev/null | awk '$2 ~ /ip_vs$/ {split($2, a, "/"); print "sum_" a[3] "=" $1}')"
  eval "$(awk 'FILENAME ~ /ip_vs$/ {n[FILENAME]++}
    FILENAME ~ /snmp$/ && /^Tcp: [0-9]/ {split(FILENAME, a, "/"); print "fails_" a[3] "=" $8}
    END {for (f in n) {split(f, a, "/"); print "lines_" a[3] "=" n[f]}}' $there 2>/dev/null)"
}
peak_used=0
pending=$files
while [ "$pending" -gt 0 ]; do
  now=$(now_cs)
  poll
  pending=0
  n=0
  for c in $all_confs; do
    n=$((n + 1))
    eval "[ -n \"\${same_$n:-}\" ]" && continue
    eval "expected=\$checks_$n"
    settled=0
    for d in k v; do
      eval "p=\$${d}pid_$n"
      eval "sum=\${sum_$p:-} lines=\${lines_$p:-0} failed=\${fails_$p:-0}"
      eval "old=\${${d}_sum_$n:-}"
      [ "$sum" != "$old" ] && eval "${d}_sum_$n=$sum ${d}_changed_$n=$now"
      eval "done_at=\${${d}_done_$n:-}"
      if [ -z "$done_at" ] && [ "$failed" -ge "$expected" ] &&
        { [ "$expected" -gt 0 ] || [ "$lines" -gt 3 ]; }; then
        eval "${d}_done_$n=$now"
        done_at=$now
      fi
      eval "changed=\${${d}_changed_$n}"
      if [ -n "$done_at" ]; then
        since=$done_at
        [ "$changed" -gt "$since" ] && since=$changed
        [ $((now - since)) -ge "$settle_cs" ] && settled=$((settled + 1))
      fi
    done
    # Both settled: compare the whole tables, once per pair of checksums.
    if [ "$settled" -eq 2 ] && eval "[ \"\$k_sum_$n \$v_sum_$n\" != \"\${compared_$n:-}\" ]"; then
      eval "compared_$n=\"\$k_sum_$n \$v_sum_$n\""
      eval "nsenter --net=/proc/\$kpid_$n/ns/net ipvsadm -Sn" | sort >"$w/$c.keepalived.table"
      eval "nsenter --net=/proc/\$vpid_$n/ns/net ipvsadm -Sn" | sort >"$w/$c.vigild.table"
      if cmp -s "$w/$c.keepalived.table" "$w/$c.vigild.table"; then
        eval "same_$n=1"
        echo "$c: equal tables $(( (now - t0) / 100 )) s after start"
        continue
      fi
    fi
    pending=$((pending + 1))
  done
  used=$(free -m | awk '/^Mem:/ {print $3}')
  [ "$used" -gt "$peak_used" ] && peak_used=$used
  [ "$pending" -eq 0 ] && break
  if [ $((now - t0)) -ge "$limit_cs" ]; then
    bad "$pending file(s) without equal settled tables after $((limit_cs / 100)) s"
    break
  fi
  sleep 0.5
done
echo "tables compared after $(( ($(now_cs) - t0) / 100 )) s (guest memory in use at most ${peak_used} MB)"

# SIGTERM to every daemon at once; vigild exits 0 (a sanitizer report makes it non-zero) with
# its table empty, also when stop_and_wait sends it a second SIGTERM while it is tearing down
# (that once killed it by the signal's default action: status 143). keepalived 2.2.7's parent exits before its checker child has cleaned up, and
# it does not always remove everything: what it leaves is only noted.
t1=$(now_cs)
for p in $all_pids; do kill -TERM "$p" 2>/dev/null; done
n=0
for c in $all_confs; do
  n=$((n + 1))
  eval "p=\$vpid_$n"
  if stop_and_wait "$p" 120; then
    [ "$stopped_rc" -eq 0 ] || bad "vigild on $c exited with status $stopped_rc"
  else
    bad "vigild on $c did not exit within 120 s of SIGTERM"
  fi
  eval "p=\$kpid_$n"
  stop_and_wait "$p" 120 || bad "keepalived on $c did not exit within 120 s of SIGTERM"
done
wait_for 60 sh -c '! pidof keepalived' || bad "keepalived's children did not exit"
echo "all daemons stopped in $(( ($(now_cs) - t1) / 100 )) s"

n=0
for c in $all_confs; do
  n=$((n + 1))
  k="$w/$c.keepalived.table"
  v="$w/$c.vigild.table"
  nsenter --net="/run/netns/v$n" cat /proc/net/ip_vs | tail -n +4 >"$w/$c.vigild.after"
  nsenter --net="/run/netns/k$n" cat /proc/net/ip_vs | tail -n +4 >"$w/$c.keepalived.after"
  if eval "[ -n \"\${same_$n:-}\" ]"; then
    ok "$c: same table ($(wc -l <"$k") lines)"
  elif [ ! -f "$k" ]; then
    eval "bad \"$c: no settled tables (keepalived: \${k_done_$n:+checks done}, vigild: \${v_done_$n:+checks done})\""
    tail -n 10 "$w/$c.keepalived.log"
    tail -n 10 "$w/$c.vigild.log"
  else
    bad "$c: the tables differ (- keepalived, + vigild)"
    diff "$k" "$v" | grep '^[-+][-+]*[^-+]' | head -n 40
    echo "---- vigild log"
    if grep -q 'Sanitizer\|runtime error' "$w/$c.vigild.log"; then
      grep -A 30 'ERROR: \|runtime error' "$w/$c.vigild.log" | head -n 40
    else
      head -n 30 "$w/$c.vigild.log"
    fi
  fi
  if grep -q 'Sanitizer\|runtime error' "$w/$c.vigild.log"; then
    bad "$c: sanitizer report from vigild"
    grep -A 30 'ERROR: \|runtime error' "$w/$c.vigild.log" | head -n 40
  fi
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
  echo "netns del k$n"
  echo "netns del v$n"
done | ip -b -
finish
