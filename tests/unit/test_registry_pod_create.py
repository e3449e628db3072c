"""A pod's create answers the same with the kept spec steps (registry.pod_create), the remembered
generateNames, the plain owner-reference check and the draw-for-draw generated names as with every step
run in full: seeded random pods (valid and invalid specs, metadata and owners, NaN, 1 / 1.0 / true, other
key orders, specs repeated so that most are found kept) are created through a registry whose kept specs
are never found and through one that finds them; the stored bytes, the events and every error match."""

from __future__ import annotations

import copy
import math
import random
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from kubeferry.api import validation
from kubeferry.cluster import bootstrap
from kubeferry.machinery import resources
from kubeferry.machinery import status as st
from kubeferry.machinery.status import StatusError
from kubeferry.registry import registry as registry_module
from kubeferry.registry.pod_create import PodSpecs
from kubeferry.registry.registry import Registry
from kubeferry.storage.store import Store

POD = resources.by_gvk("", "v1", "Pod")
NOW = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)


class _NeverFound(PodSpecs):
    """Kept specs never found: every create runs strategy, admission, defaults and validation."""

    def find(self, text, spec):
        return None


def _registry(seed: int) -> Registry:
    reg = Registry(Store(None), now=lambda: NOW, rng=random.Random(seed))
    bootstrap.ensure_system_objects(reg)
    return reg


BASE_SPECS = [
    {"containers": [{"name": "c", "image": "nginx:1.25"}]},
    {
        "containers": [
            {
                "name": "web",
                "image": "registry:5000/app",
                "ports": [{"containerPort": 8080, "name": "http"}],
                "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                "readinessProbe": {"httpGet": {"port": 8080}},
            }
        ],
        "terminationGracePeriodSeconds": 5,
    },
    {
        "initContainers": [{"name": "init", "image": "busybox"}],
        "containers": [{"name": "c", "image": "busybox", "env": [{"name": "A", "value": "1"}]}],
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}],
        "serviceAccountName": "builder",
        "volumes": [{"name": "v"}, {"name": "s", "secret": {"secretName": "x"}}],
    },
    {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}], "hostNetwork": True},
]


def _mutate(spec: dict, rng: random.Random) -> dict:
    """A variant of `spec`: some valid, some invalid, some not plain JSON."""
    spec = copy.deepcopy(spec)
    ctr = spec["containers"][0]
    choice = rng.randrange(16)
    if choice == 0:
        ctr["image"] = " nginx"  # leading whitespace: refused
    elif choice == 1:
        spec["restartPolicy"] = "Sometimes"
    elif choice == 2:
        spec["terminationGracePeriodSeconds"] = rng.choice([5.0, True, -1, 7])
    elif choice == 3:
        spec["activeDeadlineSeconds"] = rng.choice([math.nan, math.inf, None, 0])
    elif choice == 4:
        spec = dict(reversed(list(spec.items())))  # other key order
    elif choice == 5:
        ctr["resources"] = {"limits": {"cpu": rng.choice(["1", 1, 1.0])}}
    elif choice == 6:
        spec["priority"] = rng.choice([0, 5, None])
    elif choice == 7:
        spec["containers"] = []
    elif choice == 8:
        spec["nodeName"] = rng.choice(["node-1", "Node_1", ""])
    elif choice == 9:
        spec["tolerations"] = [{"operator": "Exists"}]
    return spec


def _meta(rng: random.Random) -> dict:
    meta: dict = {"generateName": rng.choice(["web-", "web-7d4b9c6f5-", "Web-", "-", "a" * 70 + "-"])}
    if rng.random() < 0.2:
        meta["name"] = rng.choice(["web-1", "web.1", "WEB", "web\n"])
    meta["labels"] = rng.choice([{"app": "web"}, {"app": "web", "pod-template-hash": "7d4b9c6f5"}, {"bad key": "x"}])
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c6f5", "uid": "u-1", "controller": True}
    owners = [owner]
    pick = rng.randrange(8)
    if pick == 0:
        owners = [owner, dict(owner, name="other")]  # two controllers
    elif pick == 1:
        owners = [dict(owner, apiVersion="apps/v1/x")]
    elif pick == 2:
        owners = [dict(owner, uid="")]
    elif pick == 3:
        owners = [dict(owner, apiVersion="v1", kind="Event")]
    meta["ownerReferences"] = owners
    if rng.random() < 0.1:
        meta["namespace"] = "other"
    return meta


