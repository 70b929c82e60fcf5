"""A debate's languages and each contribution's (deliberate/languages.py): the organiser
lists them on the manage page, participants choose one when they post, and pages mark text
in another language than theirs with `lang` (and `dir` where it is not written left to
right), so a screen reader does not read Bambara with a French voice."""

import json

import pytest
from sqlalchemy import select

from deliberate import languages
from deliberate.extensions import db
from deliberate.models import Argument, Stance
from deliberate.moderation.models import LogEntry

from .conftest import PASSWORD, post, standing

# --- tags, names and directions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "tag"),
    [("FR", "fr"), ("ff-latn-ml", "ff-Latn-ML"), ("bm_Nkoo", "bm-Nkoo"), (" taq ", "taq")],
)
def test_tags_are_written_in_their_usual_case(typed, tag):
    assert languages.normalise(typed) == tag


@pytest.mark.parametrize("typed", ["", "x-private", "french", "fr-", "f", "bm!"])
def test_what_is_not_a_tag_is_refused(typed):
    with pytest.raises(languages.BadTag):
        languages.normalise(typed)


def test_a_list_keeps_each_tag_once_in_the_order_given():
    assert languages.parse_list("bm, ff  en;bm") == ["bm", "ff", "en"]


def test_names_come_in_the_reader_s_language_and_unknown_tags_as_written():
    assert languages.name("bm", "fr") == "bambara"
    assert languages.name("ff", "en") == "Fula"
    assert languages.label("bm") == "Bambara (bamanakan)"
    assert languages.name("taq", "fr") == "taq"  # Babel does not know Tamasheq


@pytest.mark.parametrize(
    ("tag", "way"),
    [("fr", "ltr"), ("bm", "ltr"), ("ar", "rtl"), ("bm-Nkoo", "rtl"), ("ff-Adlm", "rtl")]
    + [("taq-Tfng", "ltr"), ("taq", "auto")],
)
def test_the_direction_follows_the_script(tag, way):
    assert languages.direction(tag) == way


# --- the organiser lists them ------------------------------------------------------------------


def manage_languages(client, debate, typed):
    return post(client, f"/d/{debate.slug}/languages", {"languages": typed})


def test_the_organiser_lists_the_debate_s_languages(client, auth, make_user, make_debate):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    auth.login("organiser@example.org", PASSWORD)
    response = manage_languages(client, debate, "bm, FF, en")
    assert response.status_code == 302
    db.session.expire_all()
    assert debate.languages == ["en", "bm", "ff"]  # its own (en) is not listed twice
    entry = db.session.scalar(
        select(LogEntry).where(LogEntry.action == "languages_changed").order_by(LogEntry.id.desc())
    )
    assert entry.reason == "en bm ff"
    log = client.get(f"/d/{debate.slug}/moderation").get_data(as_text=True)
    assert "changed the debate&#39;s languages" in log or "changed the debate's languages" in log
    assert "Contributions in: English, Bambara, Fula." in log
    manage = client.get(f"/d/{debate.slug}/manage").get_data(as_text=True)
    assert 'value="bm, ff"' in manage
    # Fewer languages later: the list shrinks, positions are reused.
    assert manage_languages(client, debate, "ff").status_code == 302
    db.session.expire_all()
    assert debate.languages == ["en", "ff"]


def test_a_bad_tag_is_named_and_what_was_typed_is_kept(client, auth, make_user, make_debate):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    auth.login("organiser@example.org", PASSWORD)
    response = manage_languages(client, debate, "bm, bambara!")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "“bambara!” is not a language tag" in html
    assert 'value="bm, bambara!"' in html
    db.session.expire_all()
    assert debate.languages == ["en"]


def test_only_organisers_change_the_languages(client, auth, make_user, make_debate, join):
    debate = make_debate()
    participant = make_user(email="participant@example.org")
    join(participant, debate)
    auth.login("participant@example.org", PASSWORD)
    assert manage_languages(client, debate, "bm").status_code == 403


# --- participants write in them ----------------------------------------------------------------


@pytest.fixture
def bilingual(app, make_user, make_debate):
    organiser = make_user(email="organiser@example.org")
    debate = make_debate(organiser=organiser)
    from deliberate.moderation import services

    services.set_languages(standing(organiser, debate), debate, ["bm", "ar"])
    db.session.commit()
    return debate


def post_argument(client, debate, body, language=None):
    data = {"stance": "pro", "body": body}
    if language:
        data["language"] = language
    return post(client, f"/d/{debate.slug}/arguments/new", data)


