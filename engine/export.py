"""A trained network as a standalone program, and the loss history as CSV.

`python_model` writes a Python file that needs only NumPy; `javascript_model` writes one
small JavaScript function in the style of the seed article's six-line network. Both hold
the weights inline and apply the same input features and output mapping as
`TrainingSession.predict`, so they give the same numbers the app shows.

Both take the session's config and its weights (fan_in, fan_out) and biases (fan_out,)
as nested lists, which is what `engine.io.session_to_dict` holds, so the GUI can export
from a copy without touching the session the worker owns.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from engine.config import SessionConfig
from engine.snapshot import HISTORY_COLUMNS
from engine.tensor import LEAKY_SLOPE
from engine.weights import checked_parameters

# Tests compare the exports with TrainingSession.predict, so a drift here shows.
BCE_CLIP = 60.0  # the session clips logits before the sigmoid


class ExportError(ValueError):
    """The weights do not fit the network described by the config."""


def output_mapping(config: SessionConfig) -> str:
    """How raw outputs become what the app shows, as in TrainingSession._scores.

    "identity" (regression), "softmax" / "clip" (several classes), "sigmoid" (bce),
    "hinge" ((out + 1) / 2 clipped to [0, 1]) or "clip" (binary mse).
    """
    if config.problem == "regression":
        return "identity"
    loss = config.resolved_loss
    if config.n_classes > 2:
        return "softmax" if loss == "softmax_ce" else "clip"
    return {"bce": "sigmoid", "hinge": "hinge"}.get(loss, "clip")


def _check(config: SessionConfig, weights: list, biases: list) -> list[np.ndarray]:
    try:
        layers = checked_parameters(config.layer_sizes, weights, biases)
    except ValueError as e:
        raise ExportError(str(e)) from None
    return [array for layer in layers for array in layer]


def _number(v: float) -> str:
    """Shortest text that reads back as the same value (float32 weights stay short)."""
    v = float(v)
    if float(np.float32(v)) == v:
        text = str(np.float32(v))
    else:
        text = repr(v)
    return text[:-2] if text.endswith(".0") else text


def _nested(a: np.ndarray) -> str:
    if a.ndim == 1:
        return "[" + ", ".join(_number(v) for v in a) + "]"
    return "[" + ", ".join(_nested(row) for row in a) + "]"


def _layer_activations(config: SessionConfig) -> list[str]:
    return [*config.activations, config.resolved_output_activation]


def _describe(config: SessionConfig) -> str:
    parts = [f"{len(config.features)} inputs ({', '.join(config.features)})"]
    parts += [f"{n} {a}" for n, a in zip(config.hidden, config.activations, strict=True)]
    parts.append(f"{config.layer_sizes[-1]} {config.resolved_output_activation}")
    return " -> ".join(parts)


def _returns(config: SessionConfig) -> str:
    mapping = output_mapping(config)
    if config.problem == "regression":
        return "the predicted value"
    if config.n_classes > 2:
        what = "probabilities" if mapping == "softmax" else "scores clipped to [0, 1]"
        return f"{config.n_classes} class {what}"
    return "the score of class 1 (0..1; 0.5 is the boundary)"


# ---------------------------------------------------------------- Python

_PY_FEATURES = {
    "x1": "x1", "x2": "x2", "x1^2": "x1 * x1", "x2^2": "x2 * x2", "x1*x2": "x1 * x2",
    "sin x1": "np.sin(x1)", "sin x2": "np.sin(x2)",
}

_PY_TEMPLATE = '''"""A neural network trained in Neuroplay, as plain Python with NumPy.

Network: {description}.
predict(points) takes (n, 2) points (x1, x2) and returns {returns},
shape {shape}.

Run it:  python {{this file}} 0.5 -1.2 0.1 0.3     (x1 x2 pairs)
   or:   echo "0.5,-1.2" | python {{this file}}    (one pair per line)
"""

import sys

import numpy as np

ACTIVATIONS = {activations!r}  # one per layer, the output layer last
WEIGHTS = [  # (inputs, neurons) per layer
{weights}
]
BIASES = [
{biases}
]


def features(points):
    """(n, 2) points -> (n, {n_features}) network inputs: {feature_names}."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([{feature_exprs}], axis=1)


def activate(name, z):
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, {leaky} * z)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, never overflows
    if name == "sin":
        return np.sin(z)
    if name == "gaussian":
        return np.exp(-z * z)
    return z  # linear


