"""Generated French documents for the loader tests: a multi-column report PDF, a scan (an image-only
PDF), a .docx, an .odt and a web page (reportlab, pillow, python-docx, odfpy, stdlib; nothing is
downloaded). Ported from the extractor comparison of issue 13. Two more, written from issue 19's
account of documents as printed: a two-page report drawn row by row across two columns, and a
scanned deliberation whose decision runs over the page break.

A plain module (like tiny_corpus.py), importable because tests/ is on sys.path. Every generator
writes into `out_dir` and returns the path it wrote. The same arguments give the
same bytes (fixed dates, fixed zip timestamps, reportlab's invariant mode), so the fixtures can be
regenerated in tests instead of being committed. PDF generators also write `<name>.truth.json`: the
text of each page in reading order (header, column 1, column 2, ..., footer), the table rows and the
sentence that runs from column 1 to column 2 on page 2.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HEADER = "Département de l'Ain — Rapport d'activité 2023"
FONT_DIR = Path("/usr/share/fonts/truetype")
FIXED_DATE = dt.datetime(2024, 3, 15, 10, 30, 0)

# The sentence that must come out whole: it starts at the bottom of column 1 on page 2 and ends at
# the top of column 2.
CROSS_COLUMN_SENTENCE = (
    "Grâce au plan départemental d'insertion, quatre cent douze allocataires du revenu de solidarité "
    "active ont retrouvé un emploi durable dans les entreprises du Bugey, du pays de Gex et de la "
    "Dombes avant la fin de l'année."
)

TABLE_ROWS = [
    ["Canton", "Bénéficiaires", "Montant"],
    ["Bourg-en-Bresse 1", "1 250", "350 000 €"],
    ["Pays de Gex", "980", "274 400 €"],
    ["Ambérieu-en-Bugey", "1 105", "309 400 €"],
]

KEY_FIGURE = "Chiffre clé : 12 480 foyers accompagnés par les maisons départementales des solidarités"

_SECTIONS = [
    "Solidarités et insertion",
    "Enfance et familles",
    "Autonomie des personnes âgées",
    "Collèges et jeunesse",
    "Routes et mobilités",
    "Environnement et eau",
    "Culture et patrimoine",
    "Sport et vie associative",
    "Numérique et territoires",
    "Finances départementales",
]

_SUBJECTS = [
    "le Département",
    "la direction des solidarités",
    "le service de l'aide sociale à l'enfance",
    "la maison départementale des personnes handicapées",
    "l'agence routière de Belley",
    "le service des collèges",
    "la mission patrimoine",
    "le pôle environnement",
    "la direction des finances",
    "l'équipe du plan climat",
]
_VERBS = [
    "a accompagné",
    "a financé",
    "a rénové",
    "a soutenu",
    "a engagé",
    "a instruit",
    "a programmé",
    "a mis en place",
]
_OBJECTS = [
    "{n} dossiers d'allocation personnalisée d'autonomie",
    "{n} kilomètres de routes départementales",
    "{n} places d'accueil familial",
    "{n} projets portés par les communes rurales",
    "{n} collégiens dans leurs activités sportives",
    "{n} logements adaptés au vieillissement",
    "{n} hectares d'espaces naturels sensibles",
    "{n} associations culturelles du territoire",
]
_PLACES = [
    "dans le Bugey",
    "dans la Bresse",
    "dans la Dombes",
    "dans le pays de Gex",
    "dans le Valromey",
    "autour d'Oyonnax",
    "à Bourg-en-Bresse",
    "dans la plaine de l'Ain",
]
_TAILS = [
    "Cette action répond aux orientations votées par l'assemblée départementale en février.",
    "Les crédits correspondants ont été consommés à hauteur de {p} %.",
    "Un bilan détaillé sera présenté à la commission permanente au printemps prochain.",
    "Les habitants ont été associés à la démarche lors de réunions publiques.",
    "Le coût total de l'opération s'élève à {m} euros, dont une part financée par l'État.",
    "Les délais d'instruction ont été réduits de {d} jours par rapport à l'année précédente.",
    "Ce dispositif sera étendu à l'ensemble des cantons en 2024.",
    "Les agents ont suivi une formation spécifique pour accueillir ces nouveaux publics.",
]


def _fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _sentence(rng: random.Random) -> str:
    obj = rng.choice(_OBJECTS).format(n=_fmt_int(rng.randint(12, 4800)))
    main = f"En 2023, {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {obj} {rng.choice(_PLACES)}."
    main = main[0].upper() + main[1:]
    tail = rng.choice(_TAILS).format(
        p=rng.randint(71, 99), m=_fmt_int(rng.randint(40, 900) * 1000), d=rng.randint(3, 40)
    )
    return f"{main} {tail}"


def paragraph(rng: random.Random, sentences: int = 3) -> str:
    """One French body paragraph of `sentences` pairs of sentences."""
    return " ".join(_sentence(rng) for _ in range(sentences))


# --------------------------------------------------------------------------------------------
# Multi-column report PDF (reportlab canvas with a tiny flow engine, so the truth is exact)
# --------------------------------------------------------------------------------------------


@dataclass
class _Segment:
    kind: str  # heading | para | table | box
    text: str
    para_id: int | None = None
    rows: list[list[str]] | None = None


@dataclass
class _Page:
    number: int
    columns: list[list[_Segment]]
    ops: list[tuple[float, float, Callable[[object], None]]] = field(default_factory=list)


def _register_fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = "DejaVuSans", "DejaVuSans-Bold"
    if regular not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(regular, str(FONT_DIR / "dejavu" / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(bold, str(FONT_DIR / "dejavu" / "DejaVuSans-Bold.ttf")))
    return regular, bold


def _report_items(rng: random.Random, pages: int, columns: int) -> list[tuple]:
    """The content stream of the report: headings, paragraphs, one table, one box, one straddle."""
    items: list[tuple] = [("h", "Le mot du président"), ("p", paragraph(rng, 2)), ("p", paragraph(rng, 2))]
    items += [("h", _SECTIONS[0]), ("p", paragraph(rng, 2)), ("box", KEY_FIGURE), ("p", paragraph(rng, 2))]
    items += [("h", "Répartition des aides par canton"), ("p", paragraph(rng, 1)), ("table", TABLE_ROWS)]
    items += [("p", paragraph(rng, 2))]
    items += [
        ("pagebreak", [_sentence(rng) for _ in range(40)]),
        ("h", _SECTIONS[1]),
        ("p", paragraph(rng, 2)),
        ("h", _SECTIONS[2]),
    ]
    items += [("p", paragraph(rng, 1))]
    items += [("straddle", [_sentence(rng) for _ in range(60)], CROSS_COLUMN_SENTENCE)]
    items += [("p", paragraph(rng, 2))]
    # Enough further sections to fill the requested number of pages; the engine stops at `pages`.
    for i in range(200):
        items += [("h", f"{_SECTIONS[3 + i % 7]}" + ("" if i < 7 else f" ({i // 7 + 1})"))]
        items += [("p", paragraph(rng, 2)), ("p", paragraph(rng, 3))]
    return items


def multicolumn_report_pdf(
    out_dir: Path | str,
    columns: int = 2,
    pages: int = 3,
    stream_order: str = "reading",
    name: str | None = None,
    seed: int = 2023,
) -> Path:
    """A4 report in `columns` columns with running header/footer, headings, a table and a key-figure box.

    `stream_order="reading"` draws the page content column by column (what a word processor does);
    `"rows"` draws every line sorted top to bottom then left to right across the columns, as some
    layout tools do, so that content-stream order is no longer reading order.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Table, TableStyle

    regular, bold = _register_fonts()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = name or f"report_{columns}col{'' if stream_order == 'reading' else '_' + stream_order}"
    path = out_dir / f"{name}.pdf"
    rng = random.Random(seed)

    width, height = A4
    margin, gutter = 50.0, 20.0
    top, bottom = height - 70.0, 60.0
    col_w = (width - 2 * margin - (columns - 1) * gutter) / columns
    body_size, leading = 9.0, 11.5
    head_size, head_leading = 11.5, 15.0

    all_pages: list[_Page] = []
    state = {"col": 0, "y": top}
    para_counter = [0]

    def new_page() -> None:
        all_pages.append(_Page(len(all_pages) + 1, [[] for _ in range(columns)]))
        state["col"], state["y"] = 0, top

    def next_column() -> None:
        if state["col"] + 1 < columns:
            state["col"] += 1
            state["y"] = top
        else:
            new_page()

    def x0() -> float:
        return margin + state["col"] * (col_w + gutter)

    def add_text_line(text: str, font: str, size: float, para_id: int | None, kind: str) -> None:
        page = all_pages[-1]
        x, y = x0(), state["y"] - size
        page.ops.append((y, x, lambda c, t=text, f=font, s=size, x=x, y=y: (c.setFont(f, s), c.drawString(x, y, t))))
        segs = page.columns[state["col"]]
        if segs and segs[-1].kind == kind and segs[-1].para_id == para_id:
            segs[-1].text += " " + text
        else:
            segs.append(_Segment(kind, text, para_id))

    def place_paragraph(text: str) -> None:
        para_counter[0] += 1
        for line in simpleSplit(text, regular, body_size, col_w):
            if state["y"] - leading < bottom:
                next_column()
            add_text_line(line, regular, body_size, para_counter[0], "para")
            state["y"] -= leading
        state["y"] -= leading * 0.6

    def place_block(kind: str, h: float, draw: Callable[[object, float, float], None], seg: _Segment) -> None:
        if state["y"] - h < bottom:
            next_column()
        page = all_pages[-1]
        x, y = x0(), state["y"] - h
        page.ops.append((state["y"], x, lambda c, x=x, y=y: draw(c, x, y)))
        page.columns[state["col"]].append(seg)
        state["y"] -= h + leading

    new_page()
    for item in _report_items(rng, pages, columns):
        if len(all_pages) > pages:
            break
        kind = item[0]
        if kind == "pagebreak":
            # Fill the rest of the page with short paragraphs, then start a new page.
            fillers = list(item[1])
            while not (state["col"] == columns - 1 and state["y"] - bottom < 12 * leading):
                place_paragraph(fillers.pop(0))
            new_page()
        elif kind == "h":
            if state["y"] - head_leading - 3 * leading < bottom:
                next_column()
            state["y"] -= 4
            para_counter[0] += 1
            for line in simpleSplit(item[1], bold, head_size, col_w):
                add_text_line(line, bold, head_size, -para_counter[0], "heading")
                state["y"] -= head_leading
        elif kind == "p":
            place_paragraph(item[1])
        elif kind == "table":
            tsize = 7.5 if col_w > 200 else 5.8
            style = TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), regular, tsize),
                    ("FONT", (0, 0), (-1, 0), bold, tsize),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ]
            )
            widths = [col_w * 0.41, col_w * 0.31, col_w * 0.28]
            table = Table(item[1], colWidths=widths, style=style)
            _, th = table.wrap(col_w, height)

            def draw_table(c: object, x: float, y: float, t: Table = table) -> None:
                t.drawOn(c, x, y)

            place_block("table", th, draw_table, _Segment("table", "", rows=item[1]))
        elif kind == "box":
            lines = simpleSplit(item[1], bold, body_size, col_w - 12)
            bh = len(lines) * leading + 10

            def draw_box(c: object, x: float, y: float, lines: list[str] = lines, bh: float = bh) -> None:
                c.setFillColor(colors.HexColor("#e8eef7"))
                c.rect(x, y, col_w, bh, stroke=1, fill=1)
                c.setFillColor(colors.black)
                c.setFont(bold, body_size)
                for i, ln in enumerate(lines):
                    c.drawString(x + 6, y + bh - 5 - body_size - i * leading, ln)

            place_block("box", bh, draw_box, _Segment("box", " ".join(lines)))
        elif kind == "straddle" and columns == 1:
            place_paragraph(item[2])
        elif kind == "straddle":
            fillers, marker = list(item[1]), item[2]
            # Fill column 1 with ordinary paragraphs until about ten lines are left.
            while True:
                remaining = int((state["y"] - bottom) // leading)
                nxt = " ".join(fillers[:2])
                if remaining - len(simpleSplit(nxt, regular, body_size, col_w)) - 1 < 10:
                    break
                place_paragraph(nxt)
                fillers = fillers[2:]
            chosen = None
            while chosen is None:
                remaining = int((state["y"] - bottom) // leading)
                for k in range(len(fillers) + 1):
                    prefix = " ".join(fillers[:k])
                    text = (prefix + " " + marker).strip()
                    lines = simpleSplit(text, regular, body_size, col_w)
                    start = len(prefix) + (1 if prefix else 0)
                    offsets, pos = [], 0
                    for ln in lines:
                        offsets.append(pos)
                        pos += len(ln) + 1
                    first = max(i for i, o in enumerate(offsets) if o <= start)
                    last = max(i for i, o in enumerate(offsets) if o <= start + len(marker) - 1)
                    if first <= remaining - 1 < last and first >= remaining - 4:
                        chosen = text
                        break
                    if first > remaining:
                        break
                if chosen is None:
                    if remaining < 6:
                        break
                    place_paragraph(fillers.pop(0))  # shift the start by one short paragraph
            if chosen is None or state["col"] != 0 or len(all_pages) != 2:
                raise RuntimeError(
                    f"cannot place the cross-column sentence (page {len(all_pages)}, column {state['col'] + 1}, "
                    f"{remaining} lines left, found={chosen is not None}); change the seed"
                )
            place_paragraph(chosen)

    all_pages = all_pages[:pages]
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle("Rapport d'activité 2023")
    c.setAuthor("Département de l'Ain")
    truth_pages = []
    for page in all_pages:
        c.setFont(regular, 8)
        c.drawString(margin, height - 40, HEADER)
        c.line(margin, height - 46, width - margin, height - 46)
        ops = page.ops if stream_order == "reading" else sorted(page.ops, key=lambda o: (-round(o[0], 1), o[1]))
        for _, _, op in ops:
            op(c)
        c.setFont(regular, 8)
        c.drawCentredString(width / 2, 30, f"Page {page.number}")
        c.showPage()
        segments = [s for col in page.columns for s in col]
        paragraphs: dict[int, str] = {}
        for s in segments:
            if s.kind == "para":
                paragraphs[s.para_id] = (paragraphs.get(s.para_id, "") + " " + s.text).strip()
        truth_pages.append(
            {
                "header": HEADER,
                "footer": f"Page {page.number}",
                "segments": [{"kind": s.kind, "text": s.text, "para_id": s.para_id, "rows": s.rows} for s in segments],
                "paragraphs": list(paragraphs.values()),
            }
        )
    c.save()
    truth = {
        "columns": columns,
        "stream_order": stream_order,
        "pages": truth_pages,
        "table_rows": TABLE_ROWS,
        "cross_column_sentence": CROSS_COLUMN_SENTENCE,
        "key_figure": KEY_FIGURE,
    }
    path.with_suffix(".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Image-only PDF (no text layer)
# --------------------------------------------------------------------------------------------

IMAGE_PAGES_SEED = 77


def _save_scan(images: list, texts: list[str], path: Path, dpi: int) -> Path:
    """Page images as an image-only PDF (fixed dates), with their text beside it (`.txt`, pages
    separated by form feeds) for the OCR's character error rate."""
    images[0].save(
        path,
        "PDF",
        resolution=float(dpi),
        save_all=True,
        append_images=images[1:],
        creationDate=FIXED_DATE.timetuple(),
        modDate=FIXED_DATE.timetuple(),
    )
    path.with_suffix(".txt").write_text("\f".join(texts), encoding="utf-8")
    return path


def image_only_pdf(
    out_dir: Path | str, dpi: int = 300, degrade: int = 0, name: str | None = None, turn: int = 0
) -> Path:
    """Two A4 pages of typed French text rendered as images and saved as a PDF without text layer.

    Writes `<name>.txt` with the source text of each page separated by form feeds (the CER truth).
    `degrade=1` adds a slight rotation, blur and speckle (a photocopy); `degrade=2` is a poor scan:
    9 pt text, 1.2 degree skew, detail lost by a 0.5x down/up-sampling, heavy speckle, JPEG quality 30.
    `turn` (0, 90, 180, 270) turns the second page that many degrees anticlockwise, as a sheet put in
    the scanner sideways or upside down.
    """
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    quality = {0: "", 1: "_degraded", 2: "_poor"}[int(degrade)]
    name = name or f"scan_{dpi}dpi{quality}" + (f"_turned{turn}" if turn else "")
    rng = random.Random(IMAGE_PAGES_SEED)
    px = lambda mm: round(mm / 25.4 * dpi)  # noqa: E731
    w, h = px(210), px(297)
    size = 9 if degrade >= 2 else 11
    font = ImageFont.truetype(str(FONT_DIR / "liberation" / "LiberationSerif-Regular.ttf"), int(size / 72 * dpi))
    bold = ImageFont.truetype(str(FONT_DIR / "liberation" / "LiberationSerif-Bold.ttf"), int(14 / 72 * dpi))
    line_h = int((size + 4) / 72 * dpi)
    left, right = px(25), w - px(25)
    images, texts = [], []
    for page_no in range(2):
        img = Image.new("L", (w, h), 255)
        draw = ImageDraw.Draw(img)
        y = px(25)
        lines_out: list[str] = []
        blocks = [("h", f"Délibération n° 2023-{41 + page_no} du conseil départemental")]
        blocks += [("p", paragraph(rng, 2)) for _ in range(5)]
        for kind, text in blocks:
            f = bold if kind == "h" else font
            words, line = text.split(), ""
            for word in [*words, None]:
                candidate = (line + " " + word).strip() if word else line
                if word and draw.textlength(candidate, font=f) <= right - left:
                    line = candidate
                    continue
                draw.text((left, y), line, font=f, fill=0)
                lines_out.append(line)
                y += line_h
                line = word or ""
            y += line_h // 2
        if degrade:
            angle, blur, specks = (0.6, 0.8, 400) if degrade == 1 else (1.2, 1.0, 120)
            img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255).filter(ImageFilter.GaussianBlur(blur))
            if degrade >= 2:
                img = img.resize((w // 2, h // 2), Image.BILINEAR).resize((w, h), Image.BILINEAR)
            noise = random.Random(page_no)
            pix = img.load()
            for _ in range(w * h // specks):
                pix[noise.randrange(w), noise.randrange(h)] = noise.choice((0, 90, 200))
            if degrade >= 2:
                buf = io.BytesIO()
                img.save(buf, "JPEG", quality=30)
                img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
        if turn and page_no == 1:
            img = img.rotate(turn, expand=True)
        images.append(img)
        texts.append("\n".join(lines_out))
    return _save_scan(images, texts, out_dir / f"{name}.pdf", dpi)


# --------------------------------------------------------------------------------------------
# Office documents
# --------------------------------------------------------------------------------------------

OFFICE_TITLE = "Rapport d'activité 2023 de la direction des solidarités"
OFFICE_AUTHOR = "Direction des solidarités"


def office_outline(seed: int = 5) -> list[tuple[str, str]]:
    """The blocks of the office documents: ("h1" | "h2" | "p" | "table", text)."""
    return _office_outline(seed)


def _office_outline(seed: int = 5) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [
        ("h1", "Introduction"),
        ("p", paragraph(rng, 2)),
        ("h1", "Les actions de l'année"),
        ("h2", "Insertion et emploi"),
        ("p", paragraph(rng, 2)),
        ("table", ""),
        ("h2", "Protection de l'enfance"),
        ("p", paragraph(rng, 2)),
        ("h1", "Perspectives 2024"),
        ("p", paragraph(rng, 1)),
    ]


def _fix_zip(path: Path) -> None:
    """Rewrite a zip container with fixed timestamps (and order) so the bytes are reproducible."""
    src = zipfile.ZipFile(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=(2024, 3, 15, 10, 30, 0))
            new.compress_type = info.compress_type
            new.external_attr = info.external_attr
            dst.writestr(new, src.read(info.filename))
    src.close()
    path.write_bytes(buf.getvalue())


def docx_report(out_dir: Path | str, seed: int = 5, name: str = "rapport_solidarites") -> Path:
    """A .docx with title, Heading 1/2, paragraphs (from `seed`), a table and core metadata."""
    import docx

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    d = docx.Document()
    d.add_heading(OFFICE_TITLE, level=0)
    for kind, text in _office_outline(seed):
        if kind == "h1":
            d.add_heading(text, level=1)
        elif kind == "h2":
            d.add_heading(text, level=2)
        elif kind == "p":
            d.add_paragraph(text)
        else:
            table = d.add_table(rows=0, cols=3)
            table.style = "Table Grid"
            for row in TABLE_ROWS:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
    cp = d.core_properties
    cp.title, cp.author = OFFICE_TITLE, OFFICE_AUTHOR
    cp.created = cp.modified = FIXED_DATE
    cp.last_printed = FIXED_DATE
    cp.revision = 1
    path = out_dir / f"{name}.docx"
    d.save(str(path))
    _fix_zip(path)
    return path


def odt_report(out_dir: Path | str, seed: int = 5, name: str = "rapport_solidarites") -> Path:
    """An .odt with the same content as `docx_report` (odfpy), with title, creator and creation date."""
    from odf import dc, meta, table, text
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TextProperties

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = OpenDocumentText()
    styles = {}
    for level, size in ((0, "20pt"), (1, "16pt"), (2, "13pt")):
        name = "Title" if level == 0 else f"Heading_20_{level}"
        st = Style(name=name, family="paragraph", displayname="Title" if level == 0 else f"Heading {level}")
        if level:
            st.setAttribute("defaultoutlinelevel", str(level))
        st.addElement(TextProperties(fontsize=size, fontweight="bold"))
        st.addElement(ParagraphProperties(marginbottom="0.2cm"))
        doc.styles.addElement(st)
        styles[level] = st
    doc.text.addElement(text.P(stylename=styles[0], text=OFFICE_TITLE))
    for kind, value in _office_outline(seed):
        if kind in ("h1", "h2"):
            level = int(kind[1])
            doc.text.addElement(text.H(outlinelevel=level, stylename=styles[level], text=value))
        elif kind == "p":
            doc.text.addElement(text.P(text=value))
        else:
            t = table.Table(name="Aides")
            t.addElement(table.TableColumn(numbercolumnsrepeated=3))
            for row in TABLE_ROWS:
                tr = table.TableRow()
                for value_ in row:
                    tc = table.TableCell(valuetype="string")
                    tc.addElement(text.P(text=value_))
                    tr.addElement(tc)
                t.addElement(tr)
            doc.text.addElement(t)
    doc.meta.addElement(dc.Title(text=OFFICE_TITLE))
    doc.meta.addElement(meta.InitialCreator(text=OFFICE_AUTHOR))
    doc.meta.addElement(dc.Creator(text=OFFICE_AUTHOR))
    doc.meta.addElement(meta.CreationDate(text=FIXED_DATE.isoformat()))
    doc.meta.addElement(dc.Date(text=FIXED_DATE.isoformat()))
    path = out_dir / f"{name}.odt"
    doc.save(str(path))
    _fix_zip(path)
    return path


# --------------------------------------------------------------------------------------------
# Web page
# --------------------------------------------------------------------------------------------

WEB_TITLE = "Le Département rénove le collège Louis-Pergaud de Bourg-en-Bresse"
WEB_DATE = "2023-09-04"
NAV_ITEMS = ["Accueil", "Vos démarches", "Solidarités", "Routes et mobilités", "Collèges", "Agenda", "Contact"]
COOKIE_TEXT = "Nous utilisons des cookies pour mesurer l'audience de ce site. Accepter tout Refuser Personnaliser"
FOOTER_TEXT = "Mentions légales Plan du site Accessibilité : partiellement conforme © Département de l'Ain 2023"
ASIDE_TEXT = "À lire aussi : Le budget participatif des collégiens est lancé"


def web_page(out_dir: Path | str, seed: int = 11, semantic: bool = True) -> Path:
    """A collectivité news page with menu, cookie banner, header, article, aside and footer.

    `semantic=False` writes the same page as "div soup" (an older CMS): no nav/header/main/article/
    aside/footer elements, French class names only, no og:title nor article:published_time.
    """
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paras = [paragraph(rng, 2) for _ in range(4)]
    nav = "".join(f'<li><a href="/{i}">{item}</a></li>' for i, item in enumerate(NAV_ITEMS))
    html = f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>{WEB_TITLE} | Département de l'Ain</title>
<meta property="og:title" content="{WEB_TITLE}">
<meta property="og:site_name" content="Département de l'Ain">
<meta property="article:published_time" content="{WEB_DATE}T09:00:00+02:00">
<meta name="description" content="Travaux de rénovation énergétique au collège Louis-Pergaud.">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body>
<div id="tarteaucitronRoot" class="cookie-banner" role="dialog" aria-label="Gestion des cookies">
  <p>{COOKIE_TEXT.rsplit(" Accepter", 1)[0]}</p>
  <button>Accepter tout</button> <button>Refuser</button> <button>Personnaliser</button>
</div>
<header class="site-header">
  <a class="logo" href="/">Département de l'Ain</a>
  <form role="search"><input type="search" placeholder="Rechercher sur le site"></form>
</header>
<nav class="main-menu" aria-label="Menu principal"><ul>{nav}</ul></nav>
<nav class="breadcrumb"><a href="/">Accueil</a> &gt; <a href="/actualites">Actualités</a></nav>
<main id="contenu">
<article>
  <h1>{WEB_TITLE}</h1>
  <p class="date">Publié le <time datetime="{WEB_DATE}">4 septembre 2023</time></p>
  <p class="chapo">{paras[0]}</p>
  <h2>Des travaux de rénovation énergétique</h2>
  <p>{paras[1]}</p>
  <p>{paras[2]}</p>
  <h2>Un chantier en site occupé</h2>
  <p>{paras[3]}</p>
  <div class="share">Partager : Facebook Twitter LinkedIn Imprimer</div>
</article>
<aside class="related"><h2>À lire aussi</h2>
  <ul><li><a href="/budget">Le budget participatif des collégiens est lancé</a></li></ul></aside>
</main>
<footer class="site-footer">
  <ul><li><a href="/mentions">Mentions légales</a></li><li><a href="/plan">Plan du site</a></li>
  <li><a href="/accessibilite">Accessibilité : partiellement conforme</a></li></ul>
  <p>© Département de l'Ain 2023 — 45 avenue Alsace-Lorraine, 01003 Bourg-en-Bresse</p>
</footer>
</body>
</html>
"""
    stem = "actualite_college" if semantic else "actualite_college_divs"
    if not semantic:
        for old_, new_ in (
            ('<header class="site-header">', '<div class="entete">'),
            ("</header>", "</div>"),
            ('<nav class="main-menu" aria-label="Menu principal">', '<div class="barre-navigation">'),
            ('<nav class="breadcrumb">', '<div class="chemin">'),
            ("</nav>", "</div>"),
            ('<main id="contenu">', '<div id="page">'),
            ("</main>", "</div>"),
            ("<article>", '<div class="texte">'),
            ("</article>", "</div>"),
            ('<aside class="related">', '<div class="colonne-droite">'),
            ("</aside>", "</div>"),
            ('<footer class="site-footer">', '<div class="pied-de-page">'),
            ("</footer>", "</div>"),
            (
                '<div id="tarteaucitronRoot" class="cookie-banner" role="dialog" aria-label="Gestion des cookies">',
                '<div class="bandeau-bas">',
            ),
            ('<div class="share">', '<div class="outils">'),
            ("<button>", "<span>"),
            ("</button>", "</span>"),
        ):
            html = html.replace(old_, new_)
        html = re.sub(r'<meta property="(og:title|article:published_time)"[^>]*>\n', "", html)
    path = out_dir / f"{stem}.html"
    path.write_text(html, encoding="utf-8")
    (out_dir / f"{stem}.truth.json").write_text(
        json.dumps(
            {
                "title": WEB_TITLE,
                "date": WEB_DATE,
                "paragraphs": paras,
                "headings": [WEB_TITLE, "Des travaux de rénovation énergétique", "Un chantier en site occupé"],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return path


def bullet_list_pdf(out_dir: Path | str) -> Path:
    """One single-column page that is mostly a bulleted list (a trap for column detection)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    regular, bold = _register_fonts()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "bullets_1col.pdf"
    rng = random.Random(3)
    items = [_sentence(rng).split(". ")[0] + "." for _ in range(30)]
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont(bold, 12)
    c.drawString(50, 780, "Les engagements du Département")
    y = 755
    for item in items:
        c.setFont(regular, 9)
        c.drawString(56, y, "•")
        c.drawString(68, y, item[:95])
        y -= 18
    c.showPage()
    c.save()
    path.with_suffix(".truth.json").write_text(json.dumps({"items": [i[:95] for i in items]}, ensure_ascii=False))
    return path


MIXED_TEXT_PAGE = "La commission permanente a voté le programme de voirie du canton de Pont-de-Vaux."


def mixed_pdf(out_dir: Path | str) -> Path:
    """Two pages: one with a text layer, one that is only an image of text (a scanned annex)."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    regular, _ = _register_fonts()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "mixed_annex.pdf"
    img = Image.new("L", (1240, 300), 255)
    font = ImageFont.truetype(str(FONT_DIR / "liberation" / "LiberationSerif-Regular.ttf"), 40)
    ImageDraw.Draw(img).text((40, 100), "Annexe : plan de financement de la voirie", font=font, fill=0)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont(regular, 11)
    c.drawString(60, 780, MIXED_TEXT_PAGE)
    c.showPage()
    c.drawImage(ImageReader(img), 40, 600, width=515, height=125)
    c.showPage()
    c.save()
    return path


STAMP = "Accusé de réception en préfecture 001-220100018-20240315-DEL2024_12-DE Reçu le 15/03/2024"


def stamped_scan_pdf(out_dir: Path | str) -> Path:
    """The two scanned pages of `image_only_pdf`, each with a digital stamp (`STAMP`, a text object in
    the top margin) as the prefecture's platform adds to a deliberation; `<name>.txt` as there."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    scan = image_only_pdf(out_dir, 300, name="deliberation_tamponnee")
    pdf = pdfium.PdfDocument(scan.read_bytes())
    for index in range(len(pdf)):
        page = pdf[index]
        stamp = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(7))
        text = ctypes.create_string_buffer((STAMP + "\x00").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(stamp, ctypes.cast(text, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
        pdfium_c.FPDFPageObj_Transform(stamp, 1, 0, 0, 1, 300, 825)
        pdfium_c.FPDFPage_InsertObject(page.raw, stamp)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
        page.close()
    pdf.save(str(scan))
    pdf.close()
    return scan


PHOTO_CAPTION = "Le nouveau collège de Bourg-en-Bresse accueille 600 élèves depuis la rentrée 2023."


def photo_page_pdf(out_dir: Path | str) -> Path:
    """A designed page: a photograph (a smooth colour gradient) covering the page under a short
    caption with a text layer (`PHOTO_CAPTION`)."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    regular, _ = _register_fonts()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "page_photo.pdf"
    photo = Image.linear_gradient("L").resize((600, 850)).convert("RGB")
    sheet = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    sheet.drawImage(ImageReader(photo), 0, 0, width=A4[0], height=A4[1])
    sheet.setFont(regular, 11)
    sheet.setFillGray(1)
    sheet.drawString(40, 60, PHOTO_CAPTION)
    sheet.showPage()
    sheet.save()
    return path


# --------------------------------------------------------------------------------------------
# Documents as printed (issue 19, item 10): written from the description of what a new user tried
# --------------------------------------------------------------------------------------------

LAVOIR_HEADER = "Commune de Saint-Ours-les-Roches — Rapport d'activité 2023"
LAVOIR_SENTENCE = (
    "La commission permanente a voté une subvention de 48 500 euros pour la restauration du lavoir "
    "communal de Saint-Ours-les-Roches, classé en 1987."
)
LAVOIR_WORKS = "Les travaux dureront six mois et seront suivis par l'architecte des bâtiments de France."
# A sentence that runs from the foot of page 1, column 2, to the top of page 2, column 1.
LAVOIR_ROADS = (
    "Le programme de voirie a porté sur la réfection de la route des Granges et du chemin du Puy "
    "de Côme, pour un montant de 126 000 euros."
)
# Each page: (column 1, column 2), one string per printed line; "" is a blank row, "# " a heading.
_LAVOIR_PAGES: list[tuple[list[str], list[str]]] = [
    (
        [
            "# Patrimoine et cadre de vie",
            "La commune a poursuivi en 2023 la mise",
            "en valeur de son petit patrimoine bâti,",
            "avec le soutien du Département et de la",
            "Fondation du patrimoine.",
            "",
            "Le four banal du hameau de Montjoly a",
            "retrouvé sa toiture de lauzes après",
            "quatre mois de chantier.",
            "",
            "La commission permanente a voté une",
            "subvention de 48 500 euros pour la",
        ],
        [
            "restauration du lavoir communal de",
            "Saint-Ours-les-Roches, classé en 1987.",
            "",
            "Les travaux dureront six mois et seront",
            "suivis par l'architecte des bâtiments de France.",
            "",
            "# Voirie et réseaux",
            "Le programme de voirie a porté sur la",
            "réfection de la route des Granges et",
            "du chemin du Puy de Côme, pour un",
        ],
    ),
    (
        [
            "montant de 126 000 euros.",
            "",
            "Le réseau d'eau potable du bourg a été",
            "renouvelé sur 850 mètres, et douze",
            "branchements en plomb ont été",
            "remplacés.",
            "",
            "# Vie scolaire",
            "L'école publique accueille 64 élèves",
            "répartis en trois classes.",
        ],
        [
            "La cantine sert chaque jour des repas",
            "préparés avec des produits locaux, dont",
            "la moitié issus de l'agriculture",
            "biologique.",
            "",
            "Le conseil municipal a renouvelé la",
            "convention avec le centre de loisirs",
            "intercommunal pour les mercredis.",
        ],
    ),
]


def lavoir_report_pdf(out_dir: Path | str) -> Path:
    """Two A4 pages in two columns with a 60 pt gutter, each text line drawn row by row across both
    columns (so that the content stream interleaves them), a running header and `Page N` footers.

    Column 1 of page 1 ends inside `LAVOIR_SENTENCE`, which column 2 finishes; `LAVOIR_ROADS` runs
    from page 1 to page 2. Writes `<name>.truth.json`: the header, footer and the paragraphs of each
    page in reading order."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    regular, bold = _register_fonts()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "rapport_lavoir.pdf"
    width, height = A4
    margin, gutter, size, leading, top = 50.0, 60.0, 9.0, 13.0, height - 90.0
    col_w = (width - 2 * margin - gutter) / 2
    sheet = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    sheet.setTitle("Rapport d'activité 2023")
    sheet.setAuthor("Commune de Saint-Ours-les-Roches")
    pages_truth = []
    for number, columns in enumerate(_LAVOIR_PAGES, 1):
        sheet.setFont(regular, 8)
        sheet.drawString(margin, height - 40, LAVOIR_HEADER)
        sheet.line(margin, height - 46, width - margin, height - 46)
        for row in range(max(len(c) for c in columns)):  # row by row: column 1's line, then column 2's
            for col, lines in enumerate(columns):
                line = lines[row] if row < len(lines) else ""
                if not line:
                    continue
                heading = line.startswith("# ")
                sheet.setFont(bold if heading else regular, size)
                sheet.drawString(margin + col * (col_w + gutter), top - row * leading, line.removeprefix("# "))
        sheet.setFont(regular, 8)
        sheet.drawCentredString(width / 2, 30, f"Page {number}")
        sheet.showPage()
        pages_truth.append({"header": LAVOIR_HEADER, "footer": f"Page {number}", "lines": [*columns[0], *columns[1]]})
    sheet.save()
    path.with_suffix(".truth.json").write_text(json.dumps({"pages": pages_truth}, ensure_ascii=False), encoding="utf-8")
    return path


CANTEEN_PRICE = "3,15 euros par enfant"
# The sentence that runs over the page break of the scanned deliberation: page 1 ends after « à ».
CANTEEN_SENTENCE = (
    "Le conseil municipal, après en avoir délibéré, fixe le prix du repas servi au restaurant "
    "scolaire à 3,15 euros par enfant à compter du 1er septembre 2024."
)


def scanned_deliberation_pdf(out_dir: Path | str, dpi: int = 300) -> Path:
    """A two-page deliberation scanned as images only (no text layer), typed in one column; the
    decision (`CANTEEN_SENTENCE`) starts on the last line of page 1 and ends on page 2, where
    `CANTEEN_PRICE` is printed. Writes `<name>.txt`: the lines of each page, pages separated by form
    feeds."""
    from PIL import Image, ImageDraw, ImageFont

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    px = lambda mm: round(mm / 25.4 * dpi)  # noqa: E731
    w, h = px(210), px(297)
    font = ImageFont.truetype(str(FONT_DIR / "liberation" / "LiberationSerif-Regular.ttf"), int(12 / 72 * dpi))
    bold = ImageFont.truetype(str(FONT_DIR / "liberation" / "LiberationSerif-Bold.ttf"), int(14 / 72 * dpi))
    line_h, left, right = int(17 / 72 * dpi), px(25), w - px(25)
    blocks = [
        ("h", "Délibération n° 2024-27 du conseil municipal de Saint-Ours-les-Roches"),
        ("h", "Objet : tarifs de la restauration scolaire"),
        (
            "p",
            "Le conseil municipal, réuni le 12 juin 2024 sous la présidence du maire, a examiné les tarifs "
            "du restaurant scolaire pour l'année scolaire 2024-2025.",
        ),
        (
            "p",
            "Le restaurant scolaire sert en moyenne 58 repas par jour d'école aux élèves de l'école "
            "publique, préparés sur place par deux agents communaux avec des produits locaux.",
        ),
        (
            "p",
            "Le prestataire chargé de la fourniture des denrées a informé la commune d'une hausse de ses "
            "prix de 6 % au 1er juillet 2024, après une première hausse de 4 % l'année précédente.",
        ),
        (
            "p",
            "La commission des affaires scolaires s'est réunie le 28 mai 2024 ; elle propose de "
            "répartir cette hausse entre la commune et les familles, et de maintenir le tarif réduit.",
        ),
        (
            "p",
            "Vu l'avis de la commission des affaires scolaires, et considérant la hausse du coût des "
            "denrées alimentaires constatée par le prestataire au cours de l'année écoulée,",
        ),
        ("p", CANTEEN_SENTENCE),
        (
            "p",
            "Les familles dont le quotient familial est inférieur à 700 euros bénéficient du tarif "
            "réduit, fixé à un euro par repas.",
        ),
        ("p", "Adopté à l'unanimité des membres présents."),
    ]
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    pages: list[list[tuple[str, ImageFont.FreeTypeFont]]] = [[]]
    for kind, text in blocks:
        f = bold if kind == "h" else font
        lines: list[str] = []
        for word in text.split():
            candidate = f"{lines[-1]} {word}" if lines else word
            if lines and measure.textlength(candidate, font=f) <= right - left:
                lines[-1] = candidate
            else:
                lines.append(word)
        for i, line in enumerate(lines):
            if text == CANTEEN_SENTENCE and i == len(lines) - 1:
                pages.append([])  # the page break falls before the decision's last line
            pages[-1].append((line, f))
        pages[-1].append(("", f))
    images, texts = [], []
    for lines in pages:
        img = Image.new("L", (w, h), 255)
        draw = ImageDraw.Draw(img)
        y = px(25)
        for line, f in lines:
            if line:
                draw.text((left, y), line, font=f, fill=0)
            y += line_h if line else line_h // 2
        images.append(img)
        texts.append("\n".join(line for line, _ in lines if line))
    return _save_scan(images, texts, out_dir / "deliberation_cantine.pdf", dpi)


def truth(path: Path) -> dict:
    """What a generator wrote next to `path` about its content (`<name>.truth.json`)."""
    return json.loads(path.with_suffix(".truth.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Generated once per test session (the OCR of the scan takes seconds)
# --------------------------------------------------------------------------------------------

_SESSION_DIR: list[Path] = []


def _session_dir() -> Path:
    if not _SESSION_DIR:
        import atexit
        import shutil
        import tempfile

        path = Path(tempfile.mkdtemp(prefix="rapporteur-documents-"))
        atexit.register(shutil.rmtree, path, True)
        _SESSION_DIR.append(path)
    return _SESSION_DIR[0]


@functools.cache
def documents() -> dict[str, Path]:
    """Every fixture, generated once per test session (the pytest fixtures of several test modules
    share it): report (2 columns, 3 pages), report_rows (drawn row by row), scan, docx, odt (other
    paragraphs than the .docx), web, web_divs (the page as div soup), mixed, bullets."""
    out = _session_dir() / "documents"
    return {
        "report": multicolumn_report_pdf(out, 2),
        "report_rows": multicolumn_report_pdf(out, 2, stream_order="rows"),
        "scan": image_only_pdf(out, 300),
        "docx": docx_report(out),
        "odt": odt_report(out, seed=6, name="rapport_solidarites_odt"),
        "web": web_page(out),
        "web_divs": web_page(out, semantic=False),
        "mixed": mixed_pdf(out),
        "bullets": bullet_list_pdf(out),
    }


@dataclass(frozen=True)
class ScanReading:
    """The OCR of the scan fixture: text per page, seconds per page, tesseract runs, cache used."""

    pages: dict[int, str]
    seconds_per_page: float
    runs: int
    cache: Path


@functools.cache
def scan_reading() -> ScanReading:
    """The scan fixture read by OCR once per test session, into a cache the builds can start from."""
    import time

    from indexer import ocr

    cache = _session_dir() / "ocr-cache"
    previous = ocr.cache_dir()
    ocr.set_cache_dir(cache)
    runs = ocr.stats.runs
    try:
        started = time.perf_counter()
        pages = ocr.ocr_pdf_pages(documents()["scan"].read_bytes(), [0, 1])
        seconds = time.perf_counter() - started
    finally:
        ocr.set_cache_dir(previous)
    return ScanReading(pages, seconds / 2, ocr.stats.runs - runs, cache)
