"""Mine official titles from the parallel corpus: ``python -m entities.mining.offices``.

Biographies name offices in a few fixed constructions: a verb of appointment, transfer or demotion (拜, 除, 授,
迁, 转, 贬, 赠, 为 ...) followed by the title (迁兵部侍郎, 贬信州司马, 拜右骁卫上将军). Titles end in a small
set of words (侍郎, 刺史, 将军, 节度使, 少卿, 学士 ...), and translators copy them unchanged. Over the 964k pairs
of ``cm_train.tsv.gz`` (NiuTrans Classical-Modern, MIT) a candidate is the longest run after such a verb that
ends in one of those words, cut at the first function word (为, 所, 兼 ...). It is kept when

- a place written before the title (信州司马, 泾原节度使, 福建路转运使) is taken off: the place is an entity of
  its own (hand-set conventions in ``corpora/eval/README.md``), so the title is what is left;
- it occurs in at least ``min_count`` sentences (``min_short`` for two characters ending in a one-character
  title word, a shape common words share: 法令, 经史), and the translation repeats it in at least half of them;
- it is no person or place of the name lexicons (虞卿, 夜郎);
- it is not a collective or a duty (公卿, 将相, 修国史), nor a title held over a place (太守, 令, 节度使 ...) with
  something before it that is neither a modifier (左, 大, 检校) nor an office or bureau of its own (中书令):
  that is a place the lexicon lacks (丹阳太守).

A few titles begin with one of the verbs (征虏将军, 领军将军, 转运使): there the character is read as part of
the title, not as a verb.

Written (simplified script, with counts and copy rates) to ``corpora/lexicons/offices_mined.tsv``; the hand list
``offices.tsv`` stays as it is (the name miner uses it to reject office-shaped names).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from corpora.parallel import iter_pairs
from entities.lexicons import LEXICONS, read_lexicon
from entities.vocabulary import ADMIN_UNITS, APPOINTMENT_VERBS, name_form
from wenyuan.chars import HAN

ROOT = Path(__file__).resolve().parents[2]
OUT = LEXICONS / "offices_mined.tsv"

#: Titles that begin with one of the verbs (征虏将军, 领军将军, 转运使, 补阙): there the character is no verb.
_OPENINGS = ("征", "领军", "转运", "补阙")
#: The words titles end in, longest first in the pattern.
TITLE_END_WORDS = frozenset(
    "使 令 丞 卿 尉 史 郎 相 将军 大夫 尚书 学士 参军 司马 司户 司法 司功 司仓 司兵 司士 长史 留后 统制 总管 都督"
    " 太守 博士 舍人 侍中 少师 太师 太傅 太保 少傅 少保 宾客 主簿 录事 校尉 从事 判官 推官 书记 御史 中丞 仆射 常侍"
    " 给事中 祭酒 都尉 司徒 司空 元帅 提举 知府 知州 知县 巡抚 总兵 参政 平章事 待制 侍读 侍讲 修撰 编修 检讨 正字"
    " 郎将 千户 百户 万户 都统 统领 都监 监军 知事 参议 通判 郎中 员外郎 少监 供奉 洗马 拾遗 补阙 别驾 留守"
    " 总督".split()
)
_ENDS = re.compile("(?:" + "|".join(sorted(TITLE_END_WORDS, key=len, reverse=True)) + ")$")
#: Function words a title never holds after its first character: the run is cut before them.
_CUT = frozenset("为所之而以于其与及乃遂又亦皆并复不也者曰谓时欲因此彼我吾汝尔兼")
_CJK_RUN = re.compile(f"[{HAN}]{{2,12}}")
#: Titles held over a place (丹阳太守, 洛阳令): what stands before them is a place unless it is a modifier or
#: an office or bureau of its own (大都督 aside, 中书令, 太史令).
_PLACE_BOUND = ("太守", "刺史", "令", "尹", "节度使", "观察使", "防御使", "团练使", "留后", "知府", "知州", "知县")
_MODIFIERS = frozenset("左右前后中上下大少副都同行守试检校权知判正从内外东西南北")
#: Title-shaped words that name a group of officials or a duty, not an office.
NOT_OFFICES = frozenset(
    "公卿 九卿 将相 卿相 国史 修国史 监修国史 兼修国史 同修国史 翰林国史 左国史 守令 牧守 台郎".split()
)


def is_title_shaped(text: str) -> bool:
    """At least two characters, and ending in one of the words titles end in."""
    return len(text) >= 2 and bool(_ENDS.search(text))


def _is_verb_at(src: str, i: int) -> bool:
    return src[i] in APPOINTMENT_VERBS and not src.startswith(_OPENINGS, i)


def appointment_objects(src: str) -> set[str]:
    """The title-shaped objects of appointment verbs in one classical sentence (simplified), as written:
    the longest prefix of the run after the verb (and after any verbs that follow it: 征拜议郎, 加赠太师) that
    ends in a title word, and the titles listed after it (贬信州司马、虔州司户)."""
    found = set()
    for i in range(len(src) - 1):
        if not _is_verb_at(src, i):
            continue
        j = i + 1
        while j < len(src) and _is_verb_at(src, j):
            j += 1
        while m := _CJK_RUN.match(src, j):
            title = _title_at_start(m.group())
            if not title:
                break
            found.add(title)
            if len(title) < len(m.group()) or src[m.end() : m.end() + 1] != "、":
                break
            j = m.end() + 1
    return found


def _title_at_start(run: str) -> str | None:
    """The longest title-shaped prefix of ``run`` before its first function word."""
    cut = next((k for k, c in enumerate(run) if k > 0 and c in _CUT), len(run))
    return next((run[:end] for end in range(cut, 1, -1) if is_title_shaped(run[:end])), None)


def without_place(candidate: str, places: frozenset[str]) -> str | None:
    """``candidate`` with a place written before the title taken off (信州司马 -> 司马), or None when what
    would be left is not a title of its own (京兆尹 -> 尹)."""
    cut = 0
    for k in range(len(candidate) - 2, 0, -1):  # the longest known place, else the last unit character
        if candidate[k] == "军":  # 归德 + 军节度使: the army's name is part of the title
            continue
        if candidate[:k] in places or (candidate[k - 1] in ADMIN_UNITS and k > 1):
            cut = k
            break
    rest = candidate[cut:]
    return rest if is_title_shaped(rest) else None


def mine(
    pairs: Iterable[tuple[str, str]],
    places: frozenset[str],
    min_count: int = 3,
    min_short: int = 10,
    names: frozenset[str] = frozenset(),
) -> dict[str, tuple[int, float]]:
    """Title -> (source sentences naming it after an appointment verb, share of them whose translation
    repeats it), for the titles kept (see the module docstring). ``names``: persons and places, which are no
    titles (虞卿, 夜郎)."""
    count: Counter[str] = Counter()
    copied: Counter[str] = Counter()
    for src, tgt in pairs:
        titles = {without_place(c, places) for c in appointment_objects(src)}
        for title in titles - {None}:
            count[title] += 1
            copied[title] += title in tgt
    kept = {
        t
        for t, n in count.items()
        if n >= (min_short if _is_short(t) else min_count)
        and copied[t] >= n / 2
        and t not in NOT_OFFICES
        and t not in names
    }
    return {t: (count[t], round(copied[t] / count[t], 3)) for t in kept if not _unknown_place_before(t, kept)}


def _is_short(title: str) -> bool:
    """Two characters ending in a one-character title word (县尉, 中使): the shape most common words share
    (法令 "laws", 经史 "classics and histories", 五郎 "Fifth Son")."""
    return len(title) == 2 and title[1] in TITLE_END_WORDS


def _unknown_place_before(title: str, kept: set[str]) -> bool:
    """Whether ``title`` is a place-bound title with a place the lexicon lacks before it (丹阳太守)."""
    end = next((e for e in _PLACE_BOUND if title.endswith(e)), None)
    if end is None or len(title) == len(end):
        return False
    head = title[: -len(end)].lstrip("".join(_MODIFIERS))
    if not head or head.endswith("军"):  # 检校 + 中书令; 宁远军 + 节度使: the army's name is part of the title
        return False
    return not (head in kept or sum(t.startswith(head) and not t.endswith(_PLACE_BOUND) for t in kept) >= 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parallel", type=Path, default=ROOT.parent / "shared" / "corpora" / "cm_train.tsv.gz")
    ap.add_argument("--min-count", type=int, default=3)
    args = ap.parse_args()
    if not args.parallel.is_file():
        ap.error(f"{args.parallel}: corpus not found (pass --parallel, or put ../shared beside the checkout)")
    places = frozenset(read_lexicon("places.tsv", "place") | read_lexicon("polities.tsv", "polity"))
    names = places | read_lexicon("persons.tsv", "person")
    pairs = ((name_form(p.src), name_form(p.tgt)) for p in iter_pairs(args.parallel))
    rows = sorted(mine(pairs, places, args.min_count, names=names).items(), key=lambda kv: (-kv[1][0], kv[0]))
    # Names the miner's path before issue #40, like the shipped file's header: update it at the next re-mining.
    header = (
        f"# Official titles mined from {args.parallel.name} (NiuTrans Classical-Modern corpus, MIT) by\n"
        f"# corpora/mine_offices.py: the objects of appointment verbs in >= {args.min_count} sentences (10 for short\n"
        "# ones), copied by the translators in >= 50 % of them, places before the title taken off, no person or\n"
        "# place of the name lexicons; simplified.\n"
        "office\tcount\tcopy_rate\n"
    )
    OUT.write_text(header + "".join(f"{t}\t{n}\t{r}\n" for t, (n, r) in rows), encoding="utf-8")
    print(f"{len(rows)} offices -> {OUT}")


if __name__ == "__main__":
    main()
