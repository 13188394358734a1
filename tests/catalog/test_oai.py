"""OAI-PMH data provider: harvested over HTTP by a real client (Sickle), paging, dates, deletions, errors."""

from __future__ import annotations

import json
import shutil
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from lxml import etree

from catalog.oai import OAI_NS, OaiProvider
from tests.conftest import ROOT

N_BOOKS = 5
ADMIN = "digital@library.example.net"
SCHEMA = ROOT / "tests" / "data" / "schemas" / "oai-pmh" / "OAI-PMH.xsd"


@pytest.fixture(scope="module")
def oai_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _valid(schema, body: bytes):
    """The response, parsed, after checking it against the OAI-PMH 2.0 schema."""
    root = etree.fromstring(body)
    assert schema.validate(root), (schema.error_log.last_error, body[:600])
    return root


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def store(digitized_sample, prefect_server, tmp_path_factory):
    """An export store with N copies of the sample book under different ids, one of them deleted."""
    from flows.export_catalog import export_catalog

    root = tmp_path_factory.mktemp("oai")
    inputs = []
    for k in range(N_BOOKS):
        folder = root / "src" / f"book{k}"
        shutil.copytree(digitized_sample["out"] / "lunyu-sample", folder)
        # The TEI carries the book id; give each copy its own.
        tei = folder / "lunyu-sample.tei.xml"
        tei.write_text(tei.read_text(encoding="utf-8").replace(">lunyu-sample<", f">book{k}<"), encoding="utf-8")
        (folder / "lunyu-sample.json").unlink()
        inputs.append(str(folder))
    export_catalog(inputs=inputs, out=str(root / "store"), formats=["lido", "dc-csv"])
    shutil.rmtree(root / "src" / "book4")
    export_catalog(inputs=inputs[:4], out=str(root / "store"), formats=["lido", "dc-csv"])
    return root / "store"


@pytest.fixture(scope="module")
def endpoint(store):
    server = make_server(
        "127.0.0.1", 0, OaiProvider(store, "http://127.0.0.1/oai", ADMIN, page_size=2), handler_class=_Quiet
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/oai"
    server.shutdown()
    server.server_close()


def test_harvest_all_records_across_resumption_tokens(endpoint):
    from sickle import Sickle

    sickle = Sickle(endpoint)
    records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    assert len(records) == N_BOOKS  # page size 2: three responses
    deleted = [r for r in records if r.deleted]
    assert [r.header.identifier for r in deleted] == ["oai:wenyuan:book4"]
    live = [r for r in records if not r.deleted]
    assert all(r.metadata["title"][0] == "論語（樣本）" for r in live)
    ids = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="lido")]
    assert sorted(ids) == [f"oai:wenyuan:book{k}" for k in range(N_BOOKS)]


def test_identify_formats_and_getrecord(endpoint):
    from sickle import Sickle

    sickle = Sickle(endpoint)
    assert sickle.Identify().deletedRecord == "persistent"
    assert {f.metadataPrefix for f in sickle.ListMetadataFormats()} == {"oai_dc", "lido"}
    record = sickle.GetRecord(identifier="oai:wenyuan:book1", metadataPrefix="lido")
    assert record.xml.find(f".//{{{OAI_NS}}}metadata/{{http://www.lido-schema.org}}lido") is not None


def _error(store, schema, repeated=(), **args) -> str:
    root = _valid(schema, OaiProvider(store, "http://x/oai", ADMIN).handle(dict(args), repeated))
    error = root.find(f"{{{OAI_NS}}}error").get("code")
    if error in ("badVerb", "badArgument"):  # the protocol: the base URL only, no attributes echoed
        assert dict(root.find(f"{{{OAI_NS}}}request").attrib) == {}
    return error


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"verb": "Nonsense"}, "badVerb"),
        ({}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        ({"verb": "GetRecord", "identifier": "oai:wenyuan:nope", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "resumptionToken": "garbage!!"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListSets"}, "noSetHierarchy"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "x"}, "noSetHierarchy"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01", "until": "2020-01-01T00:00:00Z"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "GetRecord", "identifier": "oai:wenyuan:book1"}, "badArgument"),
        (
            {"verb": "GetRecord", "identifier": "oai:wenyuan:book1", "metadataPrefix": "marc21"},
            "cannotDisseminateFormat",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "oai:wenyuan:nope"}, "idDoesNotExist"),
    ],
)
def test_protocol_errors(store, oai_schema, args, code):
    assert _error(store, oai_schema, **args) == code


def test_a_repeated_verb_is_bad_verb_and_a_repeated_argument_bad_argument(store, oai_schema):
    assert _error(store, oai_schema, repeated=["verb"], verb="Identify") == "badVerb"
    args = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert _error(store, oai_schema, repeated=["metadataPrefix"], **args) == "badArgument"


def test_every_kind_of_response_is_valid_oai_pmh(store, oai_schema):
    provider = OaiProvider(store, "http://x/oai", ADMIN, page_size=2, repository_name="Example Library")
    identify = _valid(oai_schema, provider.handle({"verb": "Identify"}))
    assert identify.findtext(f".//{{{OAI_NS}}}adminEmail") == ADMIN
    assert identify.findtext(f".//{{{OAI_NS}}}repositoryName") == "Example Library"
    _valid(oai_schema, provider.handle({"verb": "ListMetadataFormats"}))
    _valid(oai_schema, provider.handle({"verb": "ListMetadataFormats", "identifier": "oai:wenyuan:book0"}))
    for prefix in ("oai_dc", "lido"):
        _valid(
            oai_schema,
            provider.handle({"verb": "GetRecord", "identifier": "oai:wenyuan:book4", "metadataPrefix": prefix}),
        )
        for verb in ("ListRecords", "ListIdentifiers"):
            args = {"verb": verb, "metadataPrefix": prefix}
            pages = 0
            while True:  # every page, through the resumption tokens, to the empty token at the end
                root = _valid(oai_schema, provider.handle(dict(args)))
                pages += 1
                token = root.find(f".//{{{OAI_NS}}}resumptionToken")
                if token is None or not token.text:
                    break
                args = {"verb": verb, "resumptionToken": token.text}
            assert pages == 3


def test_the_provider_refuses_to_start_without_a_real_admin_email(store):
    from click.testing import CliRunner

    from app.cli import main

    for bad in ("", "nobody", "a@b"):
        with pytest.raises(ValueError, match="e-mail"):
            OaiProvider(store, "http://x/oai", bad)
    missing = CliRunner().invoke(main, ["serve-oai", str(store)])
    assert missing.exit_code == 2 and "--admin-email" in missing.output
    wrong = CliRunner().invoke(main, ["serve-oai", str(store), "--admin-email", "nobody"])
    assert wrong.exit_code == 2 and "e-mail" in wrong.output


def test_from_until_select_by_datestamp(store):
    state = json.loads((store / "export-state.json").read_text())
    day = min(e["datestamp"] for e in state.values())[:10]
    root = etree.fromstring(
        OaiProvider(store, "http://x/oai", ADMIN, page_size=50).handle(
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": day, "until": day}
        )
    )
    assert len(root.findall(f".//{{{OAI_NS}}}header")) == N_BOOKS
