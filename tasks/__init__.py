"""The pipeline: Celery app, ingest tasks, the beat schedule, notifications."""
