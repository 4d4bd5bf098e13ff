#!/usr/bin/env bash
# Installs what vhdx-mount needs to build, run and be tested on Debian/Ubuntu, then builds it.
# Idempotent: packages already present are not reinstalled. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=""
apt_update() {
  [ -z "$apt_updated" ] || return 0
  $SUDO apt-get update -qq
  apt_updated=1
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# whether apt can install the package itself (a name that is only provided by another package has no candidate)
has_candidate() {
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
  [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

# The JDK's package. Its name carries the version, and each distribution has other ones (17 on Debian 12, 21 on
# Debian 13, 11 as the default of Debian 11 and Ubuntu 22.04 beside a 17). A JDK 17 or newer already installed is
# kept; else the distribution's default if it is 17 or newer (what its own Java packages are built and tested
# with), else 17 (the project's release), else the newest there is.
jdk_package() {
  local n default
  n=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'openjdk-*-jdk-headless' 2>/dev/null \
    | sed -n 's/^ii  *openjdk-\([0-9][0-9]*\)-jdk-headless$/\1/p' | sort -n | awk '$1 >= 17' | tail -n 1)
  if [ -n "$n" ]; then echo "openjdk-$n-jdk-headless"; return; fi
  default=$(apt-cache depends default-jdk-headless 2>/dev/null \
    | sed -n 's/^ *Depends: openjdk-\([0-9][0-9]*\)-jdk-headless$/\1/p' | head -n 1)
  if [ -n "$default" ] && [ "$default" -ge 17 ] && has_candidate "openjdk-$default-jdk-headless"; then
    echo "openjdk-$default-jdk-headless"; return
  fi
  if has_candidate openjdk-17-jdk-headless; then echo openjdk-17-jdk-headless; return; fi
  for n in $(apt-cache pkgnames openjdk- 2>/dev/null | sed -n 's/^openjdk-\([0-9][0-9]*\)-jdk-headless$/\1/p' \
      | sort -rn); do
    if [ "$n" -ge 17 ] && has_candidate "openjdk-$n-jdk-headless"; then echo "openjdk-$n-jdk-headless"; return; fi
  done
}

# libfuse 2 became libfuse2t64 in the 64-bit time_t transition (Debian 13, Ubuntu 24.04); the old name is then only
# provided, so it never shows as installed and apt cannot be asked for it by name without a note.
libfuse2_package() {
  local p
  for p in libfuse2t64 libfuse2; do
    if installed "$p"; then echo "$p"; return; fi
  done
  for p in libfuse2t64 libfuse2; do
    if has_candidate "$p"; then echo "$p"; return; fi
  done
}

# Both names come from apt's lists; a machine or image without any (a Docker base) gets them first.
jdk=$(jdk_package)
libfuse2=$(libfuse2_package)
if [ -z "$jdk" ] || [ -z "$libfuse2" ]; then
  apt_update
  jdk=$(jdk_package)
  libfuse2=$(libfuse2_package)
fi
[ -n "$jdk" ] || { echo "setup: no OpenJDK 17 or newer (openjdk-N-jdk-headless) in this system's apt sources" >&2; exit 1; }
[ -n "$libfuse2" ] || { echo "setup: neither libfuse2t64 nor libfuse2 in this system's apt sources" >&2; exit 1; }

packages=(
  "$jdk" maven                           # build
  fuse3 "$libfuse2"                      # FUSE: fusermount, libfuse 3 (the default binding), libfuse 2 (jnr-fuse)
  gcc libfuse3-dev                       # tests: the libfuse 3 struct layouts checked against the C headers
  util-linux fdisk e2fsprogs             # losetup, sfdisk/fdisk, mkfs.ext4 for examples and tests
  ntfs-3g                                # tests: mkntfs, ntfsinfo, ntfs-3g: NTFS marked dirty or hibernated
  dosfstools                             # tests: mkfs.vfat, the FAT partitions vhdx-info reports
  xfsprogs                               # tests: mkfs.xfs, xfs_io, xfs_repair: an XFS whose log needs replay
  qemu-utils                             # qemu-img: the oracle and the image maker in tests
  libvhdi-utils                          # vhdimount: the peer used in cross-checks and benchmarks
  strace                                 # tests: which files a run opens and which bytes it reads
  asciidoctor man-db groff-base          # scripts/package.sh: man pages from picocli's AsciiDoc, checked as rendered
  systemd                                # tests: the docs' systemd units checked (systemd-analyze; systemd need not run)
)
missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -e /dev/fuse ]; then
  echo "setup: warning: /dev/fuse is missing; load the fuse module (modprobe fuse) or run the container with --device /dev/fuse" >&2
fi
echo "setup: building" >&2
mvn -q -B -Dstyle.color=never -DskipTests package
