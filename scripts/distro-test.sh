#!/usr/bin/env bash
# Tests vhdx-mount on another Debian release than the host's, in a chroot: makes a fresh root of SUITE with
# scripts/debian-root.sh, runs scripts/setup.sh in it (so that setup is proven there too), then the unit tests of
# both modules and the mount ITs through both FUSE bindings, with that release's JDK, libfuse 2 and libfuse 3 against
# the host's kernel (FUSE, loop devices). CI runs it for Debian 13 (issue 19). Needs root.
#
#   scripts/distro-test.sh [SUITE]          # default trixie
#
# Ends with one line, "distro-test SUITE: tests: N passed, F failed, S skipped", counted from the JUnit reports;
# exits 1 if any test failed or the build did not get to run them.
#
# What it does, and undoes on exit (also on failure or a signal):
#  - works in a mount namespace of its own, so that no mount made here reaches the host and all of them go away with
#    the last process in it, however the script ends;
#  - makes the root in a new folder under /var/tmp; binds /dev (with /dev/pts) and /sys, mounts /proc; copies the
#    checkout into it (tracked and untracked files with the corpus in testdata/, no build output, no .git);
#  - binds the host's Maven repository (~/.m2/repository) read-only into it and lets Maven read artifacts from there
#    (maven.repo.local.tail, Maven 3.9): what is missing is downloaded into the root's own repository, nothing is
#    ever written to the host's; with an empty or no ~/.m2 everything comes from Maven Central;
#  - on exit: ends the processes still running in the root, unmounts everything under it, and deletes it only once
#    nothing is mounted there. Logs and JUnit reports stay in target/distro-test/SUITE/ (or DISTRO_TEST_DIR).
#
# Environment (all optional):
#   VHDX_DISTRO_UNIT      surefire's -Dtest for the unit tests (default: the quick tier, what mvn test runs)
#   VHDX_DISTRO_ITS       failsafe's -Dit.test, the mount ITs to run (default below)
#   VHDX_DISTRO_TIMEOUT   seconds for setup, build and tests together (default 1800)
#   VHDX_DISTRO_KEEP=1    keep the root (unmounted) for a look after the run
#   DISTRO_TEST_DIR       logs and JUnit reports (default target/distro-test/SUITE)
#   VHDX_DEBIAN_MIRROR, VHDX_DEBIAN_SECURITY, http_proxy and the like: passed to scripts/debian-root.sh and apt
#
# Maven's read-only tail repository needs Maven 3.9 in the root (Debian 13 has 3.9.9); with an older one (Debian 12's
# 3.8.7) Maven ignores it and downloads everything.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

SUITE=${1:-trixie}
# The quick tier: every unit test but those tagged slow (the fuzz campaign, the multi-GiB images: the host's job; the
# fuzz findings are replayed by FuzzRegressionTest, the corpus is hashed again by CorpusIT through both bindings)
UNIT_TESTS=${VHDX_DISTRO_UNIT:-'*Test'}
# Through both bindings, compared byte for byte: sparse disks made by qemu-img (MountGptDiskIT, SparseDiskIT: issue
# 19's short disk.raw), Windows-made ones with ZERO/UNMAPPED blocks and a dirty log (CorpusIT), builder-made
# differencing chains with a dirty child (ParentChainIT), bad sectors under the image (StorageErrorsIT), and the -o
# options' owner and permissions (OptionsIT), storage that hangs (HungStorageIT), partition files and SEEK_DATA/
# SEEK_HOLE (PartitionsIT: lseek is a request of libfuse 3's ops table, whose layout 3.17 changed elsewhere), writes
# through an overlay (OverlayIT: write, setattr, flush, fsync and the direct_io bit, in 3.17's layouts);
# truncated and dirty images, and every error a user meets, through the default binding
ITS=${VHDX_DISTRO_ITS:-MountGptDiskIT,SparseDiskIT,CorpusIT,ParentChainIT,StorageErrorsIT,HungStorageIT,OptionsIT,PartitionsIT,OverlayIT,TruncatedImageIT,ErrorCasesIT,NeverWritesIT}
TIMEOUT=${VHDX_DISTRO_TIMEOUT:-1800}
WORK=${DISTRO_TEST_DIR:-$repo/target/distro-test/$SUITE}

