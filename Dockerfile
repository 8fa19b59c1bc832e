FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_MEDIA_ROOT=/app/media

WORKDIR /app
RUN useradd --create-home --uid 1000 flexdesk
# WeasyPrint (PDF statements, invoices, contracts) draws text with pango.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
# .dockerignore keeps .env, media/, .venv and .git out of the image.
COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost CELERY_BROKER_URL=redis://build-only:6379/0 FLEXDESK_VAULT_KEYS=YnVpbGQtb25seS1rZXktYnVpbGQtb25seS1rZXktMDA= \
    python manage.py collectstatic --noinput
# Uploads (résumés, attachments) live in the named volume mounted here. A new volume takes this directory's
# owner, so the app's user can write to it.
RUN mkdir -p /app/media && chown flexdesk:flexdesk /app/media

USER flexdesk
EXPOSE 8000
# Exec form: gunicorn is PID 1 and gets docker's SIGTERM itself (a graceful stop), no shell in between.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
