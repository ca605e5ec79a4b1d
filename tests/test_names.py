"""Names that look like other names, and text that reads differently from what it holds
(issue 25, item 8): account names, upload names and API text."""

from __future__ import annotations

import pytest

from thesis_qa.service.accounts import AccountError, Accounts, UsersFile
from thesis_qa.service.owners import safe_name, unique_name
from thesis_qa.text.names import clean_name, mixed_script, neutral, skeleton, twin

HANGUL_FILLER = "\u3164"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
CYRILLIC_A = "\u0430"
CYRILLIC_IE = "\u0435"


def test_neutral_text_keeps_its_length_and_loses_bidi_and_invisible_characters():
    text = f"Абай{RIGHT_TO_LEFT_OVERRIDE}txt.exe{HANGUL_FILLER}\u200b ақын\nжолы\t2"

    shown = neutral(text)

    assert len(shown) == len(text)
    assert shown == "Абай txt.exe   ақын\nжолы\t2"


def test_a_name_is_nfkc_without_invisible_letters():
    assert clean_name(f"thesis{HANGUL_FILLER}_kk.txt") == "thesis_kk.txt"
    assert clean_name("ｔｈｅｓｉｓ.txt") == "thesis.txt"  # full-width letters
    assert clean_name(f" a{RIGHT_TO_LEFT_OVERRIDE}b ") == "ab"


@pytest.mark.parametrize(
    ("name", "mixed"),
    [(f"p{CYRILLIC_A}vel", f"p{CYRILLIC_A}vel"), ("pavel", ""), ("Есеп_report", ""), ("Әсем-2024", "")],
)
def test_a_word_mixing_two_scripts_is_found(name, mixed):
    assert mixed_script(name) == mixed


def test_look_alike_names_share_a_skeleton():
    assert skeleton(f"th{CYRILLIC_IE}sis_KK.txt") == skeleton("thesis_kk.txt")
    assert skeleton("Aigerim") == skeleton("aigerim")
    assert skeleton("aigerim") != skeleton("dana")
    assert twin("AIGERIM", {"aigerim", "dana"}) == "aigerim"
    assert twin("aigerim", {"aigerim"}) == ""  # a name is not its own twin


def test_an_upload_looking_like_a_library_document_gets_a_name_of_its_own():
    library = {"thesis_kk.txt"}

    assert unique_name(safe_name(f"thesis{HANGUL_FILLER}_kk.txt"), library) == "thesis_kk (2).txt"
    assert unique_name(f"th{CYRILLIC_IE}sis_kk.txt", library) == f"th{CYRILLIC_IE}sis_kk (2).txt"
    assert unique_name("THESIS_KK.txt", library) == "THESIS_KK (2).txt"
    assert unique_name("notes.txt", library) == "notes.txt"


@pytest.mark.parametrize(("raw", "safe"), [(".txt", "document.txt"), (".hidden.md", "hidden.md"), ("...", "document")])
def test_a_name_starting_with_a_dot_is_a_plain_name(raw, safe):
    assert safe_name(raw) == safe


@pytest.mark.parametrize(
    "name",
    [f"aigerim{HANGUL_FILLER}", f"p{CYRILLIC_A}vel", "AIGERIM", f"{CYRILLIC_A}igerim"],
    ids=["invisible", "mixed-script", "case-twin", "script-twin"],
)
def test_users_add_refuses_invisible_mixed_and_look_alike_names(tmp_path, name):
    accounts = Accounts(UsersFile(tmp_path / "users.json"))
    accounts.add("aigerim", "Абай-1845-ақын")

    with pytest.raises(AccountError):
        accounts.add(name, "Абай-1845-ақын")

    assert [a.name for a in accounts.list()] == ["aigerim"]
