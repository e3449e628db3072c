"""The real kubectl's client-side validation of `kind: List` documents, which reads `GET /openapi/v2`.

For a v1 List kubectl cannot hand field validation to the server, so with the default
`--validate=true` it checks every item against the v2 definitions itself before sending anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.e2e

GOOD = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: one}
  data: {a: "1"}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: two, labels: {tier: web}}
  data: {b: "2"}
"""

SUFFIX = "; if you choose to ignore these errors, turn validation off with --validate=false\n"

MISTAKES = [
    pytest.param(
        """\
        - apiVersion: v1
          kind: ConfigMap
          metadata: {name: bad}
          colour: red
        """,
        'ValidationError(ConfigMap): unknown field "colour" in io.k8s.api.core.v1.ConfigMap',
        id="unknown-top-level-field",
    ),
    pytest.param(
        """\
        - apiVersion: v1
          kind: ConfigMap
          metadata: {name: bad, labelz: {a: b}}
        """,
        'ValidationError(ConfigMap.metadata): unknown field "labelz" in io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
        id="unknown-field-behind-a-reference",
    ),
    pytest.param(
        """\
        - apiVersion: v1
          kind: ConfigMap
          metadata: {name: bad}
          data: {a: [1]}
        """,
        'ValidationError(ConfigMap.data.a): invalid type for io.k8s.api.core.v1.ConfigMap.data: got "array", '
        'expected "string"',
        id="mistyped-map-value",
    ),
    pytest.param(
        """\
        - apiVersion: apps/v1
          kind: Deployment
          metadata: {name: bad}
          spec:
            replicas: three
            selector: {matchLabels: {app: bad}}
            template:
              metadata: {labels: {app: bad}}
              spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80, bogus: 1}]}]}
        """,
        # several errors print as a bracketed, comma-separated list
        "[ValidationError(Deployment.spec.replicas): invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: "
        'got "string", expected "integer", '
        "ValidationError(Deployment.spec.template.spec.containers[0].ports[0]): "
        'unknown field "bogus" in io.k8s.api.core.v1.ContainerPort]',
        id="two-mistakes-deep-in-a-deployment",
    ),
    pytest.param(
        """\
        - apiVersion: v1
          kind: Service
          metadata: {name: bad}
          spec: {ports: [{}]}
        """,
        'ValidationError(Service.spec.ports[0]): missing required field "port" in io.k8s.api.core.v1.ServicePort',
        id="missing-required-field",
    ),
    pytest.param(
        """\
        - kind: ConfigMap
          metadata: {name: bad}
        """,
        "apiVersion not set",
        id="item-without-apiVersion",
    ),
]


def _names(server, ns: str) -> list[str]:
    result = server.kubectl("get", "configmaps,deployments,services", "-n", ns, "-o", "json")
    assert result.returncode == 0, result.stderr
    return sorted(item["metadata"]["name"] for item in json.loads(result.stdout)["items"])


def _list_with(item: str) -> str:
    """GOOD with one more item (given as an indented YAML list entry) at the end."""
    return GOOD + textwrap.dedent(item)


@pytest.mark.parametrize("verb", ["apply", "create"])
def test_valid_list_is_created_with_default_validation(server, ns, tmp_path, verb):
    path = tmp_path / "list.yaml"
    path.write_text(GOOD)
    result = server.kubectl(verb, "-n", ns, "-f", str(path))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "configmap/one created\nconfigmap/two created\n"
    assert {"one", "two"} <= set(_names(server, ns))
    labels = json.loads(server.kubectl("get", "configmap", "two", "-n", ns, "-o", "json").stdout)["metadata"]["labels"]
    assert labels == {"tier": "web"}


