#!/usr/bin/env bash
# Benchmarks vhdx-mount against its peers on the same images, in one run, tools alternating:
#   vhdimount (libvhdi-utils, C, libfuse 2), qemu-storage-daemon's FUSE export (qemu-system-common), and the raw
#   file itself (the same virtual disk as a plain file on the host's file system).
#   "bare" is barefs (benchmarks/src/main/c/barefs.c), the reference: the least work per request a FUSE server can
#   do, serving the raw twin as disk.raw with a pread and a reply on libfuse's own loops; what this kernel and
#   machine give any server that day, measured in the same run. A server can pass it only by its own design (a
#   loop that does not sleep between requests, holes that need no storage read), never by doing less per request.
# Measures, for each repetition and each tool (the order rotates from one repetition to the next):
#   - sequential read of the served file with dd bs=1M, backing file in the page cache (first read of a fresh mount)
#   - the same again on a second open (re-read)
#   - 4 KiB random reads with fio (psync, iodepth 1, O_DIRECT), 1 job and 4 jobs
#   - the serving process's CPU time for the first read, and its peak RSS (VmHWM) after all of that
#   - on a 64 TiB image: the time from starting the command until the file is visible with the right size, and the
#     peak RSS after random reads spread over the whole disk (every part of the BAT)
#   - vhdx-mount's start-up in parts: bare JVM, --version (JVM + command line), vhdx-info (+ open), -f (+ mount)
# and prints a table of medians with ratios to vhdimount and to the raw file (section "cached").
# Then the same 1 GiB image on slow storage (section "slow"): slowfs, the test kit's FUSE pass-through
# (fuse-mount/src/test/resources/storage/slowfs.c), serves the bench folder with a fixed latency added to every read
# (direct_io, so every read pays it; concurrent reads overlap, as on a disk array, a NAS or a cloud disk), and for each
# latency, each repetition and each tool (order rotating; "raw" is the raw file read through the same storage):
#   - dd bs=1M of the first 256 MiB of a fresh mount
#   - 4 KiB random reads with fio, libaio, O_DIRECT, queue depth 16 (one job), and 8 psync jobs, O_DIRECT
# Then copies of a mostly empty 10 GiB image ("sparse"): cp --sparse=always and qemu-img convert -O raw of the file
# each tool serves, their seconds and the MiB each copy allocates.
# Then the hash section ("hash"): the time of vhdx-info --hash sha256 on a fully present 1 GiB image against sha256sum
# of its raw twin, and on a mostly empty 10 GiB image against sha256sum of the file vhdimount serves for it. Then runs
# the JMH benchmarks of vhdx-core (scripts/jmh.sh) (section "jmh").
#
# Needs root (FUSE mounts, apt-get). Installs what is missing from Debian: fio, qemu-utils, libvhdi-utils,
# qemu-system-common, fuse3, libfuse2, and gcc and libfuse3-dev for slowfs. Builds the jar if missing. Takes about
# 20 minutes with the defaults.
#
# usage: scripts/bench.sh [--reps N] [--runtime SECONDS] [--tools "vhdx-mount vhdimount qsd raw bare"] [--dir DIR]
#                         [--sections "cached slow sparse hash jmh"] [--latencies "1000 100"] [--no-jmh] [--out FILE]
#   --sections: which parts to run (--only hash is --sections hash)
#   --latencies: microseconds slowfs adds to each read, one slow-storage table each
#   VHDX_MOUNT=path/to/launcher benchmarks another build of vhdx-mount (default: scripts/vhdx-mount of this checkout)
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
reps=5
runtime=3
tools="vhdx-mount vhdimount qsd raw bare"
dir=/var/tmp/vhdx-bench
sections="cached slow sparse hash jmh"
latencies="1000 100"
out=
while (($#)); do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --tools) tools=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --sections|--only) sections=$2; shift 2 ;;
    --latencies) latencies=$2; shift 2 ;;
    --no-jmh) sections=${sections//jmh/}; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
vhdx_mount=${VHDX_MOUNT:-$root/scripts/vhdx-mount}
vhdx_info=$(dirname "$vhdx_mount")/vhdx-info

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }
section() { [[ " $sections " == *" $1 "* ]]; }

