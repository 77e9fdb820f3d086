# kenny-wa: one image for the Prefect process worker (+ /health), the Procrastinate worker,
# the one-shot migrate/deploy jobs and `kenny-wa login`. Chromium is Debian's package, used
# through WHATSAPP_CHROMIUM_PATH, so no Playwright browser download happens.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WHATSAPP_CHROMIUM_PATH=/usr/bin/chromium \
    WHATSAPP_PROFILE_DIR=/data/whatsapp_profile \
    ATTACHMENTS_DIR=/data/attachments \
    KENNY_WA_STATE_DIR=/data/state \
    KENNY_WA_APP_DIR=/app \
    KENNY_WA_LOG_FORMAT=json \
    PREFECT_HOME=/data/state/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PREFECT_TASKS_DEFAULT_NO_CACHE=true \
    PREFECT_LOGGING_EXTRA_LOGGERS=kenny_wa \
    PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW=ignore

# Chromium, and fonts (incl. colour emoji) so WhatsApp Web renders like on a desktop
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        chromium \
        fonts-noto-color-emoji \
        fonts-liberation \
        fonts-dejavu-core \
        ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# dependencies first (cached layer), pinned with hashes
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# the project itself (its dependencies are all in the lock)
COPY pyproject.toml README.md prefect.yaml automations.yaml ./
COPY kenny_wa ./kenny_wa
COPY flows ./flows
COPY docker ./docker
# the OCR engine's models ship inside the rapidocr wheel: check their pinned SHA-256 now, so an
# image that could only work by downloading them is never built
RUN pip install --no-deps . \
 && chmod 0755 docker/*.sh \
 && python -c "from kenny_wa.ocr import engine, models; models.verify(); import rapidocr, onnxruntime"

# non-root user; profile and attachments owner-only (named volumes inherit this on first use)
RUN groupadd --gid 10001 kenny \
 && useradd --uid 10001 --gid 10001 --home-dir /home/kenny --create-home --shell /usr/sbin/nologin kenny \
 && mkdir -p /data/whatsapp_profile /data/attachments /data/state \
 && chown -R kenny:kenny /data \
 && chmod 0700 /data/whatsapp_profile /data/attachments /data/state
USER kenny
VOLUME ["/data/whatsapp_profile", "/data/attachments"]

EXPOSE 9109
# healthy = GET /health answers 200: PostgreSQL ready, session logged in, a recent successful
# sync. Only the whatsapp-worker runs the health server; compose overrides this elsewhere.
HEALTHCHECK --interval=60s --timeout=10s --start-period=20m --retries=3 \
  CMD ["python", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('KENNY_WA_HEALTH_PORT', '9109'), timeout=8)"]

CMD ["kenny-wa", "--help"]