def _answer(reg: Registry, body: dict, dry_run: bool) -> tuple:
    try:
        result = reg.create(POD, "default", body, dry_run=dry_run)
    except StatusError as e:
        return ("error", e.code, e.reason, e.message, orjson.dumps(e.details, default=repr))
    return ("created", orjson.dumps(result.entry.obj, option=orjson.OPT_SERIALIZE_NUMPY), result.entry.rv)


@pytest.mark.parametrize("seed", range(8))
def test_kept_spec_steps_answer_as_the_full_steps(seed, monkeypatch):
    rng = random.Random(seed)
    variants = [_mutate(rng.choice(BASE_SPECS), rng) for _ in range(12)]
    bodies = [
        {"apiVersion": "v1", "kind": "Pod", "metadata": _meta(rng), "spec": copy.deepcopy(rng.choice(variants))}
        for _ in range(120)
    ]
    dry = [rng.random() < 0.1 for _ in bodies]
    answers = {}
    for way, kept in (("full", _NeverFound()), ("kept", PodSpecs())):
        monkeypatch.setattr(registry_module, "_POD_SPECS", kept)
        reg = _registry(seed)
        seen: list = []
        reg.store.listeners.append(lambda e, seen=seen: seen.append((e.type, e.name, e.rv, e.entry.raw)))
        answers[way] = ([_answer(reg, copy.deepcopy(b), d) for b, d in zip(bodies, dry, strict=True)], seen)
        if way == "kept":
            assert kept.known, "valid specs are kept"
    assert answers["kept"] == answers["full"]
    created = [a for a in answers["full"][0] if a[0] == "created"]
    refused = [a for a in answers["full"][0] if a[0] == "error"]
    assert created and refused  # both kinds of answer were compared


def test_a_found_spec_is_a_fresh_copy_and_the_given_spec_is_left_alone():
    kept = PodSpecs()
    spec = {"containers": [{"name": "c", "image": "nginx"}]}
    text = kept.text_of(spec)
    kept.remember(text, orjson.loads(text), {"containers": [{"name": "c"}], "priority": 0}, "BestEffort")
    first, qos = kept.find(text, spec)
    second, _ = kept.find(text, spec)
    assert first == {"containers": [{"name": "c"}], "priority": 0} and qos == "BestEffort"
    assert first is not second and first["containers"] is not second["containers"]
    assert spec == {"containers": [{"name": "c", "image": "nginx"}]}


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param({"activeDeadlineSeconds": math.nan}, id="nan-written-as-null"),
        pytest.param({"activeDeadlineSeconds": math.inf}, id="infinity-written-as-null"),
    ],
)
def test_a_spec_whose_text_reads_back_otherwise_is_not_found(spec):
    kept = PodSpecs()
    plain = {"activeDeadlineSeconds": None}
    text = kept.text_of(plain)
    assert kept.text_of(spec) == text  # the same text ...
    kept.remember(text, orjson.loads(text), {"x": 1}, "BestEffort")
    assert kept.find(text, plain) is not None
    assert kept.find(text, spec) is None  # ... but not the same spec


@pytest.mark.parametrize("spec", [pytest.param({1: "x"}, id="int-key"), pytest.param({"n": 2**70}, id="big-int")])
def test_a_spec_orjson_cannot_write_has_no_text(spec):
    assert PodSpecs.text_of(spec) is None


def test_the_table_starts_over_when_full():
    kept = PodSpecs(limit=2)
    for i in range(3):
        text = orjson.dumps({"i": i})
        kept.remember(text, {"i": i}, {"i": i}, "BestEffort")
    assert list(kept.known) == [orjson.dumps({"i": 2})]


# ---- generated names ------------------------------------------------------------------------------


class _OwnRandom(random.Random):
    """A subclass: the registry asks its `choice` for each letter."""


