"""Server-rendered SVG charts for the debate report: no JavaScript, no inline styles.

Each chart returns one inline ``<svg>`` as Markup, titled and described for screen readers
(the description states the numbers in words), sized by its viewBox so it scales to the page.

The viewBox is 360 units wide and text is at least 14 units, so labels stay at 12 px or more on
a 360 px phone (whose page column is about 330 px). On a wide screen the page should cap the
chart's width (say ``.chart-svg{max-width:32rem}``), or the text grows with the chart.

The Content Security Policy forbids inline styles, so everything is drawn with presentation
attributes. Every chart paints its own white background: the colours are chosen for contrast
on white, which also keeps them readable in dark mode and in print.

Markup is built by ``_tag``, which escapes every attribute value and every plain-string
child, so user text (excerpts, community names) cannot inject markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 360  # viewBox width; see the module docstring
FONT = 15
SMALL = 14
INK, MUTED, RULE, WHITE = "#1d1d1b", "#5b5b57", "#d9d6cf", "#ffffff"
SIDES = ("for", "against", "undecided")
# Teal and orange, told apart with any colour vision (blue against yellow, where red and green
# merge), and as the pages show them (static/style.css --P and --N).
SIDE_COLOURS = {"for": "#0f6e84", "against": "#b0480e", "undecided": "#6b6b6b"}
STANCE_COLOURS = {"pro": "#0f6e84", "con": "#b0480e", "statement": "#1c4f8f"}
#: The report groups arguments by the side of the motion they help (models.motion_side),
#: not by their stance towards their parent: a reply opposing an argument against the
#: motion helps "for". Older figures said "pro" and "con" for the top level.
SIDE_OF = {"pro": "for", "con": "against", "for": "for", "against": "against"}


def side_key(value: str | None) -> str:
    """ "pro" (solid) or "con" (striped), the chart's two fills, for a side of the motion."""
    side = SIDE_OF.get(value or "")
    return {"for": "pro", "against": "con"}.get(side, "statement")


NEUTRAL = "#f2efe9"  # middle of the agreement scale
# Okabe–Ito, safe for colour blindness; each group also gets its own marker shape.
GROUP_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
MAX_POINTS = 1500
MAX_LAYERS = 6  # icicle rows, the motion included
SVG_NS = "http://www.w3.org/2000/svg"

Swatch = Callable[[float, float], Markup]  # draws a legend key centred on (x, y)


# --- markup helpers -------------------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate rounded to one decimal, without a trailing .0 (compact markup)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _tag(name: str, *children: str, **attrs: object) -> Markup:
    """One element. Attribute values and plain-string children are escaped; Markup is not.

    Keyword names map to attributes: font_size -> font-size, class_ -> class."""
    attributes = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(_num(v) if isinstance(v, float) else v)}"'
        for key, v in attrs.items()
        if v is not None
    )
    if not children:
        return Markup(f"<{name}{attributes}/>")  # noqa: S704 - every part is escaped above  # nosec B704
    inner = "".join(escape(child) for child in children)
    return Markup(f"<{name}{attributes}>{inner}</{name}>")  # noqa: S704 - escaped above  # nosec B704


def _text(x: float, y: float, content: str, **attrs: object) -> Markup:
    return _tag("text", content, x=float(x), y=float(y), **attrs)


def _svg(
    id_prefix: str,
    kind: str,
    height: float,
    title: str,
    desc: str,
    body: Sequence[Markup],
    defs: Sequence[Markup] = (),
) -> Markup:
    ids = f"{id_prefix}-title", f"{id_prefix}-desc"
    return _tag(
        "svg",
        _tag("title", title, id=ids[0]),
        _tag("desc", desc, id=ids[1]),
        *([_tag("defs", *defs)] if defs else []),
        _tag("rect", width="100%", height="100%", fill=WHITE),
        *body,
        xmlns=SVG_NS,
        role="img",
        aria_labelledby=" ".join(ids),
        viewBox=f"0 0 {WIDTH} {_num(height)}",
        width="100%",
        class_=f"chart-svg chart-svg--{kind}",
        font_family="inherit",
        font_size=FONT,
        fill=INK,
    )


def _text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """A generous estimate of a system sans-serif's advance width, for fitting labels."""
    return len(text) * size * (0.62 if bold else 0.57)


