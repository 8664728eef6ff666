"""Prometheus metrics: what a process counts as it works (``instruments``), what the database
says at scrape time (``database``), and how both are served (``exposition``)."""
