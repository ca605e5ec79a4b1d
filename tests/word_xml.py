"""Word .docx files written from their XML, for what python-docx cannot build: equations
(OMML), Word's list numbering (numbering.xml), rendered page breaks, sections with their own
page numbers, contents fields, drawings with text boxes.

`write_docx(path, body)` packs a body (paragraphs as WordprocessingML) with
styles for "Heading 1..3" and an optional numbering part; the helpers below write the pieces.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

_NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "wpg": "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "v": "urn:schemas-microsoft-com:vml",
}
_XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in _NAMESPACES.items())
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {_XMLNS}>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    + "".join(
        f'<w:style w:type="paragraph" w:styleId="Heading{n}"><w:name w:val="heading {n}"/>'
        f'<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="{n - 1}"/></w:pPr></w:style>'
        for n in (1, 2, 3)
    )
    + "</w:styles>"
)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/numbering.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
    "</Types>"
)
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_RELS}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELS}/numbering" Target="numbering.xml"/></Relationships>'
)


def write_docx(path: Path, body: str, numbering: str = "", styles: str = "") -> Path:
    """A .docx whose body is `body`, whose numbering part holds `numbering` (abstractNum
    and num elements) and whose styles part adds `styles` (w:style elements)."""
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_XMLNS}><w:body>{body}'
    document += "</w:body></w:document>"
    numbering_part = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {_XMLNS}>{numbering}'
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr("word/_rels/document.xml.rels", _DOCUMENT_RELS)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", _STYLES.replace("</w:styles>", styles + "</w:styles>"))
        archive.writestr("word/numbering.xml", numbering_part + "</w:numbering>")
    return path


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def paragraph(*content: str, style: str = "", num: tuple[int, int] | None = None, props: str = "") -> str:
    """A paragraph of runs (plain strings become runs), with a style, a list (numId, ilvl)
    and any other paragraph properties."""
    ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
    ppr += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>' if num else ""
    runs = "".join(c if c.startswith("<") else run(c) for c in content)
    return f"<w:p><w:pPr>{ppr}{props}</w:pPr>{runs}</w:p>"


RENDERED_BREAK = "<w:r><w:lastRenderedPageBreak/></w:r>"
PAGE_BREAK = '<w:r><w:br w:type="page"/></w:r>'


def section_end(first_number: int | None = None, fmt: str = "", continuous: bool = False) -> str:
    """Properties that end a section after the paragraph holding them (`paragraph(props=…)`)."""
    kind = '<w:type w:val="continuous"/>' if continuous else ""
    start = f' w:start="{first_number}"' if first_number is not None else ""
    fmt_attr = f' w:fmt="{fmt}"' if fmt else ""
    return f"<w:sectPr>{kind}<w:pgNumType{start}{fmt_attr}/></w:sectPr>"


def contents_field(entries: list[tuple[str, int]]) -> str:
    """A Word contents field (TOC) whose result lists `entries` (title, page) as Word wrote
    them, one paragraph each; Word renders no page break inside it."""
    begin = '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\o "1-3" </w:instrText></w:r>'
    begin += '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    lines = [f"{run(title)}<w:r><w:tab/></w:r>{run(str(page))}" for title, page in entries]
    lines[0] = begin + lines[0]
    lines[-1] += '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    return "".join(f"<w:p>{line}</w:p>" for line in lines)


def level(ilvl: int, pattern: str, fmt: str = "decimal", start: int = 1, extra: str = "") -> str:
    """One `w:lvl` of an abstract list: its text pattern ("%1.%2"), format and start."""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{extra}'
        f'<w:lvlText w:val="{pattern}"/><w:suff w:val="space"/></w:lvl>'
    )


def abstract_list(abstract_id: int, *levels: str) -> str:
    return f'<w:abstractNum w:abstractNumId="{abstract_id}">{"".join(levels)}</w:abstractNum>'


def list_instance(num_id: int, abstract_id: int, start_overrides: dict[int, int] | None = None) -> str:
    overrides = "".join(
        f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
        for ilvl, start in (start_overrides or {}).items()
    )
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'


# --- equations (OMML) ---------------------------------------------------------------------


def math_run(text: str) -> str:
    return f"<m:r><m:t>{escape(text)}</m:t></m:r>"


def math(*parts: str, display: bool = False) -> str:
    """An equation of OMML parts (plain strings become math runs)."""
    inner = "<m:oMath>" + "".join(p if p.startswith("<") else math_run(p) for p in parts) + "</m:oMath>"
    return f"<m:oMathPara>{inner}</m:oMathPara>" if display else inner


def _arg(name: str, *parts: str) -> str:
    return f"<m:{name}>" + "".join(p if p.startswith("<") else math_run(p) for p in parts) + f"</m:{name}>"


def fraction(numerator: str, denominator: str) -> str:
    return f"<m:f>{_arg('num', numerator)}{_arg('den', denominator)}</m:f>"


def subscript(base: str, sub: str) -> str:
    return f"<m:sSub>{_arg('e', base)}{_arg('sub', sub)}</m:sSub>"


def superscript(base: str, sup: str) -> str:
    return f"<m:sSup>{_arg('e', base)}{_arg('sup', sup)}</m:sSup>"


def nary(operator: str, lower: str, upper: str, *body: str) -> str:
    props = f'<m:naryPr><m:chr m:val="{operator}"/></m:naryPr>'
    return f"<m:nary>{props}{_arg('sub', lower)}{_arg('sup', upper)}{_arg('e', *body)}</m:nary>"


def radical(*body: str) -> str:
    return f'<m:rad><m:radPr><m:degHide m:val="1"/></m:radPr><m:deg/>{_arg("e", *body)}</m:rad>'


# --- drawings -----------------------------------------------------------------------------


def _text_box(text: str) -> str:
    return f"<wps:wsp><wps:txbx><w:txbxContent>{paragraph(text)}</w:txbxContent></wps:txbx></wps:wsp>"


def _anchor(graphic: str, uri: str) -> str:
    return (
        '<w:r><w:drawing><wp:anchor><wp:docPr w:id="1" name="d"/><a:graphic>'
        f'<a:graphicData uri="{uri}">{graphic}</a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>'
    )


def figure_with_labels(*labels: str) -> str:
    """A figure drawn with Word shapes: a group holding text boxes (the labels)."""
    shapes = "".join(_text_box(label) for label in labels)
    return _anchor(f"<wpg:wgp>{shapes}</wpg:wgp>", _NAMESPACES["wpg"])


def text_box(text: str) -> str:
    """A lone text box holding text of the thesis."""
    return _anchor(_text_box(text), _NAMESPACES["wps"])
