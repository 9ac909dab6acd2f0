"""The three live views and the themes, driven like a user: data in, pixels and signals out."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from app.theme import PALETTES, apply_qt_theme, get_palette, hex_to_rgb
from app.views.boundary import BoundaryView, washed
from app.views.fake import DataSet, fake_dataset, fake_history, fake_snapshot, input_maps
from app.views.loss_chart import LossChart, continuous_epochs, peak_decimate
from app.views.network_diagram import EDGE_ALPHAS, EDGE_WIDTHS, NetworkView, map_colours

EXTENT = (-6.0, 6.0, -6.0, 6.0)
G = 60
XS = np.linspace(EXTENT[0], EXTENT[1], G)  # the boundary grid, an independent copy


def dataset(points, labels, problem="classification", n_classes=2) -> DataSet:
    labels = np.asarray(labels, dtype=np.float64 if problem == "regression" else np.int64)
    return DataSet(np.asarray(points, dtype=np.float64).reshape(-1, 2), labels, problem,
                   n_classes, EXTENT)


EMPTY = dataset(np.zeros((0, 2)), [])


def rgb(color: QColor) -> np.ndarray:
    return np.array([color.red(), color.green(), color.blue()], dtype=float)


def close(color: QColor, expected, tol: float = 14.0) -> bool:
    return float(np.max(np.abs(rgb(color) - np.asarray(expected[:3], dtype=float)))) <= tol


def shown(qtbot, view, width: int, height: int):
    """`view` at the given size, on screen (offscreen) and exposed."""
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def boundary_view(qtbot):
    return shown(qtbot, BoundaryView(), 420, 460)


def boundary_pixel(view: BoundaryView, x1: float, x2: float) -> QColor:
    image = view.plot_widget.grab().toImage()
    return image.pixelColor(view.scene_pos(x1, x2))


# --- theme -----------------------------------------------------------------------------

def test_palette_lut_runs_from_class0_through_white_to_class1():
    pal = get_palette()
    assert pal.lut.shape == (256, 4) and pal.lut.dtype == np.uint8
    assert tuple(pal.lut[0, :3]) == hex_to_rgb(pal.class_colors[0])
    assert tuple(pal.lut[255, :3]) == hex_to_rgb(pal.class_colors[1])
    assert pal.lut[127:129, :3].min() >= 235  # near-white in the middle
    assert len(pal.class_colors) >= 5
    # TensorFlow Playground's convention: class 0 orange, class 1 blue.
    orange, blue = (np.array(hex_to_rgb(c)) for c in pal.class_colors[:2])
    assert blue[2] > blue[0] and orange[0] > orange[2]
    assert pal.weight_positive == pal.class_colors[1] and pal.weight_negative == pal.class_colors[0]


def test_colorblind_palette_keeps_the_meaning_of_blue_and_orange():
    for dark in (False, True):
        pal = get_palette("colorblind", dark)
        orange, blue = (np.array(hex_to_rgb(c)) for c in pal.class_colors[:2])
        assert blue[2] > blue[0] and orange[0] > orange[2]
        assert tuple(pal.lut[255, :3]) == tuple(blue)  # positive outputs are blue
        assert pal.weight_positive == pal.class_colors[1]


def test_colorblind_and_dark_variants_differ():
    assert set(PALETTES) == {"default", "colorblind"}
    assert get_palette("colorblind").class_colors != get_palette().class_colors
    dark = get_palette(dark=True)
    assert sum(hex_to_rgb(dark.background)) < 150 < sum(hex_to_rgb(dark.foreground))
    with pytest.raises(ValueError, match="unknown palette 'neon'"):
        get_palette("neon")


def test_lut_for_classes_has_one_band_per_class():
    pal = get_palette()
    lut = pal.lut_for_classes(4)
    assert lut.shape == (256, 4)
    for c in range(4):
        assert tuple(lut[c * 64 + 63, :3]) == hex_to_rgb(pal.class_colors[c])
        assert tuple(lut[c * 64, :3]) == hex_to_rgb(pal.neutral)


def test_apply_qt_theme_dark_then_light(qapp):
    apply_qt_theme(qapp, dark=True)
    assert qapp.style().name().lower() == "fusion"
    assert qapp.palette().window().color().lightness() < 80
    apply_qt_theme(qapp, dark=False)
    assert qapp.palette().window().color().lightness() > 180


# --- boundary ----------------------------------------------------------------------------

def test_boundary_right_half_is_class1(boundary_view):
    """Column j of the boundary is x1 = XS[j]: 1 where x1 > 0 colours the right half."""
    view = boundary_view
    view.set_data(EMPTY, None)
    right = np.tile((XS > 0).astype(np.float32), (G, 1))
    view.show_snapshot(fake_snapshot(5, grid=G, boundary=right))
    class0, class1 = view.display_lut[0], view.display_lut[255]
    for x2 in (-4.0, 0.5, 4.0):
        assert close(boundary_pixel(view, 3.0, x2), class1)
        assert close(boundary_pixel(view, -3.0, x2), class0)


def test_boundary_top_half_is_class1(boundary_view):
    """Row i of the boundary is x2 = XS[i]: rows must run bottom to top."""
    view = boundary_view
    view.set_data(EMPTY, None)
    top = np.tile((XS > 0).astype(np.float32)[:, None], (1, G))
    view.show_snapshot(fake_snapshot(5, grid=G, boundary=top))
    assert close(boundary_pixel(view, -4.0, 3.0), view.display_lut[255])
    assert close(boundary_pixel(view, 4.0, -3.0), view.display_lut[0])


def interior_colors(view: BoundaryView) -> set[tuple[int, int, int]]:
    image = view.plot_widget.grab().toImage()
    colors = set()
    for x1 in np.linspace(-5.5, 5.5, 23):
        for x2 in np.linspace(-5.5, 5.5, 23):
            c = image.pixelColor(view.scene_pos(x1, x2))
            colors.add((c.red(), c.green(), c.blue()))
    return colors


def test_discretize_gives_two_flat_colours(boundary_view):
    view = boundary_view
    view.set_data(EMPTY, None)
    snap = fake_snapshot(40, grid=G)
    view.show_snapshot(snap)
    assert len(interior_colors(view)) > 10  # a smooth map
    view.set_discretize(True)
    colors = interior_colors(view)
    assert len(colors) == 2
    expected = {tuple(int(v) for v in view.display_lut[k, :3]) for k in (0, 255)}
    assert colors == expected
    np.testing.assert_array_equal(view.image_values(), (snap.boundary >= 0.5))
    view.set_discretize(False)
    assert len(interior_colors(view)) > 10


def test_training_points_drawn_in_class_colours(boundary_view):
    view = boundary_view
    pal = get_palette()
    view.set_data(dataset([[-3, 3], [3, -3]], [1, 0]), None)
    view.show_snapshot(fake_snapshot(5, grid=G, boundary=np.full((G, G), 0.5, np.float32)))
    assert close(boundary_pixel(view, -3, 3), hex_to_rgb(pal.class_colors[1]))
    assert close(boundary_pixel(view, 3, -3), hex_to_rgb(pal.class_colors[0]))
    assert close(boundary_pixel(view, 0, 3), hex_to_rgb(pal.neutral))  # no point here


def test_points_redrawn_when_the_data_changes(boundary_view):
    """The points' picture is cached between frames: new data must still show at once."""
    view = boundary_view
    pal = get_palette()
    blank = fake_snapshot(5, grid=G, boundary=np.full((G, G), 0.5, np.float32))
    view.set_data(dataset([[-3, 3]], [1]), None)
    view.show_snapshot(blank)
    assert close(boundary_pixel(view, -3, 3), hex_to_rgb(pal.class_colors[1]))
    view.set_data(dataset([[3, -3]], [0]), None)
    view.show_snapshot(blank)
    assert close(boundary_pixel(view, 3, -3), hex_to_rgb(pal.class_colors[0]))
    assert close(boundary_pixel(view, -3, 3), hex_to_rgb(pal.neutral))  # the old point is gone