def predict(points):
    """(n, 2) points -> {shape} {returns}."""
    a = features(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    for name, w, b in zip(ACTIVATIONS, WEIGHTS, BIASES):
        a = activate(name, a @ np.array(w) + np.array(b))
{mapping}


def main(args):
    text = " ".join(args) if args else sys.stdin.read()
    try:
        numbers = [float(v) for v in text.replace(",", " ").split()]
    except ValueError as e:
        sys.exit(f"Not a number: {{e}}")
    if not numbers or len(numbers) % 2:
        sys.exit("Give x1 x2 pairs, as arguments or one pair per line on stdin.")
    for row in np.atleast_1d(predict(np.array(numbers).reshape(-1, 2))):
        print(",".join(repr(float(v)) for v in np.atleast_1d(row)))


if __name__ == "__main__":
    main(sys.argv[1:])
'''

_PY_MAPPINGS = {
    "identity": "    return a[:, 0]",
    "sigmoid": f"    return 1.0 / (1.0 + np.exp(-np.clip(a[:, 0], -{BCE_CLIP}, {BCE_CLIP})))",
    "hinge": "    return np.clip((a[:, 0] + 1.0) / 2.0, 0.0, 1.0)",
    "softmax": ("    e = np.exp(a - a.max(axis=1, keepdims=True))\n"
                "    return e / e.sum(axis=1, keepdims=True)"),
    "clip": "    return np.clip(a, 0.0, 1.0)",
}


def python_model(config: SessionConfig, weights: list, biases: list) -> str:
    """A standalone Python file (NumPy only) with `predict(points)` and a command line.

    weights[k]: (fan_in, fan_out) nested lists; biases[k]: (fan_out,).
    """
    arrays = _check(config, weights, biases)
    mapping = output_mapping(config)
    several = config.n_classes > 2
    map_code = _PY_MAPPINGS[mapping]
    if mapping == "clip" and not several:
        map_code = "    return np.clip(a[:, 0], 0.0, 1.0)"
    return _PY_TEMPLATE.format(
        description=_describe(config), returns=_returns(config),
        shape=f"(n, {config.n_classes})" if several else "(n,)",
        activations=_layer_activations(config),
        weights="\n".join(f"    {_nested(w)}," for w in arrays[0::2]),
        biases="\n".join(f"    {_nested(b)}," for b in arrays[1::2]),
        n_features=len(config.features), feature_names=", ".join(config.features),
        feature_exprs=", ".join(_PY_FEATURES[f] for f in config.features),
        leaky=LEAKY_SLOPE, mapping=map_code,
    )


# ---------------------------------------------------------------- JavaScript

_JS_FEATURES = {
    "x1": "x1", "x2": "x2", "x1^2": "x1*x1", "x2^2": "x2*x2", "x1*x2": "x1*x2",
    "sin x1": "Math.sin(x1)", "sin x2": "Math.sin(x2)",
}
_JS_HELPERS = {
    "relu": "const relu = x => x < 0 ? 0 : x;",
    "leaky_relu": f"const leaky_relu = x => x < 0 ? {LEAKY_SLOPE} * x : x;",
    "tanh": "const tanh = x => Math.tanh(x);",
    "sigmoid": "const sigmoid = x => 1 / (1 + Math.exp(-x));",
    "sin": "const sin = x => Math.sin(x);",
    "gaussian": "const gaussian = x => Math.exp(-x * x);",
    "linear": "const linear = x => x;",
    "clip": "const clip = (x, lo, hi) => Math.min(hi, Math.max(lo, x));",
}


def javascript_model(config: SessionConfig, weights: list, biases: list) -> str:
    """One JavaScript function `nn([x1, x2])` with the weights inline.

    Like the seed article's network, W[i] holds neuron i's incoming weights. Returns a
    number (binary score or regression value) or an array of class scores.
    """
    arrays = _check(config, weights, biases)
    acts = _layer_activations(config)
    mapping = output_mapping(config)
    needed = set(acts)
    if mapping in ("sigmoid", "hinge", "clip"):
        needed.add("clip")
    if mapping == "sigmoid":
        needed.add("sigmoid")
    helpers = [line for name, line in _JS_HELPERS.items() if name in needed]

    lines = [f"// A neural network trained in Neuroplay: {_describe(config)}.",
             f"// nn([x1, x2]) returns {_returns(config)}.", *helpers,
             "const nn = X => {",
             "  const [x1, x2] = X;"]
    for k in range(len(acts)):
        w, b = arrays[2 * k], arrays[2 * k + 1]
        lines.append(f"  const W{k + 1} = {_nested(w.T)}, b{k + 1} = {_nested(b)};")
    lines.append(f"  const a0 = [{', '.join(_JS_FEATURES[f] for f in config.features)}];")
    for k, act in enumerate(acts):
        lines.append(f"  const a{k + 1} = W{k + 1}.map((w, i) => "
                     f"{act}(w.reduce((s, wj, j) => s + wj*a{k}[j], b{k + 1}[i])));")
    out = f"a{len(acts)}"
    several = config.n_classes > 2
    if mapping == "identity":
        lines.append(f"  return {out}[0];")
    elif mapping == "sigmoid":
        lines.append(f"  return sigmoid(clip({out}[0], -{BCE_CLIP:g}, {BCE_CLIP:g}));")
    elif mapping == "hinge":
        lines.append(f"  return clip(({out}[0] + 1) / 2, 0, 1);")
    elif mapping == "softmax":
        lines += [f"  const top = Math.max(...{out});",
                  f"  const e = {out}.map(v => Math.exp(v - top));",
                  "  const total = e.reduce((s, v) => s + v, 0);",
                  "  return e.map(v => v / total);"]
    elif several:
        lines.append(f"  return {out}.map(v => clip(v, 0, 1));")
    else:
        lines.append(f"  return clip({out}[0], 0, 1);")
    lines += ["};", "",
              "// console.log(nn([0.5, -1]));",
              'if (typeof module !== "undefined") module.exports = nn;', ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- loss history

def history_csv(history) -> str:
    """Loss history rows (m, 6) -> CSV text with a header of HISTORY_COLUMNS.

    step and epoch are written as whole numbers; NaN (no test set, regression accuracy)
    and JSON's null are written as empty cells.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for row in history:
        cells = []
        for i, v in enumerate(row):
            if v is None or not math.isfinite(float(v)):
                cells.append("")
            elif i < 2:
                cells.append(str(int(v)))
            else:
                cells.append(repr(float(v)))
        writer.writerow(cells)
    return out.getvalue()


def read_history_csv(text: str) -> list[tuple[float, ...]]:
    """The inverse of history_csv: rows of floats, NaN for empty cells."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != HISTORY_COLUMNS:
        raise ValueError(f"the first row must be the header {','.join(HISTORY_COLUMNS)}")
    return [tuple(float(c) if c else float("nan") for c in row) for row in rows[1:] if row]
