"""The Hyperparameters group: problem, learning rate, optimizer, batch, loss,
regularization, schedule, initialisation."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QSpinBox,
    QToolButton,
    QWidget,
)

from app.controls import (
    INIT_LABELS,
    LEARNING_RATES,
    LOSS_LABELS,
    OPTIMIZER_LABELS,
    PROBLEM_LABELS,
    REGULARIZATION_LABELS,
    REGULARIZATION_RATES,
    SCHEDULE_LABELS,
    ChoiceCombo,
    NumberCombo,
)
from engine.config import (
    MAX_BATCH_SIZE,
    MAX_LEARNING_RATE,
    MAX_MOMENTUM,
    MAX_REGULARIZATION_RATE,
    MAX_SCHEDULE_STEPS,
    MAX_SEED,
    MIN_LEARNING_RATE,
    SessionConfig,
    next_seed,
)

_MOMENTUM_TIPS = {
    "sgd": "Plain SGD has no momentum",
    "momentum": "How much of the last update carries on (0.9 is usual)",
    "nesterov": "How much of the last update carries on (0.9 is usual)",
    "rmsprop": "Decay of the running average of squared gradients",
    "adam": "Adam's beta 1: decay of the running average of gradients",
}


class TrainingPanel(QGroupBox):
    """Emits changed(dict) with the hyperparameters the user changed; errors go to invalid."""

    # Rows that show and hide together (lessons hide what they do not need).
    ROW_GROUPS = {
        "problem": ("problem",), "learning_rate": ("learning_rate",),
        "optimizer": ("optimizer", "momentum"), "batch_size": ("batch_size",),
        "loss": ("loss",), "regularization": ("regularization", "regularization_rate"),
        "schedule": ("schedule", "schedule_steps"), "initialisation": ("init", "init_seed"),
    }

    changed = Signal(dict)
    invalid = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Hyperparameters", parent)
        self.problem = ChoiceCombo(PROBLEM_LABELS)
        self.problem.setToolTip("Classify points into colours, or predict a number (regression)")
        self.learning_rate = NumberCombo(LEARNING_RATES, MIN_LEARNING_RATE, MAX_LEARNING_RATE,
                                         "The learning rate")
        self.learning_rate.setToolTip("Step size of each update: pick one or type a number")
        self.optimizer = ChoiceCombo(OPTIMIZER_LABELS)
        self.momentum = QDoubleSpinBox()
        self.momentum.setRange(0.0, MAX_MOMENTUM)
        self.momentum.setDecimals(4)
        self.momentum.setSingleStep(0.05)
        self.momentum.setKeyboardTracking(False)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(0, MAX_BATCH_SIZE)
        self.batch_size.setSpecialValueText("Full batch")
        self.batch_size.setKeyboardTracking(False)
        self.batch_size.setToolTip("Points per update; 0 (Full batch) uses every training point")
        self.loss = ChoiceCombo(LOSS_LABELS)
        self.loss.setToolTip("Auto: cross-entropy for classes, mean squared error for numbers")
        self.regularization = ChoiceCombo(REGULARIZATION_LABELS)
        self.regularization.setToolTip("Penalty on large weights (not biases)")
        self.regularization_rate = NumberCombo(REGULARIZATION_RATES, 0.0, MAX_REGULARIZATION_RATE,
                                               "The regularization rate")
        self.regularization_rate.setToolTip("Strength of the penalty")
        self.schedule = ChoiceCombo(SCHEDULE_LABELS)
        self.schedule.setToolTip("How the learning rate changes as training goes on")
        self.schedule_steps = QSpinBox()
        self.schedule_steps.setRange(1, MAX_SCHEDULE_STEPS)
        self.schedule_steps.setSingleStep(1000)
        self.schedule_steps.setKeyboardTracking(False)
        self.schedule_steps.setToolTip("Decay steps: the horizon (linear, cosine) or the "
                                       "period (step decay)")
        self.schedule_steps.setSuffix(" steps")
        self.init = ChoiceCombo(INIT_LABELS)
        self.init.setToolTip("How the first weights are drawn")
        self.init_seed = QSpinBox()
        self.init_seed.setRange(0, MAX_SEED)
        self.init_seed.setKeyboardTracking(False)
        self.init_seed.setToolTip("Init seed: the same seed gives the same first weights")
        self.init_seed.setPrefix("seed ")
        self.new_seed = QToolButton()
        self.new_seed.setText("New")
        self.new_seed.setToolTip("Draw new first weights (next seed)")
        self.new_seed.clicked.connect(
            lambda: self.init_seed.setValue(next_seed(self.init_seed.value())))

        for combo, field in ((self.problem, "problem"), (self.optimizer, "optimizer"),
                             (self.loss, "loss"), (self.regularization, "regularization"),
                             (self.schedule, "schedule"), (self.init, "init")):
            combo.value_changed.connect(lambda v, f=field: self.changed.emit({f: v}))
        for number, field in ((self.learning_rate, "learning_rate"),
                              (self.regularization_rate, "regularization_rate")):
            number.value_changed.connect(lambda v, f=field: self.changed.emit({f: v}))
            number.invalid.connect(self.invalid)
        for spin, field in ((self.momentum, "momentum"), (self.batch_size, "batch_size"),
                            (self.schedule_steps, "schedule_steps"),
                            (self.init_seed, "init_seed")):
            spin.valueChanged.connect(lambda v, f=field: self.changed.emit({f: v}))

        # A setting and its number share a row (rate, steps, seed; their tooltips and
        # suffixes name them): every hyperparameter shows without scrolling at 1280x800.
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignLeft)
        form.setVerticalSpacing(4)
        form.addRow("Problem", self.problem)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Momentum", self.momentum)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Loss", self.loss)
        form.addRow("Regularization", _row(self.regularization, self.regularization_rate))
        form.addRow("LR schedule", _row(self.schedule, self.schedule_steps))
        form.addRow("Initialisation", _row(self.init, self.init_seed, self.new_seed))
        self.set_config(SessionConfig())

    def set_rows_visible(self, group: str, visible: bool) -> None:
        """Show or hide the rows of `group` (a key of ROW_GROUPS)."""
        if group not in self.ROW_GROUPS:
            raise ValueError(f"unknown hyperparameter group {group!r}; "
                             f"choose one of {', '.join(self.ROW_GROUPS)}")
        form = self.layout()
        for name in self.ROW_GROUPS[group]:
            row = self.row_of(getattr(self, name))
            if form.isRowVisible(row) != visible:  # each change lays the form out again
                form.setRowVisible(row, visible)

    def row_of(self, widget: QWidget) -> int:
        """The form row holding `widget`, directly or inside the row's own layout."""
        form = self.layout()
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.FieldRole)
            if item is not None and (item.widget() is widget or (
                    item.layout() is not None and item.layout().indexOf(widget) >= 0)):
                return row
        raise ValueError("that control is not in the hyperparameter form")

    def set_config(self, config: SessionConfig) -> None:
        """Show `config` without emitting `changed`."""
        widgets = (self.problem, self.learning_rate, self.optimizer, self.momentum,
                   self.batch_size, self.loss, self.regularization, self.regularization_rate,
                   self.schedule, self.schedule_steps, self.init, self.init_seed)
        for w in widgets:
            w.blockSignals(True)
        self.problem.set_value(config.problem)
        self.learning_rate.set_value(config.learning_rate)
        self.optimizer.set_value(config.optimizer)
        self.momentum.setValue(config.momentum)
        self.momentum.setEnabled(config.optimizer != "sgd")
        self.momentum.setToolTip(_MOMENTUM_TIPS[config.optimizer])
        self.batch_size.setValue(config.batch_size)
        self.loss.set_value(config.loss)
        self.regularization.set_value(config.regularization)
        self.regularization_rate.set_value(config.regularization_rate)
        self.regularization_rate.setEnabled(config.regularization != "none")
        self.schedule.set_value(config.schedule)
        self.schedule_steps.setValue(config.schedule_steps)
        self.schedule_steps.setEnabled(config.schedule != "constant")
        self.init.set_value(config.init)
        self.init_seed.setValue(config.init_seed)
        for w in widgets:
            w.blockSignals(False)


def _row(*widgets: QWidget) -> QHBoxLayout:
    """The first widget takes what the others leave; the number beside it stays compact."""
    row = QHBoxLayout()
    row.setSpacing(4)
    for k, w in enumerate(widgets):
        row.addWidget(w, 2 if k == 0 else 1 if k == 1 else 0)
    return row
