"""The network diagram, driven like a user: snapshots in, pixels, tooltips and edit
requests out."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from view_helpers import close, shown
from window_helpers import WAIT_MS

from app.theme import get_palette, hex_to_rgb
from app.views.fake import fake_snapshot, input_maps
from app.views.network_diagram import (
    EDGE_ALPHAS,
    EDGE_WIDTHS,
    WIDTH_EDGES,
    NetworkView,
    map_colours,
)
from engine.config import MAX_HIDDEN_LAYERS


@pytest.fixture
def network_view(qtbot):
    view = shown(qtbot, NetworkView(), 760, 480)
    view.set_network((2, 8, 4, 1), ["x1", "x2"], input_maps(["x1", "x2"]))
    return view


def seen_over(color: str, alpha: int, background: str) -> np.ndarray:
    """Independent oracle: the RGB of `color` at `alpha` (0-255) over `background`."""
    top, under = np.array(hex_to_rgb(color), float), np.array(hex_to_rgb(background), float)
    return under + (top - under) * alpha / 255


def with_weights(snap, weights):
    return type(snap)(**{**snap.__dict__, "weights": tuple(weights)})


def segment_distance_by_sampling(p, a, b, scale) -> float:
    """Independent oracle: pixel distance from p to 2001 points along a -> b."""
    t = np.linspace(0, 1, 2001)[:, None]
    pts = (a + t * (b - a)) / scale
    return float(np.min(np.hypot(*(pts - p / scale).T)))


def test_weight_at_matches_brute_force(network_view):
    view = network_view
    rng = np.random.default_rng(0)
    scale = np.array(view.view_box.viewPixelSize())
    edges = [(k, i, j) for k in range(3) for i in range(view.layer_sizes[k])
             for j in range(view.layer_sizes[k + 1])]
    checked = 0
    for _ in range(150):
        p = np.array([rng.uniform(0.15, 2.85), rng.uniform(-1.2, 1.2)])
        dists = sorted((segment_distance_by_sampling(p, *view.edge_endpoints(*e), scale), e)
                       for e in edges)
        (best, edge), (second, _) = dists[0], dists[1]
        if best < 5 and second - best > 0.5:
            assert view.weight_at(*p) == edge
            checked += 1
        elif best > 6.5:
            assert view.weight_at(*p) is None
    assert checked >= 5


def point_on_edge(view, edge, t=0.2):
    a, b = view.edge_endpoints(*edge)
    return a + t * (b - a)


def test_hover_shows_weight_value_and_updates_live(network_view, qtbot):
    view = network_view
    snap = fake_snapshot(10)
    view.show_snapshot(snap)
    p = point_on_edge(view, (1, 2, 0))
    assert view.weight_at(*p) == (1, 2, 0)
    qtbot.mouseMove(view.plot_widget.viewport(), view.widget_pos(*p))
    # One naming everywhere, 1-based: weight layer 2, from neuron 3 to neuron 1.
    assert view.hover_text == (f"Weight, layer 2, neuron 3 → neuron 1 = "
                               f"{snap.weights[1][2, 0]:.3f}\n(click to edit)")
    weights = [w.copy() for w in snap.weights]
    weights[1][2, 0] = 0.777
    view.show_snapshot(with_weights(snap, weights))
    assert view.hover_text.startswith("Weight, layer 2, neuron 3 → neuron 1 = 0.777")


def test_hover_neuron_shows_bias(network_view, qtbot):
    view = network_view
    snap = fake_snapshot(10)
    view.show_snapshot(snap)
    qtbot.mouseMove(view.plot_widget.viewport(), view.widget_pos(*view.neuron_center(2, 3)))
    assert view.hover_text == f"Neuron, layer 2, neuron 4\nbias = {snap.biases[1][3]:.3f}"


def test_hover_bias_marker_and_input_then_leave(network_view, qtbot):
    view = network_view
    snap = fake_snapshot(10)
    view.show_snapshot(snap)
    viewport = view.plot_widget.viewport()
    qtbot.mouseMove(viewport, view.widget_pos(*view.bias_center(0, 5)))
    assert view.hover_text.startswith(f"Bias, layer 1, neuron 6 = {snap.biases[0][5]:.3f}")
    qtbot.mouseMove(viewport, view.widget_pos(*view.neuron_center(0, 1)))
    assert view.hover_text == "Input X₂"
    view.leaveEvent(None)
    assert view.hover_text == ""


@pytest.mark.parametrize("width", [240, 380, 760])
def test_labels_stay_inside_the_diagram_at_any_width(qtbot, width):
    names = ["x1", "x2", "x1^2", "x2^2", "sin x1", "sin x2"]
    view = shown(qtbot, NetworkView(), width, 420)
    view.set_network((6, 12, 12, 8, 1), names, input_maps(names))
    view.plot_widget.grab()  # lays out and paints: the view's range and items settle
    viewport = view.plot_widget.viewport().rect()
    boxes = []
    for text in view.texts:  # input labels and column titles ("1 neuron")
        box = view.plot_widget.mapFromScene(text.sceneBoundingRect()).boundingRect()
        assert viewport.contains(box), (text.textItem.toPlainText(), box, viewport)
        boxes.append(box)
    titles = boxes[len(names):]
    assert not any(a.intersects(b) for k, a in enumerate(titles) for b in titles[k + 1:])


def test_stale_snapshot_after_reshape_is_ignored(network_view):
    view = network_view
    old = fake_snapshot(10)
    view.set_network((2, 3, 1), ["x1", "x2"], input_maps(["x1", "x2"]))
    view.show_snapshot(old)  # shaped for 2-8-4-1: must not draw or raise
    assert sum(len(curve_segments(c)) for c in view.edge_curves.values()) == 0
    view.show_snapshot(fake_snapshot(10, layer_sizes=(2, 3, 1)))
    assert sum(len(curve_segments(c)) for c in view.edge_curves.values()) == 2 * 3 + 3


def test_network_palette_recolours_lines(network_view):
    view = network_view
    view.show_snapshot(fake_snapshot(10))
    colorblind = get_palette("colorblind")
    view.set_palette(colorblind)
    assert view.edge_curves[1, 4].opts["pen"].color().name() == colorblind.weight_positive
    assert view.edge_curves[0, 4].opts["pen"].color().name() == colorblind.weight_negative
    faint = view.edge_curves[1, 3].opts["pen"].color()
    assert close(faint, seen_over(colorblind.weight_positive, EDGE_ALPHAS[3],
                                  colorblind.background), tol=1)


def test_click_weight_and_bias_emit_edit_requests(network_view, qtbot):
    view = network_view
    view.show_snapshot(fake_snapshot(10))
    viewport = view.plot_widget.viewport()
    with qtbot.waitSignal(view.weight_edit_requested, timeout=1000) as blocker:
        qtbot.mouseClick(viewport, Qt.LeftButton, pos=view.widget_pos(*point_on_edge(
            view, (0, 1, 6), 0.3)))
    assert blocker.args == [0, 1, 6]
    with qtbot.waitSignal(view.bias_edit_requested, timeout=1000) as blocker:
        qtbot.mouseClick(viewport, Qt.LeftButton, pos=view.widget_pos(*view.bias_center(1, 2)))
    assert blocker.args == [1, 2]
    with qtbot.assertNotEmitted(view.weight_edit_requested):
        qtbot.mouseClick(viewport, Qt.LeftButton, pos=QPoint(3, 3))


def curve_segments(curve) -> set[tuple[float, float, float, float]]:
    x, y = curve.getData()
    if x is None:
        return set()
    return {tuple(np.round([x[k], y[k], x[k + 1], y[k + 1]], 6)) for k in range(0, len(x), 2)}


def test_edge_curves_bucket_by_sign_and_size(network_view):
    view = network_view
    pal = view.palette_
    snap = fake_snapshot(10)
    weights = [w.copy() for w in snap.weights]
    weights[0][0, 0], weights[0][1, 0], weights[0][0, 1] = -2.0, 0.05, 0.5
    view.show_snapshot(with_weights(snap, weights))
    cases = {(0, 0, 0): (0, 4), (0, 1, 0): (1, 0), (0, 0, 1): (1, 2)}
    for edge, key in cases.items():
        assert view.edge_bucket_of(*edge) == key
        a, b = view.edge_endpoints(*edge)
        segment = tuple(np.round([a[0], a[1], b[0], b[1]], 6))
        holders = [k for k, curve in view.edge_curves.items() if segment in curve_segments(curve)]
        assert holders == [key]
    total = sum(len(curve_segments(c)) for c in view.edge_curves.values())
    assert total == 2 * 8 + 8 * 4 + 4 * 1
    thick_negative = view.edge_curves[0, 4].opts["pen"]
    thin_positive = view.edge_curves[1, 0].opts["pen"]
    assert thick_negative.color().name() == pal.weight_negative
    # Thin lines are fainter: drawn opaque in the colour they would show at their alpha.
    assert thin_positive.color().alpha() == 255
    assert close(thin_positive.color(), seen_over(pal.weight_positive, EDGE_ALPHAS[0],
                                                  pal.background), tol=1)
    assert thick_negative.widthF() == pytest.approx(EDGE_WIDTHS[-1])
    assert thick_negative.widthF() > 4 * thin_positive.widthF()


def bucket_of(w: np.ndarray) -> np.ndarray:
    """Independent oracle: the size bucket of each weight (by the documented |w| edges)."""
    return np.searchsorted((0.1, 0.3, 0.7, 1.5), np.abs(w), side="right")


def layer_data(view) -> dict:
    """(sign, bucket, layer) -> the x array that layer's curve draws now."""
    return {(*key, layer): curve.getData()[0] for key, group in view.edge_curves.items()
            for layer, curve in enumerate(group.layers)}


