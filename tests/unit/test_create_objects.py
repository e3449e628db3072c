"""The pure parts of `kubeferry create <generator>`: names, ports, env files and data keys as kubectl reads them."""

from __future__ import annotations

import base64
import random

import pytest

from kubeferry.cli import create_objects as co


@pytest.mark.parametrize(
    ("image", "name"),
    [
        pytest.param("nginx", "nginx", id="plain"),
        pytest.param("nginx:1.27", "nginx", id="tag"),
        pytest.param("registry.io:5000/team/app:v2", "app", id="registry-port-and-path"),
        pytest.param("busybox@sha256:abc", "busybox", id="digest"),
    ],
)
def test_container_name_from_image(image, name):
    assert co.container_name(image) == name


def test_container_name_sanitised_with_random_suffix():
    name = co.container_name("a/b_c.d:1", random.Random(7))
    assert name.startswith("b-c-d-") and len(name) == len("b-c-d-") + co.SUFFIX_LENGTH
    assert set(name[-co.SUFFIX_LENGTH :]) <= set(co.SUFFIX_ALPHABET)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("80", (80, 80), id="port-only"),
        pytest.param("80:8080", (80, 8080), id="pair"),
        pytest.param("80:http", (80, "http"), id="named-target"),
        pytest.param("0:1", (0, 1), id="zero-port-allowed"),
    ],
)
def test_port_pairs(text, expected):
    assert co.parse_port_pair(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("abc", 'strconv.ParseUint: parsing "abc": invalid syntax', id="not-a-number"),
        pytest.param("70000", 'strconv.ParseUint: parsing "70000": value out of range', id="too-big"),
        pytest.param("80:0", "must be between 1 and 65535, inclusive", id="target-zero"),
        pytest.param("80:Web", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", id="caps"),
        pytest.param("80:a--b", "must not contain consecutive hyphens", id="double-hyphen"),
    ],
)
def test_port_pair_errors(text, message):
    with pytest.raises(co.GeneratorError) as e:
        co.parse_port_pair(text)
    assert str(e.value) == message


def test_env_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FROM_ENV", "outside")
    monkeypatch.delenv("UNSET_KEY", raising=False)
    path = tmp_path / "e.env"
    path.write_text("\ufeff# comment\n\n  a=1\nb= two=2\nFROM_ENV\nUNSET_KEY\n")
    assert co.read_env_file(str(path)) == [("a", "1"), ("b", " two=2"), ("FROM_ENV", "outside")]


def test_env_file_bad_key(tmp_path):
    path = tmp_path / "e.env"
    path.write_text("1x=2\n")
    with pytest.raises(co.GeneratorError, match='^"1x" is not a valid key name: a valid environment variable'):
        co.read_env_file(str(path))


def test_configmap_binary_file_goes_to_binary_data(tmp_path):
    (tmp_path / "blob").write_bytes(b"\xff\x00")
    obj = co.configmap("cm", None, ["z=1"], [str(tmp_path / "blob")])
    assert obj["data"] == {"z": "1"}
    assert obj["binaryData"] == {"blob": "/wA="}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(["=x"], "key name for file path x missing", id="empty-key"),
        pytest.param(["k="], "file path for key name k missing", id="empty-path"),
    ],
)
def test_file_source_errors(files, message):
    with pytest.raises(co.GeneratorError) as e:
        co.configmap("cm", None, [], files)
    assert str(e.value) == message


def test_deployment_port_only_on_first_container_in_field_order():
    obj = co.deployment("web", "ns", ["a", "b"], 2, 80, ["sleep", "1"])
    first, second = obj["spec"]["template"]["spec"]["containers"]
    assert list(first) == ["name", "image", "command", "ports", "resources"]
    assert list(second) == ["name", "image", "command", "resources"]
    assert list(obj["metadata"]) == ["name", "namespace", "labels"]


def test_docker_config_escapes_like_go():
    obj = co.secret_docker_registry("r", None, "r.io", "u", "p<&>")

    text = base64.b64decode(obj["data"][co.DOCKER_CONFIG_KEY]).decode()
    assert '"password":"p\\u003c\\u0026\\u003e"' in text


def test_job_from_cronjob_is_its_template_owned_by_it():
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "ops", "uid": "u-1", "labels": {"not": "copied"}},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "metadata": {"labels": {"app": "report"}, "annotations": {"team": "a", co.CRONJOB_INSTANTIATE: "x"}},
                "spec": {"backoffLimit": 2, "template": {"spec": {"containers": [{"name": "r", "image": "r:1"}]}}},
            },
        },
    }
    job = co.job_from_cronjob("manual-1", "ops", cronjob)
    assert job == {
        "kind": "Job",
        "apiVersion": "batch/v1",
        "metadata": {
            "name": "manual-1",
            "namespace": "ops",
            "labels": {"app": "report"},
            # kubectl sets "manual" first, then copies the template's annotations over it
            "annotations": {co.CRONJOB_INSTANTIATE: "x", "team": "a"},
            "ownerReferences": [
                {"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly", "uid": "u-1", "controller": True}
            ],
        },
        "spec": {"backoffLimit": 2, "template": {"spec": {"containers": [{"name": "r", "image": "r:1"}]}}},
        "status": {},
    }
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "changed"
    assert cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] == "r:1"


def test_job_from_cronjob_without_template_metadata():
    job = co.job_from_cronjob("j", None, {"metadata": {"name": "c", "uid": "u"}, "spec": {"jobTemplate": {"spec": {}}}})
    assert job["metadata"] == {
        "name": "j",
        "annotations": {co.CRONJOB_INSTANTIATE: "manual"},
        "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "c", "uid": "u", "controller": True}],
    }
