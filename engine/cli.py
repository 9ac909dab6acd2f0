"""neuroplay-train: train a session headless, for scripts and lesson preparation.

    neuroplay-train --dataset moons --layers 2,8,4,1 --activation relu --lr 0.2 \
        --epochs 100 --seed 1 --out run.json
"""

from __future__ import annotations

import argparse
import math
import sys
import time

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
                        "data; on a GPU up to 1024 neurons a layer and 100000 points")
    p.add_argument("--out", metavar="FILE", help="write the session file here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


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
    config = SessionConfig(
        problem=problem, dataset=args.dataset, n_points=args.points, noise=args.noise,
        train_fraction=args.train_fraction, data_seed=args.seed, classes=args.classes,
        features=features, hidden=hidden, activations=acts, loss=args.loss,
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


def _open_session(args):
    """The session to train, on the backend asked for (`auto` resolved for its size)."""
    from engine.backend import resolve_backend
    from engine.io import load_session
    from engine.session import TrainingSession

    if args.from_file:
        session = load_session(args.from_file, backend="numpy" if args.backend == "auto"
                               else args.backend)
        config = session.config
    else:
        config = config_from_args(args)
    batch = config.batch_size or max(round(config.n_points * config.train_fraction), 1)
    backend = resolve_backend(args.backend, config.layer_sizes, batch)
    if args.from_file:
        return session if backend == "numpy" and args.backend == "auto" else \
            load_session(args.from_file, backend=backend)
    return TrainingSession(config, backend=backend)


def main(argv: list[str] | None = None) -> int:
    from engine.backend import BackendError
    from engine.io import SessionFileError, save_session

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.epochs < 0 or args.epochs > 10_000_000:
        parser.error(f"--epochs must be from 0 to 10000000, not {args.epochs}")
    try:
        with _limits(args.backend):
            session = _open_session(args)
    except (ConfigError, SessionFileError, BackendError) as e:
        parser.error(str(e))
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
    train_loss, test_loss, train_acc, test_acc = session.evaluate()
    print(f"epochs {session.epoch}  steps {session.step_count}  "
          f"train loss {_fmt(train_loss)}  test loss {_fmt(test_loss)}  "
          f"train accuracy {_fmt(train_acc)}  test accuracy {_fmt(test_acc)}")
    if session.diverged:
        print(session.message, file=sys.stderr)
    if args.out:
        try:
            save_session(session, args.out)
        except OSError as e:
            print(f"neuroplay-train: error: cannot write {args.out}: {e.strerror or e}",
                  file=sys.stderr)
            return 1
        print(f"saved {args.out}")
    return 3 if session.diverged else 0


if __name__ == "__main__":
    sys.exit(main())