def test_heatmap_colours_follow_the_number_of_classes(boundary_view):
    view = boundary_view
    pal = get_palette()
    for k in (3, 4, 3):
        view.set_data(dataset(np.zeros((0, 2)), [], n_classes=k), None)
        snap = fake_snapshot(5, grid=G, boundary=np.zeros((G, G), np.float32), n_classes=k)
        view.show_snapshot(snap)
        np.testing.assert_array_equal(view.display_lut, washed(pal.lut_for_classes(k),
                                                               pal.neutral))


def test_show_test_toggles_test_points(boundary_view):
    view = boundary_view
    pal = get_palette()
    view.set_data(EMPTY, dataset([[3.0, 3.0]], [0]))
    view.show_snapshot(fake_snapshot(5, grid=G, boundary=np.ones((G, G), np.float32)))
    assert not view.test_scatter.isVisible()
    assert close(boundary_pixel(view, 3, 3), view.display_lut[255])
    view.set_show_test(True)
    assert view.test_scatter.isVisible()
    assert close(boundary_pixel(view, 3, 3), hex_to_rgb(pal.class_colors[0]))
    view.set_show_test(False)
    assert close(boundary_pixel(view, 3, 3), view.display_lut[255])


def test_multiclass_colours_by_class_and_fades_by_confidence(boundary_view):
    view = boundary_view
    pal = get_palette()
    view.set_data(dataset(np.zeros((0, 2)), [], n_classes=3), None)
    classes = np.tile(np.where(XS < -2, 0, np.where(XS < 2, 1, 2)), (G, 1)).astype(np.float32)
    confidence = np.ones((G, G), np.float32)
    confidence[XS < 0] = 1 / 3  # lower half of the plot: a toss-up
    snap = fake_snapshot(5, grid=G, boundary=classes, n_classes=3)
    snap = type(snap)(**{**snap.__dict__, "boundary_confidence": confidence})
    view.show_snapshot(snap)
    strong = washed(np.array([[*hex_to_rgb(pal.class_colors[c]), 255] for c in range(3)],
                             np.uint8), pal.neutral)
    assert close(boundary_pixel(view, -4, 3), strong[0])
    assert close(boundary_pixel(view, 0, 3), strong[1])
    assert close(boundary_pixel(view, 4, 3), strong[2])
    assert close(boundary_pixel(view, 4, -3), hex_to_rgb(pal.neutral))
    assert [t for t in view.legend.labels()] == ["class 0", "class 1", "class 2"]


