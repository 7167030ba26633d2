"""Checks a Python CDK example against the Python bindings jsii-pacmak generated.

Usage: python3 python-example-check.py <example.py> <generated module's __init__.py>

Prints JSON: {"checked": [...], "problems": [...]}. Every name the example imports from the
module must be a class it defines, every `Enum.MEMBER` must exist, and every keyword of a call
to a class of the module (or of a method called on an instance of one) must be a parameter of
that constructor or method. Only the standard library: the jsii runtime is not needed.
"""
from __future__ import annotations

import ast
import json
import sys


def parameters(function: ast.FunctionDef) -> set[str]:
    arguments = function.args
    return {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs} - {"self"}


def main(example_path: str, module_path: str) -> None:
    module = ast.parse(open(module_path, encoding="utf-8").read())
    classes = {node.name: node for node in module.body if isinstance(node, ast.ClassDef)}
    module_name = module_path.replace("\\", "/").split("/")[-2]

    example = ast.parse(open(example_path, encoding="utf-8").read())
    imported: dict[str, str] = {}
    problems: list[str] = []
    checked: list[str] = []
    for node in ast.walk(example):
        if isinstance(node, ast.ImportFrom) and node.module == module_name:
            for alias in node.names:
                if alias.name in classes:
                    imported[alias.asname or alias.name] = alias.name
                else:
                    problems.append(f"{module_name} has no {alias.name}")

    def methods(class_name: str) -> dict[str, ast.FunctionDef]:
        body = classes[class_name].body
        return {item.name: item for item in body if isinstance(item, ast.FunctionDef)}

    def check_call(call: ast.Call, label: str, function: ast.FunctionDef | None) -> None:
        if function is None:
            problems.append(f"{label} does not exist")
            return
        accepted = parameters(function)
        for keyword in call.keywords:
            if keyword.arg not in accepted:
                problems.append(f"{label} has no parameter {keyword.arg}")
        checked.append(f"{label}({', '.join(k.arg or '**' for k in call.keywords)})")

    # Names bound to instances of the module's classes: `monitor = MaintenanceWindowMonitor(...)`.
    instances: dict[str, str] = {}
    for node in ast.walk(example):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id in imported
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    instances[target.id] = imported[node.value.func.id]

    for node in ast.walk(example):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported:
            name = imported[node.func.id]
            check_call(node, name, methods(name).get("__init__"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in instances
        ):
            name = instances[node.func.value.id]
            check_call(node, f"{name}.{node.func.attr}", methods(name).get(node.func.attr))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
        ):
            name = imported[node.value.id]
            members = {
                target.id
                for item in classes[name].body
                if isinstance(item, ast.Assign)
                for target in item.targets
                if isinstance(target, ast.Name)
            } | set(methods(name))
            if node.attr not in members:
                problems.append(f"{name} has no member {node.attr}")
            checked.append(f"{name}.{node.attr}")

    print(json.dumps({"checked": checked, "problems": problems}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
