"""Everything HL7 v2: the MLLP listener with durable acknowledgement, and readers from ORU and ADT
messages to the same plain records the DICOM readers produce. Imports the HL7 library and
``rules`` types only: never the database."""

import logging

import hl7.containers
import hl7.util

# python-hl7 logs a field's whole value (report text, identifiers) when an escape sequence cannot
# be decoded, on loggers named after its source files. The product's own records say what went
# wrong without it.
for _module in (hl7.util, hl7.containers):
    logging.getLogger(_module.__file__).disabled = True
