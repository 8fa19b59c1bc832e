"""core.forms.SecretField: a secret is typed in and never shown again; a blank field keeps the stored one."""

from django import forms

from core.forms import SecretField


class ConnectionForm(forms.Form):
    name = forms.CharField()
    token = SecretField(max_length=50, help_text="From the admin page.")
    notes = SecretField(multiline=True, keeps_stored_value=False)


def test_the_stored_secret_is_never_rendered_and_the_help_says_it_is_set():
    html = ConnectionForm(initial={"name": "Acme", "token": "s3cret-token", "notes": "codes 1234"}).as_p()
    assert "s3cret-token" not in html and "codes 1234" not in html
    assert "Set; leave blank to keep the current value. From the admin page." in html
    assert "Not set." in ConnectionForm(initial={"name": "Acme"}).as_p()


def test_a_blank_field_keeps_the_stored_value_and_a_new_one_replaces_it():
    stored = {"name": "Acme", "token": "old-token"}
    kept = ConnectionForm({"name": "Acme", "token": "", "notes": ""}, initial=stored)
    assert kept.is_valid() and kept.cleaned_data["token"] == "old-token"
    assert "token" not in kept.changed_data
    replaced = ConnectionForm({"name": "Acme", "token": "new-token"}, initial=stored)
    assert replaced.is_valid() and replaced.cleaned_data["token"] == "new-token"
    assert replaced.changed_data == ["token"]


def test_what_was_typed_is_not_shown_back_when_the_form_has_errors():
    form = ConnectionForm({"name": "", "token": "typed-token", "notes": "typed notes"})
    assert not form.is_valid()
    html = form.as_p()
    assert "typed-token" not in html and "typed notes" not in html


def test_a_write_only_secret_is_empty_when_left_blank():
    form = ConnectionForm({"name": "Acme", "notes": ""}, initial={"notes": "would be a leak"})
    assert form.is_valid() and form.cleaned_data["notes"] == ""
