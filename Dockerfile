# The tiegraph service. Build: docker build -t tiegraph .
# Run (embedded store, data in a volume):  docker run -p 8000:8000 -v tiegraph-data:/data \
#   -e TIEGRAPH_JWT_SECRET=$(openssl rand -hex 32) tiegraph
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY graph_schema ./graph_schema
RUN pip install --no-cache-dir .
# A user of its own (not root, not the shared `nobody`) that owns the embedded store's data
# directory; /app stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 tiegraph \
    && useradd --system --uid 10001 --gid tiegraph --home-dir /data --no-create-home tiegraph \
    && mkdir -p /data \
    && chown tiegraph:tiegraph /data
# The embedded store's files (SQLite database, directory lock). A named volume mounted here
# starts with this directory's owner, so the service can write it.
ENV TIEGRAPH_DATA_DIR=/data
VOLUME ["/data"]
USER tiegraph:tiegraph
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["tiegraph"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
