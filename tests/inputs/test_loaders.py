"""YAML loading and schema checks: YAML 1.1 surprises, duplicate keys, tags, file:line."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from conftest import ROOT
from handouts.errors import Problems, UserError
from handouts.inputs.content import load_content
from handouts.inputs.schema import Reader
from handouts.inputs.yamlio import load_yaml


def load(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(textwrap.dedent(text))
    return path, load_yaml(path)


def problems_for(tmp_path, text, read):
    path, data = load(tmp_path, text)
    problems = Problems()
    read(Reader(data, str(path), problems))
    return [str(p).split(": ", 1)[1] for p in problems.items], [p.line for p in problems.items]


def test_duplicate_key_is_refused(tmp_path):
    with pytest.raises(UserError) as exc:
        load(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert str(exc.value).endswith("x.yaml:3: duplicate key 'a' (first on line 1)")


def test_python_tag_is_refused(tmp_path):
    with pytest.raises(UserError) as exc:
        load(tmp_path, "a: !!python/object:os.system {}\n")
    assert "x.yaml:1: tag 'tag:yaml.org,2002:python/object:os.system' is not allowed" \
        in str(exc.value)


def test_alias_bomb_is_cut_off(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]" for i in range(1, 8)]
    with pytest.raises(UserError) as exc:
        load(tmp_path, "\n".join(lines) + "\n")
    assert "too large or too deeply nested" in str(exc.value)


def test_yaml_no_is_not_silently_false(tmp_path):
    msgs, lines = problems_for(tmp_path, "lang: no\n", lambda r: r.text("lang"))
    assert msgs == ["lang: expected text, got true/false (false) (YAML reads 'no' as "
                    "true/false; put it in quotes: \"no\")"]
    assert lines == [1]


def test_sexagesimal_time_is_caught(tmp_path):
    msgs, _ = problems_for(tmp_path, "x: 1\ntime: 9:30\n", lambda r: (r.text("time"),
                                                                     r.integer("x", low=0,
                                                                               high=9)))
    assert msgs == ["time: expected text, got the number 570 (YAML reads '9:30' as a "
                    "number; put it in quotes: \"9:30\")"]


def test_leading_zero_is_not_octal(tmp_path):
    msgs, _ = problems_for(tmp_path, "hours: 0123\n",
                           lambda r: r.integer("hours", low=0, high=200))
    assert msgs == ["hours: '0123' has a leading zero, which YAML reads as octal (83); "
                    "write it without the zero"]


def test_unknown_key_suggests(tmp_path):
    def read(r):
        r.text("paper")
        r.finish()
    msgs, lines = problems_for(tmp_path, "paper: a4\npapr: a4\n", read)
    assert msgs == ["unknown key 'papr'; did you mean 'paper'?"]
    assert lines == [2]


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    return folder


def test_topic_errors_name_file_and_line(content):
    topic = content / "topics" / "warning-signs.yaml"
    text = topic.read_text()
    topic.write_text(text.replace("%(crisis_line)s", "%(crisis_lne)s", 1)
                     .replace("kind: warning", "kind: warnings", 1))
    with pytest.raises(UserError) as exc:
        load_content(content)
    messages = [str(p) for p in exc.value.problems]
    crisis_line = next(i for i, line in enumerate(topic.read_text().splitlines(), 1)
                       if "crisis_lne" in line)
    assert any(m.startswith(f"{topic}:{crisis_line}: ") and "unknown placeholder "
               "%(crisis_lne)s" in m and "did you mean 'crisis_line'?" in m for m in messages)
    assert any("'warnings' is not one of 'text', 'bullets', 'steps', 'checklist', 'warning', "
               "'callout', 'summary', 'diary'; did you mean 'warning'?" in m for m in messages)


def test_stage_with_unknown_topic(content):
    stages = content / "stages.yaml"
    stages.write_text(stages.read_text().replace("- warning-signs", "- warning-sign", 1))
    with pytest.raises(UserError) as exc:
        load_content(content)
    assert "no topic 'warning-sign' in content/topics/; did you mean 'warning-signs'?" \
        in str(exc.value)
