"""The sans-I/O client core: request building, response decoding, Warning headers, watch decoding."""

from __future__ import annotations

import json

import pytest

from kubeferry.client import request as rq
from kubeferry.machinery.resources import by_api_version_kind
from kubeferry.machinery.status import StatusError

CM = by_api_version_kind("v1", "ConfigMap")
DEPLOY = by_api_version_kind("apps/v1", "Deployment")
NODE = by_api_version_kind("v1", "Node")
NS = by_api_version_kind("v1", "Namespace")


@pytest.mark.parametrize(
    "res, namespace, name, sub, path",
    [
        pytest.param(CM, "default", "", "", "/api/v1/namespaces/default/configmaps", id="core-namespaced-collection"),
        pytest.param(CM, None, "", "", "/api/v1/configmaps", id="core-all-namespaces"),
        pytest.param(CM, "default", "cm", "", "/api/v1/namespaces/default/configmaps/cm", id="core-namespaced-object"),
        pytest.param(
            DEPLOY, "shop", "web", "", "/apis/apps/v1/namespaces/shop/deployments/web", id="group-namespaced-object"
        ),
        pytest.param(
            DEPLOY,
            "shop",
            "web",
            "scale",
            "/apis/apps/v1/namespaces/shop/deployments/web/scale",
            id="scale-subresource",
        ),
        pytest.param(
            DEPLOY,
            "shop",
            "web",
            "status",
            "/apis/apps/v1/namespaces/shop/deployments/web/status",
            id="status-subresource",
        ),
        pytest.param(NODE, "ignored", "n1", "", "/api/v1/nodes/n1", id="cluster-scoped-ignores-namespace"),
        pytest.param(
            NS, "", "kube-system", "finalize", "/api/v1/namespaces/kube-system/finalize", id="namespace-finalize"
        ),
        pytest.param(
            CM, "default", "a b/c", "", "/api/v1/namespaces/default/configmaps/a%20b%2Fc", id="name-is-escaped"
        ),
    ],
)
def test_paths(res, namespace, name, sub, path):
    assert rq.path_for(res, namespace, name, sub) == path


@pytest.mark.parametrize(
    "request_, method, target, content_type",
    [
        pytest.param(rq.get(CM, "default", "cm"), "GET", "/api/v1/namespaces/default/configmaps/cm", "", id="get"),
        pytest.param(
            rq.list_(
                DEPLOY,
                "shop",
                label_selector="app=web,tier in (a,b)",
                field_selector="metadata.name=web",
                limit=500,
                continue_="tok/+=",
            ),
            "GET",
            "/apis/apps/v1/namespaces/shop/deployments?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=metadata.name%3Dweb&limit=500&continue=tok%2F%2B%3D",
            "",
            id="list-query-encoding",
        ),
        pytest.param(
            rq.watch(CM, "default", resource_version="42", timeout_seconds=30),
            "GET",
            "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=30",
            "",
            id="classic-watch",
        ),
        pytest.param(
            rq.watch(DEPLOY, "shop", send_initial_events=True, field_selector="metadata.name=web", timeout_seconds=60),
            "GET",
            "/apis/apps/v1/namespaces/shop/deployments?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dweb&timeoutSeconds=60",
            "",
            id="watch-list",
        ),
        pytest.param(
            rq.create(
                CM,
                "default",
                {"metadata": {"name": "x"}},
                dry_run=True,
                field_manager="kubectl-create",
                field_validation="Strict",
            ),
            "POST",
            "/api/v1/namespaces/default/configmaps?dryRun=All&fieldManager=kubectl-create&fieldValidation=Strict",
            "application/json",
            id="create-with-write-params",
        ),
        pytest.param(
            rq.update(DEPLOY, "shop", {"metadata": {"name": "web"}}, "scale"),
            "PUT",
            "/apis/apps/v1/namespaces/shop/deployments/web/scale",
            "application/json",
            id="update-subresource",
        ),
        pytest.param(
            rq.patch(DEPLOY, "shop", "web", {}, "strategic"),
            "PATCH",
            "/apis/apps/v1/namespaces/shop/deployments/web",
            "application/strategic-merge-patch+json",
            id="patch-strategic",
        ),
        pytest.param(
            rq.patch(DEPLOY, "shop", "web", {}, "merge"),
            "PATCH",
            "/apis/apps/v1/namespaces/shop/deployments/web",
            "application/merge-patch+json",
            id="patch-merge",
        ),
        pytest.param(
            rq.patch(DEPLOY, "shop", "web", [], rq.JSON_PATCH),
            "PATCH",
            "/apis/apps/v1/namespaces/shop/deployments/web",
            "application/json-patch+json",
            id="patch-json",
        ),
        pytest.param(
            rq.patch(DEPLOY, "shop", "web", {}, "apply", field_manager="kubectl", force=True),
            "PATCH",
            "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl&force=true",
            "application/apply-patch+yaml",
            id="patch-server-side-apply",
        ),
        pytest.param(
            rq.delete(CM, "default", "cm"),
            "DELETE",
            "/api/v1/namespaces/default/configmaps/cm",
            "",
            id="delete-without-options",
        ),
        pytest.param(
            rq.raw("post", "/kubeferry/v1/clock/advance?x=1", {"seconds": 5}),
            "POST",
            "/kubeferry/v1/clock/advance?x=1",
            "application/json",
            id="raw-keeps-query",
        ),
    ],
)
def test_requests(request_, method, target, content_type):
    assert (request_.method, request_.target, request_.header("Content-Type")) == (method, target, content_type)


