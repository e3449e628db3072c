"""Pure pieces of the update commands: change-cause rendering, Go JSON, last-applied, manifests."""

from __future__ import annotations

import argparse

import pytest

from kubeferry.cli import apply, manifests, mutation


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("args", nargs="*")
    parser.add_argument("-n", "--namespace")
    parser.add_argument("-f", "--filename", action="append")
    mutation.add_record(parser)
    mutation.add_dry_run(parser)
    return parser


@pytest.mark.parametrize(
    ("path", "argv", "expected"),
    [
        pytest.param(
            "set image",
            ["set", "image", "deployment/my-app", "app=alpine:3.6", "--record"],
            "kubeferry set image deployment/my-app app=alpine:3.6 --record=true",
            id="set-image",
        ),
        pytest.param(
            "apply",
            ["apply", "-f", "app.yaml", "--record", "-n", "demo"],
            "kubeferry apply --filename=app.yaml --record=true --namespace=demo",
            id="short-flags-take-long-names",
        ),
        pytest.param(
            "label",
            ["label", "-nx", "deploy", "web", "a=b", "--dry-run=server", "--record"],
            "kubeferry label deploy web a=b --namespace=x --dry-run=server --record=true",
            id="attached-short-value",
        ),
    ],
)
def test_render_command(path, argv, expected):
    assert mutation.render_command(_parser(), path, argv) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"b": 1, "a": "<&>"}, '{"a":"\\u003c\\u0026\\u003e","b":1}', id="sorted-and-html-escaped"),
        pytest.param({"x": 2.0, "y": 2.5}, '{"x":2,"y":2.5}', id="whole-floats-as-ints"),
        pytest.param({"s": "é"}, '{"s":"é"}', id="utf8-kept"),
    ],
)
def test_go_json(value, expected):
    assert mutation.go_json(value) == expected


def test_last_applied_has_empty_annotations_and_newline():
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"}, "data": {"k": "v"}}
    assert apply.last_applied(obj) == (
        '{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"c","namespace":"d"}}\n'
    )


def test_result_lines():
    from kubeferry.machinery import resources

    deploy = resources.by_api_version_kind("apps/v1", "Deployment")
    svc = resources.by_api_version_kind("v1", "Service")
    ns = resources.by_api_version_kind("v1", "Namespace")
    assert mutation.result_line(deploy, "web", "configured", mutation.DRY_SERVER) == (
        "deployment.apps/web configured (server dry run)"
    )
    assert mutation.result_line(svc, "web", "created", mutation.DRY_CLIENT) == "service/web created (dry run)"
    assert mutation.deleted_line(deploy, "web", "default") == 'deployment.apps "web" deleted from default namespace'
    assert mutation.deleted_line(ns, "x", None) == 'namespace "x" deleted'


def test_manifest_lists_are_flattened_and_empty_documents_skipped():
    text = "---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
    text += '---\n{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}}\n'
    docs = manifests.parse_documents(text, "x.yaml")
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [("ConfigMap", "a"), ("Secret", "b")]


def test_go_yaml_quotes_like_kubectl():
    text = mutation.go_yaml({"a": "2", "b": "true", "c": "line1\nline2\n", "d": [{"x": "y"}]})
    assert text == 'a: "2"\nb: "true"\nc: |\n  line1\n  line2\nd:\n- x: y\n'
