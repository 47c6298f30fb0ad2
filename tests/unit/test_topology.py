"""The pipeline is declared once, and everything that runs or shows a stage follows that declaration."""

from __future__ import annotations

import importlib
import itertools
import pkgutil

import pytest

import services.processor.agents as agents_package
from schemas import Stage
from services.common.topology import SERVICES, STAGES, route, routes, stage_names
from services.operations.status import PipelineSettings, consuming_routes, throughput
from services.operations.supervisor import SERVICE_MODULES, Supervisor, parse_workers, port_setting
from services.processor.app import create_app
from services.processor.settings import ProcessorSettings


def test_the_flow_reads_fetch_clean_group_enrich_index_each_stage_consuming_what_the_one_before_writes():
    assert stage_names() == ["fetch", "clean", "group", "enrich", "index"]
    declared = routes(PipelineSettings())
    for before, after in itertools.pairwise(declared):
        assert after.input_topic in before.output_topics


def test_every_stage_a_service_runs_is_declared_and_only_the_cli_ingest_origin_is_not_a_stage():
    # Stage also names where a dead letter came from; `newsflow ingest` is a command, not a running stage.
    assert {spec.stage for spec in STAGES} == set(Stage) - {Stage.INGEST, Stage.ALERT}
    assert {spec.service for spec in STAGES} == {spec.name for spec in SERVICES}


def test_each_declared_processor_stage_has_exactly_one_agent_module_and_the_app_registers_them_all():
    modules = {info.name for info in pkgutil.iter_modules(agents_package.__path__)}
    assert modules == set(stage_names("processor"))
    for name in modules:
        assert callable(importlib.import_module(f"services.processor.agents.{name}").register)
    app = create_app(ProcessorSettings())
    registered = {agent.name: agent.channel.topics for agent in app.agents.values()}
    assert registered == {found.stage: (found.input_topic,) for found in routes(ProcessorSettings(), "processor")}


def test_topic_and_group_names_come_from_the_settings_in_force():
    settings = PipelineSettings(topic_clean="x.clean", processor_app_id="x-proc", indexer_group="x-idx")
    assert route(settings, Stage.CLEAN).output_topics == ("x.clean",)
    assert route(settings, Stage.GROUP).input_topic == "x.clean"
    assert route(settings, Stage.ENRICH).group == "x-proc"
    assert route(settings, Stage.INDEX).group == "x-idx"
    app = create_app(ProcessorSettings(topic_clean="x.clean"))
    assert {agent.name: agent.channel.topics for agent in app.agents.values()}["group"] == ("x.clean",)


def test_a_service_settings_class_is_refused_for_stages_it_does_not_hold():
    with pytest.raises(TypeError, match="indexer_group"):
        routes(ProcessorSettings(), "indexer")


def test_a_processor_worker_can_only_be_asked_for_the_processors_declared_stages():
    with pytest.raises(ValueError, match="clean, group, enrich"):
        ProcessorSettings(processor_stages="index")
    with pytest.raises(ValueError):
        ProcessorSettings(processor_stages="")
    assert ProcessorSettings().stages == set(stage_names("processor"))


def test_the_status_tool_and_the_supervisor_see_the_declared_stages_and_services():
    settings = PipelineSettings()
    assert [found.stage for found in consuming_routes(settings)] == ["clean", "group", "enrich", "index"]
    assert {spec.name: spec.module for spec in SERVICES} == SERVICE_MODULES
    assert set(parse_workers([])) == {spec.name for spec in SERVICES}
    for spec in SERVICES:
        variable, default = port_setting(spec.name)
        assert variable == f"NEWSFLOW_{spec.port_setting.upper()}" and isinstance(default, int)
    supervisor = Supervisor({"processor": 2}, env={})
    assert [child.env.get("NEWSFLOW_PROCESSOR_WEB_PORT") for child in supervisor.children] == [None, "6067"]


def test_rates_are_reported_for_every_declared_stage():
    from services.operations.status import PipelineStatus

    empty = PipelineStatus(kafka="ok", elasticsearch="green", taken_at=1.0)
    later = PipelineStatus(kafka="ok", elasticsearch="green", taken_at=2.0)
    assert list(throughput(empty, later, PipelineSettings())) == stage_names()


def test_only_a_stage_that_reads_a_topic_has_an_input_and_a_group():
    assert route(PipelineSettings(), Stage.INDEX).consumes == ("news.enriched", "newsflow-indexer")
    with pytest.raises(ValueError, match="fetch stage reads no topic"):
        _ = route(PipelineSettings(), Stage.FETCH).consumes
