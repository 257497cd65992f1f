#!/usr/bin/env bash
# Builds the Debian package from a build tree with CPack and inspects it with dpkg-deb: control
# fields (Depends from dpkg-shlibdeps), the files and their modes, conffiles, the maintainer
# scripts; then checks the unit with `systemd-analyze verify` against the unpacked tree, and (as
# root, in a private network namespace with an eth0) the packaged vigild accepts the packaged
# example configuration for both directors.
#   tests/packaging/package_deb.sh BUILD_DIR
# The package of a sanitizer build depends on libasan/libubsan too; scripts/package.sh makes the
# release one.
set -uo pipefail
build=$(cd "${1:?usage: package_deb.sh BUILD_DIR}" && pwd)
command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
  { echo "skip: dpkg-dev is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ "$prefix" = /usr ] || fail "$build is configured with CMAKE_INSTALL_PREFIX=$prefix; the package needs /usr (the presets set it)"
# gzip here (xz takes minutes on a sanitizer build): the test checks the contents.
cpack -G DEB -B "$work/out" --config "$build/CPackConfig.cmake" \
  -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
debs=("$work"/out/*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb, got: ${debs[*]}"
deb=${debs[0]}
arch=$(dpkg --print-architecture)
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[[ $(basename "$deb") =~ ^vigil_[0-9.]+-1_${arch}\.deb$ ]] || fail "not Debian naming: $(basename "$deb")"
pass "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

info=$(dpkg-deb -I "$deb") || fail "dpkg-deb -I failed"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = vigil ] || fail "Package: $(field Package)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[[ $(field Version) == *-1 ]] || fail "Version: $(field Version)"
[ "$(field Version)" = "$version-1" ] || fail "Version $(field Version) is not $version-1"
[ "$(field Section)" = net ] || fail "Section: $(field Section)"
depends=$(field Depends)
libs=(libc6 libnl-3-200 libnl-route-3-200 libnl-genl-3-200 libssl3)
# A release vigild carries libstdc++ (CMakeLists.txt, vigil_program); a sanitizer build links it.
readelf -d "$build/daemon/vigild" | grep -q 'NEEDED.*libstdc++' && libs+=(libstdc++6)
for lib in "${libs[@]}"; do
  grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib (shlibdeps): $depends"
done
[ -n "$(field Description)" ] || fail "no Description"
pass "control: vigil $(field Version) $arch, Depends from shlibdeps: $depends"

for f in conffiles postinst prerm postrm; do
  grep -q " $f\$" <<<"$info" || grep -qw "$f" <<<"$info" || fail "control member $f missing"
done
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/default/vigild ] ||
  fail "conffiles: $(cat "$work/control/conffiles")"
for f in postinst prerm postrm; do
  [ -x "$work/control/$f" ] || fail "$f is not executable"
  sh -n "$work/control/$f" || fail "$f: shell syntax"
done
grep -q "deb-systemd-helper enable" "$work/control/postinst" || fail "postinst does not enable through deb-systemd-helper"
grep -q "deb-systemd-invoke stop" "$work/control/prerm" || fail "prerm does not stop the unit"
grep -q "deb-systemd-helper purge" "$work/control/postrm" || fail "postrm does not purge the unit state"
pass "conffiles and maintainer scripts"

listing=$(dpkg-deb -c "$deb")
expect_file() {  # expect_file MODE PATH
  grep -qE "^$1 root/root +[0-9]+ [0-9-]+ [0-9:]+ \.$2\$" <<<"$listing" ||
    fail "$2 missing or not $1 root/root: $(grep -F "$2" <<<"$listing")"
}
expect_file -rwxr-xr-x /usr/sbin/vigild
expect_file -rwxr-xr-x /usr/bin/vigil-genhash
expect_file -rw-r--r-- /lib/systemd/system/vigild.service
expect_file -rw-r--r-- /etc/default/vigild
expect_file -rwxr-xr-x /usr/share/vigil/scripts/realserver.sh
expect_file -rwxr-xr-x /usr/share/vigil/scripts/check_nginx.sh
expect_file -rw-r--r-- /usr/share/doc/vigil/README.md
expect_file -rw-r--r-- /usr/share/doc/vigil/operations.md
expect_file -rw-r--r-- /usr/share/doc/vigil/examples/keepalived.conf.lvs-dr
grep -q "etc/keepalived" <<<"$listing" && fail "the package must not install /etc/keepalived"
pass "files, modes and owners"

dpkg-deb -x "$deb" "$work/root"
if command -v systemd-analyze >/dev/null; then
  # Against the host's units, with ExecStart pointing into the unpacked tree (verify wants the
  # program to exist).
  mkdir -p "$work/unit"
  sed "s|^ExecStart=/usr/sbin/vigild|ExecStart=$work/root/usr/sbin/vigild|" \
    "$work/root/lib/systemd/system/vigild.service" > "$work/unit/vigild.service"
  out=$(systemd-analyze verify "$work/unit/vigild.service" 2>&1) ||
    fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify complains: $out"
  pass "systemd-analyze verify: clean"
fi
"$work/root/usr/sbin/vigild" --version | grep -q "^vigild " || fail "the packaged vigild does not run"

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
  for id in lb1 lb2; do
    out=$(unshare -n sh -c "ip link add eth0 type veth peer name eth1 && \
      '$work/root/usr/sbin/vigild' -t -i $id -f '$work/root/usr/share/doc/vigil/examples/keepalived.conf.lvs-dr'" 2>&1) ||
      fail "the example configuration is not clean for $id: $out"
  done
  pass "the example keepalived.conf.lvs-dr is clean for lb1 and lb2"
fi
echo "package checks passed"
