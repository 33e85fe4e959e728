"""Intelligent intake: text cleaning, classifiers, place extraction, duplicates and incidents."""