def test_only_curves_that_gain_or_lose_a_weight_get_new_data(network_view):
    """Lines are cached: a frame whose weights stay in their buckets redraws none of them,
    and a weight that moves changes exactly the two curves of its layer involved."""
    view = network_view
    snap = fake_snapshot(10)
    weights = [w.copy() for w in snap.weights]
    weights[1][0, 0] = 0.05  # positive, thinnest, in the second weight layer
    view.show_snapshot(with_weights(snap, weights))
    before = layer_data(view)
    # Ten line groups, one curve per weight layer each (and spare, empty ones, made ahead
    # for bigger networks).
    drawing = {k for k, x in before.items() if x is not None and len(x)}
    assert {layer for *_, layer in drawing} == {0, 1, 2} and len(before) >= 10 * 3
    nudged = [w * 1.001 for w in weights]  # every weight moves a hair (keeping its sign)...
    for w, old in zip(nudged, weights, strict=True):  # ...but stays in its bucket
        crossed = bucket_of(w) != bucket_of(old)
        w[crossed] = old[crossed]
    assert any(not np.array_equal(w, old) for w, old in zip(nudged, weights, strict=True))
    view.show_snapshot(with_weights(snap, nudged))
    assert all(x is before[k] for k, x in layer_data(view).items())
    nudged[1][0, 0] = -2.0  # to the thickest negative curve, in its layer only
    view.show_snapshot(with_weights(snap, nudged))
    changed = {k for k, x in layer_data(view).items() if x is not before[k]}
    assert changed == {(1, 0, 1), (0, 4, 1)}
    segments = {k: curve_segments(c) for k, c in view.edge_curves.items()}
    for layer, w in enumerate(nudged):  # every weight sits in the curve of its bucket
        sign, bucket = (w >= 0).astype(int), bucket_of(w)
        for i, j in np.ndindex(*w.shape):
            a, b = view.edge_endpoints(layer, i, j)
            assert tuple(np.round([*a, *b], 6)) in segments[sign[i, j], bucket[i, j]]


