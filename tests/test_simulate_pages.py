"""« Tester ce numéro » shows the simulator's structured answer (issue 16,
item 6): every routing with its odds, draws and what it does, and, given
circumstances, the outcome."""

from __future__ import annotations

import re

from test_webui_special import admin, sav_ids
from webui_helpers import ADMIN, ids, logged_in


def test_reception_page_shows_the_outcome_of_the_circumstances(rt, app):
    client = logged_in(app, ADMIN)
    url = f"/reception/{ids(rt)['accueil1']}?test=1&to=0175000120&at=2026-11-26T10:00"
    plain = client.get(url).get_data(as_text=True)
    assert "plan-outcome" not in plain and "members in order: Pierre" in plain
    page = client.get(url + "&busy=0175000101&unregistered=%2B33175000102").get_data(as_text=True)
    outcome = re.search(r'<span class="outcome-summary">([^<]+)</span>', page).group(1)
    assert outcome == "answered by Jacques (+33175000103)"
    assert '<span class="outcome-disposition">answered</span>' in page
    assert 'name="busy" value="0175000101"' in page  # the form keeps what was typed


def test_special_page_shows_every_routing_and_the_drawn_outcome(rt, app):
    special_id, _ = sav_ids(rt)
    client = admin(app)
    url = f"/special/{special_id}?test=1&caller=0612345678&at=2026-11-30T10:00"
    page = client.get(url + "&draws=0.9&no_answer=0175000102").get_data(as_text=True)
    assert re.findall(r'<td class="draws">([^<]+)</td>', page) == ["0-2047", "2048-4095", "0-4095"]
    assert "the carrier rings +33145000000 for 30 s" in page  # what routing 2 does
    # draw 0.9 (3686) picks Paul in routing 1; he does not answer and forwards to his mobile
    summary = re.search(r'<span class="outcome-summary">([^<]+)</span>', page).group(1)
    assert summary == "answered at +33612345678 (outside number)"
    assert '<span class="outcome-disposition">forwarded</span>' in page
    bad = client.get(url + "&draws=9999").get_data(as_text=True)
    assert "0 to 4095" in bad and "plan-outcome" not in bad
