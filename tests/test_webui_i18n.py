"""French (default, the manual's words) and English (P-10); the catalogue
covers every message of the templates and code, and the compiled file is
up to date."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from webui_helpers import ADMIN, PIERRE, ids, load_demo, logged_in, make_app

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "webui" / "translations" / "fr" / "LC_MESSAGES"


def extracted() -> set[str]:
    method_map = [("webui/**.py", "python"), ("webui/templates/**.html", "jinja2")]
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map={"webui/templates/**.html": {}},
                                                keywords={"_": None, "gettext": None}):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_french_translation_and_the_mo_file_is_current():
    po = read_po((CATALOGUE / "messages.po").open("rb"))
    translated = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    found = extracted()
    assert len(found) > 250 and "Durée de sonnerie" == translated["Ring time"]
    missing = found - set(translated)
    assert not missing, f"run `make translations` and translate: {sorted(missing)[:10]}"
    mo = read_mo((CATALOGUE / "messages.mo").open("rb"))
    assert {m.id: m.string for m in mo if m.id} == translated, "messages.mo is stale: run `make translations`"


@pytest.fixture
def app(rt):
    load_demo(rt)
    return make_app(rt)


def test_french_by_default_with_the_manuals_words(rt, app):
    admin = logged_in(app, ADMIN)
    page = admin.get("/services/").get_data(as_text=True)
    for words in ("Mes services", "Mon annuaire", "Mon standard", "Mes infos", "Lignes téléphoniques",
                  "Offre associée", "Lignes de fax par mail", "Prix appelant"):
        assert words in page
    line = admin.get(f"/services/lines/{ids(rt)['pierre']}").get_data(as_text=True)
    for words in ("Numéro court", "Durée de sonnerie", "Renvoi immédiat", "Renvoi sur non réponse",
                  "Numéro présenté lors d'un renvoi", "Numéro de secours", "Répondeur - enregistreur",
                  "Répondeur simple", "Musique d'attente", "Ne jouer aucune musique d'attente",
                  "Appliquer cette musique d'attente à l'ensemble de mes lignes"):
        assert words in line, words
    ident = ids(rt)
    hunt = admin.get(f"/reception/{ident['accueil1']}/profiles/{ident['accueil1_ouverture']}").get_data(as_text=True)
    for words in ("Mode de routage", "Simultané", "Séquentiel", "Successif", "Nombre de cycles", "Renvois autorisés",
                  "Pas de messagerie vocale", "Enregistrer ces paramètres", "Lignes associées", "Ajouter une ligne",
                  "Enregistrer l'ordre de routage"):
        assert words in hunt, words
    user = logged_in(app, PIERRE).get("/me/", follow_redirects=True).get_data(as_text=True)
    assert "Ma ligne" in user and "Mon annuaire" in user


def test_english(rt, app):
    admin = logged_in(app, ADMIN)
    admin.get("/lang/en")
    page = admin.get(f"/services/lines/{ids(rt)['pierre']}").get_data(as_text=True)
    assert 'lang="en"' in page
    for words in ("My services", "My directory", "My switchboard", "Short number", "Ring time",
                  "Unconditional forward", "Backup number"):
        assert words in page
    assert "Mes services" not in page
