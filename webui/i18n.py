"""French and English (P-10). French is the default; the words are the
manual's. Message catalogues: ``webui/translations`` (``make translations``
extracts, updates and compiles them).

The service layer speaks English with a stable error id; in French the
frequent ids get a French sentence, the English detail stays in a tooltip.
"""

from __future__ import annotations

from flask import Flask, has_request_context, session
from flask_babel import Babel

from orchestrator.services.errors import FieldError
from orchestrator.services.numbering import national

LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT = "fr"

ERRORS = {
    "ring_time.range": "La durée de sonnerie est comprise entre 5 et 60 secondes.",
    "number.invalid": "Ce numéro n'est pas valide.",
    "number.required": "Un numéro est nécessaire.",
    "number.empty": "Un numéro est nécessaire.",
    "number.kind": "Ce type de numéro n'est pas accepté ici.",
    "email.invalid": "Cette adresse e-mail n'est pas valide.",
    "email.required": "Une adresse e-mail est nécessaire.",
    "pin.invalid": "Le code a de 4 à 12 chiffres.",
    "forward.self": "Une ligne ne peut pas se renvoyer vers elle-même.",
    "backup.self": "Le numéro de secours doit être un autre numéro que celui de la ligne.",
    "short_number.invalid": "Un numéro court a de 2 à 6 chiffres et ne commence pas par 0.",
    "short_number.taken": "Ce numéro court est déjà utilisé.",
    "department.invalid": "Ce n'est pas un département français.",
    "text.control_chars": "Les retours à la ligne et caractères de contrôle ne sont pas acceptés.",
    "field.required": "Ce champ est obligatoire.",
    "field.too_long": "Ce texte est trop long.",
    "field.too_short": "Ce champ est obligatoire.",
    "field.out_of_range": "Cette valeur est hors des limites.",
    "field.int_parsing": "Saisissez un nombre entier.",
    "field.choice": "Choisissez une des valeurs proposées.",
    "hold_music.choice": "Choisissez une musique du catalogue ou un de vos fichiers.",
    "hold_music.unknown": "Musique inconnue.",
    "audio.unknown": "Fichier audio inconnu.",
    "hunt.member_twice": "Cette ligne fait déjà partie du groupe.",
    "line.unknown": "Ligne inconnue.",
    "line.has_contact": "Cette ligne appartient déjà à un autre contact.",
    "list.unknown": "Liste inconnue.",
    "password.too_short": "Ce mot de passe est trop court.",
    "password.mismatch": "Les deux mots de passe ne sont pas identiques.",
    "password.wrong": "L'ancien mot de passe n'est pas le bon.",
    "csv.conflict": "Les lignes d'une même personne doivent concorder.",
    "csv.columns": "Cette ligne a trop de colonnes.",
    "short_number.needs_number": "Un numéro abrégé compose le numéro de la colonne 1 : renseignez-le.",
    "audio.category": "Ce fichier audio n'est pas de la bonne catégorie.",
    "destination.choice": "Une redirection est un numéro ou un numéro d'accueil.",
    "destination.kind": "Numéro français à 10 chiffres, hors numéros spéciaux, mobiles et à l'international.",
    "ivr.key": "Les touches vont de 0 à 9.",
    "ivr.target": "Choisissez une seule redirection.",
    "ivr.voicemail_off": "La messagerie vocale de cette ligne n'est pas activée.",
    "number.not_free": "Choisissez un des numéros proposés.",
    "number.not_in_pool": "Ce numéro n'est pas disponible : choisissez un des numéros proposés.",
    "number.taken": "Ce numéro est déjà utilisé.",
    "profile.default_undeletable": "Le profil par défaut ne peut pas être supprimé.",
    "profile.in_use": "Une touche de standard automatique SVI force ce profil : modifiez-la d'abord.",
    "profile.name_taken": "Ce nom de profil est déjà utilisé.",
    "profile.not_hunt": "Ce profil n'est pas un groupe d'appel.",
    "profile.not_ivr": "Ce profil n'est pas un standard automatique SVI.",
    "profile.unknown": "Profil inconnu.",
    "reception.in_use": "Ce numéro d'accueil reçoit encore des appels (touche de SVI ou numéro spécial) : modifiez-les d'abord.",
    "reception.loop": "Les numéros d'accueil s'appelleraient en boucle : changez cette redirection.",
    "reception.unknown": "Numéro d'accueil inconnu.",
    "routing.empty": "Un routage a au moins un numéro de redirection.",
    "routing.percent_sum": "Le total du partage de charge d'un routage doit être égal à 100 %.",
    "rule.days": "Ces jours ne sont pas valides : un jour de la semaine, ou une date JJ/MM.",
    "rule.hours": "Cette plage horaire n'est pas valide.",
    "rule.needs_custom_profile": "Créez d'abord au moins un profil personnalisé.",
    "rule.origins_required": "Choisissez au moins une origine des appels.",
    "rule.step": "Les heures se règlent par intervalles de 10 minutes.",
    "stats.date": "Indiquez la date au format AAAA-MM-JJ.",
    "stats.period_order": "Le début de la période est après sa fin.",
    "stats.period_too_long": "Choisissez une période de 366 jours au plus.",
}


def select_locale() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT


def current_language() -> str:
    return select_locale() if has_request_context() else DEFAULT


def error_text(err: FieldError) -> str:
    """The sentence shown for a field error, in the page's language."""
    if current_language() == "fr" and err.error_id in ERRORS:
        return ERRORS[err.error_id]
    return err.message


def phone(e164: str | None) -> str:
    """+33175000101 → 01 75 00 01 01 (others stay international)."""
    if not e164:
        return ""
    if e164.startswith("+33") and len(e164) == 12:
        nat = national(e164)
        return " ".join(nat[i:i + 2] for i in range(0, 10, 2))
    return e164


def phone_input(e164: str | None) -> str:
    """The value put back in an input: national for French numbers."""
    if not e164:
        return ""
    return national(e164) if e164.startswith("+33") else e164


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["phone"] = phone
    app.jinja_env.filters["phone_input"] = phone_input
    app.jinja_env.filters["zip_self"] = lambda items: [(str(i), str(i)) for i in items]
    app.jinja_env.filters["zip_seconds"] = lambda items: [(str(i), f"{i} s") for i in items]
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language, error_text=error_text)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
