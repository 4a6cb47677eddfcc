"""Workflow identity from what Argo puts in a step's environment."""
import json

from simplepipe.identity import WorkflowIdentity

TEMPLATE = json.dumps({"name": "push-metrics", "container": {"image": "simplepipe"}})


def test_workflow_name_variable_preferred():
    identity = WorkflowIdentity.from_environ({"ARGO_WORKFLOW_NAME": "alice-app-x7k2p",
                                              "ARGO_NODE_ID": "other-123", "ARGO_TEMPLATE": TEMPLATE})
    assert identity.labels() == {"argo_workflow": "alice-app-x7k2p", "argo_template": "push-metrics"}


def test_workflow_name_derived_from_node_id():
    identity = WorkflowIdentity.from_environ({"ARGO_NODE_ID": "alice-app-x7k2p-1234567890", "ARGO_TEMPLATE": TEMPLATE})
    assert identity == WorkflowIdentity("alice-app-x7k2p", "push-metrics")


def test_template_from_pod_name_when_argo_template_is_absent():
    identity = WorkflowIdentity.from_environ({"ARGO_WORKFLOW_NAME": "wf-abc",
                                              "HOSTNAME": "wf-abc-push-metrics-3021520121"})
    assert identity == WorkflowIdentity("wf-abc", "push-metrics")


def test_no_template_when_nothing_tells():
    identity = WorkflowIdentity.from_environ({"ARGO_NODE_ID": "wf-abc-42", "ARGO_TEMPLATE": "not json",
                                              "HOSTNAME": "somewhere"})
    assert identity.labels() == {"argo_workflow": "wf-abc"}


def test_outside_argo():
    assert WorkflowIdentity.from_environ({"HOSTNAME": "laptop"}) is None
    assert WorkflowIdentity.from_environ({"ARGO_NODE_ID": "no-hash-here"}) is None


def test_turned_off():
    assert WorkflowIdentity.from_environ({"ARGO_WORKFLOW_NAME": "wf", "SIMPLEPIPE_WORKFLOW_IDENTITY": "off"}) is None
