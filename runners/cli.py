"""The ``selfplay`` command: ``train``, ``plot`` and ``demo`` subcommands.

Invalid input (an unknown environment id or mode, a mode the environment cannot host,
an output directory that contains files) is reported before anything is written, with
exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_type_hints

from selfplay.config import TrainConfig
from selfplay.runners import demo as demo_runner
from selfplay.runners.common import (
    UsageError,
    check_resumable,
    check_train_config,
    prepare_out_dir,
    run_training,
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT, the shell's status for a command stopped with Ctrl-C."""
BUDGET_FIELDS = ("target_episodes", "env_steps")


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    """Add one option per :class:`TrainConfig` field, its help from the field."""
    hints = get_type_hints(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        flag = (
            "--env" if field.name == "env_id" else "--" + field.name.replace("_", "-")
        )
        default = field.default
        help_text = field.metadata["help"]
        if "default" not in help_text:
            default_text = "the environment's" if default is None else repr(default)
            help_text += f" (default: {default_text})"
        hint = hints[field.name]
        options: dict[str, Any] = {"dest": field.name, "default": default}
        if hint is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif "dict" in str(hint):
            options.update(type=_json_object, metavar="JSON")
        else:
            options.update(type=_scalar_type(hint), metavar=field.name.upper())
        parser.add_argument(flag, help=help_text, **options)


def _scalar_type(hint: Any) -> type:
    for kind in (bool, int, float, str):
        if hint is kind or kind in getattr(hint, "__args__", ()):
            return kind
    return str


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"invalid JSON {text!r}: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``selfplay`` command."""
    parser = argparse.ArgumentParser(
        prog="selfplay",
        description="Asymmetric self-play (Sukhbaatar et al., ICLR 2018): train Alice "
        "and Bob, and plot target-task episode efficiency.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train one run",
        description="Train Alice and Bob on one environment and write a run directory "
        "(config.json, metrics.csv, the trained agents).",
    )
    _add_config_options(train)
    train.add_argument("--out", type=Path, help="run directory to write")
    train.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue the interrupted run in RUN_DIR from its last checkpoint; "
        "--target-episodes and --env-steps may set a new budget, other options are "
        "taken from RUN_DIR/config.json",
    )
    train.add_argument(
        "--force",
        action="store_true",
        help="replace an earlier run directory at --out (one holding config.json)",
    )
    train.add_argument(
        "--no-progress", action="store_true", help="do not show the progress bar"
    )

    plot = commands.add_parser(
        "plot",
        help="plot runs",
        description="Plot target reward and success against target-task episodes and "
        "against all environment steps, one curve per mode with a 95% bootstrap "
        "band over seeds.",
    )
    plot.add_argument(
        "run_dirs",
        nargs="+",
        type=Path,
        metavar="RUN_DIR",
        help="run directories written by selfplay train; runs of one mode are seeds",
    )
    plot.add_argument(
        "-o", "--output", type=Path, required=True, help="image file (.png, .pdf, .svg)"
    )
    plot.add_argument(
        "--metric",
        choices=("train", "eval"),
        default="train",
        help="plot the training target-task episodes or the evaluation episodes "
        "(default: train)",
    )

    demo = commands.add_parser(
        "demo", help="run the demo", description=demo_runner.DESCRIPTION
    )
    demo.add_argument("--out", type=Path, required=True, help="directory for all runs")
    demo.add_argument("--force", action="store_true", help="replace an earlier demo")
    demo.add_argument(
        "--seeds",
        type=int,
        default=demo_runner.SEEDS,
        help=f"seeds per mode (default: {demo_runner.SEEDS})",
    )
    demo.add_argument(
        "--target-episodes",
        type=int,
        default=demo_runner.TARGET_EPISODES,
        help=f"target-task episodes per run (default: {demo_runner.TARGET_EPISODES})",
    )
    demo.add_argument(
        "--workers",
        type=int,
        default=None,
        help="runs in parallel (default: the number of CPU cores)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``selfplay`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "plot":
            return _plot(args)
        return _demo(args)
    except UsageError as error:
        print(f"selfplay {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        hint = ""
        if args.command == "train":
            run_dir = args.resume or args.out
            hint = f"; continue with: selfplay train --resume {run_dir}"
        print(f"selfplay {args.command}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _train(args: argparse.Namespace) -> int:
    if args.resume is not None:
        return _resume(args)
    if args.out is None:
        raise UsageError("--out is required (or --resume RUN_DIR)")
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)}
    config = check_train_config(TrainConfig(**values))
    prepare_out_dir(args.out, force=args.force)
    result = run_training(config, args.out, show_progress=not args.no_progress)
    _print_summary(config, result)
    return 0


def _resume(args: argparse.Namespace) -> int:
    if args.out is not None:
        raise UsageError("--resume continues RUN_DIR in place; leave out --out")
    changed_options = [
        "--" + f.name.replace("_", "-") if f.name != "env_id" else "--env"
        for f in dataclasses.fields(TrainConfig)
        if f.name not in BUDGET_FIELDS and getattr(args, f.name) != f.default
    ]
    if changed_options or args.force:
        options = ", ".join(changed_options + (["--force"] if args.force else []))
        raise UsageError(
            f"--resume takes the run's settings from RUN_DIR/config.json; only "
            f"--target-episodes and --env-steps may change, not {options}"
        )
    config = check_resumable(args.resume, args.target_episodes, args.env_steps)
    result = run_training(
        config,
        args.resume,
        show_progress=not args.no_progress,
        resume=True,
        target_episodes=args.target_episodes,
        env_steps=args.env_steps,
    )
    _print_summary(config, result)
    return 0


def _print_summary(config: TrainConfig, result: Any) -> None:
    row = result.last_row
    success = row.get("target_success", float("nan"))
    print(
        f"{config.env_id} {config.mode} {config.algo} seed {config.seed}: "
        f"{result.counters.target_episodes} target episodes, "
        f"{result.counters.env_steps} env steps, last target success {success:.2f}"
    )
    print(f"wrote {result.out_dir}")


def _plot(args: argparse.Namespace) -> int:
    from selfplay.plots import load_runs, plot_efficiency

    for run_dir in args.run_dirs:
        if not run_dir.is_dir():
            raise UsageError(f"run directory {str(run_dir)!r} not found")
    try:
        runs = load_runs(args.run_dirs)
        path = plot_efficiency(runs, args.output, metric=args.metric)
    except (OSError, ValueError) as error:
        raise UsageError(str(error)) from None
    print(f"wrote {path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    path = demo_runner.run_demo(
        args.out,
        seeds=args.seeds,
        target_episodes=args.target_episodes,
        workers=args.workers,
        force=args.force,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
