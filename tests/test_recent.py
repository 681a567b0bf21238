"""The answers kept for the most recent keys (`metrics.recent.Recent`)."""

from socialrx.metrics.recent import Recent


def test_the_most_recent_answers_are_kept_and_the_oldest_let_go():
    made = []

    def make(key):
        return lambda: made.append(key) or f"answer {key}"

    kept = Recent(2)
    assert kept.get("a", make("a")) == "answer a"
    assert kept.get("b", make("b")) == "answer b"
    assert kept.get("a", make("a")) == "answer a"  # kept: not made again, and now the newest
    assert made == ["a", "b"]
    kept.get("c", make("c"))  # a third: "b", the least recently asked, is let go
    kept.get("a", make("a"))
    kept.get("b", make("b"))
    assert made == ["a", "b", "c", "b"]
