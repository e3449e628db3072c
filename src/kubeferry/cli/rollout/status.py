"""`kubeferry rollout status`: watch a rollout until it finishes, fails, or time runs out.

kubectl's behaviour (semantics §6.1, wire protocol "rollout status"): a GET, then a watch-list
request on the one object (`sendInitialEvents=true`, bookmarks, `fieldSelector=metadata.name=…`),
re-watching from the last resourceVersion when the server ends the stream and starting over on 410.
Every ADDED/MODIFIED event prints the viewer's line (`kubeferry.delivery.rolloutstatus`); done →
exit 0; `--watch=false` prints the first line and exits 0; a deleted object, a viewer error or
`--timeout` ends with kubectl's `error: …` line.

Beyond kubectl (on by default; `--fail-fast=false` gives kubectl's behaviour and exit codes back):
* fail-fast diagnosis: every `POLL_SECONDS` the new pods are checked (`kubeferry.delivery.diagnosis`);
  an image that cannot be pulled, a crash loop or an unschedulable pod ends the wait at once with the
  pod, the reason and the latest event about it.
* DaemonSets and StatefulSets get a client-side progress deadline (`--progress-deadline`, default
  600s): no change in their rollout counters for that long fails the rollout like a Deployment's
  ProgressDeadlineExceeded, naming the pods still unready.  Time is the cluster's
  (`GET /kubeferry/v1/clock`) when the server offers it, else this machine's.
* Exit codes: 0 rolled out, 1 failed (diagnosis or progress deadline), 2 `--timeout` elapsed,
  3 usage or connection error.  (kubectl mode: 0 or 1.)
* Output: on a terminal a live block (totals and one line per revision, redrawn in place with ANSI
  escapes); otherwise kubectl's lines; `-o json` prints one JSON object per change.
"""

from __future__ import annotations

import json
import queue
import random
import sys
import threading
import time

from kubeferry.cli import rollout

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: the CLI's import path stays lean
    from kubeferry.delivery.clusterclock import ClusterClock

POLL_SECONDS = 0.5  # how often the new pods are checked while a rollout is unfinished
DEFAULT_PROGRESS_DEADLINE = 600.0  # seconds; a Deployment's default progressDeadlineSeconds
WATCH_TIMEOUT_RANGE = (300, 600)  # kubectl's random watch timeoutSeconds
EXIT_TIMEOUT = 2
TIMED_OUT = "timed out waiting for the condition"
DELETED = "object has been deleted"
KIND_LABELS = {"Deployment": "deployment", "DaemonSet": "daemon set", "StatefulSet": "statefulset"}


def parse_duration(text: str, flag: str) -> float:
    """Go's time.ParseDuration (plus a bare number of seconds): `0`, `90s`, `1m30s`, `1.5h`, `250ms`."""
    from kubeferry.machinery import durations

    try:
        return durations.parse(text)
    except ValueError:
        raise rollout.UsageError(durations.flag_error(text, flag))


def _bool(text: str) -> bool:
    lowered = str(text).lower()
    if lowered in ("true", "1", "t", "yes"):
        return True
    if lowered in ("false", "0", "f", "no"):
        return False
    raise ValueError(text)


def register(sub, parents) -> None:
    from kubeferry.cli.rollout import add_target_flags

    text = "Show the status of the rollout"
    parser = sub.add_parser("status", parents=parents, help=text, description=text + ".")
    add_target_flags(parser)
    parser.add_argument(
        "-w", "--watch", type=_bool, nargs="?", const=True, default=True, help="Watch the status until done."
    )
    parser.add_argument("--revision", type=int, default=0, help="Pin to a specific revision (Deployments only).")
    parser.add_argument("--timeout", default="0s", help="Time to wait before ending watch, zero means never.")
    parser.add_argument(
        "--fail-fast",
        type=_bool,
        nargs="?",
        const=True,
        default=True,
        help="Stop at the first stuck new pod (default true).",
    )
    parser.add_argument(
        "--progress-deadline",
        default=None,
        help="DaemonSet/StatefulSet: fail after this long without progress (default 600s).",
    )
    parser.add_argument("-o", "--output", default="", choices=["", "json"], help="json: one JSON object per change.")
    parser.set_defaults(handler=run)


