"""One debate in three languages, lived through the pages, each person in their own browser:
a French-speaking participant posts in French, a Bambara-speaking one in Bambara; a translator
publishes a French translation of the Bambara argument; a participant starts a translation
from a machine draft (a local server speaking LibreTranslate's protocol) and proposes it; a
mediator corrects it; a French reader sees both translations with who made and checked them,
opens the original (marked lang="bm"); the Bambara author edits the original and the reader
is shown it again, the translation marked out of date. A one-language debate asks nothing."""

import re

from playwright.sync_api import expect

from deliberate.accounts import services as accounts
from deliberate.debates import services as debates
from deliberate.extensions import db
from deliberate.models import Phase, Position, Stance
from deliberate.moderation import services as moderation
from deliberate.moderation.models import Role
from deliberate.rules import Standing

from .conftest import PASSWORD, standing
from .test_e2e import browser, chromium_path, live_server  # noqa: F401

MOTION = "Should the UN support talks between the Malian government and JNIM?"
ONE_LANGUAGE = "Should the district open a night school for adults?"
ENGLISH = "Talks can save lives."
FRENCH = "Les communautés du centre doivent être entendues avant toute négociation."
BAMBARA = "Kuma ka kan ka kɛ jamana kɔnɔ, bɛɛ ka kan ka lamɛn."
BAMBARA_IN_FRENCH = "Il faut parler dans le pays : chacun doit être écouté."
CORRECTED = "Des pourparlers peuvent sauver des vies, et beaucoup."


def person(browser, base, email, language="fr-FR"):  # noqa: F811
    context = browser.new_context(
        base_url=base, locale=language, viewport={"width": 360, "height": 780}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    if email:
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).not_to_have_url(re.compile("/login"))
    return page


def post_argument(page, slug, body, language=None):
    page.goto(f"/d/{slug}#add-argument")
    form = page.locator("#add-argument form")
    form.get_by_role("radio", name="Pour la motion").check()
    form.get_by_label("Argument").fill(body)
    if language:
        form.get_by_label("Langue de votre texte").select_option(language)
    form.get_by_role("button", name="Publier l'argument").click()
    expect(page.locator(".flash").first).to_be_visible()


def test_a_debate_in_three_languages(app, browser, live_server, libretranslate):  # noqa: F811
    app.config["TRANSLATE_URL"] = libretranslate.url
    people = {
        key: accounts.register_user(name, f"{key}@example.org", PASSWORD)
        for key, name in [
            ("organiser", "Organiser Amina"),
            ("mediator", "Mediator Sira"),
            ("translator", "Translator Fanta"),
            ("awa", "Awa"),
            ("bakary", "Bakary"),
            ("john", "John"),
        ]
    }
    db.session.commit()
    debate = debates.start_debate(people["organiser"], MOTION, "", language="en")
    boss = standing(people["organiser"], debate)
    moderation.set_languages(boss, debate, ["fr", "bm"])
    moderation.appoint_accepted(boss, debate, "Mediator Sira", Role.MEDIATOR)
    moderation.appoint_accepted(boss, debate, "Translator Fanta", Role.TRANSLATOR)
    moderation.change_phase(boss, debate, Phase.OPEN)
    other = debates.start_debate(people["organiser"], ONE_LANGUAGE, "", language="en")
    moderation.change_phase(standing(people["organiser"], other), other, Phase.OPEN)
    for key in ("awa", "bakary", "john"):
        for each in (debate, other):
            debates.join_debate(Standing(people[key]), each, Position.UNDECIDED)
    english = debates.post_argument(standing(people["john"], debate), debate, Stance.PRO, ENGLISH)
    db.session.commit()
    slug = debate.slug

    # Awa writes in French (her language, chosen for her); Bakary in Bambara.
    awa = person(browser, live_server, "awa@example.org")
    awa.goto(f"/d/{slug}")
    expect(awa.get_by_label("Langue de votre texte")).to_have_value("fr")
    post_argument(awa, slug, FRENCH)
    bakary = person(browser, live_server, "bakary@example.org")
    post_argument(bakary, slug, BAMBARA, "bm")
    # Posting leads to the argument's own page, its text marked as Bambara.
    expect(bakary.locator("article.arg--focus .arg-body[lang=bm]")).to_have_text(BAMBARA)
    bambara_url = bakary.url.split("#")[0].replace(live_server, "")

    # The translator publishes a French translation of Bakary's argument.
    fanta = person(browser, live_server, "translator@example.org")
    fanta.goto(bambara_url)
    fanta.get_by_role("link", name="Traduire").click()
    expect(fanta.get_by_label("Vers")).to_have_value("fr")
    fanta.get_by_label("Traduction", exact=True).fill(BAMBARA_IN_FRENCH)
    fanta.get_by_role("button", name="Publier la traduction").click()
    expect(fanta.locator(".flash").first).to_contain_text("Votre traduction est publiée")

    # Awa starts a translation of John's English argument from a machine draft.
    awa.goto(f"/d/{slug}/a/{english.id}/translate?to=fr")
    awa.get_by_role("button", name="Partir d’un brouillon automatique").click()
    draft = awa.get_by_label("Traduction", exact=True)
    expect(draft).to_have_value("Des pourparlers peuvent sauver des vies.")
    expect(awa.get_by_text("Ce brouillon a été fait par une machine")).to_be_visible()
    awa.get_by_role("button", name="Proposer la traduction").click()
    expect(awa.locator(".flash").first).to_contain_text("un médiateur vérifiera")

    # The mediator corrects it from the translation queue.
    sira = person(browser, live_server, "mediator@example.org")
    sira.goto(f"/d/{slug}/translations?to=fr")
    proposal = sira.locator("li.card", has_text="Des pourparlers peuvent sauver des vies.")
    expect(proposal.get_by_text("partie d’un brouillon automatique")).to_be_visible()
    proposal.get_by_role("link", name="Corriger").click()
    sira.get_by_label("Traduction corrigée").fill(CORRECTED)
    sira.get_by_role("button", name="Publier la traduction corrigée").click()
    expect(sira.locator(".flash").first).to_contain_text("traduction corrigée est publiée")

    # A French reader, signed out, reads both translations and who made and checked them.
    jean = person(browser, live_server, None)
    jean.goto(f"/d/{slug}")
    translated = jean.locator("article.arg", has_text=BAMBARA_IN_FRENCH).first
    summary = translated.locator("details.original > summary")
    expect(summary).to_contain_text("Traduit par Translator Fanta")
    expect(summary).to_contain_text("Voir l’original (bambara)")
    original = translated.locator("details.original .arg-body[lang=bm]")
    expect(original).to_be_hidden()
    summary.click()
    expect(original).to_be_visible()
    expect(original).to_have_text(BAMBARA)
    checked = jean.locator("article.arg", has_text=CORRECTED).first
    expect(checked.locator("summary")).to_contain_text("Traduit par Awa, vérifié par Mediator Sira")
    # Awa's own French needs no translation: shown as written, no lang to mark.
    expect(jean.locator(".arg-body", has_text=FRENCH).first).not_to_have_attribute("lang", "fr")

    # Bakary edits the original: the reader gets it back, the translation out of date.
    bakary.goto(bambara_url + "/edit")
    bakary.get_by_label("Argument").fill(BAMBARA + " Kow bɛɛ ka kan ka fɔ.")
    bakary.get_by_role("button", name="Enregistrer").click()
    jean.goto(f"/d/{slug}")
    expect(jean.get_by_text(BAMBARA_IN_FRENCH)).to_have_count(0)
    card = jean.locator("article.arg", has_text=BAMBARA).first
    expect(card.get_by_text("Sa traduction n’est plus à jour")).to_be_visible()
    expect(card.locator(".arg-body[lang=bm]")).to_be_visible()
    # The translation queue lists it again.
    fanta.goto(f"/d/{slug}/translations?to=fr")
    expect(fanta.locator("li.card", has_text="Kow bɛɛ ka kan ka fɔ.")).to_be_visible()

    # A one-language debate asks for no language and offers no translation.
    awa.goto(f"/d/{other.slug}")
    expect(awa.locator("#add-argument form")).to_be_visible()
    expect(awa.get_by_label("Langue de votre texte")).to_have_count(0)
    expect(awa.get_by_role("link", name="Traduire")).to_have_count(0)


