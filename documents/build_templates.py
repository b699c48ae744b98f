"""Build the letter templates (documents/templates/<locale>/<kind>.docx) with python-docx.

The .docx files are committed; this script is their source. Edit the wording here, rerun,
review the diff of the rendered sample letters, and bump `TEMPLATE_VERSIONS` in
`documents.renderer` when the meaning of a letter changes. The output is byte-identical on
every run (fixed core properties, normalised ZIP), so an unchanged script leaves the files
untouched.

    python -m documents.build_templates            # (re)write the templates
    python -m documents.build_templates --check    # exit 1 if a committed template is stale
    python -m documents.build_templates --out DIR  # write elsewhere (tests)

Placeholders are docxtpl/Jinja: `{{ borrower.name }}`, `{{ total }}`. The renderer hands the
template plain strings only: amounts are already formatted (`人民币 19,518.00元`,
`CNY 19,518.00`), dates too (`2024年3月15日`, `15 March 2024`). Every placeholder stays inside
one run so Word's run splitting never breaks a tag. Core properties must not contain quotes,
`&`, `<`, `>` or Jinja syntax: docxtpl renders them through the (escaping) environment too.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from documents import kinds
from documents.contexts import KINDS, LOCALES
from documents.renderer import TEMPLATE_DIR, normalize_docx

# A text is either plain or a sequence of (text, bold) segments; a placeholder never spans two.
Text = str | Sequence[tuple[str, bool]]

_FIXED_TIME = datetime(2024, 1, 1, 0, 0, 0)
_LATIN_FONT = "Times New Roman"
_CJK_BODY_FONT = "SimSun"  # 宋体
_CJK_TITLE_FONT = "SimHei"  # 黑体
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

TITLES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "collection_notice": "催收通知书",
        "reminder_letter": "还款提醒函",
        "closure_letter": "结清证明",
        "evidence_catalog": "证据目录",
    },
    "en": {
        "collection_notice": "Collection Notice",
        "reminder_letter": "Reminder Letter",
        "closure_letter": "Payoff and Closure Letter",
        "evidence_catalog": "Evidence Catalogue",
    },
}


# ---- low-level helpers -------------------------------------------------------------------------

class _Letter:
    """A python-docx document with the house style of one locale."""

    def __init__(self, locale: str, kind: str) -> None:
        self.locale = locale
        self.zh = locale == "zh-CN"
        self.doc: DocxDocument = Document()
        self._drop_thumbnail()
        self._page_setup()
        self._styles()
        self._core_properties(kind)

    # -- document set-up
    def _drop_thumbnail(self) -> None:
        # python-docx's default template ships a thumbnail of an unrelated page.
        rels = self.doc.part.package.rels
        for rid, rel in list(rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                del rels[rid]
                rels.related_parts.pop(rid, None)

    def _page_setup(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
        section.top_margin, section.bottom_margin = Cm(2.54), Cm(2.54)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        section.footer_distance = Cm(1.2)

    def _styles(self) -> None:
        normal = self.doc.styles["Normal"]
        normal.font.name = _LATIN_FONT
        normal.font.size = Pt(12 if self.zh else 11)
        r_pr = normal.element.get_or_add_rPr()
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            r_pr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), _CJK_BODY_FONT)
        lang = r_pr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            r_pr.append(lang)
        lang.set(qn("w:val"), "zh-CN" if self.zh else "en-GB")
        lang.set(qn("w:eastAsia"), "zh-CN")
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0 if self.zh else 6)
        fmt.line_spacing = 1.4 if self.zh else 1.15

    def _core_properties(self, kind: str) -> None:
        props = self.doc.core_properties
        props.title = TITLES[self.locale][kind]
        props.subject = kind
        props.keywords = kind
        props.author = "recovery"
        props.last_modified_by = "recovery"
        props.comments = "Generated by documents/build_templates.py. Edit the script and rerun it."
        props.language = self.locale
        props.category = "letter template"
        props.revision = 1
        props.created = _FIXED_TIME
        props.modified = _FIXED_TIME
        props.last_printed = _FIXED_TIME

    # -- paragraphs
    def para(
        self,
        text: Text = "",
        *,
        align: WD_ALIGN_PARAGRAPH | None = None,
        bold: bool = False,
        size: float | None = None,
        indent: bool = False,
        space_before: float | None = None,
        space_after: float | None = None,
        keep_with_next: bool = False,
        cjk_font: str | None = None,
    ) -> Paragraph:
        paragraph = self.doc.add_paragraph()
        segments = [(text, bold)] if isinstance(text, str) else list(text)
        for segment, segment_bold in segments:
            if not segment:
                continue
            run = paragraph.add_run(segment)
            run.bold = segment_bold or None
            if size is not None:
                run.font.size = Pt(size)
            if cjk_font is not None:
                run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), cjk_font)
        fmt = paragraph.paragraph_format
        if align is not None:
            paragraph.alignment = align
        if indent and self.zh:
            fmt.first_line_indent = Pt(24)  # two characters of 12 pt
        if space_before is not None:
            fmt.space_before = Pt(space_before)
        if space_after is not None:
            fmt.space_after = Pt(space_after)
        if keep_with_next:
            fmt.keep_with_next = True
        return paragraph

    def body(self, text: Text) -> Paragraph:
        """A body paragraph: justified; first line indented two characters in Chinese."""
        return self.para(text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)

    def blank(self) -> Paragraph:
        return self.para()

    # -- letter parts
    def letterhead(self) -> None:
        self.para("{{ creditor.name }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16,
                  cjk_font=_CJK_TITLE_FONT, space_after=2)
        if self.zh:
            contact = ("{% if creditor.address %}地址：{{ creditor.address }}{% endif %}"
                       "{% if creditor.phone %}　电话：{{ creditor.phone }}{% endif %}"
                       "{% if creditor.registration_number %}"
                       "　统一社会信用代码：{{ creditor.registration_number }}{% endif %}")
        else:
            contact = ("{% if creditor.address %}{{ creditor.address }}{% endif %}"
                       "{% if creditor.phone %} | Tel. {{ creditor.phone }}{% endif %}"
                       "{% if creditor.registration_number %}"
                       " | Unified Social Credit Code {{ creditor.registration_number }}{% endif %}")
        rule = self.para(contact, align=WD_ALIGN_PARAGRAPH.CENTER, size=9, space_after=12)
        _bottom_border(rule)

    def title(self, kind: str, subtitle: str | None = None) -> None:
        self.para(TITLES[self.locale][kind], align=WD_ALIGN_PARAGRAPH.CENTER, bold=True,
                  size=22 if self.zh else 18, cjk_font=_CJK_TITLE_FONT,
                  space_before=6, space_after=0 if subtitle else 12)
        if subtitle:
            self.para(subtitle, align=WD_ALIGN_PARAGRAPH.CENTER, size=12, space_after=12)

    def reference_and_date(self) -> None:
        if self.zh:
            self.para("编号：{{ reference }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
            self.para("日期：{{ letter_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=12)
        else:
            self.para([("Our ref.: ", True), ("{{ reference }}", False)])
            self.para([("Date: ", True), ("{{ letter_date }}", False)], space_after=12)

    def addressee(self) -> None:
        if self.zh:
            self.para([("致：", True), ("{{ borrower.name }}", True)])
            self.para("身份证件号码：{{ borrower.id_number }}")
            self.para("{% if borrower.address %}地址：{{ borrower.address }}{% endif %}", space_after=12)
        else:
            self.para([("To: ", True), ("{{ borrower.name }}", True)], space_after=0)
            self.para("ID/Passport No.: {{ borrower.id_number }}", space_after=0)
            self.para("{% if borrower.address %}Address: {{ borrower.address }}{% endif %}", space_after=12)

    def subject_line(self) -> None:
        self.para([("Re: Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }}", True)],
                  space_after=12)

    def amount_table(self) -> None:
        if self.zh:
            head = ("项目", "金额")
            labels = ("实现债权的费用", "其他应付费用", "罚息", "利息", "本金", "合计")
        else:
            head = ("Item", "Amount")
            labels = ("Costs of recovery", "Fees", "Penalty interest", "Interest", "Principal",
                      "Total amount due")
        values = ("{{ balance.costs }}", "{{ balance.fees }}", "{{ balance.penalty }}",
                  "{{ balance.interest }}", "{{ balance.principal }}", "{{ total }}")
        table = self.doc.add_table(rows=1 + len(labels), cols=2)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        rows = [(head[0], head[1], True)] + [
            (label, value, label == labels[-1]) for label, value in zip(labels, values, strict=True)
        ]
        for row, (label, value, strong) in zip(table.rows, rows, strict=True):
            for cell, text, align in ((row.cells[0], label, WD_ALIGN_PARAGRAPH.LEFT),
                                      (row.cells[1], value, WD_ALIGN_PARAGRAPH.RIGHT)):
                cell.width = Cm(8.0) if align == WD_ALIGN_PARAGRAPH.LEFT else Cm(6.5)
                paragraph = cell.paragraphs[0]
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if row is table.rows[0] else align
                paragraph.paragraph_format.space_after = Pt(0)
                run = paragraph.add_run(text)
                run.bold = strong or None
                if row is table.rows[0]:
                    _shade(cell, "D9D9D9")
        self.para(space_after=6)

    def loop_table(
        self,
        head: Sequence[str],
        cells: Sequence[str],
        widths: Sequence[float],
        loop: str,
        *,
        aligns: Sequence[WD_ALIGN_PARAGRAPH | None],
        total_row: Sequence[str] | None = None,
        small: Sequence[int] = (),
        space_after: bool = True,
    ) -> None:
        """A table: a shaded header row, one docxtpl row loop (`{%tr for <loop> %}`) over `cells`,
        and an optional bold total row. `widths` in cm; `aligns` per column for every row below the
        header (None leaves the paragraph's own alignment); `small` columns print in 8 pt."""
        blank = ("",) * (len(head) - 1)
        texts: list[tuple[Sequence[str], bool]] = [
            (head, True), ((f"{{%tr for {loop} %}}", *blank), False), (cells, False),
            (("{%tr endfor %}", *blank), False),
        ]
        if total_row is not None:
            texts.append((total_row, True))
        table = self.doc.add_table(rows=len(texts), cols=len(head))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for index, (row, (row_texts, strong)) in enumerate(zip(table.rows, texts, strict=True)):
            for column, (cell, text, width) in enumerate(zip(row.cells, row_texts, widths, strict=True)):
                cell.width = Cm(width)
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.space_after = Pt(0)
                align = WD_ALIGN_PARAGRAPH.CENTER if index == 0 else aligns[column]
                if align is not None:
                    paragraph.alignment = align
                if index == 0:
                    _shade(cell, "D9D9D9")
                if not text:
                    continue
                run = paragraph.add_run(text)
                if strong:
                    run.bold = True
                if index and column in small:
                    run.font.size = Pt(8)  # e.g. 64 hex digits wrap onto two lines of the cell
        if space_after:
            self.para(space_after=6)

    def instalment_table(self, intro: str) -> None:
        """The missed instalments, when the context lists any: `{%p if %}` drops intro and table otherwise."""
        self.para("{%p if instalments %}")
        self.body(intro)
        head = ("期次", "应还日期", "应还金额") if self.zh else ("Instalment", "Due date", "Amount due")
        center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
        self.loop_table(head, ("{{ i.number }}", "{{ i.due_on }}", "{{ i.amount }}"), (3.5, 5.5, 5.5),
                        "i in instalments", aligns=(center, center, right), space_after=False)
        self.para("{%p endif %}")

    def evidence_table(self) -> None:
        """The numbered evidence list: one docxtpl row loop under a header row."""
        if self.zh:
            head = ("序号", "证据名称", "来源", "SHA-256", "证明目的")
        else:
            head = ("No.", "Description", "Source", "SHA-256", "Purpose")
        cells = ("{{ item.number }}", "{{ item.description }}", "{{ item.source }}", "{{ item.sha256 }}",
                 "{{ item.proves }}")
        self.loop_table(head, cells, (1.2, 3.6, 3.0, 4.4, 3.4), "item in items",  # 15.6 cm: the text width
                        aligns=(WD_ALIGN_PARAGRAPH.CENTER, None, None, None, None), small=(3,))

    def signature(self, closing: str | None = None) -> None:
        # Never leave the signature alone on a page: it keeps with the letter's last paragraph.
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        if self.zh:
            self.para(space_before=12, keep_with_next=True)
            self.para("{{ creditor.name }}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT, space_before=12,
                      keep_with_next=True)
            self.para("{{ letter_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
        else:
            self.para(closing or "Yours faithfully,", space_before=12, keep_with_next=True)
            self.para(space_after=24, keep_with_next=True)
            self.para("For and on behalf of", keep_with_next=True, space_after=0)
            self.para([("{{ creditor.name }}", True)], keep_with_next=True, space_after=0)
            self.para("(Company seal)", space_after=0)

    def footer(self) -> None:
        paragraph = self.doc.sections[0].footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if self.zh:
            pieces = ["编号：{{ reference }}　　第 ", "PAGE", " 页 共 ", "NUMPAGES", " 页"]
        else:
            pieces = ["Ref. {{ reference }}  |  Page ", "PAGE", " of ", "NUMPAGES"]
        for piece in pieces:
            if piece in ("PAGE", "NUMPAGES"):
                _field(paragraph, piece)
            else:
                paragraph.add_run(piece).font.size = Pt(9)

    def _prune(self) -> None:
        """Drop what python-docx's default template carries but a letter never uses.

        stylesWithEffects.xml and styles.xml are ~800 KB of XML that every render would parse,
        serialise and compress again; unused styles and the customXml bibliography go too.
        """
        rels = self.doc.part.rels
        for rid, rel in list(rels.items()):
            if rel.reltype in (_STYLES_WITH_EFFECTS, RT.CUSTOM_XML):
                del rels[rid]
                rels.related_parts.pop(rid, None)
        styles = self.doc.styles.element
        by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
        wanted = {sid for sid, style in by_id.items() if style.get(qn("w:default")) in ("1", "true")}
        for part in self.doc.part.package.iter_parts():
            element = getattr(part, "_element", None)
            if element is None or element is styles:
                continue
            for ref in element.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle")):
                wanted.add(ref.get(qn("w:val")))
        pending = list(wanted)
        while pending:  # keep what the kept styles are based on, link to or continue with
            style = by_id.get(pending.pop())
            if style is None:
                continue
            for tag in ("w:basedOn", "w:next", "w:link"):
                ref = style.find(qn(tag))
                if ref is not None and ref.get(qn("w:val")) not in wanted:
                    wanted.add(ref.get(qn("w:val")))
                    pending.append(ref.get(qn("w:val")))
        for sid, style in by_id.items():
            if sid not in wanted:
                styles.remove(style)

    def to_bytes(self) -> bytes:
        self._prune()
        raw = io.BytesIO()
        self.doc.save(raw)
        return normalize_docx(raw.getvalue())


def _bottom_border(paragraph: Paragraph) -> None:
    """A rule under the letterhead (pBdr must precede spacing/ind/jc in pPr)."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p_pr.insert_element_before(
        borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
        "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
        "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
        "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
        "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
    )


def _shade(cell, fill: str) -> None:  # type: ignore[no-untyped-def]
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.insert_element_before(shd, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                                "w:hideMark", "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge",
                                "w:tcPrChange")


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A simple field (PAGE, NUMPAGES) showing 1 until Word updates it."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    r_pr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "18")
    r_pr.append(size)
    run.append(r_pr)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


# ---- shared wording ----------------------------------------------------------------------------

_ZH_TOTAL = ("以上合计应还金额为{{ total }}{% if total_in_words %}（大写：{{ total_in_words }}）{% endif %}。"
             "上述金额计算至{{ letter_date }}，此后的利息、罚息依照借款合同约定继续计收，"
             "以实际还款之日的结算金额为准。")
_ZH_MEASURES = ("（一）依照借款合同约定继续计收利息、罚息及复利；"
                "（二）宣布借款合同项下全部借款提前到期，要求您立即清偿全部债务；"
                "（三）依法处分担保财产或者向担保人追偿；"
                "（四）向有管辖权的人民法院提起诉讼或者向约定的仲裁机构申请仲裁，并申请财产保全和强制执行；"
                "（五）依照《征信业管理条例》等规定将您的逾期信息报送金融信用信息基础数据库，"
                "由此可能对您的个人信用记录产生不良影响。"
                "因此产生的诉讼费、保全费、公告费、律师费等实现债权的费用，依照借款合同约定由您承担。")
_ZH_LIMITATION = ("本{doc}系我方依照《中华人民共和国民法典》第一百九十五条向您提出的履行请求，"
                  "诉讼时效自本{doc}送达之日起中断并重新计算。")
_ZH_DISPUTE = ("如您对上述欠款金额有异议，请自收到本{doc}之日起七日内以书面形式向我方提出，并附相关证明材料。"
               "如您在收到本{doc}前已足额还款，请忽略本{doc}。"
               "{{% if creditor.phone %}}联系电话：{{{{ creditor.phone }}}}。{{% endif %}}")

_EN_ACCRUAL = ("The amounts above are calculated up to {{ letter_date }}. Interest and penalty interest "
               "continue to accrue as provided in the Contract until the date of actual payment; the "
               "amount due is the amount settled on the day you pay.")
_EN_MEASURES = ("If you fail to pay by that date, we may, as provided in the Contract and permitted by law, "
                "take any of the following steps without further notice: (1) continue to charge interest, "
                "penalty interest and compound interest under the Contract; (2) declare the entire loan "
                "immediately due and payable; (3) enforce any security, or claim against any guarantor; "
                "(4) bring proceedings before a competent people’s court or the arbitration institution "
                "named in the Contract, and apply for preservation of your property and for compulsory "
                "enforcement; and (5) report the overdue loan to the Financial Credit Information Database "
                "under the Regulations on the Administration of the Credit Reporting Industry, which may "
                "adversely affect your credit record. The costs of recovery, including court fees, "
                "preservation fees, publication fees and legal fees, shall be borne by you as provided in "
                "the Contract.")
_EN_LIMITATION = ("This {doc} is a demand for performance under Article 195 of the Civil Code of the People’s "
                  "Republic of China: the limitation period is interrupted and runs afresh from the date on "
                  "which this {doc} is served on you.")
_EN_DISPUTE = ("If you dispute any amount stated in this {doc}, please tell us in writing within seven days "
               "of receiving it, enclosing any supporting documents. If you have already paid the full "
               "amount, please disregard this {doc}."
               "{{% if creditor.phone %}} You can reach us on {{{{ creditor.phone }}}}.{{% endif %}}")
_EN_DAYS = "{{ days_past_due }} day{% if days_past_due != 1 %}s{% endif %}"


# ---- the letters -------------------------------------------------------------------------------

def _zh_collection_notice(letter: _Letter) -> None:
    letter.body("您（以下称“借款人”）于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）"
                "签订了编号为{{ contract_number }}的借款合同（以下称“借款合同”）。依照借款合同约定，"
                "您应当按期足额归还借款本金并支付利息。经核查，您自{{ overdue_since }}起未按约定履行还款义务，"
                "截至本通知书出具之日已逾期{{ days_past_due }}天。")
    letter.body("截至{{ letter_date }}，您在借款合同项下尚欠我方款项明细如下：")
    letter.amount_table()
    letter.body(_ZH_TOTAL)
    letter.instalment_table("其中，您未按期归还的分期款项如下：")
    letter.body("根据《中华人民共和国民法典》第五百零九条、第五百七十七条及第六百七十六条的规定，"
                "当事人应当按照约定全面履行自己的义务；借款人未按照约定的期限返还借款的，"
                "应当按照约定或者国家有关规定支付逾期利息。现我方正式通知并要求您于{{ pay_by }}前"
                "将上述欠款全额归还至借款合同约定的还款账户；如确有困难，请在上述期限内主动与我方联系，"
                "协商还款安排。")
    letter.body([("逾期不还的法律后果：", True),
                 ("如您逾期仍未履行还款义务，我方将依照借款合同约定和法律规定采取包括但不限于以下措施：", False),
                 (_ZH_MEASURES, False)])
    letter.body(_ZH_LIMITATION.format(doc="通知书"))
    letter.body(_ZH_DISPUTE.format(doc="通知书"))
    letter.body("特此通知。")


def _zh_reminder_letter(letter: _Letter) -> None:
    letter.body("您（以下称“借款人”）于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）"
                "签订了编号为{{ contract_number }}的借款合同（以下称“借款合同”）。您自{{ overdue_since }}起"
                "未按约定履行还款义务，截至本函出具之日已逾期{{ days_past_due }}天。我方此前已向您发出书面催收通知，"
                "但上述欠款至今仍未结清。")
    letter.body("逾期以来，您已累计还款{{ paid_to_date }}。"
                "截至{{ letter_date }}，您在借款合同项下仍欠我方款项明细如下：")
    letter.amount_table()
    letter.body(_ZH_TOTAL)
    letter.body("现我方再次郑重提醒您：请于{{ pay_by }}前将上述欠款全额归还至借款合同约定的还款账户。"
                "按期足额还款可以避免利息、罚息继续增加，并避免对您的个人信用记录造成进一步的不良影响。"
                "如确有困难，请在上述期限内主动与我方联系，说明原因并协商还款安排。")
    letter.body([("逾期不还的法律后果：", True),
                 ("如您在上述期限届满后仍未履行还款义务，我方将依照借款合同约定和《中华人民共和国民法典》"
                  "的相关规定，采取包括但不限于以下措施：", False),
                 (_ZH_MEASURES, False)])
    letter.body(_ZH_LIMITATION.format(doc="函"))
    letter.body(_ZH_DISPUTE.format(doc="函"))
    letter.body("特此函告。")


def _zh_closure_letter(letter: _Letter) -> None:
    letter.body("兹证明：借款人{{ borrower.name }}（身份证件号码：{{ borrower.id_number }}）"
                "于{{ contract_signed_on }}与{{ creditor.name }}（以下称“我方”）签订的编号为{{ contract_number }}"
                "的借款合同（以下称“借款合同”）项下的债务，已于{{ closed_on }}结清。")
    letter.body("借款合同项下欠款总额为{{ original_total }}"
                "{% if original_total_in_words %}（大写：{{ original_total_in_words }}）{% endif %}，"
                "借款人已累计偿还{{ total_paid }}"
                "{% if total_paid_in_words %}（大写：{{ total_paid_in_words }}）{% endif %}。"
                "{% if waived %}根据双方达成的和解协议，剩余款项{{ waived }}"
                "{% if waived_in_words %}（大写：{{ waived_in_words }}）{% endif %}已由我方依约予以减免。{% endif %}")
    letter.body("截至本证明出具之日，借款人在借款合同项下的全部债务均已清偿完毕，我方与借款人之间"
                "就借款合同不再存在未了结的债权债务。我方已停止就该笔债务的一切催收活动，"
                "并将依照相关规定向金融信用信息基础数据库报送该笔借款的结清信息。")
    letter.body("依照《中华人民共和国民法典》第三百九十三条的规定，为借款合同设立的担保物权随主债权的消灭而消灭；"
                "借款合同项下如设有抵押、质押等担保，我方将配合办理担保登记的注销手续。")
    letter.body("请妥善保管本证明。特此证明。")


def _zh_evidence_catalog(letter: _Letter) -> None:
    letter.para([("案件名称：", True), ("{{ case_title }}", False)])
    letter.para([("案件编号：", True), ("{{ matter_reference }}", False)])
    letter.para([("提交人：", True), ("{{ creditor.name }}", False)])
    letter.para([("对方当事人：", True), ("{{ borrower.name }}（身份证件号码：{{ borrower.id_number }}）", False)])
    letter.para("{% if borrower.address %}住址：{{ borrower.address }}{% endif %}")
    letter.para([("借款合同：", True), ("编号{{ contract_number }}，签订于{{ contract_signed_on }}", False)],
                space_after=12)
    letter.evidence_table()
    letter.body("说明：上列证据的电子文件随本目录一并提交，文件名以其序号开头。各文件的SHA-256哈希值列于上表，"
                "重新计算该值即可核验文件自提交之日起未被改动。本目录共列证据{{ items|length }}项。")


def _en_collection_notice(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("On {{ contract_signed_on }} you (the “Borrower”) entered into Loan Contract No. "
                "{{ contract_number }} (the “Contract”) with {{ creditor.name }} (“we” or “us”), under which "
                "you undertook to repay the principal and pay interest in full on the agreed dates. You have "
                "failed to make the repayments due since {{ overdue_since }}; as at the date of this notice "
                "your loan is " + _EN_DAYS + " past due.")
    letter.body("As at {{ letter_date }}, the following amounts are outstanding under the Contract:")
    letter.amount_table()
    letter.body(_EN_ACCRUAL)
    letter.instalment_table("The instalments you have failed to pay are:")
    letter.body("Under Articles 509, 577 and 676 of the Civil Code of the People’s Republic of China, each "
                "party must perform its obligations in full as agreed, and a borrower who fails to repay a "
                "loan when due must pay overdue interest as agreed or as provided by the relevant State "
                "regulations. We therefore formally demand that you pay the total amount due of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %} "
                "into the repayment account specified in the Contract no later than {{ pay_by }}. If you "
                "cannot do so, please contact us before that date to discuss a repayment arrangement.")
    letter.body([("Consequences of non-payment. ", True), (_EN_MEASURES, False)])
    letter.body(_EN_LIMITATION.format(doc="notice"))
    letter.body(_EN_DISPUTE.format(doc="notice"))


def _en_reminder_letter(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("We refer to Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }} (the "
                "“Contract”) between you (the “Borrower”) and {{ creditor.name }} (“we” or “us”), and to our "
                "earlier written notice demanding payment of the overdue amounts. You have been in default "
                "since {{ overdue_since }}; as at the date of this letter your loan is " + _EN_DAYS + " past "
                "due and the overdue amounts remain unpaid.")
    letter.body("Since the loan fell overdue you have paid a total of {{ paid_to_date }}. As at "
                "{{ letter_date }}, the following amounts remain outstanding under the Contract:")
    letter.amount_table()
    letter.body(_EN_ACCRUAL)
    letter.body("We again request that you pay the total amount due of {{ total }}"
                "{% if total_in_words %} (in words: {{ total_in_words }}){% endif %} into the repayment account "
                "specified in the Contract no later than {{ pay_by }}. Paying in full and on time stops "
                "further interest and penalty interest from accruing and avoids further harm to your credit "
                "record. If you are in financial difficulty, please contact us before that date to explain "
                "your circumstances and agree a repayment arrangement.")
    letter.body([("Consequences of non-payment. ", True), (_EN_MEASURES, False)])
    letter.body(_EN_LIMITATION.format(doc="letter"))
    letter.body(_EN_DISPUTE.format(doc="letter"))


def _en_closure_letter(letter: _Letter) -> None:
    letter.subject_line()
    letter.para("Dear {{ borrower.name }},")
    letter.body("We, {{ creditor.name }}, confirm that the debt owed by {{ borrower.name }} (ID/Passport No. "
                "{{ borrower.id_number }}) (the “Borrower”) under Loan Contract No. {{ contract_number }} "
                "dated {{ contract_signed_on }} (the “Contract”) was discharged on {{ closed_on }}.")
    letter.body("The total amount owed under the Contract was {{ original_total }}"
                "{% if original_total_in_words %} (in words: {{ original_total_in_words }}){% endif %}"
                ", and the Borrower has paid {{ total_paid }}"
                "{% if total_paid_in_words %} (in words: {{ total_paid_in_words }}){% endif %}"
                " in total.{% if waived %} Under the settlement agreed between the parties, "
                "we have waived the remaining balance of {{ waived }}"
                "{% if waived_in_words %} (in words: {{ waived_in_words }}){% endif %}.{% endif %}")
    letter.body("Accordingly, as at the date of this letter no amount remains outstanding under the Contract "
                "and no claim remains between us and the Borrower in respect of the Contract. We have ceased "
                "all collection activity on this debt and will report the loan as settled to the Financial "
                "Credit Information Database in accordance with the applicable regulations.")
    letter.body("Under Article 393 of the Civil Code of the People’s Republic of China, any security interest "
                "securing the Contract is extinguished together with the secured debt; we will assist in "
                "cancelling the registration of any mortgage or pledge securing the Contract.")
    letter.body("Please keep this letter for your records.")


def _en_evidence_catalog(letter: _Letter) -> None:
    letter.para([("Case: ", True), ("{{ case_title }}", False)], space_after=0)
    letter.para([("Matter ref.: ", True), ("{{ matter_reference }}", False)], space_after=0)
    letter.para([("Submitted by: ", True), ("{{ creditor.name }}", False)], space_after=0)
    letter.para([("Other party: ", True), ("{{ borrower.name }} (ID/Passport No. {{ borrower.id_number }})", False)],
                space_after=0)
    letter.para("{% if borrower.address %}Address: {{ borrower.address }}{% endif %}", space_after=0)
    letter.para([("Loan Contract No. {{ contract_number }} dated {{ contract_signed_on }}", True)], space_after=12)
    letter.evidence_table()
    letter.body("The electronic files listed above are submitted with this catalogue, each file name beginning "
                "with its number. The SHA-256 value of each file is shown in the table: recomputing it proves "
                "that the file has not changed since it was submitted. This catalogue lists {{ items|length }} "
                "item{% if items|length != 1 %}s{% endif %}.")


_BODIES: dict[tuple[str, str], Callable[[_Letter], None]] = {
    ("zh-CN", "collection_notice"): _zh_collection_notice,
    ("zh-CN", "reminder_letter"): _zh_reminder_letter,
    ("zh-CN", "closure_letter"): _zh_closure_letter,
    ("en", "collection_notice"): _en_collection_notice,
    ("en", "reminder_letter"): _en_reminder_letter,
    ("en", "closure_letter"): _en_closure_letter,
    ("zh-CN", "evidence_catalog"): _zh_evidence_catalog,
    ("en", "evidence_catalog"): _en_evidence_catalog,
}
# Kinds that are not addressed to the borrower (filed with a court or sent to a law firm).
_UNADDRESSED = frozenset({"evidence_catalog"})
_SUBTITLES: dict[tuple[str, str], str] = {
    ("zh-CN", "reminder_letter"): "（第{{ sequence_text }}次提醒）",
    ("en", "reminder_letter"): "{{ sequence_text }} Reminder",
}

# Families of documents defined in documents/kinds/<group>.py.
for _group in kinds.groups():
    for _locale, _titles in getattr(_group, "TITLES", {}).items():
        TITLES[_locale].update(_titles)
    _BODIES.update(_group.BODIES)
    _UNADDRESSED = _UNADDRESSED | frozenset(getattr(_group, "UNADDRESSED", ()))
    _SUBTITLES.update(getattr(_group, "SUBTITLES", {}))


def build(kind: str, locale: str) -> bytes:
    """The template of `kind` in `locale`, as normalised .docx bytes."""
    letter = _Letter(locale, kind)
    letter.letterhead()
    letter.title(kind, _SUBTITLES.get((locale, kind)))
    letter.reference_and_date()
    if kind not in _UNADDRESSED:
        letter.addressee()
    _BODIES[(locale, kind)](letter)
    if kind in _UNADDRESSED:
        letter.signature(closing="Submitted by:")
    else:
        letter.signature()
    letter.footer()
    return letter.to_bytes()


def build_all(out_dir: Path) -> list[Path]:
    """Write every template under `out_dir`; return the files whose bytes changed."""
    changed: list[Path] = []
    for locale in LOCALES:
        for kind in KINDS:
            path = out_dir / locale / f"{kind}.docx"
            data = build(kind, locale)
            if path.exists() and path.read_bytes() == data:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed.append(path)
    return changed


def stale(out_dir: Path) -> list[Path]:
    """Templates under `out_dir` that differ from what this script builds."""
    result = []
    for locale in LOCALES:
        for kind in KINDS:
            path = out_dir / locale / f"{kind}.docx"
            if not path.exists() or path.read_bytes() != build(kind, locale):
                result.append(path)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=TEMPLATE_DIR, help="templates folder")
    parser.add_argument("--check", action="store_true", help="fail if a template is out of date")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale(args.out)
        for path in outdated:
            sys.stderr.write(f"stale: {path}\n")
        return 1 if outdated else 0
    for path in build_all(args.out):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