# -- the cluster clock ---------------------------------------------------------------------------


# -- the watch -----------------------------------------------------------------------------------


def _watch_thread(conn, target, events: queue.Queue, stop: threading.Event) -> None:
    """Feed ("event", e) / ("error", exc) into `events`; re-watch on stream end, start over on 410."""
    from kubeferry.client import request as rq
    from kubeferry.machinery.status import StatusError

    api_version, kind = target.resource.api_version, target.kind
    selector = f"metadata.name={target.name}"
    rv = ""
    while not stop.is_set():
        timeout = random.randint(*WATCH_TIMEOUT_RANGE)
        try:
            stream = conn.transport.watch(
                api_version,
                kind,
                target.namespace,
                resource_version=rv,
                field_selector=selector,
                timeout_seconds=timeout,
                send_initial_events=not rv,
            )
            for event in stream:
                rv = str(((event.get("object") or {}).get("metadata") or {}).get("resourceVersion") or rv)
                if event.get("type") != "BOOKMARK":
                    events.put(("event", event))
                if stop.is_set():
                    return
        except StatusError as e:
            if rq.is_gone(e):
                rv = ""
                continue
            if not rv and e.code in (400, 422):  # the server refuses watch-list: list, then watch from the list's RV
                try:
                    listed = conn.transport.list_objects(api_version, kind, target.namespace, field_selector=selector)
                except Exception as inner:  # noqa: BLE001
                    events.put(("error", inner))
                    return
                for item in listed.items:
                    events.put(("event", {"type": "ADDED", "object": item}))
                rv = listed.resource_version
                continue
            events.put(("error", e))
            return
        except Exception as e:  # noqa: BLE001 - connection errors end the command with kubectl's line
            events.put(("error", e))
            return


# -- displays ------------------------------------------------------------------------------------


class PlainDisplay:
    """kubectl's lines: the viewer's message on every event."""

    def show(self, message: str, obj: dict, done: bool, rows: list[str]) -> None:
        print(message, flush=True)

    def close(self) -> None:
        pass


class JSONDisplay:
    """One JSON object per change of message or counters."""

    def __init__(self, clock: ClusterClock):
        self.clock = clock
        self.last: tuple | None = None

    def show(self, message: str, obj: dict, done: bool, rows: list[str]) -> None:
        from kubeferry.delivery.rolloutstatus import progress

        counts = progress(obj)
        key = (message, tuple(sorted(counts.items())), done)
        if key == self.last:
            return
        self.last = key
        record = {"time": self.clock.stamp(), "message": message, **counts, "done": done}
        print(json.dumps(record), flush=True)

    def failure(self, error: str, diagnosis=None) -> None:
        record = {"time": self.clock.stamp(), "error": error, "done": False}
        if diagnosis is not None:
            record["diagnosis"] = diagnosis.as_dict()
        print(json.dumps(record), flush=True)

    def close(self) -> None:
        pass


class LiveDisplay:
    """A block of lines redrawn in place: `ESC[nF` moves up n lines, `ESC[J` clears to the end."""

    def __init__(self):
        self.drawn = 0
        self.last: list[str] = []

    def show(self, message: str, obj: dict, done: bool, rows: list[str]) -> None:
        from kubeferry.delivery.rolloutstatus import progress

        counts = progress(obj)
        name = (obj.get("metadata") or {}).get("name", "")
        label = KIND_LABELS.get(obj.get("kind", ""), obj.get("kind", "").lower())
        head = (
            f'{label} "{name}": {counts["updated"]} updated, {counts["ready"]} ready, '
            f"{counts['available']} available of {counts['desired']} desired"
        )
        lines = [head, *rows, message]
        if lines == self.last:
            return
        out = sys.stdout
        if self.drawn:
            out.write(f"\x1b[{self.drawn}F\x1b[J")
        out.write("\n".join(lines) + "\n")
        out.flush()
        self.drawn = len(lines)
        self.last = lines

    def close(self) -> None:
        pass


