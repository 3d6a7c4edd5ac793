"""The type stubs (r2bench/__init__.pyi) describe the module as it is: every public name, and every
parameter of every function and method with its default, in order. Compared with the signatures
pybind11 writes on the first line of each docstring, and with inspect for the Python parts."""
import ast
import inspect
import os
import re
import unittest

import r2bench
import r2bench._core as core

STUB = os.path.join(os.path.dirname(__file__), "..", "r2bench", "__init__.pyi")
HELPERS = {"PathLike", "Mask"}  # type aliases of the stub, not names of the module


def stub_tree():
    with open(STUB, encoding="utf-8") as f:
        return ast.parse(f.read())


def stub_params(node):
    """[(name, default source or None)] of a def in the stub, without self."""
    args = node.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = [(a.arg, None if d is None else ast.literal_eval(d)) for a, d in zip(positional, defaults)]
    out += [(a.arg, None if d is None else ast.literal_eval(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    return [p for p in out if p[0] != "self"]


def docstring_params(function):
    """[(name, default or None)] from pybind11's 'name(self: T, a: T = default, *, b: T = d) -> R'."""
    first = function.__doc__.strip().splitlines()[0]
    inside = first[first.index("(") + 1 : first.rindex(")")]
    params, depth, current = [], 0, ""
    for c in inside + ",":
        if c == "," and depth == 0:
            params.append(current.strip())
            current = ""
            continue
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        current += c
    out = []
    for p in params:
        if not p or p == "*":
            continue
        name = re.match(r"(\w+)", p).group(1)
        default = p.split("=", 1)[1].strip() if "=" in p else None
        out.append((name, None if default is None else ast.literal_eval(default)))
    return [p for p in out if p[0] != "self"]


class StubTest(unittest.TestCase):
    def test_public_names(self):
        tree = stub_tree()
        names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        names |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
        names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets}
        self.assertEqual(names - HELPERS, set(r2bench.__all__))
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(STUB), "py.typed")))

    def test_function_parameters(self):
        tree = stub_tree()
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        for name in ("evaluate", "build_dataset", "read_per_frame"):
            with self.subTest(name=name):
                self.assertEqual(stub_params(functions[name]), docstring_params(getattr(core, name)))
        python_side = [(p.name, None if p.default is inspect.Parameter.empty else p.default)
                       for p in inspect.signature(r2bench.frame_metrics).parameters.values()]
        self.assertEqual(stub_params(functions["frame_metrics"]), python_side)

    def test_evaluator_methods(self):
        tree = stub_tree()
        evaluator = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Evaluator")
        methods = {n.name: n for n in evaluator.body if isinstance(n, ast.FunctionDef)}
        public = {n for n in dir(core.Evaluator) if not n.startswith("_")} | {"__init__", "__len__"}
        self.assertEqual(set(methods), public)
        for name, node in methods.items():
            if name == "expressions":  # a property
                continue
            with self.subTest(method=name):
                self.assertEqual(stub_params(node), docstring_params(getattr(core.Evaluator, name)))

    def test_side_members(self):
        tree = stub_tree()
        side = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Side")
        members = {t.id for n in side.body if isinstance(n, ast.Assign) for t in n.targets}
        self.assertEqual(members, set(core.Side.__members__))


if __name__ == "__main__":
    unittest.main()
