"""brm.frames(): the frame-set grammar of DESIGN §4, parsed by the real libbrm."""

import threading

import pytest

import brm


def test_step_always_includes_the_last_frame():
    fs = brm.frames("1-100x5")
    assert len(fs) == 21
    assert list(fs)[:3] == [1, 6, 11]
    assert list(fs)[-2:] == [96, 100]
    assert fs.compact() == "1-96x5,100"
    assert 96 in fs and 100 in fs and 97 not in fs
    assert "1" not in fs and True not in fs


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("1,5,10", [1, 5, 10]),
        ("10-1x4", [10, 6, 2, 1]),
        ("1-10y3", [2, 3, 5, 6, 8, 9]),
        ("-2-2", [-2, -1, 0, 1, 2]),
        ("-10--8", [-10, -9, -8]),
        ("1-10x20", [1, 10]),
        ("3,1,3,2", [3, 1, 2]),
        (" 1 , 2 ", [1, 2]),
    ],
)
def test_grammar(spec, expected):
    fs = brm.frames(spec)
    assert fs.to_list() == expected
    assert len(fs) == len(expected)
    assert brm.frames(fs.compact()).to_list() == expected


def test_large_sets_are_lazy_and_page_through():
    fs = brm.frames("1-10000000")
    assert len(fs) == 10000000
    assert fs[0] == 1 and fs[-1] == 10000000 and fs[4096] == 4097
    it = iter(fs)
    head = [next(it) for _ in range(5000)]  # crosses the 4,096-frame page
    assert head == list(range(1, 5001))
    assert fs.compact() == "1-10000000"


def test_equality_indexing_and_reuse():
    assert brm.frames("1-5") == brm.frames("1,2,3,4,5")
    fs = brm.frames("1-3")
    assert brm.frames(fs) is fs
    assert repr(fs) == "brm.frames('1-3')" and str(fs) == "1-3"
    with pytest.raises(IndexError):
        fs[3]


@pytest.mark.parametrize(
    "spec, position",
    [("1:10", 1), ("1-10x0", None), ("", None), ("1,,2", None), ("1.5", None), ("1 2", None), ("5-", None)],
)
def test_bad_specs_raise_frame_syntax_error_with_brms_message(spec, position):
    with pytest.raises(brm.FrameSyntaxError) as e:
        brm.frames(spec)
    err = e.value
    assert err.code == 4 and err.function == "brm_frames_parse"
    assert isinstance(err, ValueError) and isinstance(err, brm.BrmError)
    assert "byte" in str(err) or "empty" in str(err), str(err)
    if position is not None:
        assert "at byte %d" % position in str(err)


def test_colon_hint():
    with pytest.raises(brm.FrameSyntaxError, match="Deadline"):
        brm.frames("1-100:5")


def test_cap():
    with pytest.raises(brm.TooManyFramesError):
        brm.frames("1-1001", cap=1000)
    assert len(brm.frames("1-1000", cap=1000)) == 1000


def test_messages_stay_with_their_thread():
    """brm_last_error is per thread: eight threads parsing good and bad specs at once each
    get their own result and their own message."""
    errors = []
    results = {}

    def work(i):
        try:
            for _ in range(200):
                if i % 2:
                    with pytest.raises(brm.FrameSyntaxError) as e:
                        brm.frames("%d:x" % i)
                    assert ("'%d:x'" % i) in str(e.value), str(e.value)
                else:
                    assert len(brm.frames("1-%d" % (i + 1))) == i + 1
            results[i] = True
        except BaseException as e:  # noqa: B902 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 8
