#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, then unit tests, image tests against qemu-img and the
# corpus (testdata/corpus), FUSE mount tests (real mounts, loop devices), and the Docker test (which also installs and
# tests the Debian package in a clean container). Needs root for FUSE and loops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# every test, the slow ones too (a plain mvn test leaves out those tagged "slow": multi-GiB images, fuzzing)
mvn -B verify -Dsurefire.excludedGroups=
mkdir -p target
scripts/docker-test.sh 2>&1 | tee target/docker-test.log

# One closing line for the whole run: every JUnit report (unit tests and ITs of both modules) and the Docker test.
read -r passed failed skipped < <(cat ./*/target/surefire-reports/TEST-*.xml ./*/target/failsafe-reports/TEST-*.xml \
  | grep -o '<testsuite [^>]*>' \
  | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=\""); v = kv[2]; sub(/".*/, "", v);
           if (kv[1] == "tests") t += v; else if (kv[1] == "failures" || kv[1] == "errors") f += v;
           else if (kv[1] == "skipped") s += v } }
         END { printf "%d %d %d\n", t - s - f, f, s }')
docker_passed=$(sed -n 's/^docker-test: \([0-9][0-9]*\) passed, 0 failed$/\1/p' target/docker-test.log | tail -n 1)
echo "tests: $((passed + ${docker_passed:-0})) passed, $failed failed, $skipped skipped"