FAKE_SPEECH = """
window.spoken = [];
const voices = VOICES;
const listeners = [];
// The browser's own object has a getter only: define ours in its place.
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: {
    getVoices: () => voices,
    speak: (utterance) => window.spoken.push([utterance.lang, utterance.text]),
    cancel: () => {},
    addEventListener: (name, callback) => listeners.push(callback),
  },
});
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""


def test_listen_reads_a_contribution_with_a_voice_of_its_language(app, browser, live_server):  # noqa: F811
    organiser = accounts.register_user("Organiser Amina", "organiser@example.org", PASSWORD)
    author = accounts.register_user("Bakary", "bakary@example.org", PASSWORD)
    db.session.commit()
    debate = debates.start_debate(organiser, MOTION, "", language="en")
    boss = standing(organiser, debate)
    moderation.set_languages(boss, debate, ["fr", "bm"])
    moderation.change_phase(boss, debate, Phase.OPEN)
    debates.join_debate(Standing(author), debate, Position.UNDECIDED)
    debates.post_argument(standing(author, debate), debate, Stance.PRO, FRENCH, language="fr")
    debates.post_argument(standing(author, debate), debate, Stance.PRO, BAMBARA, language="bm")
    db.session.commit()

    def reader(voices: str):
        context = browser.new_context(base_url=live_server, locale="en-GB")
        context.add_init_script(FAKE_SPEECH.replace("VOICES", voices))
        page = context.new_page()
        page.goto(f"/d/{debate.slug}")
        return page

    # A browser with a French voice and none for Bambara.
    page = reader('[{"lang": "fr-FR", "name": "Amélie"}]')
    french = page.locator("article.arg", has_text=FRENCH)
    bambara = page.locator("article.arg", has_text=BAMBARA)
    expect(french.get_by_role("button", name="Listen")).to_be_visible()
    expect(bambara.get_by_role("button", name="Listen")).to_have_count(0)
    french.get_by_role("button", name="Listen").click()
    expect(french.get_by_role("button", name="Stop")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.spoken") == [["fr", FRENCH]]
    # No voice at all: no button anywhere.
    silent = reader("[]")
    expect(silent.locator("article.arg").first).to_be_visible()
    expect(silent.get_by_role("button", name="Listen")).to_have_count(0)
