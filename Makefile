# newsflow — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp

.DEFAULT_GOAL := help
.PHONY: help setup run test test-unit test-integration lint format typecheck stack-up stack-down stack-status schemas eval-clean eval-stories eval-entities eval-topics bench bench-fetcher bench-enrich bench-indexer bench-clean bench-pipeline bench-failover clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

setup: $(STAMP) ## install newsflow and its pinned dependencies into .venv

run: setup ## the main job: stack up, all services running, sample articles ingested and searchable
	$(BIN)/newsflow stack up
	NEWSFLOW_SOURCES=$${NEWSFLOW_SOURCES:-deploy/sources.yaml} $(BIN)/newsflow run --samples

test: setup lint ## lint, then every test (unit + integration on the real Kafka and Elasticsearch)
	$(BIN)/pytest

test-unit: setup ## unit tests only (no servers)
	$(BIN)/pytest -m "not integration"

test-integration: setup ## integration tests only (starts the stack if needed)
	$(BIN)/pytest -m integration

lint: setup ## ruff lint and format check, mypy over the whole code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup ## mypy only
	$(BIN)/mypy

stack-up: setup ## start the local Kafka + Elasticsearch (downloads once, then offline)
	$(BIN)/newsflow stack up

stack-down: setup ## stop the local stack (data is kept)
	$(BIN)/newsflow stack down

stack-status: setup ## health, version and address of each stack component
	$(BIN)/newsflow stack status

eval-clean: setup ## body and metadata extraction scores on ../shared/data (article-extraction, news-pages)
	$(BIN)/python -m tests.eval.extraction --json eval-clean.json

eval-stories: setup ## duplicate and story assignment on ../shared/data/same-story (pairwise P/R), and by halves
	$(BIN)/python -m tests.eval.stories --json eval-stories.json
	$(BIN)/python -m tests.eval.story_clustering --json eval-story-clustering.json

eval-entities: setup ## entities: CoNLL-2003 dev and hand-labelled modern articles (dev 44, four check sets), plain model vs newsflow
	$(BIN)/python -m tests.eval.entities --json eval-entities.json
	$(BIN)/python -m tests.eval.modern_entities --json eval-modern-entities.json
	$(BIN)/python -m tests.eval.modern_entities --set check --json eval-modern-entities-check.json
	$(BIN)/python -m tests.eval.modern_entities --set check2 --json eval-modern-entities-check2.json
	$(BIN)/python -m tests.eval.modern_entities --set check3 --json eval-modern-entities-check3.json
	$(BIN)/python -m tests.eval.modern_entities --set check4 --json eval-modern-entities-check4.json

eval-topics: setup ## IPTC top topic against BBC News labels and AG News (nothing trained on either)
	$(BIN)/python -m tests.eval.topics --json eval-topics.json

bench: setup stack-up ## every benchmark: one table of figures against their targets, written to bench.json
	$(BIN)/python -m tests.benchmarks.all --json bench.json

bench-pipeline: setup stack-up ## end to end (files dropped → searchable) vs offline; latency at half capacity; peak RSS per service
	$(BIN)/python -m tests.benchmarks.pipeline --json bench-pipeline.json

bench-fetcher: setup stack-up ## fetcher pages/s against a local news site vs a bare producer; 304 share after a restart
	$(BIN)/python -m tests.benchmarks.fetcher --json bench-fetcher.json

bench-enrich: setup stack-up ## enrich stage through Kafka vs raw nlp.pipe and vs the enrichment code; 2 workers vs 1
	$(BIN)/python -m tests.benchmarks.enrich_stage --json bench-enrich.json

bench-indexer: setup stack-up ## indexer vs raw helpers.bulk of the same documents; publish-to-searchable latency p50/p99
	$(BIN)/python -m tests.benchmarks.indexer --json bench-indexer.json

bench-failover: setup stack-up ## longest wait of articles when a processor or indexer is SIGKILLed: restarted, or taken over by its peer
	$(BIN)/python -m tests.benchmarks.failover --json bench-failover.json

bench-clean: setup stack-up ## clean stage through Kafka vs the pure cleaning code, side by side
	$(BIN)/python -m tests.benchmarks.clean_stage --json bench-clean.json

schemas: setup ## re-export the JSON Schemas under schemas/json/
	$(BIN)/python -m schemas.export

clean: ## remove the virtualenv and caches (not the stack's data or downloads)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