def test_multiclass_nan_outputs_show_as_undecided(boundary_view):
    """A diverging network can output NaN: drawn as undecided, without a warning."""
    view = boundary_view
    view.set_data(dataset(np.zeros((0, 2)), [], n_classes=3), None)
    classes = np.full((G, G), np.nan, np.float32)
    snap = fake_snapshot(5, grid=G, boundary=classes, n_classes=3)
    snap = type(snap)(**{**snap.__dict__,
                         "boundary_confidence": np.full((G, G), np.nan, np.float32)})
    view.show_snapshot(snap)
    assert close(boundary_pixel(view, 0, 0), hex_to_rgb(get_palette().neutral))


def test_regression_uses_symmetric_range_from_labels(boundary_view):
    view = boundary_view
    view.set_data(dataset([[5.5, 5.5], [-5.5, -5.5]], [2.0, -0.5], problem="regression",
                          n_classes=1), None)
    values = np.tile(np.where(XS > 0, 2.0, 0.0), (G, 1)).astype(np.float32)
    view.show_snapshot(fake_snapshot(5, grid=G, problem="regression", boundary=values))
    assert view.image.levels is not None and tuple(view.image.levels) == (-2.0, 2.0)
    assert close(boundary_pixel(view, 3, 0), view.display_lut[255])
    assert close(boundary_pixel(view, -3, 0), get_palette().lut[128], tol=6)
    assert view.legend.labels() == ["-2", "0", "2"]


