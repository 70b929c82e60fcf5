"""The report's SVG charts: valid, accessible, CSP-safe (no inline style), escaped, bounded."""

import random
import re
import xml.etree.ElementTree as ET

import pytest
from flask import render_template_string
from markupsafe import Markup

from deliberate.results import charts

NS = "{http://www.w3.org/2000/svg}"
NASTY = '"><svg onload=alert(1)><script>alert(2)</script>'

SHIFT = {
    "paired": 120,
    "before_pct": {"for": 31.0, "against": 44.0, "undecided": 25.0},
    "after_pct": {"for": 42.0, "against": 49.0, "undecided": 9.0},
    "change": {"for": 11.0, "against": 5.0, "undecided": -16.0},
    "winner": "for",
}
COMMUNITIES = [
    {**SHIFT, "name": "Fulani herders", "members": 24, "paired": 20},
    {**SHIFT, "name": NASTY, "members": 1, "paired": 0},
]
HEATMAP = {
    "communities": ["Fulani herders", NASTY, "Civil society"],
    "rows": [
        {
            "id": 17,
            "excerpt": "Military operations alone have never ended a conflict like this one.",
            "stance": "pro",
            "rates": [0.82, None, 0.4],
            "votes": [11, 0, 5],
        },
        {"id": 18, "excerpt": NASTY, "stance": "con", "rates": [0.1, 0.5, 1.0], "votes": [3, 1, 2]},
    ],
}
GROUPS = {
    "status": "ok",
    "k": 3,
    "clustered": 6,
    "points": [
        [0.12, -0.53, 0],
        [0.2, -0.4, 0],
        [-1.0, 0.3, 1],
        [-0.9, 0.5, 1],
        [1, 1, 2],
        [1, 0.8, 0],
    ],
    "groups": [{"label": "A", "size": 3}, {"label": NASTY, "size": 2}, {"label": "C", "size": 1}],
}
TREE = {
    "nodes": [
        [17, 0, "pro", 23, 0],
        [18, 17, "con", 4, 1],
        [19, 0, "con", 0, 0],
        [20, 18, "pro", 1, 2],
    ]
}

EVERY_CHART = {
    "shift": lambda: charts.shift_bars(SHIFT, "shift"),
    "no votes": lambda: charts.shift_bars({**SHIFT, "paired": 0}, "none"),
    "communities": lambda: charts.community_shift_rows(COMMUNITIES, "comm"),
    "heatmap": lambda: charts.agreement_heatmap(HEATMAP, "heat"),
    "opinions": lambda: charts.opinion_map(GROUPS, "map"),
    "tree": lambda: charts.tree_icicle(TREE, "tree"),
}


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))  # noqa: S314 - our own output


def desc(root: ET.Element) -> str:
    return root.find(f"{NS}desc").text


@pytest.mark.parametrize("name", EVERY_CHART)
def test_chart_is_accessible_csp_safe_svg(ctx, name):
    svg = EVERY_CHART[name]()
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert root.get("height") is None
    width = float(root.get("viewBox").split()[2])
    assert 360 <= width <= 640
    # aria-labelledby names the svg's own title and desc, which come first.
    title_id, desc_id = root.get("aria-labelledby").split()
    assert [root[0].tag, root[0].get("id")] == [f"{NS}title", title_id]
    assert [root[1].tag, root[1].get("id")] == [f"{NS}desc", desc_id]
    assert root[0].text and root[1].text
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    prefix = title_id.removesuffix("-title")
    assert len(ids) == len(set(ids)) and all(i.startswith(prefix + "-") for i in ids)
    # No inline style, scripts, event handlers or external resources: the CSP forbids them.
    for element in root.iter():
        assert element.tag not in (f"{NS}style", f"{NS}script", f"{NS}foreignObject", f"{NS}image")
        assert "style" not in element.attrib
        assert not any(attribute.startswith("on") for attribute in element.attrib)
        assert not element.get("href", "#").startswith(("http", "//"))
    # Text stays legible: 12 viewBox units or more.
    assert all(float(e.get("font-size")) >= 12 for e in root.iter() if e.get("font-size"))
    # Compact: coordinates have at most one decimal.
    assert not re.search(r"\d\.\d\d", str(svg))


@pytest.mark.parametrize("name", EVERY_CHART)
def test_chart_is_deterministic(ctx, name):
    assert EVERY_CHART[name]() == EVERY_CHART[name]()


@pytest.mark.parametrize("name", ["communities", "heatmap", "opinions"])
def test_user_text_is_escaped(ctx, name):
    svg = EVERY_CHART[name]()
    root = parse(svg)  # would fail on a stray "><svg ...>
    assert "<script" not in svg and "<svg onload" not in svg
    assert sum(1 for e in root.iter() if e.tag == f"{NS}svg") == 1
    assert "&lt;script&gt;" in svg
    assert "<script>" in " ".join(root.itertext())  # shown as text, as written


