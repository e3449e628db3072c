"""`kubeferry deliver --preflight`: may the current credentials do every step, before anything changes?

The deliver command lists the requests its run would make (`permissions.deliver_needs`), asks
the server about each with a SelfSubjectAccessReview (`review_body`, POSTed to `REVIEW_PATH`),
and gives the answers to `verdict`, which keeps the denied needs in the run's order.  A run with
something missing stops with exit 3 before it takes the Lease, one line per missing permission:

    preflight: cannot patch deployments.apps "my-app" in namespace "ci"
    preflight: cannot get services/proxy "web:80" in namespace "ci"

Pure: needs and review answers in, bodies and lines out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kubeferry.delivery.permissions import Need

REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
REVIEW_API_VERSION = "authorization.k8s.io/v1"
REVIEW_KIND = "SelfSubjectAccessReview"
PREFIX = "preflight: "


def review_body(need: Need, namespace: str) -> dict:
    """The SelfSubjectAccessReview asking whether `need` is allowed in `namespace`."""
    return {
        "apiVersion": REVIEW_API_VERSION,
        "kind": REVIEW_KIND,
        "spec": {"resourceAttributes": need.attributes(namespace)},
    }


def allowed(answer: Mapping) -> bool:
    """The review's verdict; a review without `status.allowed: true` (or with `denied`) counts as refused."""
    status = answer.get("status") or {}
    return bool(status.get("allowed")) and not status.get("denied")


@dataclass
class Verdict:
    """`missing` needs in the run's order; `checked` how many were asked about."""

    namespace: str
    checked: int = 0
    missing: list[Need] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    def lines(self) -> list[str]:
        if self.ok:
            return [f'{PREFIX}ok: {self.checked} permissions checked in namespace "{self.namespace}"']
        return [f"{PREFIX}cannot {need.describe(self.namespace)}" for need in self.missing]

    def summary(self) -> str:
        """One line for the run's summary and the report."""
        if self.ok:
            return self.lines()[0].removeprefix(PREFIX)
        first = f"cannot {self.missing[0].describe(self.namespace)}"
        more = len(self.missing) - 1
        return first + (f" (and {more} more)" if more else "")


def verdict(needs: Sequence[Need], answers: Sequence[Mapping], namespace: str) -> Verdict:
    """Pair each need with its review answer (same order)."""
    if len(needs) != len(answers):
        raise ValueError(f"{len(needs)} needs but {len(answers)} review answers")
    result = Verdict(namespace, checked=len(needs))
    result.missing = [need for need, answer in zip(needs, answers, strict=True) if not allowed(answer)]
    return result
