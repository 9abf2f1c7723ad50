"""What every layer shares: the error raised for bad input, value checks, atomic files, paths.

Nothing here imports any other part of carepath.
"""
