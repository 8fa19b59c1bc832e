"""Helpers shared by the recruiting views."""

from django.contrib import messages


def _ok(request, text):
    messages.success(request, text)
