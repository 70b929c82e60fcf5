"""Translations of contributions, made by people (deliberate/translating): proposed by
participants, published by translators, checked by mediators; shown to readers of their
language with their provenance and the original one tap away; outdated when the original
changes; never of text the public cannot read."""

import pytest
from sqlalchemy import select

from deliberate.debates import services as debate_services
from deliberate.extensions import db
from deliberate.models import Phase, Stance
from deliberate.moderation import services as moderation
from deliberate.moderation.models import LogEntry, Role
from deliberate.translating import services
from deliberate.translating.models import ArgumentTranslation, TranslationStatus

from .conftest import PASSWORD, post, standing

BAMBARA = "Kuma ka kan ka kɛ jamana kɔnɔ, bɛɛ ka kan ka lamɛn."
FRENCH = "Il faut parler dans le pays : chacun doit être écouté."


@pytest.fixture
def scene(app, make_user, make_debate, join):
    """An English debate that also takes Bambara and French, with a mediator, a translator,
    a Bambara-speaking author and a French-speaking participant."""
    organiser = make_user(pseudonym="Organiser", email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    boss = standing(organiser, debate)
    moderation.set_languages(boss, debate, ["bm", "fr"])
    make_user(pseudonym="Mediator Sira", email="mediator@example.org")
    make_user(pseudonym="Translator Fanta", email="translator@example.org")
    moderation.appoint_accepted(boss, debate, "Mediator Sira", Role.MEDIATOR)
    moderation.appoint_accepted(boss, debate, "Translator Fanta", Role.TRANSLATOR)
    author = make_user(pseudonym="Awa", email="awa@example.org")
    reader = make_user(pseudonym="Jean", email="jean@example.org")
    who = join(author, debate)
    join(reader, debate)
    argument = debate_services.post_argument(who, debate, Stance.PRO, BAMBARA, language="bm")
    db.session.commit()
    return {"debate": debate, "argument": argument}


def as_user(client, auth, email, language="fr"):
    auth.logout()
    auth.login(email, PASSWORD)
    client.get(f"/language/{language}")


def translate(client, scene, body=FRENCH, to="fr"):
    debate, argument = scene["debate"], scene["argument"]
    return post(
        client,
        f"/d/{debate.slug}/a/{argument.id}/translate",
        {"language": to, "body": body},
    )


def page(client, scene) -> str:
    return client.get(f"/d/{scene['debate'].slug}").get_data(as_text=True)


def translations(status=None):
    query = select(ArgumentTranslation).order_by(ArgumentTranslation.id)
    if status:
        query = query.where(ArgumentTranslation.status == status)
    return db.session.scalars(query).all()


def test_a_participant_proposes_and_a_mediator_approves(client, auth, scene):
    as_user(client, auth, "jean@example.org")
    assert translate(client, scene).status_code == 302
    [proposal] = translations()
    assert proposal.status is TranslationStatus.PROPOSED
    assert FRENCH not in page(client, scene)  # not shown before a mediator checks it
    as_user(client, auth, "mediator@example.org")
    queue = client.get(f"/d/{scene['debate'].slug}/translations?to=fr").get_data(as_text=True)
    assert FRENCH in queue and "Jean" in queue
    response = post(client, f"/d/{scene['debate'].slug}/translations/{proposal.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.status is TranslationStatus.PUBLISHED
    as_user(client, auth, "jean@example.org")
    html = page(client, scene)
    assert FRENCH in html
    assert "Traduit par Jean, vérifié par Mediator Sira" in html
    # The original, one tap away, marked as Bambara.
    assert f'<div class="arg-body" lang="bm"><p>{BAMBARA}</p>' in html
    log = client.get(f"/d/{scene['debate'].slug}/moderation").get_data(as_text=True)
    assert "a approuvé une traduction" in log


def test_a_translator_publishes_at_once(client, auth, scene):
    as_user(client, auth, "translator@example.org")
    assert translate(client, scene).status_code == 302
    [published] = translations()
    assert published.status is TranslationStatus.PUBLISHED and published.checked_by_id is None
    auth.logout()
    client.get("/language/fr")
    html = page(client, scene)
    assert FRENCH in html and "Traduit par Translator Fanta" in html
    # An English reader still reads the original: there is no English translation.
    client.get("/language/en")
    html = page(client, scene)
    assert FRENCH not in html and 'lang="bm"' in html


def test_a_mediator_corrects_a_proposal(client, auth, scene):
    as_user(client, auth, "jean@example.org")
    translate(client, scene, body="Il faut parler dans le pays.")
    [proposal] = translations()
    as_user(client, auth, "mediator@example.org")
    url = f"/d/{scene['debate'].slug}/translations/{proposal.id}/correct"
    assert "Il faut parler dans le pays." in client.get(url).get_data(as_text=True)
    assert post(client, url, {"body": ""}).status_code == 400  # nothing lost, nothing saved
    assert post(client, url, {"body": FRENCH}).status_code == 302
    db.session.expire_all()
    assert proposal.status is TranslationStatus.PUBLISHED and proposal.body == FRENCH
    assert proposal.translator.pseudonym == "Jean"
    assert proposal.checked_by.pseudonym == "Mediator Sira"
    actions = db.session.scalars(select(LogEntry.action)).all()
    assert "translation_corrected" in actions


def test_a_rejected_proposal_tells_its_translator_why(client, auth, scene):
    as_user(client, auth, "jean@example.org")
    translate(client, scene)
    [proposal] = translations()
    as_user(client, auth, "mediator@example.org")
    url = f"/d/{scene['debate'].slug}/translations/{proposal.id}/reject"
    assert post(client, url, {"reason": "Le sens est inversé."}).status_code == 302
    as_user(client, auth, "jean@example.org")
    argument = scene["argument"]
    form = client.get(f"/d/{scene['debate'].slug}/a/{argument.id}/translate")
    assert "Le sens est inversé." in form.get_data(as_text=True)
    assert FRENCH not in page(client, scene)


def test_editing_the_original_outdates_its_translation(client, auth, scene):
    as_user(client, auth, "translator@example.org")
    translate(client, scene)
    debate, argument = scene["debate"], scene["argument"]
    as_user(client, auth, "awa@example.org")
    edited = BAMBARA + " Kow bɛɛ ka kan ka fɔ."
    response = post(client, f"/d/{debate.slug}/a/{argument.id}/edit", {"body": edited})
    assert response.status_code == 302
    client.get("/language/fr")
    html = page(client, scene)
    assert FRENCH not in html
    assert "Sa traduction n’est plus à jour" in html or "plus à jour" in html
    db.session.expire_all()
    assert [a.id for a in services.untranslated(debate, "fr")] == [argument.id]
    # Redone: shown again.
    as_user(client, auth, "translator@example.org")
    translate(client, scene, body=FRENCH + " Toutes les affaires doivent être dites.")
    assert "Toutes les affaires doivent être dites." in page(client, scene)
    assert services.untranslated(debate, "fr") == []


def test_hidden_text_is_never_translated_nor_shown_translated(client, auth, scene):
    as_user(client, auth, "translator@example.org")
    translate(client, scene)
    debate, argument = scene["debate"], scene["argument"]
    from deliberate.models import User
    from deliberate.moderation import review

    mediator = db.session.scalar(select(User).where(User.pseudonym == "Mediator Sira"))
    reader = db.session.scalar(select(User).where(User.pseudonym == "Jean"))
    review.flag(standing(reader, debate), argument, 1, "A threat.")
    who = standing(mediator, debate)
    review.decide(who, argument, review.Decision.HIDE, 1, "A threat against a named person.")
    db.session.commit()
    auth.logout()
    client.get("/language/fr")
    assert FRENCH not in page(client, scene)
    assert FRENCH not in client.get(f"/d/{debate.slug}/a/{argument.id}").get_data(as_text=True)
    as_user(client, auth, "translator@example.org")
    assert client.get(f"/d/{debate.slug}/a/{argument.id}/translate").status_code == 403


def test_a_one_language_debate_offers_no_translation(client, auth, make_user, make_debate, join):
    debate = make_debate()
    who = join(make_user(email="awa@example.org"), debate)
    argument = debate_services.post_argument(
        who, debate, Stance.PRO, "Wells near markets save hours."
    )
    db.session.commit()
    as_user(client, auth, "awa@example.org", "en")
    assert "/translate" not in client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert client.get(f"/d/{debate.slug}/a/{argument.id}/translate").status_code == 403


def test_the_queue_lists_the_most_voted_first_a_page_at_a_time(
    app, client, auth, scene, make_user, join, vote, monkeypatch
):
    debate = scene["debate"]
    authors = [join(make_user(), debate) for _ in range(3)]
    posted = [
        debate_services.post_argument(w, debate, Stance.PRO, f"Argument number {n} for the talks.")
        for n, w in enumerate(authors)
    ]
    db.session.commit()
    for _ in range(2):
        vote(make_user(), posted[2], 1)
    vote(make_user(), posted[1], 1)
    monkeypatch.setattr(services, "QUEUE_PAGE", 2)
    first = services.untranslated(debate, "fr", limit=2)
    assert [a.id for a in first] == [posted[2].id, posted[1].id]
    last = first[-1]
    rest = services.untranslated(
        debate, "fr", after=(last.agree_count + last.disagree_count, last.id), limit=2
    )
    assert [a.id for a in rest] == sorted([scene["argument"].id, posted[0].id])
    as_user(client, auth, "translator@example.org")
    html = client.get(f"/d/{debate.slug}/translations?to=fr").get_data(as_text=True)
    assert "after_votes=1" in html  # the link to the next page
    # Participants do not see it.
    as_user(client, auth, "jean@example.org")
    assert client.get(f"/d/{debate.slug}/translations").status_code == 403


def test_a_language_not_of_the_debate_or_the_original_s_own_is_refused(client, auth, scene):
    as_user(client, auth, "translator@example.org")
    assert translate(client, scene, to="de").status_code == 400
    assert translate(client, scene, to="bm").status_code == 400
    assert translations() == []


def test_draft_debates_are_not_translated(app, scene):
    debate, argument = scene["debate"], scene["argument"]
    debate.phase = Phase.DRAFT
    from deliberate import rules
    from deliberate.models import User

    translator = db.session.scalar(select(User).where(User.pseudonym == "Translator Fanta"))
    assert not rules.allowed(rules.translate(standing(translator, debate), debate, argument))


# --- machine drafts, the report and the downloads ---------------------------------------------


def test_a_machine_draft_prefills_the_form_and_is_marked(
    app, client, auth, scene, join, make_user, libretranslate
):
    app.config["TRANSLATE_URL"] = libretranslate.url
    debate = scene["debate"]
    who = join(make_user(), debate)
    english = debate_services.post_argument(who, debate, Stance.PRO, "Talks can save lives.")
    db.session.commit()
    as_user(client, auth, "jean@example.org")
    url = f"/d/{debate.slug}/a/{english.id}/translate"
    form = client.get(f"{url}?to=fr").get_data(as_text=True)
    assert "Partir d’un brouillon automatique" in form
    response = post(client, f"{url}/machine", {"language": "fr", "body": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Des pourparlers peuvent sauver des vies." in html
    assert "Ce brouillon a été fait par une machine" in html
    assert translations() == []  # nothing saved until the translator submits it
    # Bambara is not a language the server knows: said so, nothing sent, text kept.
    bambara = f"/d/{debate.slug}/a/{scene['argument'].id}/translate/machine"
    refused = post(client, bambara, {"language": "fr", "body": "Mon début de traduction."})
    assert refused.status_code == 503
    assert "Mon début de traduction." in refused.get_data(as_text=True)
    # Proposed as a machine draft: the organiser may let readers see it, marked as such.
    post(
        client,
        url,
        {
            "language": "fr",
            "body": "Des pourparlers peuvent sauver des vies.",
            "machine_draft": "1",
        },
    )
    [proposal] = translations()
    assert proposal.machine_draft and proposal.status is TranslationStatus.PROPOSED
    assert "Des pourparlers" not in page(client, scene)
    as_user(client, auth, "organiser@example.org")
    assert post(client, f"/d/{debate.slug}/machine-drafts", {"shown": "y"}).status_code == 302
    as_user(client, auth, "jean@example.org")
    html = page(client, scene)
    assert "Des pourparlers peuvent sauver des vies." in html
    assert "Traduction automatique, non vérifiée par une personne" in html


def test_the_report_counts_contributions_and_votes_by_language(
    client, auth, scene, make_user, vote
):
    vote(make_user(), scene["argument"], 1)
    as_user(client, auth, "translator@example.org")
    translate(client, scene)
    auth.logout()
    client.get("/language/en")
    html = client.get(f"/d/{scene['debate'].slug}/report").get_data(as_text=True)
    assert 'id="languages"' in html
    row = html[html.index("Bambara (bamanakan)</th>") :].split("</tr>", 1)[0]
    assert row.count("<td>1</td>") == 2  # one contribution, one vote
    french = html[html.index("French (français)</th>") :].split("</tr>", 1)[0]
    assert french.endswith("<td>1</td>")  # one contribution readable in French


def test_the_argument_download_carries_published_translations(client, auth, scene):
    as_user(client, auth, "translator@example.org")
    translate(client, scene)
    auth.logout()
    slug = scene["debate"].slug
    graph = client.get(f"/d/{slug}/export/arguments.json").get_json()
    [item] = [a for a in graph["arguments"] if a["id"] == scene["argument"].id]
    assert item["language"] == "bm"
    assert item["translations"] == [
        {"language": "fr", "body": FRENCH, "current": True, "checked": False}
    ]


# --- the debate's own texts ---------------------------------------------------------------------

MOTION_FR = "Le bourg doit-il creuser un nouveau puits près du marché ?"
RULE_FR = "Respectez chaque communauté, religion et langue."


def test_the_debate_s_texts_are_translated_and_shown_to_readers_of_that_language(
    client, auth, scene
):
    debate = scene["debate"]
    as_user(client, auth, "translator@example.org")
    page_html = client.get(f"/d/{debate.slug}/texts?to=fr").get_data(as_text=True)
    assert debate.motion in page_html and 'name="rule-1"' in page_html
    response = post(
        client, f"/d/{debate.slug}/texts?to=fr", {"motion-0": MOTION_FR, "rule-1": RULE_FR}
    )
    assert response.status_code == 302
    auth.logout()
    client.get("/language/fr")
    html = page(client, scene)
    assert f'<h1 class="motion">{MOTION_FR}</h1>' in html
    assert "Traduit par Translator Fanta" in html
    assert f'<div lang="en">{debate.motion}</div>' in html  # the original, one tap away
    rules_page = client.get(f"/d/{debate.slug}/ground-rules").get_data(as_text=True)
    assert RULE_FR in rules_page
    # An English reader reads the originals.
    client.get("/language/en")
    assert MOTION_FR not in page(client, scene)
    # Logged, in the public record.
    log = client.get(f"/d/{debate.slug}/moderation").get_data(as_text=True)
    assert "translated the debate’s own texts" in log


def test_a_changed_original_sets_its_translation_aside(client, auth, scene):
    debate = scene["debate"]
    as_user(client, auth, "translator@example.org")
    post(client, f"/d/{debate.slug}/texts?to=fr", {"motion-0": MOTION_FR})
    debate.motion = "Should the town build two new wells near the market?"
    db.session.commit()
    auth.logout()
    client.get("/language/fr")
    assert MOTION_FR not in page(client, scene)
    as_user(client, auth, "translator@example.org")
    form = client.get(f"/d/{debate.slug}/texts?to=fr").get_data(as_text=True)
    assert "Plus à jour" in form


def test_a_too_long_text_is_refused_and_everything_typed_kept(client, auth, scene):
    debate = scene["debate"]
    as_user(client, auth, "organiser@example.org")
    response = post(
        client, f"/d/{debate.slug}/texts?to=fr", {"motion-0": MOTION_FR, "rule-1": "x" * 5000}
    )
    assert response.status_code == 400
    assert MOTION_FR in response.get_data(as_text=True)
    from deliberate.translating.models import DebateTextTranslation

    assert db.session.scalar(select(DebateTextTranslation)) is None
