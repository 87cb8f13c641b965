"""Generate the corpus' binary documents (one PDF, two DOCX) and their metadata sidecars.

Why generated: binary files cannot be reviewed in a diff, so their text lives here and the files are
rebuilt from it (`python knowledge/corpus/build_binary_docs.py`); the outputs are committed so that
ingestion never needs this script. The PDF is written by a small hand-rolled writer (Helvetica,
WinAnsi text), so no PDF library is needed; the DOCX files use python-docx.
Output is deterministic (fixed dates in the metadata), so re-running it does not trigger re-ingestion.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

CONTRACT_ROLES = ["buyer", "approver", "manager", "finance", "admin"]

# ---------------------------------------------------------------------------------------------
# Gemini Furniture agreement (PDF)
# ---------------------------------------------------------------------------------------------

GEMINI_TITLE = "Supply Agreement - Gemini Furniture"
GEMINI: list[tuple[str, list[str]]] = [
    ("", [
        "Agreement No. FA-2025-030 between Bluebonnet Supply Co., 4200 Irving Blvd, Dallas, Texas, and "
        "Gemini Furniture, Grand Prairie, Texas (account managers Priya Nair and Greg Holloway), for office "
        "furniture, shelving and Material Handling items (Office Supplies OFF and Material Handling MHE, "
        "for example OFF-9001 and MHE-1260).",
    ]),
    ("1. Parties and term", [
        "1.1 This agreement is valid from 1 August 2025 to 31 July 2027. Either party may end it with 90 "
        "days' written notice, or at once for a material breach that is not cured within 30 days.",
    ]),
    ("2. Payment terms", [
        "2.1 Net 30 days from the date of a correct invoice. Invoices for late deliveries are reduced by "
        "the late-delivery credit of clause 4.3 before payment.",
    ]),
    ("3. Prices and price adjustment", [
        "3.1 Prices are those of the agreed price schedule and are fixed for the first 12 months.",
        "3.2 From the second contract year Gemini may raise prices once per year with 60 days' written "
        "notice, by at most 3 %.",
    ]),
    ("4. Lead time and delivery", [
        "4.1 Lead-time SLA: Gemini delivers within 7 calendar days of purchase order confirmation, to the "
        "Bluebonnet warehouse named on the purchase order.",
        "4.2 Incoterms: DAP (Incoterms 2020) at the named Bluebonnet warehouse. Freight is included for "
        "orders over 1,500 USD.",
        "4.3 Late-delivery credit: for each calendar day of delay beyond the 7-day lead time, Gemini "
        "grants a credit of 1.5 % of the value of the late purchase order lines, up to a maximum of 15 % "
        "of that value.",
        "4.4 Delivery date: the delivery date is the date of the signed receipt at the Bluebonnet dock, "
        "not the ship date or the carrier's first delivery attempt. Disputes about delivery timing are "
        "settled on the receipt records in Bluebonnet's system.",
    ]),
    ("5. Service levels", [
        "5.1 OTIF target (on time, in full): 90 % per calendar quarter.",
        "5.2 If OTIF is below 80 % in two consecutive quarters, Bluebonnet may terminate the agreement "
        "with 30 days' notice.",
    ]),
    ("6. Minimum order quantity", [
        "6.1 No minimum order quantity. Orders under 1,500 USD carry a delivery charge of 75 USD.",
    ]),
    ("7. Damage and returns", [
        "7.1 Furniture damaged in transit is replaced within 7 days at Gemini's cost. Returns need an RMA "
        "within 30 days of delivery.",
    ]),
]

GEMINI_META = {
    "title": "Supply Agreement — Gemini Furniture",
    "doc_type": "contract",
    "doc_id": "FA-2025-030",
    "supplier": "Gemini Furniture",
    "effective": "2025-08-01",
    "expiry": "2027-07-31",
    "allowed_roles": CONTRACT_ROLES,
}


def _pdf_escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def write_pdf(path: Path, title: str, sections: list[tuple[str, list[str]]]) -> None:
    """A minimal multi-page PDF: headings in Helvetica-Bold, wrapped body text in Helvetica."""
    lines: list[tuple[str, str]] = [("F2", title), ("F1", "")]
    for heading, paras in sections:
        if heading:
            lines += [("F1", ""), ("F2", heading)]
        for para in paras:
            lines += [("F1", w) for w in textwrap.wrap(para, 92)]
    per_page = 30
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)]
    objects: list[bytes] = []

    def add(obj: bytes) -> int:
        objects.append(obj)
        return len(objects)

    catalog = add(b"")  # filled below
    pages_id = add(b"")
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    page_ids: list[int] = []
    for page_lines in pages:
        ops = [b"BT", b"14 TL", b"56 790 Td"]
        for font, text in page_lines:
            size = b"12" if font == "F2" else b"10"
            ops.append(b"/" + font.encode() + b" " + size + b" Tf (" + _pdf_escape(text) + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        content = add(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
        page_ids.append(add(
            f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 612 842] /Contents {content} 0 R "
            f"/Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> >> >>".encode()))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode()
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects[pages_id - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    info = add(b"<< /Title (" + _pdf_escape(title) + b") /Producer (Quartermaster corpus builder) >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    path.write_bytes(bytes(out))


# ---------------------------------------------------------------------------------------------
# Crescent Chemical agreement and supplier onboarding policy (DOCX)
# ---------------------------------------------------------------------------------------------

CRESCENT_TITLE = "Supply Agreement — Crescent Chemical Co."
CRESCENT: list[tuple[str, list[str]]] = [
    ("", ["Agreement No. FA-2025-008 between Bluebonnet Supply Co. and Crescent Chemical Co. (Baton Rouge, "
          "Louisiana; contact Paul Fontenot) for Chemicals (Hazmat) and Janitorial & Sanitation items "
          "(for example CHM-7002 and JAN-8030), delivered to the Houston Gulf DC."]),
    ("1. Term", ["1.1 Valid from 1 April 2025 to 31 March 2027."]),
    ("2. Payment terms", ["2.1 Net 30 days from invoice; 1/15 Net 30 (a 1 % discount if paid within 15 days)."]),
    ("3. Lead time and delivery", [
        "3.1 Lead-time SLA: 10 calendar days from purchase order confirmation.",
        "3.2 Incoterms: DAP Houston Gulf DC (Incoterms 2020). Hazmat deliveries only between 07:00 and "
        "14:00 on weekdays, with a booked dock appointment.",
        "3.3 Every first shipment of a product comes with its current Safety Data Sheet (SDS); packaging "
        "and labels follow US DOT hazardous materials rules (49 CFR)."]),
    ("4. Minimum order quantity", [
        "4.1 Strict minimum order quantity: one full pallet per SKU (CHM-7002: 4 drums of 208 litres per "
        "pallet; JAN-8030: 40 cases per pallet). Orders below the MOQ are rejected, not rounded up.",
        "4.2 Mixed pallets are not accepted for hazmat items."]),
    ("5. Service levels and penalties", [
        "5.1 OTIF target: 90 % per month.",
        "5.2 Late deliveries earn a credit of 1 % of the late line value per day late, capped at 8 %."]),
    ("6. Price adjustment", [
        "6.1 Prices are reviewed each quarter and follow the US PPI for industrial chemicals, with a cap "
        "of 5 % per quarter. Crescent gives 30 days' notice of each change."]),
    ("7. Safety incidents", [
        "7.1 Crescent reports any transport incident involving our goods within 24 hours and bears the "
        "clean-up cost of spills caused by its packaging."]),
]

CRESCENT_META = {
    "title": CRESCENT_TITLE, "doc_type": "contract", "doc_id": "FA-2025-008",
    "supplier": "Crescent Chemical Co.", "effective": "2025-04-01", "expiry": "2027-03-31",
    "allowed_roles": CONTRACT_ROLES,
}

ONBOARDING_TITLE = "Supplier Onboarding Policy"
ONBOARDING: list[tuple[str, list[str]]] = [
    ("", ["How a new supplier is approved and set up at Bluebonnet Supply Co. No purchase order may be "
          "sent to a supplier before onboarding is complete."]),
    ("1. Request", [
        "1.1 A buyer requests a new supplier with a business reason: a new category, a second source for "
        "a risky supplier, or a better total cost.",
        "1.2 The buyer checks first whether an existing contracted supplier can cover the need."]),
    ("2. Required documents", [
        "2.1 Every supplier provides: a signed W-9, a certificate of insurance with at least 2,000,000 USD "
        "general liability, bank details on company letterhead, and the signed Supplier Code of Conduct.",
        "2.2 Medical suppliers also provide ISO 13485 certification; cold-chain suppliers a validation "
        "report for their 2–8 °C shippers; hazmat suppliers the SDS for every product and proof of DOT "
        "hazmat training."]),
    ("3. Checks", [
        "3.1 Finance screens the supplier against the US sanctions lists (OFAC SDN) and verifies the bank "
        "details by a call-back to a phone number found independently, never the one on the letter.",
        "3.2 Quality reviews certificates; the Houston safety officer reviews hazmat suppliers."]),
    ("4. Approval", [
        "4.1 The procurement manager (Maria Gonzalez) approves every new supplier. Finance (Fiona Lee) "
        "creates the vendor in Odoo only after that approval.",
        "4.2 A supplier with expected annual spend over 100,000 USD needs a framework agreement with "
        "payment terms, lead-time SLA, OTIF target, penalties and a price-adjustment clause."]),
    ("5. Probation", [
        "5.1 The first 90 days are a probation period: orders are limited to 10,000 USD each and every "
        "receipt is fully inspected. The supplier scorecard is reviewed at the end of probation."]),
]

ONBOARDING_META = {
    "title": ONBOARDING_TITLE, "doc_type": "policy", "doc_id": "POL-ONB-010", "effective": "2026-01-10",
    "owner": "Maria Gonzalez, Procurement Manager",
}


def write_docx(path: Path, title: str, sections: list[tuple[str, list[str]]],
               table: list[list[str]] | None = None) -> None:
    import datetime as dt

    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = title
    props.author = "Bluebonnet Supply Co."
    fixed = dt.datetime(2026, 1, 1, 0, 0, 0)
    props.created = props.modified = fixed
    props.last_modified_by = "Quartermaster corpus builder"
    document.add_heading(title, level=0)
    for heading, paras in sections:
        if heading:
            document.add_heading(heading, level=1)
        for para in paras:
            document.add_paragraph(para)
    if table:
        t = document.add_table(rows=0, cols=len(table[0]))
        for row in table:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = value
    document.save(str(path))
    _normalise_zip(path)


def _normalise_zip(path: Path) -> None:
    """Rewrite the DOCX zip with fixed timestamps so a rebuild is byte-identical."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
    path.write_bytes(buf.getvalue())


