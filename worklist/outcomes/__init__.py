"""The MQSA medical outcomes audit over the system of record: read a period's examinations and
tissue diagnoses (``repository``), run ``rules.audit`` over them (``service``), write the CSV and
the printable PDF (``export``, ``pdf``)."""