def test_charts_embed_in_autoescaped_templates(app):
    with app.test_request_context():
        svg = charts.shift_bars(SHIFT, "shift")
        assert render_template_string("{{ chart }}", chart=svg) == svg


def test_shift_bars_states_the_numbers(ctx):
    root = parse(charts.shift_bars(SHIFT, "shift"))
    assert root.find(f"{NS}title").text == "Motion vote before and after the debate"
    words = desc(root)
    assert "Before the debate: 31% for, 44% against, 25% undecided." in words
    assert "After the debate: 42% for, 49% against, 9% undecided." in words
    assert "for +11, against +5, undecided −16" in words
    assert "120 participants" in words and "“for” side won" in words
    text = " ".join(root.itertext())
    assert "31% for" in text and "For +11 pts" in text and "Undecided −16 pts" in text


def test_shift_bars_without_final_votes(ctx):
    root = parse(charts.shift_bars({"paired": 0, "winner": None}, "none"))
    assert root.find(f"{NS}title").text
    assert "No final votes yet." in " ".join(root.itertext())
    assert root.find(f".//{NS}rect[@fill='url(#none-undecided)']") is None


def test_shift_bars_omit_labels_that_do_not_fit(ctx):
    shift = {**SHIFT, "after_pct": {"for": 1.0, "against": 97.0, "undecided": 2.0}}
    root = parse(charts.shift_bars(shift, "s"))
    labels = [t.text for t in root.iter(f"{NS}text")]
    assert "97% against" in labels
    assert not {"1%", "1% for", "2%", "2% undecided"} & set(labels)
    assert "After the debate: 1% for, 97% against, 2% undecided." in desc(root)


def test_community_rows(ctx):
    root = parse(charts.community_shift_rows(COMMUNITIES, "comm"))
    words = desc(root)
    assert "Fulani herders (24 members): before, 31% for" in words
    assert "(20 voted before and after)" in words
    assert "(1 member): no final votes yet." in words
    assert charts.community_shift_rows([], "comm") == ""


