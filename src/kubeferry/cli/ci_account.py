"""`kubeferry ci-account`: a least-privilege service account for a CI pipeline, and its kubeconfig.

    kubeferry ci-account cd-agent -n ci --for deployment/my-app --duration 24h --kubeconfig-out ci.kubeconfig

Reads the `--for` workloads and the Services selecting their pods (for the `services/proxy`
rule the checks need), then creates or updates ServiceAccount, Role and RoleBinding
(`delivery.account`, rules from `delivery.permissions`), requests a token for the account
(TokenRequest, `--duration`) and prints a kubeconfig for the current context's cluster, or writes
it to `--kubeconfig-out` (mode 0600).  Progress lines go to stderr when the kubeconfig goes to
stdout, so `kubeferry ci-account ... > ci.kubeconfig` works.  Exit 0, or 1 for a server error,
3 for bad input or a connection problem.
"""

from __future__ import annotations

import sys

EXIT_FAILED = 1
EXIT_USAGE = 3
DEFAULT_DURATION = "1h"

DESCRIPTION = """\
Create (or update) a ServiceAccount with a Role allowing exactly what `kubeferry deliver` and the
rollout commands need on the given workloads, and print a kubeconfig that authenticates as it
with a token lasting --duration.  Re-running with other --for workloads replaces the Role's rules.

Example:
  kubeferry ci-account cd-agent -n ci --for deployment/my-app --kubeconfig-out ci.kubeconfig
"""


def add_parser(subparsers, parents) -> None:
    import argparse

    parser = subparsers.add_parser(
        "ci-account",
        parents=parents,
        help="Create a least-privilege service account for CI and print its kubeconfig",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="The ServiceAccount's name, e.g. cd-agent")
    parser.add_argument(
        "--for",
        dest="targets",
        action="append",
        default=[],
        metavar="KIND/NAME",
        help="A workload the account may deliver (repeatable), e.g. deployment/my-app.",
    )
    parser.add_argument(
        "--duration", default=DEFAULT_DURATION, help="How long the token is valid (default 1h; at least 10m)."
    )
    parser.add_argument("--kubeconfig-out", default="", metavar="FILE", help="Write the kubeconfig here (mode 0600).")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from kubeferry.cli.connect import fail
    from kubeferry.delivery import account, checks, permissions

    try:
        name = account.check_name(args.name)
        targets = permissions.parse_targets(args.targets)
        seconds = account.check_duration(checks.parse_duration(args.duration, "--duration"))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run(args, name, targets, seconds)
    except Exception as e:  # noqa: BLE001 - config, connection and API errors as kubectl prints them
        return fail(e)


def _say(args, line: str) -> None:
    print(line, file=sys.stdout if args.kubeconfig_out else sys.stderr, flush=True)


def _run(args, name: str, targets: list, seconds: int) -> int:
    from kubeferry.cli.connect import connect
    from kubeferry.delivery import account, checks, permissions

    conn = connect(args, "ci-account")
    transport = conn.transport
    namespace = conn.namespace

    services_of = {}
    all_services = None
    for target in targets:
        workload = transport.get("apps/v1", target.kind, namespace, target.name)
        if workload is None:
            _say(args, f"warning: {target} not found in namespace {namespace}; the Role names it anyway")
            continue
        labels = (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
        if all_services is None:
            all_services = transport.list_objects("v1", "Service", namespace).items
        chosen = set(checks.services_for(all_services, labels))
        services_of[target] = [s for s in all_services if s["metadata"]["name"] in chosen]
    rules = permissions.role_rules(targets, services_of)

    wanted_sa = account.service_account(namespace, name)
    if transport.get("v1", "ServiceAccount", namespace, name) is None:
        transport.create(wanted_sa)
        _say(args, f"serviceaccount/{name} created")
    else:
        _say(args, f"serviceaccount/{name} unchanged")

    wanted_role = account.role(namespace, name, rules, targets)
    live_role = transport.get(account.RBAC_API, "Role", namespace, account.role_name(name))
    result = account.outcome(live_role, wanted_role)
    if live_role is None:
        transport.create(wanted_role)
    elif result == account.CONFIGURED:
        transport.update(account.merged_role(live_role, wanted_role))
    _say(args, f"role.rbac.authorization.k8s.io/{account.role_name(name)} {result}")

    wanted_binding = account.role_binding(namespace, name)
    live_binding = transport.get(account.RBAC_API, "RoleBinding", namespace, account.role_name(name))
    if live_binding is None:
        transport.create(wanted_binding)
        result = account.CREATED
    else:
        conflict = account.binding_conflict(live_binding, wanted_binding)
        if conflict:
            print(f"error: {conflict}", file=sys.stderr)
            return EXIT_FAILED
        updated = account.binding_with_subject(live_binding, wanted_binding)
        if updated is not None:
            transport.update(updated)
        result = account.UNCHANGED if updated is None else account.CONFIGURED
    _say(args, f"rolebinding.rbac.authorization.k8s.io/{account.role_name(name)} {result}")

    path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
    answer = transport.raw("POST", path, account.token_request(seconds)).json()
    token = (answer.get("status") or {}).get("token", "")
    expires = (answer.get("status") or {}).get("expirationTimestamp", "")
    config = conn.config
    ca_pem = config.ca_data
    if not ca_pem and config.ca_file:
        with open(config.ca_file, "rb") as handle:
            ca_pem = handle.read()
    document = account.kubeconfig(
        config.context or "cluster",
        config.server,
        namespace,
        name,
        token,
        ca_pem=ca_pem,
        insecure=bool(config.insecure),
        server_name=config.server_name or "",
    )
    from kubeferry.cli import mutation as mu

    text = mu.go_yaml(document)
    if args.kubeconfig_out:
        import os

        try:
            fd = os.open(args.kubeconfig_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(args.kubeconfig_out, 0o600)
        except OSError as e:
            print(f"error: cannot write {args.kubeconfig_out}: {e.strerror or e}", file=sys.stderr)
            return EXIT_USAGE
        _say(args, f"kubeconfig for {name} written to {args.kubeconfig_out} (token expires {expires})")
    else:
        _say(args, f"token for {name} expires {expires}")
        sys.stdout.write(text)
    return 0
