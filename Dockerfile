# One image for the web, worker and beat processes.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 aimg
WORKDIR /app

COPY . .
RUN pip install --upgrade pip && pip install -e . \
    && DJANGO_SETTINGS_MODULE=aimg_site.settings AIMG_VAR_DIR=/tmp/var python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R aimg /app/var

USER aimg
EXPOSE 8000
# Run from /app, the repository root, so that gunicorn reads gunicorn.conf.py (bind, workers,
# timeouts, request-line and header limits); PORT and WEB_CONCURRENCY tune it.
CMD ["gunicorn", "aimg_site.wsgi"]