def write_sidecar(doc: Path, meta: Mapping[str, object]) -> None:
    side = doc.with_name(doc.name + ".meta.yaml")
    side.write_text("# metadata for " + doc.name + " (written by build_binary_docs.py)\n"
                    + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")


def main() -> None:
    contracts = HERE / "contracts"
    policies = HERE / "policies"
    gemini = contracts / "contract-gemini-furniture.pdf"
    write_pdf(gemini, GEMINI_TITLE, GEMINI)
    write_sidecar(gemini, GEMINI_META)
    crescent = contracts / "contract-crescent-chemical.docx"
    write_docx(crescent, CRESCENT_TITLE, CRESCENT)
    write_sidecar(crescent, CRESCENT_META)
    onboarding = policies / "policy-supplier-onboarding.docx"
    write_docx(onboarding, ONBOARDING_TITLE, ONBOARDING, table=[
        ["Document", "Who provides", "Who checks"],
        ["W-9 and bank details", "Supplier", "Finance (call-back verification)"],
        ["Certificate of insurance", "Supplier", "Finance"],
        ["ISO 13485 / cold-chain validation", "Medical suppliers", "Quality"],
        ["Safety Data Sheets", "Hazmat suppliers", "Houston safety officer"],
    ])
    write_sidecar(onboarding, ONBOARDING_META)
    for p in (gemini, crescent, onboarding):
        print(f"wrote {p.relative_to(HERE)} ({p.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
