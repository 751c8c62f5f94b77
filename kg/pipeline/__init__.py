"""The build: inputs -> extract -> RDF -> checks -> files, swapped in atomically; add/remove as one transaction."""