[[ $(id -u) == 0 ]] || die "run as root (FUSE mounts, O_DIRECT, apt-get)"

# --- tools ---------------------------------------------------------------------------------------------------------
need=()
command -v fio >/dev/null || need+=(fio)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v fusermount >/dev/null || need+=(fuse3)
ldconfig -p | grep -q 'libfuse.so.2 ' || need+=(libfuse2)
[[ " $tools " != *" vhdimount "* ]] || command -v vhdimount >/dev/null || need+=(libvhdi-utils)
[[ " $tools " != *" qsd "* ]] || command -v qemu-storage-daemon >/dev/null || need+=(qemu-system-common)
if section slow || [[ " $tools " == *" bare "* ]]; then
  command -v gcc >/dev/null || need+=(gcc)
  [[ -f /usr/include/fuse3/fuse.h ]] || need+=(libfuse3-dev)
fi
if ((${#need[@]})); then
  say "installing ${need[*]}"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
if [[ -z ${VHDX_MOUNT:-} && ! -f $root/fuse-mount/target/vhdx-mount.jar ]]; then
  say "building the jar"
  (cd "$root" && mvn -q -B -DskipTests package) >&2
fi

# barefs, the reference: built like slowfs, into the bench folder
barefs=$dir/barefs bare_loop=
if [[ " $tools " == *" bare "* ]]; then
  mkdir -p "$dir"
  if [[ ! -x $barefs || $root/benchmarks/src/main/c/barefs.c -nt $barefs ]]; then
    say "building barefs"
    gcc -Wall -O2 -I/usr/include/fuse3 -o "$barefs" "$root/benchmarks/src/main/c/barefs.c" -lfuse3 -lpthread
  fi
fi

# --- images --------------------------------------------------------------------------------------------------------
mkdir -p "$dir"
small=$dir/dyn-1g-1m.vhdx raw=$dir/dyn-1g-1m.raw big=$dir/dyn-64t-1m.vhdx
small_size=$((1 << 30)) big_size=$((64 << 40))
if { section cached || section slow; } && [[ ! -f $small || ! -f $raw ]]; then
  say "making a 1 GiB raw disk with random data in 60% of its 1 MiB blocks, and its dynamic VHDX (1 MiB blocks)"
  rm -f "$raw" "$small"
  truncate -s "$small_size" "$raw.tmp"
  # blocks i with (7 i mod 10) < 6: data and holes interleaved, as a used disk has them
  for ((i = 0; i < 1024; i++)); do
    if (((i * 7) % 10 < 6)); then
      dd if=/dev/urandom of="$raw.tmp" bs=1M seek=$i count=1 conv=notrunc status=none
    fi
  done
  mv "$raw.tmp" "$raw"
  qemu-img convert -f raw -O vhdx -o subformat=dynamic,block_size=1M "$raw" "$small"
fi
if section cached && [[ ! -f $big ]]; then
  say "making a 64 TiB dynamic VHDX with 1 MiB blocks (its BAT is 512 MiB)"
  qemu-img create -q -f vhdx -o subformat=dynamic,block_size=1M "$big" 64T
fi
mnt=$dir/mnt
mkdir -p "$mnt"
# whatever the run leaves mounted or running, however it ends (a failed check, Ctrl-C): gone on exit
cleanup() {
  mountpoint -q "$mnt" && { fusermount -u "$mnt" 2>/dev/null || umount -l "$mnt"; }
  if [[ -f $dir/qsd.pid ]] && kill -0 "$(cat "$dir/qsd.pid")" 2>/dev/null; then
    kill "$(cat "$dir/qsd.pid")"
  fi
  mountpoint -q "$dir/qsd.raw" && { fusermount -u "$dir/qsd.raw" 2>/dev/null || umount -l "$dir/qsd.raw"; }
  mountpoint -q "$dir/storage" && { fusermount -u "$dir/storage" 2>/dev/null || umount -l "$dir/storage"; }
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup
: > "$dir/qsd.raw"

# --- one tool: mount, served file, serving process, unmount --------------------------------------------------------
# mount TOOL IMAGE [RAW]: mounts, sets $file (the served file; RAW, default $raw, for the tool "raw") and $pid (the
# serving process, empty for raw)
mount_tool() {
  local tool=$1 image=$2 raw_file=${3:-$raw}
  file='' pid=''
  case $tool in
    vhdx-mount)
      "$vhdx_mount" -q "$image" "$mnt"
      file=$mnt/disk.raw
      pid=$(pgrep -n -f -- "--background-child.* $mnt\$")
      ;;
    vhdimount)
      vhdimount "$image" "$mnt" >/dev/null
      file=$mnt/vhdi1
      pid=$(pgrep -n -f -- "^vhdimount .* $mnt\$")
      ;;
    qsd)
      rm -f "$dir/qsd.pid"
      qemu-storage-daemon --daemonize --pidfile "$dir/qsd.pid" \
        --blockdev "driver=file,node-name=file,filename=$image,read-only=on" \
        --blockdev driver=vhdx,node-name=disk,file=file,read-only=on \
        --export "type=fuse,id=export,node-name=disk,mountpoint=$dir/qsd.raw,writable=off"
      file=$dir/qsd.raw
      pid=$(cat "$dir/qsd.pid")
      ;;
    raw)
      file=$raw_file
      ;;
    bare)
      # one thread for the page cache, libfuse's multi-threaded loop on slow storage ($bare_loop); the readahead
      # vhdx-mount sets for its mount as root (session/Readahead.java)
      "$barefs" "$raw_file" "$mnt" $bare_loop
      file=$mnt/disk.raw
      pid=$(pgrep -n -f -- "^$barefs $raw_file $mnt")
      echo 2048 > "/sys/class/bdi/$(mountpoint -d "$mnt")/read_ahead_kb"
      ;;
  esac
}