# -- fail-fast checks ----------------------------------------------------------------------------


class Checker:
    """Lists the workload's pods (and ReplicaSets or ControllerRevisions) to diagnose and to describe revisions."""

    def __init__(self, conn, target, clock: ClusterClock, deadline: float):
        self.conn = conn
        self.target = target
        self.clock = clock
        self.deadline = deadline
        self.progress_key: tuple | None = None
        self.progress_at = 0.0
        self.rows: list[str] = []

    def _owned(self, obj: dict, selector: str) -> list[dict]:
        kind = "ReplicaSet" if self.target.kind == "Deployment" else "ControllerRevision"
        return self.conn.transport.list_objects("apps/v1", kind, self.target.namespace, label_selector=selector).items

    def poll(self, obj: dict, want_rows: bool, check: bool):
        """(diagnosis, deadline_passed) for the current object; refreshes `rows` when asked."""
        from kubeferry.delivery import diagnosis
        from kubeferry.machinery.selectors import format_label_selector

        selector = format_label_selector((obj.get("spec") or {}).get("selector"))
        transport = self.conn.transport
        pods = transport.list_objects("v1", "Pod", self.target.namespace, label_selector=selector).items
        owned = self._owned(obj, selector) if (self.target.kind != "StatefulSet" or want_rows) else []
        if want_rows:
            self.rows = revision_rows(obj, pods, owned)
        if not check:
            return None, False
        passed = False
        if self.target.kind != "Deployment":
            from kubeferry.delivery.rolloutstatus import progress

            now = self.clock.now()
            key = ((obj.get("metadata") or {}).get("generation"), tuple(sorted(progress(obj).items())))
            if key != self.progress_key:
                self.progress_key, self.progress_at = key, now
            passed = now - self.progress_at > self.deadline
        fresh = diagnosis.new_pods(obj, pods, owned)
        found = diagnosis.diagnose(fresh, deadline_passed=passed)
        hard = found is not None and found.reason != diagnosis.NOT_READY
        # a pod waiting for its sandbox comes before mere unreadiness: do its events name a missing volume source?
        suspects = [] if hard else diagnosis.mount_suspects(fresh)
        blamed = suspects[0] if suspects else (found.pod if found is not None else None)
        if blamed is not None:
            with_event = diagnosis.diagnose(
                [p for p in fresh if p["metadata"]["name"] == blamed], self._events(blamed), deadline_passed=passed
            )
            if found is None or with_event is not None:
                found = with_event
        return found, passed

    def _events(self, pod: str) -> list[dict]:
        try:
            return self.conn.transport.list_objects(
                "v1", "Event", self.target.namespace, field_selector=f"involvedObject.name={pod}"
            ).items
        except Exception:  # noqa: BLE001 - the diagnosis stands without its event
            return []

    def unready(self, obj: dict):
        """The first new pod that is not Ready (for the progress-deadline line), with its latest event."""
        from kubeferry.delivery import diagnosis
        from kubeferry.machinery.selectors import format_label_selector

        selector = format_label_selector((obj.get("spec") or {}).get("selector"))
        pods = self.conn.transport.list_objects("v1", "Pod", self.target.namespace, label_selector=selector).items
        owned = self._owned(obj, selector) if self.target.kind != "StatefulSet" else []
        found = diagnosis.diagnose(diagnosis.new_pods(obj, pods, owned), deadline_passed=True)
        if found is None:
            return None
        fresh = [p for p in pods if p["metadata"]["name"] == found.pod]
        return diagnosis.diagnose(fresh, self._events(found.pod), deadline_passed=True)


