#!/usr/bin/env bash
# JMH: barrier encrypt+decrypt of 1 KiB vs raw AES-256-GCM, in one run. Arguments replace the
# default JMH options (-f 2 -wi 3 -w 2s -i 5 -r 3s). JAVA_HOME selects the JDK.
exec "$(dirname "$0")/jmh.sh" BarrierBenchmark "$@"