def test_bias_marker_recoloured_when_its_bias_changes(network_view):
    view = network_view
    pal = view.palette_
    snap = fake_snapshot(10)
    biases = [b.copy() for b in snap.biases]
    biases[0][5] = 3.0
    view.show_snapshot(type(snap)(**{**snap.__dict__, "biases": tuple(biases)}))

    def marker() -> QColor:
        return view.plot_widget.grab().toImage().pixelColor(view.widget_pos(
            *view.bias_center(0, 5)))
    assert close(marker(), hex_to_rgb(pal.weight_positive), tol=40)
    biases[0][5] = -3.0
    view.show_snapshot(type(snap)(**{**snap.__dict__, "biases": tuple(biases)}))
    assert close(marker(), hex_to_rgb(pal.weight_negative), tol=40)


def test_map_colours_uses_the_lookup_table_and_clears_nan():
    lut = get_palette().lut
    rgba = map_colours(np.array([[-1.0, 0.0, 1.0, np.nan, -0.8]], np.float32), lut)
    assert rgba.shape == (1, 5, 4) and rgba.dtype == np.uint8
    np.testing.assert_array_equal(rgba[0, [0, 1, 2]], lut[[0, 128, 255]])
    assert rgba[0, 3, 3] == 0  # NaN: clear
    np.testing.assert_array_equal(rgba[0, 4], lut[25])  # floor(0.2 * 128)


