"""Train, evaluate and apply an expression CNN on a curated corpus."""
