"""Checks of a built graph: SHACL shapes, quality-control queries, the HermiT reasoner."""
