"""Keyboard-driven Tk app for cleaning and hand-labeling faces in a corpus."""
