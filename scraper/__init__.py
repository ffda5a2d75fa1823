"""Scrape images by query from image search engines into a corpus (feeder -> parser -> downloader)."""
