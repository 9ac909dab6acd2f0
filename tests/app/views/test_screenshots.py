"""Each live view draws something: a screenshot is never blank."""

from __future__ import annotations

from app.views.boundary import BoundaryView
from app.views.fake import fake_dataset, fake_snapshot, input_maps
from app.views.loss_chart import LossChart
from app.views.network_diagram import NetworkView


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
