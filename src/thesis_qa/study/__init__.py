"""Study aids built from a thesis's own text, with no language model: the index of names and
works (`names`) and the glossary of the definitions the text gives (`glossary`).

Pure functions over passages: imports only `text`, `document` and `errors`."""
