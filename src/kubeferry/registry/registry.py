"""The request pipeline for every resource: default → admit → validate → store.

`Registry` is what the HTTP layer and the in-process client both call.  Each write follows
kube-apiserver's generic registry:

- create: metadata filled in (uid, creationTimestamp, generateName), strategy, admission,
  defaulting, validation, then the store (409 AlreadyExists on a taken name);
- update (PUT and the result of every PATCH): optimistic concurrency on
  `metadata.resourceVersion`, strategy (status or spec kept), defaulting, validation; a write
  that changes nothing is not stored and keeps its resourceVersion;
- delete: preconditions, finalizers and graceful deletion set `deletionTimestamp` instead of
  removing; `propagationPolicy` is recorded as the `foregroundDeletion`/`orphan` finalizer;
- dryRun runs everything but the store.

Errors are `StatusError`s worded as upstream words them.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from kubeferry.api import defaults as api_defaults
from kubeferry.api import validation as api_validation
from kubeferry.machinery import status as st
from kubeferry.machinery.clock import parse_time
from kubeferry.machinery.names import ALPHANUMS, MAX_GENERATED_NAME_LENGTH, RANDOM_LENGTH
from kubeferry.machinery.podutil import format_time
from kubeferry.machinery.resources import Resource, by_gvk, storage_key
from kubeferry.registry import admission, allocator, strategy
from kubeferry.registry.pod_create import PodSpecs
from kubeferry.storage.store import Entry, Store

FOREGROUND_FINALIZER = "foregroundDeletion"
BINDING = "binding"  # the pods subresource the scheduler binds through (in process)
POD_SCHEDULED = "PodScheduled"  # the condition binding sets
ORPHAN_FINALIZER = "orphan"
# PUT may create these kinds when the object is missing (AllowCreateOnUpdate upstream).
CREATE_ON_UPDATE = frozenset({"Endpoints", "Event", "Lease", "Node", "EndpointSlice"})
# Kinds whose DELETE answers with the object itself rather than a Success Status.
RETURNS_DELETED_OBJECT = frozenset({"Pod", "Service", "Namespace", "Node", "PersistentVolume", "PersistentVolumeClaim"})


# generateName: the first 58 characters of the prefix and 5 random characters of names.ALPHANUMS (upstream's
# SimpleNameGenerator), tried up to 8 times against the names already taken.
NAME_ALPHABET = ALPHANUMS
GENERATE_NAME_BASE_MAX = MAX_GENERATED_NAME_LENGTH
GENERATE_NAME_SUFFIX = RANDOM_LENGTH
GENERATE_NAME_ATTEMPTS = 8
# random.Random.choice(seq) draws getrandbits(k), k = len(seq).bit_length(), until the draw is below
# len(seq): for the 27 letters k = 5 (draws 27..31 are thrown away and drawn again).
_ALPHABET_SIZE = len(NAME_ALPHABET)
_ALPHABET_BITS = _ALPHABET_SIZE.bit_length()


# uuid.UUID(int=n, version=4) sets the version nibble (hex digit 12) to 4 and the variant bits of hex
# digit 16 to 10 (RFC 4122): that digit d becomes (d & 3) | 8, e.g. "f" -> "b", "4" -> "8".
_VARIANT_DIGIT = {f"{d:x}": f"{(d & 0x3) | 0x8:x}" for d in range(16)}


def _uuid4(bits: int) -> str:
    """str(uuid.UUID(int=bits, version=4)) for 0 <= bits < 2**128, without building the UUID object: the
    bits' 32 hex digits in 8-4-4-4-12 groups, the version and variant digits set in the text."""
    h = "%032x" % bits  # noqa: UP031 (the %-format of a large int is the quickest here)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT_DIGIT[h[16]]}{h[17:20]}-{h[20:]}"


# The metadata of an Event as recorders build it, once the registry has filled in its fields.
_PLAIN_EVENT_META = frozenset({"name", "namespace", "uid", "creationTimestamp"})
# ... and as they send it.
_GIVEN_PLAIN_EVENT_META = frozenset({"name", "namespace"})


