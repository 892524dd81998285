"""Web pages as markdown-like text (selectolax, lexbor backend): main content only, title and date.

Boilerplate goes by structure (nav, header, footer, aside, forms, dialogs, scripts) and by the class
or id names that cookie banners, share bars, menus and breadcrumbs use; the content is the
<article>, else <main>, else [role=main], else the element whose <p> children hold the most text.
Without one holding most of the page's text, the whole <body> is read. Headings become "#" lines,
list items "- " lines, table rows "a | b | c"; prose outside any block element (in a bare <div>) is
kept as a paragraph, short loose text (a row of links or buttons) is not. The title is og:title,
else <title> without its " | Site" tail, else the first <h1>; the date is article:published_time
(or a similar meta), else the first <time datetime>; the site name (og:site_name) is the author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

_DROP = (
    "script, style, noscript, template, svg, iframe, form, button, nav, header, footer, aside, dialog, "
    "[role=navigation], [role=banner], [role=contentinfo], [role=dialog], [role=alertdialog], [aria-hidden=true]"
)
# Whole words of class/id names ("action-sociale" is content, "social-links" is not).
_BOILERPLATE = re.compile(
    r"(?<![a-z])(?:cookies?|consent\w*|tarteaucitron\w*|rgpd|gdpr|breadcrumbs?|fil-ariane|share|sharing|partage|"
    r"social|newsletter|skip-link|menu|related|pagination)(?![a-z])",
    re.IGNORECASE,
)
_DATE_METAS = (
    'meta[property="article:published_time"]',
    'meta[name="date"]',
    'meta[name="DC.date"]',
    'meta[name="dcterms.date"]',
    'meta[itemprop="datePublished"]',
    'meta[property="og:updated_time"]',
)
_BLOCKS = frozenset(
    {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre", "dt", "dd", "figcaption"}
)
_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "font",
        "i",
        "kbd",
        "label",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
    }
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PROSE_END = re.compile(r"[.!?:;»)]\s*$")
_MIN_LOOSE = 100  # characters: loose text shorter than this is kept only when it ends like a sentence
_MIN_CONTENT_SHARE = 0.5  # the densest element is the content only when it holds this share of the page
_TITLE_TAIL = re.compile(r"\s+[|–—-]\s+")
# Parts of a <title> that name the site or its section, not the page (« Ville de Roanne », « Actualités »).
_SITE_PART = re.compile(
    r"^(?:accueil|home|actualit[ée]s?|news|agenda|[ée]v[ée]nements?|publications?|"
    r"(?:d[ée]partement|ville|commune|mairie|r[ée]gion|m[ée]tropole|communaut[ée]) (?:de|du|des|d'|d’)\b.*|"
    r"[\w.-]+\.(?:fr|com|org|net|eu))$",
    re.IGNORECASE,
)
# An element that titles the page by its class or id (« titre_page », « page-title »): a heading.
_TITLE_ELEMENT = re.compile(r"(?:^|[\s_-])(?:titre|title|heading)(?:$|[\s_-])", re.IGNORECASE)


@dataclass(frozen=True)
class WebPage:
    """Main text of a page, its title, its publication date (YYYY-MM-DD), its site's name and
    whether it says it is an article (og:type, article:published_time)."""

    text: str
    title: str | None
    date: str | None
    site: str | None
    article: bool


def _meta(tree: LexborHTMLParser, selector: str) -> str | None:
    node = tree.css_first(selector)
    value = node.attributes.get("content") if node else None
    return " ".join(value.split()) if value else None


def _text(node: LexborNode) -> str:
    return " ".join(node.text(separator=" ").split())


def _is_boilerplate(node: LexborNode) -> bool:
    attrs = node.attributes
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    return bool(names.strip()) and bool(_BOILERPLATE.search(names))


def _block_line(node: LexborNode) -> str:
    tag = node.tag
    if tag == "tr":
        cells = [_text(c).replace("|", "/") for c in node.iter(include_text=False) if c.tag in ("td", "th")]
        return " | ".join(cells)
    line = _text(node)
    if tag[0] == "h" and tag[1:].isdigit():
        return "#" * int(tag[1:]) + " " + line
    if tag == "li":
        return "- " + line
    return line


class _Emitter:
    """Walks the content: blocks become lines, loose inline text becomes paragraphs."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._loose: list[str] = []

    def flush(self) -> None:
        text = " ".join(" ".join(self._loose).split())
        if len(text) >= _MIN_LOOSE or _PROSE_END.search(text):  # prose, not a row of links or buttons
            self.lines.append(text)
        self._loose.clear()

    def walk(self, node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                self._loose.append(child.text_content or "")
            elif tag.startswith("-") or _is_boilerplate(child):
                continue
            elif tag in _BLOCKS:
                self.flush()
                line = _block_line(child)
                if line.strip("#- "):
                    self.lines.append(line)
            elif tag in _INLINE:
                self._loose.append(_text(child))
            elif tag == "br":
                self.flush()
            elif _is_title_element(child):
                self.flush()
                self.lines.append("# " + _text(child))
            else:
                self.flush()
                self.walk(child)
                self.flush()


def _densest(tree: LexborHTMLParser) -> LexborNode | None:
    """Without semantic markup: the element whose own <p> children hold the most text."""
    scores: dict[int, tuple[int, LexborNode]] = {}
    for p in tree.css("p"):
        parent = p.parent
        if parent is None or _is_boilerplate(parent):
            continue
        key = parent.mem_id
        scores[key] = (scores.get(key, (0, parent))[0] + len(_text(p)), parent)
    if not scores:
        return tree.body
    best = max(scores.values(), key=lambda sv: sv[0])[1]
    body = tree.body
    if body is not None and len(_text(best)) < _MIN_CONTENT_SHARE * len(_text(body)):
        return body  # text lies outside paragraphs too: read the whole page
    return best


def _inside_content(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("article", "main"):
            return True
        parent = parent.parent
    return False


def _is_title_element(node: LexborNode) -> bool:
    """A block without blocks inside whose class or id says it is the page's title."""
    attrs = node.attributes
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    text = _text(node)
    if not _TITLE_ELEMENT.search(names) or not 3 <= len(text) <= 150:
        return False
    return not any(c.tag in _BLOCKS for c in node.iter(include_text=False))


def _title(tree: LexborHTMLParser, root: LexborNode, site: str | None) -> str | None:
    """og:title, else <title>, without the parts naming the site or its section; else the first <h1>."""
    title = tree.css_first("title")
    for found in (_meta(tree, 'meta[property="og:title"]'), _text(title) if title else None):
        if found:
            return _page_part(found, site)
    h1 = root.css_first("h1")
    return _text(h1) if h1 and _text(h1) else None


def _page_part(title: str, site: str | None) -> str:
    """« Ville de Roanne - Actualités - Plan grand froid » -> « Plan grand froid »."""
    parts = [part.strip() for part in _TITLE_TAIL.split(title) if part.strip()]
    kept = [part for part in parts if not _SITE_PART.match(part) and (not site or part.lower() != site.lower())]
    return kept[0] if kept else parts[0] if parts else title


def _date(tree: LexborHTMLParser) -> str | None:
    for selector in _DATE_METAS:
        value = _meta(tree, selector)
        if value and _ISO_DATE.match(value):
            return value[:10]
    for node in tree.css("time[datetime]"):
        value = node.attributes.get("datetime") or ""
        if _ISO_DATE.match(value):
            return value[:10]
    return None


def web_page(html: str) -> WebPage:
    """Main text, title, publication date and site name of one HTML page."""
    tree = LexborHTMLParser(html)
    date = _date(tree)
    site = _meta(tree, 'meta[property="og:site_name"]')
    article = (_meta(tree, 'meta[property="og:type"]') or "").lower() == "article" or bool(
        _meta(tree, 'meta[property="article:published_time"]')
    )
    for node in tree.css(_DROP):
        if node.tag in ("header", "footer") and _inside_content(node):
            continue  # an article's own header holds its title
        node.decompose()
    root = tree.css_first("article") or tree.css_first("main") or tree.css_first("[role=main]") or _densest(tree)
    if root is None:
        return WebPage("", None, date, site, article)
    emitter = _Emitter()
    emitter.walk(root)
    emitter.flush()
    lines = emitter.lines
    text = ""
    for i, line in enumerate(lines):  # table rows stay together; other blocks are paragraphs
        if i:
            text += "\n" if (" | " in line and " | " in lines[i - 1]) else "\n\n"
        text += line
    return WebPage(text, _title(tree, root, site), date, site, article)
