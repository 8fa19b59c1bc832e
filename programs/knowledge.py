"""A program's Knowledge (issue 19, item 4): playbook, escalation instructions, security rules and training
articles, written by its support managers in Markdown, read by its freelancers in the portal and beside a ticket;
and the quiz questions of quiz onboarding steps, with the one rule that grades them.

Selectors and services of one topic, beside programs/services.py rather than in it (that module is at the size
where STYLE.md splits by topic), as programs/skills.py is.

Rendering, decided: Markdown → HTML with `markdown`, then cleaned by nh3 (ammonia) with an allow-list of tags,
attributes and URL schemes. The result is stored in body_html on every save through article_create/article_update,
and cleaned once more when a page shows it (programs_tags.knowledge_html), so a row written around the services
(the shell, a data migration) still cannot carry a script. Nothing else is ever marked safe.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import markdown
import nh3
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils.text import slugify

from core.audit import audit_record
from programs.errors import ProgramError
from programs.models import KnowledgeArticle, OnboardingStep, Program, QuizQuestion, TrainingMaterial

# ---------------------------------------------------------------- rendering

ALLOWED_TAGS = frozenset(
    {
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "br",
        "hr",
        "ul",
        "ol",
        "li",
        "a",
        "strong",
        "em",
        "b",
        "i",
        "code",
        "pre",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists"]


def html_sanitise(html: str) -> str:
    """The allow-list: only the tags above, only href/title on links, only http(s)/mailto URLs; links get
    rel="noopener noreferrer nofollow". Scripts and styles go with their content; other tags keep their text."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )


def markdown_to_safe_html(text: str) -> str:
    """A manager's Markdown as HTML a page may show (raw HTML inside the Markdown passes the same allow-list)."""
    return html_sanitise(markdown.markdown(text or "", extensions=MARKDOWN_EXTENSIONS, output_format="html"))


# ---------------------------------------------------------------- quiz grading (the one rule)


@dataclasses.dataclass(frozen=True)
class QuizGrade:
    correct: int
    total: int
    pass_mark_percent: int

    @property
    def passed(self) -> bool:
        # Exact integer arithmetic: 2 of 3 is 66.6… %, below 80; 4 of 5 is exactly 80 and passes.
        return self.total > 0 and self.correct * 100 >= self.pass_mark_percent * self.total

    @property
    def score_percent(self) -> int:
        """Rounded down: a fail is never shown as the pass mark."""
        return self.correct * 100 // self.total if self.total else 0


def quiz_grade(
    *, questions: Sequence[QuizQuestion], answers: Mapping[int, int], pass_mark_percent: int
) -> QuizGrade:
    """Grade answers ({question id: chosen index}) against the questions; an unanswered question is wrong."""
    correct = sum(1 for question in questions if answers.get(question.pk) == question.correct_index)
    return QuizGrade(correct=correct, total=len(questions), pass_mark_percent=pass_mark_percent)


# ---------------------------------------------------------------- selectors

KIND_ORDER = [
    KnowledgeArticle.Kind.PLAYBOOK,
    KnowledgeArticle.Kind.ESCALATION,
    KnowledgeArticle.Kind.SECURITY,
    KnowledgeArticle.Kind.TRAINING,
]
SEARCH_MAX_LENGTH = 100


def _kind_rank() -> Case:
    return Case(
        *[When(kind=kind, then=Value(rank)) for rank, kind in enumerate(KIND_ORDER)],
        default=Value(len(KIND_ORDER)),
        output_field=IntegerField(),
    )


def _ids(program_ids: Iterable[int]) -> Iterable[int]:
    return program_ids if isinstance(program_ids, QuerySet) else list(program_ids)


def article_list(*, program: Program) -> QuerySet[KnowledgeArticle]:
    """Every article of the program (drafts too), for its in-house team, in the order freelancers see them."""
    return (
        KnowledgeArticle.objects.filter(program=program)
        .select_related("updated_by")
        .annotate(kind_rank=_kind_rank())
        .order_by("kind_rank", "position", "title", "pk")
    )


def article_get(*, program: Program, pk) -> KnowledgeArticle | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return KnowledgeArticle.objects.filter(program=program, pk=pk).select_related("updated_by").first()


def article_list_published(
    *, program_ids: Iterable[int], query: str = "", program_slug: str = ""
) -> QuerySet[KnowledgeArticle]:
    """Published articles of these programs (a freelancer's), optionally one program's, matching `query` in the
    title or the text (case-insensitive); by program, then playbook, escalation, security, training."""
    articles = KnowledgeArticle.objects.filter(program_id__in=_ids(program_ids), published=True)
    if program_slug:
        articles = articles.filter(program__slug=program_slug)
    query = (query or "").strip()[:SEARCH_MAX_LENGTH]
    if query:
        articles = articles.filter(Q(title__icontains=query) | Q(body_markdown__icontains=query))
    return (
        articles.select_related("program")
        .annotate(kind_rank=_kind_rank())
        .order_by("program__name", "program_id", "kind_rank", "position", "title", "pk")
    )