def _truncate(text: str, length: int) -> str:
    """At most length characters, cut at a word boundary when one is near, with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > length * 0.7 else cut).rstrip(" ,;:.-–—") + "…"


def _hatch(pattern_id: str, background: str, stripe: str, stripe_width: float = 1.5) -> Markup:
    """Diagonal stripes: tells fills apart by texture as well as colour (greyscale print)."""
    return _tag(
        "pattern",
        _tag("rect", width=6, height=6, fill=background),
        _tag("path", d="M-1 1l2-2M0 6l6-6M5 7l2-2", stroke=stripe, stroke_width=stripe_width),
        id=pattern_id,
        width=6,
        height=6,
        patternUnits="userSpaceOnUse",
    )


def _legend(
    entries: Sequence[tuple[Swatch, str]], y: float, size: int = SMALL
) -> tuple[list[Markup], float]:
    """Keys laid out left to right, wrapping onto new lines (translations vary in length);
    returns the parts and the y just below the legend."""
    parts, x = [], 4.0
    for swatch, label in entries:
        width = 20 + _text_width(label, size)
        if x > 4 and x + width > WIDTH - 4:
            x, y = 4.0, y + size + 8
        parts += [swatch(x + 6, y), _text(x + 16, y + size * 0.36, label, font_size=size)]
        x += width + 12
    return parts, y + 14


def _square(fill: str) -> Swatch:
    return lambda x, y: _tag("rect", x=x - 6, y=y - 6, width=12, height=12, fill=fill)


# --- number formatting ----------------------------------------------------------------------


def _decimal(value: float) -> str:
    """Locale-formatted, at most one decimal: 11, 10.8, 1,234 (10,8 in French)."""
    return format_decimal(round(value, 1))


def _pct(value: float | None) -> str:
    return format_decimal(round(value or 0))


def _signed(value: float | None) -> str:
    value = round(value or 0, 1)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + _decimal(abs(value))


def _side_name(side: str) -> str:
    return {"for": _("For"), "against": _("Against"), "undecided": _("Undecided")}[side]


def _split_sentence(pct: dict) -> str:
    return _(
        "%(for_pct)s%% for, %(against_pct)s%% against, %(undecided_pct)s%% undecided",
        for_pct=_pct(pct.get("for")),
        against_pct=_pct(pct.get("against")),
        undecided_pct=_pct(pct.get("undecided")),
    )


# --- 1. before/after motion vote ------------------------------------------------------------


def _bar_label(side: str, pct: float, words: bool) -> list[str]:
    """In-bar labels, longest first; the first that fits is drawn."""
    bare = _("%(pct)s%%", pct=_pct(pct))
    if not words:
        return [bare]
    worded = {
        "for": _("%(pct)s%% for", pct=_pct(pct)),
        "against": _("%(pct)s%% against", pct=_pct(pct)),
        "undecided": _("%(pct)s%% undecided", pct=_pct(pct)),
    }[side]
    return [worded, bare]


def _stacked_bar(
    pct: dict, x: float, y: float, width: float, height: float, fills: dict, words: bool
) -> list[Markup]:
    """A 100% bar: for, against, undecided, left to right, a white gap between segments."""
    values = {side: max(pct.get(side) or 0, 0) for side in SIDES}
    total = sum(values.values())
    if total <= 0:
        return [_tag("rect", x=x, y=y, width=width, height=height, fill="none", stroke=RULE)]
    shown = [side for side in SIDES if values[side] > 0]
    parts, left = [], x
    size = FONT if height >= 24 else SMALL
    for side in shown:
        full = values[side] / total * width
        drawn = full - (1.5 if side != shown[-1] else 0)
        parts.append(
            _tag("rect", x=left, y=y, width=max(drawn, 0.5), height=height, fill=fills[side])
        )
        fitting = [
            t
            for t in _bar_label(side, values[side], words)
            if _text_width(t, size, bold=True) < drawn - 6
        ]
        if fitting:
            # White on the solid colours; ink with a white halo on the undecided stripes.
            colours = (
                {"fill": INK, "stroke": WHITE, "stroke_width": 3, "paint_order": "stroke"}
                if side == "undecided"
                else {"fill": WHITE}
            )
            parts.append(
                _text(
                    left + drawn / 2,
                    y + height / 2 + size * 0.36,
                    fitting[0],
                    font_size=size,
                    text_anchor="middle",
                    font_weight=600,
                    **colours,
                )
            )
        left += full
    return parts


def _side_fills(id_prefix: str) -> tuple[dict[str, str], list[Markup]]:
    """Fills of for, against and undecided, and the patterns they need. For and against
    are about as dark as each other, so against gets darker stripes to tell them apart in
    grey print; undecided is grey stripes on white."""
    fills = {
        "for": SIDE_COLOURS["for"],
        "against": f"url(#{id_prefix}-against)",
        "undecided": f"url(#{id_prefix}-undecided)",
    }
    defs = [
        _hatch(f"{id_prefix}-against", SIDE_COLOURS["against"], "#6b2519", 2),
        _hatch(f"{id_prefix}-undecided", WHITE, SIDE_COLOURS["undecided"]),
    ]
    return fills, defs


def _side_key(fills: dict[str, str], side: str, label: str) -> tuple[Swatch, str]:
    """A legend entry; the undecided swatch gets an outline, its stripes being light."""
    stroke = SIDE_COLOURS[side] if side == "undecided" else None

    def swatch(x: float, y: float) -> Markup:
        return _tag("rect", x=x - 6, y=y - 6, width=12, height=12, fill=fills[side], stroke=stroke)

    return swatch, label


def _shift_desc(shift: dict) -> str:
    change = shift.get("change") or {}
    sentences = [
        _("Before the debate: %(split)s.", split=_split_sentence(shift.get("before_pct") or {})),
        _("After the debate: %(split)s.", split=_split_sentence(shift.get("after_pct") or {})),
        _(
            "Change in percentage points: for %(for_change)s, against %(against_change)s, "
            "undecided %(undecided_change)s.",
            for_change=_signed(change.get("for")),
            against_change=_signed(change.get("against")),
            undecided_change=_signed(change.get("undecided")),
        ),
        ngettext(
            "Based on %(count)s participant who voted before and after.",
            "Based on %(count)s participants who voted before and after.",
            shift["paired"],
            count=_decimal(shift["paired"]),
        ),
        {
            "for": _("The “for” side won."),
            "against": _("The “against” side won."),
        }.get(shift.get("winner"), _("Neither side won.")),
    ]
    return " ".join(sentences)


def shift_bars(shift: dict, id_prefix: str) -> Markup:
    """The motion vote before and after the debate, as two 100% bars."""
    title = _("Motion vote before and after the debate")
    if not shift.get("paired"):
        message = _("No final votes yet.")
        desc = _("No participant has voted both before and after the debate yet.")
        return _svg(id_prefix, "shift", 40, title, desc, [_text(4, 25, message, fill=MUTED)])

    fills, defs = _side_fills(id_prefix)
    body, y = [], 0
    for label, key in (
        (_("Before the debate"), "before_pct"),
        (_("After the debate"), "after_pct"),
    ):
        body.append(_text(4, y + 20, label, font_weight=600))
        body += _stacked_bar(shift.get(key) or {}, 4, y + 27, WIDTH - 8, 30, fills, words=True)
        y += 66
    # The change per side doubles as the legend.
    change = shift.get("change") or {}
    body.append(_text(4, y + 16, _("Change"), font_weight=600))
    entries = [
        _side_key(
            fills,
            side,
            _("%(side)s %(change)s pts", side=_side_name(side), change=_signed(change.get(side))),
        )
        for side in SIDES
    ]
    legend, y = _legend(entries, y + 33, size=FONT)
    return _svg(id_prefix, "shift", y, title, _shift_desc(shift), body + legend, defs)


def _community_block(
    community: dict, y: float, fills: dict, labels: tuple[str, str], label_width: float
) -> tuple[list[Markup], str, float]:
    """One community: its name and size, then its before and after bars. Returns the
    parts, the community's sentence of the description, and the block's height."""
    members = int(community.get("members") or 0)
    count = ngettext("%(count)s member", "%(count)s members", members, count=_decimal(members))
    room = WIDTH - 16 - _text_width(count, SMALL)
    parts = [
        _text(4, y + 22, _truncate(community["name"], int(room / (FONT * 0.62))), font_weight=600),
        _text(WIDTH - 4, y + 22, count, font_size=SMALL, fill=MUTED, text_anchor="end"),
    ]
    name = ngettext(
        "%(name)s (%(count)s member)",
        "%(name)s (%(count)s members)",
        members,
        name=community["name"],
        count=_decimal(members),
    )
    if not community.get("paired"):
        parts.append(_text(4, y + 42, _("No final votes yet."), font_size=SMALL, fill=MUTED))
        return parts, _("%(community)s: no final votes yet.", community=name), 56
    for i, key in enumerate(("before_pct", "after_pct")):
        top = y + 30 + i * 22
        parts.append(_text(4, top + 13.5, labels[i], font_size=SMALL, fill=MUTED))
        parts += _stacked_bar(
            community.get(key) or {},
            label_width,
            top,
            WIDTH - 4 - label_width,
            18,
            fills,
            words=False,
        )
    sentence = _(
        "%(community)s: before, %(before)s; after, %(after)s (%(count)s voted before and after).",
        community=name,
        before=_split_sentence(community.get("before_pct") or {}),
        after=_split_sentence(community.get("after_pct") or {}),
        count=_decimal(community["paired"]),
    )
    return parts, sentence, 82


def community_shift_rows(communities: list[dict], id_prefix: str) -> Markup:
    """Small multiples: a before and an after bar for each community."""
    if not communities:
        return Markup("")
    fills, defs = _side_fills(id_prefix)
    body, y = _legend([_side_key(fills, side, _side_name(side)) for side in SIDES], 14)
    labels = _("Before"), _("After")
    label_width = min(max(_text_width(t, SMALL) for t in labels) + 8, 100)
    desc = [_("The motion vote in each community, before and after the debate.")]
    for community in communities:
        parts, sentence, height = _community_block(community, y, fills, labels, label_width)
        body += parts
        desc.append(sentence)
        y += height
    title = _("Motion vote by community, before and after the debate")
    return _svg(id_prefix, "community-shift", y + 4, title, " ".join(desc), body, defs)


# --- 2. agreement heatmap -------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(a: str, b: str, t: float) -> str:
    """The colour a fraction t of the way from a to b."""
    return "#" + "".join(
        f"{round(x + (y - x) * t):02x}" for x, y in zip(_rgb(a), _rgb(b), strict=True)
    )


def _luminance(colour: str) -> float:
    """WCAG relative luminance."""
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (x / 255 for x in _rgb(colour))
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _label_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with the fill (at worst about 4.6:1)."""
    lum = _luminance(fill)
    return WHITE if 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05 else "#000000"


