"""core.text.reply_fold: the writer's new text shown, the quoted history and signature folded, nothing lost."""

import pytest

from core.text import reply_fold

GMAIL_ANSWER = """Hi Nora,

That worked, thank you! The parcel arrived this morning.

Best regards,
Jane Doe

On Tue, 3 Mar 2026 at 12:04, Nora via Demo Support <support@demo.example> wrote:
> Hi Jane,
>
> I checked this for you: the parcel is with the courier.
"""

OUTLOOK_ANSWER = """Great, thanks.

-----Original Message-----
From: Nora via Demo Support <support@demo.example>
Sent: Tuesday, March 3, 2026 12:04 PM
To: Jane Doe <jane@example.com>
Subject: RE: Parcel lost

Hi Jane, I checked this for you.
"""


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_an_answer_shows_the_new_text_and_folds_the_signature_and_the_quote():
    visible, folded = reply_fold(GMAIL_ANSWER)
    assert visible == "Hi Nora,\n\nThat worked, thank you! The parcel arrived this morning."
    assert folded.startswith("Best regards,\nJane Doe")
    assert "> I checked this for you: the parcel is with the courier." in folded
    assert _lines(visible) + _lines(folded) == _lines(GMAIL_ANSWER)  # kept, line for line


def test_outlooks_original_message_block_is_folded():
    visible, folded = reply_fold(OUTLOOK_ANSWER)
    assert visible == "Great, thanks."
    assert folded.startswith("-----Original Message-----") and "Subject: RE: Parcel lost" in folded


def test_a_german_client_header_and_a_dash_dash_signature_are_recognised():
    visible, folded = reply_fold(
        "Danke, das hilft!\n\nAm Di., 3. März 2026 um 12:04 schrieb Nora <s@d.example>:\n> Hallo Jane"
    )
    assert (visible, folded) == (
        "Danke, das hilft!",
        "Am Di., 3. März 2026 um 12:04 schrieb Nora <s@d.example>:\n> Hallo Jane",
    )
    visible, folded = reply_fold("My order 1234 is late.\n\n-- \nJane Doe\nACME Ltd")
    assert visible == "My order 1234 is late." and folded == "-- \nJane Doe\nACME Ltd"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Just one line",
        "Where is my order?\nI ordered on Friday.",
        "> all of it is a quote\n> nothing new",
        "Thanks,\nJane",  # a sign-off alone is the message
    ],
)
def test_a_text_with_nothing_to_fold_is_shown_whole(text):
    assert reply_fold(text) == (text, "")


def test_windows_line_endings_and_a_huge_text():
    visible, folded = reply_fold(GMAIL_ANSWER.replace("\n", "\r\n"))
    assert visible.startswith("Hi Nora,") and "wrote:" in folded
    huge = "line\n" * 50_000 + GMAIL_ANSWER
    assert reply_fold(huge) == (huge, "")  # too long to be worth folding: shown whole
