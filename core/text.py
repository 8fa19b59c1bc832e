"""Plain-text helpers with no domain in them.

reply_fold() splits an e-mail's text into what the writer wrote this time and what came along with it (the
quoted history, "On … wrote:" blocks, Outlook's "-----Original Message-----", signatures and "Sent from my
phone" lines), so a page can show the first and fold the second away. Nothing is dropped: `visible + folded`
is the whole text, line for line. The detection is mail-parser-reply's (maintained, headers in many languages).
"""

from __future__ import annotations

import hashlib

from mailparser_reply import EmailReplyParser

# The languages whose "On … wrote:" / "From:" headers are recognised (mail-parser-reply's own, less its test one).
FOLD_LANGUAGES = ["en", "de", "es", "fr", "it", "nl", "pl", "sv", "da", "cs"]
# Longer texts are shown whole: folding is for reading a conversation, and the parser's regexes grow with them.
FOLD_MAX_CHARS = 200_000


# Where each text read lately was cut (its digest → the line after the writer's text, or None: nothing to fold).
# The parser is the costly part of a thread page (tens of regular expressions per message, on every view of
# it), and a message's text never changes; the cut is a pure function of the text. Bounded: emptied when full.
_CUTS: dict[bytes, int | None] = {}
_CUTS_MAX = 8192
_UNSEEN = -1


def reply_fold(text: str) -> tuple[str, str]:
    """(visible, folded): the writer's new text, and the quoted history and signature after it ("" if none).

    The split is always at a line boundary of the original text, so `visible` and `folded` together are the
    text itself (less the blank lines around the cut). A text that is all quote, or has nothing to fold, is
    returned whole as `visible`.
    """
    if not text or not text.strip() or len(text) > FOLD_MAX_CHARS:
        return text or "", ""
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    cut = _CUTS.get(key, _UNSEEN)
    if cut == _UNSEEN:
        cut = _fold_cut(text)
        if len(_CUTS) >= _CUTS_MAX:
            _CUTS.clear()
        _CUTS[key] = cut
    if cut is None:
        return text, ""
    lines = text.replace("\r\n", "\n").split("\n")
    visible = "\n".join(lines[:cut]).rstrip()
    folded = "\n".join(lines[cut:]).strip("\n")
    if not folded.strip():
        return text, ""
    return visible, folded


def _fold_cut(text: str) -> int | None:
    """The number of the line after the writer's new text (the parser's first reply), or None."""
    message = EmailReplyParser(languages=FOLD_LANGUAGES).read(text)
    if not message.replies:
        return None
    wanted = [line.strip() for line in message.replies[0].body.splitlines() if line.strip()]
    if not wanted:
        return None
    # The parser normalises whitespace, so find where its first reply ends in the original, line by line: the
    # lines it kept appear there in order (a disclaimer it took out in between stays visible, which is fine).
    lines = text.replace("\r\n", "\n").split("\n")
    matched = 0
    for number, line in enumerate(lines):
        if line.strip() == wanted[matched]:
            matched += 1
            if matched == len(wanted):
                return number + 1
    return None
