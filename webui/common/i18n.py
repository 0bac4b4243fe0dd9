"""French and English (P-10). French is the default; the words are the
manual's. Message catalogues: ``webui/translations`` (``make translations``
extracts, updates and compiles them).

The service layer speaks English with a stable error id. A form shows a
sentence for the id in the page's language (:func:`sentences`, translated
through the catalogue; else, in French, :data:`ERRORS`); the service's
English detail stays in the tooltip. The JSON API keeps the service's
messages.
"""

from __future__ import annotations

from flask import Flask, has_request_context, session
from flask_babel import Babel
from flask_babel import gettext as _

from orchestrator.domain.errors import FieldError
from orchestrator.domain.numbering import national

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
    "list.cycle": "Une liste ne peut pas aller dans elle-même ni dans l'une de ses sous-listes.",
    "password.too_short": "Ce mot de passe est trop court.",
    "password.mismatch": "Les deux mots de passe ne sont pas identiques.",
    "password.wrong": "L'ancien mot de passe n'est pas le bon.",
    "csv.conflict": "Les lignes d'une même personne doivent concorder.",
    "csv.columns": "Cette ligne a trop de colonnes.",
    "csv.encoding": "Ce fichier n'est pas en UTF-8 (il est en UTF-16 ou UTF-32) : enregistrez-le au format "
                    "« CSV UTF-8 » et importez-le de nouveau.",
    "list.too_deep": "Les listes s'imbriquent sur 10 niveaux au plus (comme « RH / Recrutement / Cadres »).",
    "photo.too_big": "L'image a trop de pixels : 4096 × 4096 au plus.",
    "photo.unreadable": "Cette image n'a pas pu être lue : enregistrez-la de nouveau en JPEG ou PNG.",
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
    "reception.in_use": ("Ce numéro d'accueil reçoit encore des appels (touche de SVI ou numéro spécial) :"
                         " modifiez-les d'abord."),
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


def sentences() -> dict[str, str]:
    """Page sentences, in both languages, for the ids of the add-line flow
    (§3.3.1), devices (§3.6), identifiers (§3.5.1) and the audio library
    (§3.7.4). ``%(detail)s`` takes the service's message."""
    return {
        "number.not_in_pool": _("This number is not among the available numbers: choose a proposed number."),
        "number.taken": _("This number has just been taken: choose another one."),
        "number.choose": _("Choose a number."),
        "tenant.line_limit": _("Your company has reached its line limit: call customer service to raise it."),
        "mac.invalid": _("This is not a MAC address (12 hexadecimal digits)."),
        "mac.taken": _("A device with this MAC address is already declared."),
        "device.model": _("Choose a model from the list."),
        "port.range": _("This model has no such port."),
        "port.twice": _("This port is given twice."),
        "credentials.no_line": _("This contact has no line: associate one of your lines with it first."),
        "credentials.no_email": _("This contact has no e-mail address: add one to its card first."),
        "login.taken": _("This login already belongs to someone else."),
        "mail.failed": _("The e-mail could not be sent: nothing was changed."),
        "field.not_allowed": _("This field cannot be set here."),
        "audio.too_large": _("The file is too large: at most 2 MB is accepted."),
        "audio.format": _("This is not a WAV or MP3 file."),
        "audio.unreadable": _("This file could not be read as sound."),
        "audio.no_file": _("Choose a WAV or MP3 file."),
        "audio.name_taken": _("An audio file with this title already exists."),
        "audio.category": _("This file belongs to another category of your audio files."),
        "audio.name_chars": _("The title cannot hold line breaks, / or \\."),
        "audio.no_sox": _("The sound tools are not installed on the server (sox)."),
        "audio.no_espeak_ng": _("The speech synthesis is not installed on the server (espeak-ng)."),
        "audio.synthesis": _("The announcement could not be made: %(detail)s"),
        "announce.empty": _("Write the text of the announcement."),
        "announce.too_long": _("At most 50 words."),
        "announce.music": _("Unknown music."),
        "photo.empty": _("Choose a JPEG, PNG or GIF picture."),
        "photo.too_large": _("The picture is too large: at most 1 MB is accepted."),
        "photo.format": _("This is not a JPEG, PNG or GIF picture."),
    }


def error_text(err: FieldError) -> str:
    """The sentence shown for a field error, in the page's language."""
    text = sentences().get(err.error_id) if has_request_context() else None
    if text is not None:
        return text.replace("%(detail)s", err.message)
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
