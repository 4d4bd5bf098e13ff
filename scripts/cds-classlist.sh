#!/usr/bin/env bash
# Regenerates scripts/vhdx-mount.classlist, the classes that scripts/vhdx-mount puts in its AppCDS archive (class
# data sharing: the JVM maps them, parsed and verified, instead of loading them from the jar; see the launcher).
# The list is the JDK's own default list plus every class that these runs load: a foreground mount with reads,
# the serving child of a background mount, and vhdx-info. A stale list is harmless: classes it misses load from the
# jar as before, names it has that no longer exist are skipped. Rerun it after large changes to the start-up path.
#
# usage: scripts/cds-classlist.sh   (root: it mounts; needs qemu-img, makes a small image in a temporary folder)
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
jar=$root/fuse-mount/target/vhdx-mount.jar
out=$root/scripts/vhdx-mount.classlist
(cd "$root" && mvn -q -B -DskipTests package) >&2
tmp=$(mktemp -d)
trap 'mountpoint -q "$tmp/mnt" && fusermount -u "$tmp/mnt"; rm -rf "$tmp"' EXIT
mkdir "$tmp/mnt"
qemu-img create -q -f vhdx -o subformat=dynamic,block_size=1M "$tmp/disk.vhdx" 1G
java_opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1)

wait_visible() {
  for ((i = 0; i < 3000; i++)); do
    [[ -f $tmp/mnt/disk.raw ]] && return 0
    sleep 0.01
  done
  echo "cds-classlist: the mount did not come up" >&2
  exit 1
}

# a foreground mount, read from, unmounted
java "${java_opts[@]}" -XX:DumpLoadedClassList="$tmp/foreground.list" -jar "$jar" vhdx-mount -f "$tmp/disk.vhdx" "$tmp/mnt" &
pid=$!
wait_visible
dd if="$tmp/mnt/disk.raw" of=/dev/null bs=1M count=64 status=none
fusermount -u "$tmp/mnt"
wait $pid

# the serving child of a background mount, run on its own (the launcher would pass the option on to it)
java "${java_opts[@]}" -XX:DumpLoadedClassList="$tmp/child.list" -cp "$jar" dev.vhdxmount.mount.Main \
  vhdx-mount --background-child -- "$tmp/disk.vhdx" "$tmp/mnt" > "$tmp/child.out" &
pid=$!
wait_visible
fusermount -u "$tmp/mnt"
wait $pid

java "${java_opts[@]}" -XX:DumpLoadedClassList="$tmp/info.list" -jar "$jar" vhdx-info "$tmp/disk.vhdx" > /dev/null

{
  echo "# Classes for the AppCDS archive of scripts/vhdx-mount; made by scripts/cds-classlist.sh"
  cat "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/classlist" \
    "$tmp/foreground.list" "$tmp/child.list" "$tmp/info.list" | grep -v '^#' | awk '!seen[$0]++'
} > "$out"
echo "cds-classlist: wrote $out ($(grep -vc '^#' "$out") lines)" >&2
