"""Word-processor documents read by `indexer.office` (.docx with python-docx, .odt with odfpy)."""

from __future__ import annotations

import io

import document_fixtures
import pytest

from indexer.office import docx_text, odt_text


@pytest.fixture(scope="module")
def docs() -> dict:
    return document_fixtures.documents()


def test_docx_blocks_come_in_document_order(docs: dict) -> None:
    content = docx_text(docs["docx"].read_bytes())
    blocks = content.text.split("\n\n")
    outline = document_fixtures.office_outline(5)
    assert len(blocks) == len(outline)
    for block, (kind, text) in zip(blocks, outline, strict=True):
        if kind == "table":
            assert block.split("\n") == [" | ".join(row) for row in document_fixtures.TABLE_ROWS]
        else:
            assert block == {"h1": "# ", "h2": "## ", "p": ""}[kind] + text
    assert content.metadata == {
        "title": document_fixtures.OFFICE_TITLE,
        "author": document_fixtures.OFFICE_AUTHOR,
        "created": "2024-03-15",
    }


def test_odt_gives_the_same_text_as_the_docx_of_the_same_outline(docs: dict, tmp_path) -> None:
    odt = odt_text(document_fixtures.odt_report(tmp_path, seed=5).read_bytes())
    assert odt.text == docx_text(docs["docx"].read_bytes()).text
    assert odt.metadata["created"] == "2024-03-15" and odt.metadata["author"] == document_fixtures.OFFICE_AUTHOR


def test_docx_lists_and_merged_cells() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Premier point", style="List Bullet")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Fusion"
    table.cell(0, 2).text = "C | D"
    table.cell(1, 0).text = "x"
    buffer = io.BytesIO()
    document.save(buffer)
    text = docx_text(buffer.getvalue()).text
    assert text == "- Premier point\n\nFusion |  | C / D\nx |  | "  # the columns stay aligned


def test_a_visible_title_other_than_the_properties_one_is_kept() -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "Bilan jeunesse"
    document.add_paragraph("Service Jeunesse et Sports — bilan 2022", style="Title")
    document.add_paragraph("Les accueils de loisirs ont reçu 412 enfants.")
    buffer = io.BytesIO()
    document.save(buffer)
    content = docx_text(buffer.getvalue())
    assert content.text.startswith("# Service Jeunesse et Sports — bilan 2022\n\n")
    assert content.metadata["title"] == "Bilan jeunesse"


def test_odt_merged_cells_keep_the_columns_aligned() -> None:
    from odf.opendocument import OpenDocumentText
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentText()
    table = Table(name="t")
    table.addElement(TableColumn(numbercolumnsrepeated=3))
    for cells in ((("Total", 2), ("21 480", 1)), (("a", 1), ("b", 1), ("c", 1))):
        row = TableRow()
        for text, span in cells:
            cell = TableCell(numbercolumnsspanned=span) if span > 1 else TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
            for _ in range(span - 1):
                row.addElement(CoveredTableCell())
        table.addElement(row)
    document.text.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    assert odt_text(buffer.getvalue()).text == "Total |  | 21 480\na | b | c"
