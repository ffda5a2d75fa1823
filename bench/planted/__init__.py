"""The parts of bench/issues.py, the planted-noise benchmark of `curate issues`.

noise.py: the corpus, the planted flips, timing; rank.py: the three rankings and their
metrics against the planted flips; fits.py: training and evaluation fits, the preset
estimate, and --top-only (acting on the head of the ranking).
"""
