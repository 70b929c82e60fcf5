"""Catalogues (English and French complete, others possibly partial), Accept-Language, and
the language switch."""

import re
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from deliberate.config import interface_languages, language_name

from .conftest import post

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "deliberate" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
#: Catalogues shipped complete: every string translated, checked below. Any other catalogue
#: may be partial (its missing strings are shown in English) while a volunteer works on it;
#: a coverage threshold would instead fail the day new strings land in the source.
COMPLETE_CATALOGUES = ("en", "fr")
NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def source_messages() -> set:
    found = set()
    for folder, method in (("deliberate", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, [(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", COMPLETE_CATALOGUES)
def test_catalogue_is_complete_and_compiled(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    with (folder / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id}
    missing = source_messages() - ids
    assert not missing, f"run scripts/update_translations.py; not in {language}: {missing}"
    untranslated = [
        m.id
        for m in catalogue
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert not untranslated, untranslated

    def strings(messages):
        def key(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {key(m.id): key(m.string) for m in messages if m.id}

    assert strings(catalogue) == strings(compiled), (
        "the .mo is stale: run scripts/update_translations.py"
    )


def test_french_follows_accept_language(client, make_debate):
    debate = make_debate()
    html = client.get(f"/d/{debate.slug}", headers={"Accept-Language": "fr-ML,fr;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="fr">' in html
    assert "Avant le débat" in html and "Se connecter" in html
    html = client.get("/", headers={"Accept-Language": "de, en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Debates" in html


def test_the_switcher_remembers_the_choice(client):
    html = client.get("/register").get_data(as_text=True)
    assert '<a href="/language/fr?next=/register" lang="fr" hreflang="fr"' in html
    response = client.get("/language/fr?next=/register")
    assert response.status_code == 302 and response.headers["Location"] == "/register"
    assert "lang=fr" in response.headers["Set-Cookie"]
    html = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Créer un compte" in html
    client.get("/language/xx")
    assert "Créer un compte" in client.get("/register").get_data(as_text=True)
    assert client.get("/language/fr?next=https://evil.example").headers["Location"] == "/"


def test_french_form_errors_and_plurals(client, make_debate, make_argument):
    debate = make_debate()
    parent = make_argument(debate)
    for n in range(2):
        make_argument(debate, stance="con", parent=parent, body=f"Une réponse numéro {n}.")
    html = client.get(
        f"/d/{debate.slug}/a/{parent.id}", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)
    assert "2 réponses" in html
    response = post(
        client,
        "/register",
        {"pseudonym": "ab", "email": "x@example.org", "password": "short password"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 400
    assert "Saisissez entre 3 et 40 caractères." in response.get_data(as_text=True)


# --- languages beyond English and French (docs/translating.md) --------------------------------


def shipped_catalogues() -> list[str]:
    return sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def compiled_strings(catalogue) -> dict:
    def key(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {(key(m.id), m.context): key(m.string) for m in catalogue if m.id}


def test_the_complete_catalogues_are_shipped():
    assert set(COMPLETE_CATALOGUES) <= set(shipped_catalogues())


@pytest.mark.parametrize("language", shipped_catalogues())
def test_every_catalogue_is_offered_compiled_and_safe(language):
    """Partial or not: compiled (what the .po says is what the pages show), offered by the
    switcher, and no translation names a placeholder its English text lacks (the page would
    fail with a KeyError)."""
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    with (folder / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    fresh = BytesIO()
    write_mo(fresh, catalogue)  # as scripts/update_translations.py compiles it
    fresh.seek(0)
    assert compiled_strings(compiled) == compiled_strings(read_mo(fresh)), (
        "the .mo is stale: run scripts/update_translations.py"
    )
    assert language in interface_languages(TRANSLATIONS)
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        known = {name for text in ids for name in NAMED_PLACEHOLDER.findall(text)}
        for text in strings:
            unknown = set(NAMED_PLACEHOLDER.findall(text or "")) - known
            assert not unknown, f"{language}: {message.id!r} translated with {unknown}"


def test_languages_are_named_in_themselves():
    assert language_name("en") == "English"
    assert language_name("fr") == "Français"
    assert language_name("bm") == "Bamanakan"
    assert language_name("taq") == "taq"  # no locale data in Babel


def write_catalogue(folder: Path, code: str, strings: dict, compiled=True) -> None:
    catalogue = Catalog(locale=code, project="Deliberate", fuzzy=False)
    for message_id, string in strings.items():
        catalogue.add(message_id, string)
    target = folder / code / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.po").open("wb") as f:
        write_po(f, catalogue)
    if compiled:
        with (target / "messages.mo").open("wb") as f:
            write_mo(f, catalogue)


@pytest.fixture
def extra_catalogues(tmp_path, monkeypatch, request):
    """The app, on a copy of the catalogues plus a partial Bambara one (test strings, not a
    translation), a Songhay one not compiled and a Tamasheq one Babel has no locale for."""
    folder = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, folder)
    write_catalogue(folder, "bm", {"Language:": "[bm] Language:", "Debates": "[bm] Debates"})
    write_catalogue(folder, "ses", {"Debates": "[ses] Debates"}, compiled=False)
    write_catalogue(folder, "taq", {"Debates": "[taq] Debates"})
    monkeypatch.setenv("DELIBERATE_TRANSLATIONS_DIR", str(folder))
    app = request.getfixturevalue("app")
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] == str(folder), "built before the setting"
    return folder


def test_a_compiled_catalogue_appears_in_the_switcher(extra_catalogues, app, client):
    assert app.config["LANGUAGES"] == {"en": "English", "bm": "Bamanakan", "fr": "Français"}
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/language/bm?next=/" lang="bm" hreflang="bm" rel="nofollow">Bamanakan</a>' in (
        html
    )
    assert "/language/ses" not in html and "/language/taq" not in html
    response = client.get("/language/bm?next=/")
    assert response.status_code == 302 and "lang=bm" in response.headers["Set-Cookie"]
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="bm">' in html
    assert "[bm] Language:" in html and "<h1>[bm] Debates</h1>" in html
    # Not translated yet: in English.
    assert "Deliberate is free software." in html and "Weigh the arguments for" in html
    assert 'lang="bm" hreflang="bm" rel="nofollow" aria-current="true">Bamanakan' in html


def test_a_catalogue_not_offered_cannot_be_chosen(extra_catalogues, client):
    for code in ("ses", "taq"):
        response = client.get(f"/language/{code}?next=/")
        assert response.status_code == 302 and "Set-Cookie" not in response.headers
        html = client.get("/", headers={"Accept-Language": code}).get_data(as_text=True)
        assert '<html lang="en">' in html and "<h1>Debates</h1>" in html


def test_the_coverage_command(extra_catalogues, runner):
    with (extra_catalogues / "messages.pot").open("rb") as f:
        total = len([m for m in read_po(f) if m.id])
    result = runner.invoke(args=["translations"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split() == ["code", "name", "translated", "percent", "fuzzy", "offered"]
    rows = {}
    for line in lines[2:7]:
        cells = line.split()  # code, name (maybe several words), then four columns
        rows[cells[0]] = [" ".join(cells[1:-4]), *cells[-4:]]
    assert list(rows) == ["en", "bm", "fr", "ses", "taq"]
    assert rows["bm"] == ["Bamanakan", f"2/{total}", f"{2000 // total / 10:.1f}%", "0", "yes"]
    assert rows["fr"][0] == "Français" and rows["fr"][-1] == "yes"
    assert rows["ses"] == ["Koyraboro senni", f"1/{total}", f"{1000 // total / 10:.1f}%", "0", "no"]
    assert rows["taq"][0] == "taq" and rows["taq"][-1] == "no"
    assert "Not offered" in result.output
