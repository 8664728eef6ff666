"""Synthetic DICOM from case stories: the demo, the test corpus and benches render patients' events
(images as headers with a tiny frame, reports as Basic Text or TID 4200 Enhanced SR) the way a
breast PACS would send them. Uses pydicom only."""

from dicom_io.synth.case import CaseError, load_case
from dicom_io.synth.render import RenderedEvent, render_case, write_case

__all__ = ["CaseError", "RenderedEvent", "load_case", "render_case", "write_case"]
