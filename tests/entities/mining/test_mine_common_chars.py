from entities.mining.common_chars import common_characters


def test_common_characters_are_those_above_the_rate_in_simplified_form_han_only():
    texts = ["之乎者也之", "國之大事", "abc 123"]  # 9 Han characters: 之 3, 国 (國) 1, the rest 1 each
    rates = common_characters(texts, per_million=200_000)
    assert rates == {"之": round(3 / 9 * 1e6, 1)}
    assert set(common_characters(texts, per_million=100_000)) == set("之乎者也国大事")
    assert common_characters([], per_million=1) == {}
