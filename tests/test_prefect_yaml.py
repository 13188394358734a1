"""prefect.yaml: every deployment points at a real flow and passes parameters that flow accepts."""

from __future__ import annotations

import inspect

import pytest
import yaml

from tests.conftest import ROOT

DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_deployment_entrypoint_is_a_flow_taking_its_parameters(deployment):
    from prefect.flows import Flow, load_flow_from_entrypoint

    flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
    assert isinstance(flow, Flow)
    accepted = set(inspect.signature(flow.fn).parameters)
    assert set(deployment.get("parameters", {})) <= accepted
    assert deployment["work_pool"]["name"]
