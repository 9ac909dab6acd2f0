"""Layout: messages never move the panels, quick clicks all count, and at every common
screen size, normal and in presentation mode, every text fits and nothing overlaps."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QScrollBar,
    QToolButton,
    QToolTip,
    QWidget,
)
from window_helpers import WAIT_MS, until

from app.draw_tools import DrawingController
from app.parts import window_parts
from app.placement import FRAME_ALLOWANCE, fit_to_screen
from app.presentation import Presentation
from app.settings import Settings
from app.views.fake import fake_snapshot, input_maps
from app.views.network_diagram import NetworkView
from app.window import MainWindow


@pytest.fixture
def window(window):
    """The shown window with the drawing tools' row under the boundary, as the app has
    it: the row sets the output column's least width."""
    DrawingController.build(window_parts(window))
    return window


def test_a_message_does_not_move_the_panels(window, qtbot):
    qtbot.wait(50)
    before = window.main_splitter.geometry()
    network_before = window.network_view.geometry()
    window.banner.show_message("A long message that takes a line. " * 6, "warning")
    qtbot.wait(50)
    assert window.banner.isVisible()
    assert window.main_splitter.geometry() == before
    assert window.network_view.geometry() == network_before
    # It floats over the panels, inside the window, on top.
    central = window.centralWidget()
    assert central.rect().contains(window.banner.geometry())
    assert window.banner.geometry().intersects(window.main_splitter.geometry())
    assert central.childAt(window.banner.geometry().center()) is not window.main_splitter
    window.banner.hide_message()
    qtbot.wait(50)
    assert window.main_splitter.geometry() == before


def test_three_quick_clicks_on_plus_add_three_neurons(window, qtbot):
    card = window.network_panel.cards()[0]
    start = window.session_config().hidden[0]
    for _ in range(3):  # no waiting between clicks, as a hurried user does
        qtbot.mouseClick(card.add_neuron, Qt.LeftButton)
    assert window.session_config().hidden[0] == start + 3
    # The session answers with the new shape: the diagram is laid out for it.
    until(qtbot, lambda: window.network_view.layer_sizes[1] == start + 3)
    assert window.network_panel.cards()[0].count.text() == str(start + 3)


def test_the_message_leaves_the_network_buttons_free(window, qtbot):
    window.banner.show_message("Network reset: the network's shape changed.", "info")
    qtbot.wait(50)
    central = window.centralWidget()
    banner = window.banner.geometry()
    for button in (window.network_panel.add_layer, window.network_panel.cards()[0].add_neuron):
        where = button.rect().translated(button.mapTo(central, button.rect().topLeft()))
        assert not where.intersects(banner)


def test_the_weight_editor_names_the_weight_as_the_tooltip_and_shows_it_whole(window, qtbot):
    view = window.network_view
    qtbot.wait(50)
    window.weight_editor.edit_weight(1, 2, 0)
    editor = window.weight_editor.editor()
    assert editor is not None
    qtbot.waitExposed(editor)
    assert editor.title.text() == "Weight, layer 2, neuron 3 → neuron 1"
    assert view.describe(("weight", 1, 2, 0)).startswith(editor.title.text() + " = ")
    metrics = editor.title.fontMetrics()
    # Whole: the title's one line fits its label, or the label wraps onto more lines.
    assert (metrics.horizontalAdvance(editor.title.text()) <= editor.title.width()
            or editor.title.height() >= 2 * metrics.height())
    assert window.centralWidget().rect().contains(editor.geometry())
    window.weight_editor.edit_bias(2, 0)  # the output neuron of a network with two hidden layers
    assert window.weight_editor.editor().title.text() == "Bias, layer 3, neuron 1 (output)"


# ------------------------------------------------------------ every size, normal and F5
SIZES = [(1024, 768), (1366, 768), (1920, 1080)]
INDICATOR_PX = 22  # a check box's box and its gap to the text (Fusion)


def show_at(qtbot, window, size, presenting: bool):
    """The window at `size`, as it would be maximised (normal) or full screen (F5) on a
    screen of that size."""
    presentation = Presentation(window_parts(window))
    if presenting:
        presentation.set_active(True)
        # Full screen on the 1920x1080 test screen would take the size back: be a window
        # of the projector's size instead.
        until(qtbot, window.isFullScreen)
        window.showNormal()
    window.setGeometry(QRect(QPoint(0, 0), QSize(*size)))
    qtbot.waitUntil(lambda: window.size() == QSize(*size), timeout=WAIT_MS)
    qtbot.wait(100)  # the header fits itself after the resize; plots lay out
    assert window.size() == QSize(*size)
    window.last_frame()  # noqa: B018 - the numbers are shown by now
    return presentation


