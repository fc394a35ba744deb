# duizhao (对照) HTTP service.
#
#   docker build -t duizhao .
#   docker run -d -p 8000:8000 -v duizhao-data:/data \
#     -e DUIZHAO_API_TOKENS=<token1>,<token2> -e DUIZHAO_MODEL=deepseek/deepseek-chat \
#     -e DEEPSEEK_API_KEY=<key> duizhao
#
# See docs/deploy.md. Without DUIZHAO_API_TOKENS the service refuses to listen on
# 0.0.0.0 (exit 2): a container always needs tokens.

# ---- build: the locked dependencies (hash-checked) into a virtual environment -------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
# compilers only here, for any dependency without a wheel for this platform
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/duizhao
ENV PATH=/opt/duizhao/bin:$PATH

WORKDIR /src
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY service ./service
COPY prompts ./prompts
RUN pip install --no-deps . \
 && python -m compileall -q /opt/duizhao/lib

# ---- run ---------------------------------------------------------------------------
FROM python:3.11-slim

ENV PATH=/opt/duizhao/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    # litellm: the bundled price map, never a fetch at import
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    LITELLM_OFFLINE_MODE=true \
    # prompt templates, formulations and structures from the repository copy below
    DUIZHAO_PROMPTS_DIR=/app/prompts \
    DUIZHAO_STRUCTURE_DIR=/app/prompts/structures \
    # the drafts database (SQLite, WAL) on the volume; a PostgreSQL URL replaces it
    DUIZHAO_DATABASE_URL=sqlite:////data/duizhao.db \
    XDG_DATA_HOME=/data \
    HOME=/home/duizhao

RUN groupadd --system --gid 10001 duizhao \
 && useradd --system --uid 10001 --gid duizhao --home-dir /home/duizhao --create-home \
      --shell /usr/sbin/nologin duizhao \
 && mkdir -p /data \
 && chown duizhao:duizhao /data \
 && chmod 0700 /data

COPY --from=build /opt/duizhao /opt/duizhao
COPY --chown=root:root prompts /app/prompts

USER duizhao
WORKDIR /home/duizhao
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

# tokens are required on 0.0.0.0: set DUIZHAO_API_TOKENS when running the container
CMD ["duizhao", "serve", "--host", "0.0.0.0", "--port", "8000"]
