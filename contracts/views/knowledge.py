"""/portal/knowledge/…: the Knowledge of the programs a freelancer works in (issue 19, item 4).

The pages live here rather than in programs because only contracts knows which programs a freelancer works in
(programs is below contracts, DESIGN.md). Asked by htmx (the card beside a ticket), each answers its part alone,
for the ticket page's side panel.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.mixins import FreelancerRequiredMixin
from contracts.selectors import freelancer_program_ids
from core.scoping import not_found_in_scope
from programs import knowledge
from programs.models import KnowledgeArticle


class PortalKnowledgeMixin(FreelancerRequiredMixin, TemplateView):
    partial_template_name = ""

    @cached_property
    def program_ids(self) -> QuerySet:
        if (
            self.freelancer is None
        ):  # FreelancerRequiredMixin already answered 403 to anyone without a profile
            raise Http404("No freelancer profile.")
        return freelancer_program_ids(freelancer_id=self.freelancer.pk)

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request",))  # the same address answers a page or its part
        return response


class PortalKnowledgeView(PortalKnowledgeMixin):
    """Every published article of the freelancer's programs by kind, with a search (title and text)."""

    template_name = "contracts/portal/knowledge.html"
    partial_template_name = "contracts/portal/_knowledge_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[: knowledge.SEARCH_MAX_LENGTH]
        program_slug = self.request.GET.get("program", "").strip()[:60]
        sections = knowledge.knowledge_for_programs(
            program_ids=self.program_ids, query=query, program_slug=program_slug
        )
        context.update(
            query=query,
            program_slug=program_slug,
            sections=sections,
            # the program filter offers all of the freelancer's programs (already read, unless one is picked)
            programs=[section.program for section in sections]
            if not program_slug
            else list(knowledge.knowledge_program_list(program_ids=self.program_ids)),
            nothing_found=bool(query) and all(section.is_empty for section in sections),
        )
        return context


class PortalKnowledgeArticleView(PortalKnowledgeMixin):
    """One published article of one of the freelancer's programs; any other is not found."""

    template_name = "contracts/portal/knowledge_article.html"
    partial_template_name = "contracts/portal/_knowledge_article.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = knowledge.article_get_published(
            program_ids=self.program_ids, program_slug=kwargs["program_slug"], slug=kwargs["slug"]
        )
        if article is None:
            raise not_found_in_scope(
                self.request,
                KnowledgeArticle,
                program__slug=kwargs["program_slug"],
                slug=kwargs["slug"],
                message="No such article.",
            )
        context.update(article=article, program=article.program)
        return context
