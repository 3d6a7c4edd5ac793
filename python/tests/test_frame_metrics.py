"""r2bench.frame_metrics: hand-computed cases, davis2017-evaluation's numbers on random masks
(davis_random.json, made by make_davis_random_fixture.py), stacks, dtypes and memory layouts."""
import importlib.util
import json
import os
import sys
import threading
import unittest

import numpy as np

import r2bench
from random_masks import CASES, mask_pair

HERE = os.path.dirname(os.path.abspath(__file__))


class HandComputed(unittest.TestCase):
    def test_iou_of_two_squares(self):
        gt = np.zeros((10, 10), bool)
        pred = np.zeros((10, 10), bool)
        gt[2:6, 2:6] = True  # 16 pixels
        pred[4:8, 4:8] = True  # 16 pixels, 4 shared
        j, f = r2bench.frame_metrics(gt, pred)
        self.assertEqual(j, 4 / 28)
        self.assertIsInstance(j, float)

    def test_davis_empty_cases(self):
        empty, blob = np.zeros((30, 40), np.uint8), np.zeros((30, 40), np.uint8)
        blob[10:20, 10:20] = 1
        self.assertEqual(tuple(r2bench.frame_metrics(empty, empty)), (1.0, 1.0))  # both empty: J = F = 1
        self.assertEqual(tuple(r2bench.frame_metrics(empty, blob)), (0.0, 0.0))  # precision 0, recall 1
        self.assertEqual(tuple(r2bench.frame_metrics(blob, empty)), (0.0, 0.0))  # precision 1, recall 0

    def test_identical_masks_score_one(self):
        gt, _ = mask_pair(0)
        self.assertEqual(tuple(r2bench.frame_metrics(gt, gt.copy())), (1.0, 1.0))

    def test_any_nonzero_value_is_foreground(self):
        gt, pred = mask_pair(2)
        self.assertEqual(r2bench.frame_metrics(gt * 7, pred * 255), r2bench.frame_metrics(gt, pred))
        self.assertEqual(r2bench.frame_metrics(gt.astype(bool), pred.astype(bool)), r2bench.frame_metrics(gt, pred))

    def test_named_fields(self):
        gt, pred = mask_pair(1)
        scores = r2bench.frame_metrics(gt, pred)
        self.assertEqual((scores.J, scores.F), tuple(scores))

    def test_bound_th_in_pixels(self):
        # bound_th >= 1 is a radius in pixels; a 1-pixel shift of a square is then matched entirely.
        gt = np.zeros((40, 40), bool)
        gt[10:30, 10:30] = True
        pred = np.roll(gt, 1, axis=1)
        self.assertEqual(r2bench.frame_metrics(gt, pred, bound_th=1).F, 1.0)
        self.assertEqual(r2bench.frame_metrics(gt, pred, bound_th=0.0001), r2bench.frame_metrics(gt, pred, bound_th=1))  # ceil(0.0001*56.6) = 1
        self.assertLess(r2bench.frame_metrics(gt, np.roll(gt, 3, axis=1), bound_th=1).F, 1.0)


class DavisParity(unittest.TestCase):
    """Equal to davis2017-evaluation's db_eval_iou / db_eval_boundary, to the last bit."""

    def test_random_masks_match_the_reference_fixture(self):
        with open(os.path.join(HERE, "davis_random.json")) as f:
            cases = json.load(f)["cases"]
        self.assertEqual(len(cases), CASES)
        for case in cases:
            gt, pred = mask_pair(case["seed"])
            # The masks are the ones the reference scored (same draw on this numpy).
            self.assertEqual([list(gt.shape), int(gt.sum()), int(pred.sum())],
                             [case["shape"], case["gt_pixels"], case["pred_pixels"]])
            j, f = r2bench.frame_metrics(gt, pred)
            self.assertEqual(j, case["J"], f"J of case {case['seed']}")
            self.assertEqual(f, case["F"], f"F of case {case['seed']}")

    @unittest.skipUnless(os.environ.get("R2BENCH_DAVIS_REPO"), "R2BENCH_DAVIS_REPO (a davis2017-evaluation checkout) not set")
    def test_live_reference(self):
        sys.path.insert(0, os.environ["R2BENCH_DAVIS_REPO"])
        from davis2017.metrics import db_eval_boundary, db_eval_iou
        for seed in range(CASES, CASES + 200):
            gt, pred = mask_pair(seed)
            self.assertEqual(tuple(r2bench.frame_metrics(gt, pred)),
                             (float(db_eval_iou(gt, pred)), float(db_eval_boundary(gt, pred))), f"seed {seed}")


