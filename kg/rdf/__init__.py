"""Records -> RDF: one chat's named graph, theme tagging, the ontology's files, assembling every chat."""
