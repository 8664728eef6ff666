"""Everything HL7 v2: the MLLP listener with durable acknowledgement, and readers from ORU and ADT
messages to the same plain records the DICOM readers produce. Imports the HL7 library and
``rules`` types only: never the database."""

import logging

# python-hl7 logs a field's whole value when an escape sequence cannot be decoded: report text and
# identifiers. The product's own records say what went wrong without it.
logging.getLogger("hl7").setLevel(logging.CRITICAL + 1)
