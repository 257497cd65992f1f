#!/usr/bin/env bash
# Installs every Debian package that vigil's build, tests and benchmarks need. Idempotent:
# packages already present are skipped, and apt-get update runs only when something is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format clang-tidy
  libboost1.81-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libssl-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libgtest-dev libgmock-dev libcli11-dev
  # tests: the reference peer and the lab tools
  keepalived iproute2 iputils-ping time procps nftables
  # tests: tshark decodes the adverts on the lab bridge (vrrp_decode.sh)
  tshark
  # tests: a real SMTP server for SMTP_CHECK (tests/checkers/smtp_check_test.cc)
  python3-aiosmtpd
  # tests: promtool checks the Prometheus metrics; headless Chromium loads the status page
  # (tests/integration/status.sh)
  prometheus chromium chromium-driver
  # tests: IPVS in Debian's kernel under qemu (tests/integration/vm/; the kernel package itself
  # is fetched there with apt-get download and cached in /var/cache/vigil-vm)
  qemu-system-x86 busybox-static cpio kmod xz-utils ipvsadm
  # packaging: cpack -G DEB with dpkg-shlibdeps, inspected with dpkg-deb (package_deb test);
  # systemd-analyze verifies the unit
  dpkg-dev file systemd
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
# wireshark-common otherwise asks whether non-root users may capture; the tests run as root.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  "${sudo_cmd[@]}" debconf-set-selections
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
# keepalived is a test peer and prometheus is there for promtool only: never let the packages'
# own services run on this machine.
for service in keepalived prometheus; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    "${sudo_cmd[@]}" systemctl disable --now "$service" || true
  fi
done
