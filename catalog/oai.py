"""An OAI-PMH 2.0 data provider over the export store written by the ``export-catalog`` flow.

Records are the books in ``export-state.json``: ``oai_dc`` and ``lido`` metadata from the files the export
wrote, datestamps from the last export, and books whose source left the store reported as deleted
(``deletedRecord`` is ``persistent``). A plain WSGI application, so any WSGI server can host it;
``wenyuan serve-oai`` runs it on the standard library's server.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
FORMATS = {
    "oai_dc": (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
        "{book}.oai_dc.xml",
    ),
    "lido": ("http://www.lido-schema.org/schema/v1.1/lido-v1.1.xsd", "http://www.lido-schema.org", "{book}.lido.xml"),
}
_ALLOWED = {
    "Identify": set(),
    "ListMetadataFormats": {"identifier"},
    "ListSets": {"resumptionToken"},
    "GetRecord": {"identifier", "metadataPrefix"},
    "ListIdentifiers": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
    "ListRecords": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
}


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: Errors after which the response's ``request`` element carries the base URL only (OAI-PMH 2.0, 3.2).
_BARE_REQUEST = {"badVerb", "badArgument"}


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _parse_date(value: str, end: bool) -> datetime:
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).replace(tzinfo=UTC)
            return day.replace(hour=23, minute=59, second=59) if end else day
        if not value.endswith("Z"):
            raise ValueError(value)
        return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)
    except ValueError as exc:
        raise OaiError("badArgument", f"not a UTC date or datetime: {value!r}") from exc


class OaiProvider:
    """Answers OAI-PMH requests from an export store.

    Args:
        store: the export store folder.
        base_url: the URL this provider is reached at (echoed in every response).
        admin_email: the contact Identify gives harvesters (required: the protocol demands a real one).
        page_size: records per ListRecords/ListIdentifiers response before a resumption token.
        repository_name: name given by Identify.

    Raises:
        ValueError: when ``admin_email`` is not an e-mail address.
    """

    def __init__(
        self,
        store: str | Path,
        base_url: str,
        admin_email: str,
        page_size: int = 50,
        repository_name: str = "wenyuan",
    ):
        if not _EMAIL.fullmatch(admin_email or ""):
            raise ValueError(f"the OAI-PMH adminEmail must be an e-mail address, not {admin_email!r}")
        self.store = Path(store)
        self.base_url = base_url
        self.page_size = page_size
        self.repository_name = repository_name
        self.admin_email = admin_email
        self.domain = "wenyuan"

    # --- records ---------------------------------------------------------------------------------------------
    def _state(self) -> dict:
        path = self.store / "export-state.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _identifier(self, book_id: str) -> str:
        return f"oai:{self.domain}:{book_id}"

    def _book_id(self, identifier: str) -> str:
        prefix = f"oai:{self.domain}:"
        if not identifier.startswith(prefix):
            raise OaiError("idDoesNotExist", f"unknown identifier {identifier!r}")
        return identifier.removeprefix(prefix)

    def _records(self, prefix: str, start: datetime | None, until: datetime | None) -> list[tuple[str, dict]]:
        out = []
        for book_id, entry in sorted(self._state().items(), key=lambda kv: (kv[1]["datestamp"], kv[0])):
            stamp = datetime.fromisoformat(entry["datestamp"])
            if (start and stamp < start) or (until and stamp > until):
                continue
            if (
                not entry.get("deleted")
                and not (self.store / book_id / FORMATS[prefix][2].format(book=book_id)).exists()
            ):
                continue  # this format was not exported for the book
            out.append((book_id, entry))
        return out

    # --- response building -----------------------------------------------------------------------------------
    def _envelope(self, verb: str | None, args: dict[str, str]):
        root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI})
        root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
        etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        request = etree.SubElement(root, f"{{{OAI_NS}}}request")
        request.text = self.base_url
        if verb in _ALLOWED:
            request.set("verb", verb)
            for k, v in args.items():
                request.set(k, v)
        return root

    def _sub(self, parent, tag: str, text: str | None = None, **attrs: str):
        el = etree.SubElement(parent, f"{{{OAI_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    def _header(self, parent, book_id: str, entry: dict):
        header = self._sub(parent, "header", **({"status": "deleted"} if entry.get("deleted") else {}))
        self._sub(header, "identifier", self._identifier(book_id))
        stamp = datetime.fromisoformat(entry["datestamp"]).astimezone(UTC)
        self._sub(header, "datestamp", stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return header

    def _record(self, parent, book_id: str, entry: dict, prefix: str) -> None:
        record = self._sub(parent, "record")
        self._header(record, book_id, entry)
        if not entry.get("deleted"):
            metadata = self._sub(record, "metadata")
            doc = etree.parse(str(self.store / book_id / FORMATS[prefix][2].format(book=book_id))).getroot()
            if prefix == "lido":  # the record itself, not the wrapper
                doc = doc.find("{http://www.lido-schema.org}lido")
            metadata.append(doc)

    # --- verbs -----------------------------------------------------------------------------------------------
    def handle(self, args: dict[str, str], repeated: Iterable[str] = ()) -> bytes:
        """The OAI-PMH response (XML bytes) to one request's arguments; ``repeated``: the arguments the request
        gave more than once (a repeated verb is ``badVerb``, any other repeated argument ``badArgument``)."""
        repeated = set(repeated)
        verb = args.pop("verb", None)
        root = self._envelope(verb, args)
        try:
            if verb not in _ALLOWED or "verb" in repeated:
                raise OaiError("badVerb", f"illegal, missing or repeated verb {verb!r}")
            extra = set(args) - _ALLOWED[verb]
            if extra:
                raise OaiError("badArgument", f"illegal arguments {sorted(extra)}")
            if repeated:
                raise OaiError("badArgument", f"repeated arguments {sorted(repeated)}")
            getattr(self, f"_{verb}")(root, args)
        except OaiError as exc:
            for child in list(root)[2:]:
                root.remove(child)
            if exc.code in _BARE_REQUEST:
                root[1].attrib.clear()
            self._sub(root, "error", str(exc), code=exc.code)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _Identify(self, root, args) -> None:
        node = self._sub(root, "Identify")
        stamps = [e["datestamp"] for e in self._state().values()]
        earliest = min(stamps) if stamps else datetime.now(UTC).isoformat()
        for tag, text in (
            ("repositoryName", self.repository_name),
            ("baseURL", self.base_url),
            ("protocolVersion", "2.0"),
            ("adminEmail", self.admin_email),
            ("earliestDatestamp", datetime.fromisoformat(earliest).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
            ("deletedRecord", "persistent"),
            ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
        ):
            self._sub(node, tag, text)

    def _ListMetadataFormats(self, root, args) -> None:
        if "identifier" in args and self._book_id(args["identifier"]) not in self._state():
            raise OaiError("idDoesNotExist", f"unknown identifier {args['identifier']!r}")
        node = self._sub(root, "ListMetadataFormats")
        for prefix, (schema, ns, _file) in FORMATS.items():
            fmt = self._sub(node, "metadataFormat")
            self._sub(fmt, "metadataPrefix", prefix)
            self._sub(fmt, "schema", schema)
            self._sub(fmt, "metadataNamespace", ns)

    def _ListSets(self, root, args) -> None:
        raise OaiError("noSetHierarchy", "this repository does not support sets")

    def _GetRecord(self, root, args) -> None:
        if {"identifier", "metadataPrefix"} - set(args):
            raise OaiError("badArgument", "GetRecord needs identifier and metadataPrefix")
        prefix = args["metadataPrefix"]
        if prefix not in FORMATS:
            raise OaiError("cannotDisseminateFormat", f"unsupported metadataPrefix {prefix!r}")
        book_id = self._book_id(args["identifier"])
        entry = self._state().get(book_id)
        if entry is None:
            raise OaiError("idDoesNotExist", f"unknown identifier {args['identifier']!r}")
        self._record(self._sub(root, "GetRecord"), book_id, entry, prefix)

    def _list(self, root, args, verb: str) -> None:
        if "resumptionToken" in args:
            if len(args) > 1:
                raise OaiError("badArgument", "resumptionToken is exclusive")
            try:
                token = json.loads(base64.urlsafe_b64decode(args["resumptionToken"].encode()))
                prefix, start, until, offset = token["p"], token["f"], token["u"], int(token["o"])
            except (ValueError, KeyError, TypeError) as exc:
                raise OaiError("badResumptionToken", "unreadable resumption token") from exc
        else:
            if "metadataPrefix" not in args:
                raise OaiError("badArgument", f"{verb} needs metadataPrefix")
            if "set" in args:
                raise OaiError("noSetHierarchy", "this repository does not support sets")
            prefix, start, until, offset = args["metadataPrefix"], args.get("from"), args.get("until"), 0
        if prefix not in FORMATS:
            raise OaiError("cannotDisseminateFormat", f"unsupported metadataPrefix {prefix!r}")
        if start and until and len(start) != len(until):
            raise OaiError("badArgument", "from and until have different granularities")
        records = self._records(
            prefix, _parse_date(start, False) if start else None, _parse_date(until, True) if until else None
        )
        if not records:
            raise OaiError("noRecordsMatch", "no records match the request")
        node = self._sub(root, verb)
        for book_id, entry in records[offset : offset + self.page_size]:
            if verb == "ListRecords":
                self._record(node, book_id, entry, prefix)
            else:
                self._header(node, book_id, entry)
        nxt = offset + self.page_size
        if nxt < len(records):
            token = base64.urlsafe_b64encode(json.dumps({"p": prefix, "f": start, "u": until, "o": nxt}).encode())
            self._sub(node, "resumptionToken", token.decode(), completeListSize=str(len(records)), cursor=str(offset))
        elif offset:
            self._sub(node, "resumptionToken", None, completeListSize=str(len(records)), cursor=str(offset))

    def _ListIdentifiers(self, root, args) -> None:
        self._list(root, args, "ListIdentifiers")

    def _ListRecords(self, root, args) -> None:
        self._list(root, args, "ListRecords")

    # --- WSGI ------------------------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(length).decode("utf-8", "replace")
        parsed = parse_qs(query, keep_blank_values=True)
        args = {k: v[0] for k, v in parsed.items()}
        body = self.handle(args, repeated=[k for k, v in parsed.items() if len(v) > 1])
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]
