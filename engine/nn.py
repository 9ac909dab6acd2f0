"""Multilayer perceptrons built from fused dense layers."""

from __future__ import annotations

import numpy as np

from engine.backend import Backend, astype, get_backend
from engine.tensor import Tensor, dense, no_grad

HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "leaky_relu", "sin", "gaussian")
OUTPUT_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")
INITS = ("uniform", "xavier", "he", "zeros")


def initial_weights(layer_sizes, init: str, seed: int) -> list[np.ndarray]:
    """Host float64 weight matrices (fan_in, fan_out), one per layer, from `seed`.

    uniform: U(-1, 1), as in the seed article. xavier: Glorot uniform,
    U(-a, a) with a = sqrt(6 / (fan_in + fan_out)). he: normal with std sqrt(2 / fan_in).
    zeros: all 0, to show why networks start random (every neuron of a layer stays alike).
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}: choose one of {', '.join(INITS)}")
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        shape = (fan_in, fan_out)
        if init == "uniform":
            w = rng.uniform(-1.0, 1.0, shape)
        elif init == "zeros":
            w = np.zeros(shape)
        elif init == "xavier":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, shape)
        else:
            w = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        weights.append(w)
    return weights


class MLP:
    """Dense layers of any sizes: layer_sizes[0] inputs, layer_sizes[-1] outputs.

    activations: one name per hidden layer. weights[k]: Tensor (fan_in, fan_out),
    biases[k]: Tensor (fan_out,), both of the backend's dtype; biases start at 0.
    """

    def __init__(self, layer_sizes, activations, output_activation: str = "linear",
                 init: str = "xavier", seed: int = 1, backend: Backend | str | None = None):
        sizes = tuple(layer_sizes)
        if len(sizes) < 2:
            raise ValueError(f"a network needs at least an input and an output size, "
                             f"not {list(sizes)}")
        for n in sizes:
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
                raise ValueError(f"layer sizes must be whole numbers of 1 or more, not {n!r}")
        activations = tuple(activations)
        if len(activations) != len(sizes) - 2:
            raise ValueError(f"need one activation per hidden layer ({len(sizes) - 2}), "
                             f"not {len(activations)}")
        for name in activations:
            if name not in HIDDEN_ACTIVATIONS:
                raise ValueError(f"unknown activation {name!r}: choose one of "
                                 f"{', '.join(HIDDEN_ACTIVATIONS)}")
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"unknown output activation {output_activation!r}: choose one of "
                             f"{', '.join(OUTPUT_ACTIVATIONS)}")
        self.backend = get_backend() if backend is None else get_backend(backend)
        self.layer_sizes = tuple(int(n) for n in sizes)
        self.activations = (*activations, output_activation)  # one per layer
        self.output_activation = output_activation
        self.init = init
        self.seed = seed
        host = initial_weights(self.layer_sizes, init, seed)
        self.weights = [Tensor(self.backend.asarray(w), requires_grad=True) for w in host]
        self.biases = [Tensor(self.backend.zeros((w.shape[1],)), requires_grad=True)
                       for w in host]

    def __call__(self, x) -> Tensor:
        """x: Tensor or array (n, layer_sizes[0]) -> Tensor (n, layer_sizes[-1])."""
        out = self._input(x)
        for w, b, activation in zip(self.weights, self.biases, self.activations, strict=True):
            out = dense(out, w, b, activation)
        return out

    def layer_outputs(self, x) -> list:
        """Each layer's post-activation output (n, units), hidden layers then the output.
        Builds no graph; the arrays are backend arrays."""
        out = self._input(x)
        outputs = []
        with no_grad():
            for w, b, activation in zip(self.weights, self.biases, self.activations,
                                        strict=True):
                out = dense(out, w, b, activation)
                outputs.append(out.data)
        return outputs

    def parameters(self) -> list[Tensor]:
        """weights[0], biases[0], weights[1], biases[1], ..."""
        return [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]

    def _input(self, x) -> Tensor:
        """x as a Tensor of the network's dtype (so float32 stays float32 throughout)."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim != 2 or x.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"the network takes inputs of shape (n, {self.layer_sizes[0]}), "
                             f"not {x.shape}")
        if x.dtype != self.backend.dtype:
            x = Tensor(astype(x.data, self.backend.dtype))
        return x
