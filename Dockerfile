# The tiegraph service. Build: docker build -t tiegraph .
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY graph_schema ./graph_schema
RUN pip install --no-cache-dir .
EXPOSE 8000
USER nobody
ENTRYPOINT ["tiegraph"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