def _agree_colour(rate: float) -> str:
    """Diverging scale: brick red (all disagree), neutral at 0.5, teal green (all agree)."""
    rate = min(max(rate, 0.0), 1.0)
    if rate < 0.5:
        return _mix(SIDE_COLOURS["against"], NEUTRAL, rate * 2)
    return _mix(NEUTRAL, SIDE_COLOURS["for"], rate * 2 - 1)


def _stance_name(stance: str) -> str:
    """The side of the motion an argument helps, in the pages' words (For, Against)."""
    return {"pro": _("For"), "con": _("Against")}.get(side_key(stance)) or _("Statement")


def _cell(row: dict, i: int) -> tuple[float | None, int | None]:
    """One cell's agree share (None: no votes, or too few to show) and vote count (None:
    withheld, fewer than 5); short lists read as no votes."""
    rates, votes = row.get("rates") or [], row.get("votes") or []
    rate = rates[i] if i < len(rates) else None
    return rate, (votes[i] if votes[i] is None else int(votes[i])) if i < len(votes) else 0


def _excerpt(row: dict) -> str:
    """An argument's excerpt, or what stands for one hidden or deleted since."""
    return row.get("excerpt") or _("[no longer shown: hidden or deleted since]")


def _cell_text(community: str, rate: float | None, count: int | None) -> str:
    """A cell in words: its hover text, and its part of the description."""
    if count is None:
        return _("%(community)s: fewer than 5 votes", community=community)
    if rate is None:
        return _("%(community)s: no votes", community=community)
    return ngettext(
        "%(community)s: %(pct)s%% agreed (%(count)s vote)",
        "%(community)s: %(pct)s%% agreed (%(count)s votes)",
        count,
        community=community,
        pct=_pct(rate * 100),
        count=_decimal(count),
    )


