# A kernel without IPVS, then with it (runs first, before anything loads ip_vs). The guest has no
# /sbin/modprobe, so vigild's own `modprobe ip_vs` fails as on a host without the module:
#  - vigild -C says once that IPVS is not available, and the checkers keep running (an alpha
#    real server whose check passes comes up: its notify_up script runs);
#  - the module is loaded by hand: within the retry interval (5 s) vigild programs the table,
#    says so, and the table holds the live real server only;
#  - SIGTERM removes it again.
. /vm/lib.sh
if grep -q '^ip_vs ' /proc/modules; then
  bad "ip_vs is already loaded: this suite must run first"
  finish
  exit
fi
w=/tmp/no_ipvs
mkdir -p "$w"
# The kernel itself loads ip_vs when a program asks generic netlink for the "IPVS" family
# (MODULE_ALIAS_GENL_FAMILY), through this helper: none, as on a host without the module.
echo /nonexistent >/proc/sys/kernel/modprobe
cat >"$w/notify.sh" <<'SH'
#!/bin/sh
echo "$*" >>/tmp/no_ipvs/notify.log
SH
chmod 755 "$w/notify.sh"
cat >"$w/k.conf" <<CONF
global_defs {
  script_user root
  enable_script_security
}
virtual_server 10.9.0.1 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  alpha
  real_server 10.9.1.1 80 {
    notify_up "$w/notify.sh up rs1"
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 10.9.1.2 80 {
    MISC_CHECK {
      misc_path /bin/false
      retry 0
    }
  }
}
CONF
$VIGILD -n -l -C -f "$w/k.conf" -p /run/no_ipvs.pid >"$w/vigild.log" 2>&1 &
pid=$!
if wait_for 20 grep -q 'up rs1' "$w/notify.log"; then
  ok "checkers run without IPVS (notify_up of the alpha real server)"
else
  bad "no notify_up without IPVS"
fi
# Past one retry of the family (5 s), so that "once" means something.
sleep 6
n=$(grep -c 'IPVS is not available' "$w/vigild.log")
[ "$n" -eq 1 ] && ok "said once that IPVS is not available" ||
  bad "'IPVS is not available' logged $n times"
grep -q '^ip_vs ' /proc/modules && bad "ip_vs got loaded although there is no /sbin/modprobe"
running "$pid" || bad "vigild exited without IPVS"

load_ipvs || bad "cannot load ip_vs"
echo /usr/bin/modprobe >/proc/sys/kernel/modprobe
expected="-A -t 10.9.0.1:80 -s rr
-a -t 10.9.0.1:80 -r 10.9.1.1:80 -m -w 1"
if wait_for 12 sh -c "[ \"\$(ipvsadm -Sn | sort)\" = \"$expected\" ]"; then
  ok "the table is programmed once IPVS appears"
else
  bad "table after loading ip_vs:"
  table
fi
grep -q 'IPVS is now available' "$w/vigild.log" || bad "vigild did not say that IPVS appeared"
stop_and_wait "$pid" 20 || bad "vigild did not exit on SIGTERM"
[ "${stopped_rc:-1}" -eq 0 ] || bad "vigild exited with $stopped_rc"
[ -z "$(table)" ] && ok "SIGTERM removed the service" || { bad "left behind:"; table; }
if [ "$failures" -ne 0 ]; then
  echo "---- vigild log"
  tail -n 40 "$w/vigild.log"
fi
finish