class Stacks(unittest.TestCase):
    def stack(self, seeds):
        pairs = [mask_pair(s) for s in seeds]
        return np.stack([g for g, _ in pairs]), np.stack([p for _, p in pairs])

    def test_stack_equals_frame_by_frame(self):
        seeds = [0, 8, 16, 24, 32, 40, 48]  # all 480x854
        gt, pred = self.stack(seeds)
        j, f = r2bench.frame_metrics(gt, pred)
        self.assertEqual(j.dtype, np.float64)
        self.assertEqual(j.shape, (len(seeds),))
        for t in range(len(seeds)):
            self.assertEqual((j[t], f[t]), tuple(r2bench.frame_metrics(gt[t], pred[t])))

    def test_empty_stack(self):
        j, f = r2bench.frame_metrics(np.zeros((0, 5, 5), bool), np.zeros((0, 5, 5), bool))
        self.assertEqual((j.shape, f.shape), ((0,), (0,)))


class Layouts(unittest.TestCase):
    """Views are read in place (or copied once when the pixels of a row are not contiguous)."""

    def test_views_score_as_their_copies(self):
        gt, pred = mask_pair(0)
        for view in (lambda a: a[7:300, 13:801], lambda a: a[::-1], lambda a: a[::2, :], lambda a: a.T,
                     lambda a: a[:, ::3], lambda a: np.asfortranarray(a)):
            g, p = view(gt), view(pred)
            self.assertEqual(r2bench.frame_metrics(g, p), r2bench.frame_metrics(g.copy(order="C"), p.copy(order="C")))

    @unittest.skipUnless(importlib.util.find_spec("torch"), "python3-torch not installed")
    def test_cpu_torch_tensors(self):
        import torch
        gt, pred = mask_pair(3)
        self.assertEqual(r2bench.frame_metrics(torch.from_numpy(gt).bool(), torch.from_numpy(pred) > 0),
                         r2bench.frame_metrics(gt, pred))

    def test_the_gil_is_released(self):
        # Threads computing at once give the numbers of one thread.
        gt, pred = mask_pair(0)
        expected = r2bench.frame_metrics(gt, pred)
        results = []
        threads = [threading.Thread(target=lambda: results.append(r2bench.frame_metrics(gt, pred))) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [expected] * 4)


class Errors(unittest.TestCase):
    def test_shape_mismatch_is_a_value_error(self):
        with self.assertRaisesRegex(ValueError, r"pred: shape 480x853 differs from gt's 480x854"):
            r2bench.frame_metrics(np.zeros((480, 854), bool), np.zeros((480, 853), bool))
        with self.assertRaisesRegex(ValueError, "pred: shape 480x854 differs from gt's 2x480x854"):
            r2bench.frame_metrics(np.zeros((2, 480, 854), bool), np.zeros((480, 854), bool))

    def test_wrong_dtype_is_a_type_error(self):
        with self.assertRaisesRegex(TypeError, r"pred: dtype float32 is not a mask; pass a bool or uint8 array"):
            r2bench.frame_metrics(np.zeros((4, 4), bool), np.zeros((4, 4), np.float32))
        with self.assertRaisesRegex(TypeError, "gt: expected a numpy array"):
            r2bench.frame_metrics([[0, 1]], np.zeros((1, 2), bool))

    def test_wrong_dimensions(self):
        with self.assertRaisesRegex(ValueError, "gt: expected H×W or T×H×W, got 1 dimension"):
            r2bench.frame_metrics(np.zeros(4, bool), np.zeros(4, bool))


if __name__ == "__main__":
    unittest.main()
