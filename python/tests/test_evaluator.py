"""r2bench.Evaluator on masks in memory: hand-computed scores, stacks against frames, reset, four
threads against one, and its errors."""
import threading
import unittest

import numpy as np

import r2bench
from random_masks import mask_pair


def plain(value):
    """The result with numpy arrays as lists, for exact comparison."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def benchmark(videos=3, frames=4, expressions_per_video=2):
    """Expressions (each paired with the next video as its negative) and their masks: gt[e][t], pred[e][t], neg[e][t]."""
    names = [f"v{v}" for v in range(videos)]
    expressions, gt, pred, neg = [], [], [], []
    seed = 0
    for v, video in enumerate(names):
        for k in range(expressions_per_video):
            expressions.append({"video": video, "exp_id": str(k), "text": f"object {k}", "obj_id": str(k + 1),
                                "frames": [f"{5 * t:05d}" for t in range(frames)],
                                "negative_video": names[(v + 1) % videos],
                                "negative_frames": [f"{5 * t:05d}" for t in range(frames)]})
            g, p, n = [], [], []
            for t in range(frames):
                a, b = mask_pair(8 * seed + 1)  # 37x53 masks
                g.append(a), p.append(b)
                n.append(mask_pair(8 * seed + 9)[1] * (t % 2))  # every other negative frame empty
                seed += 1
            gt.append(np.stack(g)), pred.append(np.stack(p)), neg.append(np.stack(n))
    return expressions, gt, pred, neg


class Scores(unittest.TestCase):
    def setUp(self):
        self.expressions, self.gt, self.pred, self.neg = benchmark()

    def feed_frames(self, ev, order=None):
        for e in order if order is not None else range(len(self.expressions)):
            for t in range(self.gt[e].shape[0]):
                ev.process(e, r2bench.Side.positive, t, self.gt[e][t], self.pred[e][t])
                ev.process(e, "negative", t, None, self.neg[e][t])

    def test_hand_computed_reduction(self):
        ev = r2bench.Evaluator.from_expressions(self.expressions)
        self.feed_frames(ev)
        res = ev.evaluate()
        js, fs, pos, negs = [], [], 0, 0
        for e, row in enumerate(res["per_expression"]):
            j, f = r2bench.frame_metrics(self.gt[e], self.pred[e])
            self.assertEqual(row["J_per_frame"].tolist(), j.tolist())
            self.assertEqual(row["J"], float(np.mean(j)))
            self.assertEqual(row["F"], float(np.mean(f)))
            p, n = int(self.pred[e].astype(bool).sum()), int(self.neg[e].astype(bool).sum())
            self.assertEqual((row["positive_pixels"], row["negative_pixels"]), (p, n))
            self.assertEqual(row["R"], 1 - n / p)
            js.append(np.mean(j)), fs.append(np.mean(f))
            pos, negs = pos + p, negs + n
        self.assertAlmostEqual(res["J"], float(np.mean(js)), places=15)
        self.assertAlmostEqual(res["F"], float(np.mean(fs)), places=15)
        self.assertEqual(res["J&F"], (res["J"] + res["F"]) / 2)
        self.assertEqual(res["R"], 1 - negs / pos)
        self.assertAlmostEqual(res["J&F&R"], (res["J"] + res["F"] + res["R"]) / 3, places=15)
        self.assertEqual(res["counts"]["expressions"], 6)
        self.assertEqual([v["video"] for v in res["per_video"]], ["v0", "v1", "v2"])
        self.assertTrue(res["complete"])

    def test_stacks_equal_frames_and_names_equal_indexes(self):
        by_frame = r2bench.Evaluator.from_expressions(self.expressions)
        self.feed_frames(by_frame)
        by_stack = r2bench.Evaluator.from_expressions(self.expressions)
        for e, ex in enumerate(by_stack.expressions):
            by_stack.process((ex["video"], ex["exp_id"]), "positive", None, self.gt[e], self.pred[e])
            for t, name in enumerate(ex["negative_frames"]):
                by_stack.process(e, "negative", name, None, self.neg[e][t])
        self.assertEqual(plain(by_stack.evaluate()), plain(by_frame.evaluate()))

    def test_four_threads_equal_one(self):
        one = r2bench.Evaluator.from_expressions(self.expressions)
        self.feed_frames(one)
        expected = plain(one.evaluate())
        for _ in range(3):
            shared = r2bench.Evaluator.from_expressions(self.expressions)
            n = len(self.expressions)
            # Each thread takes every 4th expression, in reverse; some frames are sent twice.
            threads = [threading.Thread(target=self.feed_frames, args=(shared, list(range(n))[k::4][::-1]))
                       for k in range(4)]
            threads.append(threading.Thread(target=self.feed_frames, args=(shared, [0, 1])))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(plain(shared.evaluate()), expected)

    def test_reset_forgets_every_frame(self):
        ev = r2bench.Evaluator.from_expressions(self.expressions)
        self.feed_frames(ev)
        first = plain(ev.evaluate())
        ev.reset()
        with self.assertRaisesRegex(r2bench.Error, "evaluator: frame 00000 of video v0/0 was not processed"):
            ev.evaluate()
        self.feed_frames(ev)
        self.assertEqual(plain(ev.evaluate()), first)

    def test_missing_predictions(self):
        ev = r2bench.Evaluator.from_expressions(self.expressions)
        self.feed_frames(ev)
        ev.process(0, "positive", 0, self.gt[0][0], None)  # scored as an empty mask
        ev.process(1, "negative", 1, None, None)  # withholds R
        res = ev.evaluate()
        self.assertEqual(res["per_expression"][0]["J_per_frame"][0], 0.0)
        self.assertEqual(res["counts"]["missing_positive_frames"], 1)
        self.assertEqual(res["counts"]["missing_negative_frames"], 1)
        self.assertIsNone(res["R"])
        self.assertIsNone(res["J&F&R"])
        self.assertIsNone(res["per_expression"][1]["R"])
        self.assertFalse(res["complete"])

    def test_without_pairs_and_without_ground_truth(self):
        plain_expressions = [{k: v for k, v in e.items() if not k.startswith("negative")} for e in self.expressions]
        ev = r2bench.Evaluator.from_expressions(plain_expressions)
        for e in range(len(self.expressions)):
            ev.process(e, "positive", None, self.gt[e], self.pred[e])
        res = ev.evaluate()
        self.assertIsNone(res["R"])
        self.assertIsNotNone(res["J"])
        self.assertIn("no pairs given (--pairs): R and J&F&R were not computed", res["notes"])
        ev = r2bench.Evaluator.from_expressions(self.expressions, has_gt=False)
        for e in range(len(self.expressions)):
            ev.process(e, "positive", None, None, self.pred[e])
            ev.process(e, "negative", None, None, self.neg[e])
        res = ev.evaluate()
        self.assertIsNone(res["J"])
        self.assertIsNotNone(res["R"])


class Errors(unittest.TestCase):
    def setUp(self):
        self.expressions, self.gt, self.pred, self.neg = benchmark(videos=2, frames=2, expressions_per_video=1)
        self.ev = r2bench.Evaluator.from_expressions(self.expressions)

    def test_shape_mismatch(self):
        with self.assertRaisesRegex(ValueError, "pred: shape 36x53 differs from gt's 37x53"):
            self.ev.process(0, "positive", 0, self.gt[0][0], self.pred[0][0][1:])

    def test_stack_of_the_wrong_length(self):
        with self.assertRaisesRegex(ValueError, "pred: 1 frames given, v0/0 has 2 on its positive video"):
            self.ev.process(0, "positive", None, self.gt[0][:1], self.pred[0][:1])

    def test_unknown_names(self):
        with self.assertRaises(IndexError):
            self.ev.process(5, "positive", 0, self.gt[0][0], self.pred[0][0])
        with self.assertRaisesRegex(KeyError, "no expression 9 of video v0"):
            self.ev.process(("v0", "9"), "positive", 0, self.gt[0][0], self.pred[0][0])
        with self.assertRaisesRegex(KeyError, "00003 is not a frame of v0"):
            self.ev.process(0, "positive", "00003", self.gt[0][0], self.pred[0][0])
        with self.assertRaisesRegex(ValueError, "side: "):
            self.ev.process(0, "sideways", 0, self.gt[0][0], self.pred[0][0])

    def test_ground_truth_is_needed_on_positive_frames_only(self):
        with self.assertRaisesRegex(ValueError, "gt: a positive frame needs its ground-truth mask"):
            self.ev.process(0, "positive", 0, None, self.pred[0][0])
        with self.assertRaisesRegex(ValueError, "gt: a negative frame has no ground truth"):
            self.ev.process(0, "negative", 0, self.gt[0][0], self.neg[0][0])

    def test_bad_expression_lists(self):
        with self.assertRaisesRegex(ValueError, "every expression needs 'video'"):
            r2bench.Evaluator.from_expressions([{"exp_id": "0", "frames": ["0"]}])
        mixed = [dict(self.expressions[0]), {k: v for k, v in self.expressions[1].items() if not k.startswith("negative")}]
        with self.assertRaisesRegex(ValueError, "either every expression has a negative_video"):
            r2bench.Evaluator.from_expressions(mixed)


if __name__ == "__main__":
    unittest.main()
