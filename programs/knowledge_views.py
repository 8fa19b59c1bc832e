"""/manage/programs/<slug>/knowledge/…: the program's Knowledge articles and its quizzes (see programs/knowledge.py).

The in-house team reads the articles (agents too, DESIGN.md "program pages … knowledge"); writing them and the
quiz questions is for support managers.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView, View

from accounts.mixins import AgentAccess
from core.errors import DomainError
from core.forms import add_error_to_form
from core.scoping import not_found_in_scope
from programs import knowledge
from programs.mixins import ProgramAccessMixin
from programs.models import KnowledgeArticle, OnboardingStep


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(choices=KnowledgeArticle.Kind.choices)
    title = forms.CharField(max_length=150, error_messages={"required": "Give the article a title."})
    slug = forms.SlugField(
        max_length=80, required=False, help_text="The last part of its address. Empty: made from the title."
    )
    body_markdown = forms.CharField(
        label="Text (Markdown)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="# Heading, **bold**, *italic*, - lists, 1. numbered lists, [link](https://…), > quotes, "
        "`code`, tables. Scripts and styles are removed.",
    )
    position = forms.IntegerField(
        min_value=0, max_value=32767, initial=0, help_text="Lower numbers come first."
    )
    published = forms.BooleanField(
        required=False, initial=True, help_text="Freelancers see published articles."
    )


class QuizQuestionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    prompt = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 2}))
    choices = forms.CharField(label="Answers, one per line", widget=forms.Textarea(attrs={"rows": 4}))
    correct = forms.IntegerField(label="Right answer (its line number)", min_value=1, max_value=6)
    position = forms.IntegerField(min_value=0, max_value=32767, required=False)

    def clean(self):
        data = super().clean() or {}
        lines = [line.strip() for line in (data.get("choices") or "").splitlines() if line.strip()]
        if "choices" in data:
            if not 2 <= len(lines) <= 6:
                self.add_error("choices", "Give two to six answers, one per line.")
            elif data.get("correct") and data["correct"] > len(lines):
                self.add_error(
                    "correct", f"There are {len(lines)} answers; give the number of the right one."
                )
        data["choice_list"] = lines
        return data


QuizQuestionFormSet = forms.formset_factory(QuizQuestionForm, extra=2, can_delete=True)


class PassMarkForm(forms.Form):
    pass_mark_percent = forms.IntegerField(label="Pass mark (%)", min_value=1, max_value=100)


class KnowledgeListView(ProgramAccessMixin, TemplateView):
    """The program's articles by kind (drafts marked), its training links, and its quiz steps."""

    agent_access = AgentAccess.READ
    template_name = "programs/knowledge_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        articles = list(knowledge.article_list(program=self.program))
        context.update(
            groups=[
                (label, [a for a in articles if a.kind == kind])
                for kind, label in (
                    (kind, KnowledgeArticle.Kind(kind).label) for kind in knowledge.KIND_ORDER
                )
            ],
            materials=list(knowledge.training_material_list(program_ids=[self.program.pk])),
            quiz_steps=list(knowledge.quiz_step_list(program=self.program)),
        )
        return context


class ArticleObjectMixin(ProgramAccessMixin):
    request: HttpRequest
    kwargs: dict[str, Any]

    @cached_property
    def article(self) -> KnowledgeArticle:
        article = knowledge.article_get(program=self.program, pk=self.kwargs["pk"])
        if article is None:
            raise not_found_in_scope(
                self.request, KnowledgeArticle, pk=self.kwargs["pk"], message="No such article."
            )
        return article

    def knowledge_url(self) -> str:
        return reverse("programs:knowledge", kwargs={"program_slug": self.program.slug})


class ArticleDetailView(ArticleObjectMixin, TemplateView):
    agent_access = AgentAccess.READ
    template_name = "programs/knowledge_article.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["article"] = self.article
        return context


