#!/usr/bin/env bash
# Long structure-aware fuzz campaign of vhdx-core (issue 5): mutated images must open and read to the end or be
# refused with VhdxFormatException, each within 5 s, in JVMs limited to -Xmx256m. Prints the figures at the end.
#
#   scripts/fuzz.sh [cases] [seed] [--option value]...   e.g. scripts/fuzz.sh 100000 42
#   scripts/fuzz.sh --replay CASE --seed SEED              one case again, with its mutations and outcome
#
# Options are FuzzMain's (see its class comment): --jobs J (default: one JVM per core), --first F, --timeout-ms M.
# Failing cases are saved, gzip'd, under vhdx-core/target/fuzz-failures/ (copy one to
# vhdx-core/src/test/resources/fuzz-regressions/ to make it a regression fixture). Exit status 1 if a case failed.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
if [[ $# -gt 0 && $1 != --* ]]; then args+=(--cases "$1"); shift; fi
if [[ $# -gt 0 && $1 != --* ]]; then args+=(--seed "$1"); shift; fi

mvn -q -B ${MAVEN_OFFLINE:+-o} -pl vhdx-core test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/vhdx-core/target/fuzz.classpath" >&2
classpath="vhdx-core/target/test-classes:vhdx-core/target/classes:$(cat vhdx-core/target/fuzz.classpath)"

exec java -Xmx256m -cp "$classpath" dev.vhdxmount.vhdx.fuzz.FuzzMain \
    --jobs "${FUZZ_JOBS:-$(nproc)}" --heap 256m --save vhdx-core/target/fuzz-failures \
    --classes vhdx-core/target/fuzz-outcome-classes.tsv "${args[@]}" "$@"