def article_get_published(
    *, program_ids: Iterable[int], program_slug: str, slug: str
) -> KnowledgeArticle | None:
    """One published article of one of these programs; any other (another program's, a draft) is None (404)."""
    return (
        KnowledgeArticle.objects.filter(
            program_id__in=_ids(program_ids), published=True, program__slug=program_slug, slug=slug
        )
        .select_related("program")
        .first()
    )


def training_material_list(*, program_ids: Iterable[int]) -> QuerySet[TrainingMaterial]:
    """The worksheet's training links (section 6) of these programs, shown on the Knowledge page under Training."""
    return (
        TrainingMaterial.objects.filter(program_id__in=_ids(program_ids))
        .select_related("program")
        .order_by("program__name", "program_id", "position", "title")
    )


def knowledge_program_list(*, program_ids: Iterable[int]) -> QuerySet[Program]:
    """These programs by name (the Knowledge page's program filter)."""
    return Program.objects.filter(pk__in=_ids(program_ids)).order_by("name", "pk")


@dataclasses.dataclass(frozen=True)
class ProgramKnowledge:
    """One program's part of the portal Knowledge page: its articles by kind and its training links."""

    program: Program
    kinds: list[tuple[str, list[KnowledgeArticle]]]
    materials: list[TrainingMaterial]

    @property
    def is_empty(self) -> bool:
        return not self.materials and not any(articles for _label, articles in self.kinds)


def knowledge_for_programs(
    *, program_ids: Iterable[int], query: str = "", program_slug: str = ""
) -> list[ProgramKnowledge]:
    """The portal Knowledge page: per program (by name), the published articles grouped playbook, escalation,
    security, training, and the training links under Training; with a query, only what matches it. Three queries
    whatever the number of rows."""
    query = (query or "").strip()[:SEARCH_MAX_LENGTH]
    programs = knowledge_program_list(program_ids=program_ids)
    if program_slug:
        programs = programs.filter(slug=program_slug)
    programs_list = list(programs)
    ids = [p.pk for p in programs_list]
    articles = list(article_list_published(program_ids=ids, query=query).defer("body_markdown", "body_html"))
    materials = training_material_list(program_ids=ids)
    if query:
        materials = materials.filter(Q(title__icontains=query) | Q(description__icontains=query))
    material_rows = list(materials)
    found = []
    for program in programs_list:
        mine = [a for a in articles if a.program_id == program.pk]
        found.append(
            ProgramKnowledge(
                program=program,
                kinds=[
                    (KnowledgeArticle.Kind(kind).label, [a for a in mine if a.kind == kind])
                    for kind in KIND_ORDER
                ],
                materials=[m for m in material_rows if m.program_id == program.pk],
            )
        )
    return found


@dataclasses.dataclass(frozen=True)
class KnowledgePanel:
    """What the card beside a ticket shows: the program (for the search) and its playbook and escalation pages."""

    program: Program
    playbook: list[KnowledgeArticle]
    escalation: list[KnowledgeArticle]

    @property
    def articles(self) -> list[KnowledgeArticle]:
        return [*self.playbook, *self.escalation]


PANEL_KINDS = (KnowledgeArticle.Kind.PLAYBOOK, KnowledgeArticle.Kind.ESCALATION)


def knowledge_panel_for(*, program: Program) -> KnowledgePanel:
    """The ticket page's Knowledge card for a ticket of `program` (one query; the bodies are not read).

    The caller has already scoped the ticket to the freelancer, so its program is one they work in."""
    rows = list(
        KnowledgeArticle.objects.filter(program=program, published=True, kind__in=PANEL_KINDS)
        .only("pk", "program_id", "kind", "title", "slug", "position")
        .order_by("position", "title", "pk")
    )
    for row in rows:
        row.program = program  # the article URLs name the program's slug: no query per row
    return KnowledgePanel(
        program=program,
        playbook=[row for row in rows if row.kind == KnowledgeArticle.Kind.PLAYBOOK],
        escalation=[row for row in rows if row.kind == KnowledgeArticle.Kind.ESCALATION],
    )


def quiz_step_get(*, program: Program, pk) -> OnboardingStep | None:
    """One of the program's quiz onboarding steps."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return OnboardingStep.objects.filter(program=program, pk=pk, kind=OnboardingStep.Kind.QUIZ).first()


def quiz_step_list(*, program: Program) -> QuerySet[OnboardingStep]:
    """The program's quiz onboarding steps, each with its number of questions (question_count)."""
    return (
        OnboardingStep.objects.filter(program=program, kind=OnboardingStep.Kind.QUIZ)
        .annotate(question_count=Count("quiz_questions"))
        .order_by("position", "id")
    )


