"""Developer tools that run the studio headless (screenshots for the docs)."""
