"""`kubeferry deliver`: one CI step — update a workload, wait, verify it, roll back on failure.

    kubeferry deliver deployment/my-app --image app=repo/app:1.2.3 --check 'path=/,body=1.2.3'
    kubeferry deliver -f manifests/ --timeout 5m --report deliver.json --junit deliver.xml

The run, in phases: take the workload's Lease (`delivery.lock`; `--wait-lock` waits for another
run to finish, else exit 3 naming the holder) → note the revision and images before → apply the
change with its change-cause (`delivery.cause`) → poll the rollout with the fail-fast diagnosis
(`delivery.assess`) → run the HTTP checks through the Service proxy (`delivery.checks`) → on any
failure roll back to the revision noted before (`delivery.rollback`) and wait for that rollout →
release the Lease, print the summary, write `--report`/`--junit` (`delivery.report`).  Exit codes
are `delivery.report`'s: 0 delivered, 1 rolled back, 2 timed out and rolled back, 3 nothing
changed (usage, connection, permission, lock), 4 left as is (rollback failed or no previous
revision).  `--dry-run` prints the server's dry-run diff and the plan, and changes nothing.
`--preflight` first asks the server (SelfSubjectAccessReview, `delivery.preflight`) about every
request the run would make and stops with exit 3 naming each missing permission.

Decisions live in `kubeferry.delivery`; this module is the I/O around them.  `--timeout` (and
`--rollback-timeout`) are wall-clock, as every client-side timeout; the DaemonSet/StatefulSet
progress deadline reads the cluster clock when the server offers one.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

EXIT_USAGE = 3
POLL_SECONDS = 0.25  # how often the workload and its pods are read while a rollout runs
LOCK_POLL_SECONDS = 1.0  # how often a waiting run looks at the Lease again
DEFAULT_TIMEOUT = "5m"
DEFAULT_PROGRESS_DEADLINE = "10m"
FIELD_MANAGER = "kubeferry-deliver"
APPLY_FIELD_MANAGER = "kubectl-client-side-apply"
HISTORY_KINDS = {"Deployment": "ReplicaSet", "DaemonSet": "ControllerRevision", "StatefulSet": "ControllerRevision"}

DESCRIPTION = """\
Update a Deployment, DaemonSet or StatefulSet, wait for the rollout with fail-fast diagnosis,
verify it with HTTP checks through the Service proxy, and roll back to the previous revision on
any failure.

Exit codes: 0 delivered; 1 failed and rolled back; 2 timed out and rolled back; 3 usage,
connection, permission or lock error before anything changed; 4 the rollback failed or there
was no previous revision (the workload is left as it is).

