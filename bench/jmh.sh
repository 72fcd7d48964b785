#!/usr/bin/env bash
# Runs one JMH benchmark class of broker/src/test/.../bench. Usage: bench/jmh.sh CLASS [JMH options]
# (default options -f 2 -wi 3 -w 2s -i 5 -r 3s). JAVA_HOME selects the JDK.
set -euo pipefail
cd "$(dirname "$0")/.."
benchmark="$1"; shift
./mvnw -q -B -pl broker -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/broker/target/bench.classpath"
[ $# -gt 0 ] || set -- -f 2 -wi 3 -w 2s -i 5 -r 3s
"${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "broker/target/test-classes:broker/target/classes:$(cat broker/target/bench.classpath)" \
  org.openjdk.jmh.Main "$benchmark" "$@"