unmount_tool() {
  local tool=$1
  case $tool in
    vhdx-mount|vhdimount|bare) fusermount -u "$mnt" ;;
    qsd) kill "$pid" ;;
  esac
  if [[ -n $pid ]]; then
    # the next tool must not share the CPU with this one's exit
    for ((i = 0; i < 500; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
  fi
}

now_ns() { date +%s%N; }
cpu_ms() { local st; read -r -a st < "/proc/$1/stat"; echo $(((st[13] + st[14]) * 1000 / $(getconf CLK_TCK))); }
hwm_mib() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
# dd bs=1M of the whole file: GB/s
dd_gbs() { LC_ALL=C dd if="$1" of=/dev/null bs=1M 2>&1 | awk '/copied/ {printf "%.3f", $1 / $(NF - 3) / 1e9}'; }
# dd bs=1M of the first MIB MiB of a file: MB/s
dd_mbs() { LC_ALL=C dd if="$1" of=/dev/null bs=1M count="$2" 2>&1 | awk '/copied/ {printf "%.0f", $1 / $(NF - 3) / 1e6}'; }
# fio 4 KiB random reads: IOPS (terse field 8). fio_iops FILE JOBS DIRECT [ENGINE DEPTH]
fio_iops() {
  local file=$1 jobs=$2 direct=$3 engine=${4:-psync} depth=${5:-1}
  # --invalidate=0: fio would otherwise drop the file's page cache first (the raw file's, here)
  fio --name=rand --filename="$file" --readonly --invalidate=0 --rw=randread --bs=4k --ioengine="$engine" \
    --iodepth="$depth" --direct="$direct" --numjobs="$jobs" --group_reporting --time_based --runtime="$runtime" \
    --output-format=terse 2>/dev/null | awk -F';' '{s += $8} END {printf "%d", s}'
}
wait_size() {
  local file=$1 size=$2
  for ((i = 0; i < 30000; i++)); do
    [[ $(stat -c %s "$file" 2>/dev/null) == "$size" ]] && return 0
    sleep 0.001
  done
  die "$file did not appear with size $size"
}

results=$dir/results-$(date +%Y%m%d-%H%M%S).tsv
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$rep" "$3" >> "$results"; }

# A 10 GiB dynamic VHDX with 200 MiB of random data in five places, the rest never written, and its raw twin (a sparse
# file): $sparse and $sparse_raw, kept in $dir.
sparse=$dir/sparse-10g.vhdx sparse_raw=$dir/sparse-10g.raw
make_sparse_image() {
  if [[ ! -f $sparse || ! -f $sparse_raw ]]; then
    say "making a 10 GiB raw disk with 200 MiB of random data in five places, and its dynamic VHDX"
    rm -f "$sparse" "$sparse_raw"
    truncate -s 10G "$sparse_raw.tmp"
    for at in 0 700 2300 5100 8000; do
      dd if=/dev/urandom of="$sparse_raw.tmp" bs=1M seek="$at" count=40 conv=notrunc status=none
    done
    qemu-img convert -f raw -O vhdx -o subformat=dynamic "$sparse_raw.tmp" "$sparse"
    mv "$sparse_raw.tmp" "$sparse_raw"
  fi
}

# Copies of the mostly empty 10 GiB disk, as users make them: cp --sparse=always and qemu-img convert -O raw of the
# file each tool serves (and of the raw twin, the limit), each repetition in a rotating order. Both look for holes with
# SEEK_DATA/SEEK_HOLE (cp only in a file whose st_blocks is below its size); where the served file answers "all data",
# they read all 10 GiB and find the zeros by reading them. Records seconds and the copy's allocated MiB; the first
# repetition also compares each copy with the raw twin. Target (issue 13): faster than vhdimount and qemu-storage-daemon.
sparse_bench() {
  make_sparse_image
  local copy=$dir/sparse-copy.raw t0 how
  cat "$sparse" > /dev/null
  for ((rep = 1; rep <= reps; rep++)); do
    rotate
    say "sparse copies, repetition $rep/$reps: ${order[*]}"
    for tool in "${order[@]}"; do
      # barefs has no holes to show (no SEEK_DATA): the reference of nothing measured here
      [[ $tool != bare ]] || continue
      mount_tool "$tool" "$sparse" "$sparse_raw"
      wait_size "$file" $((10 << 30))
      for how in cp convert; do
        rm -f "$copy"
        t0=$(now_ns)
        case $how in
          cp) cp --sparse=always "$file" "$copy" ;;
          convert) qemu-img convert -f raw -O raw "$file" "$copy" ;;
        esac
        record "sparse_${how}_s" "$tool" "$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN {printf "%.3f", (b - a) / 1e9}')"
        record "sparse_${how}_mib" "$tool" $(($(stat -c %b "$copy") * 512 >> 20))
        if ((rep == 1)); then
          cmp "$copy" "$sparse_raw" || die "$tool: the $how copy differs from the raw disk"
        fi
      done
      rm -f "$copy"
      unmount_tool "$tool"
    done
  done
}