@pytest.mark.parametrize("seed", range(5))
def test_generated_names_draw_as_random_choice(seed):
    plain, own = _registry(seed), _registry(seed)
    plain.rng, own.rng = random.Random(seed), _OwnRandom(seed)
    for i in range(300):
        meta = {"generateName": "web-" if i % 3 else "x" * 70, "namespace": "default"}
        assert plain._generate_name(POD, meta) == own._generate_name(POD, meta)
    assert plain.rng.getstate() == own.rng.getstate()


def test_a_taken_generated_name_is_drawn_again():
    reg = _registry(3)
    probe = random.Random(3)
    first = "web-" + "".join(probe.choice(registry_module.NAME_ALPHABET) for _ in range(5))
    second = "web-" + "".join(probe.choice(registry_module.NAME_ALPHABET) for _ in range(5))
    reg.create(POD, "default", {"metadata": {"name": first}, "spec": {"containers": [{"name": "c", "image": "x"}]}})
    reg.rng = random.Random(3)
    assert reg._generate_name(POD, {"generateName": "web-", "namespace": "default"}) == second


# ---- object metadata ------------------------------------------------------------------------------


def _reference_object_meta(meta, namespaced, name_fn, monkeypatch) -> list:
    """ValidateObjectMeta with every message built: name functions always called, owners always checked."""
    meta = meta or {}
    errs = []
    generate_name = meta.get("generateName") or ""
    if generate_name:
        errs += [st.invalid("metadata.generateName", generate_name, m) for m in name_fn(generate_name, True)]
    name = meta.get("name") or ""
    if not name:
        errs.append(st.required("metadata.name", "name or generateName is required"))
    else:
        errs += [st.invalid("metadata.name", name, m) for m in name_fn(name, False)]
    with monkeypatch.context() as m:
        m.setattr(validation, "_owner_references_plainly_valid", lambda refs: False)
        return errs + validation._validate_meta_common(meta, namespaced, "metadata")


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:  # noqa: BLE001 (the general path's own exceptions must match too)
        return ("raised", type(e))


_NAMES = ["web", "web-", "web-x2k9q", "Web", "web.", "web\n", "-", "a" * 253, "a" * 254, "a" * 70 + "-", "", None, 5]


def _random_owner(rng: random.Random) -> object:
    if rng.random() < 0.05:
        return rng.choice(["x", None, ["apps/v1"]])
    ref = {
        "apiVersion": rng.choice(["apps/v1", "v1", "", "/v1", "v1/", "a/b/c", "apps/v1", 5, None]),
        "kind": rng.choice(["ReplicaSet", "Event", "", None]),
        "name": rng.choice(["rs", "", None]),
        "uid": rng.choice(["u-1", "", None]),
    }
    if rng.random() < 0.5:
        ref["controller"] = rng.choice([True, False, None, 1])
    for key in list(ref):
        if rng.random() < 0.1:
            del ref[key]
    return ref


@pytest.mark.parametrize("seed", range(6))
def test_object_meta_answers_as_every_message_built(seed, monkeypatch):
    rng = random.Random(seed)
    for _ in range(400):
        meta: dict = {}
        for key in ("generateName", "name"):
            if rng.random() < 0.7:
                meta[key] = rng.choice(_NAMES)
        meta["namespace"] = rng.choice(["default", "", "Bad_ns", None])
        if rng.random() < 0.5:
            meta["labels"] = rng.choice([{"app": "web"}, {"bad key": "v"}, {}])
        if rng.random() < 0.8:
            meta["ownerReferences"] = rng.choice(
                [[_random_owner(rng) for _ in range(rng.randrange(3))], "not a list", {"apiVersion": "v1"}]
            )
        name_fn = rng.choice([validation.name_is_dns_subdomain, validation.name_is_dns_label])
        namespaced = rng.random() < 0.8
        expected = _outcome(_reference_object_meta, meta, namespaced, name_fn, monkeypatch)
        assert _outcome(validation.validate_object_meta, meta, namespaced, name_fn) == expected, meta
        # asked again: the remembered generateNames answer alike
        assert _outcome(validation.validate_object_meta, meta, namespaced, name_fn) == expected, meta


