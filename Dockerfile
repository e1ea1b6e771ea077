# syntax=docker/dockerfile:1
# One image for every Convene process: docker-compose.yml runs it as web (gunicorn), worker and
# beat (Celery), and as a one-off `migrate`. Static files are collected at build time.

# --- Front-end assets: from the npm registry (package-lock.json), never a CDN ---------------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# The same files `make assets` copies into static/vendor.
RUN mkdir -p vendor/bootstrap vendor/bootstrap-icons \
 && cp node_modules/bootstrap/dist/css/bootstrap.min.css* \
       node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* vendor/bootstrap/ \
 && cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css \
       node_modules/bootstrap-icons/font/fonts vendor/bootstrap-icons/

# --- The application ------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings
WORKDIR /app

# The pinned dependencies from pyproject.toml, in their own layer so code changes reuse it.
# (The project declares no packages: `pip install .` installs exactly the dependencies.)
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info

COPY . .
COPY --from=assets /build/vendor static/vendor

# Hashed, compressed static files for WhiteNoise. The key only lets settings load for this step.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin convene \
 && mkdir -p var/media var/mail \
 && chown -R convene:convene var

USER convene
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", \
     "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
