"""The agreement: the outcome document of a debate, endorsed point by point."""
