"""Random mask pairs for the parity tests, drawn with numpy's legacy RandomState (whose streams
numpy keeps fixed across versions), so the fixture script and the tests draw the same masks."""
import numpy as np

# (height, width): DAVIS / Ref-YouTube-VOS size, odd and tiny sizes, one row, one column.
SHAPES = [(480, 854), (37, 53), (120, 200), (64, 64), (1, 17), (23, 1), (3, 3), (100, 7)]


def _ellipses(rng, h, w, n):
    y, x = np.mgrid[0:h, 0:w]
    m = np.zeros((h, w), bool)
    for _ in range(n):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(1, max(1.5, h / 2)), rng.uniform(1, max(1.5, w / 2))
        m |= ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1.0
    return m


def mask_pair(seed):
    """(gt, pred) as uint8 0/1 arrays: a blob ground truth and a shifted, noisy or unrelated prediction."""
    rng = np.random.RandomState(seed)
    h, w = SHAPES[seed % len(SHAPES)]
    kind = (seed // len(SHAPES)) % 5
    gt = _ellipses(rng, h, w, 1 + rng.randint(4))
    if kind == 0:  # a near miss: shifted by a few pixels
        pred = np.roll(gt, (rng.randint(-4, 5), rng.randint(-4, 5)), axis=(0, 1))
    elif kind == 1:  # salt and pepper
        pred = gt ^ (rng.random_sample((h, w)) < rng.uniform(0.01, 0.3))
    elif kind == 2:  # unrelated blobs
        pred = _ellipses(rng, h, w, 1 + rng.randint(3))
    elif kind == 3:  # pure noise on both
        gt = rng.random_sample((h, w)) < rng.uniform(0, 1)
        pred = rng.random_sample((h, w)) < rng.uniform(0, 1)
    else:  # one of them empty or full
        pred = np.zeros((h, w), bool) if rng.randint(2) else np.ones((h, w), bool)
    return gt.astype(np.uint8), pred.astype(np.uint8)


CASES = 80  # every shape with every kind, twice