def test_drawing_left_click_adds_point_where_clicked(boundary_view, qtbot):
    view = boundary_view
    view.set_data(EMPTY, None)
    target = (2.0, -3.0)
    viewport = view.plot_widget.viewport()
    with qtbot.assertNotEmitted(view.point_added):
        qtbot.mouseClick(viewport, Qt.LeftButton, pos=view.scene_pos(*target))
    view.set_drawing(True, 1)
    with qtbot.waitSignal(view.point_added, timeout=1000) as blocker:
        qtbot.mouseClick(viewport, Qt.LeftButton, pos=view.scene_pos(*target))
    x1, x2, label = blocker.args
    px, py = view.view_box.viewPixelSize()
    assert abs(x1 - target[0]) <= 1.5 * px and abs(x2 - target[1]) <= 1.5 * py
    assert label == 1


def test_drawing_right_click_removes_nearest_point(boundary_view, qtbot):
    view = boundary_view
    view.set_data(dataset([[-3, -3], [2, 1], [2.6, 1.4], [4, 4]], [0, 1, 0, 1]), None)
    view.set_drawing(True, 0)
    viewport = view.plot_widget.viewport()
    with qtbot.waitSignal(view.point_removed, timeout=1000) as blocker:
        qtbot.mouseClick(viewport, Qt.RightButton, pos=view.scene_pos(2.1, 1.05))
    assert blocker.args == [1]
    with qtbot.assertNotEmitted(view.point_removed):
        qtbot.mouseClick(viewport, Qt.RightButton, pos=view.scene_pos(-5, 5))


def test_palette_change_recolours_boundary(boundary_view):
    view = boundary_view
    view.set_data(EMPTY, None)
    view.show_snapshot(fake_snapshot(5, grid=G, boundary=np.ones((G, G), np.float32)))
    view.set_palette(get_palette("colorblind"))
    expected = washed(get_palette("colorblind").lut, get_palette().neutral)[255]
    assert close(boundary_pixel(view, 0, 0), expected)


# --- network -----------------------------------------------------------------------------

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
    assert view.hover_text == "Input x₂"
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


def test_only_curves_that_gain_or_lose_a_weight_get_new_data(network_view):
    """Lines are cached: a frame whose weights stay in their buckets redraws none of them,
    and a weight that moves changes exactly the two curves involved."""
    view = network_view
    snap = fake_snapshot(10)
    weights = [w.copy() for w in snap.weights]
    weights[0][0, 0] = 0.05  # positive, thinnest
    view.show_snapshot(with_weights(snap, weights))
    before = {key: curve.getData()[0] for key, curve in view.edge_curves.items()}
    nudged = [w * 1.001 for w in weights]  # every weight moves a hair (keeping its sign)...
    for w, old in zip(nudged, weights, strict=True):  # ...but stays in its bucket
        crossed = bucket_of(w) != bucket_of(old)
        w[crossed] = old[crossed]
    assert any(not np.array_equal(w, old) for w, old in zip(nudged, weights, strict=True))
    view.show_snapshot(with_weights(snap, nudged))
    unchanged = [k for k, c in view.edge_curves.items() if c.getData()[0] is before[k]]
    assert len(unchanged) == len(view.edge_curves)
    nudged[0][0, 0] = -2.0  # to the thickest negative curve
    view.show_snapshot(with_weights(snap, nudged))
    changed = {k for k, c in view.edge_curves.items() if c.getData()[0] is not before[k]}
    assert changed == {(1, 0), (0, 4)}
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


# --- loss chart ----------------------------------------------------------------------------


def history_snapshot(start, stop):
    return fake_snapshot(stop, grid=4, neuron_grid=2, history_start=start)


