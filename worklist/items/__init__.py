"""The open-item worklist: queries (repository) and the changes people make (service)."""