@pytest.mark.parametrize("verb", ["apply", "create"])
@pytest.mark.parametrize(("item", "message"), MISTAKES)
def test_mistake_in_one_item_refuses_the_whole_list(server, ns, tmp_path, verb, item, message):
    path = tmp_path / "list.yaml"
    path.write_text(_list_with(item))
    before = _names(server, ns)
    result = server.kubectl(verb, "-n", ns, "-f", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f'error: error validating "{path}": error validating data: {message}{SUFFIX}'
    assert _names(server, ns) == before  # nothing was sent


def test_several_mistaken_items_are_listed_together(server, ns, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text(_list_with(MISTAKES[0].values[0]) + textwrap.dedent(MISTAKES[1].values[0]).replace("bad", "worse"))
    result = server.kubectl("apply", "-n", ns, "-f", str(path))
    assert result.returncode == 1
    assert result.stderr == (
        f'error: error validating "{path}": error validating data: [{MISTAKES[0].values[1]}, {MISTAKES[1].values[1]}]'
        + SUFFIX
    )


def test_validate_false_skips_the_client_side_check(server, ns, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text(_list_with(MISTAKES[0].values[0]))
    result = server.kubectl("apply", "--validate=false", "-n", ns, "-f", str(path))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "configmap/one created\nconfigmap/two created\nconfigmap/bad created\n"


def test_list_item_of_a_kind_without_definition_is_not_checked(server, ns, tmp_path):
    """kubectl skips items whose kind has no v2 definition; the mapping error then comes from the REST mapper."""
    path = tmp_path / "list.yaml"
    path.write_text(
        _list_with(
            """\
            - apiVersion: example.com/v1
              kind: Widget
              metadata: {name: w}
              spec: {anything: 1}
            """
        )
    )
    result = server.kubectl("apply", "-n", ns, "-f", str(path))
    assert result.returncode == 1
    assert "error validating" not in result.stderr
    assert 'no matches for kind "Widget" in version "example.com/v1"' in result.stderr


def test_explain_reads_the_v2_document(server):
    result = server.kubectl("explain", "configmap.data", "--output", "plaintext-openapiv2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("KIND:     ConfigMap\nVERSION:  v1\n\nFIELD:    data <map[string]string>\n")


def test_raw_get_is_the_json_document(server):
    result = server.kubectl("get", "--raw", "/openapi/v2")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["swagger"] == "2.0"
    assert doc["definitions"]["io.k8s.api.core.v1.ConfigMap"]["x-kubernetes-group-version-kind"] == [
        {"group": "", "kind": "ConfigMap", "version": "v1"}
    ]


def _fetch(server, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    import ssl
    import urllib.error
    import urllib.request

    from kubeferry.cluster import certs

    context = ssl.create_default_context(cafile=str(server.data_dir / certs.CA_CERT))
    request = urllib.request.Request(
        server.url + "/openapi/v2", headers={"Authorization": f"Bearer {server.token}", **headers}
    )
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_protobuf_answer_and_etag_revalidation(server):
    from kubeferry.apiserver.openapi_v2_messages import decode_document

    code, headers, body = _fetch(server, {"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
    assert code == 200
    assert headers["content-type"] == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    assert decode_document(body)["definitions"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    code, json_headers, _ = _fetch(server, {"Accept": "application/json"})
    assert (code, json_headers["content-type"], json_headers["etag"]) == (200, "application/json", headers["etag"])
    code, _, body = _fetch(server, {"Accept": "application/json", "If-None-Match": headers["etag"]})
    assert (code, body) == (304, b"")
    assert _fetch(server, {"Accept": "text/html"})[0] == 406


EDITOR = """\
import os, sys
path, log = sys.argv[1], os.environ["EDIT_LOG"]
os.makedirs(log, exist_ok=True)
turn = len(os.listdir(log))
text = open(path).read()
open(os.path.join(log, str(turn)), "w").write(text)
if turn == 0:  # the first opening gets an unknown field in the first item; later ones are saved as shown
    open(path, "w").write(text.replace("  data:\\n", "  colour: red\\n  data:\\n", 1))
"""


def test_edit_of_several_objects_is_validated_as_a_list(server, ns, tmp_path):
    """`kubectl edit` of two objects opens one v1 List: the unknown field is caught client-side and the file reopened."""
    path = tmp_path / "list.yaml"
    path.write_text(GOOD)
    assert server.kubectl("apply", "-n", ns, "-f", str(path)).returncode == 0
    script, log = tmp_path / "editor.py", tmp_path / "seen"
    script.write_text(EDITOR)
    env = server.env({"KUBE_EDITOR": f"{sys.executable} {script}", "EDIT_LOG": str(log)})
    result = subprocess.run(
        server.kubectl_argv("edit", "configmap", "one", "two", "-n", ns),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == 'error: configmaps "one" is invalid'
    assert lines[1].startswith("A copy of your changes has been stored to ")
    assert lines[2:] == ["error: Edit cancelled, no valid changes were saved."]
    reopened = (log / "1").read_text().splitlines()
    assert reopened[4:7] == [
        '# configmaps "one" was not valid:',
        '# * <nil>: Invalid value: "The edited file failed validation": '
        'ValidationError(ConfigMap): unknown field "colour" in io.k8s.api.core.v1.ConfigMap',
        "#",
    ]
    assert "  colour: red" in reopened
    stored = json.loads(server.kubectl("get", "configmap", "one", "-n", ns, "-o", "json").stdout)
    assert "colour" not in stored
