"""Errors are Python exceptions of the usual kinds, with the command line's messages."""
import json
import os
import pickle
import tempfile
import unittest

import r2bench


class Errors(unittest.TestCase):
    def test_kinds(self):
        self.assertTrue(issubclass(r2bench.MissingFileError, FileNotFoundError))
        self.assertTrue(issubclass(r2bench.FileError, OSError))
        self.assertTrue(issubclass(r2bench.InputError, ValueError))
        for kind in (r2bench.FileError, r2bench.MissingFileError, r2bench.InputError):
            self.assertTrue(issubclass(kind, r2bench.Error))

    def test_a_missing_file_names_itself(self):
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "nowhere", "per_frame.h5")
            with self.assertRaises(FileNotFoundError) as caught:
                r2bench.read_per_frame(missing)
            self.assertIsInstance(caught.exception, r2bench.MissingFileError)
            self.assertEqual(caught.exception.filename, missing)
            self.assertTrue(str(caught.exception).startswith(missing + ": "), str(caught.exception))

    def test_a_corrupt_file_is_a_file_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "per_frame.h5")
            with open(bad, "w") as f:
                f.write("not hdf5")
            with self.assertRaises(r2bench.FileError) as caught:
                r2bench.read_per_frame(bad)
            self.assertNotIsInstance(caught.exception, FileNotFoundError)
            self.assertEqual(caught.exception.filename, bad)
            self.assertIn(bad, str(caught.exception))

    def test_missing_prediction_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            pairs = os.path.join(tmp, "r2_pairs.json")
            with open(pairs, "w") as f:
                json.dump({}, f)
            with self.assertRaisesRegex(FileNotFoundError, "pred: prediction folder not found"):
                r2bench.evaluate(None, os.path.join(tmp, "pred"), pairs)

    def test_missing_source_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(FileNotFoundError) as caught:
                r2bench.Evaluator(source=os.path.join(tmp, "gt"))
            self.assertIn(os.path.join(tmp, "gt"), str(caught.exception))

    def test_errors_pickle(self):
        error = pickle.loads(pickle.dumps(r2bench.InputError("with the inputs: 1 problem", ["a: missing"])))
        self.assertEqual(str(error), "with the inputs: 1 problem")


if __name__ == "__main__":
    unittest.main()
