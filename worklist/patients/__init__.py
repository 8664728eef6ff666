"""Patient identity across channels: which record an identifier names, and merges of records."""
