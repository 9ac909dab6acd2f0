"""The autograd explainer shows the engine's own gradients, node by node."""

from __future__ import annotations

import pytest

from app.explainer import (
    SIX_LINES_BIASES,
    SIX_LINES_WEIGHTS,
    XOR_EXAMPLES,
    ExplainerWidget,
    build_graph,
    layout,
)
from engine.scalar import MLP, Scalar


def loss_by_hand(weights, biases, x, y) -> float:
    """The seed network's squared error in plain Python (ReLU everywhere)."""
    relu = lambda v: v if v > 0 else 0.0  # noqa: E731
    hidden = [relu(biases[0][j] + sum(x[i] * weights[0][i][j] for i in range(2)))
              for j in range(2)]
    out = relu(biases[1][0] + sum(hidden[j] * weights[1][j][0] for j in range(2)))
    return (y - out) ** 2


def at_a_kink(weights, biases, x) -> bool:
    """True when some ReLU input is 0, where the derivative jumps and differences disagree."""
    z = [biases[0][j] + sum(x[i] * weights[0][i][j] for i in range(2)) for j in range(2)]
    hidden = [max(v, 0.0) for v in z]
    z.append(biases[1][0] + sum(hidden[j] * weights[1][j][0] for j in range(2)))
    return any(abs(v) < 1e-4 for v in z)


def labelled(weights, biases):
    """Parameter label -> (layer, i, j) or (layer, j) for biases, as the explainer names them."""
    names = {}
    for k, w in enumerate(weights):
        for i, row in enumerate(w):
            for j in range(len(row)):
                names[f"w{k + 1}[{i + 1},{j + 1}]"] = ("w", k, i, j)
        for j in range(len(biases[k])):
            names[f"b{k + 1}[{j + 1}]"] = ("b", k, j)
    return names


def nudged(weights, biases, where, h):
    w = [[list(row) for row in layer] for layer in weights]
    b = [list(layer) for layer in biases]
    if where[0] == "w":
        _, k, i, j = where
        w[k][i][j] += h
    else:
        _, k, j = where
        b[k][j] += h
    return w, b


# A point where no ReLU sits exactly at its kink, so central differences are exact enough.
TRAINED_WEIGHTS = [[[0.9, -0.6], [-1.1, 0.8]], [[1.2], [0.7]]]
TRAINED_BIASES = [[0.15, 0.3], [0.05]]


@pytest.fixture
def widget(qtbot):
    w = ExplainerWidget()
    qtbot.addWidget(w)
    w.resize(1400, 800)
    return w


@pytest.mark.parametrize("example", range(4))
@pytest.mark.parametrize("net", ["six_lines", "other"])
def test_shown_gradients_equal_engine_backward_and_central_differences(widget, example, net):
    weights, biases = ((SIX_LINES_WEIGHTS, SIX_LINES_BIASES) if net == "six_lines"
                       else (TRAINED_WEIGHTS, TRAINED_BIASES))
    widget.set_network(weights, biases)
    widget.example.setCurrentIndex(example)
    while widget.step():
        pass
    shown = widget.shown_gradients()
    assert len(shown) == 9  # 6 weights + 3 biases

    # The engine's own scalar MLP on the same expression: (y - mlp(x))^2.
    x, y = XOR_EXAMPLES[example]
    mlp = MLP([2, 2, 1], seed_exact=True)
    mlp.load_weights(weights, biases)
    loss = (Scalar(y) - mlp(x)[0]).pow(2)
    mlp.zero_grad()
    loss.backward()
    assert loss.val == pytest.approx(loss_by_hand(weights, biases, x, y), abs=1e-12)
    names = labelled(weights, biases)
    # The six-lines net puts a ReLU exactly at its kink for (0, 1), (1, 0) and (1, 1):
    # there the engine takes relu'(0) = 0 and a central difference sees the average slope.
    check_differences = not at_a_kink(weights, biases, x)
    assert check_differences or net == "six_lines"
    for label, where in names.items():
        if where[0] == "w":
            _, k, i, j = where
            engine = mlp.layers[k].neurons[j].w[i].grad
        else:
            _, k, j = where
            engine = mlp.layers[k].neurons[j].b.grad
        assert shown[label] == pytest.approx(engine, abs=1e-12), label
        if not check_differences:
            continue
        h = 1e-6
        up = loss_by_hand(*nudged(weights, biases, where, h), x, y)
        down = loss_by_hand(*nudged(weights, biases, where, -h), x, y)
        assert shown[label] == pytest.approx((up - down) / (2 * h), abs=1e-6), label


