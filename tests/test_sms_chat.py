"""SMS through FreeSWITCH's ``chat`` API (C-2): what FreeSWITCH 1.11.1 makes
of the command we send, and how its answers are read.

The splitting is mod_dptools' (``switch_separate_string(lbuf, '|', argv,
5)``), transcribed in :mod:`fake_freeswitch.chat` from src/switch_utils.c;
the first tests pin that transcription to cases read off the C source, the
rest check that any text a user types reaches FreeSWITCH as one body,
unchanged.
"""

from __future__ import annotations

import pytest
from fake_freeswitch.chat import FakeChat, separate_string
from helpers import make_line, make_tenant

from orchestrator.db.models import SmsMessage
from orchestrator.live import sms
from orchestrator.live.sms import chat_escape
from orchestrator.services.logins import service as logins
from orchestrator.services.logins.schema import LoginDoc


@pytest.mark.parametrize("buf, parts", [
    ("sip|a@d|b@d|hello", ["sip", "a@d", "b@d", "hello"]),
    # the 5th part keeps any further delimiters (argv has 5 slots)
    ("sip|a|b|one|two|three", ["sip", "a", "b", "one", "two|three"]),
    # a backslash escapes the delimiter, quotes and itself; it is removed
    (r"sip|a|b|x \| y", ["sip", "a", "b", "x | y"]),
    (r"sip|a|b|l\'eau \\ \"q\"", ["sip", "a", "b", "l'eau \\ \"q\""]),
    # a quote opens only when a closing one follows; quotes are removed
    ("sip|a|b|'x | y'", ["sip", "a", "b", "x | y"]),
    ("sip|a|b|l'eau", ["sip", "a", "b", "l'eau"]),
    # leading and trailing spaces of each part go
    ("sip| a |b|  hi  ", ["sip", "a", "b", "hi"]),
])
def test_the_transcribed_splitting(buf, parts):
    assert separate_string(buf, "|", 5) == parts


HOSTILE = [
    "Rendez-vous à 15h30 | salle B",
    "l'étage 2, l'ascenseur",
    "'entre quotes' et | barre",
    'guillemets "doubles" \\ antislash \\| mêlés',
    "${system(id)} $${domain} <b>&amp;</b>",
    "| commence par une barre",
    "finit par un antislash \\",
    "émojis ☎️ et accents ÀÉÎÕÜ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_any_text_reaches_freeswitch_as_one_unchanged_body(text):
    chat = FakeChat()
    assert chat(f"sip|0175000101@d|0175000102@d|{chat_escape(text)}") == "Sent"
    assert chat.sent == [("sip", "0175000101@d", "0175000102@d", text, "")]


def test_without_escaping_freeswitch_cuts_the_text():
    """What happened before: the text after ``|`` became the content type."""
    chat = FakeChat()
    chat("sip|a@d|b@d|Rendez-vous à 15h30 | salle B")
    assert chat.sent[0][3] == "Rendez-vous à 15h30"


def test_the_answers_of_the_chat_api():
    assert FakeChat()("sip|a|b") == "Invalid"
    assert FakeChat(deliver=False)("sip|a|b|c") == "Error! Message Not Sent"


class Replying:
    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.commands: list[str] = []

    def api(self, cmd: str) -> str:
        self.commands.append(cmd)
        return self.reply


@pytest.fixture
def paul(ctx):
    tenant = make_tenant(ctx, "Bauer", domain="bauer.centrex.test")
    make_line(ctx, tenant, "+33175000102", label="Paul")
    login = logins.create(ctx, tenant, LoginDoc(login="+33175000102", role="user", password="paul1"))
    ctx.session.commit()
    return login


@pytest.mark.parametrize("reply, status", [
    ("Sent", "sent"),
    ("Error! Message Not Sent", "failed"),
    ("Invalid", "failed"),
    ("+OK", "failed"),  # FreeSWITCH never answers +OK to chat: not taken as sent
    ("-ERR chat Command not found!\n", "failed"),
])
def test_only_sent_counts_as_sent(ctx, paul, reply, status):
    msg = sms.send(ctx, paul, "+33175000102", "06 12 34 56 78", "Bonjour | à demain", Replying(reply))
    assert msg.status == status
    if status == "failed":
        assert msg.error
    stored = ctx.session.get(SmsMessage, msg.id)
    assert stored is not None and stored.body == "Bonjour | à demain"


def test_the_command_sent_parses_to_the_typed_text(ctx, paul):
    esl = Replying("Sent")
    sms.send(ctx, paul, "+33175000102", "0612345678", "Rendez-vous à 15h30 | salle B", esl)
    [cmd] = esl.commands
    assert cmd.startswith("chat ")
    chat = FakeChat()
    assert chat(cmd[len("chat "):]) == "Sent"
    assert chat.sent[0][3] == "Rendez-vous à 15h30 | salle B"