def test_neuron_maps_show_outputs_and_inputs(network_view):
    view = network_view
    lut = view.palette_.lut
    snap = fake_snapshot(10)
    outputs = [o.copy() for o in snap.neuron_outputs]
    outputs[0][0] = 5.0  # first hidden neuron: strongly positive everywhere
    outputs[0][1] = -5.0
    view.show_snapshot(type(snap)(**{**snap.__dict__, "neuron_outputs": tuple(outputs)}))
    image = view.plot_widget.grab().toImage()
    pixel = lambda x, y: image.pixelColor(view.widget_pos(x, y))  # noqa: E731
    assert close(pixel(*view.neuron_center(1, 0)), lut[255])
    assert close(pixel(*view.neuron_center(1, 1)), lut[0])
    # The x1 input neuron, scaled to [-1, 1]: 80% of the way to its left edge is x1/6 = -0.8.
    x, y = view.neuron_center(0, 0)
    offset = 0.8 * view.size / 2
    assert close(pixel(x - offset, y), lut[round(0.2 * 127.5)], tol=30)
    assert close(pixel(x + offset, y), lut[round(1.8 * 127.5)], tol=30)
    assert not close(pixel(x - offset, y), lut[round(1.8 * 127.5)], tol=60)


def test_largest_network_fits(qtbot):
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(760, 480)
    view.show()
    sizes = (7, *[32] * 8, 1)
    names = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"]
    view.set_network(sizes, names, input_maps(names))
    view.show_snapshot(fake_snapshot(3, layer_sizes=sizes, feature_names=names))
    for column, n in enumerate(sizes):
        for unit in (0, n - 1):
            pos = view.widget_pos(*view.neuron_center(column, unit))
            assert view.plot_widget.viewport().rect().contains(pos)
    side = view.widget_pos(view.size, 0).x() - view.widget_pos(0, 0).x()
    assert side >= 7  # pixels per neuron square: still visible


def test_set_network_rejects_mismatched_names(network_view):
    with pytest.raises(ValueError, match="2 inputs need 2 feature names, not 1"):
        network_view.set_network((2, 3, 1), ["x1"], None)



def test_line_pixels_take_the_colour_of_the_weight_sign(network_view):
    """What the screen shows: a strong positive weight's line in the positive colour, and
    after it turns negative (a new frame, cached lines redrawn), the negative colour."""
    view = network_view
    pal = view.palette_
    snap = fake_snapshot(10)
    weights = [np.zeros_like(w) for w in snap.weights]  # faint everywhere else
    edge = (1, 2, 1)

    def pixel_at_middle(value: float) -> QColor:
        weights[1][2, 1] = value
        view.show_snapshot(with_weights(snap, weights))
        image = view.plot_widget.grab().toImage()
        return image.pixelColor(view.widget_pos(*point_on_edge(view, edge, t=0.5)))

    assert close(pixel_at_middle(2.0), hex_to_rgb(pal.weight_positive), tol=30)
    assert close(pixel_at_middle(-2.0), hex_to_rgb(pal.weight_negative), tol=30)


