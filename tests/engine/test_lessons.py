"""Lesson files: loading, validation, and that the built-in lessons teach what they say."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from engine.config import SessionConfig
from engine.lessons import (
    BUILTIN_DIR,
    MAX_LESSON_BYTES,
    LessonError,
    lesson_file_name,
    lesson_from_dict,
    lesson_to_dict,
    list_lessons,
    load_lesson,
    make_lesson,
    open_session,
    parse_lesson,
    save_lesson,
)

BUILTIN_FILES = sorted(BUILTIN_DIR.glob("*.json"))
REQUIRED_TITLES = {"Six lines of AI", "Training XOR", "Two moons", "Why non-linearity",
                   "Learning rate", "Features vs depth", "Overfitting"}


def builtin(title: str):
    lessons, errors = list_lessons()
    assert errors == []
    return next(lesson for lesson in lessons if lesson.title == title)


def minimal() -> dict:
    return {"format": "neuroplay-lesson", "version": 1, "title": "T",
            "config": {"dataset": "xor", "hidden": [2], "activations": ["relu"]},
            "steps": [{"text": "<p>hello</p>"}]}


def test_every_required_lesson_is_built_in():
    lessons, errors = list_lessons()
    assert errors == []
    assert REQUIRED_TITLES <= {lesson.title for lesson in lessons}


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: p.name)
def test_builtin_lesson_loads_validates_and_trains_50_steps(path):
    lesson = load_lesson(path)
    for k in range(len(lesson.steps)):
        config = lesson.step_config(k)
        assert isinstance(config, SessionConfig)
        session = open_session(lesson, k)
        assert session.config == config
        ran = session.step(50)
        # Only a lesson about divergence may stop early.
        assert ran == 50 or config.learning_rate >= 10
        assert np.all(np.isfinite(session.predict(session.data.points[:5])))


def test_round_trip_through_dict_and_file(tmp_path):
    lesson = builtin("Six lines of AI")
    assert lesson_from_dict(lesson_to_dict(lesson)) == lesson.__class__(
        **{**lesson.__dict__, "source": ""})
    path = save_lesson(lesson, tmp_path / "copy.json")
    again = load_lesson(path)
    assert lesson_to_dict(again) == lesson_to_dict(lesson)


def test_six_lines_outputs_are_what_its_weights_compute_by_hand():
    lesson = builtin("Six lines of AI")

    def relu(v: float) -> float:
        return v if v > 0 else 0.0

    def by_hand(x1: float, x2: float) -> float:
        # The seed's network: W1 rows per hidden neuron, b1, W2, b2.
        h1 = relu(-1.0 * x1 + -1.0 * x2 + 1.0)
        h2 = relu(-0.7 * x1 + -0.7 * x2 + 1.3)
        return relu(-1.8 * h1 + 1.3 * h2 + 0.0)

    session = open_session(lesson)
    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    expected = np.array([by_hand(*p) for p in inputs])
    np.testing.assert_allclose(session.predict(inputs), expected, atol=1e-6)
    np.testing.assert_allclose(expected, [0.0, 0.78, 0.78, 0.0], atol=1e-12)
    # The table's targets are XOR, and the output is on the right side of 0.5 for each.
    targets = [row[2] for row in lesson.output_table]
    assert targets == [0, 1, 1, 0]
    assert list((session.predict(inputs) >= 0.5).astype(int)) == targets
    assert lesson.train_steps == 0


def test_training_xor_reaches_full_accuracy():
    session = open_session(builtin("Training XOR"))
    session.step(2000)
    _, _, train_accuracy, _ = session.evaluate()
    assert train_accuracy == 1.0


def test_two_moons_trained_as_in_the_article():
    lesson = builtin("Two moons")
    c = lesson.config
    assert (c.layer_sizes, c.seed_exact, c.resolved_loss) == ((2, 8, 4, 1), True, "mse")
    assert (c.n_points, c.learning_rate, c.batch_size, lesson.train_steps) == (200, 0.2, 0, 100)
    session = open_session(lesson)
    assert session.step_count == 100
    _, _, train_accuracy, _ = session.evaluate()
    assert train_accuracy > 0.95


def test_a_lesson_opened_twice_gives_the_same_data_and_curve():
    lesson = builtin("Two moons")
    a, b = open_session(lesson), open_session(lesson)
    np.testing.assert_array_equal(a.data.points, b.data.points)
    assert a.history == b.history
    assert len(a.history) == 101


def test_steps_are_cumulative_and_set_what_they_say():
    lesson = builtin("Learning rate")
    assert [lesson.step_config(k).learning_rate for k in range(3)] == [0.0001, 0.03, 10.0]
    nonlinear = builtin("Why non-linearity")
    assert nonlinear.step_config(0).activations == ("linear",)
    assert nonlinear.step_config(1).activations == ("linear", "linear")
    assert nonlinear.step_config(2).activations == ("relu", "relu")
    # A later step keeps the earlier step's hidden layers.
    assert nonlinear.step_config(3).hidden == (4, 4)
    with pytest.raises(LessonError, match="no step 9"):
        lesson.step_config(8)


def test_overfitting_shows_test_data_and_then_regularizes():
    lesson = builtin("Overfitting")
    assert lesson.show_test_at(0) is True
    assert lesson.step_config(0).regularization == "none"
    assert lesson.step_config(2).regularization == "l2"


def bad_cases():
    def edit(fn):
        d = minimal()
        fn(d)
        return d

    return [
        (edit(lambda d: d.update(format="something-else")), "not a Neuroplay lesson"),
        (edit(lambda d: d.update(version=7)), "version 7 is not supported"),
        (edit(lambda d: d.pop("title")), "title: must be text"),
        (edit(lambda d: d.update(title="  ")), "title: is empty"),
        (edit(lambda d: d.update(steps=[])), "non-empty list of steps"),
        (edit(lambda d: d.update(steps=[{"text": "x", "colour": 1}])), "unknown field 'colour'"),
        (edit(lambda d: d.update(extra=1)), "unknown field 'extra'"),
        (edit(lambda d: d["config"].update(dataset="banana")), "dataset"),
        (edit(lambda d: d["config"].update(learning_rate=-1)), "learning_rate"),
        (edit(lambda d: d["steps"][0].update(config={"learning_rate": 1000})),
         "step 1: invalid setting learning_rate"),
        (edit(lambda d: d["steps"][0].update(text="<img src='x'>")), "uses <img>"),
        (edit(lambda d: d["steps"][0].update(train_steps=-3)), "train_steps"),
        (edit(lambda d: d.update(weights=[[[1, 2]]])), "both"),
        (edit(lambda d: d.update(weights=[[[1, 2]]], biases=[[0]])), "do not fit the 2-2-1"),
        (edit(lambda d: d.update(weights=[[[1, 2], [3, 4]], [[1], [float("nan")]]],
                                 biases=[[0, 0], [0]])), "finite number"),
        (edit(lambda d: d.update(hidden_controls=["coffee"])), "unknown control group"),
        (edit(lambda d: d.update(output_table=[[0, 1]])), "x1, x2, target"),
        (edit(lambda d: d["config"].update(dataset="custom")), "no \"points\""),
        (edit(lambda d: d.update(points=[[0, 0]], labels=[0])), "only used with dataset"),
        ([1, 2, 3], "one JSON object"),
    ]


@pytest.mark.parametrize(("data", "message"), bad_cases())
def test_malformed_lessons_raise_lesson_error(data, message):
    with pytest.raises(LessonError, match=message):
        lesson_from_dict(copy.deepcopy(data))


def test_unreadable_and_oversized_files(tmp_path):
    with pytest.raises(LessonError, match="not valid JSON"):
        parse_lesson("{ not json", "broken.json")
    big = tmp_path / "big.json"
    big.write_text(json.dumps({**minimal(), "summary": "x" * MAX_LESSON_BYTES}))
    with pytest.raises(LessonError, match="big.json: is larger than"):
        load_lesson(big)
    with pytest.raises(LessonError, match="cannot be read"):
        load_lesson(tmp_path / "missing.json")


def test_list_lessons_reports_bad_files_and_keeps_good_ones(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(minimal()))
    (tmp_path / "b.json").write_text("[]")
    lessons, errors = list_lessons(tmp_path)
    assert [lesson.title for lesson in lessons] == ["T"]
    assert len(errors) == 1 and errors[0].startswith("b.json")


def test_make_lesson_from_a_trained_session_reopens_with_its_weights(tmp_path):
    session = open_session(builtin("Training XOR"))
    session.step(30)
    weights, biases = session.parameters_as_lists()
    lesson = make_lesson("My XOR!", session.config, weights, biases)
    path = save_lesson(lesson, tmp_path / lesson_file_name(lesson.title))
    assert path.name == "my-xor.json"
    reopened = open_session(load_lesson(path))
    points = session.data.points
    np.testing.assert_allclose(reopened.predict(points), session.predict(points), atol=1e-6)


def test_make_lesson_keeps_drawn_points(tmp_path):
    from engine.io import make_custom_dataset

    points = np.array([[0.1, 0.2], [-0.5, 0.3], [0.4, -0.9]])
    labels = np.array([0, 1, 1])
    config = SessionConfig(dataset="custom", hidden=(3,), activations=("tanh",))
    lesson = make_lesson("Drawn", config, points=points, labels=labels)
    saved = load_lesson(save_lesson(lesson, tmp_path / "drawn.json"))
    session = open_session(saved)
    expected = make_custom_dataset(points, labels, "classification")
    np.testing.assert_array_equal(session.data.points, expected.points)
    np.testing.assert_array_equal(session.data.labels, labels)


def accuracy_after(title: str, step: int, epochs: int) -> tuple[float, float]:
    session = open_session(builtin(title), step)
    session.run_epochs(epochs)
    train_loss, _, train_accuracy, _ = session.evaluate()
    return train_loss, train_accuracy


def test_why_nonlinearity_linear_fails_and_relu_and_tanh_succeed():
    assert accuracy_after("Why non-linearity", 0, 200)[1] < 0.65
    assert accuracy_after("Why non-linearity", 1, 200)[1] < 0.65
    assert accuracy_after("Why non-linearity", 2, 200)[1] > 0.95
    assert accuracy_after("Why non-linearity", 3, 200)[1] > 0.95


def test_learning_rate_lesson_crawls_learns_and_overshoots():
    start = open_session(builtin("Learning rate"), 0).evaluate()[0]
    crawl = accuracy_after("Learning rate", 0, 50)[0]
    good = accuracy_after("Learning rate", 1, 50)[0]
    wild = accuracy_after("Learning rate", 2, 50)[0]
    assert abs(start - crawl) < 0.01
    assert good < start - 0.1
    assert wild > good * 2


def test_overfitting_lesson_test_loss_lower_with_l2():
    lesson = builtin("Overfitting")
    plain, l2 = open_session(lesson, 0), open_session(lesson, 2)
    plain.run_epochs(300)
    l2.run_epochs(300)
    plain_train, plain_test, _, _ = plain.evaluate()
    l2_train, l2_test, _, _ = l2.evaluate()
    assert plain_train < 0.01 < plain_test  # memorised the training points
    assert l2_test < plain_test / 2


def test_describe_difference_names_what_changed():
    from engine.lessons import describe_difference

    a = SessionConfig(learning_rate=0.03)
    b = SessionConfig(learning_rate=0.3)
    assert describe_difference(a, b) == "lr 0.03"
    assert describe_difference(b, a) == "lr 0.3"
    assert describe_difference(a, a) == ""
    c = SessionConfig(hidden=(4,), activations=("tanh",), batch_size=0)
    assert describe_difference(c, a) == "layers 4, tanh, full batch"
    d = SessionConfig(regularization="l2", regularization_rate=0.01)
    assert describe_difference(d, a) == "L2, reg rate 0.01"


def test_fixed_weights_are_what_the_first_history_row_measures():
    session = open_session(builtin("Six lines of AI"))
    _, _, train_loss, _, train_accuracy, _ = session.history[-1]
    # Squared errors 0, 0.22^2, 0.22^2, 0 over four points.
    assert train_loss == pytest.approx(2 * 0.22**2 / 4, abs=1e-6)
    assert train_accuracy == 1.0
    assert session.snapshot().train_loss == pytest.approx(train_loss)


# ------------------------------------------------------------------ issue 13

def test_a_deeply_nested_lesson_is_listed_as_broken_and_the_rest_load(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(minimal()))
    (tmp_path / "deep.json").write_text("[" * 5000)  # 5 KB that once stopped the app
    lessons, errors = list_lessons(tmp_path)
    assert [lesson.title for lesson in lessons] == ["T"]
    assert len(errors) == 1 and errors[0].startswith("deep.json") and "nested" in errors[0]


def test_pipes_in_the_lessons_folder_are_listed_as_broken_without_hanging(tmp_path):
    import os
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs POSIX FIFOs")
    (tmp_path / "a.json").write_text(json.dumps(minimal()))
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "link.json").symlink_to(tmp_path / "pipe.json")
    lessons, errors = list_lessons(tmp_path)
    assert [lesson.title for lesson in lessons] == ["T"]
    assert len(errors) == 2 and all("not a file" in e for e in errors)


def test_strict_json_in_lessons(tmp_path):
    text = json.dumps(minimal())
    assert parse_lesson(b"\xef\xbb\xbf" + text.encode(), "bom.json").title == "T"
    with pytest.raises(LessonError, match="appears twice"):
        parse_lesson(text.replace('{"format"', '{"title": "X", "format"', 1), "twice.json")
    with pytest.raises(LessonError, match="too large"):
        parse_lesson(text.replace('"steps"', '"train_steps": 1e999, "steps"', 1), "inf.json")


def test_control_characters_in_a_lesson_are_escaped():
    data = {**minimal(), "\x1b[31mred": 1}
    with pytest.raises(LessonError) as caught:
        lesson_from_dict(data, "bad.json")
    assert "\x1b" not in str(caught.value) and "\\x1b[31mred" in str(caught.value)
