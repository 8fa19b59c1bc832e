"""The words for the audit verbs programs records (core.audit shows them instead of the codes)."""

from core.audit import audit_verbs_register

AUDIT_VERBS = {
    "program.created": "Program created",
    "program.section_updated": "Worksheet section updated",
    "program.status_changed": "Program status changed",
    "program.stakeholders_added": ("Stakeholders added", "source"),
    "program.member_added": "Team member added",
    "program.member_removed": "Team member removed",
    "announcement.created": "Announcement drafted",
    "announcement.updated": "Announcement edited",
    "announcement.published": "Announcement published",
    "announcement.withdrawn": "Announcement withdrawn",
    "announcement.deleted": ("Announcement deleted", "title"),
    "skill.created": ("Skill added", "name"),
    "skill.renamed": ("Skill renamed", "name"),
    "skill.retired": "Skill retired",
    "skill.restored": "Skill restored",
}
audit_verbs_register(AUDIT_VERBS)
