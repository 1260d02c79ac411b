"""What each audit action code means, as a sentence people read (the codes stay in the database).

The audit log stores stable codes such as `unit.create`, which filters and exports rely on; pages
show the sentence in the reader's language. tests/test_audit_sentences.py checks that every code
the code records has one, so a new action never shows up raw.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_SENTENCES = {
    "user.create": _l("Created an account"),
    "user.import": _l("Imported accounts from a file"),
    "user.update": _l("Changed an account"),
    "user.enable": _l("Re-enabled an account"),
    "user.disable": _l("Disabled an account"),
    "user.password_reset": _l("Reset a password"),
    "user.password_change": _l("Changed their own password"),
    "user.code_issue": _l("Issued an activation code"),
    "user.code_use": _l("Used an activation code"),
    "user.codes_handout": _l("Printed activation slips"),
    "unit.create": _l("Added a unit"),
    "unit.rename": _l("Renamed a unit"),
    "unit.move": _l("Moved a unit"),
    "unit.retire": _l("Retired a unit"),
    "unit.restore": _l("Restored a unit"),
    "unit.head_set": _l("Made someone a head of a unit"),
    "unit.head_remove": _l("Removed a head of a unit"),
    "nomination.create": _l("Nominated a member of staff for a class"),
    "nomination.accept": _l("Accepted a nomination and enrolled the person"),
    "nomination.decline": _l("Declined a nomination"),
    "class.create": _l("Created a class"),
    "class.update": _l("Changed a class"),
    "class.enrol": _l("Enrolled learners in a class"),
    "class.withdraw": _l("Withdrew a learner from a class"),
    "session.schedule": _l("Scheduled a live session"),
    "session.reschedule": _l("Rescheduled a live session"),
    "session.edit": _l("Edited a live session"),
    "session.cancel": _l("Cancelled a live session"),
    "attendance.mark": _l("Ruled on a learner's attendance"),
    "live.remove": _l("Removed a learner from a live session"),
    "live.readmit": _l("Let a learner back into a live session"),
    "essay.mark": _l("Marked an essay answer"),
    "evaluation.settings": _l("Changed a class's evaluation settings"),
    "certificate.issue": _l("Issued a certificate"),
    "certificate.revoke": _l("Revoked a certificate"),
    "backup.create": _l("Made a backup"),
    "backup.restore": _l("Restored a backup"),
}


def action_sentence(action: str) -> str:
    """The sentence for an action code in the current language; an unknown code as it is."""
    sentence = ACTION_SENTENCES.get(action)
    return str(sentence) if sentence is not None else action
