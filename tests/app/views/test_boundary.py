"""The decision boundary view, driven like a user: data in, pixels and signals out."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from view_helpers import EMPTY, XS, G, close, dataset, shown

from app.theme import get_palette, hex_to_rgb
from app.views.boundary import BoundaryView, washed
from app.views.fake import fake_snapshot


@pytest.fixture
def boundary_view(qtbot):
    return shown(qtbot, BoundaryView(), 420, 460)


def boundary_pixel(view: BoundaryView, x1: float, x2: float) -> QColor:
    image = view.plot_widget.grab().toImage()
    return image.pixelColor(view.scene_pos(x1, x2))



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



def test_points_take_the_new_palette_and_keep_their_classes(boundary_view):
    """Points are redrawn only when something they show changes: a palette switch must
    still recolour them, each in its own class's colour, and switching back restores them."""
    view = boundary_view
    blank = fake_snapshot(5, grid=G, boundary=np.full((G, G), 0.5, np.float32))
    data = dataset([[-3, 3], [3, -3]], [1, 0])
    view.set_data(data, None)
    view.show_snapshot(blank)
    for pal in (get_palette("colorblind", True), get_palette()):
        view.set_palette(pal)
        view.set_data(data, None)  # the same data again: nothing to redraw
        assert close(boundary_pixel(view, -3, 3), hex_to_rgb(pal.class_colors[1]))
        assert close(boundary_pixel(view, 3, -3), hex_to_rgb(pal.class_colors[0]))


def test_points_recoloured_when_only_their_labels_change(boundary_view):
    view = boundary_view
    pal = get_palette()
    blank = fake_snapshot(5, grid=G, boundary=np.full((G, G), 0.5, np.float32))
    view.set_data(dataset([[-3, 3], [3, -3]], [1, 0]), None)
    view.show_snapshot(blank)
    view.set_data(dataset([[-3, 3], [3, -3]], [0, 1]), None)  # same places, classes swapped
    assert close(boundary_pixel(view, -3, 3), hex_to_rgb(pal.class_colors[0]))
    assert close(boundary_pixel(view, 3, -3), hex_to_rgb(pal.class_colors[1]))


def test_legend_labels_never_run_together_in_a_narrow_plot(qtbot):
    from PySide6.QtGui import QFontMetrics

    from app.views.boundary import LEGEND_GAP_PX, ColorLegend

    legend = ColorLegend()
    qtbot.addWidget(legend)
    legend.show_gradient(np.zeros((256, 4), np.uint8), ["class 0", "undecided", "class 1"])
    metrics = QFontMetrics(legend.font())
    wide = legend.label_spans(metrics, 400)
    assert [text for text, _, _ in wide] == ["class 0", "undecided", "class 1"]
    for width in (400, 260, 200, 150, 120):
        spans = legend.label_spans(metrics, width)
        assert spans[0][0] == "class 0" and spans[-1][0] == "class 1"
        assert spans[0][1] == 8 and spans[-1][2] == 8 + width  # at the bar's two ends
        for (_, _, right), (_, left, _) in zip(spans[:-1], spans[1:], strict=False):
            if len(spans) > 2:  # the middle label only where it keeps its gaps
                assert left >= right + LEGEND_GAP_PX
    narrow = legend.label_spans(metrics, 150)
    assert [text for text, _, _ in narrow] == ["class 0", "class 1"]
