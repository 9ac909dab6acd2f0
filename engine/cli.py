"""neuroplay-train: train a session headless, for scripts and lesson preparation.

    neuroplay-train --dataset moons --layers 2,8,4,1 --activation relu --lr 0.2 \
        --epochs 100 --seed 1 --out run.json
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from engine.config import (
    ACTIVATIONS,
    DATASETS,
    FEATURES,
    INITS,
    LOSSES,
    OPTIMIZERS,
    REGULARIZATIONS,
    SCHEDULES,
    ConfigError,
    SessionConfig,
)
from engine.readers import printable


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2
        self.exit(2, f"neuroplay-train: error: {message}\n")


def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers like 2,8,4,1, not {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="neuroplay-train", description="Train a Neuroplay network headless.")
    p.add_argument("--from", dest="from_file", metavar="FILE",
                   help="continue a saved session instead of starting a new one")
    p.add_argument("--dataset", choices=DATASETS, default="moons")
    p.add_argument("--points", type=int, default=200, help="number of points")
    p.add_argument("--noise", type=float, default=0.1)
    p.add_argument("--classes", type=int, default=2, help="classes (spiral arms, blobs)")
    p.add_argument("--train-fraction", type=float, default=0.8)
    p.add_argument("--features", default="x1,x2",
                   help=f"comma-separated, from: {', '.join(FEATURES)}")
    p.add_argument("--layers", type=_int_list, default=None,
                   help="all layer sizes, inputs to outputs, e.g. 2,8,4,1")
    p.add_argument("--activation", default="relu",
                   help=f"one for all hidden layers or one per layer: {', '.join(ACTIVATIONS)}")
    p.add_argument("--loss", choices=LOSSES, default="auto")
    p.add_argument("--seed-exact", action="store_true",
                   help="the seed article's network: ReLU on the output too")
    p.add_argument("--lr", type=float, default=0.03, help="learning rate")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--batch-size", type=int, default=10, help="0 = the whole training set")
    p.add_argument("--regularization", choices=REGULARIZATIONS, default="none")
    p.add_argument("--reg-rate", type=float, default=0.0)
    p.add_argument("--schedule", choices=SCHEDULES, default="constant")
    p.add_argument("--init", choices=INITS, default="xavier")
    p.add_argument("--seed", type=int, default=1, help="seed for the data and the weights")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--backend", choices=("auto", "numpy", "cupy"), default="auto",
                   help="auto (default): the GPU where it is faster for this network and "
                        "data (timed at the start where the size cannot tell); on a GPU "
                        "up to 1024 neurons a layer and 100000 points")
    p.add_argument("--out", metavar="FILE", help="write the session file here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


# Flags that change how training goes on: --from takes them, as the window does mid-run.
LIVE_FLAGS = {"lr": "learning_rate", "optimizer": "optimizer", "momentum": "momentum",
              "batch_size": "batch_size", "regularization": "regularization",
              "reg_rate": "regularization_rate", "schedule": "schedule", "loss": "loss"}
# Flags about the run itself, not the session: fine with --from.
RUN_FLAGS = {"from_file", "epochs", "out", "quiet", "backend"}
FLAG_OF_FIELD = {**{field: name for name, field in LIVE_FLAGS.items()},
                 "n_points": "points", "train_fraction": "train_fraction", "hidden": "layers",
                 "activations": "activation", "data_seed": "seed", "init_seed": "seed"}


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def given_flags(argv: list[str] | None) -> set[str]:
    """The dests of the options the user actually typed (defaults left out)."""
    parser = build_parser()
    for action in parser._actions:
        action.default = argparse.SUPPRESS  # an option not typed then leaves no attribute
    return set(vars(parser.parse_args(argv)))


def config_from_args(args) -> SessionConfig:
    features = tuple(f.strip() for f in args.features.split(",") if f.strip())
    problem = "regression" if args.dataset in ("plane", "multi_gaussian") else "classification"
    layers = args.layers
    if layers is None:
        layers = (len(features), 8, 4, 1 if args.classes <= 2 else args.classes)
    if len(layers) < 2:
        raise ConfigError("layers", "give at least the input and output sizes, e.g. 2,1")
    hidden = tuple(layers[1:-1])
    acts = tuple(a.strip() for a in args.activation.split(","))
    if len(acts) == 1:
        acts = acts * len(hidden)
    # The seed article trains its all-ReLU network with MSE; the other losses need raw
    # scores on the output, so --seed-exact alone means MSE.
    loss = "mse" if args.seed_exact and args.loss == "auto" else args.loss
    if args.seed_exact and loss != "mse":
        raise ConfigError("seed_exact", f"--seed-exact puts ReLU on the output, which only "
                                        f"--loss mse can train, not --loss {loss}")
    config = SessionConfig(
        problem=problem, dataset=args.dataset, n_points=args.points, noise=args.noise,
        train_fraction=args.train_fraction, data_seed=args.seed, classes=args.classes,
        features=features, hidden=hidden, activations=acts, loss=loss,
        seed_exact=args.seed_exact, learning_rate=args.lr, optimizer=args.optimizer,
        momentum=args.momentum, batch_size=args.batch_size,
        regularization=args.regularization, regularization_rate=args.reg_rate,
        schedule=args.schedule, init=args.init, init_seed=args.seed,
    )
    if layers[0] != len(features):
        raise ConfigError("layers", f"the first size is the number of input features "
                          f"({len(features)}: {', '.join(features)}), not {layers[0]}")
    if layers[-1] != config.layer_sizes[-1]:
        raise ConfigError("layers", f"the last size must be {config.layer_sizes[-1]} "
                          f"for this problem, not {layers[-1]}")
    return config


def continued_session(args, given: set[str]):
    """The session in --from FILE with the live flags given applied; ConfigError for a
    flag that would change its data or network (that is a new run, not a continuation)."""
    from engine.io import load_session

    fixed = sorted(given - RUN_FLAGS - set(LIVE_FLAGS))
    if fixed:
        flags = ", ".join(_flag(d) for d in fixed)
        raise ConfigError("from", f"{flags} would change the saved session's data or network; "
                                  f"--from goes on with its own (it takes only "
                                  f"{', '.join(_flag(d) for d in LIVE_FLAGS)}). Start a new "
                                  f"run without --from to change them")
    session = load_session(args.from_file, backend=args.backend)
    changes = {LIVE_FLAGS[d]: getattr(args, d) for d in given & set(LIVE_FLAGS)}
    if changes:
        session.apply(session.config.replace(**changes))
    return session


def _cli_error(error: ConfigError) -> str:
    """A config message in the command line's words: the flag first, then the rule."""
    if error.field in ("from", "seed_exact"):  # already worded in flags
        return str(error).split(": ", 1)[1]
    dests = {a.dest for a in build_parser()._actions}
    flag = FLAG_OF_FIELD.get(error.field, error.field if error.field in dests else None)
    return f"{_flag(flag)}: {error}" if flag else str(error)


