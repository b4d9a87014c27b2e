from pathlib import Path

from recaudo.imports.services import ImportOptions, import_file

FLAT_HEADER = ("number;debtor_code;debtor_name;debtor_id_type;debtor_id_number;debtor_phone;debtor_email;kind;"
               "issue_date;due_date;amount;currency;description")


def write(tmp_path: Path, content, name="file.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return path


def run(portfolio, kind, path, **options):
    return import_file(portfolio=portfolio, kind=kind, path=path, options=ImportOptions(**options))


def flat(*rows: str) -> str:
    return "\n".join([FLAT_HEADER, *rows]) + "\n"


def errors(result):
    return [(e.row, e.column, e.value, e.reason) for e in result.errors]
