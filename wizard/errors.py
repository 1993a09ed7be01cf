"""Errors a user can cause, each with the exit code the command-line contract gives it.

A UserError is printed as one sentence on stderr, never as a traceback.
"""

from __future__ import annotations


class WizardError(Exception):
    """Base class: `str(err)` is the one sentence shown to the user."""

    exit_code = 1


class BadInput(WizardError):
    """Exit 2: unreadable/invalid YAML, an invalid answers file, no Backstage repo, a bad option.

    Nothing is written when this is raised.
    """

    exit_code = 2


class Refused(WizardError):
    """Exit 1: apply/undo refused (a file changed, a lock is held, no confirmation...)."""

    exit_code = 1
