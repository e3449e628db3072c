"""Running the demo: a throw-away cluster, `kubeferry proxy` in front of it, traffic, and each step checked.

A `Session` starts an embedded cluster (real clock, `--time-scale` so minutes pass in seconds) in a
temporary directory with its own kubeconfig, runs each command the way a user would type it (the
kubeferry CLI, in this process, with the user's view of stdout and stderr merged as on a
terminal), prints the command and its output, and checks the output against the golden section of
the step (transcript.py): ✓ or ✗, plus a note where the book's kubectl 1.7 printed something else.

Traffic goes through `kubeferry proxy` (started as its own process, as a user would start it) and
the current proxy path, from a background thread while rollouts run, and is summarised per version.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kubeferry.cluster.demo import transcript

CLUSTER_NAME = "demo"
MANIFESTS = ("ex-deployment.yml", "ex-daemonset.yml", "ex-statefulset.yml")
TICK = "\u2713"
CROSS = "\u2717"
_VERSION = re.compile(r"-v-([^ ]+) is running\.\.\.")


@dataclass
class Result:
    key: str
    ok: bool
    output: list[str] = field(default_factory=list)


class Traffic(threading.Thread):
    """Requests through the proxy, one every `interval` seconds, until stopped: (status, body) each."""

    def __init__(self, url: str, interval: float = 0.03):
        super().__init__(daemon=True)
        self.url = url
        self.interval = interval
        self.results: list[tuple[int, str]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.results.append(fetch(self.url))
            self._stop_event.wait(self.interval)

    def stop(self) -> list[tuple[int, str]]:
        self._stop_event.set()
        self.join(timeout=10)
        return self.results


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError as e:
        return 0, str(e)


class Session:
    def __init__(self, *, time_scale: float, step_mode: bool, keep: bool, golden: dict[str, list[str]], out=None):
        self.time_scale = time_scale
        self.step_mode = step_mode
        self.keep = keep
        self.golden = golden
        self.out = out or sys.stdout
        self.results: list[Result] = []
        self.workdir = Path(tempfile.mkdtemp(prefix="kubeferry-demo-"))
        self.data_dir = self.workdir / "cluster"
        self.kubeconfig = self.workdir / "kubeconfig"
        self.proxy: subprocess.Popen | None = None
        self.proxy_base = ""
        self.number = 0
        self._saved_env: dict[str, str | None] = {}
        self._saved_cwd = os.getcwd()

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        for name in MANIFESTS:
            (self.workdir / name).write_text(resources.files("kubeferry.cluster.demo").joinpath(name).read_text())
        code, text = self._cli(
            "cluster", "up", "--name", CLUSTER_NAME, "--data-dir", str(self.data_dir), "--detach",
            "--time-scale", str(self.time_scale), "--kubeconfig", str(self.kubeconfig),
        )  # fmt: skip
        if code != 0:
            raise RuntimeError("the demo cluster did not start:\n" + text)
        for key, value in (("KUBECONFIG", str(self.kubeconfig)), ("NO_COLOR", "1")):
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        os.chdir(self.workdir)
        self.print(f"A throw-away cluster is running (real clock, {self.time_scale:g}x); working in {self.workdir}.\n")

    def finish(self) -> int:
        failed = [r.key for r in self.results if not r.ok]
        if self.proxy is not None:
            self.proxy.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proxy.wait(timeout=5)
        if self.keep:
            self.print(f"\nThe cluster keeps running.  Use it with:\n  export KUBECONFIG={self.kubeconfig}")
            self.print(
                f"Stop it with:\n  kubeferry cluster down --name {CLUSTER_NAME} --data-dir {self.data_dir} "
                f"--kubeconfig {self.kubeconfig} --delete"
            )
        else:
            self._cli(
                "cluster", "down", "--name", CLUSTER_NAME, "--data-dir", str(self.data_dir),
                "--kubeconfig", str(self.kubeconfig), "--delete",
            )  # fmt: skip
        os.chdir(self._saved_cwd)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        total = len(self.results)
        if failed:
            self.print(f"\n{CROSS} {len(failed)} of {total} steps did not match: {', '.join(failed)}")
            return 1
        self.print(f"\n{TICK} all {total} steps matched.")
        return 0

    # ---- output ------------------------------------------------------------------------------

    def print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def chapter(self, title: str) -> None:
        self.print(f"\n## {title}\n")

    def say(self, text: str) -> None:
        self.print(text)

    def _pause(self) -> None:
        if self.step_mode:
            with contextlib.suppress(EOFError):
                input("-- press Enter for the next step --")

    def check(self, key: str, lines: list[str], book: str = "", any_order: bool = False) -> bool:
        expected = self.golden.get(key)
        actual = transcript.normalise("\n".join(lines))
        if expected is None:
            ok = False
            why = [f"no golden section {key!r}"]
        elif any_order:
            ok = sorted(expected) == sorted(actual)
            why = transcript.explain(expected, actual)
        else:
            ok = transcript.matches(expected, actual)
            why = transcript.explain(expected, actual)
        self.results.append(Result(key, ok, actual))
        if ok:
            self.print(f"{TICK} as expected" + (f"  (the book, kubectl 1.7: {book})" if book else ""))
        else:
            self.print(f"{CROSS} differs from the expected output ({key}):")
            for line in why:
                self.print("    " + line)
        self._pause()
        return ok

    # ---- running commands --------------------------------------------------------------------

    def _cli(self, *argv: str) -> tuple[int, str]:
        """Run `kubeferry ARGV` in this process; its exit code and merged stdout+stderr."""
        from kubeferry.cli import main as cli

        buffer = io.StringIO()
        saved_argv = sys.argv
        sys.argv = ["kubeferry", *argv]
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                try:
                    code = cli.main(list(argv))
                except SystemExit as e:  # a command that exits instead of returning
                    code = e.code if isinstance(e.code, int) else 1
        finally:
            sys.argv = saved_argv
        return code, buffer.getvalue()

    def run(self, key: str, *argv: str, book: str = "", any_order: bool = False, shown: str = "") -> tuple[int, str]:
        """Print `$ kubeferry ARGV`, run it, print its output, check it against the golden section."""
        self.print("$ " + (shown or "kubeferry " + " ".join(_quote(a) for a in argv)))
        code, text = self._cli(*argv)
        if text:
            self.out.write(text if text.endswith("\n") else text + "\n")
        lines = text.splitlines()
        if code != 0:
            lines.append(f"[exit {code}]")
            self.print(f"[exit {code}]")
        self.check(key, lines, book, any_order)
        return code, text

    def quiet(self, *argv: str) -> tuple[int, str]:
        """A command the demo needs but does not show (waiting for pods, reading a name)."""
        return self._cli(*argv)

    def write(self, name: str, text: str) -> None:
        (self.workdir / name).write_text(text)

    def read(self, name: str) -> str:
        return (self.workdir / name).read_text()

    def wait_for(self, what: str, predicate, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {what}")

    # ---- traffic -----------------------------------------------------------------------------

    def start_proxy(self, key: str) -> None:
        self.print("$ kubeferry proxy --port 8001 &")
        port = "8001" if _port_free(8001) else "0"
        self.proxy = subprocess.Popen(
            [sys.executable, "-m", "kubeferry.cli.main", "proxy", "--port", port],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ),
        )
        line = self.proxy.stdout.readline().rstrip("\n")
        self.print(line)
        match = re.search(r"on (\S+:\d+)$", line)
        self.proxy_base = f"http://{match.group(1)}" if match else ""
        self.check(key, [line])

    def service_url(self, namespace: str = "default", service: str = "my-app-svc:80") -> str:
        return f"{self.proxy_base}/api/v1/namespaces/{namespace}/services/{service}/proxy/"

    def curl(self, key: str, times: int = 5, book: str = "") -> list[str]:
        url = self.service_url()
        self.print(f"$ for i in $(seq {times}); do curl {url.removeprefix('http://')}; done")
        lines: list[str] = []
        for _ in range(times):
            code, body = fetch(url)
            text = body.rstrip("\n") if code == 200 else f"HTTP {code}: {body.strip()}"
            lines.append(text)
            self.print(text)
        self.check(key, lines, book)
        return lines

    def rollout_with_traffic(self, key: str, traffic_key: str, *argv: str, book: str = "") -> None:
        """`rollout status` while requests keep arriving: the status lines, then what the requests saw."""
        traffic = Traffic(self.service_url())
        traffic.start()
        try:
            self.run(key, *argv, book=book)
        finally:
            results = traffic.stop()
        self.say("\nMeanwhile, in terminal #2 (requests through the proxy while it rolled out):")
        versions = Counter()
        failed = 0
        shown: list[str] = []
        switches = 0
        last = None
        for code, body in results:
            match = _VERSION.search(body) if code == 200 else None
            if match is None:
                failed += 1
                continue
            version = match.group(1)
            versions[version] += 1
            if version != last and len(shown) < 8:
                shown.append(body.rstrip("\n"))
                switches += last is not None
            last = version
        summary = ", ".join(f"{n} from v-{v}" for v, n in sorted(versions.items()))
        lines = [*shown, f"{len(results)} requests: {summary}; {failed} failed"]
        for line in lines:
            self.print(line)
        self.check(traffic_key, lines)


def _quote(arg: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:=,@%+-]+", arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
