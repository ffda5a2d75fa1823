"""Multi-index Hamming search: the same pairs as comparing all pairs, for any threshold."""
import numpy as np
import pytest

from curate.dedup.index import choose_chunks, pairs_brute, pairs_within


def _hashes(n, seed=0):
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    # Plant near neighbours at known distances so every threshold has pairs to find.
    for k, flips in enumerate((0, 1, 3, 5, 8, 11)):
        src = rng.integers(0, n, 40)
        dst = rng.integers(0, n, 40)
        for s, d in zip(src, dst):
            bits = rng.choice(64, flips, replace=False)
            h[d] = h[s] ^ np.uint64(sum(1 << int(b) for b in bits))
    return h


@pytest.mark.parametrize("t", [0, 1, 4, 6, 8, 12])
def test_matches_brute_force(t):
    h = _hashes(2500, seed=t)
    got = pairs_within(h, t)
    want = pairs_brute(h, t)
    assert len(want[0]) > 0
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("m", [2, 3, 5, 7])
def test_any_chunking_is_exact(m):
    h = _hashes(800, seed=m)
    got = pairs_within(h, 6, chunks=m)
    want = pairs_brute(h, 6)
    np.testing.assert_array_equal(np.stack(got), np.stack(want))


def test_duplicate_values_and_tiny_inputs():
    h = np.array([5, 5, 5, 7], dtype=np.uint64)
    i, j, d = pairs_within(h, 0)
    assert list(zip(i, j)) == [(0, 1), (0, 2), (1, 2)]
    assert pairs_within(h[:1], 3)[0].size == 0
    with pytest.raises(ValueError):
        pairs_within(h, -1)


def test_chunk_choice_grows_with_n():
    assert choose_chunks(100_000, 10) >= 3
    assert choose_chunks(100_000, 0) <= 4


def test_refuses_a_chunking_that_would_enumerate_millions_of_patterns():
    with pytest.raises(ValueError, match="use more chunks"):
        pairs_within(_hashes(10), 8, chunks=1)


def test_probe_hashes_find_pairs_the_plain_hashes_miss():
    """A probe (phash-zoom) stands in for its item's hash: item 2's hash is 20 bits from item
    0's, but its probe only 3 bits; each pair comes once, with its smallest distance."""
    from curate.dedup.phash import PerceptualHash
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2 ** 63, 4, dtype=np.uint64)
    hashes = base.copy()
    hashes[2] = base[0] ^ np.uint64((1 << 20) - 1)
    probes = rng.integers(0, 2 ** 63, 4, dtype=np.uint64)
    probes[2] = base[0] ^ np.uint64(0b111)
    probes[3] = base[3] ^ np.uint64(1)          # an item's own probe is never a pair
    i, j, d = PerceptualHash().pairs(hashes, 8, [probes])
    assert list(zip(i.tolist(), j.tolist(), d.tolist())) == [(0, 2, 3)]
    assert not len(PerceptualHash().pairs(hashes, 8)[0])
