#!/usr/bin/env bash
# End-to-end test of the Docker image: build it, then mount a sample VHDX inside a container and read a file from the
# ext4 partition of its virtual disk. Needs root (dockerd, loop devices). Fails loudly; never skips.
#
#   bash scripts/docker-test.sh
#
# What it does, and undoes on exit:
#  1. installs what it lacks from Debian (docker.io, qemu-utils, fdisk, e2fsprogs, asciidoctor, man-db, groff-base;
#     debootstrap if it needs it); the JDK and Maven for scripts/package.sh must be there (scripts/setup.sh);
#  2. starts dockerd if none answers (and stops it again on exit: only the one it started);
#  3. finds the base image: $BASE_IMAGE (default debian:bookworm-slim) if present, else the local debootstrap base
#     built by an earlier run, else a pull; when the pull fails it builds that local base with scripts/debian-root.sh
#     (debootstrap from the host's own Debian mirror, with the host's extra CA certificates in it);
#  4. builds the image (Dockerfile at the repo root), with the host's CA certificates, Maven settings and proxy
#     variables passed into the build stage;
#  5. makes a sample VHDX (a partitioned raw disk whose ext4 partition holds known files, converted by qemu-img);
#  6. checks `vhdx-info` on it, then runs `vhdx-mount --partitions -f` in a container (--device /dev/fuse --cap-add
#     SYS_ADMIN, one explicit loop device, the sample's folder bind-mounted read-only), runs `fdisk -l` on disk.raw,
#     mounts the partition through its own file, p1.raw (the way in where losetup -P makes no partition nodes), then
#     through disk.raw with `mount -o ro,loop=...,offset=...`, and compares the files each time; stops the container
#     and expects exit 0;
#  7. makes the Debian package and the tarball (scripts/package.sh) and runs scripts/package-test.sh in a fresh
#     container of the base image: apt-get install of the .deb, man pages, completion, mount -t fuse.vhdx-mount and an
#     fstab line (the sample's disk hashed), apt-get remove leaving nothing, the tarball unpacked elsewhere;
#  8. removes its containers and detaches the loop device it used, if still attached.
#
# Environment (all optional):
#   VHDX_DEBIAN_SUITE     the Debian release of the image (default bookworm; trixie for Debian 13)
#   BASE_IMAGE            base image for both stages (default debian:SUITE-slim)
#   VHDX_LOCAL_BASE       tag of the debootstrap-built base (default vhdx-mount-base:SUITE)
#   VHDX_REBUILD_BASE=1   rebuild that local base even if it exists
#   VHDX_DEBIAN_MIRROR    Debian mirror for debootstrap (default: the host's, from its apt sources)
#   VHDX_DOCKER_IMAGE     tag of the image built and tested (default vhdx-mount:test)
#   DOCKER_TEST_DIR       work folder: sample image, logs (default target/docker-test)
#   PULL_TIMEOUT          seconds to wait for a base image pull (default 120)
#   http_proxy, https_proxy, no_proxy (and upper case): passed to debootstrap and to the build
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

SUITE=${VHDX_DEBIAN_SUITE:-bookworm}
BASE_IMAGE=${BASE_IMAGE:-debian:$SUITE-slim}
LOCAL_BASE=${VHDX_LOCAL_BASE:-vhdx-mount-base:$SUITE}
IMAGE=${VHDX_DOCKER_IMAGE:-vhdx-mount:test}
WORK=${DOCKER_TEST_DIR:-$repo/target/docker-test}
PULL_TIMEOUT=${PULL_TIMEOUT:-120}
LABEL=dev.vhdxmount.docker-test

start_time=$SECONDS
passed=0
failed_check=""
dockerd_pid=""
container=""
loop_dev=""
rootfs=""

log() { printf 'docker-test: [%3ds] %s\n' "$((SECONDS - start_time))" "$*" >&2; }
die() {
  failed_check=${failed_check:-setup}
  printf '\ndocker-test: FAILED: %s\n\n' "$*" >&2
  exit 1
}
pass() { passed=$((passed + 1)); log "ok: $*"; }
check() { failed_check=$1; } # names the check under way, for the failure count
indent() { sed 's/^/    /'; }

# ---------------------------------------------------------------------------------------------------------------
# cleanup: only what this run made or started

remove_container() {
  local name=$1
  if docker container inspect "$name" >/dev/null 2>&1; then
    # unmount the partition first, so the loop device is released before the FUSE server goes away
    timeout 30 docker exec "$name" umount /mnt/part >/dev/null 2>&1 || true
    timeout 60 docker rm -f "$name" >/dev/null 2>&1 || log "warning: could not remove container $name"
  fi
}

