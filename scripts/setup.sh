#!/usr/bin/env bash
# Installs what vhdx-mount needs to build, run and be tested on Debian/Ubuntu, then builds it.
# Idempotent: packages already present are not reinstalled. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  openjdk-17-jdk-headless maven          # build
  fuse3 libfuse2                         # FUSE: fusermount, libfuse 3 (the default binding), libfuse 2 (jnr-fuse)
  gcc libfuse3-dev                       # tests: the libfuse 3 struct layouts checked against the C headers
  util-linux fdisk e2fsprogs             # losetup, sfdisk/fdisk, mkfs.ext4 for examples and tests
  qemu-utils                             # qemu-img: the oracle and the image maker in tests
  libvhdi-utils                          # vhdimount: the peer used in cross-checks and benchmarks
  strace                                 # tests: which files a run opens and which bytes it reads
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -e /dev/fuse ]; then
  echo "setup: warning: /dev/fuse is missing; load the fuse module (modprobe fuse) or run the container with --device /dev/fuse" >&2
fi
echo "setup: building" >&2
mvn -q -B -Dstyle.color=never -DskipTests package
