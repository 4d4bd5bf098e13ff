#!/usr/bin/env bash
# Makes a minimal Debian root file system with debootstrap, from the host's own Debian mirror:
#
#   scripts/debian-root.sh SUITE DIR        # SUITE: bookworm, trixie, bullseye, sid, ...; DIR: new or empty
#
# The root trusts the host's extra CA certificates (an HTTPS-intercepting proxy's, from
# /usr/local/share/ca-certificates/*.crt), has apt sources for SUITE, SUITE-updates and SUITE-security (sid has
# neither), and starts no services when packages are installed (policy-rc.d, as in Docker's Debian images). Used by
# scripts/docker-test.sh (imported as a Docker base image where Docker Hub cannot be reached) and by
# scripts/distro-test.sh (a chroot to test on another Debian release). Needs root.
#
# On failure it unmounts what debootstrap left mounted under DIR and removes DIR; on success DIR holds the root and
# nothing is mounted in it.
#
# Environment (all optional):
#   VHDX_DEBIAN_MIRROR    the Debian mirror (default: the host's, from its apt sources; else deb.debian.org)
#   VHDX_DEBIAN_SECURITY  the security archive (default: the host's, if it has one)
#   VHDX_ROOT_LOG         debootstrap's log (default: a temporary file, named on failure)
#   http_proxy and the like: debootstrap and apt take them from the environment
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 SUITE DIR" >&2; exit 2; }
suite=$1
dir=$2

log() { printf 'debian-root: %s\n' "$*" >&2; }
die() { printf 'debian-root: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot)"
case $suite in
  "" | */* | -*) die "not a Debian suite name: '$suite'" ;;
esac
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
  die "$dir exists and is not empty"
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ "$dir" != / ] || die "DIR is /"
# the mode of / in the root (and of / in an image imported from it): mktemp -d's 0700 would lock out every user but
# root
chmod 755 "$dir"

root_log=${VHDX_ROOT_LOG:-$(mktemp /tmp/debian-root-"$suite".XXXXXX.log)}
done_ok=""
on_exit() {
  local status=$?
  set +e
  [ -z "$done_ok" ] || exit "$status"
  # debootstrap mounts proc and sys in the root while it installs and leaves them there when it fails; deleting
  # through a mount would delete the host's files, so unmount everything first and delete nothing if that fails
  local m
  awk -v r="$dir/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
    umount -l "$m" || log "warning: cannot unmount $m"
  done
  if awk -v r="$dir/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    log "warning: left $dir in place: something is still mounted in it"
  else
    rm -rf --one-file-system "$dir"
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; } \
    >/dev/null || die "could not install debootstrap"
fi

# The host's apt sources as "URI SUITE" lines, from one-line (*.list) and deb822 (*.sources) files.
host_debian_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i + 1) }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled !~ /^no$/) {
          n = split(uris, u, " "); m = split(suites, s, " ")
          for (a = 1; a <= n; a++) for (b = 1; b <= m; b++) print u[a], s[b]
        }
        types = ""; uris = ""; suites = ""; enabled = ""
      }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:" { $1 = ""; types = $0 }
      tolower($1) == "uris:" { $1 = ""; uris = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      tolower($1) == "enabled:" { enabled = $2 }
      END { flush() }' "$f"
  done
}

sources=$(host_debian_sources)
host_id="" host_codename=""
if [ -f /etc/os-release ]; then
  # shellcheck source=/dev/null
  host_id=$(. /etc/os-release && echo "${ID:-}")
  # shellcheck source=/dev/null
  host_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
fi
mirror=${VHDX_DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ "$host_id" = debian ]; then
  # the host's release mirror: its entry for its own suite, else the first plain suite (stable, sid...) that is not
  # the security archive; a third-party repository (node, cloud SDKs) has a suite of its own and is passed over
  mirror=$(awk -v c="$host_codename" '$2 == c && $1 !~ /security/ { print $1; exit }' <<<"$sources")
  [ -n "$mirror" ] || mirror=$(awk '$2 !~ /[-\/]/ && $1 !~ /security/ { print $1; exit }' <<<"$sources")
fi
# a host that is not Debian (Ubuntu) has no Debian mirror of its own
mirror=${mirror:-http://deb.debian.org/debian}
security=${VHDX_DEBIAN_SECURITY:-$(awk '$2 ~ /-security$|\/updates$/ { print $1; exit }' <<<"$sources")}

# a debootstrap older than SUITE has no script for it; a new Debian release is built like sid
script=()
[ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)

log "debootstrap $suite from $mirror into $dir (log: $root_log)"
if ! debootstrap --variant=minbase --include=ca-certificates --components=main \
    "$suite" "$dir" "$mirror" "${script[@]}" >"$root_log" 2>&1; then
  tail -n 30 "$root_log" >&2
  die "debootstrap of $suite from $mirror failed (log above, whole: $root_log)"
fi

{
  echo "deb $mirror $suite main"
  case $suite in
    sid | unstable | experimental | rc-buggy) ;; # no point releases, no security archive
    *)
      echo "deb $mirror $suite-updates main"
      [ -z "$security" ] || echo "deb $security $suite-security main"
      ;;
  esac
} >"$dir/etc/apt/sources.list"

# the host's extra CAs (an intercepting proxy's), so that HTTPS works in the root and in images built on it; Java's
# trust store is made from the same list when a JDK is installed later
for crt in /usr/local/share/ca-certificates/*.crt; do
  [ -f "$crt" ] && cp "$crt" "$dir/usr/local/share/ca-certificates/"
done
chroot "$dir" update-ca-certificates >>"$root_log" 2>&1 \
  || die "update-ca-certificates failed in the new root (log: $root_log)"

# as Docker's own Debian images: no service starts during apt-get install (there is no init in a chroot or container)
printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
chmod 755 "$dir/usr/sbin/policy-rc.d"

if awk -v r="$dir/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
  die "debootstrap left file systems mounted in $dir"
fi
done_ok=1
log "made $suite in $dir"