def _progress(done: int, total: int, loss: float, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] epoch {done}/{total} "
                     f"loss {loss:.4f} {rate:.0f} epochs/s")
    sys.stderr.flush()


def _fmt(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:.4f}"


def _limits(backend: str):
    """The GPU's larger limits where training may go to a GPU, else the window's."""
    import contextlib

    from engine.backend import gpu_available
    from engine.config import gpu_limits
    return gpu_limits() if backend != "numpy" and gpu_available() else contextlib.nullcontext()


MEASURE_SECONDS = 0.25  # auto's timing of each backend, where the work alone cannot tell


def steps_per_second(session, seconds: float = MEASURE_SECONDS, clock=time.perf_counter):
    """Training steps a second of `session`, timed over at least `seconds` and 3 chunks
    of up to an epoch (a GPU session waits for its device at each chunk's end)."""
    chunk = max(1, min(session.steps_per_epoch, 16))
    session.step(chunk)  # a GPU's first steps compile its kernels: not counted
    steps, turns, start = 0, 0, clock()
    while turns < 3 or clock() - start < seconds:
        steps += session.step(chunk)
        turns += 1
    return steps / max(clock() - start, 1e-9)


def faster_backend(build, seconds: float = MEASURE_SECONDS, clock=time.perf_counter):
    """"numpy" or "cupy", whichever trains a fresh `build(backend)` session faster."""
    rates = {name: steps_per_second(build(name), seconds, clock) for name in ("numpy", "cupy")}
    return max(rates, key=rates.get)