def _heatmap_row(row: dict, y: float, cell: float, communities: list[str]) -> Markup:
    """A row: its argument above (a label to the left would not fit a phone), then cells;
    the full excerpt is the row's hover text."""
    stance = side_key(row.get("side") or row.get("stance", "pro"))
    name = _stance_name(stance)
    room = (WIDTH - 8 - _text_width(name + " ", bold=True)) / (FONT * 0.57)
    label = _tag(
        "text",
        _tag("tspan", name, fill=STANCE_COLOURS.get(stance, INK), font_weight=700),
        " " + _truncate(_excerpt(row), int(room)),
        x=4,
        y=y + 14,
    )
    cells = []
    for i, community in enumerate(communities):
        rate, count = _cell(row, i)
        fill = WHITE if rate is None else _agree_colour(rate)
        text = "–" if rate is None else _("%(pct)s%%", pct=_pct(rate * 100))
        ink = MUTED if rate is None else _label_colour(fill)
        x = 4 + i * cell
        rect = _tag(
            "rect",
            x=x + 1,
            y=y + 20,
            width=cell - 2,
            height=26,
            fill=fill,
            stroke=RULE if rate is None else None,
        )
        number = _text(
            x + cell / 2, y + 37.5, text, font_size=SMALL, text_anchor="middle", fill=ink
        )
        cells.append(_tag("g", _tag("title", _cell_text(community, rate, count)), rect, number))
    return _tag("g", _tag("title", _excerpt(row)), label, *cells)