def quiz_question_list(*, step: OnboardingStep) -> QuerySet[QuizQuestion]:
    return QuizQuestion.objects.filter(step=step).order_by("position", "id")


def article_choices(*, program: Program) -> list[KnowledgeArticle]:
    """The program's articles a "read" onboarding step may point at (drafts too: a manager may link ahead)."""
    return list(article_list(program=program))


# ---------------------------------------------------------------- services

ARTICLE_FIELDS = ("kind", "title", "slug", "body_markdown", "position", "published")


def _unique_slug(program: Program, wanted: str, title: str, exclude_pk: int | None) -> str:
    base = slugify(wanted or title)[:70] or "article"
    others = KnowledgeArticle.objects.filter(program=program, slug__startswith=base)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.values_list("slug", flat=True))
    if wanted:
        if base in taken:
            raise ProgramError(
                "Another article of this program has that slug.", field="slug", code="slug_taken"
            )
        return base
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _article_save(article: KnowledgeArticle, *, actor, data: Mapping) -> KnowledgeArticle:
    unknown = set(data) - set(ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"Unexpected field(s) for an article: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(article, name, value)
    article.title = (article.title or "").strip()
    if not article.title:
        raise ProgramError("Give the article a title.", field="title", code="title_required")
    article.slug = _unique_slug(
        article.program, data.get("slug", article.slug) or "", article.title, article.pk
    )
    article.body_html = markdown_to_safe_html(article.body_markdown)
    article.updated_by = actor
    article.full_clean()
    article.save()
    return article


@transaction.atomic
def article_create(
    *,
    program: Program,
    actor,
    kind: str,
    title: str,
    body_markdown: str,
    slug: str = "",
    position: int = 0,
    published: bool = True,
) -> KnowledgeArticle:
    """A new Knowledge article; the slug comes from the title when not given (made unique in the program)."""
    article = _article_save(
        KnowledgeArticle(program=program),
        actor=actor,
        data={
            "kind": kind,
            "title": title,
            "slug": slug,
            "body_markdown": body_markdown,
            "position": position,
            "published": published,
        },
    )
    audit_record(actor=actor, verb="knowledge.article_created", target=article, title=article.title)
    return article


@transaction.atomic
def article_update(*, article: KnowledgeArticle, actor, **data) -> KnowledgeArticle:
    """Change an article's fields (any of kind, title, slug, body_markdown, position, published)."""
    article = _article_save(article, actor=actor, data=data)
    audit_record(actor=actor, verb="knowledge.article_updated", target=article, title=article.title)
    return article


@transaction.atomic
def article_delete(*, article: KnowledgeArticle, actor) -> None:
    """Delete an article; a "read" step that pointed at it keeps its place and becomes a plain tick."""
    audit_record(actor=actor, verb="knowledge.article_deleted", target=article.program, title=article.title)
    article.delete()


@transaction.atomic
def quiz_questions_update(
    *, step: OnboardingStep, actor, rows: Iterable[Mapping], pass_mark_percent: int | None = None
) -> OnboardingStep:
    """Create, change and delete a quiz step's questions (rows: id, prompt, choices, correct_index, position,
    delete) and set its pass mark. Every row is checked (QuizQuestion.clean) before it is saved."""
    if step.kind != OnboardingStep.Kind.QUIZ:
        raise ProgramError("Questions belong to a quiz step.", code="not_quiz")
    if pass_mark_percent is not None and pass_mark_percent != step.pass_mark_percent:
        step.pass_mark_percent = pass_mark_percent
        step.full_clean()
        step.save(update_fields=["pass_mark_percent"])
    changes = [dict(row) for row in rows]
    ids = [row["id"] for row in changes if row.get("id")]
    existing = {q.pk: q for q in QuizQuestion.objects.filter(step=step, pk__in=ids)}
    if len(existing) != len(set(ids)):
        raise ProgramError(
            "Some questions no longer exist (someone else may have deleted them). Reload and try again."
        )
    for row in changes:
        if row.get("delete") and row.get("id"):
            existing[row["id"]].delete()
    for row in changes:
        pk = row.pop("id", None)
        if row.pop("delete", False):
            continue
        question = existing[pk] if pk else QuizQuestion(step=step)
        for name in ("prompt", "choices", "correct_index", "position"):
            if name in row:
                setattr(question, name, row[name])
        question.full_clean()
        question.save()
    audit_record(actor=actor, verb="knowledge.quiz_updated", target=step.program, step=step.title)
    return step
