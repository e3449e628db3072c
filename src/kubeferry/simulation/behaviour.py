"""How one simulated pod behaves: per-pod annotations over per-image rules over defaults.

Owns the resolution DESIGN.md ("Simulated pods") specifies:

1. defaults — outcome `ready`, startup 0 s, ready = the first container's readiness probe
   `initialDelaySeconds` (else 0; `periodSeconds` more for each success past the first its
   `successThreshold` asks), stop 0 s, fail-after 10 s, http-response `{pod} {image} is running...`;
2. image rules — the ConfigMap `kube-system/kubeferry-simulation`, key `rules.yaml`: a YAML list of
   `{image: <glob>, outcome, startup-seconds, ready-seconds, …}`; the first rule whose glob matches the
   image of one of the pod's containers (in order) wins;
3. annotations — `sim.kubeferry.io/<name>` on the pod, or on the pod template when the pod itself does not
   carry them (controllers copy template annotations, so this is usually the same thing).

Each later source overrides the earlier one per key.  Seconds are decimal (`2`, `0.5`); an invalid value
(negative, not a number, an unknown outcome) is ignored — the next source down applies — and yields a
Warning event on the pod, reason `InvalidSimulationAnnotation` (or `InvalidSimulationRule` for a rule),
naming the key and the value:

    sim.kubeferry.io/startup-seconds: "soon"  →  Warning InvalidSimulationAnnotation
        invalid value "soon" for annotation sim.kubeferry.io/startup-seconds: must be a non-negative
        number of seconds; using the default

Pure: no I/O (the ConfigMap arrives as a dict).
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ANNOTATION_PREFIX = "sim.kubeferry.io/"
STARTUP_SECONDS = "startup-seconds"
READY_SECONDS = "ready-seconds"
STOP_SECONDS = "stop-seconds"
OUTCOME = "outcome"
FAIL_AFTER_SECONDS = "fail-after-seconds"
HTTP_RESPONSE = "http-response"
SECONDS_KEYS = (STARTUP_SECONDS, READY_SECONDS, STOP_SECONDS, FAIL_AFTER_SECONDS)
BEHAVIOUR_KEYS = (STARTUP_SECONDS, READY_SECONDS, STOP_SECONDS, OUTCOME, FAIL_AFTER_SECONDS, HTTP_RESPONSE)

OUTCOME_READY = "ready"
OUTCOME_NEVER_READY = "never-ready"
OUTCOME_CRASH_LOOP = "crash-loop"
OUTCOME_IMAGE_PULL_ERROR = "image-pull-error"
OUTCOME_LIVENESS_FAIL = "liveness-fail"
OUTCOMES = (OUTCOME_READY, OUTCOME_NEVER_READY, OUTCOME_CRASH_LOOP, OUTCOME_IMAGE_PULL_ERROR, OUTCOME_LIVENESS_FAIL)

DEFAULT_FAIL_AFTER_SECONDS = 10.0
DEFAULT_PROBE_PERIOD_SECONDS = 10  # a probe's periodSeconds when not given (as the API defaults it)
DEFAULT_HTTP_RESPONSE = "{pod} {image} is running..."

SIMULATION_CONFIGMAP_NAMESPACE = "kube-system"
SIMULATION_CONFIGMAP_NAME = "kubeferry-simulation"
RULES_KEY = "rules.yaml"

REASON_INVALID_ANNOTATION = "InvalidSimulationAnnotation"
REASON_INVALID_RULE = "InvalidSimulationRule"
EVENT_WARNING = "Warning"


@dataclass(frozen=True)
class Problem:
    """One ignored value: where it came from (`annotation` or `rule`), the key and the raw value."""

    source: str
    key: str
    value: Any
    detail: str

    @property
    def reason(self) -> str:
        return REASON_INVALID_ANNOTATION if self.source == "annotation" else REASON_INVALID_RULE

    @property
    def message(self) -> str:
        what = f"annotation {ANNOTATION_PREFIX}{self.key}" if self.source == "annotation" else f"rule key {self.key}"
        return f"invalid value {_quote(self.value)} for {what}: {self.detail}; using the default"


@dataclass(frozen=True)
class Behaviour:
    outcome: str = OUTCOME_READY
    startup_seconds: float = 0.0
    ready_seconds: float = 0.0
    stop_seconds: float = 0.0
    fail_after_seconds: float = DEFAULT_FAIL_AFTER_SECONDS
    http_response: str = DEFAULT_HTTP_RESPONSE
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    def seconds(self) -> dict[str, float]:
        """The `fromBehaviour` delays a stage profile may name."""
        return {
            STARTUP_SECONDS: self.startup_seconds,
            READY_SECONDS: self.ready_seconds,
            FAIL_AFTER_SECONDS: self.fail_after_seconds,
            STOP_SECONDS: self.stop_seconds,
        }


def _quote(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_seconds(value: Any) -> float | None:
    """Decimal seconds (`"2"`, `"0.5"`, `3`); None when not a finite non-negative number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        if not value.strip() or value.strip().lower().lstrip("+").startswith(("inf", "nan")):
            return None
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _validated(key: str, value: Any) -> tuple[Any, str]:
    """(parsed value, "") or (None, why it is invalid)."""
    if key in SECONDS_KEYS:
        parsed = parse_seconds(value)
        return (parsed, "") if parsed is not None else (None, "must be a non-negative number of seconds")
    if key == OUTCOME:
        if isinstance(value, str) and value in OUTCOMES:
            return value, ""
        return None, "must be one of " + ", ".join(OUTCOMES)
    if isinstance(value, str):  # http-response
        return value, ""
    return None, "must be a string"