--check takes a path, or comma-separated key=value pairs: path (default /), status (default
200), service (default: the Service selecting the workload's pods), port (default: its first),
successes (in a row, default 3), failures (in a row, default 3), interval (default 1s), and
body (text the response must contain; may hold commas).  Example:
  --check 'path=/version,status=200,successes=5,body=1.2.3'
"""


class DeliverError(Exception):
    """A problem that ends the run with one line."""


def add_parser(subparsers, parents) -> None:
    import argparse

    parser = subparsers.add_parser(
        "deliver",
        parents=parents,
        help="Update a workload, wait, verify it, and roll back on failure (for CI)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("workload", nargs="?", default="", metavar="KIND/NAME", help="e.g. deployment/my-app")
    parser.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="CONTAINER=IMAGE",
        help="New image (repeatable; *=IMAGE for all).",
    )
    parser.add_argument(
        "-f", "--filename", action="append", default=[], help="Manifests to apply (files or directories)."
    )
    parser.add_argument(
        "-R", "--recursive", action="store_true", help="Process the directories given to -f recursively."
    )
    parser.add_argument(
        "--timeout", default=DEFAULT_TIMEOUT, help="Give up on the rollout and checks after this long (default 5m)."
    )
    parser.add_argument(
        "--rollback-timeout", default=None, help="How long to wait for a rollback (default: --timeout)."
    )
    parser.add_argument(
        "--progress-deadline",
        default=DEFAULT_PROGRESS_DEADLINE,
        help="DaemonSet/StatefulSet: fail after this long without progress (default 10m).",
    )
    parser.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="SPEC",
        help="HTTP check through the Service proxy (repeatable).",
    )
    parser.add_argument(
        "--cause", default=None, help="Change-cause to record (default: built from CI environment variables)."
    )
    parser.add_argument("--dry-run", action="store_true", help="Print the diff and what would happen; change nothing.")
    parser.add_argument(
        "--preflight",
        action="store_true",
        help="First check with access reviews that the credentials allow every step; exit 3 naming what is missing.",
    )
    parser.add_argument(
        "--wait-lock",
        default="0s",
        metavar="DURATION",
        help="Wait this long for another delivery of the workload to finish.",
    )
    parser.add_argument("--report", default="", metavar="FILE", help="Write a JSON report.")
    parser.add_argument("--junit", default="", metavar="FILE", help="Write a JUnit XML report.")
    parser.set_defaults(handler=run)


# -- displays -------------------------------------------------------------------------------------


class PlainDisplay:
    """CI logs: one timestamped line per step and per change of the rollout's message."""

    def __init__(self):
        self.last = ""

    def line(self, text: str) -> None:
        from kubeferry.delivery.output import plain_line
        from kubeferry.delivery.report import stamp

        print(plain_line(stamp(time.time()), text), flush=True)

    def progress(self, text: str) -> None:
        if text and text != self.last:
            self.last = text
            self.line(text)

    def close(self) -> None:
        pass


class LiveDisplay(PlainDisplay):
    """A terminal: finished steps stay, the current progress line is redrawn in place."""

    def __init__(self):
        super().__init__()
        self.pending = False

    def line(self, text: str) -> None:
        self._clear()
        print(text, flush=True)

    def progress(self, text: str) -> None:
        if text and text != self.last:
            self.last = text
            self._clear()
            sys.stdout.write(f"  … {text}")
            sys.stdout.flush()
            self.pending = True

    def _clear(self) -> None:
        if self.pending:
            sys.stdout.write("\r\x1b[K")
            self.pending = False

    def close(self) -> None:
        self._clear()
        sys.stdout.flush()


# -- the run --------------------------------------------------------------------------------------


class Deliver:
    def __init__(self, args, conn, res, kind: str, name: str, namespace: str, display, env):
        from kubeferry.delivery.report import Report

        self.args = args
        self.conn = conn
        self.transport = conn.transport
        self.res = res
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.display = display
        self.env = env
        self.report = Report(kind, name, namespace, time.time(), dry_run=args.dry_run)
        self.stop_renewing = threading.Event()
        self.lease: dict | None = None
        self.lease_name = ""
        self.me = ""
        from kubeferry.delivery.clusterclock import ClusterClock

        self.clock = ClusterClock(self.transport)

    # -- small I/O helpers

    def get_workload(self) -> dict | None:
        obj = self.transport.get(self.res.api_version, self.kind, self.namespace, self.name)
        if obj is not None:
            obj.setdefault("apiVersion", self.res.api_version)
            obj.setdefault("kind", self.kind)
        return obj

    def selector(self, workload: dict) -> str:
        from kubeferry.machinery.selectors import format_label_selector

        return format_label_selector((workload.get("spec") or {}).get("selector"))

    def owned(self, workload: dict) -> list[dict]:
        return self.transport.list_objects(
            "apps/v1", HISTORY_KINDS[self.kind], self.namespace, label_selector=self.selector(workload)
        ).items

    def pods(self, workload: dict) -> list[dict]:
        return self.transport.list_objects("v1", "Pod", self.namespace, label_selector=self.selector(workload)).items

    def events(self, pod: str) -> list[dict]:
        try:
            return self.transport.list_objects(
                "v1", "Event", self.namespace, field_selector=f"involvedObject.name={pod}"
            ).items
        except Exception:  # noqa: BLE001 - a diagnosis stands without its event
            return []

    def cluster_now(self) -> float:
        return self.clock.now()

    def revisions(self, workload: dict):
        from kubeferry.delivery import rollback

        return rollback.history(workload, self.owned(workload))

    # -- phases

    def phase(self, name: str):
        from kubeferry.delivery.report import Phase

        phase = Phase(name, time.time())
        self.report.phases.append(phase)
        return phase

    def end(self, phase, status: str, message: str, details: list[str] | None = None) -> None:
        phase.seconds = time.time() - phase.started
        phase.status = status
        phase.message = message
        phase.details = list(details or [])
        mark = {"passed": "✓", "failed": "✗", "skipped": "-"}[status]
        self.display.line(f"{mark} {phase.name}: {message}")
        for line in phase.details:
            self.display.line(f"    {line}")

    # -- lock

    def take_lock(self, wait: float) -> str:
        """ "" when the Lease is ours, else the one-line reason (held by someone)."""
        import datetime as dt
        import socket

        from kubeferry.delivery import cause, lock
        from kubeferry.machinery.status import StatusError

        self.me = cause.holder_identity(self.env, socket.gethostname(), os.getpid())
        self.lease_name = lock.lease_name(self.kind, self.name)
        self.report.lock = {"lease": f"{self.namespace}/{self.lease_name}", "holder": self.me}
        ends = time.monotonic() + wait
        announced = False
        while True:
            now = dt.datetime.now(dt.UTC)
            current = self.transport.get(lock.LEASE_API_VERSION, lock.LEASE_KIND, self.namespace, self.lease_name)
            decision = lock.decide(current, self.me, now)
            try:
                if decision.action == lock.CREATE:
                    self.lease = self.transport.create(
                        lock.new_lease(self.namespace, self.lease_name, self.me, now, self.report.workload)
                    )
                    return ""
                if decision.action in (lock.TAKE, lock.RENEW):
                    self.lease = self.transport.update(lock.taken(current, self.me, now))
                    return ""
            except StatusError as e:
                if e.code == 409:  # another run won the race: look again
                    continue
                raise
            message = lock.held_message(
                self.report.workload, self.namespace, self.lease_name, decision.holder, decision.remaining
            )
            self.report.lock["heldBy"] = decision.holder
            if time.monotonic() >= ends:
                return message
            if not announced:
                self.display.line(f"waiting for the lock: {message}")
                announced = True
            time.sleep(min(LOCK_POLL_SECONDS, max(0.0, ends - time.monotonic())))

    def renew_loop(self) -> None:
        import datetime as dt

        from kubeferry.delivery import lock

        while not self.stop_renewing.wait(lock.RENEW_SECONDS):
            try:
                self.lease = self.transport.update(lock.renewed(self.lease, dt.datetime.now(dt.UTC)))
            except Exception:  # noqa: BLE001 - the next renewal tries again; the Lease lasts 3 periods
                with contextlib.suppress(Exception):
                    self.lease = self.transport.get(
                        lock.LEASE_API_VERSION, lock.LEASE_KIND, self.namespace, self.lease_name
                    )

    def release(self) -> None:
        from kubeferry.delivery import lock

        self.stop_renewing.set()
        if self.lease is None:
            return
        meta = self.lease.get("metadata") or {}
        try:
            current = self.transport.get(lock.LEASE_API_VERSION, lock.LEASE_KIND, self.namespace, self.lease_name)
            if current is not None and lock.holder(current) == self.me:
                self.transport.delete(
                    lock.LEASE_API_VERSION,
                    lock.LEASE_KIND,
                    self.namespace,
                    self.lease_name,
                    {
                        "preconditions": {
                            "uid": meta.get("uid"),
                            "resourceVersion": (current.get("metadata") or {}).get("resourceVersion"),
                        }
                    },
                )
        except Exception:  # noqa: BLE001 - an unreleased Lease expires on its own
            pass
        self.lease = None

    # -- apply

    def apply(self, before: dict | None, images: dict, cause_text: str, manifests: list, dry_run: bool) -> dict | None:
        """Send the change; returns the workload as the server stored it (or would, on a dry run)."""
        from kubeferry.delivery import update

        params = {"dry_run": dry_run, "field_manager": FIELD_MANAGER}
        if images:
            body = update.image_patch(before, images, cause_text)
            return self.transport.patch(
                self.res.api_version,
                self.kind,
                self.namespace,
                self.name,
                body,
                "application/strategic-merge-patch+json",
                **params,
            )
        return apply_manifests(self, manifests, cause_text, dry_run)

    # -- waiting

    def wait_rollout(self, ends: float, phase_name: str):
        """(assessment | None on timeout, workload)."""
        from kubeferry.delivery import assess, checks

        deadline = checks.parse_duration(self.args.progress_deadline, "--progress-deadline")
        progress = assess.ProgressClock(deadline) if self.kind != "Deployment" else None
        workload = None
        while True:
            workload = self.get_workload()
            if workload is None:
                return assess.Assessment("", failure=f"{self.report.workload} was deleted"), None
            pods = self.pods(workload)
            owned = self.owned(workload) if self.kind != "StatefulSet" else []
            passed = progress.passed(workload, self.cluster_now()) if progress is not None else False
            found = assess.assess(workload, pods, owned, deadline_passed=passed)
            if found.failure and found.diagnosis is not None:
                found = assess.assess(workload, pods, owned, self.events(found.diagnosis.pod), deadline_passed=passed)
            elif found.suspects:  # a pod waits for its sandbox: is a volume's source missing?
                found = assess.assess(workload, pods, owned, self.events(found.suspects[0]), deadline_passed=passed)
            if found.done or found.failure:
                return found, workload
            self.display.progress(f"{phase_name}: {found.message}")
            if time.monotonic() >= ends:
                return None, workload
            time.sleep(min(POLL_SECONDS, max(0.0, ends - time.monotonic())))

    # -- checks

    def run_check(self, spec, workload: dict, ends: float):
        """(CheckRun, timed_out)."""
        from kubeferry.delivery import checks
        from kubeferry.machinery.status import StatusError

        service, port = self.resolve_service(spec, workload)
        resolved = checks.CheckSpec(**{**spec.__dict__, "service": service, "port": port})
        run = checks.CheckRun(resolved)
        path = checks.proxy_path(self.namespace, service, port, resolved.path)
        while True:
            try:
                response = self.transport.raw("GET", path, accept="*/*")
                status, body = response.status, response.body.decode("utf-8", "replace")
            except StatusError as e:
                status, body = e.code, e.message
            verdict = run.record(status, body)
            self.display.progress(
                f"check {resolved.describe()}: {run.attempts} requests, {run.passes_in_row} passed in a row"
            )
            if verdict:
                return run, False
            if time.monotonic() + resolved.interval >= ends:
                return run, True
            time.sleep(resolved.interval)

    def resolve_service(self, spec, workload: dict) -> tuple[str, str]:
        from kubeferry.delivery import checks

        if spec.service:
            service = self.transport.get("v1", "Service", self.namespace, spec.service)
            if service is None:
                raise DeliverError(f'check: service "{spec.service}" not found in namespace "{self.namespace}"')
            return spec.service, spec.port or checks.default_port(service)
        labels = (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
        services = self.transport.list_objects("v1", "Service", self.namespace).items
        names = checks.services_for(services, labels)
        if len(names) != 1:
            found = "no Service selects" if not names else f"{len(names)} Services ({', '.join(names)}) select"
            raise DeliverError(
                f"check: {found} the pods of {self.report.workload}; name one with --check service=NAME,..."
            )
        chosen = next(s for s in services if s["metadata"]["name"] == names[0])
        return names[0], spec.port or checks.default_port(chosen)

    # -- rollback

    def roll_back(self, changed: bool) -> str:
        """Roll back to `report.revision_before` and wait; returns the rollback result."""
        from kubeferry.delivery import checks, rollback
        from kubeferry.delivery import report as rp

        phase = self.phase("rollback")
        self.report.rollback["attempted"] = True
        target = self.report.revision_before
        self.report.rollback["toRevision"] = target
        try:
            workload = self.get_workload()
            history = self.revisions(workload) if workload is not None else {}
        except Exception as e:  # noqa: BLE001
            return self._rollback_failed(phase, f"could not read the revision history: {error_text(e)}")
        if not changed or target == 0 or target not in history or workload is None:
            why = (
                "the delivery did not change the pod template"
                if not changed
                else f"{self.report.workload} had no revision before this delivery"
            )
            message = f"no previous revision to roll back to ({why}); the workload is left as it is"
            self.report.rollback.update(result=rp.ROLLBACK_NONE, message=message)
            self.end(phase, rp.FAILED, message)
            return rp.ROLLBACK_NONE
        if self.kind == "Deployment" and (workload.get("spec") or {}).get("paused"):
            return self._rollback_failed(phase, "the deployment is paused; the workload is left as it is")
        plan = rollback.plan(workload, history[target])
        try:
            if not plan.skip:
                self.transport.patch(
                    self.res.api_version,
                    self.kind,
                    self.namespace,
                    self.name,
                    plan.body,
                    plan.patch_type,
                    field_manager=FIELD_MANAGER,
                )
        except Exception as e:  # noqa: BLE001
            return self._rollback_failed(phase, f"the rollback patch was refused: {error_text(e)}")
        self.end(phase, rp.PASSED, f"rolled back to revision {target}")
        wait_phase = self.phase("rollback-rollout")
        timeout = checks.parse_duration(self.args.rollback_timeout or self.args.timeout, "--rollback-timeout")
        ends = time.monotonic() + (timeout if timeout > 0 else float("inf"))
        try:
            found, workload = self.wait_rollout(ends, "rollback")
        except Exception as e:  # noqa: BLE001
            return self._rollback_failed(
                wait_phase, f"lost the cluster while waiting for the rollback: {error_text(e)}"
            )
        if found is None or not found.done:
            why = "timed out waiting for the rollback" if found is None else f"the rollback failed: {found.failure}"
            details = found.diagnosis.lines(self.kind, self.name)[1:] if found is not None and found.diagnosis else []
            return self._rollback_failed(wait_phase, f"{why}; the workload is left as it is", details)
        self.record_final(workload)
        message = f"rolled back to revision {target}: {found.message}"
        self.report.rollback.update(result=rp.ROLLBACK_SUCCEEDED, message=message)
        self.end(wait_phase, rp.PASSED, found.message)
        return rp.ROLLBACK_SUCCEEDED

    def _rollback_failed(self, phase, message: str, details: list[str] | None = None) -> str:
        from kubeferry.delivery import report as rp

        self.report.rollback.update(result=rp.ROLLBACK_ERROR, message=message)
        self.end(phase, rp.FAILED, message, details)
        return rp.ROLLBACK_ERROR

    def record_final(self, workload: dict | None) -> None:
        from kubeferry.delivery import rollback

        if workload is None:
            return
        with contextlib.suppress(Exception):  # the report keeps 0 (unknown)
            self.report.revision_final = rollback.current_revision(workload, self.revisions(workload))

    # -- preflight

    def run_preflight(self, manifests: list, specs: list) -> str:
        """Ask the server about every request of this run; "" when all are allowed, else the failure message."""
        from kubeferry.delivery import preflight as pf
        from kubeferry.delivery import report as rp

        phase = self.phase("preflight")
        try:
            needs = self.preflight_needs(manifests, specs)
            answers = [
                self.transport.raw("POST", pf.REVIEW_PATH, pf.review_body(n, self.namespace)).json() for n in needs
            ]
            found = pf.verdict(needs, answers, self.namespace)
        except (DeliverError, ValueError) as e:
            self.end(phase, rp.FAILED, str(e))
            return f"preflight: {e}"
        except Exception as e:  # noqa: BLE001 - a refused or failed review: nothing was changed
            self.end(phase, rp.FAILED, error_text(e))
            return f"preflight: {error_text(e)}"
        if found.ok:
            self.end(phase, rp.PASSED, found.summary())
            return ""
        self.end(phase, rp.FAILED, f"{len(found.missing)} of {found.checked} permissions missing", found.lines())
        return pf.PREFIX + found.summary()

    def preflight_needs(self, manifests: list, specs: list) -> list:
        """The run's requests (`permissions.deliver_needs`), with the Services its checks go through resolved."""
        from kubeferry.delivery import permissions as pm
        from kubeferry.machinery.status import StatusError

        def readable(read):
            try:
                return read()
            except StatusError as e:
                if e.code == 403:  # the review names the missing read
                    return None
                raise

        workload = readable(self.get_workload)
        items = []
        for item in manifests:
            res = item.resource
            if res.kind == self.kind and item.name == self.name:
                continue
            live = readable(
                lambda res=res, item=item: self.transport.get(res.api_version, res.kind, item.namespace, item.name)
            )
            items.append(pm.ManifestItem(res.group, res.plural, item.name, live is not None))
        workload_exists = workload is not None or not manifests
        given = next((m.obj for m in manifests if m.resource.kind == self.kind and m.name == self.name), None)
        template = given or workload
        through, named = [], []
        for spec in specs:
            if spec.service:
                named.append(spec.service)
            if template is None:
                continue
            resolved = readable(lambda spec=spec: self.resolve_service(spec, template))
            if resolved is not None:
                through.append(resolved)
        return pm.deliver_needs(
            pm.Target(self.kind, self.name),
            check_services=through,
            list_services=any(not spec.service for spec in specs),
            named_services=named,
            manifests=items,
            workload_exists=workload_exists,
        )

    # -- the whole run

    def run(self, images: dict, manifests: list, cause_text: str) -> int:
        from kubeferry.delivery import checks as ck
        from kubeferry.delivery import report as rp
        from kubeferry.delivery import rollback, update

        args = self.args
        self.report.cause = cause_text
        specs = [ck.parse_check(text) for text in args.check]
        timeout = ck.parse_duration(args.timeout, "--timeout")
        wait_lock = ck.parse_duration(args.wait_lock, "--wait-lock")
        if args.preflight:  # with --dry-run too: the server's dry run needs the same rights
            refused = self.run_preflight(manifests, specs)
            if refused:
                return self.finish(rp.FAILURE_BEFORE_CHANGE, None, refused)
        if args.dry_run:
            return self.dry_run(images, manifests, cause_text, specs, timeout)

        phase = self.phase("lock")
        try:
            held = self.take_lock(wait_lock)
        except Exception as e:  # noqa: BLE001
            self.end(phase, rp.FAILED, error_text(e))
            return self.finish(rp.FAILURE_BEFORE_CHANGE, None, f"could not take the lock: {error_text(e)}")
        if held:
            self.end(phase, rp.FAILED, held)
            return self.finish(rp.FAILURE_BEFORE_CHANGE, None, held)
        self.end(phase, rp.PASSED, f"holding lease {self.namespace}/{self.lease_name} as {self.me}")
        renewer = threading.Thread(target=self.renew_loop, daemon=True)
        renewer.start()
        try:
            return self._run_locked(images, manifests, cause_text, specs, timeout, rp, rollback, update)
        finally:
            self.release()

    def _run_locked(self, images, manifests, cause_text, specs, timeout, rp, rollback, update) -> int:
        started = time.monotonic()
        ends = started + timeout if timeout > 0 else float("inf")
        phase = self.phase("apply")
        try:
            before = self.get_workload()
            if before is None and images:
                raise DeliverError(f'{self.res.plural}.apps "{self.name}" not found')
            if before is not None:
                if self.kind == "Deployment" and (before.get("spec") or {}).get("paused"):
                    raise DeliverError(
                        f'deployment "{self.name}" is paused; resume it first with kubeferry rollout resume'
                    )
                self.report.images_before = update.images(before)
                self.report.revision_before = rollback.current_revision(before, self.revisions(before))
            after = self.apply(before, images, cause_text, manifests, False)
        except Exception as e:  # noqa: BLE001 - nothing changed: the server refused the write, or we never sent it
            self.end(phase, rp.FAILED, error_text(e))
            return self.finish(rp.FAILURE_BEFORE_CHANGE, None, error_text(e))
        changed = before is None or template_changed(before, after)
        self.report.images_after = update.images(after or {})
        self.end(
            phase,
            rp.PASSED,
            f"{self.report.workload} "
            + ("updated" if changed else "unchanged (pod template already as given)")
            + f": {describe_images(self.report.images_before, self.report.images_after)}",
        )

        failure, message = None, ""
        phase = self.phase("rollout")
        try:
            found, workload = self.wait_rollout(ends, "rollout")
        except Exception as e:  # noqa: BLE001
            found, workload = None, None
            failure, message = rp.FAILURE_ROLLOUT, f"lost the cluster during the rollout: {error_text(e)}"
            self.end(phase, rp.FAILED, message)
        if failure is None:
            if found is None:
                failure, message = rp.FAILURE_TIMEOUT, "timed out waiting for the rollout"
                self.end(phase, rp.FAILED, message)
            elif not found.done:
                failure, message = rp.FAILURE_ROLLOUT, found.failure
                details = []
                if found.diagnosis is not None:
                    self.report.diagnosis = found.diagnosis.as_dict()
                    details = [
                        f'pod "{found.diagnosis.pod}": {found.diagnosis.reason}'
                        + (f": {found.diagnosis.message}" if found.diagnosis.message else "")
                    ]
                    if found.diagnosis.event:
                        details.append(f"latest event: {found.diagnosis.event}")
                self.end(phase, rp.FAILED, message, details)
            else:
                self.record_final(workload)
                self.report.revision_after = self.report.revision_final
                self.end(phase, rp.PASSED, found.message)
        for spec in specs:
            phase = self.phase(f"check {spec.path}")
            if failure is not None:
                self.end(phase, rp.SKIPPED, "not run: " + message)
                continue
            try:
                run, timed_out = self.run_check(spec, workload, ends)
            except Exception as e:  # noqa: BLE001
                failure, message = rp.FAILURE_ROLLOUT, error_text(e)
                self.end(phase, rp.FAILED, message)
                continue
            self.report.checks.append(run.as_dict())
            if run.verdict == ck_passed():
                self.end(
                    phase,
                    rp.PASSED,
                    f"{run.spec.describe()} via service {run.spec.service}:{run.spec.port}: passed after {run.attempts} requests",
                )
                continue
            if timed_out:
                failure, message = rp.FAILURE_TIMEOUT, f"timed out during check {run.spec.describe()}"
            else:
                failure, message = rp.FAILURE_ROLLOUT, run.failure_message()
            self.end(phase, rp.FAILED, message)
        if failure is None:
            self.report.rollback["result"] = ""
            return self.finish(None, None, f"delivered revision {self.report.revision_after}")
        if not self.report.revision_after:
            self.record_final(self.get_workload_quietly())
            self.report.revision_after = self.report.revision_final
        result = self.roll_back(changed)
        return self.finish(failure, result, message)

    def get_workload_quietly(self) -> dict | None:
        try:
            return self.get_workload()
        except Exception:  # noqa: BLE001
            return None

    def finish(self, failure, rollback_result, message: str) -> int:
        from kubeferry.delivery import output
        from kubeferry.delivery import report as rp

        self.report.finish(failure, rollback_result, message, time.time())
        self.display.close()
        for line in rp.summary(self.report):
            self.display.line(line)
        if failure is not None:
            print(f"error: {self.report.workload}: {message}", file=sys.stderr, flush=True)
            lines = [message]
            for phase in self.report.phases:
                if phase.status == rp.FAILED and phase.message != message:
                    lines.append(f"{phase.name}: {phase.message}")
                if phase.status == rp.FAILED:
                    lines.extend(phase.details)
            lines.append(f"result: {self.report.result} (exit {self.report.exit_code})")
            for line in output.annotation(
                output.annotation_system(self.env), self.report.workload, lines, int(time.time())
            ):
                print(line, flush=True)
        return self.report.exit_code

    # -- dry run

    def dry_run(self, images, manifests, cause_text, specs, timeout) -> int:
        import datetime as dt
        import difflib

        from kubeferry.delivery import lock, rollback, update
        from kubeferry.delivery import report as rp

        before = self.get_workload()
        if before is None and images:
            raise DeliverError(f'{self.res.plural}.apps "{self.name}" not found')
        after = self.apply(before, images, cause_text, manifests, True)
        old, new = yaml_of(before), yaml_of(after)
        label = f"{self.res.plural}.apps/{self.name}"
        diff = list(
            difflib.unified_diff(old.splitlines(), new.splitlines(), f"live/{label}", f"after/{label}", lineterm="")
        )
        for line in diff or [f"no changes to {label}"]:
            print(line)
        lease_name = lock.lease_name(self.kind, self.name)
        current = self.transport.get(lock.LEASE_API_VERSION, lock.LEASE_KIND, self.namespace, lease_name)
        decision = lock.decide(current, "", dt.datetime.now(dt.UTC))
        state = f"held by {decision.holder}" if decision.action == lock.WAIT else "free"
        history = self.revisions(before) if before is not None else {}
        revision = rollback.current_revision(before, history) if before is not None else 0
        self.report.revision_before = revision
        self.report.images_before = update.images(before or {})
        self.report.images_after = update.images(after or {})
        plan = [
            "dry run: nothing was changed; the delivery would:",
            f"  take lease {self.namespace}/{lease_name} (now {state})",
            f'  record change-cause "{cause_text}"',
            f"  apply {label}: {describe_images(self.report.images_before, self.report.images_after)}"
            + ("" if template_changed(before, after) or before is None else " (pod template unchanged)"),
            f"  wait {'up to ' + format_seconds(timeout) if timeout > 0 else 'without a time limit'} for the rollout",
        ]
        plan.extend(
            f"  check {spec.describe()} through service {spec.service or '(the one selecting the pods)'}"
            for spec in specs
        )
        if revision and (before is None or template_changed(before, after)):
            plan.append(
                f"  on failure roll back to revision {revision} ({describe_images({}, self.report.images_before)})"
            )
        else:
            plan.append("  on failure leave the workload as it is (no previous revision to roll back to)")
        for line in plan:
            print(line)
        self.report.finish(None, None, "dry run: nothing was changed", time.time())
        self.report.result = "dry-run"
        return rp.EXIT_DELIVERED


def ck_passed() -> str:
    from kubeferry.delivery.checks import PASSED

    return PASSED


# -- helpers --------------------------------------------------------------------------------------


def template_changed(before: dict | None, after: dict | None) -> bool:
    from kubeferry.delivery import rollback

    def template(obj):
        return rollback.normal(rollback.without_hash(((obj or {}).get("spec") or {}).get("template") or {}))

    return template(before) != template(after)


def describe_images(before: dict, after: dict) -> str:
    """`app: repo/app:1.0 → repo/app:1.2.3`, unchanged containers as `side: proxy:2`."""
    parts = []
    for name, image in after.items():
        old = before.get(name)
        parts.append(f"{name}: {old} → {image}" if old and old != image else f"{name}: {image}")
    return ", ".join(parts) or "no containers"


def format_seconds(seconds: float) -> str:
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs}s" if minutes else f"{seconds:g}s"


def yaml_of(obj: dict | None) -> str:
    from kubeferry.cli import mutation as mu

    if obj is None:
        return ""
    obj = dict(obj)
    obj.pop("status", None)
    meta = dict(obj.get("metadata") or {})
    for key in ("managedFields", "resourceVersion", "generation"):
        meta.pop(key, None)
    obj["metadata"] = meta
    return mu.go_yaml(obj)


def error_text(error: BaseException) -> str:
    from kubeferry.machinery.status import StatusError

    if isinstance(error, StatusError):
        reason = f" ({error.reason})" if error.reason else ""
        return f"Error from server{reason}: {error.message}"
    return str(error)


def apply_manifests(deliver: Deliver, manifests: list, cause_text: str, dry_run: bool) -> dict | None:
    """kubectl's client-side apply of every manifest (the workload's carries the change-cause); returns the workload."""
    from kubeferry.cli import apply as ap
    from kubeferry.cli import mutation as mu
    from kubeferry.client import request as rq

    transport = deliver.transport
    result = None
    for item in manifests:
        res = item.resource
        is_workload = (
            res.kind == deliver.kind
            and item.name == deliver.name
            and (item.namespace or deliver.namespace) == deliver.namespace
        )
        if is_workload and cause_text:
            meta = item.obj.setdefault("metadata", {})
            meta["annotations"] = {**(meta.get("annotations") or {}), "kubernetes.io/change-cause": cause_text}
        modified = ap.with_last_applied(item.obj)
        params = mu.write_params(mu.DRY_SERVER if dry_run else mu.DRY_NONE, APPLY_FIELD_MANAGER, "Strict")
        live = transport.get(res.api_version, res.kind, item.namespace, item.name)
        if live is None:
            stored = transport.send(rq.create(res, item.namespace, modified, **params)).json()
        else:
            patch, patch_type = ap.three_way_patch(ap.parse_last_applied(live), modified, live, ap.schema_for(res))
            if not patch:
                stored = live
            else:
                stored = transport.send(rq.patch(res, item.namespace, item.name, patch, patch_type, **params)).json()
        if not dry_run:
            deliver.display.line(
                f"  applied {res.kind.lower()}.{res.group or 'core'}/{item.name}"
                if res.group
                else f"  applied {res.kind.lower()}/{item.name}"
            )
        if is_workload:
            stored.setdefault("apiVersion", res.api_version)
            stored.setdefault("kind", res.kind)
            result = stored
    return result


# -- entry ----------------------------------------------------------------------------------------


def _workload_from_manifests(manifests: list, given: str) -> tuple[str, str, str | None]:
    from kubeferry.delivery import update

    workloads = [
        m for m in manifests if m.resource.kind in update.WORKLOAD_KINDS.values() and m.resource.group == "apps"
    ]
    if given:
        kind, name = update.parse_target(given)
        if not any(m.resource.kind == kind and m.name == name for m in workloads):
            raise DeliverError(f"{given} is not in the manifests given to -f")
        match = next(m for m in workloads if m.resource.kind == kind and m.name == name)
        return kind, name, match.namespace
    if len(workloads) != 1:
        names = ", ".join(f"{m.resource.kind.lower()}/{m.name}" for m in workloads) or "none"
        raise DeliverError(
            f"the manifests must hold exactly one Deployment, DaemonSet or StatefulSet, or name one as KIND/NAME (found: {names})"
        )
    return workloads[0].resource.kind, workloads[0].name, workloads[0].namespace


def run(args) -> int:
    env = dict(os.environ)
    try:
        return _run(args, env)
    except (DeliverError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE


def _run(args, env) -> int:
    from kubeferry.cli.connect import connect, fail
    from kubeferry.delivery import cause, checks, output, update
    from kubeferry.delivery import report as rp

    # everything that can be checked without a server, first
    images = update.parse_images(args.image)
    if bool(images) == bool(args.filename):
        raise DeliverError("give either --image CONTAINER=IMAGE (with KIND/NAME) or -f MANIFESTS")
    if images and not args.workload:
        raise DeliverError("--image needs the workload as KIND/NAME, e.g. deployment/my-app")
    for text in args.check:
        checks.parse_check(text)
    for flag, value in (
        ("--timeout", args.timeout),
        ("--wait-lock", args.wait_lock),
        ("--progress-deadline", args.progress_deadline),
    ):
        checks.parse_duration(value, flag)
    if args.rollback_timeout is not None:
        checks.parse_duration(args.rollback_timeout, "--rollback-timeout")
    try:
        conn = connect(args, "deliver")
        manifests = []
        if args.filename:
            from kubeferry.cli import manifests as mf

            manifests = mf.read(args.filename, args.recursive, "deliver")
            for item in manifests:
                mf.resolve(item, conn.transport, conn.namespace, conn.namespace_explicit)
            kind, name, namespace = _workload_from_manifests(manifests, args.workload)
            namespace = namespace or conn.namespace
        else:
            kind, name = update.parse_target(args.workload)
            namespace = conn.namespace
        from kubeferry.machinery import resources

        res = next(r for r in resources.RESOURCES if r.group == "apps" and r.kind == kind)
    except (DeliverError, ValueError) as e:
        raise DeliverError(str(e)) from None
    except Exception as e:  # noqa: BLE001 - config, connection: kubectl's line, exit 3
        code = fail(e)
        return EXIT_USAGE if code else code
    change = update.describe_change(images, args.filename)
    cause_text = args.cause if args.cause is not None else cause.default_cause(env, change)
    mode = output.display_mode(env, sys.stdout.isatty())
    display = LiveDisplay() if mode == output.LIVE and not args.dry_run else PlainDisplay()
    deliver = Deliver(args, conn, res, kind, name, namespace, display, env)
    try:
        code = deliver.run(images, manifests, cause_text)
    except (DeliverError, ValueError) as e:
        deliver.report.finish(rp.FAILURE_BEFORE_CHANGE, None, str(e), time.time())
        print(f"error: {e}", file=sys.stderr)
        code = deliver.report.exit_code
    except Exception as e:  # noqa: BLE001 - a server or connection error before the change
        deliver.report.finish(rp.FAILURE_BEFORE_CHANGE, None, error_text(e), time.time())
        print(error_text(e) if not hasattr(e, "code") else error_text(e), file=sys.stderr)
        code = deliver.report.exit_code
    finally:
        display.close()
    write_reports(args, deliver.report)
    return code


def write_reports(args, report) -> None:
    from kubeferry.delivery import report as rp

    for path, render in ((args.report, rp.to_json), (args.junit, rp.to_junit)):
        if not path:
            continue
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(render(report))
        except OSError as e:
            print(f"error: cannot write {path}: {e.strerror or e}", file=sys.stderr)
