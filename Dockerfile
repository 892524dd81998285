# Rapporteur HTTP service behind its edge (nginx: timeouts for slow and idle clients, a cap on the
# requests in progress, client addresses for the rate limit).
#   docker build -t rapporteur .
#   docker run --rm -p 8000:8000 -e RAPPORTEUR_ALLOWED_HOSTS=rapporteur.example \
#       -e RAPPORTEUR_ADMIN_API_KEY=... rapporteur
# The index is built from corpus/ at image build time; the admin API (POST /v1/admin/documents) adds
# documents to /srv/rapporteur/corpus and rebuilds in the container (mount a volume on
# /srv/rapporteur to keep them). Settings are RAPPORTEUR_* environment variables (see service/settings.py); the host
# names clients use must be in RAPPORTEUR_ALLOWED_HOSTS.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- build stage: install the package into a virtual environment and build the index -------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/rapporteur
ENV PATH=/opt/rapporteur/bin:$PATH \
    XDG_CACHE_HOME=/opt/rapporteur/cache
COPY pyproject.toml README.md ./
COPY rapporteur/ rapporteur/
COPY indexer/ indexer/
COPY service/ service/
COPY evals/ evals/
RUN pip install . \
    && python -m rapporteur.embedders.tuned
COPY corpus/ corpus/
RUN python -m indexer build corpus --out /index --quiet \
    && rm -rf /index/cache

# -- runtime stage: the virtual environment, the index, a non-root user ---------------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/rapporteur/bin:$PATH \
    XDG_CACHE_HOME=/opt/rapporteur/cache \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RAPPORTEUR_INDEX_DIR=/srv/rapporteur/index \
    RAPPORTEUR_CORPUS_DIR=/srv/rapporteur/corpus \
    RAPPORTEUR_HOST=0.0.0.0 \
    RAPPORTEUR_PORT=8000
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light tesseract-ocr tesseract-ocr-fra tesseract-ocr-osd \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin rapporteur
COPY --from=build /opt/rapporteur /opt/rapporteur
COPY --from=build --chown=rapporteur /index /srv/rapporteur/index
COPY --from=build --chown=rapporteur /src/corpus /srv/rapporteur/corpus
USER rapporteur
WORKDIR /srv/rapporteur
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('RAPPORTEUR_PORT', '8000'), timeout=4)"]
CMD ["python", "-m", "service.edge"]
