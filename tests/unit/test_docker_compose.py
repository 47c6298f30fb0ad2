"""docker-compose.yml cannot run here; it must at least agree with the code it deploys."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic_settings import BaseSettings

from deploy.local.stack import StackSettings
from services.fetcher.settings import FetcherSettings
from services.fetcher.sources import SourceKind, load_sources
from services.indexer.settings import IndexerSettings
from services.operations.supervisor import SERVICE_MODULES
from services.processor.settings import ProcessorSettings
from tests.conftest import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SETTINGS = {"fetcher": FetcherSettings, "processor": ProcessorSettings, "indexer": IndexerSettings}


def _known_variables(settings_class: type[BaseSettings]) -> set[str]:
    return {f"NEWSFLOW_{name.upper()}" for name in settings_class.model_fields}


def test_each_service_runs_its_module_with_variables_its_settings_class_reads():
    for name, module in SERVICE_MODULES.items():
        service = COMPOSE["services"][name]
        assert service["command"] == ["python", "-m", module]
        variables = {key for key in service["environment"] if key.startswith("NEWSFLOW_")}
        unknown = variables - _known_variables(SETTINGS[name])
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"
        assert (REPO_ROOT / service["build"]["dockerfile"]).exists()


def test_services_wait_for_healthy_dependencies():
    for name in SERVICE_MODULES:
        for dependency, condition in COMPOSE["services"][name]["depends_on"].items():
            assert condition == {"condition": "service_healthy"}
            assert "healthcheck" in COMPOSE["services"][dependency]
    assert "elasticsearch" in COMPOSE["services"]["indexer"]["depends_on"]


def test_images_match_the_versions_the_local_stack_runs():
    stack = StackSettings()
    assert COMPOSE["services"]["kafka"]["image"] == f"apache/kafka:{stack.kafka_version}"
    assert COMPOSE["services"]["elasticsearch"]["image"].endswith(f":{stack.es_version}")
    assert COMPOSE["services"]["kibana"]["image"].endswith(f":{stack.es_version}")


def test_host_ports_are_the_settings_defaults_and_bound_to_loopback():
    # What a developer's settings reach by default is what compose publishes from the containers' ports.
    kafka_host, kafka_port = FetcherSettings().kafka_bootstrap.rsplit(":", 1)
    es_url = urlsplit(IndexerSettings().es_url)
    assert f"{kafka_host}:{kafka_port}:9092" in COMPOSE["services"]["kafka"]["ports"]
    assert f"{es_url.hostname}:{es_url.port}:9200" in COMPOSE["services"]["elasticsearch"]["ports"]
    for service in COMPOSE["services"].values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port


def test_containers_reach_kafka_and_elasticsearch_by_service_name():
    environment = COMPOSE["services"]["indexer"]["environment"]
    host, port = environment["NEWSFLOW_KAFKA_BOOTSTRAP"].split(":")
    assert host == "kafka"
    assert f"INTERNAL://kafka:{port}" in COMPOSE["services"]["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert environment["NEWSFLOW_ES_URL"] == "http://elasticsearch:9200"


def test_the_fetcher_polls_the_sample_sources_file_inside_the_image():
    path = COMPOSE["services"]["fetcher"]["environment"]["NEWSFLOW_SOURCES"]
    assert path.startswith("/app/")
    sources = load_sources(REPO_ROOT / Path(path).relative_to("/app"))
    assert any(source.kind is SourceKind.PATH and source.path and source.path.is_dir() for source in sources)


def test_kibana_gets_the_saved_objects_once_it_is_healthy():
    setup = COMPOSE["services"]["kibana-setup"]
    assert setup["command"][-4:] == ["kibana", "import", "--url", "http://kibana:5601"]
    assert setup["depends_on"] == {"kibana": {"condition": "service_healthy"}}


def test_each_service_is_restarted_and_checked_on_its_own_readiness_endpoint():
    ports = {
        "fetcher": FetcherSettings.model_fields["fetcher_metrics_port"].default,
        "processor": ProcessorSettings.model_fields["processor_web_port"].default,
        "indexer": IndexerSettings.model_fields["indexer_metrics_port"].default,
    }
    for name in SERVICE_MODULES:
        service = COMPOSE["services"][name]
        assert service["restart"] == "unless-stopped"
        assert f"http://127.0.0.1:{ports[name]}/ready" in " ".join(service["healthcheck"]["test"])
