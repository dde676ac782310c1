# One image for both processes: `docker run IMAGE serve` (the default) or `docker run IMAGE clock`; `migrate` once
# per deploy before them. Installs exactly the versions pinned in constraints.txt.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group touchpoint

WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY handlers ./handlers
COPY schedules ./schedules
COPY storage ./storage
RUN pip install -c constraints.txt . && rm -rf /src

# The processes run as the unprivileged user (numeric, so that a platform can check it is not root), in its home
# directory (where a default SQLite file would go).
USER 10001:10001
WORKDIR /home/touchpoint
ENV PORT=3000
EXPOSE 3000

# Touchpoint handles SIGTERM itself (it finishes what is under way within about 20 s): give it 30 s before a kill.
STOPSIGNAL SIGTERM
ENTRYPOINT ["touchpoint"]
CMD ["serve"]
