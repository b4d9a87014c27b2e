"""The fixed English texts the import's parsers and the portfolio's validators give a cell's problem, marked here
for translation (makemessages finds them): the mapping step's preview shows them in the page's language."""

from django.utils.translation import gettext_noop

PROBLEMS = [
    gettext_noop("required"),
    gettext_noop("not a valid date"),
    gettext_noop("unknown currency"),
    gettext_noop("unknown kind (use invoice/factura, installment/cuota, loan/prestamo, "
                 "hoa_fee/cuota de administracion, fine/multa, other/otro)"),
    gettext_noop("a cédula de ciudadanía has 3 to 10 digits"),
    gettext_noop("a cédula de extranjería has 3 to 15 letters or digits"),
    gettext_noop("a passport number has 4 to 20 letters or digits"),
    gettext_noop("this document has 3 to 11 digits"),
    gettext_noop("this document has 3 to 20 letters or digits"),
    gettext_noop("an ID number needs an ID type (e.g. NIT, CC)"),
    gettext_noop("The number's checksum or check digit is invalid."),
    gettext_noop("The number has an invalid length."),
    gettext_noop("The number has an invalid format."),
]