detach_loop() {
  # only if it still shows our container's backing file: never someone else's loop device
  [ -n "$loop_dev" ] || return 0
  local back
  back=$(losetup -n -O BACK-FILE "$loop_dev" 2>/dev/null || true)
  case $back in
    *"/mnt/vhdx/disk.raw"*)
      log "detaching $loop_dev (still attached to $back)"
      losetup -d "$loop_dev" || log "warning: could not detach $loop_dev"
      ;;
  esac
}

remove_rootfs() {
  [ -n "$rootfs" ] && [ -d "$rootfs" ] || return 0
  # debootstrap mounts proc and sys inside; never delete through a mount
  local m
  awk -v r="$rootfs" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$rootfs"
}

stop_dockerd() {
  [ -n "$dockerd_pid" ] || return 0
  log "stopping the dockerd this run started (pid $dockerd_pid)"
  kill -TERM "$dockerd_pid" 2>/dev/null || return 0
  local _
  for _ in $(seq 1 60); do
    kill -0 "$dockerd_pid" 2>/dev/null || return 0
    sleep 0.5
  done
  log "warning: dockerd (pid $dockerd_pid) still running 30 s after SIGTERM; killing it"
  kill -KILL "$dockerd_pid" 2>/dev/null || true
}

on_exit() {
  local status=$?
  set +e
  if [ -n "$container" ]; then
    if [ "$status" -ne 0 ] && docker container inspect "$container" >/dev/null 2>&1; then
      echo "----- logs of container $container -----" >&2
      docker logs --tail 50 "$container" >&2 2>&1
      echo "----------------------------------------" >&2
    fi
    remove_container "$container"
  fi
  detach_loop
  remove_rootfs
  stop_dockerd
  if [ "$status" -eq 0 ]; then
    log "passed in $((SECONDS - start_time)) s"
    echo "docker-test: $passed passed, 0 failed"
  else
    log "failed in $((SECONDS - start_time)) s (check: ${failed_check:-setup})"
    echo "docker-test: $passed passed, 1 failed"
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------------------
# 1. tools

[ "$(id -u)" -eq 0 ] || die "needs root (dockerd, loop devices, FUSE); run it with sudo"

apt_updated=""
need() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  log "installing $2 (for $1)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null \
    || die "could not install $2 from Debian"
  command -v "$1" >/dev/null 2>&1 || die "$2 installed, but $1 is still missing"
}
need dockerd docker.io
need docker docker.io
need qemu-img qemu-utils
need sfdisk fdisk
need mkfs.ext4 e2fsprogs
need losetup mount
# scripts/package.sh (the JDK and Maven come from scripts/setup.sh, as for the tests)
need dpkg-deb dpkg
need asciidoctor asciidoctor
need man man-db
need groff groff-base
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run scripts/setup.sh first (scripts/package.sh needs it)"
done
[ -e /dev/fuse ] || die "/dev/fuse is missing on the host: load the fuse module (modprobe fuse)"
[ -e /dev/loop-control ] || die "/dev/loop-control is missing on the host: load the loop module (modprobe loop)"

mkdir -p "$WORK"
# docker run -v takes a relative path for a volume's name
WORK=$(cd "$WORK" && pwd)

# ---------------------------------------------------------------------------------------------------------------
# 2. dockerd

if ! timeout 20 docker info >/dev/null 2>&1; then
  if pgrep -x dockerd >/dev/null; then
    log "a dockerd runs but does not answer yet; waiting for it"
  else
    # a dockerd killed earlier leaves its pid file behind, and a new one refuses to start over it
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
      rm -f /var/run/docker.pid
    fi
    log "starting dockerd (log: $WORK/dockerd.log)"
    dockerd >"$WORK/dockerd.log" 2>&1 &
    dockerd_pid=$!
  fi
  for _ in $(seq 1 120); do
    timeout 10 docker info >/dev/null 2>&1 && break
    if [ -n "$dockerd_pid" ] && ! kill -0 "$dockerd_pid" 2>/dev/null; then
      tail -n 30 "$WORK/dockerd.log" >&2
      dockerd_pid=""
      die "dockerd exited at start (log above, whole: $WORK/dockerd.log)"
    fi
    sleep 0.5
  done
  timeout 10 docker info >/dev/null 2>&1 || die "dockerd does not answer after 60 s (log: $WORK/dockerd.log)"
