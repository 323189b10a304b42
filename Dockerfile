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
CMD ["gunicorn", "aimg_site.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
