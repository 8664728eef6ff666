"""The durable inbox: the SQL side of the DICOM listener's sink, and the file importer."""
