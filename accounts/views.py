from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.generic import TemplateView, UpdateView

from accounts.forms import EmailAuthenticationForm, FreelancerProfileForm, ProfileForm
from accounts.name_lock import legal_name_lock_reason
from accounts.selectors import home_url_for


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LandingView(LoginRequiredMixin, TemplateView):
    """After login: managers go to /manage/, freelancers to /portal/, anyone else gets a clear page."""

    template_name = "accounts/no_role.html"

    def get(self, request, *args, **kwargs):
        home = home_url_for(request.user)
        if home:
            return redirect(home)
        return super().get(request, *args, **kwargs)


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation link: choose a password, then you are logged in and sent home."""

    template_name = "accounts/invite_accept.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("accounts:landing")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Welcome to Flexdesk.")
        return response


class ProfileView(LoginRequiredMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None):
        return self.request.user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        profile = getattr(self.request.user, "freelancer_profile", None)
        if profile is not None:
            context["freelancer_form"] = kwargs.get("freelancer_form") or FreelancerProfileForm(
                instance=profile, prefix="freelancer", legal_name_lock=legal_name_lock_reason(profile)
            )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        profile = getattr(request.user, "freelancer_profile", None)
        freelancer_form = (
            FreelancerProfileForm(request.POST, instance=profile, prefix="freelancer",
                                  legal_name_lock=legal_name_lock_reason(profile)) if profile else None
        )
        if form.is_valid() and (freelancer_form is None or freelancer_form.is_valid()):
            form.save()
            if freelancer_form is not None:
                freelancer_form.save()
            messages.success(request, "Profile saved.")
            return redirect(self.success_url)
        return self.render_to_response(self.get_context_data(form=form, freelancer_form=freelancer_form))
