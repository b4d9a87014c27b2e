"""The debtor portal's colour per portfolio (issue 16 §1): #RRGGBB on which white text reaches WCAG AA (4.5:1),
edited on the portfolio settings page and served as the portal's brand stylesheet."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recaudo.demo.testing import login, make_user
from recaudo.portfolio.rules import brand_color_check, contrast_ratio


def test_contrast_worked_examples():
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#0f766e") == pytest.approx(5.4733, abs=1e-4)
    # the classic boundary: #767676 passes (4.54), #777777 does not (4.48)
    assert contrast_ratio("#ffffff", "#767676") == pytest.approx(4.5422, abs=1e-4)
    assert contrast_ratio("#ffffff", "#777777") == pytest.approx(4.4781, abs=1e-4)


def test_brand_color_check():
    assert brand_color_check("") == ""
    assert brand_color_check(" #0F766E ") == "#0f766e"
    assert brand_color_check("#767676") == "#767676"
    for bad, reason in (("#777777", "contrast"), ("#ffff00", "contrast"), ("red", "format"), ("#12345", "format"),
                        ("#1234567", "format"), ("url(x)", "format")):
        with pytest.raises(ValueError, match=reason):
            brand_color_check(bad)


@pytest.mark.django_db
def test_an_administrator_sets_the_portal_colour_and_the_portal_uses_it(client, portfolio):
    login(client, make_user("ana", portfolio, role="admin").username)
    url = reverse("portfolio_settings", args=[portfolio.slug])
    data = {"creditor": "Distribuciones Andinas S.A.S.", "payment_reference": "id_number", "brand_color": "#ffff00"}
    response = client.post(url, data)
    assert response.status_code == 400 and "contraste" in response.content.decode()
    data["brand_color"] = "#1e3a8a"
    assert client.post(url, data).status_code == 302
    portfolio.refresh_from_db()
    assert portfolio.brand_color == "#1e3a8a"
    css = client.get(reverse("portal_brand_css", args=[portfolio.slug]))
    assert css["Content-Type"].startswith("text/css") and "--brand:#1e3a8a;" in css.content.decode()