def revision_rows(obj: dict, pods: list[dict], owned: list[dict]) -> list[str]:
    """One line per live revision, newest first: `  revision 2 (web-5f6c…): 3 pods, 2 ready, 2 available`."""
    from kubeferry.machinery.podutil import is_pod_ready

    uid = (obj.get("metadata") or {}).get("uid")
    mine = [
        o
        for o in owned
        if any(r.get("uid") == uid and r.get("controller") for r in o["metadata"].get("ownerReferences") or [])
    ]
    rows: list[tuple[int, str]] = []
    if obj.get("kind") == "Deployment":
        for rs in mine:
            status = rs.get("status") or {}
            if not (status.get("replicas") or (rs.get("spec") or {}).get("replicas")):
                continue
            number = int(((rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision")) or 0)
            rows.append(
                (
                    number,
                    f"  revision {number} ({rs['metadata']['name']}): {status.get('replicas', 0)} pods, "
                    f"{status.get('readyReplicas', 0)} ready, {status.get('availableReplicas', 0)} available",
                )
            )
    else:
        by_hash: dict[str, list[dict]] = {}
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp"):
                continue
            by_hash.setdefault((pod["metadata"].get("labels") or {}).get("controller-revision-hash", ""), []).append(
                pod
            )
        numbers = {}
        for cr in mine:
            labels = cr["metadata"].get("labels") or {}
            numbers[labels.get("controller-revision-hash") or cr["metadata"]["name"]] = int(cr.get("revision") or 0)
            numbers[cr["metadata"]["name"]] = int(cr.get("revision") or 0)
        for hash_, group in by_hash.items():
            number = numbers.get(hash_, 0)
            ready = sum(1 for p in group if is_pod_ready(p))
            rows.append((number, f"  revision {number} ({hash_}): {len(group)} pods, {ready} ready"))
    return [text for _, text in sorted(rows, key=lambda r: -r[0])]


# -- the command ---------------------------------------------------------------------------------


def run(args) -> int:
    kubectl_mode = not args.fail_fast
    usage_code = rollout.EXIT_FAILED if kubectl_mode else rollout.EXIT_USAGE
    code = _run(args, usage_code)
    return min(code, rollout.EXIT_FAILED) if kubectl_mode else code


def _run(args, usage_code: int) -> int:
    from kubeferry.cli.connect import connect
    from kubeferry.delivery import rolloutstatus

    if args.revision < 0:
        return rollout.error(f"revision must be a positive integer: {args.revision}", usage_code)
    try:
        timeout = parse_duration(args.timeout, "--timeout")
        deadline = (
            parse_duration(args.progress_deadline, "--progress-deadline")
            if args.progress_deadline
            else DEFAULT_PROGRESS_DEADLINE
        )
        conn = connect(args, "rollout status")
        targets = rollout.resolve(conn, args)
    except Exception as e:  # noqa: BLE001
        return rollout.report(e, usage_code)
    if not targets:
        print(f"No resources found in {conn.namespace} namespace.", file=sys.stderr)
        return rollout.EXIT_OK
    if len(targets) != 1:
        return rollout.error(
            "rollout status is only supported on individual resources and resource collections are not supported yet",
            usage_code,
        )
    target = targets[0]
    try:
        rollout.fetch(conn, target)  # kubectl resolves (GETs) the object before choosing a viewer
    except Exception as e:  # noqa: BLE001
        return rollout.report(e)
    viewer = rolloutstatus.viewer_for(target.group, target.kind)
    if viewer is None:
        return rollout.error(rolloutstatus.no_viewer_error(target.group, target.kind))
    from kubeferry.delivery.clusterclock import ClusterClock

    clock = ClusterClock(conn.transport)
    if args.output == "json":
        display = JSONDisplay(clock)
    elif sys.stdout.isatty():
        display = LiveDisplay()
    else:
        display = PlainDisplay()
    return Wait(conn, target, viewer, args, display, clock, timeout, deadline).run()


class Wait:
    def __init__(self, conn, target, viewer, args, display, clock: ClusterClock, timeout: float, deadline: float):
        self.conn = conn
        self.target = target
        self.viewer = viewer
        self.args = args
        self.display = display
        self.clock = clock
        self.timeout = timeout
        self.checker = Checker(conn, target, clock, deadline)
        self.live = isinstance(display, LiveDisplay)
        self.label = KIND_LABELS.get(target.kind, target.kind.lower())

    def fail(self, message: str, found=None, code: int = rollout.EXIT_FAILED) -> int:
        if isinstance(self.display, JSONDisplay):
            self.display.failure(message, found)
        print(f"error: {message}", file=sys.stderr)
        if found is not None:
            for line in _details(found):
                print(line, file=sys.stderr)
        return code

    def run(self) -> int:
        events: queue.Queue = queue.Queue()
        stop = threading.Event()
        thread = threading.Thread(target=_watch_thread, args=(self.conn, self.target, events, stop), daemon=True)
        thread.start()
        try:
            return self._loop(events)
        finally:
            stop.set()
            self.display.close()

    def _loop(self, events: queue.Queue) -> int:
        started = time.monotonic()
        ends = started + self.timeout if self.timeout > 0 else None
        next_check = 0.0
        latest: dict | None = None
        message = ""
        fail_fast = self.args.fail_fast
        while True:
            now = time.monotonic()
            if ends is not None and now >= ends:
                return self.fail(TIMED_OUT, code=EXIT_TIMEOUT)
            wait = POLL_SECONDS if ends is None else max(0.0, min(POLL_SECONDS, ends - now))
            try:
                kind, payload = events.get(timeout=wait)
            except queue.Empty:
                kind, payload = None, None
            if kind == "error":
                return rollout.report(payload)
            if kind == "event":
                if payload.get("type") == "DELETED":
                    return self.fail(DELETED)
                latest = payload["object"]
                latest.setdefault("apiVersion", self.target.resource.api_version)
                latest.setdefault("kind", self.target.kind)
                message, done, problem = self.viewer(latest, self.args.revision)
                if problem:
                    found = None
                    if fail_fast and problem.endswith("exceeded its progress deadline"):
                        found = self._safe(lambda obj=latest: self.checker.unready(obj))
                    return self.fail(problem, found)
                self.display.show(message, latest, done, self.checker.rows)
                if done or not self.args.watch:
                    return rollout.EXIT_OK
            if latest is None or (not fail_fast and not self.live) or time.monotonic() < next_check:
                continue
            next_check = time.monotonic() + POLL_SECONDS
            result = self._safe(lambda obj=latest: self.checker.poll(obj, self.live, fail_fast))
            if result is None:
                continue
            found, passed = result
            if self.live:
                self.display.show(message, latest, False, self.checker.rows)
            if found is not None and found.reason != "NotReady":
                return self.fail(
                    found.lines(self.target.kind, self.target.name)[0][len("error: ") :], _WithoutHead(found)
                )
            if passed:
                return self.fail(f'{self.label} "{self.target.name}" exceeded its progress deadline', found)

    @staticmethod
    def _safe(call):
        try:
            return call()
        except Exception:  # noqa: BLE001 - a failed check never ends the wait; the watch decides
            return None


class _WithoutHead:
    """A diagnosis whose headline is already the error line: only the event line follows."""

    def __init__(self, found):
        self.found = found

    def as_dict(self):
        return self.found.as_dict()

    @property
    def details(self) -> list[str]:
        return [f"  latest event: {self.found.event}"] if self.found.event else []


def _details(found) -> list[str]:
    if isinstance(found, _WithoutHead):
        return found.details
    detail = f": {found.message}" if found.message else ""
    lines = [f'  pod "{found.pod}": {found.reason}{detail}']
    if found.event:
        lines.append(f"  latest event: {found.event}")
    return lines
