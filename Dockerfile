# syntax=docker/dockerfile:1
# Build: resolve the locked dependencies into a virtual environment.
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
COPY migrations ./migrations
RUN uv sync --frozen --no-dev --no-editable

# Run: the environment only, as an unprivileged user.
FROM python:3.11-slim AS runtime
RUN useradd --system --uid 10001 --home /app tailtribe
WORKDIR /app
COPY --from=build --chown=tailtribe:tailtribe /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1 TAILTRIBE_DATA_DIR=/app/var \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics WEB_WORKERS=2
# media: the mount point of the photo volume (compose.yaml), made here so that
# a new volume starts owned by the unprivileged user.
RUN mkdir -p /app/var/media && chown -R tailtribe:tailtribe /app/var
USER tailtribe
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status != 200)"
# The granian workers of a container share their metrics through files,
# cleared at each start (stale files would count dead processes).
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec tailtribe serve --host 0.0.0.0 --port 8000 --workers \"$WEB_WORKERS\""]
