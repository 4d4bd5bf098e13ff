#!/usr/bin/env bash
# Tests the release artifacts of scripts/package.sh as a user meets them, in a clean Debian system (a container or a
# chroot; root, /dev/fuse, apt sources that work): installs the .deb with apt-get, checks the commands, the man pages
# and the completion, mounts a VHDX with mount -t fuse.vhdx-mount and from an fstab line, removes the package and
# checks that nothing is left, then runs the tarball unpacked elsewhere.
#
#   scripts/package-test.sh DEB TARBALL IMAGE SHA256
#
# IMAGE is a VHDX whose disk has the SHA-256 SHA256. scripts/docker-test.sh runs this in a container of its Debian
# base image. Changes the system it runs in (packages, /etc/fstab, /mnt/vhdx, /opt): never run it on a machine of
# your own. Ends with "package-test: N passed, 0 failed", or names the check that failed and exits 1.
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 DEB TARBALL IMAGE SHA256" >&2; exit 2; }
deb=$(readlink -f "$1")
tarball=$(readlink -f "$2")
image=$(readlink -f "$3")
sha=$4
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
mnt=/mnt/vhdx

start=$SECONDS
passed=0
current=setup
check() { current=$1; } # names the check under way, for a failure
log() { printf 'package-test: [%3ds] %s\n' "$((SECONDS - start))" "$*" >&2; }
pass() { passed=$((passed + 1)); log "ok: $*"; }
die() { printf '\npackage-test: FAILED (%s): %s\n\n' "$current" "$*" >&2; exit 1; }
on_exit() {
  local status=$?
  set +e
  # whatever a failed check left mounted: the serving process ends with its unmount
  for m in "$mnt" /mnt/tarball; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m"
  done
  if [ "$status" -eq 0 ]; then
    echo "package-test: $passed passed, 0 failed"
  else
    echo "package-test: $passed passed, 1 failed"
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || die "needs root (apt-get, mount)"
[ -e /dev/fuse ] || die "no /dev/fuse here (a container needs --device /dev/fuse --cap-add SYS_ADMIN)"
export DEBIAN_FRONTEND=noninteractive

# the paths a package of ours may own; after apt-get remove none of them may be left
leftovers() {
  find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path "$(dirname "$deb")" \
    -o -path "$(dirname "$image")" -o -path /opt \) -prune -o \( -name '*vhdx*' -print \) | grep -v "^$mnt\$" || true
}
before=$(leftovers)

# ---------------------------------------------------------------------------------------------------------------
check install
# Docker's slim Debian images leave man pages out (dpkg path-exclude): a user's system has them
rm -f /etc/dpkg/dpkg.cfg.d/docker
log "apt-get install $(basename "$deb") (and man-db, to read its man pages)"
apt-get update -qq || die "apt-get update failed"
apt-get install -y -qq --no-install-recommends "$deb" man-db >/tmp/apt-install.log 2>&1 \
  || { tail -n 30 /tmp/apt-install.log >&2; die "apt-get install of the package failed"; }
dpkg-query -W -f='${Status}\n' vhdx-mount | grep -qx 'install ok installed' || die "vhdx-mount is not installed"
pass "apt-get install ./$(basename "$deb") with its dependencies ($(java -version 2>&1 | head -n 1))"

check commands
[ "$(command -v vhdx-mount)" = /usr/bin/vhdx-mount ] || die "vhdx-mount is not /usr/bin/vhdx-mount"
version=$(vhdx-mount --version) || die "vhdx-mount --version failed"
[[ $version == "vhdx-mount "* ]] || die "vhdx-mount --version says: $version"
info=$(vhdx-info "$image") || die "vhdx-info $image failed"
grep -q '^virtual size:' <<<"$info" || die "vhdx-info prints no virtual size: $info"
pass "vhdx-mount --version: ${version%%$'\n'*}; vhdx-info reads the image"