def test_delete_options_travel_in_the_body_with_dry_run():
    request = rq.delete(DEPLOY, "shop", "web", {"propagationPolicy": "Foreground"}, dry_run=True)
    assert json.loads(request.body) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Foreground",
        "dryRun": ["All"],
    }
    assert request.target == "/apis/apps/v1/namespaces/shop/deployments/web"


def test_bodies_and_accept():
    request = rq.patch(CM, "default", "cm", {"data": {"k": "v"}}, "merge")
    assert request.body == b'{"data":{"k":"v"}}'
    assert request.header("Accept") == "application/json"
    assert rq.patch(CM, "default", "cm", '{"raw":true}', "merge").body == b'{"raw":true}'


@pytest.mark.parametrize(
    "kwargs, error",
    [
        pytest.param(
            {"patch_type": "bogus"},
            "unknown patch type 'bogus': expected one of strategic, merge, json, apply",
            id="unknown-type",
        ),
        pytest.param(
            {"patch_type": "apply"}, "a server-side apply patch needs a field manager", id="apply-needs-manager"
        ),
    ],
)
def test_patch_type_errors(kwargs, error):
    with pytest.raises(ValueError) as e:
        rq.patch(CM, "default", "cm", {}, **kwargs)
    assert str(e.value) == error


# -- responses ------------------------------------------------------------------------------------

NOT_FOUND = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": 'configmaps "nope" not found',
    "reason": "NotFound",
    "details": {"name": "nope", "kind": "configmaps"},
    "code": 404,
}
GET_CM = rq.get(CM, "default", "nope")
LIST_CM = rq.list_(CM, "default")
POST_CM = rq.create(CM, "default", {})
RAW = rq.raw("GET", "/healthz")


@pytest.mark.parametrize(
    "request_, status, content_type, body, code, reason, message",
    [
        pytest.param(
            GET_CM,
            404,
            "application/json",
            json.dumps(NOT_FOUND),
            404,
            "NotFound",
            'configmaps "nope" not found',
            id="status-body",
        ),
        pytest.param(
            GET_CM,
            404,
            "text/html",
            "<html>404</html>",
            404,
            "NotFound",
            "the server could not find the requested resource (get configmaps nope)",
            id="non-status-404-named",
        ),
        pytest.param(
            RAW,
            404,
            "text/plain",
            "404 page not found",
            404,
            "NotFound",
            "the server could not find the requested resource",
            id="non-status-404-raw",
        ),
        pytest.param(
            LIST_CM,
            503,
            "text/html",
            "<h1>down</h1>",
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request (get configmaps)",
            id="non-status-503",
        ),
        pytest.param(
            RAW,
            500,
            "text/plain",
            "boom\n",
            500,
            "InternalError",
            'an error on the server ("boom") has prevented the request from succeeding',
            id="text-500-keeps-text",
        ),
        pytest.param(
            RAW,
            502,
            "text/html",
            "<b>bad gateway</b>",
            502,
            "InternalError",
            'an error on the server ("unknown") has prevented the request from succeeding',
            id="html-5xx-unknown",
        ),
        pytest.param(
            POST_CM,
            409,
            "text/plain",
            "",
            409,
            "AlreadyExists",
            "the server reported a conflict (post configmaps)",
            id="post-409-is-already-exists",
        ),
        pytest.param(
            RAW, 403, "text/plain", "nope, not you", 403, "Forbidden", "nope, not you", id="403-keeps-server-text"
        ),
        pytest.param(
            RAW,
            418,
            "text/plain",
            "teapot",
            418,
            "",
            "the server responded with the status code 418 but did not return more information",
            id="unknown-code",
        ),
        pytest.param(
            RAW,
            401,
            "application/json",
            "{}",
            401,
            "Unauthorized",
            "the server has asked for the client to provide credentials",
            id="json-but-not-status",
        ),
    ],
)
def test_decode_errors(request_, status, content_type, body, code, reason, message):
    with pytest.raises(StatusError) as e:
        rq.decode(request_, status, [("Content-Type", content_type)], body.encode())
    assert (e.value.code, e.value.reason, e.value.message) == (code, reason, message)


