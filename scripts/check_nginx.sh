#!/usr/bin/env bash
# Example vrrp_script for a director that also serves HTTP (keepalived's classic check_nginx.sh):
# exits 0 when the local web server answers GET / with a 2xx or 3xx status, non-zero otherwise.
# Pure bash (/dev/tcp), so it needs neither curl nor nginx's own tools.
#   check_nginx.sh [HOST] [PORT] [TIMEOUT_SECONDS]     defaults: 127.0.0.1 80 2
#
#   vrrp_script chk_nginx {
#     script "/usr/share/vigil/scripts/check_nginx.sh 127.0.0.1 80"
#     interval 2
#     fall 2
#     rise 2
#     weight -60        # or leave weight 0 to go to FAULT while nginx is down
#   }
host=${1:-127.0.0.1} port=${2:-80} limit=${3:-2}
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET / HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
IFS= read -r -t "$limit" status <&3 || exit 1
exec 3<&-
case $status in
  "HTTP/"*" 2"[0-9][0-9]*|"HTTP/"*" 3"[0-9][0-9]*) exit 0 ;;
  *) exit 1 ;;
esac
