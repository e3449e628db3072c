"""The informer's list → watch → relist-on-410 loop, stepped against a scripted fake transport."""

from __future__ import annotations

import pytest

from kubeferry.client.https import ListResult
from kubeferry.client.informer import Informer, InformerState
from kubeferry.machinery.status import StatusError


def cm(name: str, rv: str, ns: str = "default") -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "resourceVersion": rv}}


def ev(kind: str, obj: dict) -> dict:
    return {"type": kind, "object": obj}


GONE = StatusError(410, "Expired", "too old resource version: 3 (9)")


class FakeTransport:
    """Plays scripted list results and watch streams; records the calls the informer makes."""

    def __init__(self, lists: list[ListResult], watches: list[list]):
        self.lists = list(lists)
        self.watches = list(watches)
        self.calls: list[tuple] = []

    def list_objects(self, api_version, kind, namespace=None, *, label_selector="", field_selector=""):
        self.calls.append(("list", namespace, label_selector))
        return self.lists.pop(0)

    def watch(
        self, api_version, kind, namespace=None, *, resource_version="", timeout_seconds=None, bookmarks=False, **_
    ):
        self.calls.append(("watch", resource_version, bookmarks))
        script = self.watches.pop(0) if self.watches else [KeyboardInterrupt()]
        for item in script:
            if isinstance(item, BaseException):
                raise item
            yield item


def run(transport, limit: int = 100, **kwargs) -> tuple[list[tuple[str, str, str]], Informer]:
    informer = Informer(
        transport, "v1", "ConfigMap", "default", sleep=lambda s: transport.calls.append(("sleep", s)), **kwargs
    )
    seen = []
    with pytest.raises(KeyboardInterrupt):  # the fake's way of ending the script
        for kind, obj in informer.events():
            seen.append((kind, obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))
            if len(seen) >= limit:
                break
        else:
            return seen, informer
    return seen, informer


def test_list_then_watch_from_the_list_resource_version():
    transport = FakeTransport(
        [ListResult([cm("a", "2"), cm("b", "3")], "5")],
        [
            [
                ev("MODIFIED", cm("a", "6")),
                ev("BOOKMARK", {"metadata": {"resourceVersion": "8"}}),
                ev("DELETED", cm("b", "9")),
            ],
            [ev("ADDED", cm("c", "10"))],
        ],
    )
    seen, informer = run(transport, label_selector="app=web")
    assert seen == [
        ("ADDED", "a", "2"),
        ("ADDED", "b", "3"),
        ("MODIFIED", "a", "6"),
        ("DELETED", "b", "9"),
        ("ADDED", "c", "10"),
    ]
    assert transport.calls[:3] == [("list", "default", "app=web"), ("watch", "5", True), ("watch", "9", True)]
    assert sorted(informer.cache) == [("default", "a"), ("default", "c")]
    assert informer.state.resource_version == "10"


def test_410_relists_and_reports_the_difference():
    transport = FakeTransport(
        [ListResult([cm("a", "2"), cm("b", "3")], "3"), ListResult([cm("a", "7"), cm("c", "8")], "9")],
        [[GONE], [ev("MODIFIED", cm("c", "11"))]],
    )
    seen, informer = run(transport)
    assert seen == [
        ("ADDED", "a", "2"),
        ("ADDED", "b", "3"),
        ("DELETED", "b", "3"),
        ("MODIFIED", "a", "7"),
        ("ADDED", "c", "8"),
        ("MODIFIED", "c", "11"),
    ]
    assert [c for c in transport.calls if c[0] != "sleep"][:4] == [
        ("list", "default", ""),
        ("watch", "3", True),
        ("list", "default", ""),
        ("watch", "9", True),
    ]
    assert informer.relists == 2


def test_connection_errors_back_off_and_resume_from_the_last_version():
    transport = FakeTransport(
        [ListResult([cm("a", "2")], "2")],
        [
            [ev("MODIFIED", cm("a", "4")), ConnectionRefusedError()],
            [ConnectionRefusedError()],
            [ev("MODIFIED", cm("a", "5"))],
        ],
    )
    seen, _ = run(transport)
    assert seen == [("ADDED", "a", "2"), ("MODIFIED", "a", "4"), ("MODIFIED", "a", "5")]
    assert transport.calls[1:6] == [
        ("watch", "2", True),
        ("sleep", 0.2),
        ("watch", "4", True),
        ("sleep", 0.4),
        ("watch", "4", True),
    ]


def test_other_status_errors_propagate():
    transport = FakeTransport([ListResult([], "1")], [[StatusError(403, "Forbidden", "no")]])
    informer = Informer(transport, "v1", "ConfigMap")
    with pytest.raises(StatusError) as e:
        list(informer.events())
    assert e.value.code == 403


@pytest.mark.parametrize(
    "cached, items, changes",
    [
        pytest.param([], [cm("a", "1")], [("ADDED", "a")], id="new"),
        pytest.param([cm("a", "1")], [cm("a", "1")], [], id="unchanged-is-silent"),
        pytest.param([cm("a", "1")], [cm("a", "2")], [("MODIFIED", "a")], id="changed"),
        pytest.param([cm("a", "1"), cm("b", "1")], [cm("b", "1")], [("DELETED", "a")], id="vanished"),
        pytest.param(
            [cm("x", "1", "ns1")], [cm("x", "1", "ns2")], [("DELETED", "x"), ("ADDED", "x")], id="keyed-by-namespace"
        ),
    ],
)
def test_replace(cached, items, changes):
    state = InformerState()
    state.replace(cached, "1")
    assert [(k, o["metadata"]["name"]) for k, o in state.replace(items, "2")] == changes
    assert state.resource_version == "2" and not state.needs_list


def test_apply_repeated_added_is_modified_and_bookmarks_are_silent():
    state = InformerState()
    state.replace([cm("a", "1")], "1")
    assert state.apply(ev("ADDED", cm("a", "3")))[0] == "MODIFIED"
    assert state.apply(ev("BOOKMARK", {"metadata": {"resourceVersion": "7"}})) is None
    assert state.resource_version == "7"
    assert state.apply(ev("DELETED", cm("a", "8")))[0] == "DELETED" and state.cache == {}
