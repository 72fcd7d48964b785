#!/usr/bin/env bash
# JMH: HCL policy parse time by number of path blocks (1k..20k), to show it is linear. Arguments
# replace the default JMH options (-f 2 -wi 3 -w 2s -i 5 -r 3s). JAVA_HOME selects the JDK.
exec "$(dirname "$0")/jmh.sh" PolicyParseBenchmark "$@"
