#!/usr/bin/env bash
# The main job on a built-in example: sets everything up, makes a small VHDX holding a GPT disk with an ext4
# partition, asks vhdx-info what is inside, mounts it with vhdx-mount --partitions, shows the partition table of
# disk.raw, mounts the partition read-only from its own file (p1.raw) through a loop device, reads a file from it, and
# cleans up. Needs root (FUSE, loop devices, mount).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup.sh

work=$(mktemp -d /tmp/vhdx-demo.XXXXXX)
mnt="$work/mnt"
part="$work/part"
cleanup() {
  set +e
  mountpoint -q "$part" && umount "$part" # mount -o loop detaches its loop device at umount
  mountpoint -q "$mnt" && fusermount -u "$mnt"
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "making a sample VHDX: a 64 MiB GPT disk with one ext4 partition holding hello.txt"
mkdir -p "$work/files" "$mnt" "$part"
echo "Hello from inside a VHDX, read through vhdx-mount." > "$work/files/hello.txt"
truncate -s 64M "$work/disk.raw"
printf 'label: gpt\nstart=2048, size=100000, type=linux, name="data"\n' | sfdisk -q "$work/disk.raw"
truncate -s $((100000 * 512)) "$work/part.ext4"
mkfs.ext4 -q -L demo -d "$work/files" "$work/part.ext4"
dd if="$work/part.ext4" of="$work/disk.raw" bs=512 seek=2048 conv=notrunc,sparse status=none
qemu-img convert -f raw -O vhdx -o subformat=dynamic "$work/disk.raw" "$work/sample.vhdx"
ls -l "$work/sample.vhdx"

step "vhdx-info sample.vhdx (its last part: what is inside, and how to mount it)"
"$root/scripts/vhdx-info" "$work/sample.vhdx" | sed -n '/^partition table:/,$p'

step "vhdx-mount --partitions sample.vhdx $mnt"
"$root/scripts/vhdx-mount" --partitions "$work/sample.vhdx" "$mnt"
ls -l "$mnt"

step "fdisk -l $mnt/disk.raw"
fdisk -l "$mnt/disk.raw"

step "mount -o ro,loop $mnt/p1.raw $part"
mount -o ro,loop "$mnt/p1.raw" "$part"
ls -l "$part"
cat "$part/hello.txt"

step "cleaning up: umount, fusermount -u"
umount "$part"
fusermount -u "$mnt"
echo "demo: done"
