"""LIDO 1.1 record of a book, for museum and library collection systems (valid against lido-v1.1.xsd)."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from catalog.common import CatalogConfig, dynasty_span, incipit, iso_year, simplified, subjects
from tasks.tei import xml_safe
from wenyuan.document import Book
from wenyuan.errors import ValidationError

LIDO_NS = "http://www.lido-schema.org"
L = f"{{{LIDO_NS}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _el(parent, tag: str, text: str | None = None, lang: str | None = None, **attrs: str):
    el = etree.SubElement(parent, L + tag, {L + k: xml_safe(v) for k, v in attrs.items() if v})
    if lang:
        el.set(XML_LANG, lang)
    if text is not None:
        el.text = xml_safe(text, tag)
    return el


def _term(parent, tag: str, *terms: tuple[str, str]):
    wrap = _el(parent, tag)
    for text, lang in terms:
        _el(wrap, "term", text, lang)
    return wrap


def _legal_body(parent, tag: str, name: str):
    _el(_el(_el(parent, tag), "legalBodyName"), "appellationValue", name)


def _subject(parent, kind: str, text: str) -> None:
    subject = _el(parent, "subject")
    if kind == "person":
        _el(_el(_el(_el(subject, "subjectActor"), "actor"), "nameActorSet"), "appellationValue", text)
    elif kind == "place":
        _el(_el(_el(_el(subject, "subjectPlace"), "place"), "namePlaceSet"), "appellationValue", text)
    elif kind == "date":
        _el(_el(subject, "subjectDate"), "displayDate", text)
    elif kind == "title":
        _el(_el(subject, "subjectObject"), "displayObject", text)
    else:
        _term(subject, "subjectConcept", (text, "zh"))


#: LIDO Terminology event types (http://terminology.lido-schema.org), and the type of a concept given by URI.
CREATION = "http://terminology.lido-schema.org/lido00012"
PRODUCTION = "http://terminology.lido-schema.org/lido00007"
URI_TYPE = "http://terminology.lido-schema.org/lido00099"
#: How a catalogue statement of responsibility names the role: 白延譯, 朱熹集注, 司馬遷撰.
_ROLES = [
    (("譯", "译", "翻譯"), (("translator", "en"), ("譯者", "zh"))),
    (("集注", "集註", "集解", "注", "註", "解", "疏", "箋"), (("commentator", "en"), ("注釋者", "zh"))),
    (("編", "编", "輯", "辑", "纂"), (("compiler", "en"), ("編者", "zh"))),
    (("校",), (("editor", "en"), ("校者", "zh"))),
    (("撰", "著", "作"), (("author", "en"), ("作者", "zh"))),
]
_AUTHOR = (("author", "en"), ("作者", "zh"))


def authors(statement: str | None) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The people of a statement of responsibility with their roles: ``白延譯`` -> 白延, translator; several
    are separated by spaces or 、；. A bare name is the author."""
    out = []
    for part in re.split(r"[\s、；;,，]+", (statement or "").strip()):
        if not part:
            continue
        role = _AUTHOR
        for endings, named in _ROLES:
            ending = next((e for e in endings if part.endswith(e) and len(part) > len(e)), None)
            if ending:
                part, role = part[: -len(ending)], named
                break
        out.append((part, role))
    return out


def _event(events, concept: str, *terms: tuple[str, str]):
    event = _el(_el(events, "eventSet"), "event")
    kind = _el(event, "eventType")
    _el(kind, "conceptID", concept, type=URI_TYPE)
    for text, lang in terms:
        _el(kind, "term", text, lang)
    return event


def _event_date(event, when: str | None) -> None:
    if not when:
        return
    event_date = _el(event, "eventDate")
    _el(event_date, "displayDate", when)
    span = dynasty_span(when)
    if span:
        date = _el(event_date, "date")
        _el(date, "earliestDate", iso_year(span[0]))
        _el(date, "latestDate", iso_year(span[1]))


