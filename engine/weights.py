"""The one check that weights and biases fit a network: sessions, lessons, exports and the
scalar engine all ask it, so they accept and refuse the same things, with the same words."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def checked_parameters(sizes: Sequence[int], weights: Sequence, biases: Sequence,
                       finite: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weights[k], biases[k]) as float64 arrays, (sizes[k], sizes[k+1]) and (sizes[k+1],).

    ValueError naming the layer when the count, a shape or (with `finite`) a value is wrong.
    """
    layers = len(sizes) - 1
    if len(weights) != layers or len(biases) != layers:
        raise ValueError(f"the network has {layers} layers, not {len(weights)} weight "
                         f"matrices and {len(biases)} bias vectors")
    out = []
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        want = (sizes[k], sizes[k + 1])
        try:
            w = np.asarray(w, dtype=np.float64)
            b = np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):  # ragged nested lists
            raise ValueError(f"layer {k}: weights must have shape {want} and biases "
                             f"({want[1]},)") from None
        if w.shape != want or b.shape != (want[1],):
            raise ValueError(f"layer {k}: weights must have shape {want} and biases "
                             f"({want[1]},), not {w.shape} and {b.shape}")
        if finite and not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
            raise ValueError(f"layer {k}: weights and biases must be finite numbers, "
                             f"not NaN or infinite")
        out.append((w, b))
    return out


def parameters_fit(sizes: Sequence[int], weights: Sequence, biases: Sequence) -> bool:
    """True when checked_parameters would accept the shapes."""
    try:
        checked_parameters(sizes, weights, biases, finite=False)
    except ValueError:
        return False
    return True