# Two images (kept in $dir): a 1 GiB dynamic VHDX whose every block holds random data (all FULLY_PRESENT), with its raw
# twin; and a 10 GiB dynamic VHDX with 200 MiB of random data in five places, the rest never written. Each repetition
# times, in an order that rotates: vhdx-info --hash sha256 of each image; sha256sum of the 1 GiB raw twin; sha256sum
# of the file vhdimount serves for the 10 GiB image, as a user hashes a disk through that mount today. Every digest
# must be the raw twin's. All files in the page cache. Targets (issue 15): >= 0.9x sha256sum's speed on the 1 GiB
# image, >= 5x sha256sum through vhdimount on the 10 GiB one.
hash_bench() {
  local full=$dir/full-1g-1m.vhdx full_raw=$dir/full-1g-1m.raw hash_results
  hash_results=$dir/hash-$(date +%Y%m%d-%H%M%S).tsv
  if [[ ! -f $full || ! -f $full_raw ]]; then
    say "making a 1 GiB raw disk of random data and its dynamic VHDX (1 MiB blocks, every block present)"
    rm -f "$full" "$full_raw"
    head -c $((1 << 30)) /dev/urandom > "$full_raw.tmp"
    qemu-img convert -f raw -O vhdx -o subformat=dynamic,block_size=1M "$full_raw.tmp" "$full"
    mv "$full_raw.tmp" "$full_raw"
  fi
  make_sparse_image
  local want_full want_sparse
  want_full=$(sha256sum < "$full_raw" | cut -d' ' -f1)
  want_sparse=$(sha256sum < "$sparse_raw" | cut -d' ' -f1)
  # timed COMMAND...: runs it; sets $t to its seconds (3 decimals) and $hashed to the first word it printed
  timed() {
    local t0 t1
    t0=$(now_ns)
    hashed=$("$@" | cut -d' ' -f1)
    t1=$(now_ns)
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  }
  local hashed='' t kind
  local -a kinds=(vhdx-full sha256sum-full vhdx-sparse vhdimount-sparse)
  say "hashing: $reps repetitions; results go to $hash_results"
  local load0
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  for ((rep = 1; rep <= reps; rep++)); do
    local -a order=()
    for ((k = 0; k < 4; k++)); do order+=("${kinds[$(((k + rep - 1) % 4))]}"); done
    say "hash repetition $rep/$reps: ${order[*]}"
    for kind in "${order[@]}"; do
      case $kind in
        vhdx-full)
          cat "$full" > /dev/null
          timed "$vhdx_info" -q --hash sha256 "$full"; [[ $hashed == "$want_full" ]] || die "vhdx-info: wrong digest"
          ;;
        sha256sum-full)
          cat "$full_raw" > /dev/null
          timed sha256sum "$full_raw"; [[ $hashed == "$want_full" ]] || die "sha256sum: wrong digest"
          ;;
        vhdx-sparse)
          cat "$sparse" > /dev/null
          timed "$vhdx_info" -q --hash sha256 "$sparse"
          [[ $hashed == "$want_sparse" ]] || die "vhdx-info: wrong digest of the 10 GiB image"
          ;;
        vhdimount-sparse)
          cat "$sparse" > /dev/null
          vhdimount "$sparse" "$mnt" > /dev/null
          timed sha256sum "$mnt/vhdi1"
          fusermount -u "$mnt"
          [[ $hashed == "$want_sparse" ]] || die "sha256sum through vhdimount: wrong digest"
          ;;
      esac
      printf '%s\t%s\t%s\n' "$kind" "$rep" "$t" >> "$hash_results"
    done
  done
  {
    echo
    echo "hashing: $reps repetitions, medians of seconds; load average (1, 5, 15 min) before: $load0;" \
      "after: $(cut -d' ' -f1-3 /proc/loadavg)"
    awk -F'\t' '
      { v[$1] = v[$1] " " $3 }
      function median(s,   a, n, i, j, t) {
        n = split(s, a, " ")
        for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
      }
      function row(name, size, peer, ours, peername, target, tv,   p, o) {
        p = median(v[peer]); o = median(v[ours])
        printf "| %s | %s: %.2f s (%.2f GB/s) | %.2f s (%.2f GB/s) | %.2fx | %s | %s |\n", name, peername, p,
          size / p / 1e9, o, size / o / 1e9, p / o, target, (p / o >= tv) ? "yes" : "NO"
      }
      END {
        print "| image | peer | vhdx-info --hash sha256 | speed vs peer | target | met |"
        print "|---|---|---|---|---|---|"
        row("1 GiB, every block present", 2 ^ 30, "sha256sum-full", "vhdx-full", "sha256sum of the raw twin", ">= 0.9x", 0.9)
        row("10 GiB, 200 MiB present", 10 * 2 ^ 30, "vhdimount-sparse", "vhdx-sparse", "sha256sum through vhdimount",
          ">= 5x", 5)
      }' "$hash_results"
    echo "Times from the command start to its end, JVM start included; files in the page cache."
  } | tee -a "${results:-$hash_results}.txt"
}