def test_a_participant_posts_in_bambara_and_pages_say_so(client, auth, make_user, join, bilingual):
    join(make_user(email="awa@example.org"), bilingual)
    auth.login("awa@example.org", PASSWORD)
    page = client.get(f"/d/{bilingual.slug}").get_data(as_text=True)
    assert 'name="language"' in page and "Bambara (bamanakan)" in page
    body = "Kuma ka kan ka kɛ jamana kɔnɔ, bɛɛ ka kan ka lamɛn."
    assert post_argument(client, bilingual, body, "bm").status_code == 302
    argument = db.session.scalar(select(Argument).where(Argument.body == body))
    assert argument.language == "bm"
    for url in (f"/d/{bilingual.slug}", f"/d/{bilingual.slug}/a/{argument.id}"):
        html = client.get(url).get_data(as_text=True)
        assert 'class="arg-body" lang="bm"' in html, url
    # In the debate's own language, nothing to mark: the page is in English too.
    english = "Talks would let the communities be heard first."
    assert post_argument(client, bilingual, english, "en").status_code == 302
    assert db.session.scalar(select(Argument.language).where(Argument.body == english)) is None


def test_arabic_text_is_marked_right_to_left(client, auth, make_user, join, bilingual):
    join(make_user(email="awa@example.org"), bilingual)
    auth.login("awa@example.org", PASSWORD)
    body = "يجب أن تبدأ المحادثات بسماع المجتمعات المحلية."
    assert post_argument(client, bilingual, body, "ar").status_code == 302
    html = client.get(f"/d/{bilingual.slug}").get_data(as_text=True)
    assert ' lang="ar" dir="rtl"' in html


def test_a_language_the_debate_does_not_have_is_refused_and_the_text_kept(
    client, auth, make_user, join, bilingual
):
    join(make_user(email="awa@example.org"), bilingual)
    auth.login("awa@example.org", PASSWORD)
    response = post_argument(client, bilingual, "Ein Argument auf Deutsch, bitte.", "de")
    assert response.status_code == 400
    assert "Ein Argument auf Deutsch, bitte." in response.get_data(as_text=True)


def test_a_one_language_debate_asks_nothing(client, auth, make_user, join, make_debate):
    debate = make_debate()
    join(make_user(email="awa@example.org"), debate)
    auth.login("awa@example.org", PASSWORD)
    assert 'name="language"' not in client.get(f"/d/{debate.slug}").get_data(as_text=True)
    assert post_argument(client, debate, "Wells near markets save hours.").status_code == 302
    assert db.session.scalar(select(Argument.language)) is None


def test_the_reader_s_language_is_chosen_first(client, auth, make_user, join, bilingual):
    join(make_user(email="awa@example.org"), bilingual)
    auth.login("awa@example.org", PASSWORD)
    client.get("/language/fr")  # not a language of the debate: its own (en) is chosen
    html = client.get(f"/d/{bilingual.slug}").get_data(as_text=True)
    assert '<option selected value="en">' in html or 'value="en" selected' in html


def test_the_api_and_the_download_carry_each_argument_s_language(
    client, make_user, join, bilingual
):
    who = join(make_user(), bilingual)
    from deliberate.debates import services

    services.post_argument(
        who, bilingual, Stance.PRO, "Kuma ka kan ka kɛ jamana kɔnɔ.", language="bm"
    )
    db.session.commit()
    api = client.get(f"/api/v1/debates/{bilingual.slug}").get_json()
    assert api["languages"] == ["en", "bm", "ar"]
    assert [a["language"] for a in api["arguments"]] == ["bm"]
    graph = json.loads(client.get(f"/d/{bilingual.slug}/export/arguments.json").data)
    assert graph["debate"]["languages"] == ["en", "bm", "ar"]
    assert [a["language"] for a in graph["arguments"]] == ["bm"]


@pytest.mark.parametrize(
    ("language", "first_rule"),
    [("en", "Respect every community"), ("fr", "Respectez toutes les communautés")],
)
def test_a_debate_gets_the_default_ground_rules_of_its_language(
    client, auth, make_user, language, first_rule
):
    make_user(email="organiser@example.org")
    auth.login("organiser@example.org", PASSWORD)
    client.get(f"/language/{language}")
    motion = "Should the market open on Sundays for the women's cooperative?"
    assert post(client, "/debates/new", {"motion": motion}).status_code == 302
    from deliberate.models import Debate
    from deliberate.moderation.services import ground_rules

    debate = db.session.scalar(select(Debate).where(Debate.motion == motion))
    assert debate.language == language
    assert any(rule.text.startswith(first_rule) for rule in ground_rules(debate))