log() { printf 'distro-test: [%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { printf '\ndistro-test: FAILED: %s\n\n' "$*" >&2; exit 1; }
indent() { sed 's/^/    /'; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts, FUSE); run it with sudo"
# everything below copies and deletes relative to the checkout: be sure that this is one
for f in pom.xml vhdx-core/pom.xml scripts/setup.sh scripts/debian-root.sh; do
  [ -f "$f" ] || die "$repo is not a vhdx-mount checkout (no $f)"
done

# Everything below runs in a private mount namespace: the binds into the root, debootstrap's own mounts, the tests'
# FUSE and loop mounts. The same process (exec), so that signals and the exit status are the caller's.
if [ "${VHDX_DISTRO_NAMESPACE:-}" != "$$" ]; then
  exec env VHDX_DISTRO_NAMESPACE=$$ unshare --mount --propagation private -- "$0" "$@"
fi

case $SUITE in
  "" | */* | -*) die "not a Debian suite name: '$SUITE'" ;;
esac
[ -e /dev/fuse ] || die "/dev/fuse is missing on the host: load the fuse module (modprobe fuse)"
[ -e /dev/loop-control ] || die "/dev/loop-control is missing on the host: load the loop module (modprobe loop)"

rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
root=""
child=""

mounted_under() { # PATH: the mount points at and under PATH, deepest first
  awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

on_exit() {
  local status=$?
  set +e
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  [ -n "$root" ] && [ -d "$root" ] || exit "$status"
  # processes chrooted into our root (Maven, the JVMs it forked, a FUSE server a test left behind) are ours alone
  local p pids=()
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
  done
  if [ "${#pids[@]}" -gt 0 ]; then
    log "ending ${#pids[@]} processes left in the root: ${pids[*]}"
    kill -KILL "${pids[@]}" 2>/dev/null
    sleep 1
  fi
  local m
  mounted_under "$root" | while read -r m; do
    umount -l "$m" || log "warning: cannot unmount $m"
  done
  if [ -n "$(mounted_under "$root")" ]; then
    # never delete through a mount: the host's /dev, /sys or Maven repository would go with it
    log "warning: left $root in place: still mounted there: $(mounted_under "$root" | tr '\n' ' ')"
  elif [ "${VHDX_DISTRO_KEEP:-}" = 1 ]; then
    log "kept the root (VHDX_DISTRO_KEEP=1): $root"
  else
    rm -rf --one-file-system "$root"
  fi
  log "done in $SECONDS s"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------------------
# the root

root=$(mktemp -d "/var/tmp/vhdx-mount-$SUITE.XXXXXX")
VHDX_ROOT_LOG=$WORK/debootstrap.log scripts/debian-root.sh "$SUITE" "$root"
log "root of $SUITE made in $root"

cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/build/vhdx-mount"
# the working tree as it is, without build output or git's own files: what CI checked out, or what is being changed
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -C "$root/build/vhdx-mount" -xf -
else
  tar --exclude=./.git --exclude='./target' --exclude='./*/target' -cf - . | tar -C "$root/build/vhdx-mount" -xf -
fi
if [ -f "$HOME/.m2/settings.xml" ]; then
  mkdir -p "$root/root/.m2"
  cp "$HOME/.m2/settings.xml" "$root/root/.m2/settings.xml"
fi

# The root a mount point of its own, as / always is: the tests' unshare -m makes / private, which fails on a plain
# folder. Then the host's devices (FUSE, loop), its kernel's view of them, and a proc for the processes in here.
mount --bind "$root" "$root"
mount --rbind /dev "$root/dev"
mount --rbind /sys "$root/sys"
mount -t proc proc "$root/proc"
# read-only: Maven in the root cannot write to the host's repository, whatever goal it is given
maven_args=()
if [ -d "$HOME/.m2/repository" ]; then
  mkdir -p "$root/host-m2"
  mount --bind "$HOME/.m2/repository" "$root/host-m2"
  mount -o remount,bind,ro "$root/host-m2"
  maven_args+=(-Dmaven.repo.local.tail=/host-m2)
fi

# ---------------------------------------------------------------------------------------------------------------
# setup, build, tests: inside the root, with nothing of the host's environment but the proxies

env_vars=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 CI=true
  "MAVEN_ARGS=${maven_args[*]}")
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -z "${!v:-}" ] || env_vars+=("$v=${!v}")
done
inside=$(cat <<EOF
set -euo pipefail
cd /build/vhdx-mount
echo "== scripts/setup.sh [at \$SECONDS s]"
scripts/setup.sh
echo "== versions [at \$SECONDS s]"
java -version 2>&1 | head -n 1
mvn -B -v 2>&1 | head -n 1
dpkg-query -W -f='\${db:Status-Abbrev} \${Package} \${Version}\n' fuse3 'libfuse3-*' 'libfuse2*' qemu-utils \
  | sed -n 's/^ii  *//p'
uname -r
echo "== mvn verify [at \$SECONDS s]"
mvn -B -ntp -Dstyle.color=never verify -Dmaven.test.failure.ignore=true \
  -Dtest='$UNIT_TESTS' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test='$ITS' -Dfailsafe.failIfNoSpecifiedTests=false
echo "== done [at \$SECONDS s]"
EOF
)
log "in the root: scripts/setup.sh, then mvn verify (unit tests: $UNIT_TESTS; ITs: $ITS); log: $WORK/build.log"
start=$SECONDS
set +e
timeout -k 30 "$TIMEOUT" chroot "$root" /usr/bin/env -i "${env_vars[@]}" bash -c "$inside" >"$WORK/build.log" 2>&1 &
child=$!
wait "$child"
build_status=$?
child=""
set -e
log "setup, build and tests took $((SECONDS - start)) s (status $build_status)"
# the phases' times and the versions tested
awk '/^== versions/ { v = 1; next } /^== mvn verify/ { v = 0 } v || /^== /' "$WORK/build.log" | indent >&2

