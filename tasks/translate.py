"""Translation stage: a modern-Chinese rendering of every sentence the punctuation stage found.

Each :class:`~wenyuan.document.Sentence` is translated on its own (with its editorial punctuation, which the
model was trained with), so source and translation stay aligned sentence by sentence for the TEI export.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from wenyuan.document import Book

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "translator"


@lru_cache(maxsize=2)
def load_translator(model_dir: str, device: str = "auto", beams: int | None = None):
    """Load (once per process) the translator folder ``model_dir``; ``beams`` None: the folder's decoding."""
    from models.translator import Translator

    return Translator.from_pretrained(model_dir, device=device, beams=beams)


def sentence_texts(book: Book) -> list[str]:
    """The punctuated reading text of each sentence of ``book``, in order.

    A main-text sentence's offsets span any commentary block printed inside it; only its own stream's
    characters belong to it.
    """
    chars = [ch for _page, _region, _line, ch in book.chars()]
    return ["".join(chars[k].text + (chars[k].punct_after or "") for k in own) for own in book.sentence_offsets()]


def translate_book(book: Book, translator) -> Book:
    """Fill ``Sentence.translation`` for every sentence of ``book`` (in place)."""
    if not book.sentences:
        return book
    for sentence, text in zip(book.sentences, translator.translate(sentence_texts(book)), strict=True):
        sentence.translation = text
    settings = {"beams": translator.beams}
    if translator.beams > 1:
        settings["length_penalty"] = getattr(translator, "length_penalty", 1.0)
    book.add_step("translate", translator.name, translator.version, getattr(translator, "checksum", ""), **settings)
    return book