# --- sources ------------------------------------------------------------------------------------------


# rules.yaml texts already parsed (a kubelet pass reads the ConfigMap every time): text -> rules.
_PARSED_RULES: dict[str, list[dict]] = {}
_PARSED_RULES_LIMIT = 64


def parse_rules(text: str | None) -> list[dict]:
    """The rules list from `rules.yaml` text; [] when absent or not a YAML list (entries that are not
    mappings with a string `image` are dropped).  Each text is parsed once; every call gets its own
    list of its own rule dicts."""
    if not text:
        return []
    kept = _PARSED_RULES.get(text)
    if kept is None:
        kept = _parse_rules_text(text)
        if len(_PARSED_RULES) >= _PARSED_RULES_LIMIT:
            _PARSED_RULES.clear()
        _PARSED_RULES[text] = kept
    return [dict(rule) for rule in kept]


def _parse_rules_text(text: str) -> list[dict]:
    import yaml

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    if not isinstance(document, list):
        return []
    return [dict(r) for r in document if isinstance(r, Mapping) and isinstance(r.get("image"), str)]


def rules_from_configmap(configmap: Mapping[str, Any] | None) -> list[dict]:
    """The rules of the `kube-system/kubeferry-simulation` ConfigMap (None → no rules)."""
    if not configmap:
        return []
    return parse_rules((configmap.get("data") or {}).get(RULES_KEY))


def container_images(pod: Mapping[str, Any]) -> list[str]:
    spec = pod.get("spec") or {}
    return [c.get("image") or "" for c in spec.get("containers") or ()]


