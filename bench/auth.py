"""What RBAC costs a request: GET and PATCH throughput as a Role-bound service account vs. the admin.

    .venv/bin/python bench/auth.py [--seconds 4] [--rounds 3]      # needs `wrk`

One server (`--no-controllers`, so only the API server works), one Deployment `bench` in
`default`.  The admin is the `cluster up` token (group system:masters, allowed before any rule is
read); the agent is ServiceAccount `default/cd-agent` with a TokenRequest token and a Role
allowing get/patch on `deployments.apps "bench"` only, so each of its requests verifies a signed
token, looks up the account and walks the RoleBindings of the namespace.  Both are measured with
wrk at 32 connections in the same run, alternating admin and agent `--rounds` times; each row is
the median of the rounds.  The goal: the agent at most 10 % slower than the admin.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import apiserver as ap  # noqa: E402

from kubeferry.cluster import certs  # noqa: E402

NAMESPACE = "default"
AGENT = "cd-agent"
GOAL = 0.90  # the agent's throughput as a share of the admin's, at least
ROLE = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "Role",
    "metadata": {"name": "deployer"},
    "rules": [
        {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["bench"], "verbs": ["get", "patch"]}
    ],
}
BINDING = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "RoleBinding",
    "metadata": {"name": "deployer"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"},
    "subjects": [{"kind": "ServiceAccount", "name": AGENT, "namespace": NAMESPACE}],
}
SMP = "application/strategic-merge-patch+json"


def setup(conn, admin: str) -> str:
    """The Deployment, account, Role and binding; returns the agent's token."""
    base = f"/api/v1/namespaces/{NAMESPACE}"
    for path, body in [
        (f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", ap.DEPLOYMENT),
        (f"{base}/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": AGENT}}),
        (f"/apis/rbac.authorization.k8s.io/v1/namespaces/{NAMESPACE}/roles", ROLE),
        (f"/apis/rbac.authorization.k8s.io/v1/namespaces/{NAMESPACE}/rolebindings", BINDING),
    ]:
        status, text = ap.request(conn, "POST", path, admin, json.dumps(body).encode())
        assert status == 201, (path, status, text[:300])
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}}
    status, text = ap.request(conn, "POST", f"{base}/serviceaccounts/{AGENT}/token", admin, json.dumps(review).encode())
    assert status == 201, (status, text[:300])
    return json.loads(text)["status"]["token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=4, help="wrk duration per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="admin/agent alternations per row")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="kubeferry-bench-auth-"))
    certs.ensure(data, "127.0.0.1")
    admin = certs.admin_token(data)
    proc, url, _ = ap.start_kubeferry(data, "--no-controllers")
    try:
        conn = ap.connection(url, data)
        agent = setup(conn, admin)
        one = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/bench"
        other = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/other"
        assert ap.request(conn, "GET", one, agent)[0] == 200
        assert ap.request(conn, "GET", other, agent)[0] == 403  # the Role is really in force
        body = json.dumps({"spec": {"template": {"metadata": {"annotations": {"bench": "x"}}}}})
        runs = {
            "GET one object": lambda token: ap.wrk(url, one, token, seconds=args.seconds),
            "strategic-merge PATCH": lambda token: ap.wrk(
                url, one, token, method="PATCH", body=body, ctype=SMP, seconds=args.seconds
            ),
        }
        print(
            f"{'32 connections (wrk), median of ' + str(args.rounds):40} {'admin':>9} {'agent':>9} {'agent/admin':>12}"
        )
        for name, measure in runs.items():
            admins, agents = [], []
            for _ in range(args.rounds):
                admins.append(measure(admin))
                agents.append(measure(agent))
            ours, theirs = statistics.median(agents), statistics.median(admins)
            verdict = "ok" if ours >= GOAL * theirs else f"below the goal of {GOAL:.0%}"
            print(f"{name + ' (req/s)':40} {theirs:9.0f} {ours:9.0f} {ours / theirs:12.2f}  {verdict}")
    finally:
        proc.stop()


if __name__ == "__main__":
    main()