def shown_widgets(root: QWidget):
    """Visible descendants, skipping what lives inside plots, spin boxes and combo boxes."""
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or widget.isWindow():
            continue
        inside = widget.parentWidget()
        skip = False
        while inside is not None and inside is not root:
            if isinstance(inside, (pg.GraphicsView, QAbstractSpinBox, QComboBox)):
                skip = True
                break
            inside = inside.parentWidget()
        if not skip:
            yield widget


def text_room(widget: QWidget) -> tuple[str, int] | None:
    """(text, width available to it) for widgets that show one line of plain text."""
    if isinstance(widget, QLabel):
        if widget.wordWrap() or widget.textFormat() == Qt.RichText or not widget.text():
            return None
        if "<" in widget.text():  # rich text wraps and lays itself out
            return None
        return widget.text(), widget.contentsRect().width()
    if isinstance(widget, QCheckBox):
        return widget.text(), widget.width() - INDICATOR_PX
    if isinstance(widget, (QPushButton, QToolButton)):
        if not widget.text() or (isinstance(widget, QToolButton)
                                 and widget.toolButtonStyle() == Qt.ToolButtonIconOnly
                                 and not widget.icon().isNull()):
            return None
        return widget.text().replace("&", ""), widget.width() - 4
    if isinstance(widget, QComboBox):
        return widget.currentText(), widget.width() - 24  # the arrow
    if isinstance(widget, QGroupBox):
        return widget.title(), widget.width() - 20
    return None


def check_layout(window: MainWindow, presentation: Presentation, where: str) -> None:
    root = window.centralWidget()
    inside = window.rect()
    problems = []
    # Every header number whole: the widest text it can show fits its label.
    for stat in window.playback.stats:
        if not stat.isVisible():
            continue
        metrics = QFontMetrics(stat.value.font())
        for text in (*stat.widest, stat.text()):
            if metrics.horizontalAdvance(text) > stat.value.width():
                problems.append(f"header number {text!r} wider than its label")
        caption = QFontMetrics(stat.caption.font())
        if caption.horizontalAdvance(stat.caption.text()) > stat.caption.width():
            problems.append(f"header caption {stat.caption.text()!r} cut")
    header = getattr(window, "header", None)  # the numbers' tool bar, above any dock
    widgets = list(shown_widgets(root))
    if header is not None:
        widgets += [header, *shown_widgets(header)]
    for widget in widgets:
        # Nothing outside the window.
        box = QRect(widget.mapTo(window, QPoint(0, 0)), QWidget.size(widget))  # views shadow size
        if not inside.contains(box) and not _scrolled(widget):
            problems.append(f"{_name(widget)} lies outside the window: {box}")
        # Every label whole.
        room = text_room(widget)
        if room is not None:
            text, width = room
            if QFontMetrics(widget.font()).horizontalAdvance(text) > width:
                problems.append(f"{_name(widget)} {text!r} does not fit ({width} px)")
    # Nothing overlaps: siblings that share a layout never cover each other.
    for parent in [window, root, *widgets]:
        children = [c for c in parent.children() if isinstance(c, QWidget) and c.isVisible()
                    and not c.isWindow() and c is not window.banner and c in widgets]
        for k, a in enumerate(children):
            for b in children[k + 1:]:
                if a.geometry().intersects(b.geometry()):
                    problems.append(f"{_name(a)} {a.geometry()} overlaps {_name(b)} {b.geometry()}")
    # Plots whole: each plot fills its view and no axis title is longer than its axis.
    for plot_widget in window.findChildren(pg.PlotWidget):
        if not plot_widget.isVisible():
            continue
        plot = plot_widget.getPlotItem()
        room = plot_widget.contentsRect()  # where the plot is drawn: all of the widget
        if abs(plot.width() - room.width()) > 1 or abs(plot.height() - room.height()) > 1:
            problems.append(f"a plot {plot.size().toSize()} in a widget {room.size()}")
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            if axis.isVisible() and axis.label.isVisible():
                length = axis.height() if name == "left" else axis.width()
                margins = 2 * axis.label.document().documentMargin()
                if axis.label.boundingRect().width() - margins > length:
                    problems.append(f"axis title {axis.labelText!r} longer than its axis")
    # No horizontal scroll bars.
    for bar in window.findChildren(QScrollBar):
        if bar.isVisible() and bar.orientation() == Qt.Horizontal:
            problems.append(f"a horizontal scroll bar shows ({_name(bar.parentWidget())})")
    assert not problems, f"{where}:\n" + "\n".join(problems)