def matching_rule(pod: Mapping[str, Any], rules: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The first rule (in list order) whose `image` glob matches any of the pod's container images."""
    images = container_images(pod)
    for rule in rules:
        pattern = rule.get("image")
        if isinstance(pattern, str) and any(fnmatch.fnmatchcase(image, pattern) for image in images):
            return rule
    return None


def simulation_annotations(pod: Mapping[str, Any], template: Mapping[str, Any] | None = None) -> dict[str, str]:
    """`sim.kubeferry.io/*` values keyed without the prefix: the pod's own, else its template's."""
    found: dict[str, str] = {}
    sources = [((template or {}).get("metadata") or {}).get("annotations") or {}]
    sources.append((pod.get("metadata") or {}).get("annotations") or {})
    for source in sources:  # the pod's own annotations win
        for key, value in source.items():
            if key.startswith(ANNOTATION_PREFIX) and key[len(ANNOTATION_PREFIX) :] in BEHAVIOUR_KEYS:
                found[key[len(ANNOTATION_PREFIX) :]] = value
    return found


def default_ready_seconds(pod: Mapping[str, Any]) -> float:
    """When the first container's readiness probe has passed: its first probe comes `initialDelaySeconds`
    after the start and `successThreshold` probes in a row must pass, `periodSeconds` apart (no probe: 0).

    Worked example: initialDelaySeconds 5, successThreshold 3, periodSeconds 10 → probes pass at 5 s,
    15 s and 25 s → Ready 25 s after running.  With the default threshold of 1 it is the initial delay."""
    for container in (pod.get("spec") or {}).get("containers") or ():
        probe = container.get("readinessProbe")
        if probe:
            more = max(0, int(probe.get("successThreshold") or 1) - 1)
            return float(probe.get("initialDelaySeconds") or 0) + more * float(
                probe.get("periodSeconds") or DEFAULT_PROBE_PERIOD_SECONDS
            )
    return 0.0


# Behaviours of pods that no rule matches and no annotation tunes, by readiness delay: such a pod's
# Behaviour is the defaults with its first readiness probe's delay (Behaviour is frozen, so one is shared).
_PLAIN_BEHAVIOURS: dict[float, Behaviour] = {}
_PLAIN_BEHAVIOURS_LIMIT = 256


def resolve(
    pod: Mapping[str, Any], rules: list[Mapping[str, Any]] | None = None, template: Mapping[str, Any] | None = None
) -> Behaviour:
    """The pod's Behaviour: annotations override the first matching image rule, which overrides defaults.

    Invalid values are skipped (the lower source or the default applies) and listed in `problems`.
    """
    rule = matching_rule(pod, list(rules)) if rules else None
    annotations = simulation_annotations(pod, template)
    if rule is None and not annotations:  # only the defaults: one shared answer per readiness delay
        ready = default_ready_seconds(pod)
        plain = _PLAIN_BEHAVIOURS.get(ready)
        if plain is None:
            if len(_PLAIN_BEHAVIOURS) >= _PLAIN_BEHAVIOURS_LIMIT:
                _PLAIN_BEHAVIOURS.clear()
            plain = _PLAIN_BEHAVIOURS[ready] = Behaviour(ready_seconds=ready)
        return plain
    values: dict[str, Any] = {
        OUTCOME: OUTCOME_READY,
        STARTUP_SECONDS: 0.0,
        READY_SECONDS: default_ready_seconds(pod),
        STOP_SECONDS: 0.0,
        FAIL_AFTER_SECONDS: DEFAULT_FAIL_AFTER_SECONDS,
        HTTP_RESPONSE: DEFAULT_HTTP_RESPONSE,
    }
    problems: list[Problem] = []
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if rule is not None:
        layers.append(("rule", {k: v for k, v in rule.items() if k in BEHAVIOUR_KEYS}))
    layers.append(("annotation", annotations))
    for source, layer in layers:
        for key in BEHAVIOUR_KEYS:
            if key not in layer:
                continue
            parsed, why = _validated(key, layer[key])
            if why:
                problems.append(Problem(source, key, layer[key], why))
            else:
                values[key] = parsed
    return Behaviour(
        outcome=values[OUTCOME],
        startup_seconds=values[STARTUP_SECONDS],
        ready_seconds=values[READY_SECONDS],
        stop_seconds=values[STOP_SECONDS],
        fail_after_seconds=values[FAIL_AFTER_SECONDS],
        http_response=values[HTTP_RESPONSE],
        problems=tuple(problems),
    )