def test_status_error_keeps_details():
    with pytest.raises(StatusError) as e:
        rq.decode(GET_CM, 404, [("Content-Type", "application/json")], json.dumps(NOT_FOUND).encode())
    assert e.value.details == {"name": "nope", "kind": "configmaps"}


def test_decode_success_with_warnings():
    headers = [
        ("Content-Type", "application/json"),
        ("Warning", '299 - "unknown field \\"spec.bogus\\""'),
        ("warning", '299 - "second"'),
    ]
    response = rq.decode(GET_CM, 200, headers, b'{"kind":"ConfigMap"}')
    assert response.json() == {"kind": "ConfigMap"}
    assert response.warnings == ['unknown field "spec.bogus"', "second"]


@pytest.mark.parametrize(
    "values, texts",
    [
        pytest.param(['299 - "plain"'], ["plain"], id="one"),
        pytest.param(['299 - "a, with comma", 299 - "b"'], ["a, with comma", "b"], id="comma-separated"),
        pytest.param(['299 kube-apiserver "x" "Tue, 15 Nov 1994 08:12:31 GMT"'], ["x"], id="agent-and-date"),
        pytest.param(['299 - "esc \\\\ and \\" quote"'], ['esc \\ and " quote'], id="escapes"),
        pytest.param(["not a warning"], ["not a warning"], id="malformed-kept"),
    ],
)
def test_parse_warnings(values, texts):
    assert rq.parse_warnings(values) == texts


# -- watch ----------------------------------------------------------------------------------------


def event(kind: str, name: str, rv: str, **meta) -> bytes:
    obj = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": name, "resourceVersion": rv, **meta}}
    return json.dumps({"type": kind, "object": obj}).encode() + b"\n"


EXPIRED = (
    json.dumps(
        {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": "too old resource version: 5 (90)",
                "reason": "Expired",
                "code": 410,
            },
        }
    ).encode()
    + b"\n"
)


@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000], ids=lambda n: f"chunks-of-{n}")
def test_watch_decoder_any_chunking(chunk):
    stream = (
        event("ADDED", "a", "10")
        + event("MODIFIED", "a", "11")
        + event("BOOKMARK", "", "12")
        + event("DELETED", "a", "13")
    )
    decoder = rq.WatchDecoder("9")
    events = []
    for i in range(0, len(stream), chunk):
        events.extend(decoder.feed(stream[i : i + chunk]))
    assert [(e["type"], e["object"]["metadata"]["resourceVersion"]) for e in events] == [
        ("ADDED", "10"),
        ("MODIFIED", "11"),
        ("DELETED", "13"),
    ]
    assert decoder.resource_version == "13"


def test_watch_decoder_bookmarks_move_the_resource_version():
    decoder = rq.WatchDecoder("1", bookmarks=True)
    events = decoder.feed(event("BOOKMARK", "", "50", annotations={rq.INITIAL_EVENTS_END: "true"}))
    assert [e["type"] for e in events] == ["BOOKMARK"]
    assert (decoder.resource_version, decoder.initial_events_done) == ("50", True)
    hidden = rq.WatchDecoder("1")
    assert hidden.feed(event("BOOKMARK", "", "60")) == [] and hidden.resource_version == "60"


def test_watch_decoder_final_line_without_newline():
    decoder = rq.WatchDecoder()
    assert decoder.feed(event("ADDED", "a", "3")[:-1]) == []
    assert [e["type"] for e in decoder.close()] == ["ADDED"]
    assert decoder.resource_version == "3"


def test_watch_decoder_410_error_event():
    decoder = rq.WatchDecoder("5")
    with pytest.raises(StatusError) as e:
        decoder.feed(event("ADDED", "a", "6") + EXPIRED)
    assert (e.value.code, e.value.reason, e.value.message) == (410, "Expired", "too old resource version: 5 (90)")
    assert rq.is_gone(e.value)
    assert not rq.is_gone(StatusError(404, "NotFound", "x"))


@pytest.mark.parametrize(
    "line, message",
    [
        pytest.param(b"{not json\n", "unable to decode an event from the watch stream: ", id="bad-json"),
        pytest.param(
            b'{"type":"ADDED"}\n', "unable to decode an event from the watch stream: no object", id="no-object"
        ),
        pytest.param(b'{"type":"WAT","object":{}}\n', "unknown watch event type 'WAT'", id="unknown-type"),
    ],
)
def test_watch_decoder_garbage(line, message):
    with pytest.raises(StatusError) as e:
        rq.WatchDecoder().feed(line)
    assert e.value.message.startswith(message)
