"""The REST API (v1): JSON under /api/v1, documented by the OpenAPI schema."""
