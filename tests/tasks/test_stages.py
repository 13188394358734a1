"""The text stages' one interface: which run, in what order, and what makes up each one's cache identity."""

import shutil

import pytest

from tasks.stages import Annotate, Clean, Punctuate, Translate, text_stages
from wenyuan.document import Book, BookMetadata
from wenyuan.errors import ModelLoadError


def test_the_stages_run_in_pipeline_order_and_need_punctuation_for_sentences():
    assert [s.name for s in text_stages()] == ["clean", "punctuate", "translate", "annotate"]
    assert [s.name for s in text_stages(translate=False)] == ["clean", "punctuate", "annotate"]
    # Translation and annotation read the punctuator's sentences: without it neither runs.
    assert [s.name for s in text_stages(punctuate=False)] == ["clean"]


def test_a_model_folder_given_replaces_the_shipped_one(tmp_path):
    stages = text_stages(translator_model=str(tmp_path / "mine"))
    assert next(s for s in stages if s.name == "translate").model_dir == tmp_path / "mine"


def test_a_missing_model_folder_fails_the_check_naming_it(tmp_path):
    with pytest.raises(ModelLoadError, match="mine"):
        Punctuate(tmp_path / "mine").check()
    Clean().check()  # no model, nothing to fail


def test_identity_follows_the_weights_and_the_books_dynasty(tmp_path):
    copy = tmp_path / "punctuator"
    shutil.copytree(Punctuate().model_dir, copy)
    book = Book(id="b", metadata=BookMetadata(title="t"))
    assert Punctuate(copy).identity(book) == Punctuate().identity(book)  # the weights, not the path
    (copy / "model.safetensors").write_bytes(b"other weights")
    assert Punctuate(copy).identity(book) != Punctuate().identity(book)

    tang = Book(id="b", metadata=BookMetadata(title="t", dynasty="唐"))
    song = Book(id="b", metadata=BookMetadata(title="t", dynasty="宋"))
    assert Annotate().identity(tang) != Annotate().identity(song)  # dates resolve against the dynasty
    assert Translate().identity(tang) == Translate().identity(song)


def test_a_stage_fills_its_layer_of_a_section():
    from wenyuan.document import Char, Line, Page, Region

    chars = [Char(text=t, confidence=0.99) for t in "學而時習之不亦說乎"]
    box = [(0, 0), (1, 0), (1, 1), (0, 1)]
    line = Line(id="l1", polygon=box, chars=chars)
    region = Region(id="r1", kind="main", polygon=box, lines=[line])
    page = Page(id="p1", index=0, source="s", sha256="-", width=10, height=10, image="s", regions=[region])
    book = Book(id="b", pages=[page])
    stage = Punctuate()
    out = stage.run(book, stage.load("cpu"))
    assert out.sentences and out.steps[-1].stage == "punctuate"
