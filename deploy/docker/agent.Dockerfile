# The agent the injector puts into pods. Build from the repository root:
#   docker build -f deploy/docker/agent.Dockerfile -t custos/agent:0.1.0 .
# The injector runs /opt/custos/bin/custos-agent with a read-only root file system: the only
# writable places are the agent's home (/home/custos) and the secrets volume. The startup probe of
# the native sidecar uses /bin/sh and test, which the base image has.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -q -B -DskipTests -pl agent-injector/agent -am package

FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 1000 custos && useradd --system --uid 100 --gid custos --home-dir /home/custos custos \
 && mkdir -p /opt/custos/bin
COPY --from=build /src/agent-injector/agent/target/custos-agent-*-all.jar /opt/custos/custos-agent.jar
# the launcher's small-footprint flags (docs/benchmarks.md: ~50 MiB idle with 10 templates)
RUN printf '%s\n' '#!/bin/sh' \
  'export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"' \
  'exec java -XX:+UseSerialGC -Xms4m -Xmx32m -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=20 -Xss256k \' \
  '  -XX:MaxMetaspaceSize=48m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m \' \
  '  -XX:-UsePerfData -Djava.io.tmpdir=/home/custos $CUSTOS_AGENT_JAVA_OPTS -jar /opt/custos/custos-agent.jar "$@"' \
  > /opt/custos/bin/custos-agent && chmod 0755 /opt/custos/bin/custos-agent
USER 100:1000
ENTRYPOINT ["/opt/custos/bin/custos-agent"]
