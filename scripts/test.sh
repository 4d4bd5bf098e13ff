#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, then unit tests, image tests against qemu-img and the
# shared corpus, FUSE mount tests (real mounts, loop devices), and the Docker test. Needs root for FUSE and loops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mvn -B verify
scripts/docker-test.sh