def _scrolled(widget: QWidget) -> bool:
    """Inside a scroll area's content: it may lie beyond the window while scrolled."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _name(widget: QWidget) -> str:
    return f"{type(widget).__name__}({widget.objectName() or ''})"


@pytest.mark.parametrize("presenting", [False, True], ids=["normal", "F5"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_everything_fits_at_every_size(window, qtbot, size, presenting):
    for _ in range(3):  # numbers in the header, as after some training
        window.step_epoch()
    until(qtbot, lambda: window.last_frame().snapshot.epoch >= 3)
    # The loss axis's longest title, as after a long run.
    window.loss_scale.setCurrentIndex(window.loss_scale.findData("log"))
    presentation = show_at(qtbot, window, size, presenting)
    check_layout(window, presentation, f"{size[0]}x{size[1]} {'F5' if presenting else ''}")
    if presenting:
        # The diagram and the boundary are large: together most of the window's area.
        area = size[0] * size[1]
        diagram = window.network_view.width() * window.network_view.height()
        plot = window.boundary_view.frame.picture_rect()
        assert diagram > 0.2 * area and plot.width() * plot.height() > 0.08 * area
        assert not window.control_scroll.isVisible()
        presentation.set_active(False)


# ------------------------------------------------------------ fitted to the screen
@pytest.mark.parametrize("screen", [(1024, 768), (1366, 768), (1280, 800), (1920, 1080)])
def test_fit_to_screen_keeps_the_frame_on_the_screen(screen):
    available = QRect(0, 0, screen[0], screen[1] - 30)  # a panel along the bottom
    for wanted in (QRect(0, 0, 1280, 800), QRect(-50, -20, 900, 600),
                   QRect(1500, 900, 1400, 820)):
        fitted = fit_to_screen(wanted, available, FRAME_ALLOWANCE)
        framed = fitted.adjusted(-FRAME_ALLOWANCE[0] // 2, FRAME_ALLOWANCE[0] // 2
                                 - FRAME_ALLOWANCE[1], FRAME_ALLOWANCE[0] // 2,
                                 FRAME_ALLOWANCE[0] // 2)
        assert available.contains(framed), (screen, wanted, fitted)
        assert fitted.width() == min(wanted.width(), available.width() - FRAME_ALLOWANCE[0])


def test_a_window_saved_on_a_larger_screen_opens_on_this_one(qtbot, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "neuroplay.ini"), QSettings.IniFormat))
    big = MainWindow(settings=settings)
    big.setGeometry(QRect(1500, 900, 2400, 1400))  # beyond the 1920x1080 test screen
    big.save_state()
    big.close()
    window = MainWindow(settings=settings)
    window.show()
    qtbot.waitExposed(window)
    assert window.screen().availableGeometry().contains(window.frameGeometry())
    window.close()


def test_the_explainer_opens_on_the_screen(qtbot):
    from app.explainer import ExplainerWidget

    explainer = ExplainerWidget()
    explainer.setWindowFlag(Qt.Window, True)
    explainer.resize(2600, 1500)  # larger than the test screen, as 1400x820 is on 1024x768
    explainer.show()
    qtbot.waitExposed(explainer)
    assert explainer.screen().availableGeometry().contains(explainer.frameGeometry())
    explainer.close()


# ------------------------------------------------------------ the diagram, the centrepiece
def diagram(qtbot, sizes, width: int, height: int) -> NetworkView:
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    names = ["x1", "x2"]
    view.set_network(sizes, names, input_maps(names))
    view.show_snapshot(fake_snapshot(50, layer_sizes=sizes, grid=20))
    view.plot_widget.grab()  # lays out and paints
    return view


def tile_px(view: NetworkView) -> float:
    return view.size / view.view_box.viewPixelSize()[1]


def neurons_span_px(view: NetworkView) -> float:
    tallest = max(range(len(view.layer_sizes)), key=lambda c: view.layer_sizes[c])
    top = view.widget_pos(*view.neuron_center(tallest, 0)).y()
    bottom = view.widget_pos(*view.neuron_center(tallest, view.layer_sizes[tallest] - 1)).y()
    return bottom - top + tile_px(view)


def test_the_diagram_uses_its_height_and_its_tiles_grow_with_it(qtbot):
    view = diagram(qtbot, (2, 8, 4, 1), 460, 480)
    assert tile_px(view) >= 30  # TensorFlow Playground's are about 30 px
    assert neurons_span_px(view) >= 0.7 * 480
    small = tile_px(view)
    view.resize(460, 700)
    qtbot.waitUntil(lambda: tile_px(view) > 1.2 * small, timeout=WAIT_MS)
    view.plot_widget.grab()
    assert neurons_span_px(view) >= 0.7 * 700
    box = view.plot_widget.viewport().rect()
    for column, n in enumerate(view.layer_sizes):  # every neuron inside the view
        for unit in (0, n - 1):
            assert box.contains(view.widget_pos(*view.neuron_center(column, unit)))


def test_a_tall_network_stays_legible(qtbot):
    sizes = (2, *[32] * 8, 1)
    view = diagram(qtbot, sizes, 700, 560)
    box = view.plot_widget.viewport().rect()
    for column, n in enumerate(sizes):
        for unit in (0, n - 1):
            x, y = view.neuron_center(column, unit)
            corner = view.widget_pos(x + view.size / 2, y - view.size / 2)
            assert box.contains(corner), (column, unit)
    assert tile_px(view) >= 9
    # Thin lines fade toward the background (not a tangle); thick ones keep their colour.
    small = diagram(qtbot, (2, 8, 4, 1), 460, 480)
    background = QColor(view.palette_.background)

    def distance(color: QColor) -> int:
        return sum(abs(a - b) for a, b in zip(color.getRgb()[:3], background.getRgb()[:3],
                                              strict=True))

    for sign in (0, 1):
        thin = view.edge_curves[sign, 1].opts["pen"].color()
        assert distance(thin) < 0.5 * distance(small.edge_curves[sign, 1].opts["pen"].color())
        assert not view.edge_curves[sign, 0].isVisible()
        thick = view.edge_curves[sign, 4].opts["pen"].color()
        assert thick == small.edge_curves[sign, 4].opts["pen"].color()


def test_titles_stay_whole_words_at_three_hidden_layers(qtbot):
    view = diagram(qtbot, (2, 6, 6, 6, 1), 420, 480)
    titles = [t.textItem.toPlainText() for t in view.texts[2:]]
    assert titles[1].startswith("hidden 1")


def test_a_weight_tooltip_stays_while_the_pointer_stays(qtbot):
    view = diagram(qtbot, (2, 8, 4, 1), 460, 480)
    a, b = view.edge_endpoints(1, 2, 0)
    where = view.widget_pos(*(a + 0.2 * (b - a)))
    qtbot.mouseMove(view.plot_widget.viewport(), where)
    qtbot.waitUntil(QToolTip.isVisible, timeout=WAIT_MS)
    assert QToolTip.text().startswith("Weight, layer 2, neuron 3 → neuron 1 = ")
    qtbot.wait(11000)  # Qt hides a short tooltip after 10 s unless told otherwise
    assert QToolTip.isVisible()
    view.show_snapshot(fake_snapshot(60))  # training goes on under the pointer
    assert QToolTip.isVisible()
    assert QToolTip.text().startswith("Weight, layer 2, neuron 3 → neuron 1 = ")
    view.leaveEvent(None)
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=WAIT_MS)


# ------------------------------------------------------------ TensorFlow Playground's colours
def is_blue(color: QColor) -> bool:
    return color.blue() > color.red() + 60


def is_orange(color: QColor) -> bool:
    return color.red() > color.blue() + 60


@pytest.mark.parametrize("palette_name", ["default", "colorblind"])
def test_blue_is_positive_and_class_1_everywhere(qtbot, palette_name):
    from app.theme import get_palette
    from app.views.network_diagram import map_colours

    palette = get_palette(palette_name)
    view = diagram(qtbot, (2, 4, 1), 460, 400)
    view.set_palette(palette)
    assert is_blue(view.edge_curves[1, 4].opts["pen"].color())  # positive weights
    assert is_orange(view.edge_curves[0, 4].opts["pen"].color())  # negative weights
    # A neuron's map: positive outputs blue, negative orange.
    high, low = map_colours(np.array([0.99, -0.99]), palette.lut)
    assert is_blue(QColor(*high[:3])) and is_orange(QColor(*low[:3]))
    # The boundary's map and the points: class 1 (output near 1) blue, class 0 orange.
    assert is_blue(QColor(*palette.lut[255][:3])) and is_orange(QColor(*palette.lut[0][:3]))
    assert is_blue(QColor(palette.class_color(1))) and is_orange(QColor(palette.class_color(0)))


def test_every_hyperparameter_shows_without_scrolling_at_1280x800(window, qtbot):
    # 1280x800 less a desktop panel and a title bar: the window's inside is about 1280x740.
    window.setGeometry(QRect(0, 30, 1280, 740))
    qtbot.waitUntil(lambda: window.height() == 740, timeout=WAIT_MS)
    qtbot.wait(50)
    assert not window.control_scroll.verticalScrollBar().isVisible()
    column = window.control_scroll.viewport().rect()
    panel = window.training_panel
    for name in ("problem", "learning_rate", "optimizer", "momentum", "batch_size", "loss",
                 "regularization", "regularization_rate", "schedule", "schedule_steps",
                 "init", "init_seed"):
        widget = getattr(panel, name)
        box = QRect(widget.mapTo(window.control_scroll.viewport(), QPoint(0, 0)),
                    widget.size())
        assert widget.isVisible() and column.contains(box), name


def test_titles_never_collide_in_a_narrow_diagram(qtbot):
    # F5 on a 1024x768 projector with a lesson open leaves the diagram about 160 px.
    view = diagram(qtbot, (2, 8, 4, 1), 160, 420)
    font = view.font()
    font.setPointSizeF(15)  # presentation mode's font
    view.setFont(font)
    view.plot_widget.grab()
    boxes = [view.plot_widget.mapFromScene(t.sceneBoundingRect()).boundingRect()
             for t in view.texts[2:]]
    assert not any(a.intersects(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])


def test_a_lesson_open_in_presentation_mode_leaves_the_numbers_whole(window, qtbot):
    from app.classroom import Classroom
    from engine.lessons import load_lesson

    classroom = Classroom(window_parts(window))
    classroom.open_lesson(load_lesson("resources/lessons/03-two-moons.json"))
    until(qtbot, classroom.opened)
    classroom.presentation.set_active(True)
    until(qtbot, window.isFullScreen)
    window.showNormal()  # a 1024 px projector, not the 1920 px test screen
    window.setGeometry(QRect(0, 0, 1024, 768))
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=WAIT_MS)
    qtbot.wait(100)
    assert window.width() == 1024
    check_layout(window, classroom.presentation, "1024x768 F5 with a lesson")
    assert classroom.dock.width() <= 0.35 * 1024  # the diagram and boundary keep the rest
    # The lesson panel whole inside its dock and the window: text sized for this width.
    panel = classroom.dock.widget()
    assert window.rect().contains(classroom.dock.geometry())
    assert panel.minimumSizeHint().width() <= panel.width() <= classroom.dock.width()
    classroom.presentation.set_active(False)
    classroom.close_action.trigger()


def test_a_window_narrower_than_the_panels_scrolls_them_instead_of_overlapping(window, qtbot):
    """An 800-pixel screen (an old projector): the window is narrower than the panels'
    minimum; they keep their minimum widths side by side and a scroll bar reaches the rest."""
    window.setMinimumSize(QSize(0, 0))
    window.resize(780, 700)
    until(qtbot, lambda: window.width() == 780)
    window.centralWidget().layout().activate()
    qtbot.wait(50)
    central = window.centralWidget()

    def area(widget):
        return widget.rect().translated(widget.mapTo(central, QPoint(0, 0)))

    column, network = area(window.control_scroll), area(window.network_view.parentWidget())
    assert not column.intersects(network)
    assert window.main_scroll.horizontalScrollBar().isVisible()
    window.resize(1280, 800)
    until(qtbot, lambda: window.width() == 1280)
    qtbot.wait(50)
    assert not window.main_scroll.horizontalScrollBar().isVisible()
