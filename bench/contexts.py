"""Where the quality corpus plants a credential: small files as they look in real projects.

A line template holds markers: @VAR@ (the variable, as written: GITHUB_TOKEN), @SNAKE@ (github_token),
@CAMEL@ (githubToken), @QUOTED@ (the value as a JSON/Python string literal), @VALUE@ (the raw value),
@B64@ (base64 of the value), @AUTH@ (base64 of "ci-bot:" + value, a Docker `auth`). The planted line is
the one holding the value marker.
"""

from __future__ import annotations

import base64
import json

from corpus_tokens import Format

LINE_TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "python": (
        "settings.py",
        ("import os", "", "DEBUG = False", "@VAR@ = @QUOTED@", "", "def main():", "    pass"),
    ),
    "js": ("config.js", ("'use strict';", "const region = 'eu-west-1';", "const @CAMEL@ = @QUOTED@;", "")),
    "go": (
        "config.go",
        ("package config", "", "func Load() string {", "\t@CAMEL@ := @QUOTED@", "\treturn @CAMEL@", "}"),
    ),
    "env": (".env", ("# service settings", "PORT=8080", "@VAR@=@VALUE@", "LOG_LEVEL=info")),
    "yaml": (
        "config.yaml",
        ("service:", "  name: orders", "  credentials:", "    @SNAKE@: @QUOTED@", "  replicas: 2"),
    ),
    "json": (
        "config.json",
        ("{", '  "service": "orders",', '  "@CAMEL@": @QUOTED@,', '  "region": "eu-west-1"', "}"),
    ),
    "url": (
        "clone.py",
        (
            "import subprocess",
            'REPO = "https://ci:@VALUE@@git.acme.io/acme/app.git"',
            "subprocess.run(['git', 'clone', REPO])",
        ),
    ),
    "k8s-secret": (
        "secret.yaml",
        (
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: app",
            "type: Opaque",
            "data:",
            "  @VAR@: @B64@",
        ),
    ),
    "docker-auths": (
        "docker-config.json",
        ("{", '  "auths": {', '    "registry.acme.io": {', '      "auth": "@AUTH@"', "    }", "  }", "}"),
    ),
}
VALUE_MARKERS = ("@QUOTED@", "@VALUE@", "@B64@", "@AUTH@")
CONTEXTS_LINE = ("python", "js", "go", "env", "yaml", "json", "notebook-source", "notebook-output")
CONTEXTS_BARE = ("url", "k8s-secret", "docker-auths")
CONTEXTS_BLOCK = ("pem-file", "yaml-block", "json-escaped", "python-string")

Rendered = tuple[str, list[str], int, int]  # file name, lines, first and last planted line (0-based)


def camel(var: str) -> str:
    head, *rest = var.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def line_context(context: str, var: str, value: str) -> Rendered:
    filename, template = LINE_TEMPLATES[context]
    marks = {
        "@VAR@": var,
        "@SNAKE@": var.lower(),
        "@CAMEL@": camel(var),
        "@QUOTED@": json.dumps(value),
        "@B64@": _b64(value),
        "@AUTH@": _b64("ci-bot:" + value),
    }
    lines = []
    for line in template:
        for mark, text in marks.items():
            line = line.replace(mark, text)
        lines.append(line.replace("@VALUE@", value))  # last: a value may hold an @
    at = next(i for i, line in enumerate(template) if any(m in line for m in VALUE_MARKERS))
    return filename, lines, at, at


def notebook(context: str, var: str, value: str) -> Rendered:
    """A notebook as Jupyter writes it (indent 1); the planted line is the JSON line holding the value."""
    cell: dict[str, object] = {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": []}
    cell["source"] = ["import os\n", f"{var} = {json.dumps(value)}\n", "client = connect()"]
    if context == "notebook-output":
        cell["source"] = ["print(settings)"]
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": [f"{var}={value}\n", "ok\n"]}]
    document = {
        "cells": [cell],
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    lines = json.dumps(document, indent=1).splitlines()
    escaped = json.dumps(value)[1:-1]
    at = next(i for i, line in enumerate(lines) if escaped in line)
    return "analysis.ipynb", lines, at, at


def block_context(context: str, var: str, value: str) -> Rendered:
    body = value.splitlines()
    if context == "pem-file":
        return "server.pem", body, 0, len(body) - 1
    if context == "yaml-block":
        lines = ["tls:", f"  {var.lower()}: |", *("    " + line for line in body), "  enabled: true"]
        return "values.yaml", lines, 2, len(body) + 1
    if context == "json-escaped":  # a service-account JSON: the key's newlines are \n escapes
        lines = [
            "{",
            '  "type": "service_account",',
            '  "project_id": "acme-prod",',
            f'  "private_key": {json.dumps(value + chr(10))},',
            '  "client_email": "ci@acme-prod.iam.gserviceaccount.com"',
            "}",
        ]
        return "service-account.json", lines, 3, 3
    if context == "python-string":
        return "keys.py", [f'{var} = """{body[0]}', *body[1:], '"""'], 0, len(body) - 1
    raise ValueError(context)


def render(fmt: Format, value: str, context: str) -> Rendered:
    if fmt.multiline:
        return block_context(context, fmt.var, value)
    if context.startswith("notebook"):
        return notebook(context, fmt.var, value)
    return line_context(context, fmt.var, value)


def contexts_for(fmt: Format) -> tuple[str, ...]:
    """Key blocks go in block contexts; self-identifying formats also in encoded ones and URLs."""
    if fmt.multiline:
        return CONTEXTS_BLOCK
    return CONTEXTS_LINE + (CONTEXTS_BARE if fmt.bare and not fmt.url else ())
