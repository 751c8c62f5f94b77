"""Reading chat sources: report texts and records files, curation, handle aliases, the registry of chats."""
