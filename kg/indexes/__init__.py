"""Indexes derived from a loaded store for the API: full-text search, who-connects-whom networks."""
