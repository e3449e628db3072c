"""What a pod's create does to its spec, kept per spec text: admission, defaults, QoS class, spec validation.

On create the registry runs, for a core/v1 Pod, four steps that read and change nothing but the pod's
`spec` (besides the status and generation the strategy sets): the strategy's QoS class (read from the
spec as given), the ServiceAccount / DefaultTolerationSeconds / Priority admission, the pod defaults and
the spec part of the pod's create validation (`validate_pod_spec` and the image-whitespace rule).  They
are pure functions of the spec, and a ReplicaSet creates hundreds of pods from one template: the same
spec each time.

`PodSpecs` keeps, for a spec given as plain JSON, the JSON text of the spec those steps produced and the
QoS class, once the whole create validation found nothing wrong.  The spec is found by its own JSON text
(which tells 1, 1.0 and true apart and keeps key order); a text holding `null` is compared by value too,
since NaN and the infinities are written as `null` as well.  A pod whose spec is found takes the kept
result as a fresh copy (`orjson.loads`), exactly what the four steps would have built, key for key;
anything else (not plain JSON, an invalid spec, a spec not seen yet) goes through the steps.
tests/unit/test_registry_pod_create.py compares both ways over seeded random specs.
"""

from __future__ import annotations

import orjson

# Kept specs (a rollout has one or two templates at a time); the table starts over when full.
POD_SPECS_LIMIT = 64
_NULL = b"null"


class PodSpecs:
    """Spec text as given -> (the spec as given, the created spec's text, the QoS class)."""

    def __init__(self, limit: int = POD_SPECS_LIMIT) -> None:
        self.limit = limit
        self.known: dict[bytes, tuple[dict, bytes, str]] = {}

    @staticmethod
    def text_of(spec: dict) -> bytes | None:
        """The spec's JSON text, or None when orjson cannot write it (not plain JSON)."""
        try:
            return orjson.dumps(spec)
        except TypeError:  # orjson.JSONEncodeError: non-string keys, big ints, other types
            return None

    def find(self, text: bytes, spec: dict) -> tuple[dict, str] | None:
        """The created spec (a new copy) and QoS class for the given spec of this text, if kept."""
        known = self.known.get(text)
        if known is None or (_NULL in text and known[0] != spec):
            return None
        return orjson.loads(known[1]), known[2]

    def remember(self, text: bytes, given: dict, created: dict, qos: str) -> None:
        """Keep what the steps made of the spec `given` (parsed from `text` before they ran) when both
        are plain JSON (each reads back equal from its text)."""
        if given.__class__ is not dict or created.__class__ is not dict or qos.__class__ is not str:
            return
        try:
            created_text = orjson.dumps(created)
        except TypeError:
            return
        if orjson.loads(created_text) != created:
            return
        if len(self.known) >= self.limit:
            self.known.clear()
        self.known[text] = (given, created_text, qos)
