# syntax=docker/dockerfile:1
#
# The LiveSync server image. One image for every role: SYNC_ROLE=all (embedded, the default),
# gateway or worker (cluster mode, needs SYNC_REDIS_URL). See docs/deploy.md.
#
#   docker build -t livesync/sync-server:dev .
#   docker run --read-only -p 8080:8080 -e SYNC_JWT_SECRET="$(openssl rand -base64 32)" \
#     livesync/sync-server:dev
# (a bind other than loopback needs a token key: the server refuses to start without one)
#
# deploy-tests/ checks this file against the build: the jar path, the user, the port.

# ---- build ------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The whole reactor: Maven reads every module's pom even when building one of them.
COPY . .
# -pl/-am: only the server and what it depends on (not the client or the load generator).
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -DskipTests package -pl sync-server -am

# ---- runtime ----------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

LABEL org.opencontainers.image.title="sync-server" \
      org.opencontainers.image.description="LiveSync real-time JSON record sync server"

# A fixed numeric uid/gid, so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
RUN groupadd --system --gid 10001 livesync \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin livesync \
 && mkdir -p /app /data \
 && chown 10001:10001 /data

COPY --from=build /src/sync-server/target/sync-server.jar /app/sync-server.jar

# The only writable paths: the embedded store (SQLite) and the JVM's temporary files (native
# libraries of SQLite and Netty are unpacked there). Everything else may be read-only
# (docker run --read-only, Kubernetes readOnlyRootFilesystem).
ENV SYNC_BIND=0.0.0.0 \
    SYNC_DATA_DIR=/data
VOLUME ["/data", "/tmp"]
WORKDIR /data

USER 10001:10001
EXPOSE 8080

# Exec form: java is PID 1 and receives SIGTERM itself, which starts the drain.
# Heap is 75% of the container's memory limit; the rest is for metaspace, thread stacks and
# Netty's direct buffers. An OutOfMemoryError exits the process so the orchestrator restarts it
# instead of leaving a half-working server. Add flags with JAVA_TOOL_OPTIONS.
ENTRYPOINT ["java", \
            "-XX:MaxRAMPercentage=75", \
            "-XX:+ExitOnOutOfMemoryError", \
            "-Djava.io.tmpdir=/tmp", \
            "-jar", "/app/sync-server.jar"]