def test_heatmap_cells_and_labels(ctx):
    svg = charts.agreement_heatmap(HEATMAP, "heat")
    root = parse(svg)
    text = " ".join(root.itertext())
    assert "82%" in text and "–" in text and "100%" in text
    # The full excerpt is the row's hover text; the visible label is cut with an ellipsis.
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert HEATMAP["rows"][0]["excerpt"] in titles
    assert "Fulani herders: 82% agreed (11 votes)" in titles
    assert "Military operations alone have…" in text
    assert "Fulani herders: 82% agreed (11 votes)" in desc(root)
    # Diverging colours (full agreement is the "for" teal), each label readable on its cell.
    assert root.find(f".//{NS}rect[@fill='{charts._agree_colour(1.0)}']") is not None
    cells = [(g.find(f"{NS}rect"), g.find(f"{NS}text")) for g in root.iter(f"{NS}g")]
    cells = [(rect.get("fill"), text.get("fill")) for rect, text in cells if rect is not None]
    assert len(cells) == 6
    for fill, ink in cells:
        if fill != "#ffffff":  # the empty cell's dash is muted ink on white
            assert contrast(fill, ink) >= 4.5, (fill, ink)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((charts._luminance(c) for c in (a, b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(
    "heatmap",
    [{"communities": [], "rows": HEATMAP["rows"]}, {"communities": ["a"], "rows": []}, {}],
)
def test_heatmap_without_data_is_empty(ctx, heatmap):
    assert charts.agreement_heatmap(heatmap, "heat") == Markup("")


def test_heatmap_fits_seven_columns(ctx):
    names = [f"Community number {i} with a long name" for i in range(7)]
    heatmap = {"communities": names, "rows": [{**HEATMAP["rows"][0], "rates": [0.5] * 7}]}
    root = parse(charts.agreement_heatmap(heatmap, "heat"))
    cells = [r for r in root.iter(f"{NS}rect") if r.get("height") == "26"]
    assert len(cells) == 7
    right = max(float(r.get("x")) + float(r.get("width")) for r in cells)
    assert right <= float(root.get("viewBox").split()[2])


def test_opinion_map(ctx):
    root = parse(charts.opinion_map(GROUPS, "map"))
    words = desc(root)
    assert "6 participants" in words and "3 opinion groups" in words
    assert "Group A · 3 people" in words and "Group C · 1 person" in words
    assert "One dot" not in words
    assert "Group A · 3 people" in " ".join(root.itertext())
    # One path per group, each a different colour; every point is drawn.
    marks = [p for p in root.iter(f"{NS}path") if p.get("fill-opacity")]
    assert len({p.get("fill") for p in marks}) == 3
    assert sum(p.get("d").count("M") for p in marks) == 6


def test_opinion_map_keeps_the_aspect_ratio(ctx):
    groups = {**GROUPS, "points": [[-10, -1, 0], [10, 1, 0]]}
    root = parse(charts.opinion_map(groups, "m"))
    (mark,) = [p for p in root.iter(f"{NS}path") if p.get("fill-opacity")]
    (x0, y0), (x1, y1) = (map(float, xy) for xy in re.findall(r"M([\d.]+) ([\d.]+)", mark.get("d")))
    assert abs((x1 - x0) / (y0 - y1) - 10) < 0.5  # 20 wide, 2 tall in the data


def test_opinion_map_samples_large_groups(ctx):
    rng = random.Random(3)
    sizes = [2400, 1200, 400]
    points = [[rng.gauss(g, 1), rng.gauss(0, 1), g] for g, n in enumerate(sizes) for _ in range(n)]
    rng.shuffle(points)
    groups = {
        "status": "ok",
        "k": 3,
        "clustered": 4000,
        "points": points,
        "groups": [{"label": label, "size": n} for label, n in zip("ABC", sizes, strict=True)],
    }
    svg = charts.opinion_map(groups, "map")
    root = parse(svg)
    marks = [p.get("d").count("M") for p in root.iter(f"{NS}path") if p.get("fill-opacity")]
    assert sum(marks) <= charts.MAX_POINTS
    assert marks == [800, 400, 134]  # every third point of each group: shares are kept
    assert "One dot for every 3 participants." in desc(root)
    assert "4,000 participants" in desc(root)
    assert svg == charts.opinion_map(groups, "map")


@pytest.mark.parametrize("status", ["too_few", "error", None])
def test_opinion_map_without_groups_is_empty(ctx, status):
    assert charts.opinion_map({**GROUPS, "status": status}, "map") == Markup("")


def test_tree_icicle(ctx):
    root = parse(charts.tree_icicle(TREE, "tree"))
    words = desc(root)
    # Grouped by the side of the motion each branch helps, in the pages' words.
    assert "4 arguments: 2 for the motion, 2 against." in words
    assert "Argument for #17 (28 votes in its branch)" in words
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert "Argument for #17 · 23 votes" in titles and "Argument against #19 · 0 votes" in titles
    # The widest branch first, and an unvoted argument still gets some width.
    layer = [r for r in root.iter(f"{NS}rect") if r.get("y") == "28" and r.get("height") == "26"]
    widths = {r.find(f"{NS}title").text: float(r.get("width")) for r in layer}
    assert widths["Argument for #17 · 23 votes"] > widths["Argument against #19 · 0 votes"] > 2
    assert charts.tree_icicle({"nodes": []}, "tree") == Markup("")


def test_tree_icicle_folds_deep_replies(ctx):
    chain = [[i, i - 1, "pro", 1, i - 1] for i in range(1, 21)]
    root = parse(charts.tree_icicle({"nodes": chain}, "tree"))
    drawn = [t.text for t in root.iter(f"{NS}title") if t.text.startswith("Argument for")]
    assert len(drawn) == charts.MAX_LAYERS - 1  # layer 0 is the motion
    assert "deep are counted in their ancestors' width" in desc(root)


@pytest.mark.parametrize("shape", ["random", "flat", "bushy"])
def test_tree_icicle_stays_small_for_5000_arguments(ctx, shape):
    rng = random.Random(5)
    nodes = []
    for i in range(1, 5001):
        parent = {
            "random": 0 if i < 40 else rng.randint(1, i - 1),
            "flat": 0,
            "bushy": 0 if i < 4 else rng.randint(max(1, i - 30), i - 1),
        }[shape]
        votes = int(rng.expovariate(1 / 20))
        nodes.append([i, parent, rng.choice(["pro", "con"]), votes, 0])
    svg = charts.tree_icicle({"nodes": nodes}, "tree")
    assert len(svg.encode()) < 400_000
    # What the report keeps of the tree is bounded by what can be drawn, not by its size.
    summary = charts.summarise_tree(nodes)
    per_layer = (charts.WIDTH - 8) / charts.MIN_WIDTH
    assert len(summary["branches"]) + len(summary["folded"]) < charts.MAX_LAYERS * per_layer
    assert charts.tree_icicle(summary, "tree") == svg
    root = parse(svg)
    # Titles only on nodes wide enough to point at.
    for rect in root.iter(f"{NS}rect"):
        if rect.find(f"{NS}title") is not None:
            assert float(rect.get("width")) >= 1.4
    assert "5,000 arguments" in desc(root)


def test_charts_are_translated(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        text = " ".join(parse(charts.shift_bars(SHIFT, "shift")).itertext())
    assert "Pour" in text and "Contre" in text
