"""The network's shape: hidden layers, neurons per layer, activations."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.controls import ACTIVATION_LABELS, OUTPUT_LABELS, ChoiceCombo
from engine.config import MAX_HIDDEN_LAYERS, MAX_NEURONS, SessionConfig

NEW_LAYER_SIZE = 4


def _small_button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setFixedSize(26, 26)
    return button


class LayerCard(QFrame):
    """One hidden layer: [-] n [+] neurons and its activation."""

    WIDTH = 104

    def __init__(self, index: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.setObjectName("layerCard")
        self.setFixedWidth(self.WIDTH)
        self.remove_neuron = _small_button("\u2212", f"One neuron fewer in layer {index + 1}")
        self.add_neuron = _small_button("+", f"One more neuron in layer {index + 1}")
        self.count = QLabel()
        self.count.setAlignment(Qt.AlignCenter)
        self.count.setMinimumWidth(22)
        self.activation = ChoiceCombo(ACTIVATION_LABELS)
        self.activation.setToolTip(f"Activation of layer {index + 1}")
        title = QLabel(f"Layer {index + 1}")
        title.setAlignment(Qt.AlignCenter)
        title.setObjectName("cardTitle")
        row = QHBoxLayout()
        row.setSpacing(2)
        row.addWidget(self.remove_neuron)
        row.addWidget(self.count, 1)
        row.addWidget(self.add_neuron)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.activation)

    def show_layer(self, neurons: int, activation: str) -> None:
        self.count.setText(str(neurons))
        self.count.setToolTip(f"{neurons} neuron{'s' if neurons != 1 else ''}")
        self.remove_neuron.setEnabled(neurons > 1)
        self.add_neuron.setEnabled(neurons < MAX_NEURONS)
        self.activation.blockSignals(True)
        self.activation.set_value(activation)
        self.activation.blockSignals(False)


class NetworkPanel(QWidget):
    """Add/remove hidden layers and neurons, choose activations (per layer or for all)."""

    changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._config = SessionConfig()
        self.remove_layer = _small_button("\u2212", "Remove the last hidden layer")
        self.add_layer = _small_button("+", f"Add a hidden layer (up to {MAX_HIDDEN_LAYERS})")
        self.remove_layer.clicked.connect(self._on_remove_layer)
        self.add_layer.clicked.connect(self._on_add_layer)
        self.layer_count = QLabel()
        self.layer_count.setObjectName("layerCount")
        all_labels = {"mixed": "Mixed", **ACTIVATION_LABELS}
        self.all_activations = ChoiceCombo(all_labels)
        self.all_activations.setToolTip("Set every hidden layer's activation")
        self.all_activations.value_changed.connect(self._on_all_activations)
        self.output_activation = ChoiceCombo(OUTPUT_LABELS)
        self.output_activation.setToolTip(
            "Output activation; Auto gives raw scores the loss turns into probabilities")
        self.output_activation.value_changed.connect(
            lambda v: self.changed.emit({"output_activation": v}))

        header = QHBoxLayout()
        header.setSpacing(6)
        header.addWidget(self.remove_layer)
        header.addWidget(self.add_layer)
        header.addWidget(self.layer_count)
        header.addStretch(1)
        options = QGridLayout()
        options.setHorizontalSpacing(8)
        options.setVerticalSpacing(4)
        options.addWidget(QLabel("Activation"), 0, 0)
        options.addWidget(self.all_activations, 0, 1)
        options.addWidget(QLabel("Output"), 1, 0)
        options.addWidget(self.output_activation, 1, 1)
        options.setColumnStretch(2, 1)

        self._cards: list[LayerCard] = []  # one per hidden layer, in order
        self._all_cards: list[LayerCard] = []  # those and the hidden ones kept for reuse
        # Cards wrap onto more rows when the column is narrow: no sideways scrolling.
        self._card_grid = QGridLayout()
        self._card_grid.setSpacing(6)
        self._card_grid.setContentsMargins(0, 0, 0, 0)
        self._columns = 0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addLayout(options)
        # The cards' box asks for one card's width only; the cards reflow to what it gets.
        self._card_box = QWidget()
        self._card_box.setLayout(self._card_grid)
        self._card_box.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self._card_box.setMinimumWidth(LayerCard.WIDTH)
        self._card_box.installEventFilter(self)
        layout.addWidget(self._card_box)
        self.set_config(self._config)
        self._warm_timer = QTimer(self)
        self._warm_timer.setInterval(0)
        self._warm_timer.timeout.connect(self._warm_step)
        self._warm_timer.start()

    def cards(self) -> list[LayerCard]:
        return list(self._cards)

    def set_config(self, config: SessionConfig) -> None:
        """Show `config` without emitting `changed`."""
        self._config = config
        hidden = config.hidden
        # Cards past the last layer are hidden and kept, not deleted: making a card costs a
        # few milliseconds (more while the theme polishes it), and 8 of them at once stalled
        # the window. Card k always stands for layer k, so its signals stay right.
        while len(self._all_cards) < len(hidden):
            self._add_card()
        if len(self._cards) != len(hidden):
            self._cards = self._all_cards[:len(hidden)]
            self._columns = 0
        self._place_cards()
        for card, n, act in zip(self._cards, hidden, config.activations, strict=True):
            card.show_layer(n, act)
        count = len(hidden)
        self.layer_count.setText(f"{count} hidden layer{'s' if count != 1 else ''}")
        self.remove_layer.setEnabled(count > 0)
        self.add_layer.setEnabled(count < MAX_HIDDEN_LAYERS)
        shared = set(config.activations)
        for combo, value in ((self.all_activations,
                              shared.pop() if len(shared) == 1 else "mixed"),
                             (self.output_activation, config.output_activation)):
            combo.blockSignals(True)
            combo.set_value(value)
            combo.blockSignals(False)

    def _add_card(self) -> LayerCard:
        card = LayerCard(len(self._all_cards), self._card_box)
        card.hide()  # until _place_cards shows it
        k = card.index
        card.remove_neuron.clicked.connect(lambda _c=False, k=k: self._on_neurons(k, -1))
        card.add_neuron.clicked.connect(lambda _c=False, k=k: self._on_neurons(k, +1))
        card.activation.value_changed.connect(lambda v, k=k: self._on_activation(k, v))
        self._all_cards.append(card)
        return card

    def _warm_step(self) -> None:
        """Make one more hidden card, styled, until every layer the engine allows has one:
        the first deep network then shows cards made while the GUI was idle."""
        if len(self._all_cards) >= MAX_HIDDEN_LAYERS:
            self._warm_timer.stop()
            return
        self._add_card().ensurePolished()

    def warming(self) -> bool:
        """Whether spare cards are still being made."""
        return self._warm_timer.isActive()

    def _place_cards(self) -> None:
        """Lay the cards out in as many columns as fit the width."""
        width = max(self._card_box.width(), 1)
        columns = max(1, min(MAX_HIDDEN_LAYERS, (width + 6) // (LayerCard.WIDTH + 6)))
        if columns == self._columns:
            return
        self._columns = columns
        # Showing a widget lays out every visible parent up to the window at once (5 ms a
        # card here): with their box hidden meanwhile, the cards cost one layout in all.
        box = self._card_box
        hide_box = box.isVisible() and any(card.isHidden() for card in self._cards)
        if hide_box:
            box.hide()
        for card in self._all_cards:
            self._card_grid.removeWidget(card)
        for card in self._all_cards[len(self._cards):]:
            card.hide()  # at once: a screenshot or presentation must not catch it
        for k, card in enumerate(self._cards):
            self._card_grid.addWidget(card, k // columns, k % columns, Qt.AlignLeft)
            card.setVisible(True)  # a reused card was hidden explicitly
        if hide_box:
            box.show()
        for c in range(MAX_HIDDEN_LAYERS + 1):
            self._card_grid.setColumnStretch(c, 1 if c == columns else 0)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self._card_box and event.type() == QEvent.Resize:
            self._place_cards()
        return super().eventFilter(watched, event)

    def _on_add_layer(self) -> None:
        c = self._config
        if len(c.hidden) >= MAX_HIDDEN_LAYERS:
            return
        activation = c.activations[-1] if c.activations else "relu"
        self.changed.emit({"hidden": (*c.hidden, NEW_LAYER_SIZE),
                           "activations": (*c.activations, activation)})

    def _on_remove_layer(self) -> None:
        c = self._config
        if c.hidden:
            self.changed.emit({"hidden": c.hidden[:-1], "activations": c.activations[:-1]})

    def _on_neurons(self, layer: int, delta: int) -> None:
        hidden = list(self._config.hidden)
        new = hidden[layer] + delta
        if 1 <= new <= MAX_NEURONS:
            hidden[layer] = new
            self.changed.emit({"hidden": tuple(hidden)})

    def _on_activation(self, layer: int, value: str) -> None:
        activations = list(self._config.activations)
        activations[layer] = value
        self.changed.emit({"activations": tuple(activations)})

    def _on_all_activations(self, value: str) -> None:
        if value != "mixed":
            self.changed.emit({"activations": (value,) * len(self._config.hidden)})
