"""What the GUI sees of a training session: frozen, host-side copies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Columns of Snapshot.history rows.
HISTORY_COLUMNS = ("step", "epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


@dataclass(frozen=True)
class Snapshot:
    """One moment of training. Every array is a host NumPy copy the trainer never touches.

    weights[k]: (fan_in, fan_out) float32, layer k (0 = first hidden layer).
    biases[k]: (fan_out,) float32.
    boundary: (G, G) float32 over `extent`, row i is x2 = y_i, column j is x1 = x_j.
        Binary classification: the probability-like score of class 1 in [0, 1]
        (threshold 0.5). Regression: the prediction. Several classes: the winning class
        index (as float).
    boundary_confidence: (G, G) float32 in [0, 1], the winning class's probability,
        for several classes only; None otherwise.
    neuron_outputs[k]: (units_k, g, g) float32, each neuron of layer k (hidden layers and
        the output layer) over the coarse grid on `extent`.
    history: (m, 6) float64 rows (see HISTORY_COLUMNS) recorded since the row index the
        caller asked for; accuracy is NaN for regression, test columns NaN with no test set.
    """

    step: int
    epoch: int
    learning_rate: float  # after the schedule, at this step
    train_loss: float
    test_loss: float  # NaN when there is no test set
    train_accuracy: float  # NaN for regression
    test_accuracy: float
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    boundary: np.ndarray
    boundary_confidence: np.ndarray | None
    neuron_outputs: tuple[np.ndarray, ...]
    extent: tuple[float, float, float, float]  # x1 min, x1 max, x2 min, x2 max
    history: np.ndarray
    history_start: int  # index of history[0] in the whole history
    diverged: bool
    message: str  # why training stopped, for the user; "" when all is well