def test_loss_chart_appends_incrementally(chart):
    chart.show_snapshot(history_snapshot(0, 30))
    chart.show_snapshot(history_snapshot(30, 45))
    chart.show_snapshot(history_snapshot(45, 45))  # nothing new
    expected = fake_history(0, 45)
    np.testing.assert_array_equal(chart.history[:30], fake_history(0, 30))
    np.testing.assert_array_equal(chart.history[30:], fake_history(30, 45))
    assert len(chart.history) == len(expected)
    x, y = chart.train_curve.getData()
    # fake_history: 16 steps an epoch, so step s sits at epoch s / 16
    np.testing.assert_allclose(x, np.arange(45) / 16)
    np.testing.assert_array_equal(y, chart.history[:, 2])


def test_continuous_epochs_spreads_steps_over_each_epoch():
    steps = np.arange(10.0)
    epochs = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2], dtype=float)
    np.testing.assert_allclose(continuous_epochs(steps, epochs), steps / 4)
    np.testing.assert_allclose(continuous_epochs(np.arange(3.0), np.zeros(3)), [0, 1 / 3, 2 / 3])
    fractional = np.array([0.1, 0.2, 0.3])
    np.testing.assert_array_equal(continuous_epochs(np.arange(3.0), fractional), fractional)


def test_loss_chart_x_positions_match_a_full_recomputation(chart):
    """Only the last epochs' x positions are recomputed: after any sequence of appends and
    replacements they equal continuous_epochs over everything held."""
    rng = np.random.default_rng(3)
    start = 0
    for k in range(60):
        stop = start + int(rng.integers(0, 40))
        chart.show_snapshot(history_snapshot(start, stop))
        if len(chart.history) <= 2000:  # drawn point for point
            x, _ = chart.train_curve.getData()
            held = chart.history
            np.testing.assert_allclose(x, continuous_epochs(held[:, 0], held[:, 1]))
        start = stop if k % 15 != 14 else max(0, stop - 25)  # now and then replace rows
    assert start > 500


def test_peak_decimate_keeps_extremes_and_the_newest_point():
    x = np.arange(10_000.0)
    y = np.sin(x / 50.0)
    y[4321] = 5.0
    y[6000:6100] = np.nan  # a gap stays a gap, without warnings
    xs, ys = peak_decimate(x, y, max_points=1000)
    assert len(xs) == len(ys) <= 1100
    assert np.nanmax(ys) == 5.0 and np.nanmin(ys) == pytest.approx(-1.0, abs=1e-3)
    assert ys[-1] == y[-1] and xs[-1] == x[-1]
    assert np.isnan(ys).any()
    small = np.arange(5.0)
    assert peak_decimate(small, small)[1] is small


def test_long_loss_history_is_thinned_but_spans_the_run(chart):
    chart.show_snapshot(history_snapshot(0, 30_000))
    x, y = chart.train_curve.getData()
    assert len(x) <= 2 * 2000
    assert x[0] == 0 and x[-1] == pytest.approx(29_999 / 16)
    assert y.max() == pytest.approx(chart.history[:, 2].max())


def test_loss_chart_replaces_from_earlier_start_and_resets(chart):
    chart.show_snapshot(history_snapshot(0, 50))
    chart.show_snapshot(history_snapshot(20, 25))
    assert len(chart.history) == 25
    np.testing.assert_array_equal(chart.history[20:], fake_history(20, 25))
    chart.show_snapshot(history_snapshot(0, 3))  # a new run
    np.testing.assert_array_equal(chart.history, fake_history(0, 3))
    chart.clear()
    assert len(chart.history) == 0 and len(chart.train_curve.getData()[0] or []) == 0