fi
log "docker engine $(docker version --format '{{.Server.Version}}' 2>/dev/null) is up"

# leftovers of an interrupted earlier run
stale=$(docker ps -aq --filter "label=$LABEL" || true)
if [ -n "$stale" ]; then
  log "removing containers left by an earlier run: $(tr '\n' ' ' <<<"$stale")"
  for c in $stale; do remove_container "$c"; done
fi

proxy_vars=()
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -n "${!v:-}" ] && proxy_vars+=("$v")
done

# ---------------------------------------------------------------------------------------------------------------
# 3. base image

build_local_base() {
  log "building the local base image $LOCAL_BASE with scripts/debian-root.sh (log: $WORK/debootstrap.log)"
  rootfs=$(mktemp -d /var/tmp/vhdx-mount-base.XXXXXX)
  VHDX_ROOT_LOG=$WORK/debootstrap.log scripts/debian-root.sh "$SUITE" "$rootfs" \
    || die "could not make a Debian $SUITE root for the base image (log: $WORK/debootstrap.log)"
  # an image carries no apt lists, caches, logs or host identity (as Docker's own Debian images)
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  tar --numeric-owner --xattrs -C "$rootfs" -c . \
    | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' \
        --message "debootstrap --variant=minbase $SUITE" - "$LOCAL_BASE" >/dev/null \
    || die "docker import of the debootstrap root failed"
  remove_rootfs
  rootfs=""
  log "built $LOCAL_BASE"
}

check base-image
if [ "${VHDX_REBUILD_BASE:-}" = 1 ]; then
  build_local_base
  base=$LOCAL_BASE
elif docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  base=$BASE_IMAGE
elif docker image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
  base=$LOCAL_BASE
  log "using the local base $LOCAL_BASE built by an earlier run (VHDX_REBUILD_BASE=1 rebuilds it)"
else
  log "pulling $BASE_IMAGE"
  if timeout "$PULL_TIMEOUT" docker pull -q "$BASE_IMAGE" >"$WORK/pull.log" 2>&1; then
    base=$BASE_IMAGE
  else
    log "cannot pull $BASE_IMAGE: $(tail -n 1 "$WORK/pull.log")"
    build_local_base
    base=$LOCAL_BASE
  fi
fi
log "base image: $base"

# ---------------------------------------------------------------------------------------------------------------
# 4. the image

