"""Everything DICOM: the association listener, and readers from datasets to plain records."""
