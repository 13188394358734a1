"""The punctuated classical side of the parallel corpus (``cm_*.tsv.gz``) as more punctuator training text.

The parallel corpus's sources are punctuated the way ``punct_*.jsonl.gz`` is, and about two thirds of their
characters are text that ``punct_train`` does not hold (measured by 12-character overlap). Its sentences come
one per row, in no reading order, so they are packed, chapter by chapter, into paragraphs of about a
``punct_train`` paragraph's length: the junction between two sentences is then a break to predict from the
text, as in running prose, and boundary tokens stand about as often as in the main corpus.

A source sentence is left out when it shares a 12-character run with the punctuator's dev file, so that dev
text never reaches training through the second corpus (the two corpora hold many of the same books), and
when it does not end with a mark: a heading or a cut-off row would teach a break as no break.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpora.parallel import CleaningConfig, iter_pairs
from corpora.punct import LabelledText, extract_labels, is_unpunctuated, iter_paragraphs

#: Length of the character runs compared with the dev text; shorter runs match set phrases (子曰…).
OVERLAP_CHARS = 12
#: Target paragraph length: ``punct_train`` averages about 280 characters a paragraph.
PARAGRAPH_CHARS = 280
#: The sources alone matter here, so the pair filters of the translator's cleaning are switched off.
_SOURCES_ONLY = CleaningConfig(max_chars=100_000, min_ratio=0.0, max_ratio=1e9)


def text_runs(texts: Iterable[str], n: int = OVERLAP_CHARS) -> set[str]:
    """Every ``n``-character run of the unpunctuated ``texts``."""
    runs: set[str] = set()
    for text in texts:
        chars = extract_labels(text).chars
        runs.update(chars[i : i + n] for i in range(len(chars) - n + 1))
    return runs


def dev_runs(dev_path: str | Path) -> set[str]:
    """The runs of a ``punct_*.jsonl.gz`` (dev) file, to keep its text out of training."""
    return text_runs(para for _book, para in iter_paragraphs(dev_path))


def _shares_run(chars: str, runs: set[str], n: int = OVERLAP_CHARS) -> bool:
    return any(chars[i : i + n] in runs for i in range(len(chars) - n + 1))


def iter_source_paragraphs(
    path: str | Path,
    exclude_runs: set[str] | None = None,
    dropped: Counter | None = None,
    paragraph_chars: int = PARAGRAPH_CHARS,
) -> Iterator[LabelledText]:
    """Yield the sources of a ``book chapter src tgt`` file as labelled paragraphs, chapter by chapter.

    Sentences are packed in file order until a paragraph reaches ``paragraph_chars``. ``exclude_runs``
    (:func:`dev_runs`): sentences sharing a run with them are left out. ``dropped`` counts what was left
    out, in sentences and characters, by reason. The chapters are gathered in memory (the corpus's rows
    are not grouped by chapter): some 18M characters for ``cm_train``.
    """
    dropped = dropped if dropped is not None else Counter()
    chapters: dict[tuple[str, str], list[LabelledText]] = defaultdict(list)
    for pair in iter_pairs(path, _SOURCES_ONLY):
        lt = extract_labels(pair.src)
        if not lt.chars:
            continue
        reason = None
        if lt.labels[-1] == "O":
            reason = "no closing mark"
        elif is_unpunctuated(lt):
            reason = "unpunctuated"
        elif exclude_runs and _shares_run(lt.chars, exclude_runs):
            reason = "shares text with dev"
        if reason is None:
            chapters[(pair.book, pair.chapter)].append(lt)
        else:
            dropped[f"{reason} sentences"] += 1
            dropped[f"{reason} characters"] += len(lt.chars)
    for sentences in chapters.values():
        chars: list[str] = []
        labels: list[str] = []
        for lt in sentences:
            chars.append(lt.chars)
            labels.extend(lt.labels)
            if len(labels) >= paragraph_chars:
                yield LabelledText("".join(chars), tuple(labels))
                chars, labels = [], []
        if labels:
            yield LabelledText("".join(chars), tuple(labels))
