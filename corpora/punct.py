"""Punctuated classical text: streaming loader and the label extraction the punctuator learns from.

Labels are the sentence-level mark that follows each character. Quotation marks are not learned: the corpus
dropped many of them and left a bare space (see ``../shared/corpora/SOURCES.md``), so their positions are
unreliable. Book-title marks 《》 surround a span rather than follow a character; they are the annotation
stage's business (a title entity), not the punctuator's. Brackets, ellipses and other marks are removed
from the input and carry no label.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wenyuan.chars import is_alphabetic
from wenyuan.errors import CorpusError

#: Label set: "O" (no mark) and the seven marks that end or divide a clause.
PUNCT_LABELS: tuple[str, ...] = ("O", "，", "。", "、", "；", "：", "？", "！")
LABEL_TO_ID = {label: i for i, label in enumerate(PUNCT_LABELS)}

#: Half-width and look-alike forms folded into the label set.
_FOLD = {",": "，", ".": "。", "．": "。", ";": "；", ":": "：", "∶": "：", "?": "？", "!": "！", "､": "、"}
#: When several marks follow one character, the strongest wins (a sentence end beats a comma).
_STRENGTH = {"O": 0, "、": 1, "，": 2, "：": 3, "；": 4, "。": 5, "！": 6, "？": 7}
#: Marks and brackets that are removed from the text but carry no label.
_DROPPED = set("《》〈〉「」『』“”‘’\"'（）()〔〕［］[]【】…—─·‧・～~-_*")


def is_punctuation(ch: str) -> bool:
    """True for marks the punctuator predicts or strips from its input (not for page characters)."""
    return ch in _FOLD or ch in LABEL_TO_ID or ch in _DROPPED or ch.isspace()


def mark_may_follow(ch: str, nxt: str | None) -> bool:
    """Whether an inserted mark may stand between ``ch`` and the character after it (``nxt``; None at the end).

    Not before a combining mark, variation selector or joiner, which would lose its base character, and not
    inside a run of letters or digits (a Latin word, an Arabic numeral): the model reads those as unknown
    characters, and a mark there would split a word.
    """
    if nxt is None:
        return True
    if unicodedata.category(nxt) in {"Mn", "Mc", "Me", "Cf"}:
        return False
    return not (is_alphabetic(ch) and is_alphabetic(nxt))


@dataclass(frozen=True)
class LabelledText:
    """Unpunctuated characters and, for each, the mark that follows it ("O" for none)."""

    chars: str
    labels: tuple[str, ...]


def extract_labels(text: str) -> LabelledText:
    """Strip punctuation and spaces from ``text`` and record the mark after each remaining character.

    Marks before the first character are dropped (there is nothing to attach them to).
    """
    chars: list[str] = []
    labels: list[str] = []
    for ch in text:
        mark = _FOLD.get(ch, ch)
        if mark in LABEL_TO_ID and mark != "O":
            if labels and _STRENGTH[mark] > _STRENGTH[labels[-1]]:
                labels[-1] = mark
        elif ch in _DROPPED or ch.isspace():
            continue
        else:
            chars.append(ch)
            labels.append("O")
    return LabelledText("".join(chars), tuple(labels))


def insert_labels(chars: str, labels: list[str] | tuple[str, ...]) -> str:
    """Inverse of :func:`extract_labels`: write each label's mark after its character."""
    if len(chars) != len(labels):
        raise ValueError(f"{len(chars)} characters but {len(labels)} labels")
    return "".join(ch + ("" if lab == "O" else lab) for ch, lab in zip(chars, labels, strict=True))


def canonical_punctuation(text: str) -> str:
    """``text`` reduced to what the label set can express (the target of a lossless round trip)."""
    lt = extract_labels(text)
    return insert_labels(lt.chars, lt.labels)


def iter_paragraphs(path: str | Path) -> Iterator[tuple[str, str]]:
    """Yield ``(book, paragraph)`` from a ``punct_*.jsonl.gz`` file, streaming.

    Paragraphs are the ``\\n``-separated parts of each chapter; ``【原文】``-style headings and empty
    paragraphs are skipped, and ``**`` placeholders (characters the source could not encode) are removed.

    Raises:
        CorpusError: naming the file (and the line) when it cannot be read or a line is not a JSON object
            with ``book`` and ``text``.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    n = 0
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                n += 1  # kept outside the loop header: the error message below names it
                if not line.strip():
                    continue
                record = json.loads(line)
                for para in record["text"].split("\n"):
                    para = para.replace("**", "").strip()
                    if not para or (para.startswith("【") and para.endswith("】")):
                        continue
                    yield record["book"], para
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot be read as a JSON-lines corpus ({exc})") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorpusError(f"{path}: line {n} is not a record with 'book' and 'text' ({exc!r})") from exc


def first_paragraphs(path: str | Path, max_chars: int | None = None) -> list[str]:
    """The file's paragraphs in order, up to the one that reaches ``max_chars`` characters (None: all)."""
    out, n = [], 0
    for _book, para in iter_paragraphs(path):
        out.append(para)
        n += len(para)
        if max_chars and n >= max_chars:
            break
    return out


#: A paragraph this long with fewer marks per character than this was left unpunctuated by its source
#: (most of 册府元龟 and 三朝北盟会编 here: 1.6 % of the training characters), not punctuated sparsely; the
#: corpus's paragraphs average about one mark in five characters.
UNPUNCTUATED_MIN_CHARS = 30
UNPUNCTUATED_MAX_DENSITY = 0.04


def is_unpunctuated(lt: LabelledText) -> bool:
    """True for a long paragraph that its source left (almost) without marks."""
    n = len(lt.chars)
    return n >= UNPUNCTUATED_MIN_CHARS and sum(label != "O" for label in lt.labels) < UNPUNCTUATED_MAX_DENSITY * n


def iter_labelled(
    path: str | Path, min_chars: int = 2, skip_unpunctuated: bool = True, dropped: Counter | None = None
) -> Iterator[LabelledText]:
    """Yield a :class:`LabelledText` per paragraph of a punctuated corpus file.

    ``skip_unpunctuated``: leave out paragraphs their source did not punctuate (:func:`is_unpunctuated`);
    as training data they would teach the model to leave breaks out. ``dropped`` counts what was left out
    (paragraphs and characters, by reason).
    """
    dropped = dropped if dropped is not None else Counter()
    for _book, para in iter_paragraphs(path):
        lt = extract_labels(para)
        reason = "too short" if len(lt.chars) < min_chars else None
        if reason is None and skip_unpunctuated and is_unpunctuated(lt):
            reason = "unpunctuated"
        if reason is None:
            yield lt
        else:
            dropped[f"{reason} paragraphs"] += 1
            dropped[f"{reason} characters"] += len(lt.chars)