class ArticleFormView(ArticleObjectMixin, TemplateView):
    """New article (no pk) or edit one (pk): one form, saved by article_create / article_update."""

    agent_access = AgentAccess.NONE
    template_name = "programs/knowledge_form.html"

    @property
    def existing(self) -> KnowledgeArticle | None:
        return self.article if "pk" in self.kwargs else None

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.existing
        initial = (
            {name: getattr(article, name) for name in knowledge.ARTICLE_FIELDS}
            if article
            else {"kind": self.request.GET.get("kind") or KnowledgeArticle.Kind.PLAYBOOK}
        )
        context.update(form=form or ArticleForm(initial=initial), article=article)
        return context

    def get(self, request, *args, **kwargs):
        self.existing  # noqa: B018 — an unknown article is a 404 before the form
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        article = self.existing
        form = ArticleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if article is None:
                    article = knowledge.article_create(program=self.program, actor=request.user, **data)
                else:
                    article = knowledge.article_update(article=article, actor=request.user, **data)
            except (DomainError, ValidationError) as error:
                add_error_to_form(form, error)
            else:
                messages.success(
                    request,
                    f"“{article.title}” saved."
                    if article.published
                    else f"“{article.title}” saved as a draft (freelancers do not see it).",
                )
                return redirect("programs:knowledge_article", program_slug=self.program.slug, pk=article.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ArticleDeleteView(ArticleObjectMixin, View):
    agent_access = AgentAccess.NONE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        title = self.article.title
        knowledge.article_delete(article=self.article, actor=request.user)
        messages.success(request, f"“{title}” deleted.")
        return redirect(self.knowledge_url())


class QuizQuestionsView(ProgramAccessMixin, TemplateView):
    """A quiz onboarding step's questions and pass mark, edited as one table (support managers)."""

    agent_access = AgentAccess.NONE
    template_name = "programs/quiz_questions.html"

    @cached_property
    def step(self) -> OnboardingStep:
        step = knowledge.quiz_step_get(program=self.program, pk=self.kwargs["pk"])
        if step is None:
            raise not_found_in_scope(
                self.request, OnboardingStep, pk=self.kwargs["pk"], message="No such quiz step."
            )
        return step

    def build(self, data=None):
        questions = list(knowledge.quiz_question_list(step=self.step))
        initial = [
            {
                "id": q.pk,
                "prompt": q.prompt,
                "choices": "\n".join(q.choices),
                "correct": q.correct_index + 1,
                "position": q.position,
            }
            for q in questions
        ]
        return (
            PassMarkForm(data, initial={"pass_mark_percent": self.step.pass_mark_percent}),
            QuizQuestionFormSet(data, initial=initial, prefix="questions"),
        )

    def get_context_data(self, pass_form=None, formset=None, **kwargs):
        context = super().get_context_data(**kwargs)
        if pass_form is None or formset is None:
            pass_form, formset = self.build()
        context.update(step=self.step, pass_form=pass_form, formset=formset)
        return context

    def post(self, request, *args, **kwargs):
        pass_form, formset = self.build(request.POST)
        if pass_form.is_valid() and formset.is_valid():
            rows = []
            for form in formset.forms:
                data = form.cleaned_data
                if not data:
                    continue  # an empty extra row
                if data.get("DELETE"):
                    if data.get("id"):
                        rows.append({"id": data["id"], "delete": True})
                    continue
                if not form.has_changed():
                    continue
                rows.append(
                    {
                        "id": data.get("id"),
                        "prompt": data["prompt"].strip(),
                        "choices": data["choice_list"],
                        "correct_index": data["correct"] - 1,
                        "position": data.get("position") or 0,
                    }
                )
            try:
                knowledge.quiz_questions_update(
                    step=self.step,
                    actor=request.user,
                    rows=rows,
                    pass_mark_percent=pass_form.cleaned_data["pass_mark_percent"],
                )
            except (DomainError, ValidationError) as error:
                add_error_to_form(pass_form, error)
            else:
                messages.success(request, f"The questions of “{self.step.title}” are saved.")
                return redirect("programs:quiz_questions", program_slug=self.program.slug, pk=self.step.pk)
        return self.render_to_response(
            self.get_context_data(pass_form=pass_form, formset=formset), status=400
        )
