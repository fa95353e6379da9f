"""Reference pages generated from the code, so that they cannot drift from it.

At the start of every build this extension writes Markdown files into ``docs/_generated/``
(git-ignored), which the reference pages include:

- ``settings.md``: every setting of every settings object in a ``conf.py`` of the package
  (``django_authsession/conf.py``, and a subpackage's ``django_authsession/<app>/conf.py``):
  name, type, default and the property's docstring. See :func:`settings_objects`.
- ``checks.md``: every system check id, from the ``CATALOGUE`` of every ``checks.py`` of the
  package. See :func:`check_catalogue`.
- ``endpoints.md``: every operation of the OpenAPI schema (``django_authsession/openapi.py``),
  with its summary, description, request fields, example bodies and error codes.
- ``commands.md``: every management command of the package, with its ``--help``.

``tests/test_docs.py`` imports these functions to fail when a setting has no docstring, a check
id has no catalogue entry, or a URL pattern has no documented operation.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import io
import json
import os
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = "django_authsession"
DOCS = Path(__file__).resolve().parent.parent
GENERATED = DOCS / "_generated"
CHECK_ID = re.compile(rf"\b{PACKAGE}\.[EW]\d{{3}}\b")


# -- Walking the package ------------------------------------------------------------------------


def package_modules(leaf: str) -> Iterator[Any]:
    """Every module of the package whose last dotted component is ``leaf`` (``"conf"``,
    ``"checks"``), the package's own first, then its subpackages' in name order."""
    root = importlib.import_module(PACKAGE)
    names = [f"{PACKAGE}.{leaf}"] if _exists(f"{PACKAGE}.{leaf}") else []
    for info in pkgutil.walk_packages(root.__path__, f"{PACKAGE}."):
        if ".migrations" in info.name or ".tests" in info.name:
            continue
        if info.name.rsplit(".", 1)[-1] == leaf and info.name not in names:
            names.append(info.name)
    for name in names:
        yield importlib.import_module(name)


def _exists(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def package_source_files() -> list[Path]:
    root = Path(importlib.import_module(PACKAGE).__file__ or "").parent
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


# -- Settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingDoc:
    name: str  # the Django setting, e.g. AUTHSESSION_EXPIRES_IN
    type: str  # the property's return annotation
    default: str  # repr of the default passed to _get
    doc: str  # the property's docstring, cleaned ("" when it has none)
    owner: str  # module.Class.property, for error messages


def _is_setting(attr: Any) -> bool:
    """A ``conf.setting`` descriptor, or one built the same way (``compute`` + ``__get__``)."""
    return callable(getattr(attr, "compute", None)) and hasattr(attr, "__get__")


def settings_objects() -> list[tuple[str, Any]]:
    """``(module name, object)`` for each settings object found at module level of a ``conf.py``
    in the package: an instance of a class with ``@setting`` properties and a
    ``_get(name, default)`` method (``django_authsession.conf.AppSettings`` or a subclass)."""
    found: list[tuple[str, Any]] = []
    for module in package_modules("conf"):
        for value in vars(module).values():
            if isinstance(value, type) or not hasattr(type(value), "_get"):
                continue
            if any(_is_setting(a) for a in vars(type(value)).values()) or any(
                _is_setting(a) for klass in type(value).__mro__ for a in vars(klass).values()
            ):
                found.append((module.__name__, value))
    return found


def _descriptors(cls: type) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        for name, attr in vars(klass).items():
            if _is_setting(attr):
                result[name] = attr
    return result


def _recorded_reads(obj: Any, descriptor: Any) -> dict[str, Any]:
    """The ``_get(name, default)`` calls one property makes, on a fresh instance whose ``_get``
    answers every default (Django's settings are not read)."""
    cls = type(obj)
    probe = cls.__new__(cls)
    vars(probe).update(vars(obj))
    probe._values = {}
    reads: dict[str, Any] = {}

    def _get(name: str, default: Any) -> Any:
        reads.setdefault(name, default)
        return default

    probe._get = _get
    descriptor.compute(probe)
    return reads


def setting_docs(objects: list[tuple[str, Any]] | None = None) -> list[SettingDoc]:
    """One entry per Django setting read by a settings object. A property whose reads are all
    made by a more direct property too (a derived value) adds no entry of its own; a setting
    read by several properties is described by the one that reads the fewest."""
    docs: list[SettingDoc] = []
    for module_name, obj in settings_objects() if objects is None else objects:
        cls = type(obj)
        prefix = str(getattr(obj, "prefix", "AUTHSESSION_"))
        descriptors = _descriptors(cls)
        reads = {name: _recorded_reads(obj, d) for name, d in descriptors.items()}
        for prop, descriptor in descriptors.items():
            for setting, default in reads[prop].items():
                owner = min(
                    (p for p in descriptors if setting in reads[p]),
                    key=lambda p: (len(reads[p]), p != setting),
                )
                if owner != prop:
                    continue
                annotation = inspect.get_annotations(descriptor.compute).get("return", "")
                docs.append(
                    SettingDoc(
                        name=f"{prefix}{setting}",
                        type=str(annotation)
                        if not isinstance(annotation, type)
                        else annotation.__name__,
                        default=repr(default),
                        doc=inspect.cleandoc(descriptor.__doc__ or ""),
                        owner=f"{module_name}.{cls.__name__}.{prop}",
                    )
                )
    return docs


def undocumented_settings(objects: list[tuple[str, Any]] | None = None) -> list[str]:
    """Every ``@setting`` property without a docstring, as ``module.Class.property``."""
    missing = []
    for module_name, obj in settings_objects() if objects is None else objects:
        for prop, descriptor in _descriptors(type(obj)).items():
            if not (descriptor.__doc__ or "").strip():
                missing.append(f"{module_name}.{type(obj).__name__}.{prop}")
    return missing


def _paragraphs(text: str) -> str:
    """A docstring's reST double backticks as Markdown code spans, lines joined."""
    text = re.sub(r"``(.+?)``", r"`\1`", text, flags=re.DOTALL)
    text = re.sub(r":\w+:`~?(.+?)`", r"`\1`", text)
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


def _anchor(heading: str) -> str:
    """The anchor MyST gives a heading (GitHub's rule, ``myst_heading_anchors``)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def settings_markdown() -> str:
    out = io.StringIO()
    docs = sorted(setting_docs(), key=lambda d: d.name)
    out.write("| setting | type | default |\n|---|---|---|\n")
    for doc in docs:
        out.write(f"| [{doc.name}](#{_anchor(doc.name)}) | `{doc.type}` | `{doc.default}` |\n")
    out.write("\n")
    for doc in docs:
        out.write(f"## {doc.name}\n\n")
        out.write(f"Type: `{doc.type}` · Default: `{doc.default}`")
        module = doc.owner.rsplit(".", 2)[0]
        if module != f"{PACKAGE}.conf":
            out.write(f" · Defined by `{module}`")
        out.write("\n\n")
        out.write(_paragraphs(doc.doc) + "\n\n")
    return out.getvalue()


# -- System checks ------------------------------------------------------------------------------


def check_catalogue() -> dict[str, Any]:
    """Every ``CATALOGUE`` of a ``checks.py`` in the package, merged (id -> CheckDoc)."""
    catalogue: dict[str, Any] = {}
    for module in package_modules("checks"):
        catalogue.update(getattr(module, "CATALOGUE", {}))
    return catalogue


def check_ids_in_source() -> dict[str, list[str]]:
    """Each ``django_authsession.[EW]nnn`` id in a string of the package's source, with the
    files; the keys of a ``CATALOGUE`` do not count (they document ids, they emit none)."""
    found: dict[str, list[str]] = {}
    root = Path(importlib.import_module(PACKAGE).__file__ or "").parent.parent
    for path in package_source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        catalogue_keys: set[int] = set()
        for node in ast.walk(tree):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            value = getattr(node, "value", None)
            if any(isinstance(t, ast.Name) and t.id == "CATALOGUE" for t in targets) and (
                isinstance(value, ast.Dict)
            ):
                catalogue_keys |= {id(key) for key in value.keys if key is not None}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in catalogue_keys
            ):
                for check_id in CHECK_ID.findall(node.value):
                    files = found.setdefault(check_id, [])
                    if str(path.relative_to(root)) not in files:
                        files.append(str(path.relative_to(root)))
    return found


def checks_markdown() -> str:
    out = io.StringIO()
    catalogue = check_catalogue()
    ordered = sorted(catalogue, key=lambda i: (i.rsplit(".", 1)[-1][0], i))
    out.write("| check | deploy only | what it reports |\n|---|---|---|\n")
    for check_id in ordered:
        entry = catalogue[check_id]
        first = entry.problem.split(": ")[0].split(". ")[0].rstrip(".")
        deploy = "yes" if entry.deploy else ""
        out.write(f"| [{check_id}](#{_anchor(check_id)}) | {deploy} | {_cell(first)}. |\n")
    out.write("\n")
    for check_id in ordered:
        entry = catalogue[check_id]
        level = "Error" if check_id.rsplit(".", 1)[-1].startswith("E") else "Warning"
        when = "with `check --deploy` only" if entry.deploy else "at every start-up and `check`"
        out.write(f"## {check_id}\n\n")
        out.write(f"{level}, {when}.\n\n{entry.problem}\n\n**Fix:** {entry.fix}\n\n")
    return out.getvalue()


# -- Endpoints ----------------------------------------------------------------------------------


def openapi_schema() -> dict[str, Any]:
    """The schema ``GET <mount>/openapi.json`` answers, with the paths of the settings'
    URLconf (``/api/auth/`` in the test project)."""
    from django.test import RequestFactory
    from django.urls import reverse

    from django_authsession.openapi_urls import AuthSessionSchemaView

    path = reverse("authsession_openapi:schema")
    response = AuthSessionSchemaView.as_view()(RequestFactory().get(path))
    response.render()
    schema: dict[str, Any] = json.loads(response.content)
    return schema


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _resolve(node: Any, components: dict[str, Any]) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = components["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


STRING_EXAMPLES = {
    "email": "ada@example.com",
    "date-time": "2026-11-26T18:07:10.712Z",
    "uuid": "42bcdf5b-f4a5-42fa-bc34-e61b5aec0428",
    "uri": "https://example.com/avatar.jpg",
}


def example(node: Any, components: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    """A plausible value for a JSON schema: its own example, else one built from its type."""
    node = _resolve(node, components)
    if not isinstance(node, dict) or depth > 6:
        return None
    for key in ("example", "default", "const"):
        if key in node:
            return node[key]
    if "enum" in node:
        return next((v for v in node["enum"] if v is not None), None)
    for key in ("oneOf", "anyOf", "allOf"):
        if key in node:
            options = [_resolve(o, components) for o in node[key]]
            options = [o for o in options if o.get("type") != "null"] or options
            if key == "allOf":
                merged: dict[str, Any] = {}
                for option in options:
                    value = example(option, components, name, depth + 1)
                    if isinstance(value, dict):
                        merged.update(value)
                return merged
            return example(options[0], components, name, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in node:
        return {
            key: example(value, components, key, depth + 1)
            for key, value in node.get("properties", {}).items()
        }
    if kind == "array":
        return [example(node.get("items", {}), components, name, depth + 1)]
    if kind == "string":
        if node.get("format") in STRING_EXAMPLES:
            return STRING_EXAMPLES[node["format"]]
        if "password" in name.lower():
            return "correct horse battery staple"
        if name == "token":
            return "YXoDvCKpbBxZA6wkyg7Kt8WlWHkPboBJ"
        return "string"
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return 0
    return None


def _type_name(node: Any, components: dict[str, Any]) -> str:
    node = _resolve(node, components)
    if not isinstance(node, dict):
        return ""
    kind = node.get("type", "")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if "oneOf" in node or "anyOf" in node:
        return " or ".join(_type_name(o, components) for o in node.get("oneOf", node.get("anyOf")))
    fmt = node.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind or "object")


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _json_block(value: Any) -> str:
    return "```json\n" + json.dumps(value, indent=2) + "\n```\n\n"


def endpoints_markdown(schema: dict[str, Any] | None = None) -> str:
    schema = schema or openapi_schema()
    components = schema.get("components", {})
    out = io.StringIO()
    out.write("| operation | summary |\n|---|---|\n")
    for path, method, op in operations(schema):
        label = endpoint_label(method, path)
        summary = _cell(op.get("summary", ""))
        out.write(f"| {{ref}}`{method.upper()} {path} <{label}>` | {summary} |\n")
    out.write("\n")
    for path, method, op in operations(schema):
        out.write(f"({endpoint_label(method, path)})=\n### {method.upper()} {path}\n\n")
        tags = ", ".join(op.get("tags", []))
        out.write(f"**{op.get('summary', '')}** (operation `{op['operationId']}`; {tags})\n\n")
        out.write(op.get("description", "") + "\n\n")
        needs_session = all(s for s in op.get("security", [{}]))
        out.write(
            "Needs a session (the session cookie).\n\n"
            if needs_session
            else "Works with or without a session.\n\n"
        )
        params = [p for p in op.get("parameters", []) if p.get("in") == "query"]
        if params:
            out.write("Query parameters:\n\n| name | description |\n|---|---|\n")
            for p in params:
                out.write(f"| `{p['name']}` | {_cell(p.get('description', ''))} |\n")
            out.write("\n")
        body = op.get("requestBody", {}).get("content", {})
        if body:
            media = "application/json" if "application/json" in body else next(iter(body))
            body_schema = _resolve(body[media]["schema"], components)
            out.write(f"Request body ({', '.join(f'`{m}`' for m in body)}):\n\n")
            props = body_schema.get("properties", {})
            if props:
                required = set(body_schema.get("required", []))
                out.write("| field | type | required | description |\n|---|---|---|---|\n")
                for key, value in props.items():
                    resolved = _resolve(value, components)
                    out.write(
                        f"| `{key}` | {_cell(_type_name(value, components))} | "
                        f"{'yes' if key in required else 'no'} | "
                        f"{_cell(resolved.get('description', ''))} |\n"
                    )
                out.write("\n")
            out.write(_json_block(example(body_schema, components)))
        for status, answer in op.get("responses", {}).items():
            content = answer.get("content", {}).get("application/json", {})
            if status == "200":
                out.write("Answer `200`:\n\n")
                if content:
                    out.write(_json_block(example(content["schema"], components)))
                continue
        errors = [(s, a) for s, a in op.get("responses", {}).items() if s != "200"]
        if errors:
            out.write("Errors (see [error codes](errors.md)):\n\n| status | codes |\n|---|---|\n")
            for status, answer in errors:
                codes = _codes(answer, components)
                listed = ", ".join(f"`{c}`" for c in codes) or _cell(answer.get("description", ""))
                out.write(f"| {status} | {listed} |\n")
            out.write("\n")
    return out.getvalue()


def endpoint_label(method: str, path: str) -> str:
    """The Sphinx label of an operation's section: ``endpoint-post-api-auth-sign-in-email``."""
    return "endpoint-" + re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-")


def _codes(answer: dict[str, Any], components: dict[str, Any]) -> list[str]:
    content = answer.get("content", {}).get("application/json", {})
    body = _resolve(content.get("schema", {}), components)
    code = _resolve(body.get("properties", {}).get("code", {}), components)
    return [str(c) for c in code.get("enum", [])]


def error_codes_in_schema(schema: dict[str, Any] | None = None) -> set[str]:
    schema = schema or openapi_schema()
    components = schema.get("components", {})
    return {
        code
        for _, _, op in operations(schema)
        for status, answer in op.get("responses", {}).items()
        if status != "200"
        for code in _codes(answer, components)
    }


def url_patterns_of_package() -> list[tuple[str, Any]]:
    """``(OpenAPI path, pattern)`` for every URL pattern of the root URLconf whose view is
    defined in the package, except the schema's own view."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None) or getattr(
                    pattern.callback, "cls", pattern.callback
                )
                module = getattr(view, "__module__", "")
                if module.startswith(PACKAGE) and module != f"{PACKAGE}.openapi_urls":
                    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + route)
                    found.append((path, pattern))

    walk(get_resolver().url_patterns, "")
    return found


# -- Management commands ------------------------------------------------------------------------


def commands_markdown() -> str:
    from django.core.management import load_command_class

    out = io.StringIO()
    root = importlib.import_module(PACKAGE)
    for info in pkgutil.walk_packages(root.__path__, f"{PACKAGE}."):
        parent, _, name = info.name.rpartition(".")
        if not parent.endswith(".management.commands"):
            continue
        app = parent.removesuffix(".management.commands")
        command = load_command_class(app, name)
        previous = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "96"
        try:
            usage = command.create_parser("manage.py", name).format_help()
        finally:
            if previous is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = previous
        out.write(f"## {name}\n\n")
        module_doc = inspect.getdoc(importlib.import_module(info.name)) or ""
        if module_doc:
            out.write(_paragraphs(module_doc) + "\n\n")
        out.write("```text\n" + usage.rstrip() + "\n```\n\n")
    return out.getvalue()


# -- Sphinx -------------------------------------------------------------------------------------


def write_generated() -> None:
    GENERATED.mkdir(exist_ok=True)
    pages = {
        "settings.md": settings_markdown(),
        "checks.md": checks_markdown(),
        "endpoints.md": endpoints_markdown(),
        "commands.md": commands_markdown(),
    }
    for name, text in pages.items():
        target = GENERATED / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def _builder_inited(app: Any) -> None:
    write_generated()


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _builder_inited)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
