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
    "knowledge.article_created": ("Knowledge article written", "title"),
    "knowledge.article_updated": ("Knowledge article edited", "title"),
    "knowledge.article_deleted": ("Knowledge article deleted", "title"),
    "knowledge.quiz_updated": ("Quiz questions edited", "step"),
    "assessment.created": "Outsourcing assessment started",
    "assessment.updated": "Outsourcing assessment edited",
    "assessment.program_created": ("Program made from the assessment", "program"),
}
audit_verbs_register(AUDIT_VERBS)
