from core.errors import DomainError


class ProgramError(DomainError):
    """A program or worksheet rule said no."""


class ActivationRefused(ProgramError):
    """The program cannot become active yet: its worksheet misses what the queue needs."""
