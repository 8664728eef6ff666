"""The MQSA medical outcomes audit (21 CFR 900.12(f); ACR BI-RADS Atlas 5th ed., follow-up and
outcome monitoring), worked out from the facts the product already holds.

- ``exams``: which reports are audited examinations, screening or diagnostic, and each breast's
  final assessment.
- ``outcomes``: which tissue diagnoses are cancers, which examination each cancer belongs to, and
  each examination's outcome (true/false positive/negative, pending, lost to follow-up).
- ``metrics``: recall rate, cancer detection rate, PPV1-3, sensitivity and specificity, each number
  with the examinations behind it.
- ``characteristics``: what the pathology text states of a cancer (size, nodes), never guessed.

Pure: plain records in, plain records out; no database.
"""