def _heatmap_desc(heatmap: dict) -> str:
    sentences = [_("Share of each community's votes that agreed with each argument.")]
    for row in heatmap["rows"]:
        cells = (_cell_text(name, *_cell(row, i)) for i, name in enumerate(heatmap["communities"]))
        sentences.append(
            _(
                "%(stance)s argument “%(excerpt)s”: %(rates)s.",
                stance=_stance_name(row.get("side") or row.get("stance", "pro")),
                excerpt=_truncate(_excerpt(row), 60),
                rates=_list_separator().join(cells),
            )
        )
    return " ".join(sentences)


def _heatmap_scale(y: float, scale_id: str) -> list[Markup]:
    """The colour key: a gradient with its ends and middle labelled, and the empty cell on
    a line of its own (beside the gradient it would not fit a phone)."""
    ticks = ((0, "start"), (0.5, "middle"), (1, "end"))
    half = WIDTH / 2
    return [
        _text(4, y + 14, _("Share of votes that agreed"), font_size=SMALL, fill=MUTED),
        _tag("rect", x=4, y=y + 20, width=half, height=10, fill=f"url(#{scale_id})"),
        *(
            _text(
                4 + half * t,
                y + 44,
                _("%(pct)s%%", pct=_pct(t * 100)),
                font_size=SMALL,
                text_anchor=anchor,
                fill=MUTED,
            )
            for t, anchor in ticks
        ),
        _tag("rect", x=4, y=y + 54, width=24, height=18, fill="none", stroke=RULE),
        _text(16, y + 67.5, "–", font_size=SMALL, text_anchor="middle", fill=MUTED),
        _text(34, y + 67.5, _("fewer than 5 votes"), font_size=SMALL, fill=MUTED),
    ]


def agreement_heatmap(heatmap: dict, id_prefix: str) -> Markup:
    """How much each community agreed with each argument, on a diverging colour scale."""
    communities = heatmap.get("communities") or []
    rows = heatmap.get("rows") or []
    if not communities or not rows:
        return Markup("")
    # Column headers slant up to the right, so the grid leaves room for the last one.
    headers = [_truncate(name, 18) for name in communities]
    slant = max(_text_width(name, SMALL) for name in headers) * 0.71
    n = len(headers)
    cell = min(72.0, (WIDTH - 8) / n, (WIDTH - 10 - slant) / (n - 0.5))
    y = slant + 12
    body = []
    for i, name in enumerate(headers):
        x = _num(4 + (i + 0.5) * cell - 3)
        body.append(
            _text(
                float(x), y - 4, name, font_size=SMALL, transform=f"rotate(-45 {x} {_num(y - 4)})"
            )
        )
    for row in rows:
        body.append(_heatmap_row(row, y, cell, communities))
        y += 54
    scale_id = f"{id_prefix}-scale"
    body += _heatmap_scale(y, scale_id)
    stops = (_tag("stop", offset=f"{t * 50}%", stop_color=_agree_colour(t / 2)) for t in (0, 1, 2))
    gradient = _tag("linearGradient", *stops, id=scale_id)
    title = _("Agreement with the arguments, by community")
    return _svg(id_prefix, "heatmap", y + 80, title, _heatmap_desc(heatmap), body, [gradient])


# --- 3. opinion map -------------------------------------------------------------------------


def _marker_path(shape: int, x: float, y: float, r: float = 3.4) -> str:
    """Path data for one marker; shapes tell groups apart where colours cannot (grey print)."""
    n = _num
    if shape == 0:  # circle
        return (
            f"M{n(x - r)} {n(y)}a{n(r)} {n(r)} 0 1 0 {n(2 * r)} 0a{n(r)} {n(r)} 0 1 0 {n(-2 * r)} 0"
        )
    if shape == 1:  # square
        s = r * 1.7
        return f"M{n(x - s / 2)} {n(y - s / 2)}h{n(s)}v{n(s)}h{n(-s)}z"
    if shape == 2:  # triangle
        return f"M{n(x)} {n(y - r * 1.2)}l{n(r * 1.15)} {n(r * 2)}h{n(-r * 2.3)}z"
    if shape == 3:  # diamond
        d = r * 1.3
        return f"M{n(x)} {n(y - d)}l{n(d)} {n(d)}l{n(-d)} {n(d)}l{n(-d)} {n(-d)}z"
    a, e = r * 0.45, r * 1.3  # cross: arm half-width, reach
    return (
        f"M{n(x - a)} {n(y - e)}h{n(2 * a)}v{n(e - a)}h{n(e - a)}v{n(2 * a)}h{n(a - e)}"
        f"v{n(e - a)}h{n(-2 * a)}v{n(a - e)}h{n(a - e)}v{n(-2 * a)}h{n(e - a)}z"
    )