def test_backward_reveals_in_reverse_topological_order(widget):
    graph = widget.graph
    assert graph.order == graph.loss.topological_order()
    assert widget.shown_gradients() == {}
    widget.step()
    # First the loss itself (grad 1), nothing else yet.
    assert widget.items[id(graph.loss)].texts[2].text() == "grad = 1"
    assert all(item.texts[2].text() == "" for key, item in widget.items.items()
               if key != id(graph.loss))
    steps = 1
    while widget.step():
        steps += 1
    assert steps == len(graph.order)
    assert all(item.texts[2].text().startswith("grad = ") for item in widget.items.values())
    widget.reset()
    assert widget.revealed == 0 and widget.shown_gradients() == {}


def test_play_steps_with_the_timer_until_done(widget, qtbot):
    widget.timer.setInterval(1)
    widget.play()
    qtbot.waitUntil(lambda: widget.revealed == len(widget.graph.order), timeout=10000)
    qtbot.waitUntil(lambda: not widget.timer.isActive(), timeout=10000)


def test_every_operation_is_a_box_laid_out_left_to_right(widget):
    graph = widget.graph
    ops = [n.op for n in graph.order if n.refs]
    # Per neuron: 2 multiplies, 2 adds, 1 relu; then subtract and square for the loss.
    assert ops.count("*") == 6 and ops.count("+") == 6 and ops.count("relu") == 3
    assert len(widget.items) == len(graph.order) == 29
    positions = layout(graph)
    for node in graph.order:
        for ref in node.refs:
            assert positions[id(ref)][0] < positions[id(node)][0]
            assert widget.items[id(ref)].x() < widget.items[id(node)].x()
    # No two boxes overlap.
    boxes = [item.sceneBoundingRect() for item in widget.items.values()]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            assert not boxes[a].intersects(boxes[b])


def test_update_shows_w_minus_lr_times_grad_and_lowers_the_loss(widget):
    widget.learning_rate.setValue(0.05)
    widget.show_update()
    assert widget.revealed == len(widget.graph.order)
    for p in widget.graph.params:
        text = widget.items[id(p)].texts[3].text()
        assert text.startswith("new = ")
        assert float(text.removeprefix("new = ")) == pytest.approx(p.val - 0.05 * p.grad,
                                                                   rel=1e-3, abs=1e-4)
    weights, biases = widget.updated_parameters()
    x, y = XOR_EXAMPLES[widget.example.currentIndex()]
    before = loss_by_hand(SIX_LINES_WEIGHTS, SIX_LINES_BIASES, x, y)
    after = loss_by_hand(weights, biases, x, y)
    assert after < before
    assert "becomes" in widget.status.text()


def test_build_graph_refuses_what_it_cannot_show():
    with pytest.raises(ValueError, match="not 'softmax'"):
        build_graph(SIX_LINES_WEIGHTS, SIX_LINES_BIASES, (0, 1), 1, "softmax")
    with pytest.raises(ValueError, match="expects 3 inputs"):
        build_graph([[[1], [1], [1]]], [[0]], (0, 1), 1)


def test_tanh_network_matches_engine(widget):
    widget.set_network(TRAINED_WEIGHTS, TRAINED_BIASES, "tanh", "linear")
    widget.finish()
    x, y = XOR_EXAMPLES[widget.example.currentIndex()]
    w = [[Scalar(v) for v in row] for row in TRAINED_WEIGHTS[0]]
    hidden = [(Scalar(TRAINED_BIASES[0][j]) + x[0] * w[0][j] + x[1] * w[1][j]).tanh()
              for j in range(2)]
    w2 = [Scalar(TRAINED_WEIGHTS[1][j][0]) for j in range(2)]
    out = Scalar(TRAINED_BIASES[1][0]) + hidden[0] * w2[0] + hidden[1] * w2[1]
    loss = (y - out).pow(2)
    loss.backward()
    assert widget.graph.loss.val == pytest.approx(loss.val)
    assert widget.shown_gradients()["w1[2,1]"] == pytest.approx(w[1][0].grad)


def test_weights_and_biases_go_by_the_windows_one_name(widget):
    """The explainer names a parameter as the diagram's tooltip and editor do (1-based
    "layer 2, neuron 1 → neuron 3"), beside its short label."""
    from app.explainer import parameter_name
    from app.views.network_diagram import neuron_name, weight_name

    assert parameter_name("w2[1,3]") == f"weight, {weight_name(1, 0, 2)}"
    assert parameter_name("w2[1,3]") == "weight, layer 2, neuron 1 → neuron 3"
    assert parameter_name("b1[2]") == f"bias, {neuron_name(0, 1)}"
    assert parameter_name("loss") == "" and parameter_name("x1") == ""
    named = []
    while widget.step():
        node = widget.graph.backward_order[widget.revealed - 1]
        if parameter_name(node.label):
            assert f"{node.label} ({parameter_name(node.label)})" in widget.status.text()
            named.append(node.label)
    assert any(n.startswith("w") for n in named) and any(n.startswith("b") for n in named)
