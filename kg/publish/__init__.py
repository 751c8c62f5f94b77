"""What a build publishes besides the store: deterministic dumps, GEXF, the ontology's HTML page."""