def _marker(index: int) -> Swatch:
    colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
    return lambda x, y: _tag(
        "path", d=_marker_path(index % 5, x, y, 4.5), fill=colour, stroke=INK, stroke_width=0.6
    )


def _sample(points: list, groups: int) -> tuple[list, int]:
    """At most MAX_POINTS points: every n-th point of each group, so shares are kept and the
    same input always gives the same picture. Returns the points and n."""
    step = math.ceil(len(points) / max(MAX_POINTS - groups, 1)) if len(points) > MAX_POINTS else 1
    if step == 1:
        return points, 1
    seen: dict[int, int] = {}
    kept = []
    for point in points:
        group = int(point[2])
        if seen.get(group, 0) % step == 0:
            kept.append(point)
        seen[group] = seen.get(group, 0) + 1
    return kept, step


def _group_label(group: dict) -> str:
    size = int(group.get("size") or 0)
    return ngettext(
        "Group %(label)s · %(count)s person",
        "Group %(label)s · %(count)s people",
        size,
        label=group.get("label", ""),
        count=_decimal(size),
    )


def _opinion_desc(groups: dict, step: int) -> str:
    sizes = _list_separator().join(_group_label(g) for g in groups.get("groups") or [])
    clustered = int(groups.get("clustered") or len(groups.get("points") or []))
    sentences = [
        ngettext(
            "%(count)s participant, placed by how they voted on the arguments and sorted into "
            "%(k)s opinion groups: %(sizes)s.",
            "%(count)s participants, placed by how they voted on the arguments and sorted into "
            "%(k)s opinion groups: %(sizes)s.",
            clustered,
            count=_decimal(clustered),
            k=len(groups.get("groups") or []),
            sizes=sizes,
        ),
        _("Participants close together voted alike; the axes have no units."),
    ]
    if step > 1:
        sentences.append(
            ngettext(
                "One dot for every %(n)s participant.",
                "One dot for every %(n)s participants.",
                step,
                n=step,
            )
        )
    return " ".join(sentences)


def opinion_map(groups: dict, id_prefix: str) -> Markup:
    """Participants as dots, placed by voting similarity, marked by opinion group."""
    points = [p for p in groups.get("points") or [] if len(p) >= 3]
    if groups.get("status") != "ok" or not points:
        return Markup("")
    group_list = groups.get("groups") or []
    drawn, step = _sample(points, len({int(p[2]) for p in points}))

    # The same scale on both axes (distances mean something), fitted inside a margin.
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    margin, plot_w = 10, WIDTH - 20
    scale = min(plot_w / span_x, 300 / span_y)
    plot_h = max(span_y * scale, 60)
    left = margin + (plot_w - span_x * scale) / 2
    top = margin + (plot_h - span_y * scale) / 2
    frame_h = plot_h + 2 * margin

    def place(x: float, y: float) -> tuple[float, float]:
        return left + (x - min(xs)) * scale, top + (max(ys) - y) * scale  # y grows upwards

    origin_x, origin_y = place(0, 0)
    body = [_tag("rect", x=1, y=1, width=WIDTH - 2, height=frame_h - 2, fill="none", stroke=RULE)]
    # Light cross-hairs through the origin, the centre of the opinions.
    if margin <= origin_x <= WIDTH - margin:
        body.append(_tag("path", d=f"M{_num(origin_x)} 1V{_num(frame_h - 1)}", stroke=RULE))
    if margin <= origin_y <= frame_h - margin:
        body.append(_tag("path", d=f"M1 {_num(origin_y)}H{WIDTH - 1}", stroke=RULE))
    # One path per group keeps the markup small; a thin dark outline lifts the lighter
    # Okabe–Ito colours above 3:1 against white.
    for index in range(max(len(group_list), 1 + max(int(p[2]) for p in drawn))):
        shapes = "".join(
            _marker_path(index % 5, *place(p[0], p[1])) for p in drawn if int(p[2]) == index
        )
        if shapes:
            body.append(
                _tag(
                    "path",
                    d=shapes,
                    fill=GROUP_COLOURS[index % len(GROUP_COLOURS)],
                    fill_opacity=0.85,
                    stroke=INK,
                    stroke_width=0.4,
                )
            )
    entries = [(_marker(i), _group_label(g)) for i, g in enumerate(group_list)]
    legend, bottom = _legend(entries, frame_h + 16)
    body += legend
    title = _("Opinion groups")
    return _svg(id_prefix, "opinions", bottom + 4, title, _opinion_desc(groups, step), body)


