From: "Messagerie vocale" <${voicemail_account}@${voicemail_domain}>
Date: ${RFC2822_DATE}
To: <${voicemail_email}>
Subject: Nouveau message de ${voicemail_caller_id_number} (${voicemail_message_len} s)
X-Mailer: Centrex
Content-Type: multipart/mixed; boundary="000XXX000"

--000XXX000
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Nouveau message vocal pour ${voicemail_account}
De : ${voicemail_caller_id_number}
Reçu le : ${voicemail_time}
Durée : ${voicemail_message_len} s
Le message est en pièce jointe.

--000XXX000--
