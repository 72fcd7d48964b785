# The admission webhook. Build from the repository root:
#   docker build -f deploy/docker/injector.Dockerfile -t custos/injector:0.1.0 .
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -q -B -DskipTests -pl agent-injector/injector -am package

FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 10001 custos && useradd --system --uid 10001 --gid custos --home-dir /nonexistent custos
COPY --from=build /src/agent-injector/injector/target/custos-injector-*-all.jar /opt/custos/custos-injector.jar
USER 10001:10001
EXPOSE 8443
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=/tmp", "-jar", "/opt/custos/custos-injector.jar"]
CMD ["injector"]
