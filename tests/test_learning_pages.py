def test_the_estimate_quotes_a_human_time():
    from ui.train.view import human_time

    assert human_time("2026-11-28T19:57:45+00:00") == "28 Nov 2026 at 19:57 UTC"
    assert human_time("not a time") == "not a time"