def book_to_lido(book: Book, cfg: CatalogConfig | None = None) -> etree._ElementTree:
    """The LIDO 1.1 record of ``book`` (wrapped in ``lidoWrap``)."""
    cfg = cfg or CatalogConfig()
    md = book.metadata
    title = md.title or book.id
    wrap = etree.Element(L + "lidoWrap", nsmap={"lido": LIDO_NS, "xsi": XSI})
    wrap.set(f"{{{XSI}}}schemaLocation", f"{LIDO_NS} http://www.lido-schema.org/schema/v1.1/lido-v1.1.xsd")
    lido = _el(wrap, "lido")
    _el(lido, "lidoRecID", book.id, type="local", source="wenyuan")
    category = _el(lido, "category")
    _el(category, "conceptID", "http://www.cidoc-crm.org/cidoc-crm/E22_Human-Made_Object", type="URI")
    _el(category, "term", "Human-Made Object", "en")

    desc = _el(lido, "descriptiveMetadata", lang="zh")
    classification = _el(desc, "objectClassificationWrap")
    _term(_el(classification, "objectWorkTypeWrap"), "objectWorkType", ("book", "en"), ("古籍", "zh"))
    ident = _el(desc, "objectIdentificationWrap")
    title_set = _el(_el(ident, "titleWrap"), "titleSet")
    _el(title_set, "appellationValue", title, "zh-Hant", pref="preferred")
    if simplified(title) != title:
        _el(title_set, "appellationValue", simplified(title), "zh-Hans", pref="alternate")
    if md.institution or md.shelfmark:
        repo = _el(_el(ident, "repositoryWrap"), "repositorySet", type="current")
        if md.institution:
            _legal_body(repo, "repositoryName", md.institution)
        if md.shelfmark:
            _el(repo, "workID", md.shelfmark, type="shelfmark")
    text = incipit(book, cfg.incipit_chars)
    if text or md.edition:
        note_set = _el(_el(ident, "objectDescriptionWrap"), "objectDescriptionSet", type="incipit")
        _el(note_set, "descriptiveNoteValue", "\n".join(x for x in (md.edition, text) if x), "zh-Hant")

    # The work's creation (its author, translator or compiler, in its period) and this copy's production (the
    # edition, where and when it was printed) are different events (LIDO Terminology: Creation, Production).
    events = _el(desc, "eventWrap")
    creation = _event(events, CREATION, ("Creation", "en"), ("創作", "zh"))
    for name, role in authors(md.author):
        in_role = _el(_el(creation, "eventActor"), "actorInRole")
        _el(_el(_el(in_role, "actor"), "nameActorSet"), "appellationValue", name)
        _term(in_role, "roleActor", *role)
    _event_date(creation, md.dynasty)
    if md.dynasty:
        _term(creation, "periodName", (md.dynasty, "zh"))
    if md.printed or md.printed_at or md.edition:
        production = _event(events, PRODUCTION, ("Production", "en"), ("刊印", "zh"))
        _event_date(production, md.printed)
        if md.printed_at:
            place = _el(_el(production, "eventPlace"), "place")
            _el(_el(place, "namePlaceSet"), "appellationValue", md.printed_at)
        if md.edition:
            note = _el(_el(production, "eventDescriptionSet"), "descriptiveNoteValue", md.edition, "zh-Hant")
            note.getparent().set(L + "type", "edition")
    found = subjects(book, cfg.subject_min_confidence)
    if found:
        subject_wrap = _el(_el(desc, "objectRelationWrap"), "subjectWrap")
        for kind, name in found:  # LIDO allows one subject per subjectSet
            _subject(_el(subject_wrap, "subjectSet"), kind, name)

    admin = _el(lido, "administrativeMetadata", lang="en")
    rights = _el(_el(admin, "rightsWorkWrap"), "rightsWorkSet")
    _term(rights, "rightsType", (md.rights or "Rights not stated", "en"))
    if md.institution:
        _legal_body(rights, "rightsHolder", md.institution)
    record = _el(admin, "recordWrap")
    _el(record, "recordID", book.id, type="local")
    _term(record, "recordType", ("item", "en"))
    _legal_body(record, "recordSource", md.institution or "wenyuan")
    _el(_el(record, "recordInfoSet"), "recordInfoLink", cfg.manifest_url(book), formatResource="application/ld+json")
    resources = _el(admin, "resourceWrap")
    for page in book.pages:
        res = _el(resources, "resourceSet")
        _el(res, "resourceID", page.id, type="local")
        rep = _el(res, "resourceRepresentation", type="image_master")
        _el(rep, "linkResource", cfg.image_url(book, page), formatResource="image/jpeg")
        _term(res, "resourceType", ("image", "en"))
    return etree.ElementTree(wrap)


def validate_lido(tree: etree._ElementTree, xsd: str | Path) -> list[str]:
    """Errors of ``tree`` against the LIDO XSD at ``xsd`` (empty when valid)."""
    try:
        schema = etree.XMLSchema(etree.parse(str(xsd)))
    except (OSError, etree.XMLSchemaParseError) as exc:
        raise ValidationError(f"{xsd}: cannot load the LIDO schema ({exc})") from exc
    return [] if schema.validate(tree) else [f"line {e.line}: {e.message}" for e in schema.error_log]
