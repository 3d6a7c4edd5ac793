"""The module against the command line on the same files: a synthetic benchmark (`r2bench synth`),
its pairs (build_dataset against `build-dataset`), predictions written as PNGs and kept as arrays;
then evaluate / Evaluator / frame_metrics / read_per_frame against `r2bench eval`'s summary.json
and per_frame.h5, to the last bit."""
import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

import r2bench
from png_io import png_size, read_label_png, write_mask_png

BINARY = os.environ.get("R2BENCH_BINARY", "")
README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def readme_python_example():
    """The first ```python block of README.md's section on the module."""
    with open(README) as f:
        text = f.read()
    section = text[text.index("### Python: `import r2bench`"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def cli(*args):
    return subprocess.run([BINARY, *args, "--quiet"], check=True, capture_output=True, text=True)


def prediction(rng, gt_object):
    """A plausible prediction: the object shifted and with flipped pixels, now and then empty."""
    if rng.random_sample() < 0.1:
        return np.zeros_like(gt_object, np.uint8)
    shifted = np.roll(gt_object, (rng.randint(-3, 4), rng.randint(-3, 4)), axis=(0, 1))
    return (shifted ^ (rng.random_sample(gt_object.shape) < 0.05)).astype(np.uint8) * 255


def false_alarm(rng, shape):
    """A prediction on the negative video: empty or a small blob."""
    mask = np.zeros(shape, np.uint8)
    if rng.random_sample() < 0.5:
        y, x = rng.randint(0, shape[0] - 8), rng.randint(0, shape[1] - 8)
        mask[y:y + rng.randint(1, 8), x:x + rng.randint(1, 8)] = 1
    return mask


@unittest.skipUnless(os.path.isfile(BINARY), "R2BENCH_BINARY (build/r2bench) not set")
class AgainstTheCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="r2bench-python-")
        w = lambda *p: os.path.join(cls.work, *p)
        cls.synth, cls.r2, cls.pred = w("synth"), w("r2"), w("pred")
        cli("synth", "--preset", "tiny", "--seed", "0", "--out", cls.synth)
        cls.built = r2bench.build_dataset(cls.synth, cls.r2, seed=0)
        cli("build-dataset", "--source", cls.synth, "--seed", "0", "--out", w("r2-cli"))
        cls.pairs = os.path.join(cls.r2, "r2_pairs.json")

        # Predictions, as PNG files for the CLI and as arrays for the module.
        cls.expressions = r2bench.Evaluator(cls.synth, cls.pairs).expressions
        cls.gt_dir = os.path.join(cls.synth, "valid", "Annotations")
        if not os.path.isdir(cls.gt_dir):
            cls.gt_dir = os.path.join(cls.synth, "Annotations")
        rng = np.random.RandomState(5)
        cls.gt_objects, cls.positives, cls.negatives = [], [], []
        for e in cls.expressions:
            objects, pos, neg = [], [], []
            for frame in e["frames"]:
                labels = read_label_png(os.path.join(cls.gt_dir, e["video"], frame + ".png"))
                objects.append(labels == int(e["obj_id"]))
                pos.append(prediction(rng, objects[-1]))
                folder = os.path.join(cls.pred, "Annotations", e["video"], e["exp_id"])
                os.makedirs(folder, exist_ok=True)
                write_mask_png(os.path.join(folder, frame + ".png"), pos[-1])
            for frame in e["negative_frames"]:
                neg.append(false_alarm(rng, png_size(os.path.join(cls.gt_dir, e["negative_video"], frame + ".png"))))
                folder = os.path.join(cls.pred, "Negatives", e["negative_video"], e["exp_id"])
                os.makedirs(folder, exist_ok=True)
                write_mask_png(os.path.join(folder, frame + ".png"), neg[-1])
            cls.gt_objects.append(np.stack(objects)), cls.positives.append(np.stack(pos)), cls.negatives.append(np.stack(neg))

        cli("eval", "--pred", cls.pred, "--source", cls.synth, "--pairs", cls.pairs, "--out", w("eval-cli"))
        with open(w("eval-cli", "summary.json")) as f:
            cls.summary = json.load(f)
        cls.per_frame = r2bench.read_per_frame(w("eval-cli", "per_frame.h5"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def assert_cli_metrics(self, res):
        m = self.summary["metrics"]
        self.assertEqual([res[k] for k in ("J", "F", "J&F", "R", "J&F&R")], [m[k] for k in ("J", "F", "J&F", "R", "J&F&R")])
        self.assertIsNotNone(m["R"])
        self.assertEqual((res["J_recall"], res["J_decay"]), (self.summary["J"]["recall"], self.summary["J"]["decay"]))
        self.assertEqual(res["counts"], self.summary["counts"])
        # Every positive frame's J and F, in per_frame.h5's order (expression by expression).
        j = np.concatenate([row["J_per_frame"] for row in res["per_expression"]])
        f = np.concatenate([row["F_per_frame"] for row in res["per_expression"]])
        self.assertEqual(j.tolist(), self.per_frame["positive"]["J"].tolist())
        self.assertEqual(f.tolist(), self.per_frame["positive"]["F"].tolist())
        neg = np.concatenate([row["negative_pixels_per_frame"] for row in res["per_expression"]])
        self.assertEqual(neg.tolist(), self.per_frame["negative"]["pixels"].tolist())

    def test_build_dataset_writes_the_cli_bytes(self):
        for name in ("r2_pairs.json", "r2_stats.json", "meta_expressions.json"):
            with open(os.path.join(self.r2, name), "rb") as a, open(os.path.join(self.work, "r2-cli", name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        self.assertEqual(self.built["expressions"], len(self.expressions))
        self.assertEqual(self.built["pairs_file"], self.pairs)

    def test_evaluate_gives_the_cli_summary(self):
        res = r2bench.evaluate(self.synth, self.pred, self.pairs)
        self.assertEqual(res["summary"], self.summary)
        self.assert_cli_metrics(res)
        with open(os.path.join(self.work, "eval-cli", "per_expression.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), len(res["per_expression"]))
        for row, mine in zip(rows, res["per_expression"]):
            self.assertEqual((row["video"], row["exp_id"]), (mine["video"], mine["exp_id"]))
            for key in ("J", "F", "J&F", "R", "J_recall", "F_decay"):
                self.assertEqual(row[key], f"{mine[key]:.6f}", key)

    def test_evaluate_writes_the_cli_files(self):
        out = os.path.join(self.work, "eval-module")
        r2bench.evaluate(self.synth, self.pred, self.pairs, out=out)
        for name in ("summary.json", "per_expression.csv", "per_video.csv", "per_frame.h5"):
            with open(os.path.join(out, name), "rb") as a, open(os.path.join(self.work, "eval-cli", name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)

    def test_evaluator_reading_the_ground_truth(self):
        ev = r2bench.Evaluator(self.synth, self.pairs)
        for i in range(len(ev)):
            ev.process(i, "positive", None, None, self.positives[i])
            ev.process(i, "negative", None, None, self.negatives[i])
        self.assert_cli_metrics(ev.evaluate())

    def test_evaluator_given_the_ground_truth(self):
        ev = r2bench.Evaluator(source=self.synth, pairs=self.pairs)
        for i, e in enumerate(ev.expressions):
            for t, frame in enumerate(e["frames"]):
                ev.process(i, r2bench.Side.positive, frame, self.gt_objects[i][t], self.positives[i][t] > 0)
            for t in range(len(e["negative_frames"])):
                ev.process(i, r2bench.Side.negative, t, None, self.negatives[i][t])
        self.assert_cli_metrics(ev.evaluate())

    def test_frame_metrics_equal_per_frame_h5(self):
        j, f = zip(*(r2bench.frame_metrics(g, p) for g, p in zip(self.gt_objects, self.positives)))
        self.assertEqual(np.concatenate(j).tolist(), self.per_frame["positive"]["J"].tolist())
        self.assertEqual(np.concatenate(f).tolist(), self.per_frame["positive"]["F"].tolist())

    def test_read_per_frame(self):
        t = self.per_frame
        self.assertTrue(t["has_gt"] and t["has_pairs"])
        self.assertEqual(t["expressions"]["video"], [e["video"] for e in self.expressions])
        self.assertEqual(len(t["positive"]["J"]), self.summary["counts"]["positive_frames"])
        self.assertEqual(t["positive"]["expression"].dtype, np.int32)
        self.assertEqual(t["positive"]["frame"][:len(self.expressions[0]["frames"])], self.expressions[0]["frames"])
        self.assertEqual(int(t["positive"]["pixels"].sum()), self.summary["pixels"]["positive"])

    def test_inputs_problems_are_listed(self):
        broken = os.path.join(self.work, "pred-broken")
        shutil.copytree(self.pred, broken)
        e = self.expressions[0]
        os.remove(os.path.join(broken, "Annotations", e["video"], e["exp_id"], e["frames"][1] + ".png"))
        with self.assertRaises(r2bench.InputError) as caught:
            r2bench.evaluate(self.synth, broken, self.pairs)
        problem = f"Annotations/{e['video']}/{e['exp_id']}/{e['frames'][1]}.png: missing prediction"
        self.assertEqual(caught.exception.problems, [problem])
        self.assertIsInstance(caught.exception, ValueError)
        cli_run = subprocess.run([BINARY, "eval", "--pred", broken, "--source", self.synth, "--pairs", self.pairs, "--out",
                                  os.path.join(self.work, "eval-broken"), "--quiet"], capture_output=True, text=True)
        self.assertNotEqual(cli_run.returncode, 0)
        self.assertIn(problem, cli_run.stderr)
        res = r2bench.evaluate(self.synth, broken, self.pairs, allow_missing=True)
        self.assertEqual(res["counts"]["missing_positive_frames"], 1)

    @unittest.skipUnless(importlib.util.find_spec("torch"), "python3-torch not installed")
    def test_readme_example_runs_as_typed(self):
        # Its data paths pointed at the synthetic set; `model` predicts the ground truth on positive
        # videos and nothing on negative ones, so J = F = R = 1.
        import torch
        code = readme_python_example()
        code = code.replace('"data/ref-youtube-vos"', repr(self.synth)).replace('"data/r2/r2_pairs.json"', repr(self.pairs))
        gt_dir = self.gt_dir

        def load_frames(video, frames):
            return video, frames

        def model(clip, text):
            video, frames = clip
            planes = []
            for frame in frames:
                labels = read_label_png(os.path.join(gt_dir, video, frame + ".png"))
                mine = [e for e in self.expressions if e["text"] == text and e["video"] == video]
                planes.append(labels == int(mine[0]["obj_id"]) if mine else np.zeros_like(labels, bool))
            return torch.from_numpy(np.stack(planes).astype(np.float32) * 20 - 10)

        scope = {"model": model, "load_frames": load_frames}
        exec(compile(code, "README.md", "exec"), scope)
        self.assertEqual((scope["scores"]["J"], scope["scores"]["F"], scope["scores"]["R"]), (1.0, 1.0, 1.0))


if __name__ == "__main__":
    unittest.main()
