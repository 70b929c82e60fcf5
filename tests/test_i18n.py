"""English and French: complete catalogues, Accept-Language, and the language switch."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from .conftest import post

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "deliberate" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set:
    found = set()
    for folder, method in (("deliberate", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, [(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", ["en", "fr"])
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