# --- the run -------------------------------------------------------------------------------------------------------
read -r -a tool_list <<< "$tools"
say "results go to $results; $reps repetitions of: ${tool_list[*]}"
started=$(now_ns)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# rotate the order so that no tool always runs first or last
rotate() {
  local n=${#tool_list[@]} k
  order=()
  for ((k = 0; k < n; k++)); do order+=("${tool_list[$(((k + rep - 1) % n))]}"); done
}
for ((rep = 1; rep <= reps; rep++)); do
  section cached || break
  rotate
  say "repetition $rep/$reps: ${order[*]}"
  for tool in "${order[@]}"; do
    cat "$small" "$raw" > /dev/null
    mount_tool "$tool" "$small"
    [[ $(stat -c %s "$file") == "$small_size" ]] || die "$tool: $file has the wrong size"
    [[ -z $pid ]] || c0=$(cpu_ms "$pid")
    record seq_first "$tool" "$(dd_gbs "$file")"
    [[ -z $pid ]] || record cpu_first_s "$tool" "$(awk -v a="$c0" -v b="$(cpu_ms "$pid")" 'BEGIN {printf "%.3f", (b - a) / 1000}')"
    record seq_reread "$tool" "$(dd_gbs "$file")"
    # the raw file: O_DIRECT would measure the host's disk, not its page cache, so read it buffered
    direct=1
    [[ $tool != raw ]] || direct=0
    record rand1 "$tool" "$(fio_iops "$file" 1 $direct)"
    record rand4 "$tool" "$(fio_iops "$file" 4 $direct)"
    [[ -z $pid ]] || record rss_1g "$tool" "$(hwm_mib "$pid")"
    unmount_tool "$tool"
  done
  for tool in "${order[@]}"; do
    [[ $tool != raw && $tool != bare ]] || continue
    cat "$big" > /dev/null
    t0=$(now_ns)
    mount_tool "$tool" "$big"
    wait_size "$file" "$big_size"
    record visible_64t_ms "$tool" $((($(now_ns) - t0) / 1000000))
    # random reads over the whole 64 TiB: BAT entries from every part of the BAT
    fio_iops "$file" 1 1 > /dev/null
    record rss_64t "$tool" "$(hwm_mib "$pid")"
    unmount_tool "$tool"
  done
  if [[ " $tools " == *" vhdx-mount "* ]]; then
    # vhdx-mount's start-up in parts, each from the command's start (launcher JVM options as in scripts/vhdx-mount)
    t0=$(now_ns); java -XX:+UseSerialGC -version 2>/dev/null
    record start_jvm_ms vhdx-mount $((($(now_ns) - t0) / 1000000))
    t0=$(now_ns); "$vhdx_mount" --version > /dev/null
    record start_version_ms vhdx-mount $((($(now_ns) - t0) / 1000000))
    t0=$(now_ns); "$vhdx_info" "$big" > /dev/null
    record start_info_ms vhdx-mount $((($(now_ns) - t0) / 1000000))
    t0=$(now_ns); "$vhdx_mount" -q -f "$big" "$mnt" & fg=$!
    wait_size "$mnt/disk.raw" "$big_size"
    record start_foreground_ms vhdx-mount $((($(now_ns) - t0) / 1000000))
    fusermount -u "$mnt"; wait "$fg" || true
  fi
done

# --- the slow-storage run ------------------------------------------------------------------------------------------
storage=$dir/storage
if section slow; then
  slowfs=$dir/slowfs
  source_c=$root/fuse-mount/src/test/resources/storage/slowfs.c
  if [[ ! -x $slowfs || $source_c -nt $slowfs ]]; then
    say "building slowfs"
    gcc -Wall -O2 -I/usr/include/fuse3 -o "$slowfs" "$source_c" -lfuse3 -lpthread
  fi
  # slowfs serves a folder of its own: hard links to the images, so that it never sees its own mount point
  backing=$dir/slow-backing
  mkdir -p "$backing" "$storage"
  ln -f "$small" "$raw" "$backing/"
  slow_small=$storage/$(basename "$small") slow_raw=$storage/$(basename "$raw")
  for latency in $latencies; do
    # max_threads: libfuse 3's default of 10 would make slowfs, not the tools, the limit at queue depth 16
    "$slowfs" "$backing" "$storage" -o direct_io -o "latency_us=$latency" -o max_threads=64
    bare_loop=mt
    for ((rep = 1; rep <= reps; rep++)); do
      rotate
      say "slow storage, $latency us per read, repetition $rep/$reps: ${order[*]}"
      for tool in "${order[@]}"; do
        mount_tool "$tool" "$slow_small" "$slow_raw"
        [[ $(stat -c %s "$file") == "$small_size" ]] || die "$tool: $file has the wrong size"
        record "slow_seq_$latency" "$tool" "$(dd_mbs "$file" 256)"
        record "slow_qd16_$latency" "$tool" "$(fio_iops "$file" 1 1 libaio 16)"
        record "slow_jobs8_$latency" "$tool" "$(fio_iops "$file" 8 1)"
        unmount_tool "$tool"
      done
    done
    fusermount -u "$storage"
  done
fi
! section sparse || sparse_bench
say "measured in $((($(now_ns) - started) / 1000000000)) s"

# --- the table -----------------------------------------------------------------------------------------------------
# The tables' awk functions: rows of $results are "metric, tool, repetition, value"; the median of a metric for a tool,
# its table cell ("-" where not measured), and the ratio of two tools' medians
stats_awk='
  { v[$1 SUBSEP $2] = v[$1 SUBSEP $2] " " $4 }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    if (n == 0) return ""
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function cell(m, t,   x) { x = median(v[m SUBSEP t]); return x == "" ? "-" : x }
  function ratio(m, a, b,   x, y) {
    x = median(v[m SUBSEP a]); y = median(v[m SUBSEP b])
    return (x == "" || y == "" || y == 0) ? "-" : sprintf("%.2fx", x / y)
  }'
{
  echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $reps repetitions, medians; fio runtime ${runtime} s"
  echo "versions: vhdx-mount $("$vhdx_mount" --version 2>/dev/null | head -1 | awk '{print $NF}'), $(java -version 2>&1 | head -1)," \
    "vhdimount $(dpkg-query -W -f='${Version}' libvhdi-utils 2>/dev/null), qemu $(dpkg-query -W -f='${Version}' qemu-system-common 2>/dev/null)," \
    "libfuse $(dpkg-query -W -f='${Version}' libfuse2 2>/dev/null), $(fio --version), kernel $(uname -r)"
  echo "load average (1, 5, 15 min) before the run: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows here)"
  echo
} > "$results.txt"
section cached && awk -F'\t' -v tools="$tools" "$stats_awk"'
  END {
    split("seq_first seq_reread rand1 rand4 cpu_first_s rss_1g visible_64t_ms rss_64t", metrics, " ")
    name["seq_first"] = "sequential read, first open (GB/s)"
    name["seq_reread"] = "sequential re-read, second open (GB/s)"
    name["rand1"] = "random 4 KiB O_DIRECT, 1 job (IOPS)"
    name["rand4"] = "random 4 KiB O_DIRECT, 4 jobs (IOPS)"
    name["cpu_first_s"] = "server CPU for the first read of 1 GiB (s)"
    name["rss_1g"] = "server peak RSS, 1 GiB image (MiB)"
    name["visible_64t_ms"] = "64 TiB image: command start to visible (ms)"
    name["rss_64t"] = "64 TiB image: server peak RSS (MiB)"
    target["seq_first"] = ">= 1.3x vhdimount"; tm["seq_first"] = "vhdimount"; tv["seq_first"] = 1.3
    target["seq_reread"] = ">= 0.5x raw"; tm["seq_reread"] = "raw"; tv["seq_reread"] = 0.5
    target["rand1"] = ">= 1.1x vhdimount"; tm["rand1"] = "vhdimount"; tv["rand1"] = 1.1
    target["rand4"] = ">= 1.3x vhdimount"; tm["rand4"] = "vhdimount"; tv["rand4"] = 1.3
    target["visible_64t_ms"] = "<= 1000 ms"; ta["visible_64t_ms"] = 1000
    target["rss_64t"] = "<= 128 MiB"; ta["rss_64t"] = 128
    print "| measure | raw file | vhdimount | qemu-storage-daemon | vhdx-mount | bare FUSE server (reference) | vhdx-mount / vhdimount | vhdx-mount / raw | bare / vhdimount | target | met |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    for (k = 1; k <= 8; k++) {
      m = metrics[k]
      met = "-"
      x = median(v[m SUBSEP "vhdx-mount"])
      if (x != "" && m in tm) { y = median(v[m SUBSEP tm[m]]); if (y != "") met = (x / y >= tv[m]) ? "yes" : "NO" }
      if (x != "" && m in ta) met = (x <= ta[m]) ? "yes" : "NO"
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name[m], cell(m, "raw"), cell(m, "vhdimount"),
        cell(m, "qsd"), cell(m, "vhdx-mount"), cell(m, "bare"), ratio(m, "vhdx-mount", "vhdimount"),
        ratio(m, "vhdx-mount", "raw"), ratio(m, "bare", "vhdimount"), (m in target) ? target[m] : "", met
    }
    print ""
    print "vhdx-mount start-up in parts, from the command start (ms, medians): bare JVM " cell("start_jvm_ms", "vhdx-mount") \
      ", --version " cell("start_version_ms", "vhdx-mount") ", vhdx-info on the 64 TiB image " cell("start_info_ms", "vhdx-mount") \
      ", mount -f until visible " cell("start_foreground_ms", "vhdx-mount") ", background mount until visible " cell("visible_64t_ms", "vhdx-mount")
    print "The raw file is read from the page cache; its random reads are buffered (O_DIRECT would measure the disk)."
    print "bare: barefs serving the raw twin (a pread and a reply per request, one thread): the least work per request of a FUSE server."
  }' "$results" >> "$results.txt"
