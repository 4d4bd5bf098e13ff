#!/usr/bin/env bash
# JMH benchmarks of vhdx-core alone (module benchmarks, Maven profile bench): sequential and random reads through
# VirtualDisk.read of dynamic VHDX images in the page cache, against a plain FileChannel read of the same bytes from
# the raw file. Prints JMH's table, then the ratios vhdx / FileChannel.
#
# This machine is shared and its load swings within a minute, so the whole suite runs in several rounds, each
# benchmark in short iterations; the table gives, for each pair, the median over the rounds of the ratio within a
# round, and the median GB/s.
#
# usage: scripts/jmh.sh [--dir DIR] [--rounds N] [--jvm-args "..."] [JMH ARGS...]
#   --dir       where the images are, or are made (default /var/tmp/vhdx-bench, shared with scripts/bench.sh)
#   --rounds    how many times to run the suite (default 3)
#   --jvm-args  the forks' JVM options; default: those of scripts/vhdx-mount (what the mount serves with);
#               --jvm-args "" for the JVM's defaults (C2)
# Takes about 4 minutes. Needs qemu-img (qemu-utils) to make the images, Maven to build.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
dir=/var/tmp/vhdx-bench
rounds=3
jvm_args="-XX:+UseSerialGC -XX:Tier4InvocationThreshold=20000 -XX:Tier4MinInvocationThreshold=2400 -XX:Tier4CompileThreshold=60000 -XX:Tier4BackEdgeThreshold=160000 -Xms32m -Xmn8m"
while (($#)); do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --jvm-args) jvm_args=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
say() { echo "jmh: $*" >&2; }

command -v qemu-img >/dev/null || { say "qemu-img is missing: apt-get install qemu-utils"; exit 1; }
mkdir -p "$dir"
# dyn-1g-1m: 60% of the 1 MiB blocks hold data (scripts/bench.sh makes the same); full-1g-1m: all of them
make_image() {
  local name=$1 every=$2
  [[ -f $dir/$name.vhdx && -f $dir/$name.raw ]] && return 0
  say "making $dir/$name.{raw,vhdx}"
  truncate -s 1G "$dir/$name.raw.tmp"
  for ((i = 0; i < 1024; i++)); do
    if ((every || (i * 7) % 10 < 6)); then
      dd if=/dev/urandom of="$dir/$name.raw.tmp" bs=1M seek=$i count=1 conv=notrunc status=none
    fi
  done
  mv "$dir/$name.raw.tmp" "$dir/$name.raw"
  qemu-img convert -f raw -O vhdx -o subformat=dynamic,block_size=1M "$dir/$name.raw" "$dir/$name.vhdx"
}
make_image dyn-1g-1m 0
make_image full-1g-1m 1
cat "$dir"/dyn-1g-1m.* "$dir"/full-1g-1m.* > /dev/null

jar=$root/benchmarks/target/benchmarks.jar
if [[ ! -f $jar || -n $(find "$root/benchmarks/src" "$root/vhdx-core/src/main" -newer "$jar" -type f -print -quit) ]]; then
  say "building $jar"
  (cd "$root" && mvn -q -B -Pbench -pl benchmarks -am -DskipTests package) >&2
fi

stamp=$dir/jmh-$(date +%Y%m%d-%H%M%S)
csvs=()
for ((round = 1; round <= rounds; round++)); do
  say "round $round/$rounds"
  args=(-p "dir=$dir" -wi 2 -w 500ms -i 6 -r 500ms -rf csv -rff "$stamp-$round.csv")
  [[ -z $jvm_args ]] || args+=(-jvmArgsAppend "$jvm_args")
  java -jar "$jar" "${args[@]}" "$@" >&2
  csvs+=("$stamp-$round.csv")
done

# For each benchmark class and parameter set: the median over the rounds of vhdx / fileChannel (bytes per second)
echo
echo "JMH, vhdx-core against FileChannel: medians of $rounds rounds (forks' JVM options: ${jvm_args:-defaults}; $stamp-*.csv)"
echo "| benchmark | image | read size | vhdx-core (GB/s) | FileChannel (GB/s) | vhdx-core / FileChannel |"
echo "|---|---|---|---|---|---|"
awk -F',' '
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { gsub(/\r/, ""); for (i = 1; i <= NF; i++) gsub(/"/, "", $i) }
  FNR == 1 { round++; for (i = 1; i <= NF; i++) col[$i] = i; next }
  {
    n = split($col["Benchmark"], b, "."); cls = b[n - 1]; m = b[n]
    size = ("Param: readSize" in col && $col["Param: readSize"] != "") ? $col["Param: readSize"] : 4096
    key = cls SUBSEP $col["Param: image"] SUBSEP size
    gbs[key, m, round] = $col["Score"] * size / 1e9
    keys[key] = 1
  }
  END {
    for (k in keys) {
      v = ""; f = ""; r = ""
      for (i = 1; i <= round; i++) {
        v = v " " gbs[k, "vhdx", i]; f = f " " gbs[k, "fileChannel", i]
        if (gbs[k, "fileChannel", i] > 0) r = r " " gbs[k, "vhdx", i] / gbs[k, "fileChannel", i]
      }
      split(k, p, SUBSEP)
      printf "| %s | %s | %d KiB | %.2f | %.2f | %.2fx |\n", p[1], p[2], p[3] / 1024, median(v), median(f), median(r)
    }
  }' "${csvs[@]}" | sort
