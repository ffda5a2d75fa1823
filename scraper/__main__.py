import sys

from corpus.cli import run

COMMANDS = {
    "run": ("scraper.cmd_run", "scrape every class's queries from a classes TOML file"),
    "query": ("scraper.cmd_query", "scrape one query into a corpus with a label"),
    "parse": ("scraper.cmd_parse", "parse a saved result page offline, one JSON result per line"),
    "sandbox": ("scraper.sandbox", "serve the offline image-search sandbox site on 127.0.0.1"),
}

if __name__ == "__main__":
    sys.exit(run("python -m scraper", "Scrape expression images by query.", COMMANDS))