# --- 4. argument tree icicle ----------------------------------------------------------------


def _subtrees(nodes: list) -> tuple[dict, dict, dict]:
    """Children (in input order), and per node its subtree's weight (votes + 1 for every
    node, so unvoted ones stay visible) and its subtree's votes. Node 0 is the motion."""
    children: dict[int, list[int]] = {0: []}
    parent_of: dict[int, int] = {}
    weight: dict[int, float] = {0: 0}
    votes: dict[int, int] = {0: 0}
    for node_id, parent, _stance, count, _depth in nodes:
        parent = parent if parent in weight else 0  # an orphan hangs from the motion
        parent_of[node_id] = parent
        children.setdefault(parent, []).append(node_id)
        weight[node_id], votes[node_id] = int(count) + 1, int(count)
    for node_id in reversed(list(parent_of)):  # parents come first, so children are done
        weight[parent_of[node_id]] += weight[node_id]
        votes[parent_of[node_id]] += votes[node_id]
    return children, weight, votes


def _stance_fill(stance: str, layer: int, id_prefix: str) -> str:
    """For the motion solid, against striped (told apart in grey print); deeper layers
    lighter."""
    stance = side_key(stance)
    if stance == "con":
        return f"url(#{id_prefix}-con{layer})"
    return _mix(STANCE_COLOURS.get(stance, STANCE_COLOURS["pro"]), WHITE, _tint(layer))


def _tint(layer: int) -> float:
    return 0.07 * (layer - 1)  # at most 28% white, keeping 3:1 contrast on white


def _argument_kind(stance: str) -> str:
    kinds = {"con": _("Argument against"), "pro": _("Argument for")}
    return kinds.get(side_key(stance)) or _("Statement")


def _node_title(stance: str, node_id: int, votes: int) -> str:
    kind = _argument_kind(stance)
    return ngettext(
        "%(kind)s #%(id)s · %(count)s vote",
        "%(kind)s #%(id)s · %(count)s votes",
        votes,
        kind=kind,
        id=node_id,
        count=_decimal(votes),
    )


LAYER_H, LAYER_GAP = 26, 2
MIN_WIDTH = 2.0  # icicle nodes narrower than this merge with their small siblings


def summarise_tree(nodes: list) -> dict:
    """What the icicle draws, worked out when the results are computed, so that a report
    costs the same for 100 arguments or 100,000: the branches wide enough to draw (with
    their width, the votes in them, and their own votes), and per parent and stance one
    block of the narrower ones. `nodes`: (id, parent id or 0, stance, votes, depth), parents
    first."""
    children, weight, votes = _subtrees(nodes)
    info = {n[0]: ("con" if n[2] == "con" else "pro", int(n[3]), int(n[4])) for n in nodes}
    wide_enough = MIN_WIDTH * max(weight[0], 1) / (WIDTH - 8)
    branches, folded = [], []
    stack = [(0, 0)]  # node, layer (the motion is layer 0)
    while stack:
        node, layer = stack.pop()
        if layer + 1 >= MAX_LAYERS:
            continue  # deeper replies stay folded into this node's width
        tail = {"pro": [0, 0, 0], "con": [0, 0, 0]}  # arguments, width, votes
        for kid in sorted(children.get(node, ()), key=lambda c: -weight[c]):
            stance, own, depth = info[kid]
            if weight[kid] < wide_enough:
                tail[stance][0] += 1
                tail[stance][1] += weight[kid]
                tail[stance][2] += votes[kid]
                continue
            branches.append([kid, node, stance, own, depth, weight[kid], votes[kid]])
            stack.append((kid, layer + 1))
        folded += [[node, stance, *sums] for stance, sums in tail.items() if sums[0]]
    return {
        "branches": branches,
        "folded": folded,
        "count": len(nodes),
        "pro": sum(1 for stance, _own, _depth in info.values() if side_key(stance) == "pro"),
        "weight": weight[0],
        "deep": any(depth >= MAX_LAYERS - 1 for _s, _o, depth in info.values()),
    }


