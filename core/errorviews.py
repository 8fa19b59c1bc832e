from django.views import defaults


def page_not_found(request, exception):
    return defaults.page_not_found(request, exception, template_name="404.html")