if section slow; then
  for latency in $latencies; do
    awk -F'\t' -v l="$latency" "$stats_awk"'
      function at_least(m, b, t,   x, y) {
        x = median(v[m SUBSEP "vhdx-mount"]); y = median(v[m SUBSEP b])
        return (x == "" || y == "") ? "-" : (x / y >= t ? "yes" : "NO")
      }
      END {
        printf "\nSlow storage: slowfs adds %s us to every read of the image (direct_io; concurrent reads overlap)\n\n", l
        print "| measure | raw file, same storage | vhdimount | qemu-storage-daemon | vhdx-mount | bare FUSE server (reference) | vhdx-mount / raw | vhdx-mount / qemu-storage-daemon | bare / raw | target | met |"
        print "|---|---|---|---|---|---|---|---|---|---|---|"
        split("seq qd16 jobs8", ms, " ")
        name["seq"] = "sequential dd bs=1M, first 256 MiB (MB/s)"
        name["qd16"] = "random 4 KiB, libaio O_DIRECT, QD 16 (IOPS)"
        name["jobs8"] = "random 4 KiB, 8 psync jobs, O_DIRECT (IOPS)"
        for (k = 1; k <= 3; k++) {
          m = "slow_" ms[k] "_" l
          if (ms[k] == "seq") { target = ">= 0.8x raw"; met = at_least(m, "raw", 0.8) }
          else {
            target = ">= 0.8x raw, >= 1.2x qsd"; a = at_least(m, "raw", 0.8); b = at_least(m, "qsd", 1.2)
            met = (a == "-" || b == "-") ? "-" : (a == "yes" && b == "yes" ? "yes" : "NO")
          }
          printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name[ms[k]], cell(m, "raw"), cell(m, "vhdimount"),
            cell(m, "qsd"), cell(m, "vhdx-mount"), cell(m, "bare"), ratio(m, "vhdx-mount", "raw"), ratio(m, "vhdx-mount", "qsd"),
            ratio(m, "bare", "raw"), target, met
        }
      }' "$results" >> "$results.txt"
  done