def _open_session(args, given: set[str]):
    """The session to train, on the backend asked for (`auto` resolved for its size,
    by timing both where the size alone cannot tell)."""
    from engine.backend import resolve_backend
    from engine.session import TrainingSession

    asked = args.backend
    if args.from_file is None:
        config = config_from_args(args)

        def build(backend):
            return TrainingSession(config, backend=backend)
        session = None
        batch = config.batch_size or max(round(config.n_points * config.train_fraction), 1)
    else:
        def build(backend):
            args.backend = backend
            return continued_session(args, given)
        session = build("numpy" if asked == "auto" else asked)
        config = session.config
        batch = config.batch_size or max(len(session.train.points), 1)
    chosen = resolve_backend(asked, config.layer_sizes, batch,
                             measure=lambda: faster_backend(build))
    args.backend = chosen
    if session is None or session.backend.name != chosen:
        session = build(chosen)  # fresh: the timed steps leave no trace
    return session


def main(argv: list[str] | None = None) -> int:
    from engine.backend import BackendError
    from engine.io import SessionFileError, check_writable, save_session
    from engine.session import QUIET

    parser = build_parser()
    args = parser.parse_args(argv)
    given = given_flags(argv)
    if args.epochs < 0 or args.epochs > 10_000_000:
        parser.error(f"--epochs must be from 0 to 10000000, not {args.epochs}")
    for dest in ("from_file", "out"):
        value = getattr(args, dest)
        if value is not None and not value.strip():
            parser.error(f"{'--from' if dest == 'from_file' else '--out'} needs a file name")
    if args.out is not None:
        try:  # before training: finding out afterwards would waste the whole run
            check_writable(args.out)
        except OSError as e:
            parser.error(printable(f"cannot write {args.out}: {e.strerror or e}"))
    try:
        with _limits(args.backend):
            session = _open_session(args, given)
    except ConfigError as e:
        parser.error(printable(_cli_error(e)))
    except (SessionFileError, BackendError) as e:
        parser.error(printable(str(e)))
    if session.diverged:
        parser.error("the saved session had diverged; continue it with a lower --lr")
    started = time.perf_counter()
    show = not args.quiet and sys.stderr.isatty()
    every = max(1, args.epochs // 100)
    for done in range(1, args.epochs + 1):
        session.run_epochs(1)
        if session.diverged:
            break
        if show and (done % every == 0 or done == args.epochs):
            _progress(done, args.epochs, session.history[-1][2], started)
    if show:
        sys.stderr.write("\n")
    with np.errstate(**QUIET):  # a diverged network's outputs overflow: that is reported
        train_loss, test_loss, train_acc, test_acc = session.evaluate()
    print(f"epochs {session.epoch}  steps {session.step_count}  "
          f"train loss {_fmt(train_loss)}  test loss {_fmt(test_loss)}  "
          f"train accuracy {_fmt(train_acc)}  test accuracy {_fmt(test_acc)}")
    if session.diverged:
        print(f"neuroplay-train: training diverged at step {session.step_count} (epoch "
              f"{session.epoch}); the last finite weights are kept. Run again with a lower "
              f"--lr (it was {session.config.learning_rate:g}).", file=sys.stderr)
    if args.out:
        try:
            save_session(session, args.out)
        except OSError as e:
            print(printable(f"neuroplay-train: error: cannot write {args.out}: "
                            f"{e.strerror or e}"), file=sys.stderr)
            return 1
        print(printable(f"saved {args.out}"))
    return 3 if session.diverged else 0


if __name__ == "__main__":
    sys.exit(main())
