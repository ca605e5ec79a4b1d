"""Pure functions on strings: language, stems and matching keys, transliteration, sentences.

Imports nothing else of thesis_qa: every other layer may use it."""