fi
if section sparse; then
  awk -F'\t' "$stats_awk"'
    END {
      print "\nCopies of a mostly empty 10 GiB disk (200 MiB of data): seconds, and MiB the copy allocates (page cache)\n"
      print "| copy | raw file | vhdimount | qemu-storage-daemon | vhdx-mount | faster than vhdimount | faster than qemu-storage-daemon |"
      print "|---|---|---|---|---|---|---|"
      split("cp convert", ms, " ")
      name["cp"] = "cp --sparse=always"; name["convert"] = "qemu-img convert -O raw"
      for (k = 1; k <= 2; k++) {
        m = "sparse_" ms[k] "_s"; a = "sparse_" ms[k] "_mib"
        printf "| %s | %s s, %s MiB | %s s, %s MiB | %s s, %s MiB | %s s, %s MiB | %s | %s |\n", name[ms[k]],
          cell(m, "raw"), cell(a, "raw"), cell(m, "vhdimount"), cell(a, "vhdimount"), cell(m, "qsd"), cell(a, "qsd"),
          cell(m, "vhdx-mount"), cell(a, "vhdx-mount"), ratio(m, "vhdimount", "vhdx-mount"), ratio(m, "qsd", "vhdx-mount")
      }
    }' "$results" >> "$results.txt"
fi
cat "$results.txt"
! section hash || hash_bench
[[ -z $out ]] || cp "$results.txt" "$out"

if section jmh; then
  say "JMH benchmarks of vhdx-core (scripts/jmh.sh)"
  "$root/scripts/jmh.sh" --dir "$dir"
fi
