//! Text folding for matching: case, diacritics and punctuation.
