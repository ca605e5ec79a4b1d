"""What an index holds and how it is laid out: passage table, postings, vectors, vocabulary."""
