"""What the built-in lessons say must be what the engine does; a lesson's pace field."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from engine.lessons import LessonError, lesson_from_dict, lesson_to_dict, list_lessons, open_session
from engine.session import divergence_message


def builtin(title: str):
    lessons, errors = list_lessons()
    assert errors == []
    return next(lesson for lesson in lessons if lesson.title == title)


def minimal(**extra) -> dict:
    return {"format": "neuroplay-lesson", "version": 1, "title": "T",
            "config": {"dataset": "xor", "hidden": [2], "activations": ["relu"]},
            "steps": [{"text": "<p>hello</p>"}], **extra}


def plain(html: str) -> str:
    text = re.sub(r"<[^>]+>", "", html)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize("pace, expected", [(20, 20.0), (0.5, 0.5), ("max", math.inf)])
def test_a_lesson_sets_its_pace(pace, expected):
    lesson = lesson_from_dict(minimal(pace=pace))
    assert lesson.pace == expected
    assert lesson_from_dict(lesson_to_dict(lesson)).pace == expected
    assert lesson_from_dict(minimal()).pace is None  # no pace: the user's stays


@pytest.mark.parametrize("pace", [0, -5, "fast", True, 1e9, None])
def test_a_bad_pace_names_the_field(pace):
    if pace is None:
        return
    with pytest.raises(LessonError, match="pace must be"):
        lesson_from_dict(minimal(pace=pace))


def test_lessons_that_train_set_a_pace():
    lessons, _ = list_lessons()
    for lesson in lessons:
        if lesson.title != "Six lines of AI":  # fixed weights: nothing to watch train
            assert lesson.pace is not None and 1 <= lesson.pace <= 500, lesson.title


def test_six_lines_band_in_the_text_is_what_its_weights_compute():
    lesson = builtin("Six lines of AI")
    session = open_session(lesson, 2)
    s = np.linspace(0, 2.5, 25001)  # along x1 = x2 = s/2: the output depends on x1 + x2
    out = session.predict(np.column_stack([s / 2, s / 2]))
    positive, above_half = s[out > 1e-9], s[out > 0.5]
    text = plain(lesson.steps[2].text)
    band = re.search(r"(\d+\.\d+) < x1 \+ x2 < (\d+\.\d+)", text).groups()
    assert float(band[0]) == pytest.approx(positive.min(), abs=0.006)
    assert float(band[1]) == pytest.approx(positive.max(), abs=0.006)
    middle = re.findall(r"(\d+\.\d+) < x1 \+ x2 < (\d+\.\d+)", text)[1]
    assert float(middle[0]) == pytest.approx(above_half.min(), abs=0.006)
    assert float(middle[1]) == pytest.approx(above_half.max(), abs=0.006)
    assert "(0, 1) and (1, 0)" in text


def test_why_nonlinearity_does_not_ask_for_the_switch_its_step_made():
    lesson = builtin("Why non-linearity")
    for k, step in enumerate(lesson.steps):
        made = step.config_changes.get("activations")
        if made:
            text = plain(step.text).lower()
            assert "now switch" not in text and "switch the activation" not in text, k
            assert any(name in text for name in {a.replace("_", " ") for a in made}), k


def test_lesson_texts_follow_blue_positive_class_1_orange_negative_class_0():
    """A clause that names a colour and a meaning names the colour's own meaning."""
    meanings = {"blue": ("class 1", "positive"), "orange": ("class 0", "negative")}
    lessons, _ = list_lessons()
    tied = 0
    for lesson in lessons:
        for step in lesson.steps:
            for clause in re.split(r"[,;:()]", plain(step.text).lower()):
                colours = set(re.findall(r"blue|orange", clause))
                said = set(re.findall(r"class [01]|positive|negative", clause))
                if len(colours) == 1 and said:
                    colour = colours.pop()
                    assert said <= set(meanings[colour]), clause
                    tied += 1
    assert tied >= 4


def test_divergence_message_speaks_epochs_and_reads_the_loss():
    text = divergence_message(12, 7106711174238080860160.0, 10.0)
    assert text.startswith("Training diverged after epoch 12:")
    assert "7.1e+21" in text and "(try 0.03)" in text and "step" not in text
    assert re.search(r"\d{7,}", text) is None
    assert "last training loss" not in divergence_message(3, math.nan, 1.0)
    assert "(try 0.01)" in divergence_message(3, 0.5, 0.1)
