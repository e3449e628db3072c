"""Stage profiles: the data that says in which order, and after how long, a simulated pod changes state.

Owns the kwok-style stage model (upstream kwok's `Stage` API: a selector over the object, a delay with
jitter, and what comes next), restated in kubeferry's own smaller format so that pod behaviour is data
(DESIGN.md, "Simulated pods").  A profile is an ordered list of stages; the kubelet engine asks
`Profile.match(facts)` for the *first* stage whose selector matches the pod's facts (its state name,
outcome, restart policy, …), waits `Stage.delay`, and moves the pod to `Stage.next`.

    - name: containers-start
      selector:
        - {key: state, operator: In, values: [ContainerCreating]}
      delay: {fromBehaviour: startup-seconds}
      next: Running

Selectors are lists of requirements, all of which must hold (as a label selector's `matchExpressions`):
`In` / `NotIn` compare the fact's text with `values`; `Exists` / `DoesNotExist` ask whether the fact is
present.  A delay is `seconds` (decimal) plus up to `jitterSeconds`, or takes its base from the pod's
behaviour (`fromBehaviour: startup-seconds`) or from the engine (`computed: crash-backoff`).

Jitter is deterministic so that a pod's lifecycle is a pure function of its data: the fraction of
`jitterSeconds` used is the first 8 bytes of sha256(`<pod uid>/<stage name>`) as an integer divided by
2^64.  Worked example: jitterSeconds 5 and a hash prefix of 0x4000…0 (a quarter of 2^64) → +1.25 s.

Profiles ship as package data (`profiles/<name>.yaml`); `load_profile(name)` reads and validates one
(cached).  Invalid profile data raises `ProfileError` naming the stage and field.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PROFILE = "default"
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
BEHAVIOUR_DELAYS = ("startup-seconds", "ready-seconds", "fail-after-seconds")
COMPUTED_DELAYS = ("crash-backoff", "image-backoff", "liveness-kill", "readiness-probe", "readiness-remaining")
_HASH_SPACE = 2**64
MATCH_CACHE_LIMIT = 4096  # distinct fact sets remembered per profile (a handful occur in practice)


class ProfileError(ValueError):
    """A stage profile that cannot be played; the message names the stage and the field."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, facts: Mapping[str, str]) -> bool:
        present = self.key in facts and facts[self.key] is not None
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        if self.operator == "In":
            return present and facts[self.key] in self.values
        return not present or facts[self.key] not in self.values  # NotIn


@dataclass(frozen=True)
class Delay:
    seconds: float = 0.0
    jitter_seconds: float = 0.0
    from_behaviour: str = ""
    computed: str = ""


@dataclass(frozen=True)
class Stage:
    name: str
    selector: tuple[Requirement, ...]
    delay: Delay
    next: str

    def matches(self, facts: Mapping[str, str]) -> bool:
        return all(r.matches(facts) for r in self.selector)


@dataclass(frozen=True)
class Profile:
    name: str
    stages: tuple[Stage, ...]
    # facts (as a sorted tuple) -> the matching stage; a profile is immutable, so answers never go stale
    _matches: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def match(self, facts: Mapping[str, str]) -> Stage | None:
        """The first stage whose selector matches `facts`, or None when nothing is pending."""
        key = tuple(sorted(facts.items()))
        try:
            return self._matches[key]
        except KeyError:
            pass
        found = next((stage for stage in self.stages if stage.matches(facts)), None)
        if len(self._matches) < MATCH_CACHE_LIMIT:
            self._matches[key] = found
        return found

    def match_items(self, items: tuple[tuple[str, str], ...]) -> Stage | None:
        """`match` for facts given as their (name, value) pairs sorted by name (the cache's key)."""
        try:
            return self._matches[items]
        except KeyError:
            return self.match(dict(items))

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)


