"""`kubeferry demo`: the continuous-delivery chapter, narrated and checked, on a throw-away cluster.

    kubeferry demo [--step] [--keep] [--time-scale X]

Exit 0 only when every step's output matched the expected (kubectl 1.37) output.  `--step` waits
for Enter between steps; `--keep` leaves the cluster running and prints how to reach it.  The work
itself lives in `kubeferry.cluster.demo` (the one place besides `cluster` where the CLI enters the
composition root).
"""

from __future__ import annotations

import sys

DEFAULT_TIME_SCALE = 10.0


def add_parser(subparsers, parents) -> None:
    text = "Walk through continuous delivery on a throw-away embedded cluster"
    parser = subparsers.add_parser("demo", help=text, description=text + ".")
    parser.add_argument("--step", action="store_true", help="pause after each step until Enter is pressed")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running and print its kubeconfig")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=DEFAULT_TIME_SCALE,
        help=f"simulated seconds per real second (default {DEFAULT_TIME_SCALE:g})",
    )
    parser.add_argument(
        "--update-golden",
        metavar="FILE",
        default=None,
        help="(maintainers) write the normalised output of steps that did not match into FILE",
    )
    parser.set_defaults(handler=run)


def run(args) -> int:
    from importlib import resources

    from kubeferry.cluster.demo import session as sessions
    from kubeferry.cluster.demo import steps, transcript

    if args.time_scale <= 0:
        print("error: --time-scale must be greater than 0", file=sys.stderr)
        return 3
    golden_text = resources.files("kubeferry.cluster.demo").joinpath("golden.txt").read_text()
    demo = sessions.Session(
        time_scale=args.time_scale, step_mode=args.step, keep=args.keep, golden=transcript.parse_golden(golden_text)
    )
    try:
        demo.start()
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        for part in steps.CHAPTER:
            part(demo)
    except KeyboardInterrupt:
        demo.print("\ninterrupted")
    except RuntimeError as e:
        demo.print(f"\n{sessions.CROSS} {e}")
        demo.results.append(sessions.Result("aborted", False))
    finally:
        code = demo.finish()
    if args.update_golden:
        _update_golden(args.update_golden, golden_text, demo.results)
    return code


def _update_golden(path: str, golden_text: str, results) -> None:
    """Keep matching sections as they are (hand-written patterns survive); replace the others."""
    from kubeferry.cluster.demo import transcript

    sections = transcript.parse_golden(golden_text)
    order = [r.key for r in results if r.key != "aborted"]
    for r in results:
        if not r.ok and r.key != "aborted":
            sections[r.key] = r.output
    with open(path, "w") as f:
        for key in order:
            f.write(f"=== {key}\n")
            for line in sections.get(key, []):
                f.write(line + "\n")
            f.write("\n")