check image-build
# the build context's host files (git-ignored): extra CA certificates and Maven settings for the build stage
for crt in /usr/local/share/ca-certificates/*.crt; do
  [ -f "$crt" ] || continue
  cmp -s "$crt" "docker/ca-certificates/$(basename "$crt")" || cp "$crt" docker/ca-certificates/
done
if [ -f "$HOME/.m2/settings.xml" ]; then
  cmp -s "$HOME/.m2/settings.xml" docker/maven/settings.xml || cp "$HOME/.m2/settings.xml" docker/maven/settings.xml
fi
build_args=(--build-arg "BASE_IMAGE=$base")
for v in "${proxy_vars[@]}"; do build_args+=(--build-arg "$v"); done
log "building $IMAGE (log: $WORK/build.log)"
if ! docker build --network host "${build_args[@]}" -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
  tail -n 60 "$WORK/build.log" >&2
  die "docker build failed (log above, whole: $WORK/build.log)"
fi
pass "image $IMAGE built ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%d MiB", $1 / 1048576 }'))"

# ---------------------------------------------------------------------------------------------------------------
# 5. the sample VHDX

check sample-image
sample=$WORK/sample
images=$WORK/images
rm -rf "$sample" "$images"
mkdir -p "$sample/files" "$images"
hello="vhdx-mount docker test: read through FUSE, loop and ext4"
printf '%s\n' "$hello" >"$sample/files/hello.txt"
# a file larger than a few pages and not all zeros: the reads cross VHDX payload blocks... of 1 MiB here
head -c $((5 * 1024 * 1024 + 4321)) /dev/urandom >"$sample/files/random.bin"
random_sha=$(sha256sum "$sample/files/random.bin" | cut -d' ' -f1)
part_start=2048 # sectors of 512 bytes
part_sectors=$((62 * 2048))
truncate -s 64M "$sample/disk.raw"
printf 'label: dos\nstart=%d, size=%d, type=83\n' "$part_start" "$part_sectors" \
  | sfdisk -q "$sample/disk.raw" || die "sfdisk failed on the sample disk"
truncate -s $((part_sectors * 512)) "$sample/part.img"
mkfs.ext4 -q -F -L vhdxtest -d "$sample/files" "$sample/part.img" \
  || die "mkfs.ext4 -d failed (e2fsprogs 1.43 or later needed)"
dd if="$sample/part.img" of="$sample/disk.raw" bs=512 seek="$part_start" conv=notrunc status=none
qemu-img convert -f raw -O vhdx -o subformat=dynamic,block_size=1M "$sample/disk.raw" "$images/sample.vhdx" \
  || die "qemu-img convert to VHDX failed"
rm -f "$sample/part.img"
pass "sample VHDX made: $images/sample.vhdx ($(stat -c %s "$images/sample.vhdx") bytes, 64 MiB disk, ext4 at sector $part_start)"

# ---------------------------------------------------------------------------------------------------------------
# 6. in a container

run_opts=(--network none --label "$LABEL")
# Docker's AppArmor profile forbids mount(2) even with CAP_SYS_ADMIN
if docker info --format '{{.SecurityOptions}}' 2>/dev/null | grep -q apparmor; then
  run_opts+=(--security-opt apparmor=unconfined)
fi

check vhdx-info
info=$(timeout 120 docker run --rm "${run_opts[@]}" -v "$images:/images:ro" --entrypoint vhdx-info "$IMAGE" \
  /images/sample.vhdx 2>&1) || { echo "$info" >&2; die "vhdx-info /images/sample.vhdx failed in the container"; }
indent <<<"$info" >&2
grep -q 67108864 <<<"$info" || die "vhdx-info does not report the disk's size, 67108864 bytes"
pass "vhdx-info in the container reports the sample's 64 MiB disk"

check mount
loop_dev=$(losetup -f) || die "no free loop device on the host (losetup -f)"
[ -b "$loop_dev" ] || die "losetup -f named $loop_dev, which is not a block device"
container=vhdx-mount-test-$$
log "running $container: vhdx-mount --partitions -f /images/sample.vhdx /mnt/vhdx (loop device $loop_dev)"
docker run -d --name "$container" "${run_opts[@]}" \
  --device /dev/fuse --cap-add SYS_ADMIN \
  --device /dev/loop-control --device "$loop_dev" \
  -v "$images:/images:ro" \
  "$IMAGE" --partitions -f /images/sample.vhdx /mnt/vhdx >/dev/null \
  || die "docker run of $IMAGE failed"
for _ in $(seq 1 120); do
  timeout 10 docker exec "$container" test -f /mnt/vhdx/disk.raw 2>/dev/null && break
  [ "$(docker inspect -f '{{.State.Running}}' "$container")" = true ] \
    || die "the container exited before the mount was ready (status $(docker inspect -f '{{.State.ExitCode}}' "$container"))"
  sleep 0.5
done
timeout 10 docker exec "$container" test -f /mnt/vhdx/disk.raw || die "no /mnt/vhdx/disk.raw after 60 s"
size=$(timeout 30 docker exec "$container" stat -c %s /mnt/vhdx/disk.raw)
[ "$size" = 67108864 ] || die "disk.raw is $size bytes, not 67108864"
pass "vhdx-mount serves /mnt/vhdx/disk.raw (67108864 bytes) in the container"

check fdisk
fdisk_out=$(timeout 60 docker exec "$container" fdisk -l /mnt/vhdx/disk.raw 2>&1) \
  || { echo "$fdisk_out" >&2; die "fdisk -l /mnt/vhdx/disk.raw failed"; }
indent <<<"$fdisk_out" >&2
sector=$(awk '/^Units:/ { for (i = 1; i < NF; i++) if ($(i + 1) == "bytes") print $i }' <<<"$fdisk_out")
start=$(awk '$1 == "/mnt/vhdx/disk.raw1" { print ($2 == "*") ? $3 : $2 }' <<<"$fdisk_out")
[ "$sector" = 512 ] || die "fdisk reports sectors of '$sector' bytes, not 512"
[ "$start" = "$part_start" ] || die "fdisk puts partition 1 at sector '$start', not $part_start"
pass "fdisk -l on disk.raw shows partition 1 at sector $start"

# mounts the ext4 partition read-only at /mnt/part through the loop device (extra mount options in $2, e.g. offset=N)
# from the file $1, checks both files read back exactly, and unmounts it, waiting until the loop device is free again
mount_and_compare() {
  local file=$1 extra=$2 got got_sha back
  timeout 60 docker exec "$container" mount -o "ro,loop=$loop_dev$extra" "$file" /mnt/part \
    || die "mount -o ro,loop=$loop_dev$extra $file /mnt/part failed"
  got=$(timeout 60 docker exec "$container" cat /mnt/part/hello.txt) || die "cannot read /mnt/part/hello.txt"
  [ "$got" = "$hello" ] || die "hello.txt holds '$got', not '$hello'"
  got_sha=$(timeout 60 docker exec "$container" sha256sum /mnt/part/random.bin | cut -d' ' -f1) \
    || die "cannot read /mnt/part/random.bin"
  [ "$got_sha" = "$random_sha" ] || die "random.bin's SHA-256 is $got_sha, not $random_sha"
  timeout 60 docker exec "$container" umount /mnt/part || die "umount /mnt/part failed"
  # the loop device is cleared on its last close, which may finish just after umount returns
  for _ in $(seq 1 100); do
    back=$(losetup -n -O BACK-FILE "$loop_dev" 2>/dev/null || true)
    [ -z "$back" ] && return 0
    sleep 0.1
  done
  die "$loop_dev is still attached to $back 10 s after umount /mnt/part"
}

check partition-file
size=$(timeout 30 docker exec "$container" stat -c %s /mnt/vhdx/p1.raw) || die "no /mnt/vhdx/p1.raw with --partitions"
[ "$size" = $((part_sectors * 512)) ] || die "p1.raw is $size bytes, not the partition's $((part_sectors * 512))"
mount_and_compare /mnt/vhdx/p1.raw ""
pass "--partitions: the ext4 partition mounts read-only from p1.raw and its files read back exactly"

check partition
offset=$((start * sector))
mount_and_compare /mnt/vhdx/disk.raw ",offset=$offset"
pass "the ext4 partition mounts read-only at offset $offset and its files read back exactly"

check unmount
timeout 60 docker stop -t 30 "$container" >/dev/null || die "docker stop $container failed"
status=$(docker inspect -f '{{.State.ExitCode}}' "$container")
[ "$status" = 0 ] || die "vhdx-mount ended with status $status on SIGTERM, not 0"
back=$(losetup -n -O BACK-FILE "$loop_dev" 2>/dev/null || true)
[ -z "$back" ] || die "$loop_dev is still attached to $back after the container ended"
pass "vhdx-mount unmounts and exits 0 on docker stop; $loop_dev is free again"

# ---------------------------------------------------------------------------------------------------------------
# 7. the release artifacts, installed into a container of the base image

remove_container "$container"
container=""

check package-build
log "building the Debian package and the tarball (scripts/package.sh; log: $WORK/package.log)"
rm -rf "$WORK/package"
scripts/package.sh "$WORK/package" >"$WORK/package.log" 2>&1 \
  || { tail -n 30 "$WORK/package.log" >&2; die "scripts/package.sh failed (log above, whole: $WORK/package.log)"; }
debs=("$WORK"/package/vhdx-mount_*_all.deb)
tarballs=("$WORK"/package/vhdx-mount-*.tar.gz)
pass "scripts/package.sh made $(basename "${debs[0]}") and $(basename "${tarballs[0]}")"

check package
disk_sha=$(sha256sum "$sample/disk.raw" | cut -d' ' -f1)
package_opts=(--network host --label "$LABEL" --device /dev/fuse --cap-add SYS_ADMIN)
if docker info --format '{{.SecurityOptions}}' 2>/dev/null | grep -q apparmor; then
  package_opts+=(--security-opt apparmor=unconfined)
fi
container=vhdx-mount-package-test-$$
log "installing the package into $container, a container of $base (log: $WORK/package-test.log)"
set +e
timeout 900 docker run --rm --name "$container" "${package_opts[@]}" -v "$WORK/package:/package:ro" \
  -v "$repo/scripts:/scripts:ro" -v "$images:/images:ro" "$base" \
  bash /scripts/package-test.sh "/package/$(basename "${debs[0]}")" "/package/$(basename "${tarballs[0]}")" \
  /images/sample.vhdx "$disk_sha" >"$WORK/package-test.log" 2>&1
status=$?
set -e
indent <"$WORK/package-test.log" >&2
[ "$status" -eq 0 ] || die "the package test failed in the container (log above: $WORK/package-test.log)"
package_passed=$(sed -n 's/^package-test: \([0-9][0-9]*\) passed, 0 failed$/\1/p' "$WORK/package-test.log")
[ -n "$package_passed" ] || die "the package test ended without its count (log: $WORK/package-test.log)"
passed=$((passed + package_passed))
container=""
log "package test in $base: $package_passed checks passed"
failed_check=""
