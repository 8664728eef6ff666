"""The storage SOP classes a breast PACS sends us, and the transfer syntaxes we accept for them.

UIDs from PS3.4 Annex B.5 (Standard SOP Classes) and PS3.5 Section 10 (transfer syntaxes). Named here
once, so the rest of the code branches on names, never on literal UIDs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

VERIFICATION: Final = "1.2.840.10008.1.1"


class Family(StrEnum):
    """What kind of object a SOP class carries, before anyone reads its content."""

    REPORT = "report"
    """Structured reports (the content tree holds the report)."""
    IMAGE = "image"
    DOCUMENT = "document"
    """Encapsulated documents: kept, never machine-read."""
    REFERENCE = "reference"
    """Key Object Selection and CAD SR: references and marks, not reports."""
    OUT_OF_SCOPE = "out of scope"
    """Accepted so that a PACS forwarding a whole folder does not fail its push; stored and
    marked out of scope, never read."""


# Structured reports (PS3.3 A.35).
BASIC_TEXT_SR: Final = "1.2.840.10008.5.1.4.1.1.88.11"
ENHANCED_SR: Final = "1.2.840.10008.5.1.4.1.1.88.22"
COMPREHENSIVE_SR: Final = "1.2.840.10008.5.1.4.1.1.88.33"
COMPREHENSIVE_3D_SR: Final = "1.2.840.10008.5.1.4.1.1.88.34"
MAMMOGRAPHY_CAD_SR: Final = "1.2.840.10008.5.1.4.1.1.88.50"
KEY_OBJECT_SELECTION: Final = "1.2.840.10008.5.1.4.1.1.88.59"
ENCAPSULATED_PDF: Final = "1.2.840.10008.5.1.4.1.1.104.1"
# Radiation dose (PS3.3 A.35.8): mammography units send one with every study.
XRAY_RADIATION_DOSE_SR: Final = "1.2.840.10008.5.1.4.1.1.88.67"

# Breast images (PS3.3 A.26, A.55, A.90).
MAMMOGRAPHY_PRESENTATION: Final = "1.2.840.10008.5.1.4.1.1.1.2"
MAMMOGRAPHY_PROCESSING: Final = "1.2.840.10008.5.1.4.1.1.1.2.1"
BREAST_TOMOSYNTHESIS: Final = "1.2.840.10008.5.1.4.1.1.13.1.3"
BREAST_PROJECTION_PRESENTATION: Final = "1.2.840.10008.5.1.4.1.1.13.1.4"
BREAST_PROJECTION_PROCESSING: Final = "1.2.840.10008.5.1.4.1.1.13.1.5"

# Images that may or may not be of the breast: the header decides.
ULTRASOUND: Final = "1.2.840.10008.5.1.4.1.1.6.1"
ULTRASOUND_MULTIFRAME: Final = "1.2.840.10008.5.1.4.1.1.3.1"
MR: Final = "1.2.840.10008.5.1.4.1.1.4"
ENHANCED_MR: Final = "1.2.840.10008.5.1.4.1.1.4.1"
DIGITAL_XRAY_PRESENTATION: Final = "1.2.840.10008.5.1.4.1.1.1.1"
DIGITAL_XRAY_PROCESSING: Final = "1.2.840.10008.5.1.4.1.1.1.1.1"
SECONDARY_CAPTURE: Final = "1.2.840.10008.5.1.4.1.1.7"
# CT is accepted so that a PACS rule forwarding a whole patient folder does not fail its push;
# such objects are recorded and marked out of scope.
CT: Final = "1.2.840.10008.5.1.4.1.1.2"

STORAGE_CLASSES: Final[dict[str, Family]] = {
    BASIC_TEXT_SR: Family.REPORT,
    ENHANCED_SR: Family.REPORT,
    COMPREHENSIVE_SR: Family.REPORT,
    COMPREHENSIVE_3D_SR: Family.REPORT,
    MAMMOGRAPHY_CAD_SR: Family.REFERENCE,
    KEY_OBJECT_SELECTION: Family.REFERENCE,
    ENCAPSULATED_PDF: Family.DOCUMENT,
    MAMMOGRAPHY_PRESENTATION: Family.IMAGE,
    MAMMOGRAPHY_PROCESSING: Family.IMAGE,
    BREAST_TOMOSYNTHESIS: Family.IMAGE,
    BREAST_PROJECTION_PRESENTATION: Family.IMAGE,
    BREAST_PROJECTION_PROCESSING: Family.IMAGE,
    ULTRASOUND: Family.IMAGE,
    ULTRASOUND_MULTIFRAME: Family.IMAGE,
    MR: Family.IMAGE,
    ENHANCED_MR: Family.IMAGE,
    DIGITAL_XRAY_PRESENTATION: Family.IMAGE,
    DIGITAL_XRAY_PROCESSING: Family.IMAGE,
    SECONDARY_CAPTURE: Family.IMAGE,
    CT: Family.IMAGE,
    XRAY_RADIATION_DOSE_SR: Family.OUT_OF_SCOPE,
}

BREAST_ONLY_CLASSES: Final = frozenset({
    MAMMOGRAPHY_PRESENTATION, MAMMOGRAPHY_PROCESSING, BREAST_TOMOSYNTHESIS,
    BREAST_PROJECTION_PRESENTATION, BREAST_PROJECTION_PROCESSING, MAMMOGRAPHY_CAD_SR,
})
"""Classes whose objects are about the breast by definition."""

SR_CLASSES: Final = frozenset({
    BASIC_TEXT_SR, ENHANCED_SR, COMPREHENSIVE_SR, COMPREHENSIVE_3D_SR,
    MAMMOGRAPHY_CAD_SR, KEY_OBJECT_SELECTION, XRAY_RADIATION_DOSE_SR,
})
"""Classes with an SR content tree: the SR size, depth and item limits apply at receipt."""

# Transfer syntaxes (PS3.5 Section 10, Annex A). Compressed pixel data is accepted as it comes and
# never decoded.
IMPLICIT_VR_LITTLE_ENDIAN: Final = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN: Final = "1.2.840.10008.1.2.1"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: Final = "1.2.840.10008.1.2.1.99"
EXPLICIT_VR_BIG_ENDIAN: Final = "1.2.840.10008.1.2.2"

TRANSFER_SYNTAXES: Final[tuple[str, ...]] = (
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN,
    "1.2.840.10008.1.2.4.50",  # JPEG Baseline
    "1.2.840.10008.1.2.4.51",  # JPEG Extended
    "1.2.840.10008.1.2.4.57",  # JPEG Lossless
    "1.2.840.10008.1.2.4.70",  # JPEG Lossless SV1
    "1.2.840.10008.1.2.4.80",  # JPEG-LS Lossless
    "1.2.840.10008.1.2.4.81",  # JPEG-LS Near-Lossless
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 Lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.4.201",  # HTJ2K Lossless
    "1.2.840.10008.1.2.4.202",  # HTJ2K Lossless RPCL
    "1.2.840.10008.1.2.4.203",  # HTJ2K
    "1.2.840.10008.1.2.5",  # RLE Lossless
    "1.2.840.10008.1.2.4.100",  # MPEG2 MP@ML (ultrasound cine)
    "1.2.840.10008.1.2.4.102",  # H.264 High Profile 4.1
    "1.2.840.10008.1.2.4.107",  # HEVC Main
)
