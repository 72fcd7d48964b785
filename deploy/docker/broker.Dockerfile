# The broker. Build from the repository root:  docker build -f deploy/docker/broker.Dockerfile -t custos/broker:0.1.0 .
# (Not built in CI: no container daemon or base image is reachable there; see deploy/README.md.)
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -q -B -DskipTests -pl broker -am package

FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 10001 custos && useradd --system --uid 10001 --gid custos --home-dir /nonexistent custos
COPY --from=build /src/broker/target/custos-broker-*-all.jar /opt/custos/custos-broker.jar
USER 10001:10001
EXPOSE 8200
ENTRYPOINT ["java", "-XX:+UseParallelGC", "-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp", "-jar", "/opt/custos/custos-broker.jar"]
CMD ["server", "-config=/etc/custos/config/custos.yml"]
