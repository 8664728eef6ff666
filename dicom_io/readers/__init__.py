"""Pure readers: from a DICOM file or dataset to the plain records ``rules`` understands."""
