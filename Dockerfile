# Image of a sync-streams worker (also runs the sandboxes and the CLI).
#
#   docker build -t sync-streams:local .
#   docker run --rm sync-streams:local tenants validate /etc/sync-streams/tenants
#
# The worker drains on SIGTERM (agents stopped, producer flushed, offsets
# committed, consumer group left): give it time (compose: stop_grace_period).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY topics ./topics
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin sync-streams \
 && mkdir -p /var/lib/sync-streams /var/lib/sandbox /etc/sync-streams/tenants \
 && chown sync-streams /var/lib/sync-streams /var/lib/sandbox

# Not root: a tenant file can only make the worker call HTTP APIs, never own the box.
USER sync-streams

# Defaults of the service settings (docs/configuration.md); override with the
# environment or a settings file (SYNC_STREAMS_SETTINGS_FILE).
ENV SYNC_STREAMS_WEB_HOST=0.0.0.0 \
    SYNC_STREAMS_WEB_PORT=6066 \
    SYNC_STREAMS_DATA_DIR=/var/lib/sync-streams \
    SYNC_STREAMS_TENANTS_DIR=/etc/sync-streams/tenants

# /healthz, /readyz and /metrics
EXPOSE 6066
STOPSIGNAL SIGTERM
ENTRYPOINT ["sync-streams"]
CMD ["worker"]
