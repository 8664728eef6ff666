# One image for every process: listener, worker, beat and web differ only by their command.

# Build stage: the wheel, with the rules engine compiled to C by mypyc (setup.py), which needs the
# compiler and Python headers of the full image. Same source, same items, about twice the speed.
FROM python:3.11-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 WORKLIST_COMPILED_RULES=1
WORKDIR /src
COPY pyproject.toml setup.py README.md LICENSE ./
COPY build_support ./build_support
COPY worklist ./worklist
COPY dicom_io ./dicom_io
COPY tasks ./tasks
COPY rules ./rules
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    WORKLIST_DATA_DIR=/var/lib/worklist
WORKDIR /app
COPY --from=build /wheels /wheels
# pg_dump and pg_restore for `worklist backup` / `restore` (the same major version as the server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
RUN pip install /wheels/*.whl \
    && rm -rf /wheels \
    && python -c "import rules, sys; sys.exit(rules.build() != 'compiled')" \
    && useradd --system --home-dir /var/lib/worklist --create-home worklist
USER worklist
VOLUME ["/var/lib/worklist"]
EXPOSE 11112 2575 8000
CMD ["worklist", "serve"]
