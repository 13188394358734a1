"""The text stages of the pipeline behind one interface, in the order the digitise flow runs them.

A stage (cf. a spaCy pipeline component) has a ``name``; ``check()`` fails early on a missing or broken model
folder; ``load(device)`` returns what it runs with (a model, loaded once per process, or None); ``run(book,
model)`` fills its layer of a section of a book in place and returns it; ``identity(book)`` is everything that
steers its output (weights, decoding settings, lexicons, its code), so a section's cached result is reused
exactly when none of that changed. Each stage's work itself lives in its own module (``tasks/clean.py`` ...);
this module only says how the flow drives it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from corpora.split_characters import table_checksum as split_table_checksum
from entities.lexicons import lexicons_checksum
from models.folder import check_model_folder, inference_checksum
from tasks.annotate import DEFAULT_TAGGER, annotate_book, load_entity_tagger
from tasks.clean import CleanConfig, clean_book
from tasks.punctuate import DEFAULT_MODEL as PUNCTUATOR_DIR
from tasks.punctuate import load_punctuator, punctuate_book
from tasks.translate import DEFAULT_MODEL as TRANSLATOR_DIR
from tasks.translate import load_translator, translate_book
from wenyuan.code_identity import code_checksum
from wenyuan.document import Book


class TextStage(Protocol):
    name: ClassVar[str]

    def check(self) -> None: ...

    def load(self, device: str) -> Any: ...

    def run(self, book: Book, model: Any) -> Book: ...

    def identity(self, book: Book) -> str: ...


@dataclass(frozen=True)
class Clean:
    """Unicode, variant and OCR-noise normalisation (:mod:`tasks.clean`); no model."""

    config: CleanConfig = field(default_factory=CleanConfig)
    name: ClassVar[str] = "clean"

    def check(self) -> None:
        pass

    def load(self, device: str) -> None:
        return None

    def run(self, book: Book, model: None) -> Book:
        return clean_book(book, self.config)

    def identity(self, book: Book) -> str:
        settings = json.dumps(asdict(self.config), sort_keys=True, default=str)
        return f"{settings}#{code_checksum('tasks.clean')}"


@dataclass(frozen=True)
class _ModelStage:
    """A stage that runs a model folder."""

    model_dir: Path
    module: ClassVar[str]

    def check(self) -> None:
        check_model_folder(self.model_dir)

    def identity(self, book: Book) -> str:
        return f"{inference_checksum(self.model_dir)}#{code_checksum(self.module)}"


@dataclass(frozen=True)
class Punctuate(_ModelStage):
    """Editorial punctuation and sentences (:mod:`tasks.punctuate`)."""

    model_dir: Path = PUNCTUATOR_DIR
    name: ClassVar[str] = "punctuate"
    module: ClassVar[str] = "tasks.punctuate"

    def load(self, device: str) -> Any:
        return load_punctuator(str(self.model_dir), device)

    def run(self, book: Book, model: Any) -> Book:
        return punctuate_book(book, model)


@dataclass(frozen=True)
class Translate(_ModelStage):
    """Each sentence's modern-Chinese translation (:mod:`tasks.translate`)."""

    model_dir: Path = TRANSLATOR_DIR
    name: ClassVar[str] = "translate"
    module: ClassVar[str] = "tasks.translate"

    def load(self, device: str) -> Any:
        return load_translator(str(self.model_dir), device)

    def run(self, book: Book, model: Any) -> Book:
        return translate_book(book, model)

    def identity(self, book: Book) -> str:
        # The output joins the split characters that table lists (朱氵此 -> 朱泚).
        return f"{super().identity(book)}#{split_table_checksum()}"


@dataclass(frozen=True)
class Annotate(_ModelStage):
    """Dates, persons, places, titles and offices (:mod:`tasks.annotate`)."""

    model_dir: Path = DEFAULT_TAGGER
    name: ClassVar[str] = "annotate"
    module: ClassVar[str] = "tasks.annotate"

    def load(self, device: str) -> Any:
        return load_entity_tagger(str(self.model_dir), device)

    def run(self, book: Book, model: Any) -> Book:
        return annotate_book(book, model)

    def identity(self, book: Book) -> str:
        # Dates resolve against the book's dynasty; the rules read the lexicons.
        tagger = f"{inference_checksum(self.model_dir)}#{lexicons_checksum()}#{code_checksum(self.module)}"
        return f"{book.metadata.dynasty or ''}#{tagger}"


def text_stages(
    punctuate: bool = True,
    translate: bool = True,
    annotate: bool = True,
    punctuator_model: str | None = None,
    translator_model: str | None = None,
    entity_model: str | None = None,
) -> list[TextStage]:
    """The text stages a run asks for, in order. Translation and annotation need punctuation's sentences;
    translation comes before annotation, whose name projection reads the translations."""
    stages: list[TextStage] = [Clean()]
    if punctuate:
        stages.append(Punctuate(Path(punctuator_model)) if punctuator_model else Punctuate())
        if translate:
            stages.append(Translate(Path(translator_model)) if translator_model else Translate())
        if annotate:
            stages.append(Annotate(Path(entity_model)) if entity_model else Annotate())
    return stages