def _icicle_rects(tree: dict, id_prefix: str) -> list[Markup]:
    scale = (WIDTH - 8) / max(tree["weight"], 1)
    groups: dict[tuple[int, str], list[Markup]] = {}  # rects by fill, each fill set once
    blocks: dict[int, list] = {}  # per parent: its wide children (widest first), then the rest
    for kid, parent, stance, own, _depth, width, _votes in tree["branches"]:
        blocks.setdefault(parent, []).append((kid, stance, width, _node_title(stance, kid, own)))
    for parent, stance, count, width, _votes in tree["folded"]:
        blocks.setdefault(parent, []).append((None, stance, width, _smaller(stance, count)))

    def draw(layer: int, stance: str, x: float, width: float, hover: str) -> None:
        gap = 0.6 if width > 2 else 0  # the white gap between siblings
        title = [_tag("title", hover)] if width >= 2 else []  # hover text only where aimable
        y = float(layer * (LAYER_H + LAYER_GAP))
        groups.setdefault((layer, stance), []).append(
            _tag("rect", *title, x=x + gap / 2, y=y, width=width - gap, height=LAYER_H)
        )

    stack = [(0, 0, 4.0)]  # node, layer, left edge
    while stack:
        node, layer, x = stack.pop()
        for kid, stance, weight, hover in blocks.get(node, ()):
            width = weight * scale
            draw(layer + 1, stance, x, width, hover)
            if kid is not None:
                stack.append((kid, layer + 1, x))
            x += width
    return [
        _tag("g", *rects, fill=_stance_fill(stance, layer, id_prefix))
        for (layer, stance), rects in sorted(groups.items())
    ]


def _smaller(stance: str, count: int) -> str:
    """Hover text of the block where narrow siblings merge."""
    number = _decimal(count)
    if side_key(stance) == "pro":
        return ngettext(
            "%(count)s smaller argument for",
            "%(count)s smaller arguments for",
            count,
            count=number,
        )
    return ngettext(
        "%(count)s smaller argument against",
        "%(count)s smaller arguments against",
        count,
        count=number,
    )


def _icicle_desc(tree: dict) -> str:
    count, pro = tree["count"], tree["pro"]
    sentences = [
        ngettext(
            "%(count)s argument: %(pro)s for the motion, %(con)s against.",
            "%(count)s arguments: %(pro)s for the motion, %(con)s against.",
            count,
            count=_decimal(count),
            pro=_decimal(pro),
            con=_decimal(count - pro),
        ),
        _("Each row is one level of replies; a node's width shows the votes in its branch."),
    ]
    widest = [b for b in tree["branches"] if b[1] == 0][:3]  # stored widest first
    branches = ", ".join(
        ngettext(
            "%(kind)s #%(id)s (%(count)s vote in its branch)",
            "%(kind)s #%(id)s (%(count)s votes in its branch)",
            votes,
            kind=_argument_kind(stance),
            id=kid,
            count=_decimal(votes),
        )
        for kid, _parent, stance, _own, _depth, _width, votes in widest
    )
    if branches:
        sentences.append(_("The widest branches are %(list)s.", list=branches))
    if tree["deep"]:
        levels = MAX_LAYERS - 1
        sentences.append(
            ngettext(
                "Replies more than %(levels)s level deep are counted in their ancestors' width.",
                "Replies more than %(levels)s levels deep are counted in their ancestors' width.",
                levels,
                levels=levels,
            )
        )
    return " ".join(sentences)


def tree_icicle(tree: dict, id_prefix: str) -> Markup:
    """The whole argument tree as an icicle: the motion on top, each reply level below.
    `tree`: summarise_tree's summary (the report's figures hold one), or {"nodes": [...]}."""
    if "branches" not in tree:
        tree = summarise_tree([n for n in tree.get("nodes") or [] if len(n) >= 5])
    if not tree["count"]:
        return Markup("")
    motion = _tag("rect", x=4, y=0, width=WIDTH - 8, height=LAYER_H, fill=RULE)
    body = [motion, _text(WIDTH / 2, 17.5, _("The motion"), text_anchor="middle", font_weight=600)]
    body += _icicle_rects(tree, id_prefix)
    keys = [
        (_square(STANCE_COLOURS["pro"]), _("For")),
        (_square(f"url(#{id_prefix}-con1)"), _("Against")),
    ]
    legend, y = _legend(keys, MAX_LAYERS * (LAYER_H + LAYER_GAP) + 12)
    note = _("Width: votes in the branch. Rows: reply levels.")
    body += [*legend, _text(4, y + 8, note, font_size=SMALL, fill=MUTED)]
    con_tints = (_mix(STANCE_COLOURS["con"], WHITE, _tint(layer)) for layer in range(MAX_LAYERS))
    defs = [_hatch(f"{id_prefix}-con{i}", tint, WHITE, 1) for i, tint in enumerate(con_tints) if i]
    title = _("The argument tree")
    desc = _icicle_desc(tree)
    return _svg(id_prefix, "tree", y + 16, title, desc, body, defs)


def _list_separator() -> str:
    """ "; " in English; French sets a no-break space before the semicolon."""
    return "\u00a0; " if str(get_locale()) == "fr" else "; "
