# Image of a sync-streams worker (also runs the sandboxes and the CLI).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY topics ./topics
RUN pip install --no-cache-dir .
ENV SYNC_STREAMS_WEB_HOST=0.0.0.0
EXPOSE 6066
ENTRYPOINT ["sync-streams"]
CMD ["worker"]
