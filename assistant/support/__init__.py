"""Citation keys and the citation-support checker; the public API is ``assistant.citations``."""
