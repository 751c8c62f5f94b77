"""The SPARQL service shared by `qikg query` and `/sparql`: the query policy, result formats, sandboxed workers."""
