"""From a question to ranked, highlighted hits: reading it, candidates, features, ranking, lookup."""