def _plain_event_errors(obj: dict) -> list | None:
    """Create validation of a core/v1 Event whose metadata is only name and namespace, or None for others.

    Controllers and kubelets write most of the cluster's objects as such Events.  For them the full
    validation (ValidateObjectMeta plus the Event rule) comes down to the checks below, in the same
    order and words; labels, annotations, owners, finalizers and generation are absent.
    tests/unit/test_registry_event_fast_path.py holds both answers equal.
    """
    meta = obj["metadata"]
    if not meta.keys() <= _PLAIN_EVENT_META:
        return None
    name, namespace = meta.get("name") or "", meta.get("namespace") or ""
    involved = (obj.get("involvedObject") or {}).get("namespace") or ""
    if (
        api_validation.is_valid_subdomain_name(name)
        and api_validation.is_valid_namespace_name(namespace)
        and (not involved or involved == namespace)
    ):
        return []
    errors = []
    if not name:
        errors.append(st.required("metadata.name", "name or generateName is required"))
    else:
        errors += [st.invalid("metadata.name", name, m) for m in api_validation.name_is_dns_subdomain(name, False)]
    if not namespace:
        errors.append(st.required("metadata.namespace"))
    else:
        errors += [
            st.invalid("metadata.namespace", namespace, m)
            for m in api_validation.validate_namespace_name(namespace, False)
        ]
    if involved and involved != namespace:
        errors.append(st.invalid("involvedObject.namespace", involved, "does not match event.namespace"))
    return errors


# What creating a pod made of each spec seen (see registry.pod_create); shared, as the validation memos are.
_POD_SPECS = PodSpecs()

# core/v1 Event, for `Registry.create_event`.
_EVENT = by_gvk("", "v1", "Event")
_EVENT_KEY = storage_key(_EVENT)


def rfc3339(moment: datetime) -> str:
    return format_time(moment)


@dataclass
class WriteResult:
    entry: Entry
    created: bool = False
    warnings: tuple[str, ...] = ()


