# One image for every process: listener, worker, beat and web differ only by their command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    WORKLIST_DATA_DIR=/var/lib/worklist
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY worklist ./worklist
COPY dicom_io ./dicom_io
COPY tasks ./tasks
COPY rules ./rules
RUN pip install . \
    && useradd --system --home-dir /var/lib/worklist --create-home worklist
USER worklist
VOLUME ["/var/lib/worklist"]
EXPOSE 11112 8000
CMD ["worklist", "serve"]
