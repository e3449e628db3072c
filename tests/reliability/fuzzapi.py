"""Drive schemathesis-generated requests from our own OpenAPI documents at a live server; collect 5xx.

Owns the loop the slow test `test_openapi_fuzz.py` runs: for one group-version document, every
operation gets `examples` generated requests that fit its schema and `examples` that break it
(hypothesis, through schemathesis' positive and negative strategies for the operation); each response is recorded, and every 5xx is kept with the exact request that caused it
(method, path, query, headers, body) so it can be replayed.  Nothing is raised from inside hypothesis:
a failing example would otherwise be shrunk and stop the operation, hiding further failures.

Watches are bounded: a generated `watch` query (or a /watch/ path) gets `timeoutSeconds=1`, so the
server closes the stream itself.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field

REQUEST_TIMEOUT_SECONDS = 30
WATCH_TIMEOUT_SECONDS = 1
# Requests that fit the schema, then requests that break it (wrong types, missing required fields).
MODES = ("positive", "negative")


@dataclass
class Outcome:
    requests: int = 0
    codes: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)
    operations: int = 0
    not_negatable: int = 0
    mode: str = ""


def is_watch(case) -> bool:
    query = case.query or {}
    return "/watch/" in case.formatted_path or str(query.get("watch", "")).lower() in ("true", "1")


def fuzz_document(doc: dict, base_url: str, token: str, ca_file: str, examples: int, seed: int) -> Outcome:
    # Imported here: collecting the suite (where this test is deselected) should not pay for them.
    import hypothesis
    import requests
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_dict(doc)
    outcome = Outcome()
    session = requests.Session()
    session.verify = ca_file
    headers = {"Authorization": f"Bearer {token}"}
    from schemathesis.generation.modes import GenerationMode

    for result, mode in itertools.product(schema.get_all_operations(), MODES):
        operation = result.ok()
        outcome.operations += mode == MODES[0]
        outcome.mode = mode
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode), headers=headers)

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[hypothesis.Phase.generate],
        )
        @given(case=strategy)
        @hypothesis.seed(seed)
        def exercise(case) -> None:
            if is_watch(case):
                case.query = {**(case.query or {}), "timeoutSeconds": WATCH_TIMEOUT_SECONDS}
            response = case.call(
                base_url=base_url, session=session, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS, verify=ca_file
            )
            outcome.requests += 1
            outcome.codes[response.status_code] += 1
            if response.status_code >= 500:
                request = response.request
                body = request.body.decode(errors="replace") if isinstance(request.body, bytes) else request.body
                outcome.failures.append(
                    {
                        "operation": f"{case.operation.method.upper()} {case.operation.path}",
                        "mode": outcome.mode,
                        "method": request.method,
                        "url": request.url.removeprefix(base_url),
                        "content-type": request.headers.get("Content-Type"),
                        "body": (body or "")[:2000],
                        "status": response.status_code,
                        "response": response.text[:500],
                    }
                )

        try:
            exercise()
        except hypothesis.errors.Unsatisfiable:
            # Nothing in this operation can be made invalid once the credentials are fixed.
            outcome.not_negatable += 1
    return outcome


def describe(failures: list[dict]) -> str:
    return "\n".join(json.dumps(f, sort_keys=True) for f in failures)
