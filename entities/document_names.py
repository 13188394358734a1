"""Names a document carries from one passage to the next: histories name a person in full once (李怀光) and by
the given name alone after (怀光). The full names found anywhere in a document become extra lexicon entries
(``extra`` of :func:`entities.finder.find_entities`) for all its passages."""

from __future__ import annotations

from entities.finder import find_entities
from entities.lexicons import common_characters
from entities.vocabulary import APPOINTMENT_VERBS, TITLE_OR_KIN, TITLES_AFTER_SURNAME, given_name, name_form
from wenyuan.script import simplified_chars


def given_names(persons: list[str]) -> dict[str, tuple[str, str]]:
    """Given names of full names found in a text (怀光 of 李怀光, 桷 of 陈桷), as extra lexicon entries for the
    rest of that text: histories name a person in full once and by given name after. A one-character given
    name is kept only when it is no common word (``common_chars.tsv``), title, kin word or verb of appointment
    (充 of 李充 is "serve as" in 充五军都统制), and :func:`~entities.finder.find_entities` reads it only where a
    clause begins or after a verb that takes a person."""
    # 王夫人 is "Lady Wang": 夫人 after it is any lady, not her name.
    given = {given_name(name) for name in persons} - {None, *TITLES_AFTER_SURNAME}
    common = common_characters() | set(APPOINTMENT_VERBS)
    return {
        g: ("person", "name-propagation")
        for g in given
        if len(g) == 2 or (len(g) == 1 and g not in common and g not in TITLE_OR_KIN)
    }


def document_given_names(texts: list[str]) -> dict[str, tuple[str, str]]:
    """Extra lexicon entries for the persons found anywhere in ``texts`` (one document): their given names
    (建徽 of 李建徽), and the full names that patterns found, so that a name a pattern marks once (杨惠元曰) is
    whole wherever else it stands rather than cut to its given name (惠元)."""
    found = {
        (name_form(simplified_chars(s.text)), s.method, text[s.start - 1 : s.start] == "字")
        for text in texts
        for s in find_entities(text)
        if s.kind == "person"
    }
    full_names = {name for name, _, _ in found}
    # A speaker named without a surname (子罕曰：) is as much a name elsewhere in the text (献诸子罕).
    bare = {name for name, method, _ in found if method == "speaker-pattern"}
    # A courtesy name (季壬 of 陈桷，字季壬) has no surname to take off, whatever its first character.
    extra = given_names(sorted({name for name, _, courtesy in found if not courtesy}))
    extra.update({name: ("person", "document-name") for name in full_names if given_name(name) or name in bare})
    return extra