# ---------------------------------------------------------------------------------------------------------------
# the reports, and one line for them

for m in vhdx-core fuse-mount; do
  for r in surefire-reports failsafe-reports; do
    if [ -d "$root/build/vhdx-mount/$m/target/$r" ]; then
      mkdir -p "$WORK/$m"
      cp -r "$root/build/vhdx-mount/$m/target/$r" "$WORK/$m/"
    fi
  done
done
shopt -s nullglob
reports=("$WORK"/*/surefire-reports/TEST-*.xml "$WORK"/*/failsafe-reports/TEST-*.xml)
shopt -u nullglob
passed=0 failed=0 skipped=0
if [ "${#reports[@]}" -gt 0 ]; then
  read -r passed failed skipped < <(cat "${reports[@]}" \
    | grep -o '<testsuite [^>]*>' \
    | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=\""); v = kv[2]; sub(/".*/, "", v);
             if (kv[1] == "tests") t += v; else if (kv[1] == "failures" || kv[1] == "errors") f += v;
             else if (kv[1] == "skipped") s += v } }
           END { printf "%d %d %d\n", t - s - f, f, s }')
fi
# the failed tests by name, so that the CI log says what broke without digging through the reports
if [ "$failed" -gt 0 ]; then
  log "failed:"
  grep -l -E '<(failure|error)[ >]' "${reports[@]}" | while read -r f; do
    awk '/<testcase / { match($0, /name="[^"]*"/); n = substr($0, RSTART + 6, RLENGTH - 7);
                        match($0, /classname="[^"]*"/); c = substr($0, RSTART + 11, RLENGTH - 12) }
         /<(failure|error)[ >]/ { sub(/.*\./, "", c); print "    " c "." n }' "$f"
  done >&2
fi
if [ "$build_status" -ne 0 ]; then
  tail -n 40 "$WORK/build.log" >&2
  case $build_status in
    124 | 137) log "the run was stopped after $TIMEOUT s (VHDX_DISTRO_TIMEOUT)" ;;
  esac
  log "setup, build or tests ended with status $build_status (log above, whole: $WORK/build.log)"
fi
echo "distro-test $SUITE: tests: $passed passed, $failed failed, $skipped skipped"
[ "$build_status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "${#reports[@]}" -gt 0 ]