check appcds
# made by the postinst for this JVM, and again when a Java package changes (the dpkg trigger)
ls /var/cache/vhdx-mount/vhdx-mount-*cds.jsa >/dev/null 2>&1 || die "no AppCDS archive in /var/cache/vhdx-mount"
rm -f /var/cache/vhdx-mount/*.jsa
dpkg-trigger --no-await /usr/lib/jvm
dpkg --triggers-only --pending >/dev/null
ls /var/cache/vhdx-mount/vhdx-mount-*cds.jsa >/dev/null 2>&1 || die "the /usr/lib/jvm trigger made no archive"
cpu() { # COMMAND...: mean user+system CPU seconds of 5 runs, as nobody (who cannot make an archive)
  local _ TIMEFORMAT='%3U %3S'
  for _ in 1 2 3 4 5; do
    { time setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" >/dev/null 2>&1; } 2>&1
  done | awk '{ s += $1 + $2 } END { printf "%.2f", s / NR }'
}
archive=$(echo /var/cache/vhdx-mount/vhdx-mount-*cds.jsa)
with=$(cpu vhdx-info --version)
mv "$archive" /tmp/archive.jsa
without=$(cpu vhdx-info --version)
mv /tmp/archive.jsa "$archive"
timing="; vhdx-info --version: $with s of CPU with it, $without s without (the JDK's own archive only)"
pass "AppCDS archive made at install and by the Java trigger$timing"

check man
man_page=$(man -w vhdx-mount) || die "man -w vhdx-mount finds no man page"
[ "$man_page" = /usr/share/man/man1/vhdx-mount.1.gz ] || die "man -w vhdx-mount: $man_page"
man -w vhdx-info >/dev/null || die "man -w vhdx-info finds no man page"
for program in vhdx-mount vhdx-info; do
  "$here/check-docs.sh" "$(man -w "$program")" "/usr/share/bash-completion/completions/$program" "$program" \
    || die "the installed man page or completion of $program disagrees with its --help"
done
pass "man -w vhdx-mount: $man_page; both man pages and completions say what --help says"

check completion
# what bash-completion does when Tab is pressed after "vhdx-mount --par"
completed=$(bash -c 'source /usr/share/bash-completion/completions/vhdx-mount
  COMP_WORDS=(vhdx-mount --par); COMP_CWORD=1; COMP_LINE="vhdx-mount --par"; COMP_POINT=${#COMP_LINE}
  _complete_vhdx-mount vhdx-mount --par vhdx-mount; printf "%s\n" "${COMPREPLY[@]}"' 2>/dev/null) \
  || die "the completion script fails in bash"
completed=$(sort <<<"$completed" | tr '\n' ' ')
[ "$completed" = "--parent --partitions " ] \
  || die "vhdx-mount --par<Tab> offers '$completed', not --parent and --partitions"
pass "bash completion: vhdx-mount --par<Tab> offers --parent and --partitions"

# ---------------------------------------------------------------------------------------------------------------
mkdir -p "$mnt"
ready_and_hash() { # what the mount shows right after mount returned
  findmnt -n -o FSTYPE "$mnt" | grep -qx fuse.vhdx-mount || die "$mnt is not a fuse.vhdx-mount mount"
  local got
  got=$(sha256sum "$mnt/disk.raw" | cut -d' ' -f1)
  [ "$got" = "$sha" ] || die "disk.raw's SHA-256 is $got, not $sha"
}

check mount-t
mount -t fuse.vhdx-mount -o ro,allow_other "$image" "$mnt" || die "mount -t fuse.vhdx-mount failed"
ready_and_hash
umount "$mnt" || die "umount $mnt failed"
! mountpoint -q "$mnt" || die "$mnt is still mounted after umount"
pass "mount -t fuse.vhdx-mount -o ro,allow_other: disk.raw's SHA-256 as expected; umount"

check fstab
printf '%s %s fuse.vhdx-mount ro,allow_other,nofail,x-systemd.automount 0 0\n' "$image" "$mnt" >>/etc/fstab
mount "$mnt" || die "mount $mnt (the fstab line) failed"
ready_and_hash
mount -a || die "mount -a failed with the line mounted already"
umount "$mnt" || die "umount $mnt failed"
sed -i '\|fuse.vhdx-mount|d' /etc/fstab
pass "fstab line, mount $mnt: disk.raw's SHA-256 as expected; mount -a leaves it; umount"

# ---------------------------------------------------------------------------------------------------------------
check remove
# the serving process is gone once unmounted; nothing may hold the package's files
servers() { grep -lx vhdx-mount /proc/[0-9]*/comm 2>/dev/null || true; }
for _ in $(seq 1 50); do [ -n "$(servers)" ] || break; sleep 0.2; done
[ -z "$(servers)" ] || die "a vhdx-mount process is still running after umount: $(servers)"
apt-get remove -y -qq vhdx-mount >/tmp/apt-remove.log 2>&1 \
  || { cat /tmp/apt-remove.log >&2; die "apt-get remove failed"; }
state=$(dpkg-query -W -f='${db:Status-Abbrev}' vhdx-mount 2>/dev/null || true)
case $state in
  "" | "un "*) ;; # not even half-installed ("rc"): nothing left for a purge to do
  *) die "after apt-get remove dpkg says '$state' for vhdx-mount" ;;
esac
after=$(leftovers)
[ "$after" = "$before" ] || die "apt-get remove left: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')"
! command -v vhdx-mount >/dev/null || die "vhdx-mount is still on PATH"
pass "apt-get remove vhdx-mount leaves nothing behind, not even dpkg's record of it"

# ---------------------------------------------------------------------------------------------------------------
check tarball
mkdir -p /opt/elsewhere /mnt/tarball
tar -C /opt/elsewhere -xzf "$tarball" || die "cannot unpack $tarball"
bin=$(echo /opt/elsewhere/*/bin)
if [ ! -x "$bin/vhdx-mount" ] || [ ! -x "$bin/vhdx-info" ]; then
  die "the tarball has no bin/vhdx-mount and bin/vhdx-info"
fi
for f in share/man/man1/vhdx-mount.1.gz share/man/man1/vhdx-info.1.gz share/bash-completion/completions/vhdx-mount \
    share/bash-completion/completions/vhdx-info; do
  [ -f "$bin/../$f" ] || die "the tarball has no $f"
done
"$bin/vhdx-info" --version | grep -q '^vhdx-info ' || die "the tarball's vhdx-info --version failed"
"$bin/vhdx-mount" "$image" /mnt/tarball || die "the tarball's vhdx-mount failed to mount"
got=$(sha256sum /mnt/tarball/disk.raw | cut -d' ' -f1)
[ "$got" = "$sha" ] || die "disk.raw's SHA-256 through the tarball's vhdx-mount is $got, not $sha"
fusermount3 -u /mnt/tarball || die "fusermount3 -u /mnt/tarball failed"
pass "the tarball unpacked in /opt/elsewhere: vhdx-info --version, a background mount, disk.raw's SHA-256"
check finished
