"""`kubeferry cluster up|down|status|kubeconfig`: start, stop and find embedded clusters.

A cluster is its data dir (default `~/.local/share/kubeferry/<name>`): certificates, admin token,
the SQLite store and, while a server runs, `server.json` naming its pid and port.  `up` runs the
server in the foreground, or with `--detach` in the background and returns once `/readyz`
answers 200; either way the kubeconfig entries are merged and made current once it is ready.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from kubeferry.cluster import certs, kubeconfig
from kubeferry.cluster.server import LOG_FILE, SERVER_INFO

READY_TIMEOUT = 30.0


def default_data_dir(name: str) -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kubeferry" / name


def data_dir_of(name: str, data_dir: str | None) -> Path:
    return Path(data_dir).expanduser() if data_dir else default_data_dir(name)


def server_info(data_dir: Path) -> dict | None:
    """What the running server recorded, or None when no server runs there."""
    try:
        info = json.loads((data_dir / SERVER_INFO).read_text())
    except (OSError, ValueError):
        return None
    try:
        os.kill(int(info["pid"]), 0)
    except (OSError, KeyError, ValueError):
        return None
    return info


def readyz(info: dict, data_dir: Path, timeout: float = 2.0) -> bool:
    context = ssl.create_default_context(cafile=str(data_dir / certs.CA_CERT))
    try:
        with urllib.request.urlopen(info["url"] + "/readyz", timeout=timeout, context=context) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def config_for(name: str, data_dir: Path, info: dict) -> dict:
    return kubeconfig.build(name, info["url"], (data_dir / certs.CA_CERT).read_bytes(), certs.admin_token(data_dir))


def server_argv(args) -> list[str]:
    argv = [sys.executable, "-m", "kubeferry.cluster.server", "--name", args.name, "--data-dir", str(args.data_dir)]
    argv += ["--address", args.address, "--port", str(args.port), "--durability", args.durability]
    argv += ["--nodes", str(args.nodes), "--time-scale", str(args.time_scale)]
    argv += ["--volume-sync-seconds", str(getattr(args, "volume_sync_seconds", 10.0))]
    argv += ["--audit-level", getattr(args, "audit_level", "Metadata")]
    if args.clock:
        argv += ["--clock", args.clock]
    if args.start_time:
        argv += ["--start-time", args.start_time]
    if args.seed is not None:
        argv += ["--seed", str(args.seed)]
    return argv


def wait_ready(data_dir: Path, process: subprocess.Popen | None, timeout: float = READY_TIMEOUT) -> dict | None:
    deadline = time.monotonic() + timeout
    delay = 0.005
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return None
        info = server_info(data_dir)
        if info and readyz(info, data_dir):
            return info
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    return None


def up(args) -> int:
    data_dir = data_dir_of(args.name, args.data_dir)
    args.data_dir = data_dir
    running = server_info(data_dir)
    if running:
        print(f"error: cluster {args.name!r} is already running at {running['url']} (data dir {data_dir})", file=sys.stderr)
        return 1
    data_dir.mkdir(parents=True, exist_ok=True)
    target = Path(args.kubeconfig).expanduser() if args.kubeconfig else kubeconfig.default_path()
    if args.detach:
        log = open(data_dir / LOG_FILE, "ab")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen(
            server_argv(args), stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True
        )
        info = wait_ready(data_dir, process)
        if info is None:
            tail = (data_dir / LOG_FILE).read_text(errors="replace").strip().splitlines()[-5:]
            print(f"error: the server did not become ready; last lines of {data_dir / LOG_FILE}:", file=sys.stderr)
            for line in tail:
                print("  " + line, file=sys.stderr)
            if process.poll() is None:
                process.kill()
            return 1
        kubeconfig.merge(target, config_for(args.name, data_dir, info))
        print(f"Cluster {args.name!r} is running at {info['url']} (pid {info['pid']}).")
        print(f"Context {kubeconfig.entry_name(args.name)!r} is current in {target}; data in {data_dir}.")
        return 0
    process = subprocess.Popen(server_argv(args), stdin=subprocess.DEVNULL)
    try:
        info = wait_ready(data_dir, process)
        if info is None:
            process.wait()
            return process.returncode or 1
        kubeconfig.merge(target, config_for(args.name, data_dir, info))
        print(f"Cluster {args.name!r} is running at {info['url']}; context {kubeconfig.entry_name(args.name)!r} is current in {target}.")
        print("Press Ctrl-C to stop it.", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0


def down(args) -> int:
    data_dir = data_dir_of(args.name, args.data_dir)
    target = Path(args.kubeconfig).expanduser() if getattr(args, "kubeconfig", None) else kubeconfig.default_path()
    info = server_info(data_dir)
    stopped = False
    if info:
        pid = int(info["pid"])
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server_info(data_dir):
            time.sleep(0.02)
        if server_info(data_dir):
            os.kill(pid, signal.SIGKILL)
        stopped = True
    kubeconfig.remove(target, args.name)
    if args.delete and data_dir.exists():
        shutil.rmtree(data_dir)
    if stopped:
        print(f"Cluster {args.name!r} stopped" + (" and its data deleted." if args.delete else "."))
    else:
        print(f"Cluster {args.name!r} was not running" + ("; its data was deleted." if args.delete else "."))
    return 0


def status(args) -> int:
    data_dir = data_dir_of(args.name, args.data_dir)
    info = server_info(data_dir)
    if info and readyz(info, data_dir):
        print(f"Cluster {args.name!r} is running at {info['url']} (pid {info['pid']}, data dir {data_dir}).")
        return 0
    print(f"Cluster {args.name!r} is not running (data dir {data_dir}).")
    return 1


def print_kubeconfig(args) -> int:
    data_dir = data_dir_of(args.name, args.data_dir)
    info = server_info(data_dir)
    if not info:
        print(f"error: cluster {args.name!r} is not running (data dir {data_dir})", file=sys.stderr)
        return 1
    sys.stdout.write(kubeconfig.dump(config_for(args.name, data_dir, info)))
    return 0


def parse_duration(text: str) -> float:
    """`30s`, `5m`, `1h30m`, `1.5s`, `90` (seconds) -> seconds; ValueError otherwise."""
    from kubeferry.machinery import durations

    try:
        return durations.parse(text)
    except ValueError:
        raise ValueError(f"invalid duration {text!r} (use e.g. 30s, 5m, 1h30m)")


def _call(args, path: str, body: dict, timeout: float) -> tuple[int, dict]:
    data_dir = data_dir_of(args.name, args.data_dir)
    info = server_info(data_dir)
    if not info:
        raise SystemExit(f"error: cluster {args.name!r} is not running (data dir {data_dir})")
    context = ssl.create_default_context(cafile=str(data_dir / certs.CA_CERT))
    request = urllib.request.Request(
        info["url"] + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {certs.admin_token(data_dir)}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def advance(args) -> int:
    try:
        seconds = parse_duration(args.duration)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    code, body = _call(args, "/kubeferry/v1/clock/advance", {"seconds": seconds}, timeout=600)
    if code != 200:
        print(f"error: {body.get('message', body)}", file=sys.stderr)
        return 1
    print(f"Cluster clock is now {body['now']}.")
    return 0


def settle(args) -> int:
    body: dict = {}
    if args.timeout:
        try:
            body["timeoutSeconds"] = parse_duration(args.timeout)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 3
    code, answer = _call(args, "/kubeferry/v1/settle", body, timeout=(body.get("timeoutSeconds") or 3600) + 10)
    if code != 200:
        print(f"error: {answer.get('message', answer)}", file=sys.stderr)
        return 1
    print(f"Cluster settled at {answer['now']}.")
    return 0