def visible(items) -> list:
    return [item for item in items if item.isVisible()]


def test_items_for_the_biggest_network_are_made_ahead_and_stay_hidden(network_view, qtbot):
    """Spare items are made while the GUI is idle: they show nothing, and the biggest
    network's layout then needs no new item."""
    view = network_view
    names = ["x1", "x2"]
    before = list(view.plot.items)
    # Idle turns come slower late in a long test run: wait as long as the window tests do.
    qtbot.waitUntil(lambda: not view.warming(), timeout=WAIT_MS)
    warmed = list(view.plot.items)  # held, so no new item can take an old one's id
    assert {id(item) for item in visible(warmed)} == {id(item) for item in visible(before)}
    biggest = (2, *(3,) * MAX_HIDDEN_LAYERS, 1)
    view.set_network(biggest, names, input_maps(names))
    view.show_snapshot(fake_snapshot(0, layer_sizes=biggest, feature_names=names))
    assert {id(item) for item in view.plot.items} <= {id(item) for item in warmed}
    assert len(visible(view.texts)) == 2 + len(biggest)
    lines = sum(len(x) // 2 for x in layer_data(view).values() if x is not None)
    assert lines == sum(a * b for a, b in zip(biggest[:-1], biggest[1:], strict=True))


def test_a_new_layout_reuses_its_items_and_shows_only_the_new_networks(network_view):
    """Going from a big network to a small one and back: what shows is exactly the current
    network (its columns, labels and lines), and the plot holds no more items than the
    biggest layout needed (items are kept and reused, not added anew each time)."""
    view = network_view
    names = ["x1", "x2"]
    big, small = (2, 8, 8, 8, 1), (2, 3, 1)
    view.set_network(big, names, input_maps(names))
    most = len(view.plot.items)
    first = list(view.plot.items)  # held, so no new item can take an old one's id
    for sizes in (small, big, small, big, small):
        view.set_network(sizes, names, input_maps(names))
        snap = fake_snapshot(0, layer_sizes=sizes, feature_names=names)
        view.show_snapshot(snap)
        assert len(view.column_images) == len(sizes)
        assert len(view.plot.items) <= most
        assert {id(item) for item in view.plot.items} <= {id(item) for item in first}
        shown_texts = [t.textItem.toPlainText() for t in visible(view.texts)]
        assert shown_texts[:2] == ["X₁", "X₂"]
        assert len(visible(view.texts)) == len(view.texts) == 2 + len(sizes)
        images = [i for i in visible(view.plot.items) if i in view.column_images]
        assert len(images) == len(sizes)
        lines = sum(len(x) // 2 for x in layer_data(view).values() if x is not None)
        assert lines == sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def column_counts(view) -> list[int]:
    """The neuron count each column's title shows, read from its text."""
    titles = view.texts[view.layer_sizes[0]:]
    return [int(re.findall(r"\d+", t.textItem.toPlainText())[-1]) for t in titles]


def test_back_and_forth_moves_the_same_texts_and_keeps_the_pens(network_view):
    """Lesson steps and File > New go back and forth between a few networks: a label that
    reads the same is moved, not made again, the pens stay while the lines' look does, and
    what shows is always the current network's, in the current colours."""
    view = network_view
    names = ["x1", "x2"]
    first, other = (2, 8, 4, 1), (2, 5, 5, 1)
    texts = list(view.texts)
    pens = {key: group.opts["pen"] for key, group in view.edge_curves.items()}
    view.set_network(other, names, input_maps(names))
    assert column_counts(view) == list(other)
    view.set_network(first, names, input_maps(names))
    assert column_counts(view) == list(first)
    assert [id(t) for t in view.texts] == [id(t) for t in texts]
    assert all(group.opts["pen"] is pens[key] for key, group in view.edge_curves.items())
    dark = get_palette(dark=True)
    view.set_palette(dark)
    assert any(group.opts["pen"] is not pens[key] for key, group in view.edge_curves.items())
    for sizes in (other, first, other):
        view.set_network(sizes, names, input_maps(names))
        assert column_counts(view) == list(sizes)
        assert {t.textItem.defaultTextColor().name() for t in visible(view.texts)} == {
            dark.foreground.lower()}


def test_big_networks_lines_are_redrawn_a_few_layers_a_turn_without_more_frames(
        network_view, qtbot):
    """The biggest network's thousands of lines are redrawn a few layers per event-loop
    turn (at once they stalled the window for 100 ms or more), as a new layout and when
    most weights change; with no further snapshot (paused) every line still arrives, each
    in the curve its weight's sign and size pick."""
    view = network_view
    names = ["x1", "x2"]
    sizes = (2, *[32] * 8, 1)
    view.set_network(sizes, names, input_maps(names))
    snap = fake_snapshot(3, layer_sizes=sizes, feature_names=names)
    view.show_snapshot(snap)
    total = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    first = sum(len(x) // 2 for x in layer_data(view).values() if x is not None)
    assert 0 < first < total and not view.lines_drawn()
    qtbot.waitUntil(view.lines_drawn, timeout=WAIT_MS)
    assert sum(len(x) // 2 for x in layer_data(view).values() if x is not None) == total
    lines_match(view, snap)
    # Then a frame in which most weights change size: spread over turns the same way.
    snap = fake_snapshot(40, layer_sizes=sizes, feature_names=names)
    view.show_snapshot(snap)
    assert not view.lines_drawn()
    qtbot.waitUntil(view.lines_drawn, timeout=WAIT_MS)
    lines_match(view, snap)


def lines_match(view, snap) -> None:
    """Every weight is drawn in the curve of its sign and size bucket (counted
    independently of the view's own bucketing)."""
    weights = np.concatenate([np.ravel(w) for w in snap.weights])
    edges = np.concatenate([[0.0], WIDTH_EDGES, [np.inf]])
    for (sign, bucket), group in view.edge_curves.items():
        lines = sum(len(c.getData()[0]) // 2 for c in group.layers
                    if c.getData()[0] is not None)
        wanted = ((weights > 0) == bool(sign)) & (np.abs(weights) >= edges[bucket]) & (
            np.abs(weights) < edges[bucket + 1])
        assert lines == int(wanted.sum()), (sign, bucket)


def test_a_resize_while_another_network_is_expected_waits_for_it(qtbot):
    """The window's panels resize the diagram before its new network arrives: the old one
    is only fitted to the new size, and the new one is laid out for it when it comes."""
    view = shown(qtbot, NetworkView(), 460, 360)
    names = ["x1", "x2"]
    view.set_network((2, 8, 4, 1), names, input_maps(names))
    pitch = view.pitch
    view.expect_network((2, 8, 2, 1))
    view.resize(460, 700)
    qtbot.waitUntil(lambda: view.view_box.height() > 600, timeout=WAIT_MS)
    qtbot.wait(50)
    assert view.pitch == pitch  # not laid out again
    box = view.plot_widget.viewport().rect()
    for column, n in enumerate(view.layer_sizes):  # but fitted: every neuron in view
        for unit in (0, n - 1):
            assert box.contains(view.widget_pos(*view.neuron_center(column, unit)))
    view.set_network((2, 8, 2, 1), names, input_maps(names))
    tall = view.pitch
    assert tall > 1.2 * pitch  # the new one, for the new height
    view.resize(460, 360)  # once it has come, a resize lays out again
    qtbot.waitUntil(lambda: view.pitch < 0.9 * tall, timeout=WAIT_MS)


def test_a_network_expected_that_never_comes_does_not_freeze_the_layout(qtbot):
    view = shown(qtbot, NetworkView(), 460, 360)
    names = ["x1", "x2"]
    view.set_network((2, 8, 4, 1), names, input_maps(names))
    pitch = view.pitch
    view.expect_network((2, 3, 1))  # say the engine refuses it
    view.resize(460, 700)
    qtbot.waitUntil(lambda: view.pitch > 1.2 * pitch, timeout=WAIT_MS)
    assert view.layer_sizes == (2, 8, 4, 1)
