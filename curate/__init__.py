"""Turn scraped and imported images into a curated face corpus: extract, import, merge, dedup,
split, export."""
