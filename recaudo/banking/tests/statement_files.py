"""Small literal bank statements of every format the readers take, for the tests."""

from __future__ import annotations

import io

BANCOLOMBIA_VALOR = (
    "Fecha,Descripción,Valor\n"
    "01/03/2026,PAGO PSE FV 1203 LUZ PEREZ,\"1.234.567,89\"\n"
    "02/03/2026,COMISION MANEJO,\"-12.000,00\"\n"
    "03/03/2026,CONSIGNACION,\"50.000,00\"\n"
)

BANCOLOMBIA_SPLIT = (
    "EXTRACTO CUENTA DE AHORROS 123-456789-01\n"
    "Fecha;Referencia;Descripcion;Retiros;Consignaciones\n"
    "01/03/2026;1203;PAGO FACTURA;;1.234.567,89\n"
    "02/03/2026;;RETIRO CAJERO;200.000,00;\n"
    "03/03/2026;C002;TRANSFERENCIA;;500.000,00\n"
    "TOTAL;;;200.000,00;1.734.567,89\n"
)


def ofx_sgml(transactions: list[tuple[str, str, str, str, str]], currency="COP", account="123456789") -> bytes:
    """OFX 1.02 (SGML, no closing tags on values): (FITID, DTPOSTED, TRNAMT, NAME, MEMO) each."""
    body = "".join(
        f"<STMTTRN>\n<TRNTYPE>{'CREDIT' if not amount.startswith('-') else 'DEBIT'}\n<DTPOSTED>{posted}\n"
        f"<TRNAMT>{amount}\n<FITID>{fitid}\n<NAME>{name}\n<MEMO>{memo}\n</STMTTRN>\n"
        for fitid, posted, amount, name, memo in transactions)
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX>\n<SIGNONMSGSRSV1>\n<SONRS>\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n"
        "<DTSERVER>20260305120000\n<LANGUAGE>SPA\n</SONRS>\n</SIGNONMSGSRSV1>\n"
        "<BANKMSGSRSV1>\n<STMTTRNRS>\n<TRNUID>1\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n"
        f"<STMTRS>\n<CURDEF>{currency}\n<BANKACCTFROM>\n<BANKID>007\n<ACCTID>{account}\n<ACCTTYPE>SAVINGS\n"
        "</BANKACCTFROM>\n<BANKTRANLIST>\n<DTSTART>20260301\n<DTEND>20260305\n"
        + body +
        "</BANKTRANLIST>\n<LEDGERBAL>\n<BALAMT>0\n<DTASOF>20260305\n</LEDGERBAL>\n</STMTRS>\n</STMTTRNRS>\n"
        "</BANKMSGSRSV1>\n</OFX>\n"
    ).encode("cp1252")


def ofx_xml(transactions: list[tuple[str, str, str, str, str]], currency="COP", account="123456789") -> bytes:
    """OFX 2.1 (XML): (FITID, DTPOSTED, TRNAMT, NAME, MEMO) each."""
    body = "".join(
        f"<STMTTRN><TRNTYPE>{'CREDIT' if not amount.startswith('-') else 'DEBIT'}</TRNTYPE>"
        f"<DTPOSTED>{posted}</DTPOSTED><TRNAMT>{amount}</TRNAMT><FITID>{fitid}</FITID><NAME>{name}</NAME>"
        f"<MEMO>{memo}</MEMO></STMTTRN>"
        for fitid, posted, amount, name, memo in transactions)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        "<DTSERVER>20260305120000</DTSERVER><LANGUAGE>SPA</LANGUAGE></SONRS></SIGNONMSGSRSV1>"
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        f"<STMTRS><CURDEF>{currency}</CURDEF><BANKACCTFROM><BANKID>007</BANKID><ACCTID>{account}</ACCTID>"
        "<ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST><DTSTART>20260301</DTSTART>"
        f"<DTEND>20260305</DTEND>{body}</BANKTRANLIST><LEDGERBAL><BALAMT>0</BALAMT><DTASOF>20260305</DTASOF>"
        "</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    ).encode()


def camt053(entries: list[dict], version="02", currency="COP") -> bytes:
    """A CAMT.053 statement of namespace camt.053.001.<version>; each entry: amount, indicator (CRDT/DBIT), date,
    and optionally ccy, ref (AcctSvcrRef), e2e (EndToEndId), ustrd, strd (creditor reference), payer."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    parts = []
    for e in entries:
        ccy = e.get("ccy", currency)
        payer = e.get("payer", "")
        if payer:
            payer_xml = (f"<RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties>" if version == "08"
                         else f"<RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties>")
        else:
            payer_xml = ""
        strd = (f"<Strd><CdtrRefInf><Ref>{e['strd']}</Ref></CdtrRefInf></Strd>" if e.get("strd") else "")
        status = "<Sts><Cd>BOOK</Cd></Sts>" if version == "08" else "<Sts>BOOK</Sts>"
        parts.append(
            f"<Ntry><Amt Ccy=\"{ccy}\">{e['amount']}</Amt><CdtDbtInd>{e['indicator']}</CdtDbtInd>{status}"
            f"<BookgDt><Dt>{e['date']}</Dt></BookgDt><ValDt><Dt>{e['date']}</Dt></ValDt>"
            + (f"<AcctSvcrRef>{e['ref']}</AcctSvcrRef>" if e.get("ref") else "")
            + "<BkTxCd/><NtryDtls><TxDtls><Refs>"
            + f"<EndToEndId>{e.get('e2e', 'NOTPROVIDED')}</EndToEndId></Refs>{payer_xml}"
            + f"<RmtInf><Ustrd>{e.get('ustrd', '')}</Ustrd>{strd}</RmtInf></TxDtls></NtryDtls></Ntry>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-05T10:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>S1</Id><CreDtTm>2026-03-05T10:00:00</CreDtTm><Acct><Id><Othr><Id>123456789</Id></Othr></Id>"
        f"<Ccy>{currency}</Ccy></Acct>" + "".join(parts) + "</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


MT940 = (
    ":20:STARTUMS\n"
    ":25:007/123456789\n"
    ":28C:00001/001\n"
    ":60F:C260228COP1000,00\n"
    ":61:2603010301C1234567,89NTRF1203//BCO0001\n"
    ":86:PAGO FACTURA 1203 LUZ PEREZ\n"
    ":61:2603020302D200000,00NTRFNONREF//BCO0002\n"
    ":86:RETIRO\n"
    ":61:2603030303C500000,00NTRFNONREF//BCO0003\n"
    ":86:TRANSFERENCIA SIN REFERENCIA\n"
    ":62F:C260303COP1535567,89\n"
)


def xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
