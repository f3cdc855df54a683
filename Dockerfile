# syntax=docker/dockerfile:1
# Relais for production: the wheel built in one stage, installed alone in the next.
#   docker build -t relais .
#   docker run -p 8000:8000 -v relais-data:/data relais

# --- build: the wheel (the build hook compiles the catalogues into it) and a venv with it
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md hatch_build.py babel.cfg ./
COPY bot ./bot
COPY nlu ./nlu
COPY content ./content
COPY locales ./locales
RUN python -m pip wheel --no-deps --wheel-dir /dist . \
 && python -m venv /opt/relais \
 && /opt/relais/bin/pip install /dist/relais-*.whl

# --- run: the venv only, no sources, no compiler, not root
FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/relais/bin:$PATH \
    RELAIS_DATA_DIR=/data \
    RELAIS_LOG_FORMAT=json
RUN groupadd --system --gid 10001 relais \
 && useradd --system --uid 10001 --gid relais --home-dir /data --no-create-home relais \
 && mkdir /data \
 && chown relais:relais /data
COPY --from=build /opt/relais /opt/relais
USER relais
WORKDIR /data
# The SQLite file (when no RELAIS_DATABASE_URL is given), the NLU cache, exports and backups.
VOLUME ["/data"]
EXPOSE 8000
# The first start trains the NLU model (about 20 s) unless /data/.cache already holds it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["relais", "serve", "--host", "0.0.0.0", "--port", "8000"]
