"""The autograd explainer: one forward and backward pass of a tiny network, box by box.

The graph is built and differentiated by engine/scalar.py (`Scalar`); this widget only
lays the nodes out and reveals the numbers the engine computed, one node at a time in
the order `backward()` visits them (reversed topological order).

    python -m app.explainer      # the "Six lines" XOR network on its own
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.placement import keep_on_screen
from app.views.network_diagram import neuron_name, weight_name
from engine.scalar import Scalar

# The seed's hand-weighted XOR network, (fan_in, fan_out) layout.
SIX_LINES_WEIGHTS = [[[-1.0, -0.7], [-1.0, -0.7]], [[-1.8], [1.3]]]
SIX_LINES_BIASES = [[1.0, 1.3], [0.0]]
XOR_EXAMPLES = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
OP_SYMBOLS = {"+": "+", "*": "×", "-": "−", "**2": "square", "relu": "relu",
              "tanh": "tanh", "sigmoid": "sigmoid"}
# Scene units; the view scales the whole scene to fit, so these set proportions only.
FONT_PX = 32
LINE_H, COL_GAP, ROW_GAP, PADDING = FONT_PX * 1.3, 34.0, 22.0, 20.0


@dataclass
class ExplainerGraph:
    """A network's forward pass on one example as Scalars, already differentiated.

    order: every node, leaves first (engine's topological_order); loss is order[-1].
    kinds: id(node) -> "input" | "param" | "target" | "op" | "loss".
    """

    loss: Scalar
    output: Scalar
    order: list[Scalar]
    params: list[Scalar]
    inputs: list[Scalar]
    kinds: dict[int, str] = field(default_factory=dict)

    @property
    def backward_order(self) -> list[Scalar]:
        """The order backward() hands out gradients: the loss first, leaves last."""
        return list(reversed(self.order))

    def gradients(self) -> dict[str, float]:
        """Parameter label -> d(loss)/d(parameter), as the engine computed it."""
        return {p.label: p.grad for p in self.params}


def _activate(s: Scalar, name: str) -> Scalar:
    if name == "linear":
        return s
    if name not in ACTIVATIONS:
        raise ValueError(f"the explainer shows relu, tanh, sigmoid or linear, not {name!r}")
    return getattr(s, name)()


def build_graph(weights, biases, x, target: float, hidden_activation: str = "relu",
                output_activation: str = "relu") -> ExplainerGraph:
    """Forward and backward pass of a small MLP on one example, with engine Scalars.

    weights[k]: (fan_in, fan_out) nested lists; biases[k]: (fan_out,); x: (fan_in0,).
    Each neuron is act(b + x1*w1 + x2*w2 ...), as in the seed's Neuron; the loss is the
    squared error (target - output)^2 of the single output. Returns the graph after
    `loss.backward()`.
    """
    kinds: dict[int, str] = {}
    inputs = [Scalar(float(v), label=f"x{i + 1}") for i, v in enumerate(x)]
    for s in inputs:
        kinds[id(s)] = "input"
    params: list[Scalar] = []
    values = inputs
    last = len(weights) - 1
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        if len(w) != len(values):
            raise ValueError(f"layer {k + 1} expects {len(w)} inputs, not {len(values)}")
        outputs = []
        for j in range(len(b)):
            total = Scalar(float(b[j]), label=f"b{k + 1}[{j + 1}]")
            params.append(total)
            for i, xi in enumerate(values):
                wij = Scalar(float(w[i][j]), label=f"w{k + 1}[{i + 1},{j + 1}]")
                params.append(wij)
                total = total + xi * wij
            act = output_activation if k == last else hidden_activation
            outputs.append(_activate(total, act))
        values = outputs
    if len(values) != 1:
        raise ValueError(f"the explainer needs one output, not {len(values)}")
    output = values[0]
    y = Scalar(float(target), label="target y")
    loss = (y - output).pow(2)
    loss.label = "loss"
    for p in params:
        kinds[id(p)] = "param"
    kinds[id(y)] = "target"
    kinds[id(loss)] = "loss"
    order = loss.topological_order()
    for node in order:
        kinds.setdefault(id(node), "op")
    loss.backward()
    return ExplainerGraph(loss, output, order, params, inputs, kinds)


def layout(graph: ExplainerGraph) -> dict[int, tuple[int, float]]:
    """id(node) -> (column, row): operations one column right of their deepest input,
    leaves one column left of their first use; rows ordered to keep edges short."""
    column: dict[int, int] = {}
    users: dict[int, list[Scalar]] = {id(n): [] for n in graph.order}
    for node in graph.order:
        for ref in node.refs:
            users[id(ref)].append(node)
        if node.refs:
            column[id(node)] = 1 + max(column.get(id(r), 0) for r in node.refs)
    for node in graph.order:
        if not node.refs:
            column[id(node)] = max(min(column[id(u)] for u in users[id(node)]) - 1, 0)
    # Leaves first got column 0 when read as refs above; recompute ops with final leaves.
    for node in graph.order:
        if node.refs:
            column[id(node)] = 1 + max(column[id(r)] for r in node.refs)
    by_column: dict[int, list[Scalar]] = {}
    for node in graph.order:
        by_column.setdefault(column[id(node)], []).append(node)
    row = {id(n): float(i) for nodes in by_column.values() for i, n in enumerate(nodes)}
    # A few sweeps of "move to the mean row of your neighbours", then spread out.
    for _ in range(6):
        for c in sorted(by_column):
            nodes = by_column[c]
            want = {}
            for n in nodes:
                near = [row[id(r)] for r in n.refs] + [row[id(u)] for u in users[id(n)]]
                want[id(n)] = sum(near) / len(near) if near else row[id(n)]
            nodes.sort(key=lambda n: want[id(n)])
            centre = sum(want.values()) / len(nodes)
            for i, n in enumerate(nodes):
                row[id(n)] = centre + i - (len(nodes) - 1) / 2
    return {key: (column[key], row[key]) for key in column}


def node_title(node: Scalar) -> str:
    """A node's first line: its name (leaves, the loss) or its operation."""
    return node.label if node.label else OP_SYMBOLS.get(node.op, node.op)


_PARAMETER = re.compile(r"^([wb])(\d+)\[(\d+)(?:,(\d+))?\]$")


def parameter_name(label: str) -> str:
    """The window's one name for a weight or bias label ("w2[1,3]": "weight, layer 2,
    neuron 1 → neuron 3"), as its tooltips and editor say; "" for other labels."""
    match = _PARAMETER.match(label or "")
    if match is None:
        return ""
    kind, layer, first, second = match.groups()
    if kind == "w" and second is not None:
        return f"weight, {weight_name(int(layer) - 1, int(first) - 1, int(second) - 1)}"
    if kind == "b" and second is None:
        return f"bias, {neuron_name(int(layer) - 1, int(first) - 1)}"
    return ""


def fmt(value: float) -> str:
    """A number as the explainer prints it: 4 significant digits, no "-0"."""
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


class NodeItem(QGraphicsRectItem):
    """One box: its name or operation, its value, and (once revealed) its gradient."""

    def __init__(self, node: Scalar, kind: str, font: QFont, width: float):
        lines = 4 if kind == "param" else 3
        super().__init__(0, 0, width, LINE_H * lines + 12)
        self.node, self.kind, self.width = node, kind, width
        title = node_title(node)
        bold = QFont(font)
        bold.setBold(True)
        self.texts = [self._text(title, bold, 0), self._text(f"val = {fmt(node.val)}", font, 1),
                      self._text("", font, 2), self._text("", font, 3)]

    def _text(self, text: str, font: QFont, line: int) -> QGraphicsSimpleTextItem:
        item = QGraphicsSimpleTextItem(text, self)
        item.setFont(font)
        item.setData(0, line)
        self._place(item)
        return item

    def _place(self, item: QGraphicsSimpleTextItem) -> None:
        width = item.boundingRect().width()
        item.setPos((self.width - width) / 2, 6 + LINE_H * item.data(0))

    def set_line(self, line: int, text: str) -> None:
        self.texts[line].setText(text)
        self._place(self.texts[line])

    def set_colors(self, fill: QColor, text: QColor, border: QColor, width: float) -> None:
        self.setBrush(QBrush(fill))
        self.setPen(QPen(border, width))
        for item in self.texts:
            item.setBrush(QBrush(text))


class GraphView(QGraphicsView):
    """A QGraphicsView that always shows the whole scene (zoom to fit)."""

    def __init__(self, scene: QGraphicsScene):
        super().__init__(scene)
        self.setRenderHint(QPainter.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-20, -20, 20, 20)
        self.fitInView(rect, Qt.KeepAspectRatio)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.fit()


class ExplainerWidget(QWidget):
    """Computation graph of one example; Step/Play/Reset the backward pass; Update.

    `set_network(weights, biases, ...)` shows another 2-input, 1-output network;
    the default is the seed's "Six lines" XOR network.
    """

    step_shown = Signal(int)  # how many nodes have their gradient revealed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Autograd explainer")
        self._weights, self._biases = SIX_LINES_WEIGHTS, SIX_LINES_BIASES
        self._activations = ("relu", "relu")
        self.graph: ExplainerGraph | None = None
        self.items: dict[int, NodeItem] = {}
        self.revealed = 0
        self.updated = False
        self.timer = QTimer(self)
        self.timer.setInterval(700)
        self.timer.timeout.connect(self._tick)

        self.example = QComboBox()
        for (x1, x2), y in XOR_EXAMPLES:
            self.example.addItem(f"input ({x1:g}, {x2:g}), target {y:g}")
        self.example.setCurrentIndex(1)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(3)
        self.learning_rate.setRange(0.001, 10.0)
        self.learning_rate.setSingleStep(0.05)
        self.learning_rate.setValue(0.1)
        self.learning_rate.setPrefix("learning rate ")
        self.step_button = QPushButton("Step")
        self.play_button = QPushButton("Play backward")
        self.reset_button = QPushButton("Reset")
        self.update_button = QPushButton("Update weights")
        for button in (self.step_button, self.play_button, self.reset_button,
                       self.update_button):
            button.setAutoDefault(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.RichText)

        controls = QHBoxLayout()
        controls.addWidget(self.example)
        controls.addWidget(self.step_button)
        controls.addWidget(self.play_button)
        controls.addWidget(self.reset_button)
        controls.addStretch(1)
        controls.addWidget(self.learning_rate)
        controls.addWidget(self.update_button)
        self.scene = QGraphicsScene(self)
        self.view = GraphView(self.scene)
        layout_ = QVBoxLayout(self)
        layout_.addLayout(controls)
        layout_.addWidget(self.status)
        layout_.addWidget(self.view, 1)

        self.example.currentIndexChanged.connect(self.rebuild)
        self.step_button.clicked.connect(self.step)
        self.play_button.clicked.connect(self.play)
        self.reset_button.clicked.connect(self.reset)
        self.update_button.clicked.connect(self.show_update)
        self.learning_rate.valueChanged.connect(self._refresh_update)
        self.rebuild()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.isWindow():
            # Opened at 1400x820 by the classroom: on a 1024x768 projector or a 1366x768
            # laptop it would run off the screen. Fit it there, centred on first showing.
            first = not getattr(self, "_placed", False)
            self._placed = True
            keep_on_screen(self, centre=first)

    # ------------------------------------------------------------ model
    def set_network(self, weights, biases, hidden_activation: str = "relu",
                    output_activation: str = "relu") -> None:
        """Show another network: weights[k] (fan_in, fan_out), biases[k] (fan_out,)."""
        self._weights, self._biases = weights, biases
        self._activations = (hidden_activation, output_activation)
        self.rebuild()

    def rebuild(self) -> None:
        """Run the forward and backward pass for the chosen example and draw the graph."""
        self.timer.stop()
        x, y = XOR_EXAMPLES[max(self.example.currentIndex(), 0)]
        self.graph = build_graph(self._weights, self._biases, x, y, *self._activations)
        self.revealed = 0
        self.updated = False
        self._draw()

    # ------------------------------------------------------------ playback
    def step(self) -> bool:
        """Reveal the next node's gradient; False when the backward pass is complete."""
        if self.graph is None or self.revealed >= len(self.graph.order):
            self.timer.stop()
            return False
        self.revealed += 1
        self._refresh()
        self.step_shown.emit(self.revealed)
        return True

    def play(self) -> None:
        if self.revealed >= len(self.graph.order):
            self.reset()
        self.timer.start()

    def _tick(self) -> None:
        if not self.step():
            self.timer.stop()

    def reset(self) -> None:
        self.timer.stop()
        self.revealed = 0
        self.updated = False
        self._refresh()

    def finish(self) -> None:
        """Reveal every gradient at once."""
        self.timer.stop()
        self.revealed = len(self.graph.order)
        self._refresh()

    def show_update(self) -> None:
        """Show w_new = w - lr * grad next to every parameter (completing backward first)."""
        if self.revealed < len(self.graph.order):
            self.finish()
        self.updated = True
        self._draw()  # the new values may need wider boxes

    def _refresh_update(self) -> None:
        if self.updated:
            self._draw()

    def shown_gradients(self) -> dict[str, float]:
        """Parameter label -> the gradient shown in its box; only revealed ones."""
        shown = {id(n) for n in self.graph.backward_order[: self.revealed]}
        return {p.label: p.grad for p in self.graph.params if id(p) in shown}

    def updated_parameters(self) -> tuple[list, list]:
        """(weights, biases) after one step w - lr * grad, in the set_network layout."""
        lr = self.learning_rate.value()
        by_label = {p.label: p.val - lr * p.grad for p in self.graph.params}
        weights = [[[by_label[f"w{k + 1}[{i + 1},{j + 1}]"] for j in range(len(row))]
                    for i, row in enumerate(w)] for k, w in enumerate(self._weights)]
        biases = [[by_label[f"b{k + 1}[{j + 1}]"] for j in range(len(b))]
                  for k, b in enumerate(self._biases)]
        return weights, biases

    # ------------------------------------------------------------ drawing
    def _colors(self) -> dict[str, QColor]:
        pal = self.palette()
        dark = pal.window().color().lightness() < 128
        tint = {"input": "#1d5f8a", "param": "#8a5a12", "target": "#3d6b35", "op": "#3a3d42",
                "loss": "#8a2424"} if dark else {
                "input": "#d6e9f8", "param": "#fde3bf", "target": "#dcefd6", "op": "#f2f2f2",
                "loss": "#f8d0d0"}
        colors = {k: QColor(v) for k, v in tint.items()}
        colors["text"] = QColor("#f2f2f2" if dark else "#111111")
        colors["edge"] = QColor("#9aa0a6" if dark else "#6b6b6b")
        colors["current"] = QColor("#ffd400" if dark else "#d62728")
        colors["grad"] = QColor("#7fd4ff" if dark else "#0b4f8a")
        colors["new"] = QColor("#8ef08e" if dark else "#1a6b1a")
        colors["background"] = pal.base().color()
        return colors

    def _draw(self) -> None:
        self.scene.clear()
        self.items.clear()
        font = QFont(self.font())
        font.setPixelSize(FONT_PX)
        bold = QFont(font)
        bold.setBold(True)
        box_w = self._box_width(font, bold)
        positions = layout(self.graph)
        for node in self.graph.order:
            item = NodeItem(node, self.graph.kinds[id(node)], font, box_w)
            col, row = positions[id(node)]
            item.setPos(col * (box_w + COL_GAP), row * (LINE_H * 4 + 12 + ROW_GAP))
            item.setZValue(1)
            self.scene.addItem(item)
            self.items[id(node)] = item
        self.edges: list[tuple[QGraphicsPathItem, int]] = []  # (edge, id of its end node)
        for node in self.graph.order:
            end = self.items[id(node)]
            for ref in node.refs:
                start = self.items[id(ref)]
                a = start.pos() + QPointF(box_w, start.rect().height() / 2)
                b = end.pos() + QPointF(0, end.rect().height() / 2)
                path = QPainterPath(a)
                dx = (b.x() - a.x()) / 2
                path.cubicTo(a + QPointF(dx, 0), b - QPointF(dx, 0), b)
                edge = QGraphicsPathItem(path)
                self.scene.addItem(edge)
                self.edges.append((edge, id(node)))
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        self._refresh()
        self.view.fit()

    def _box_width(self, font: QFont, bold: QFont) -> float:
        """Every box as wide as the widest line any box will show, so none is clipped."""
        plain, heavy = QFontMetricsF(font), QFontMetricsF(bold)
        widest = 0.0
        for node in self.graph.order:
            widest = max(widest, heavy.horizontalAdvance(node_title(node)),
                         plain.horizontalAdvance(f"val = {fmt(node.val)}"),
                         plain.horizontalAdvance(f"grad = {fmt(node.grad)}"))
        if self.updated:
            lr = self.learning_rate.value()
            for p in self.graph.params:
                widest = max(widest, plain.horizontalAdvance(f"new = {fmt(p.val - lr * p.grad)}"))
        return widest + PADDING

    def _refresh(self) -> None:
        if self.graph is None:
            return
        c = self._colors()
        self.scene.setBackgroundBrush(QBrush(c["background"]))
        order = self.graph.backward_order
        shown = {id(n) for n in order[: self.revealed]}
        current = id(order[self.revealed - 1]) if self.revealed and not self.updated else None
        for edge, end in self.edges:
            # The current node hands its gradient back along these edges.
            hot = end == current
            edge.setPen(QPen(c["current"] if hot else c["edge"], 7.0 if hot else 2.5))
            edge.setZValue(0.5 if hot else 0)
        lr = self.learning_rate.value()
        for key, item in self.items.items():
            node = item.node
            item.set_line(2, f"grad = {fmt(node.grad)}" if key in shown else "")
            new = ""
            if item.kind == "param" and self.updated:
                new = f"new = {fmt(node.val - lr * node.grad)}"
            item.set_line(3, new)
            is_current = key == current
            item.set_colors(c[item.kind], c["text"], c["current"] if is_current else c["edge"],
                            6.0 if is_current else 1.5)
            item.texts[2].setBrush(QBrush(c["grad"] if not is_current else c["text"]))
            item.texts[3].setBrush(QBrush(c["new"]))
        self.status.setText(self._status_text(current))

    def _status_text(self, current: int | None) -> str:
        g = self.graph
        out = f"output = <b>{fmt(g.output.val)}</b>, loss (target − output)² = " \
              f"<b>{fmt(g.loss.val)}</b>."
        if self.updated:
            lr = self.learning_rate.value()
            weights, biases = self.updated_parameters()
            x, y = XOR_EXAMPLES[max(self.example.currentIndex(), 0)]
            after = build_graph(weights, biases, x, y, *self._activations).loss
            return (f"{out} <b>Update:</b> every parameter moves against its gradient, "
                    f"w<sub>new</sub> = w − {fmt(lr)} × grad. With the new weights the loss "
                    f"on this example becomes <b>{fmt(after.val)}</b>.")
        if self.revealed == 0:
            return (f"{out} <b>Forward pass:</b> each box holds its value. Press Step or "
                    f"Play to send the gradient back from the loss.")
        node = g.backward_order[self.revealed - 1]
        name = node.label or OP_SYMBOLS.get(node.op, node.op)
        long_name = parameter_name(node.label)
        if long_name:
            name = f"{name} ({long_name})"
        if self.revealed == 1:
            why = "the loss starts with grad = 1"
        else:
            why = "grad = sum of (grad × local slope) over the boxes it feeds"
        sends = ", ".join(
            f"{ref.label or OP_SYMBOLS.get(ref.op, ref.op)} gets {fmt(node.grad)} × "
            f"{fmt(local)}" for ref, local in zip(node.refs, node.grads, strict=True))
        sends = f" It passes back: {sends}." if sends else " A leaf: nothing to pass back."
        done = " <b>Backward pass complete.</b>" if self.revealed == len(g.order) else ""
        return (f"{out} <b>Backward {self.revealed}/{len(g.order)}:</b> {name}, {why}: "
                f"<b>{fmt(node.grad)}</b>.{sends}{done}")


def main() -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    widget = ExplainerWidget()
    widget.resize(1400, 800)
    widget.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
