"""Machine translation against a local server speaking LibreTranslate's protocol."""

# ruff: noqa: F811 - the tests take the imported fixture `libretranslate` as an argument

import socket

import pytest

from deliberate.machine_translation import (
    LANGUAGES_SECONDS,
    LibreTranslate,
    MachineTranslationError,
    MachineTranslator,
    machine_translator,
)

from .libretranslate_server import libretranslate  # noqa: F401 (a fixture)


class Clock:
    """A clock the test moves by hand, for the cached list of languages."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_translate(libretranslate):
    translator = LibreTranslate(libretranslate.url)
    assert isinstance(translator, MachineTranslator)
    assert translator.name == "LibreTranslate"
    assert (
        translator.translate("Talks can save lives.", "en", "fr")
        == "Des pourparlers peuvent sauver des vies."
    )
    assert translator.translate("Anything else", "en", "fr") == "[fr] Anything else"
    posted = [body for method, _, body in libretranslate.requests if method == "POST"]
    assert posted[0] == {
        "q": "Talks can save lives.",
        "source": "en",
        "target": "fr",
        "format": "text",
    }  # no api_key without a key


def test_regional_tags_go_as_the_server_codes(libretranslate):
    translator = LibreTranslate(libretranslate.url + "/")  # a trailing slash is fine
    assert translator.translate("Talks can save lives.", "en-GB", "fr-ML") == (
        "Des pourparlers peuvent sauver des vies."
    )
    assert translator.translate("Talks can save lives.", "EN", "pt-br") == (
        "Negociações podem salvar vidas."
    )
    assert translator.translate("Talks can save lives.", "en", "pt-PT") == (
        "Negociações podem salvar vidas."
    )  # on the primary subtag: the server's only Portuguese
    sent = [(body["source"], body["target"]) for m, _, body in libretranslate.requests if body]
    assert sent == [("en", "fr"), ("en", "pt-BR"), ("en", "pt-BR")]


def test_empty_text_is_not_sent(libretranslate):
    assert LibreTranslate(libretranslate.url).translate("  \n", "en", "fr") == "  \n"
    assert libretranslate.requests == []


def test_key_is_sent_and_required(libretranslate):
    libretranslate.api_key = "right-key"
    translator = LibreTranslate(libretranslate.url, key="right-key")
    assert translator.translate("Hello", "en", "fr") == "[fr] Hello"
    assert libretranslate.requests[-1][2]["api_key"] == "right-key"
    assert "right-key" not in repr(translator)

    with pytest.raises(MachineTranslationError) as wrong:
        LibreTranslate(libretranslate.url, key="wrong-key").translate("Hello", "en", "fr")
    assert wrong.value.reason == "key"
    assert "access key" in str(wrong.value)
    assert "wrong-key" not in str(wrong.value)

    with pytest.raises(MachineTranslationError) as missing:
        LibreTranslate(libretranslate.url).translate("Hello", "en", "fr")
    assert missing.value.reason == "refused"
    assert str(missing.value) == (
        "The translation server refused this text: "
        "Please contact the server operator to get an API key"
    )


def test_a_pair_not_offered_is_refused_before_any_text_is_sent(libretranslate):
    translator = LibreTranslate(libretranslate.url)
    with pytest.raises(MachineTranslationError) as error:
        translator.translate("I ni ce", "bm", "fr")
    assert error.value.reason == "pair"
    assert str(error.value) == "The translation server does not translate from Bambara into French."
    with pytest.raises(MachineTranslationError) as error:
        translator.translate("Hola", "es", "pt-BR")  # both known, not this way round
    assert error.value.reason == "pair"
    assert libretranslate.paths("POST") == []


def test_a_pair_the_server_no_longer_offers(libretranslate):
    translator = LibreTranslate(libretranslate.url)
    assert translator.can_translate("en", "es")
    libretranslate.withdrawn.add(("en", "es"))
    with pytest.raises(MachineTranslationError) as error:
        translator.translate("Hello", "en", "es")
    assert error.value.reason == "pair"
    assert "Spanish (es) is not available" in error.value.detail
    assert (
        str(error.value) == "The translation server does not translate from English into Spanish."
    )
    translator.can_translate("en", "es")
    assert libretranslate.paths("GET") == ["/languages", "/languages"]  # asked again


def test_busy_and_failing_server(libretranslate):
    translator = LibreTranslate(libretranslate.url)
    with pytest.raises(MachineTranslationError) as failed:
        translator.translate("boom", "en", "fr")
    assert failed.value.reason == "server"
    assert "could not translate this text" in str(failed.value)
    libretranslate.busy = True
    with pytest.raises(MachineTranslationError) as busy:
        translator.translate("Hello", "en", "fr")
    assert busy.value.reason == "busy"
    assert "Traceback" not in str(failed.value) + str(busy.value)


def test_not_a_libretranslate_server(libretranslate):
    with pytest.raises(MachineTranslationError) as error:
        LibreTranslate(libretranslate.url + "/elsewhere").translate("Hello", "en", "fr")
    assert error.value.reason == "answer"  # a 404 page in HTML
    assert "cannot read" in str(error.value)


def test_redirects_are_not_followed(libretranslate):
    translator = LibreTranslate(libretranslate.url + "/moved")
    with pytest.raises(MachineTranslationError) as error:
        translator.translate("Hello", "en", "fr")  # its /languages sends to file:///etc/passwd
    assert error.value.reason == "answer"
    assert error.value.detail.startswith("HTTP 302")
    assert libretranslate.paths() == ["/moved/languages"]


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/", "127.0.0.1:5000", "http://", ""]
)
def test_only_http_addresses(url):
    with pytest.raises(ValueError):
        LibreTranslate(url)


def test_server_down():
    with socket.socket() as probe:  # a port nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    translator = LibreTranslate(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(MachineTranslationError) as error:
        translator.translate("Hello", "en", "fr")
    assert error.value.reason == "unreachable"
    assert str(error.value) == (
        "The translation server cannot be reached. Try again later, or translate without it."
    )
    assert translator.can_translate("en", "fr") is False


def test_timeout(libretranslate):
    libretranslate.slow = True
    clock = Clock()
    translator = LibreTranslate(libretranslate.url, timeout=0.2, clock=clock)
    with pytest.raises(MachineTranslationError) as error:
        translator.translate("Hello", "en", "fr")
    assert error.value.reason == "timeout"
    assert "took too long" in str(error.value)
    # The failure is remembered for a while: pages asking do not each wait again.
    assert translator.can_translate("en", "fr") is False
    assert libretranslate.paths() == ["/languages"]


def test_languages_and_can_translate(libretranslate):
    clock = Clock()
    translator = LibreTranslate(libretranslate.url, clock=clock)
    languages = translator.languages()
    assert languages["en"] == {"es", "fr", "pt-BR"}
    assert languages["pt-BR"] == {"en"}
    assert translator.can_translate("en", "fr")
    assert translator.can_translate("fr-ML", "en-US")  # compared on the primary subtag
    assert translator.can_translate("pt-BR", "en")
    assert translator.can_translate("pt", "en")
    assert translator.can_translate("en", "pt-PT")
    assert not translator.can_translate("pt-BR", "fr")  # not offered that way
    assert not translator.can_translate("bm", "fr")
    assert not translator.can_translate("fr", "bm-Nkoo")
    assert not translator.can_translate("fr-ML", "fr")  # the same language
    assert libretranslate.paths() == ["/languages"]  # asked once

    libretranslate.languages["fr"][1].append("pt-BR")
    assert not translator.can_translate("fr", "pt-BR")  # still the kept list
    clock.now += LANGUAGES_SECONDS + 1
    assert translator.can_translate("fr", "pt-BR")
    assert libretranslate.paths() == ["/languages", "/languages"]


def test_machine_translator_from_the_settings(app, libretranslate):
    with app.app_context():
        app.config["TRANSLATE_URL"] = None
        assert machine_translator() is None

        app.config.update(
            TRANSLATE_URL=libretranslate.url, TRANSLATE_KEY="k", TRANSLATE_TIMEOUT=3.0
        )
        translator = machine_translator()
        assert isinstance(translator, LibreTranslate)
        assert (translator.url, translator.key, translator.timeout) == (
            libretranslate.url,
            "k",
            3.0,
        )
        assert machine_translator() is translator  # kept, with its list of languages

        app.config["TRANSLATE_KEY"] = None
        assert machine_translator() is not translator
        assert machine_translator().key is None

        app.config["TRANSLATE_URL"] = "file:///etc/passwd"
        assert machine_translator() is None
