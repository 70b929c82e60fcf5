"""Machine translation (optional): a draft for a human translator, never a person's words.

What it is for. A contribution written in one of a debate's languages can be translated by
people (the debate's translators). Where a machine translation server is configured
(DELIBERATE_TRANSLATE_URL), it may be used in two ways only:

- to pre-fill a translator's draft, which the translator corrects and publishes under their
  own responsibility; or
- where the organiser allows it, to show an unreviewed machine draft, marked as such on the
  page, until a person has translated the contribution.

A machine draft must never be shown as if a person had written or checked it: callers keep
it apart from reviewed translations and label it as machine-made.

What leaves the server. Translating sends the contribution's text, with its language and the
target language, to the configured server, and nothing else (no author, debate or reader;
Deliberate's key when one is set). Participants may be at risk for what they write, so run
LibreTranslate yourself, on the same machine or private network as Deliberate, never a
public instance (docs/deploy.md, "Machine translation (optional)"). Deliberate talks to that
address directly: it ignores http_proxy and the like, and follows no redirect.

The provider interface is `MachineTranslator`; `LibreTranslate` implements it for the
LibreTranslate HTTP API (POST /translate, GET /languages), with the standard library only.
`machine_translator()` gives the configured one, or None. Errors are `MachineTranslationError`,
whose message can be shown to a translator as it is.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from . import languages as language_names

log = logging.getLogger(__name__)

#: How long the list of language pairs is kept before it is asked for again (seconds).
LANGUAGES_SECONDS = 300
#: After the server could not give the list, how long the failure is remembered, so that
#: pages which ask `can_translate` do not each wait for a server that is away (seconds).
FAILURE_SECONDS = 30
#: Answers longer than this are refused (a translation is about as long as its text).
MAX_ANSWER_BYTES = 4 * 1024 * 1024
#: At most this much of a server's own error message is passed on.
DETAIL_CHARS = 200


class MachineTranslationError(Exception):
    """Machine translation failed; `message` can be shown to a translator as it is.

    `reason` says why, for callers and logs: "unreachable", "timeout", "pair" (the server
    does not translate between these languages), "key" (Deliberate's key was refused),
    "busy" (rate limit), "refused" (another refusal, the server's words in `detail`),
    "server" (the server failed) or "answer" (an answer that is not LibreTranslate's).
    """

    def __init__(self, reason: str, message, detail: str = ""):
        self.reason = reason
        self.message = message
        self.detail = detail
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


@runtime_checkable
class MachineTranslator(Protocol):
    """What Deliberate needs of a machine translation provider."""

    name: str

    def translate(self, text: str, source: str, target: str) -> str:
        """`text`, written in `source`, in `target` (BCP 47 tags); or MachineTranslationError."""
        ...

    def can_translate(self, source: str, target: str) -> bool:
        """Whether the provider offers this pair (False also when it cannot be asked now)."""
        ...


def primary(tag: str) -> str:
    """The primary language subtag, lower case: "fr-ML" -> "fr", "ff-Latn-ML" -> "ff"."""
    return tag.strip().replace("_", "-").split("-", 1)[0].lower()


def server_code(tag: str, codes) -> str | None:
    """The code, among a server's `codes`, for a BCP 47 tag: the tag itself (any case), else
    the longest code the tag starts with ("zh-Hant-TW" -> "zh-Hant"), else a code with the
    same primary language subtag, the bare one first ("fr-ML" -> "fr"). None if none."""
    tag = tag.strip().replace("_", "-")
    by_lower = {code.lower(): code for code in codes}
    parts = tag.lower().split("-")
    while parts:
        if (found := by_lower.get("-".join(parts))) is not None:
            return found
        parts.pop()
    language = primary(tag)
    same = sorted(code for code in codes if primary(code) == language)
    return same[0] if same else None


class LibreTranslate:
    """A LibreTranslate server (https://docs.libretranslate.com), by its base address.

    `translate` first checks the pair against the server's list of languages (kept
    LANGUAGES_SECONDS), so no text is sent for a pair the server does not offer.
    """

    name = "LibreTranslate"

    def __init__(
        self,
        url: str,
        key: str | None = None,
        timeout: float = 10,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a machine translation server's address starts with http(s)://")
        self.url = url.strip().rstrip("/")
        self.key = key or None
        self.timeout = float(timeout)
        self._clock = clock
        self._lock = threading.Lock()
        self._languages: dict[str, set[str]] | None = None
        self._languages_at = 0.0
        self._failure: MachineTranslationError | None = None
        self._failure_at = 0.0
        # Only plain HTTP(S): no file:, ftp: or data: handler, no redirect handler (a 3xx is
        # an error, so text never goes anywhere but `url`), no proxy from the environment.
        self._opener = urllib.request.OpenerDirector()
        for handler in (
            urllib.request.HTTPHandler(),
            urllib.request.HTTPSHandler(),
            urllib.request.HTTPDefaultErrorHandler(),
            urllib.request.HTTPErrorProcessor(),
        ):
            self._opener.add_handler(handler)

    def __repr__(self) -> str:
        parts = urlsplit(self.url)  # never the key, nor a password in the address
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        return f"LibreTranslate({shown!r})"

    # --- the API ------------------------------------------------------------------------------

    def translate(self, text: str, source: str, target: str) -> str:
        """`text`, written in `source`, machine-translated into `target` (BCP 47 tags, sent
        as the server's codes: "fr-ML" as "fr"); MachineTranslationError if it cannot be.
        Blank text comes back as it is, without asking the server."""
        if not text.strip():
            return text
        pairs = self.languages()
        source_code = server_code(source, pairs)
        target_code = server_code(target, pairs[source_code]) if source_code else None
        if source_code is None or target_code is None or primary(source) == primary(target):
            raise _pair_error(source, target)
        body = {"q": text, "source": source_code, "target": target_code, "format": "text"}
        if self.key:
            body["api_key"] = self.key
        try:
            answer = self._call("POST", "/translate", body, pair=(source, target))
        except MachineTranslationError as error:
            if error.reason == "pair":  # the server's models changed: ask for the list again
                with self._lock:
                    self._languages = None
            raise
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str):
            raise _answer_error("no translatedText")
        return translated

    def languages(self) -> dict[str, set[str]]:
        """The server's language pairs: each source code to the codes it translates into
        (LibreTranslate's own codes, e.g. "fr", "pt-BR", "zh-Hans"). Kept LANGUAGES_SECONDS;
        a failure is remembered FAILURE_SECONDS."""
        with self._lock:
            now = self._clock()
            if self._languages is not None and now - self._languages_at < LANGUAGES_SECONDS:
                return self._languages
            failure = self._failure
            if failure is not None and now - self._failure_at < FAILURE_SECONDS:
                raise MachineTranslationError(failure.reason, failure.message, failure.detail)
        try:
            pairs = _read_languages(self._call("GET", "/languages"))
        except MachineTranslationError as error:
            with self._lock:
                self._failure, self._failure_at = error, self._clock()
            raise
        with self._lock:
            self._languages, self._languages_at = pairs, self._clock()
            self._failure = None
        return pairs

    def can_translate(self, source: str, target: str) -> bool:
        """Whether the server translates from `source` into `target`, compared on their
        primary language subtags ("fr-ML" is "fr"). False when the server cannot be asked
        now (the failure is logged), so a page can ask without failing."""
        if primary(source) == primary(target):
            return False
        try:
            pairs = self.languages()
        except MachineTranslationError:
            return False
        source_code = server_code(source, pairs)
        return source_code is not None and server_code(target, pairs[source_code]) is not None

    # --- HTTP ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict | None = None, pair=None):
        """The JSON answer to one request, or MachineTranslationError."""
        data = None if body is None else json.dumps(body).encode()
        # The address is http(s) (checked in __init__), and the opener has no other handler.
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", "Deliberate")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            try:
                raw = error.read(MAX_ANSWER_BYTES + 1)
            except OSError:
                raw = b""
            finally:
                error.close()
            raise self._logged(_status_error(error.code, _error_text(raw), pair), path) from None
        except TimeoutError:
            raise self._logged(_timeout_error(), path) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise self._logged(_timeout_error(), path) from None
            raise self._logged(_unreachable_error(error.reason), path) from None
        except OSError as error:  # the connection broke while reading the answer
            raise self._logged(_unreachable_error(error), path) from None
        if len(raw) > MAX_ANSWER_BYTES:
            raise self._logged(_answer_error("answer too long"), path)
        try:
            return json.loads(raw)
        except ValueError:
            raise self._logged(_answer_error("not JSON"), path) from None

    def _logged(self, error: MachineTranslationError, path: str) -> MachineTranslationError:
        # The reason and the server's own words; never the text, the key or who asked.
        log.warning(
            "machine translation failed: %s %s (%s)", path, error.reason, error.detail or "-"
        )
        return error


def _read_languages(answer) -> dict[str, set[str]]:
    """[{"code", "name", "targets"}] -> {code: {target codes}}."""
    if not isinstance(answer, list):
        raise _answer_error("languages: not a list")
    pairs: dict[str, set[str]] = {}
    for language in answer:
        if not isinstance(language, dict) or not isinstance(language.get("code"), str):
            raise _answer_error("languages: no code")
        targets = language.get("targets") or []
        code = language["code"]
        pairs[code] = {t for t in targets if isinstance(t, str) and t != code}
    return pairs


def _error_text(raw: bytes) -> str:
    """The server's {"error": "..."}, shortened, or ""."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return ""
    error = answer.get("error") if isinstance(answer, dict) else None
    return str(error)[:DETAIL_CHARS] if error else ""


def _status_error(status: int, detail: str, pair) -> MachineTranslationError:
    # LibreTranslate's errors (its app.py): 400 for a bad request, including "xx is not
    # supported", "X (xx) is not available as a target language from Y (yy)", a text over
    # the character limit, or a key it requires and did not get; 403 "Invalid API key" (or
    # a client banned for too many limit violations); 429 "Slowdown: ..."; 500 "Cannot
    # translate text: ...".
    if status == 400 and pair and ("not supported" in detail or "not available" in detail):
        return _pair_error(*pair, detail=detail)
    if status in (401, 403):
        message = _l(
            "The translation server refused Deliberate's access key. The site's "
            "administrators can fix this; until then, translate without it."
        )
        return MachineTranslationError("key", message, detail)
    if status == 429:
        message = _l("The translation server is busy. Wait a minute, then try again.")
        return MachineTranslationError("busy", message, detail)
    if status >= 500:
        message = _l(
            "The translation server could not translate this text. Try again later, or "
            "translate without it."
        )
        return MachineTranslationError("server", message, detail)
    if status == 400 and detail:
        message = _l("The translation server refused this text: %(detail)s", detail=detail)
        return MachineTranslationError("refused", message, detail)
    return _answer_error(f"HTTP {status} {detail}".strip())


def _pair_error(source: str, target: str, detail: str = "") -> MachineTranslationError:
    message = _l(
        "The translation server does not translate from %(source)s into %(target)s.",
        source=language_names.name(source),
        target=language_names.name(target),
    )
    return MachineTranslationError("pair", message, detail or f"{source} -> {target}")


def _timeout_error() -> MachineTranslationError:
    message = _l(
        "The translation server took too long to answer. Try again later, or translate without it."
    )
    return MachineTranslationError("timeout", message)


def _unreachable_error(why) -> MachineTranslationError:
    message = _l(
        "The translation server cannot be reached. Try again later, or translate without it."
    )
    return MachineTranslationError("unreachable", message, str(why)[:DETAIL_CHARS])


def _answer_error(detail: str) -> MachineTranslationError:
    message = _l(
        "The translation server gave an answer Deliberate cannot read. The site's "
        "administrators can check its address; until then, translate without it."
    )
    return MachineTranslationError("answer", message, detail)


# --- the configured provider -----------------------------------------------------------------

_EXTENSION = "deliberate.machine_translator"


def machine_translator() -> LibreTranslate | None:
    """The app's machine translator (TRANSLATE_URL, TRANSLATE_KEY, TRANSLATE_TIMEOUT), or
    None when no server is configured (or its address is not http(s), which is logged).

    One instance per app and settings, so its list of languages is shared by requests."""
    config = current_app.config
    url = config.get("TRANSLATE_URL")
    if not url:
        return None
    settings = (url, config.get("TRANSLATE_KEY"), float(config.get("TRANSLATE_TIMEOUT") or 10))
    kept = current_app.extensions.get(_EXTENSION)
    if kept is not None and kept[0] == settings:
        return kept[1]
    try:
        translator = LibreTranslate(*settings)
    except ValueError:
        log.error("DELIBERATE_TRANSLATE_URL is not an http:// or https:// address: ignored")
        return None
    current_app.extensions[_EXTENSION] = (settings, translator)
    return translator
