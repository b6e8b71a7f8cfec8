# The participation platform in one container: `participation serve` on port 8000.
# Data (SQLite database, file sessions, generated secret key, demo login) lives in /data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/data

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home app

WORKDIR /app

# Pango and a font for the profiles' PDFs (WeasyPrint); nothing is fetched at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, in their own layer, so a code change does not reinstall them.
# The list is read from pyproject.toml (tomllib is in Python 3.11's standard library).
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['redis']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Editable install on purpose: templates/ and static/ sit at the repository root beside
# participation/, and the app finds them through PROJECT_ROOT (the parent of the package
# directory, see participation/settings.py). With `pip install -e` the package is imported
# from /app/participation, so PROJECT_ROOT is /app and /app/templates, /app/static and the
# .po catalogues under participation/locale/ resolve. A regular install would import the
# package from site-packages, where neither templates/ nor static/ exist.
COPY . .
# The dependencies (with the redis extra) are in place already, hence --no-deps.
RUN pip install --no-deps -e . \
    && mkdir -p /data \
    && chown app:app /data

USER app
VOLUME ["/data"]
EXPOSE 8000

# No curl in the slim image: ask /healthz with Python (503 or no answer = unhealthy).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Migrates (MIGRATE_ON_START) and seeds the demo into an empty database (SEED_DEMO) first.
CMD ["participation", "serve", "--host", "0.0.0.0", "--port", "8000"]