def jitter_fraction(seed: str, stage_name: str) -> float:
    """A number in [0, 1) fixed by `seed` (the pod uid) and the stage name (see the module docstring)."""
    digest = hashlib.sha256(f"{seed}/{stage_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _HASH_SPACE


def base_delay(stage: Stage, behaviour_seconds: Mapping[str, float], computed: Mapping[str, float]) -> float:
    """The stage's delay before jitter: its `seconds`, or the behaviour / engine value it names."""
    if stage.delay.from_behaviour:
        return float(behaviour_seconds.get(stage.delay.from_behaviour, stage.delay.seconds))
    if stage.delay.computed:
        return float(computed.get(stage.delay.computed, stage.delay.seconds))
    return stage.delay.seconds


def delay_seconds(
    stage: Stage, seed: str, behaviour_seconds: Mapping[str, float], computed: Mapping[str, float] | None = None
) -> float:
    """Base delay plus deterministic jitter, never negative."""
    base = base_delay(stage, behaviour_seconds, computed or {})
    jitter = stage.delay.jitter_seconds * jitter_fraction(seed, stage.name) if stage.delay.jitter_seconds else 0.0
    return max(0.0, base + jitter)


# --- parsing ----------------------------------------------------------------------------------------


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ProfileError(f"{where}: must be a non-negative number, got {value!r}")
    return float(value)


def _requirement(raw: Any, where: str) -> Requirement:
    if not isinstance(raw, Mapping):
        raise ProfileError(f"{where}: must be a mapping")
    key, operator, values = raw.get("key"), raw.get("operator"), raw.get("values") or []
    if not isinstance(key, str) or not key:
        raise ProfileError(f"{where}.key: required")
    if operator not in OPERATORS:
        raise ProfileError(f"{where}.operator: must be one of {', '.join(OPERATORS)}, got {operator!r}")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ProfileError(f"{where}.values: must be a list of strings")
    if operator in ("In", "NotIn") and not values:
        raise ProfileError(f"{where}.values: required for {operator}")
    if operator in ("Exists", "DoesNotExist") and values:
        raise ProfileError(f"{where}.values: must be empty for {operator}")
    return Requirement(key, operator, tuple(values))


def _delay(raw: Any, where: str) -> Delay:
    if not isinstance(raw, Mapping):
        raise ProfileError(f"{where}: must be a mapping")
    unknown = set(raw) - {"seconds", "jitterSeconds", "fromBehaviour", "computed"}
    if unknown:
        raise ProfileError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    source = raw.get("fromBehaviour", "")
    computed = raw.get("computed", "")
    if source and source not in BEHAVIOUR_DELAYS:
        raise ProfileError(f"{where}.fromBehaviour: must be one of {', '.join(BEHAVIOUR_DELAYS)}, got {source!r}")
    if computed and computed not in COMPUTED_DELAYS:
        raise ProfileError(f"{where}.computed: must be one of {', '.join(COMPUTED_DELAYS)}, got {computed!r}")
    if source and computed:
        raise ProfileError(f"{where}: fromBehaviour and computed are exclusive")
    return Delay(
        seconds=_number(raw.get("seconds", 0), f"{where}.seconds"),
        jitter_seconds=_number(raw.get("jitterSeconds", 0), f"{where}.jitterSeconds"),
        from_behaviour=source,
        computed=computed,
    )


def parse_profile(document: Any) -> Profile:
    """A validated Profile from a parsed YAML document; raises ProfileError."""
    if not isinstance(document, Mapping) or document.get("kind") != "StageProfile":
        raise ProfileError("kind: must be StageProfile")
    name = (document.get("metadata") or {}).get("name") or ""
    raw_stages = document.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise ProfileError("stages: must be a non-empty list")
    stages, seen = [], set()
    for index, raw in enumerate(raw_stages):
        if not isinstance(raw, Mapping):
            raise ProfileError(f"stages[{index}]: must be a mapping")
        stage_name = raw.get("name")
        where = f"stages[{index}]"
        if not isinstance(stage_name, str) or not stage_name:
            raise ProfileError(f"{where}.name: required")
        if stage_name in seen:
            raise ProfileError(f"{where}.name: duplicate stage {stage_name!r}")
        seen.add(stage_name)
        where = f"stage {stage_name!r}"
        selector = raw.get("selector") or []
        if not isinstance(selector, list):
            raise ProfileError(f"{where}.selector: must be a list")
        next_state = raw.get("next")
        if not isinstance(next_state, str) or not next_state:
            raise ProfileError(f"{where}.next: required")
        stages.append(
            Stage(
                name=stage_name,
                selector=tuple(_requirement(r, f"{where}.selector[{i}]") for i, r in enumerate(selector)),
                delay=_delay(raw.get("delay") or {}, f"{where}.delay"),
                next=next_state,
            )
        )
    return Profile(name=name, stages=tuple(stages))


@functools.cache
def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """The shipped profile `profiles/<name>.yaml`; raises ProfileError (bad data) or FileNotFoundError."""
    from importlib import resources

    import yaml

    text = resources.files(__package__).joinpath("profiles", f"{name}.yaml").read_text(encoding="utf-8")
    # libyaml's loader when PyYAML has it: the pure-Python one takes ~0.1 s over the shipped profile,
    # which the first pod of every new cluster would wait for.
    return parse_profile(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