def test_loss_chart_buffer_doubles(chart):
    start = 0
    for stop in range(700, 5001, 700):
        chart.show_snapshot(history_snapshot(start, stop))
        start = stop
    assert len(chart.history) == start
    assert chart.capacity == 8192  # 1024 doubled three times
    # fake_history's noise is seeded by the chunk's start: rows 4000.. came in chunk 3500..4200
    np.testing.assert_array_equal(chart.history[3500:4200], fake_history(3500, 4200))
    np.testing.assert_array_equal(chart.history[:, 0], np.arange(start))


def test_loss_chart_log_scale(chart):
    chart.show_snapshot(history_snapshot(0, 20))
    chart.set_scale("log")
    assert chart.plot.getAxis("left").logMode
    assert chart.train_curve.opts["logMode"][1]
    assert chart.plot.getAxis("left").labelText == "loss (log scale)"
    chart.set_scale("linear")
    assert not chart.plot.getAxis("left").logMode
    assert chart.plot.getAxis("left").labelText == "loss"


def test_loss_chart_reference_runs(chart):
    chart.add_reference_run("lr 0.1", np.arange(5.0), np.linspace(1, 0.5, 5))
    chart.add_reference_run("lr 0.01", np.arange(5.0), np.linspace(1, 0.8, 5))
    names = chart.legend.names()
    assert "lr 0.1" in names and "lr 0.01" in names
    assert all(c.opts["pen"].style() != Qt.SolidLine for c in chart.reference_curves)
    np.testing.assert_allclose(chart.reference_curves[1].getData()[1], np.linspace(1, 0.8, 5))
    chart.clear_reference_runs()
    assert chart.legend.names() == ["training loss"]  # no test curve yet: not named
    assert chart.reference_curves == []
    with pytest.raises(ValueError, match="differ in length"):
        chart.add_reference_run("bad", np.arange(3.0), np.arange(4.0))


def test_loss_chart_without_test_set_draws_no_test_curve(chart):
    snap = history_snapshot(0, 10)
    rows = snap.history.copy()
    rows[:, 3] = np.nan
    chart.show_snapshot(type(snap)(**{**snap.__dict__, "history": rows}))
    x, _ = chart.test_curve.getData()
    assert x is None or len(x) == 0
    assert len(chart.train_curve.getData()[0]) == 10


def test_loss_chart_frames_a_run_shorter_than_an_epoch(chart):
    chart.show_snapshot(history_snapshot(0, 1))  # one row: the loss at step 0
    (x0, x1), (y0, y1) = chart.plot.getViewBox().viewRange()
    loss = chart.history[0, 2]
    assert -0.5 < x0 <= 0 and 10 <= x1 < 11  # epoch 0 on the left, room to grow
    assert y0 == 0 and loss < y1 < 2 * loss
    assert not chart.plot.getAxis("left").autoSIPrefix
    chart.show_snapshot(history_snapshot(1, 400))  # 25 epochs: the range fits the run
    (x0, x1), _ = chart.plot.getViewBox().viewRange()
    assert 399 / 16 <= x1 < 27 and -1 < x0 <= 0


# --- screenshots -------------------------------------------------------------------------

def test_screenshots_are_not_blank(qtbot, tmp_path):
    views = {"boundary": BoundaryView(), "network": NetworkView(), "loss": LossChart()}
    views["boundary"].set_data(fake_dataset(200), fake_dataset(50, seed=2))
    views["boundary"].show_snapshot(fake_snapshot(60))
    views["network"].set_network((2, 8, 4, 1), ["x1", "x2"], input_maps(["x1", "x2"]))
    views["network"].show_snapshot(fake_snapshot(60))
    views["loss"].show_snapshot(fake_snapshot(300, grid=4, neuron_grid=2))
    for name, view in views.items():
        qtbot.addWidget(view)
        view.resize(500, 420)
        view.show()
        path = tmp_path / f"view_{name}.png"
        assert view.grab().save(str(path))
        image = view.grab().toImage()
        colors = {image.pixel(x, y) for x in range(0, image.width(), 7)
                  for y in range(0, image.height(), 7)}
        assert len(colors) > 20, name