@pytest.mark.parametrize("seed", range(4))
def test_plain_owner_references_are_only_those_the_full_check_passes(seed):
    rng = random.Random(seed)
    plain_seen = 0
    for _ in range(600):
        refs = [_random_owner(rng) for _ in range(rng.randrange(4))]
        if validation._owner_references_plainly_valid(refs):
            plain_seen += 1
            assert validation._validate_owner_references(refs, "metadata.ownerReferences") == [], refs
    assert plain_seen > 10


@pytest.mark.parametrize(
    ("refs", "plain"),
    [
        pytest.param([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u"}], True, id="one"),
        pytest.param(
            [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "u", "controller": True},
                {"apiVersion": "v1", "kind": "Pod", "name": "b", "uid": "v", "controller": False},
            ],
            True,
            id="one-controller-of-two",
        ),
        pytest.param(
            [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "u", "controller": True},
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "b", "uid": "v", "controller": True},
            ],
            False,
            id="two-controllers",
        ),
        pytest.param([{"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"}], False, id="event-owner"),
        pytest.param([{"apiVersion": "a/b/c", "kind": "K", "name": "n", "uid": "u"}], False, id="two-slashes"),
        pytest.param([{"apiVersion": "v1/", "kind": "K", "name": "n", "uid": "u"}], False, id="trailing-slash"),
        pytest.param([{"kind": "K", "name": "n", "uid": "u"}], False, id="no-api-version"),
    ],
)
def test_plain_owner_references_table(refs, plain):
    assert validation._owner_references_plainly_valid(refs) is plain
    assert (validation._validate_owner_references(refs, "p") == []) is plain


def test_owner_references_not_in_a_list_take_the_full_check():
    refs = ({"apiVersion": "v1", "kind": "K", "name": "n", "uid": "u"},)
    assert validation._owner_references_plainly_valid(refs) is False
    assert validation._validate_owner_references(refs, "p") == []


# ---- deletion times ---------------------------------------------------------------------------------


def test_deletion_times_are_formatted_per_instant_and_grace():
    clock = {"now": NOW}
    reg = Registry(Store(None), now=lambda: clock["now"], rng=random.Random(1))
    rng = random.Random(5)
    for _ in range(300):
        if rng.random() < 0.2:
            clock["now"] = clock["now"] + timedelta(seconds=rng.choice([0, 1, 0.5]))
        grace = rng.choice([0, 1, True, 30, 3600])
        assert reg._deadline_text(grace) == registry_module.rfc3339(clock["now"] + timedelta(seconds=grace))


@pytest.mark.parametrize("grace", [None, 0, 5])
def test_deleting_a_pod_leaves_the_stored_object_as_it_was(grace):
    reg = _registry(2)
    body = {"metadata": {"name": "web-1", "finalizers": ["example.com/hold"]}, "spec": {"nodeName": "n1"}}
    body["spec"]["containers"] = [{"name": "c", "image": "nginx"}]
    stored = reg.create(POD, "default", body).entry
    before = copy.deepcopy(stored.obj)
    options = {} if grace is None else {"gracePeriodSeconds": grace}
    entry, removed = reg.delete(POD, "default", "web-1", options)
    assert stored.obj == before
    assert removed is False and entry.obj["metadata"]["deletionGracePeriodSeconds"] == (30 if grace is None else grace)
    assert entry.obj["metadata"]["deletionTimestamp"] == registry_module.rfc3339(
        NOW + timedelta(seconds=entry.obj["metadata"]["deletionGracePeriodSeconds"])
    )


@pytest.mark.parametrize("found", [False, True], ids=["first pod of a spec", "spec found"])
def test_priority_admission_gives_priority_0_and_its_preemption_policy(found):
    # No default PriorityClass: upstream's Priority admission sets priority 0 and PreemptLowerPriority.
    reg = _registry(0)
    spec = {"containers": [{"name": "c", "image": "nginx"}]}
    pod = resources.by_gvk("", "v1", "Pod")
    for i in range(2 if found else 1):
        made = reg.create(pod, "default", {"metadata": {"name": f"p{i}"}, "spec": copy.deepcopy(spec)}).entry.obj
    assert (made["spec"]["priority"], made["spec"]["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    never = {**spec, "preemptionPolicy": "Never"}
    kept = reg.create(pod, "default", {"metadata": {"name": "n"}, "spec": never}).entry.obj
    assert kept["spec"]["preemptionPolicy"] == "Never"
