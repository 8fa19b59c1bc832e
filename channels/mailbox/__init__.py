"""The shared-mailbox channel: a program's support address is its helpdesk.

- parse: raw message bytes → ParsedMail (imap-tools' parser; HTML as safe text; auto-reply and bounce signs).
- inbound: mail_receive(), the one way in for IMAP, the provider webhook and the drop folder: a ticket, a
  customer's answer on its ticket, a bounce of one of our replies, or a message ignored or rejected (recorded).
- threads: each ticket's reply token (support+<token>@…) and the Message-IDs of its conversation.
- outbound: a reply on an e-mail program's ticket becomes an e-mail through the outbox (threading headers).
- imap / dropfolder: the every-minute poll of each program's IMAP folder and of the local drop folder.
- probe: "Test connection" for both sides (IMAP login, SMTP login).
- services: the settings' writes; webhook: the provider's inbound webhook (django-anymail).
"""