class Registry:
    """The API's behaviour, independent of HTTP."""

    def __init__(self, store: Store, now: Callable[[], datetime] | None = None, rng: random.Random | None = None):
        self.store = store
        self.now = now or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()
        # creationTimestamp's text for the last instant seen (on a virtual clock thousands of writes
        # share one instant; datetimes are immutable, so the same object has the same text).
        self._stamped: datetime | None = None
        self._stamp = ""
        # Deletion times' texts by grace period for the instant `_deadlines_at` (see `_deadline_text`).
        self._deadlines_at: datetime | None = None
        self._deadlines: dict[int, str] = {}

    # ---- reads -------------------------------------------------------------------------------

    def get(self, res: Resource, namespace: str, name: str) -> Entry:
        entry = self.store.get(storage_key(res), namespace if res.namespaced else "", name)
        if entry is None:
            raise st.not_found(res.plural, res.group, name)
        return entry

    def list(
        self, res: Resource, namespace: str | None, predicate: Callable[[dict], bool] | None = None
    ) -> list[Entry]:
        ns = namespace if res.namespaced and namespace else None
        entries = self.store.list(storage_key(res), ns)
        if predicate is None:
            return list(entries)
        return [e for e in entries if predicate(e.obj)]

    # ---- create ------------------------------------------------------------------------------

    def create(self, res: Resource, namespace: str, obj: dict, *, dry_run: bool = False) -> WriteResult:
        obj = self._check_type(res, obj)
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise st.bad_request("metadata must be an object")
        self._settle_namespace(res, namespace, meta)
        if not meta.get("name"):
            generate = meta.get("generateName")
            if generate:
                meta["name"] = self._generate_name(res, meta)
            else:
                raise st.invalid_object(
                    res.kind, res.group, "", [st.required("metadata.name", "name or generateName is required")]
                )
        name = meta["name"]
        # An Event as the recorders write it (only a name and a namespace in its metadata): nothing to
        # drop, and the strategy, admission and defaults have nothing to do for a core Event.
        plain_event = res.kind == "Event" and not res.group and meta.keys() <= _GIVEN_PLAIN_EVENT_META
        if not plain_event:
            for dropped in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
                meta.pop(dropped, None)
        meta["uid"] = _uuid4(self.rng.getrandbits(128))
        meta["creationTimestamp"] = self._now_text()
        admission.check_namespace(self.store, res, meta.get("namespace", ""), creating=True)
        errors = None
        steps = not plain_event  # strategy, admission and defaults still to run
        # A core Pod's spec as given: its text, and what the spec steps made of it if seen before.
        spec_text = given_spec = None
        if res.kind == "Pod" and not res.group and obj.get("spec").__class__ is dict:
            spec = obj["spec"]
            spec_text = _POD_SPECS.text_of(spec)
            made = _POD_SPECS.find(spec_text, spec) if spec_text is not None else None
            if made is not None:
                # strategy.prepare_create, admission and defaults as they would go for this spec, then
                # the pod's create validation, whose spec part found nothing in it before.
                obj.pop("status", None)
                meta["generation"] = 1
                obj["status"] = {"phase": "Pending", "qosClass": made[1]}
                obj["spec"] = made[0]
                errors = api_validation.validate_object_meta(meta, True, api_validation.name_is_dns_subdomain)
                steps = False
                spec_text = None
            elif spec_text is not None:
                given_spec = orjson.loads(spec_text)
                if given_spec != spec:  # not plain JSON (NaN, infinities): never kept
                    spec_text = None
        if steps:
            strategy.prepare_create(res, obj)
            admission.admit_create(self.store, res, obj)
            api_defaults.apply_defaults(obj)
        if errors is None:
            errors = _plain_event_errors(obj) if res.kind == "Event" and not res.group else None
        if errors is None:
            errors = api_validation.validate_create(obj)
            if spec_text is not None and not errors:
                _POD_SPECS.remember(spec_text, given_spec, obj["spec"], obj["status"]["qosClass"])
        if res.kind == "Service" and not errors:
            errors = allocator.allocate_service(
                obj.setdefault("spec", {}), [e.obj for e in self.store.list("services")], self.rng
            )
        if errors:
            raise st.invalid_object(res.kind, res.group, name, errors)
        key = storage_key(res)
        if dry_run:
            if self.store.get(key, meta.get("namespace", ""), name) is not None:
                raise st.already_exists(res.plural, res.group, name)
            return WriteResult(Entry(obj, b"", self.store.resource_version), created=True)
        try:
            entry = self.store.put(key, obj, create=True)
        except KeyError:
            raise st.already_exists(res.plural, res.group, name)
        return WriteResult(entry, created=True)

    def _now_text(self) -> str:
        """rfc3339(self.now()), formatted once per instant."""
        now = self.now()
        if now is not self._stamped:
            self._stamp = rfc3339(now)
            self._stamped = now
        return self._stamp

    def _deadline_text(self, grace: int) -> str:
        """rfc3339(self.now() + timedelta(seconds=grace)), formatted once per instant and grace period (a
        ReplicaSet scaling down marks hundreds of pods with the same deletion time)."""
        now = self.now()
        if now is not self._deadlines_at:
            self._deadlines = {}
            self._deadlines_at = now
        text = self._deadlines.get(grace)
        if text is None:
            text = self._deadlines[grace] = rfc3339(now + timedelta(seconds=grace))
        return text

    def create_event(self, namespace: str, obj: dict) -> Entry:
        """`create` of a core/v1 Event in `namespace` as an in-process event recorder builds it: apiVersion
        and kind set, metadata of only its name and namespace.  Anything else takes `create`.

        For such an Event the generic steps that remain are the uid and creationTimestamp, namespace
        admission, the plain-Event validation and the store; the others are provably no-ops (nothing to
        drop from the metadata, no generateName, the namespace already the request's, and strategy,
        admission and defaults have nothing to do for a core Event).  Same order, same errors, same
        random draws as `create`; tests/unit/test_registry_create_event.py compares both ways.
        """
        meta = obj.get("metadata")
        if (
            obj.get("apiVersion") != "v1"
            or obj.get("kind") != "Event"
            or meta.__class__ is not dict
            or len(meta) != 2
            or meta.get("namespace") != namespace
            or not meta.get("name")
        ):
            return self.create(_EVENT, namespace, obj).entry
        name = meta["name"]
        meta["uid"] = _uuid4(self.rng.getrandbits(128))
        meta["creationTimestamp"] = self._now_text()
        store = self.store
        found = store.get("namespaces", "", namespace)
        if found is None or found.obj.get("metadata", {}).get("deletionTimestamp"):
            admission.check_namespace(store, _EVENT, namespace, creating=True)  # missing or terminating
        errors = _plain_event_errors(obj)  # never None: the metadata is plain
        if errors:
            raise st.invalid_object("Event", "", name, errors)
        try:
            return store.add(_EVENT_KEY, namespace, name, obj)
        except KeyError:
            raise st.already_exists(_EVENT.plural, "", name)

    def _generate_name(self, res: Resource, meta: dict) -> str:
        base = meta["generateName"][:GENERATE_NAME_BASE_MAX]
        key, namespace, get = storage_key(res), meta.get("namespace", ""), self.store.get
        rng = self.rng
        if rng.__class__ is not random.Random:  # a subclass may draw its own way: ask it
            for _ in range(GENERATE_NAME_ATTEMPTS):
                candidate = base + "".join(rng.choice(NAME_ALPHABET) for _ in range(GENERATE_NAME_SUFFIX))
                if get(key, namespace, candidate) is None:
                    return candidate
            return candidate
        draw = rng.getrandbits
        for _ in range(GENERATE_NAME_ATTEMPTS):
            suffix = ""
            for _ in range(GENERATE_NAME_SUFFIX):
                # random.Random.choice(NAME_ALPHABET), draw for draw: getrandbits(5) until below 27.
                r = draw(_ALPHABET_BITS)
                while r >= _ALPHABET_SIZE:
                    r = draw(_ALPHABET_BITS)
                suffix += NAME_ALPHABET[r]
            candidate = base + suffix
            if get(key, namespace, candidate) is None:
                return candidate
        return candidate

    def _check_type(self, res: Resource, obj: object) -> dict:
        if not isinstance(obj, dict):
            raise st.bad_request(f"the object provided is not a valid {res.kind}: expected an object")
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if api_version is None and kind is None:
            obj = dict(obj)
            obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        elif api_version != res.api_version or kind != res.kind:
            raise st.bad_request(
                f"the API version in the data ({api_version}) does not match the expected API version ({res.api_version})"
                if api_version != res.api_version
                else f"the kind in the data ({kind}) does not match the expected kind ({res.kind})"
            )
        return obj

    def _settle_namespace(self, res: Resource, namespace: str, meta: dict) -> None:
        if res.namespaced:
            given = meta.get("namespace")
            if given and given != namespace:
                raise st.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)

    # ---- update ------------------------------------------------------------------------------

    def update(
        self, res: Resource, namespace: str, name: str, obj: dict, *, subresource: str = "", dry_run: bool = False
    ) -> WriteResult:
        obj = self._check_type(res, obj)
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise st.bad_request("metadata must be an object")
        if meta.get("name") and meta["name"] != name:
            raise st.bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
        meta["name"] = name
        self._settle_namespace(res, namespace, meta)
        key = storage_key(res)
        ns = namespace if res.namespaced else ""
        current = self.store.get(key, ns, name)
        if current is None:
            if res.kind in CREATE_ON_UPDATE and not subresource:
                meta.pop("resourceVersion", None)
                return self.create(res, namespace, obj, dry_run=dry_run)
            raise st.not_found(res.plural, res.group, name)
        expect = meta.get("resourceVersion")
        if expect and expect != current.obj["metadata"].get("resourceVersion"):
            raise st.conflict(res.plural, res.group, name, st.MODIFIED)
        old = current.obj
        if subresource == "status":
            # The status strategy rebuilds `obj` from the stored object, reading of the given metadata
            # only what the kind's status write may change: the identity fields below would be
            # overwritten by the stored ones, and the given metadata is not written to.
            if obj is old or meta is old["metadata"]:
                obj = dict(obj)  # the stored object (or its metadata) handed back: work on a copy
            strategy.prepare_status_update(res, obj, old)
            errors = api_validation.validate_status_update(obj, old)
        else:
            obj, errors = self._prepare_update(res, obj, meta, old, name, subresource)
        if errors:
            raise st.invalid_object(res.kind, res.group, name, errors)
        if obj == old:
            return WriteResult(current)
        if dry_run:
            return WriteResult(Entry(obj, b"", current.rv))
        if (
            old["metadata"].get("deletionTimestamp")
            and not old["metadata"].get("deletionGracePeriodSeconds")
            and not obj["metadata"].get("finalizers")
            and not strategy.spec_finalizers(obj)
        ):
            # the last finalizer of an object being deleted is gone: remove it now, as upstream's
            # store does; a graceful deletion still pending (grace > 0) waits for its final delete
            entry = self.store.remove(key, ns, name)
            return WriteResult(entry)
        try:
            entry = self.store.put(key, obj, expect_rv=current.rv)
        except ValueError:
            raise st.conflict(res.plural, res.group, name, st.MODIFIED)
        return WriteResult(entry)

    def _prepare_update(
        self, res: Resource, obj: dict, meta: dict, old: dict, name: str, subresource: str
    ) -> tuple[dict, list]:
        """The object an update other than a status write would store, and its validation errors."""
        if obj is old or meta is old["metadata"]:
            # The stored object (or its metadata) handed back: it is never mutated, so work on a copy.
            obj = dict(obj)
            meta = obj["metadata"] = dict(meta)
        # Identity the client cannot change.
        old_meta = old["metadata"]
        for kept in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if kept in old_meta:
                meta[kept] = old_meta[kept]
            else:
                meta.pop(kept, None)
        meta["resourceVersion"] = old_meta.get("resourceVersion")
        if subresource == "finalize":
            strategy.prepare_finalize_update(obj, old)
            return obj, []
        if subresource == BINDING and res.kind == "Pod" and not res.group:
            return self._bind(res, obj, old, name)
        strategy.prepare_update(res, obj, old)
        api_defaults.apply_defaults(obj)
        return obj, api_validation.validate_update(obj, old)

    def _bind(self, res: Resource, obj: dict, old: dict, name: str) -> tuple[dict, list]:
        """The in-process scheduler's binding: the pod's `spec.nodeName` and its PodScheduled condition in
        one stored write, as upstream's `pods/binding` stores them.

        `obj` is the pod as the scheduler bound it; only its node and its PodScheduled condition are
        taken, the rest comes from the stored pod, as upstream's binding sets those two on the stored
        pod without validating the pod again.  Upstream's refusals are kept (409 Conflict on
        `pods/binding`): a pod being deleted, a pod already on a node, a pod with scheduling gates.
        Binding writes the pod straight to storage, past the pod strategy, so `metadata.generation`
        stays as it was (upstream counts generations of spec changes in the strategy only).
        """
        old_meta, old_spec = old["metadata"], old.get("spec") or {}
        refusal = ""
        if old_meta.get("deletionTimestamp"):
            refusal = f"pod {name} is being deleted, cannot be assigned to a host"
        elif old_spec.get("nodeName"):
            refusal = f'pod {name} is already assigned to node "{old_spec["nodeName"]}"'
        elif old_spec.get("schedulingGates"):
            refusal = f"pod {name} has non-empty .spec.schedulingGates"
        if refusal:
            raise st.conflict(res.plural + "/" + BINDING, res.group, name, refusal)
        node = (obj.get("spec") or {}).get("nodeName") or ""
        if not isinstance(node, str) or not node:
            return obj, [st.required("target.name")]
        if not api_validation.is_valid_subdomain_name(node):
            return obj, [st.invalid("spec.nodeName", node, m) for m in api_validation.name_is_dns_subdomain(node)]
        condition = None
        for given in (obj.get("status") or {}).get("conditions") or ():
            if isinstance(given, dict) and given.get("type") == POD_SCHEDULED:
                condition = given
        if condition is None or condition.get("status") != "True":
            condition = {"lastProbeTime": None, "lastTransitionTime": rfc3339(self.now()), "status": "True"}
            condition["type"] = POD_SCHEDULED
        status = dict(old.get("status") or {})
        conditions = [c for c in status.get("conditions") or () if c.get("type") != POD_SCHEDULED]
        conditions.append(condition)
        status["conditions"] = conditions
        status.setdefault("phase", "Pending")
        bound = dict(old)
        bound["metadata"] = dict(old_meta)
        bound["spec"] = {**old_spec, "nodeName": node}
        bound["status"] = status
        return bound, []

    # ---- delete ------------------------------------------------------------------------------

    def delete(self, res: Resource, namespace: str, name: str, options: dict | None = None) -> tuple[Entry, bool]:
        """Delete (or start deleting) an object.  Returns (final or pending state, removed?)."""
        options = options or {}
        if not isinstance(options, dict):
            raise st.bad_request("DeleteOptions must be an object")
        key = storage_key(res)
        ns = namespace if res.namespaced else ""
        current = self.store.get(key, ns, name)
        if current is None:
            raise st.not_found(res.plural, res.group, name)
        admission.check_delete(res, name)
        pre = options.get("preconditions") or {}
        meta = current.obj["metadata"]
        if pre.get("uid") and pre["uid"] != meta.get("uid"):
            raise st.conflict(
                res.plural,
                res.group,
                name,
                f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: {meta.get('uid')}",
            )
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
            raise st.conflict(
                res.plural,
                res.group,
                name,
                f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, ResourceVersion in object meta: {meta.get('resourceVersion')}",
            )
        dry_run = "All" in (options.get("dryRun") or [])
        policy = options.get("propagationPolicy")
        if policy is None and options.get("orphanDependents") is True:
            policy = "Orphan"
        if policy not in (None, "Foreground", "Background", "Orphan"):
            raise st.invalid_object(
                "DeleteOptions",
                "meta.k8s.io",
                "",
                [st.not_supported("propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"])],
            )
        namespace_kind = res.kind == "Namespace"
        if namespace_kind:
            obj = orjson.loads(current.raw)  # a private copy: its status changes too
            m = obj["metadata"]
        else:
            # Read from the stored object; it is copied only when a deletion mark is written (below).
            obj, m = current.obj, meta
        finalizers = list(m.get("finalizers") or [])
        if policy == "Foreground" and FOREGROUND_FINALIZER not in finalizers:
            finalizers.append(FOREGROUND_FINALIZER)
            finalizers = [f for f in finalizers if f != ORPHAN_FINALIZER]
        elif policy == "Orphan" and ORPHAN_FINALIZER not in finalizers:
            finalizers.append(ORPHAN_FINALIZER)
            finalizers = [f for f in finalizers if f != FOREGROUND_FINALIZER]
        grace = self._grace_period(res, obj, options)
        if namespace_kind:
            finalizers = finalizers or []
            obj.setdefault("status", {})["phase"] = "Terminating"
        graceful = grace > 0
        if finalizers or graceful or (namespace_kind and (obj.get("spec") or {}).get("finalizers")):
            if not namespace_kind:
                # Only the metadata changes (the finalizers as a new list): the rest is shared with the
                # stored object, which is never mutated, as the update path shares kept spec and status.
                obj = dict(obj)
                obj["metadata"] = m = dict(m)
            if m.get("deletionTimestamp"):
                # Already being deleted: only a shorter grace period may still be applied, moving the
                # deletion time with it (30 s pending, then 0: the deletion time becomes now).
                pending = m.get("deletionGracePeriodSeconds") or 0
                if grace < pending:
                    started = parse_time(m["deletionTimestamp"]) - timedelta(seconds=pending)
                    m["deletionTimestamp"] = rfc3339(started + timedelta(seconds=grace))
                    m["deletionGracePeriodSeconds"] = grace
                elif finalizers == (m.get("finalizers") or []):
                    return current, False
            else:
                m["deletionTimestamp"] = self._deadline_text(grace)
                m["deletionGracePeriodSeconds"] = grace
            if finalizers:
                m["finalizers"] = finalizers
            if m.get("generation") is not None and strategy.tracks_generation(res):
                m["generation"] += 1
            if dry_run:
                return Entry(obj, b"", current.rv), False
            try:
                entry = self.store.put(key, obj, expect_rv=current.rv)
            except ValueError:
                raise st.conflict(res.plural, res.group, name, st.MODIFIED)
            return entry, False
        if dry_run:
            return current, True
        return self.store.remove(key, ns, name), True

    @staticmethod
    def _grace_period(res: Resource, obj: dict, options: dict) -> int:
        """Seconds of graceful deletion: only scheduled pods get any (an unbound pod goes at once)."""
        if res.kind != "Pod":
            return 0
        spec = obj.get("spec") or {}
        given = options.get("gracePeriodSeconds")
        grace = spec.get("terminationGracePeriodSeconds", 30) if given is None else given
        if not isinstance(grace, int) or grace < 0:
            grace = 0
        if not spec.get("nodeName") or (obj.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
            return 0
        return grace

    def delete_collection(self, res: Resource, namespace: str | None, predicate, options: dict | None) -> list[Entry]:
        removed = []
        for entry in self.list(res, namespace, predicate):
            meta = entry.obj["metadata"]
            try:
                final, _ = self.delete(res, meta.get("namespace", ""), meta["name"], options)
            except st.StatusError as e:
                if e.code == 404:
                    continue
                raise
            removed.append(final)
        return removed

    # ---- scale subresource -------------------------------------------------------------------

    def scale_of(self, res: Resource, entry: Entry) -> dict:
        from kubeferry.machinery.selectors import from_label_selector

        obj = entry.obj
        meta = obj["metadata"]
        scale_meta = {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta
        }
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": scale_meta,
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
            "status": {
                "replicas": (obj.get("status") or {}).get("replicas", 0),
                "selector": str(from_label_selector((obj.get("spec") or {}).get("selector"))),
            },
        }

    def update_scale(self, res: Resource, namespace: str, name: str, scale: dict, *, dry_run: bool = False) -> dict:
        if not isinstance(scale, dict) or not isinstance(scale.get("spec", {}), dict):
            raise st.bad_request("the body of the request must be a Scale object")
        current = self.get(res, namespace, name)
        wanted_rv = (scale.get("metadata") or {}).get("resourceVersion")
        if wanted_rv and wanted_rv != current.obj["metadata"].get("resourceVersion"):
            raise st.conflict(res.plural, res.group, name, st.MODIFIED)
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            raise st.bad_request(
                f'Scale in version "v1" cannot be handled as a Scale: spec.replicas: expected an integer, got {replicas!r}'
            )
        if replicas < 0:
            raise st.invalid_object(
                "Scale",
                "autoscaling",
                name,
                [st.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
            )
        obj = copy.deepcopy(current.obj)
        obj.setdefault("spec", {})["replicas"] = replicas
        obj["metadata"]["resourceVersion"] = current.obj["metadata"].get("resourceVersion")
        result = self.update(res, namespace, name, obj, dry_run=dry_run)
        return self.scale_of(res, result.entry)

    # ---- patch -------------------------------------------------------------------------------

    def patch(
        self,
        res: Resource,
        namespace: str,
        name: str,
        patch_type: str,
        patch: object,
        *,
        subresource: str = "",
        dry_run: bool = False,
        check: Callable[[dict, dict], None] | None = None,
    ) -> WriteResult:
        """Apply a JSON, merge or strategic merge patch to the stored object, then update it.

        A `metadata.resourceVersion` inside the patch is a precondition, as upstream.
        """
        from kubeferry.registry import patching

        if subresource == "scale":
            current = self.get(res, namespace, name)
            patched = patching.apply(patch_type, self.scale_of(res, current), patch, None)
            scale = self.update_scale(res, namespace, name, patched, dry_run=dry_run)
            return WriteResult(Entry(scale, b"", current.rv))
        current = self.get(res, namespace, name)
        patched = patching.apply(patch_type, current.obj, patch, res)
        if not isinstance(patched, dict):
            raise st.bad_request("the patch did not produce an object")
        if check is not None:
            check(patched, current.obj)
        # The engines share unchanged subtrees with the stored object; the update path mutates.
        patched = orjson.loads(orjson.dumps(patched))
        meta = patched.get("metadata")
        if not isinstance(meta, dict):
            raise st.bad_request("the patch removed metadata")
        if meta.get("name") != name or (res.namespaced and meta.get("namespace", namespace) != namespace):
            raise st.bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
            )
        if meta.get("uid") != current.obj["metadata"].get("uid"):
            raise st.conflict(
                res.plural,
                res.group,
                name,
                f"Precondition failed: UID in precondition: {meta.get('uid')}, UID in object meta: {current.obj['metadata'].get('uid')}",
            )
        return self.update(res, namespace, name, patched, subresource=subresource, dry_run=dry_run)

    # ---- eviction subresource ----------------------------------------------------------------

    def evict(self, res: Resource, namespace: str, name: str, eviction: object) -> dict:
        """POST pods/<name>/eviction: delete the pod unless a PodDisruptionBudget forbids it (429)."""
        from kubeferry.machinery import disruption, resources

        if not isinstance(eviction, dict):
            raise st.bad_request("the body of an eviction must be an Eviction object")
        given = (eviction.get("metadata") or {}).get("name")
        if given and given != name:
            raise st.bad_request(f"name in URL does not match name in Eviction object: {name} != {given}")
        options = eviction.get("deleteOptions") or {}
        if not isinstance(options, dict):
            raise st.bad_request("deleteOptions must be an object")
        pdb_res = resources.by_gvk("policy", "v1", "PodDisruptionBudget")
        for _ in range(5):
            pod = self.get(res, namespace, name).obj
            decision = disruption.evaluate_eviction(pod, [e.obj for e in self.list(pdb_res, namespace)])
            if not decision.allowed:
                details: dict = {"name": name, "kind": "pods"}
                if decision.cause:
                    details["causes"] = [{"reason": disruption.CAUSE_DISRUPTION_BUDGET, "message": decision.cause}]
                if decision.code == 429:
                    details["retryAfterSeconds"] = decision.retry_after
                    raise st.StatusError(429, "TooManyRequests", decision.message, details)
                reason = "Forbidden" if decision.code == 403 else "InternalError"
                raise st.StatusError(decision.code, reason, decision.message, details)
            if decision.pdb is not None:
                updated = disruption.eviction_status_update(decision.pdb, name, self.now())
                try:
                    self.update(pdb_res, namespace, updated["metadata"]["name"], updated, subresource="status")
                except st.StatusError as e:
                    if e.code == 409:
                        continue
                    raise
            if decision.check_resource_version:
                options = {
                    **options,
                    "preconditions": {
                        **(options.get("preconditions") or {}),
                        "resourceVersion": pod["metadata"]["resourceVersion"],
                    },
                }
            try:
                self.delete(res, namespace, name, options)
            except st.StatusError as e:
                if e.code == 409 and decision.check_resource_version:
                    raise st.StatusError(
                        429, "TooManyRequests", disruption.MESSAGE_EVICTION_VIOLATION, {"name": name, "kind": "pods"}
                    )
                raise
            return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
        raise st.StatusError(
            429,
            "TooManyRequests",
            "too many conflicts updating the disruption budget; try again",
            {"retryAfterSeconds": 1},
        )
