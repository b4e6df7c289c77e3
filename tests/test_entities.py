from corroborate.analyze.entities import EntitySpan, assign_keys, name_tokens


def keys(*spans: tuple[str, str]) -> list[str]:
    return assign_keys([EntitySpan(0, len(t), t, label) for t, label in spans])


def test_titles_and_short_forms_join_the_full_name() -> None:
    assert keys(("Prime Minister Fumio Kishida", "PERSON"), ("Kishida", "PERSON"),
                ("Mr. Kishida", "PERSON")) == ["PERSON:fumio-kishida"] * 3


def test_family_name_first_and_mislabelled_surname() -> None:
    got = keys(("Kang Min-jae", "PERSON"), ("Kang", "PERSON"), ("Kang's", "ORG"))
    assert got == ["PERSON:kang-min-jae"] * 3


def test_acronym_and_dateline_place() -> None:
    got = keys(("the International Atomic Energy Agency", "ORG"), ("IAEA", "ORG"),
               ("AUCKLAND", "ORG"), ("Auckland", "GPE"))
    assert got[0] == got[1] == "ORG:international-atomic-energy-agency"
    assert got[2] == got[3] == "GPE:auckland"


def test_organisation_names_keep_their_words() -> None:
    assert keys(("the Foreign Ministry", "ORG")) == ["ORG:foreign-ministry"]
    assert name_tokens("Foreign Minister Ana Ruiz") == ["ana", "ruiz"]


def test_two_people_with_one_surname_stay_apart() -> None:
    got = keys(("Joe Biden", "PERSON"), ("Jill Biden", "PERSON"), ("Biden", "PERSON"))
    assert got[0] != got[1]
