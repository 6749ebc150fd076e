"""Task forms: a JSON Schema and its UI schema turned into fields, and posted fields back into data.

Every field is named by its JSON pointer (``/effect_goals/0/indicator``), the same path the
engine names in a validation error, so an error lands next to the field it is about. Lists
of rows (effect goals, co-financing lines) are edited with add/remove buttons that post the
form back, so they work without JavaScript.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict

from ui.i18n import pick, problem_text
from ui.paging import whole_number

ROWS = "_rows:"  # hidden inputs listing the row indices a list had when the page was drawn


@dataclass
class Field:
    kind: str  # text textarea email date number integer select radio checkbox group list row
    path: str
    label: str
    help: str = ""
    required: bool = False
    value: Any = None
    options: list[tuple[Any, str]] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)
    children: list[Field] = field(default_factory=list)  # a group's fields; a list's rows (groups)
    error: str | None = None
    description: str = ""

    @property
    def id(self) -> str:
        """A row's fieldset has an id of its own: a row of plain values shares its path with its input."""
        return field_id(self.path) + ("-row" if self.kind == "row" else "")

    @property
    def name(self) -> str:
        return self.path


def field_id(path: str) -> str:
    """The HTML id of the field at a JSON pointer: ``/grants/0/amount`` -> ``f-grants-0-amount``."""
    return "f" + path.replace("/", "-")


def _options(schema: dict) -> list[tuple[Any, str]]:
    if "oneOf" in schema:
        return [(o.get("const"), pick(o.get("title", str(o.get("const"))))) for o in schema["oneOf"]]
    return [(v, str(v)) for v in schema.get("enum", [])]


def _kind(schema: dict, ui: dict) -> str:
    widget = ui.get("ui:widget")
    if schema.get("type") == "object":
        return "group"
    if schema.get("type") == "array":
        return "list"
    if "oneOf" in schema or "enum" in schema:
        return "radio" if widget == "radio" else "select"
    if schema.get("type") == "boolean":
        return "checkbox"
    if schema.get("type") in ("number", "integer"):
        return schema["type"]
    if widget in ("textarea", "email"):
        return widget
    return {"date": "date", "email": "email"}.get(schema.get("format"), "text")


def _attrs(schema: dict, ui: dict) -> dict:
    attrs = {"minlength": schema.get("minLength"), "maxlength": schema.get("maxLength"),
             "min": schema.get("minimum", schema.get("exclusiveMinimum")), "max": schema.get("maximum"),
             "rows": ui.get("ui:options", {}).get("rows")}
    return {k: v for k, v in attrs.items() if v is not None}


def _ordered(schema: dict, ui: dict) -> list[str]:
    names = list(schema.get("properties", {}))
    order = [n for n in ui.get("ui:order", []) if n in names]
    return order + [n for n in names if n not in order]


def build(schema: dict, ui: dict | None, data: dict, errors: dict[str, str] | None = None) -> list[Field]:
    """The top-level fields of a form, filled with ``data`` and carrying ``errors`` by path."""
    return _group(schema, ui or {}, "", data or {}, errors or {}).children


def _group(schema, ui, path, data, errors) -> Field:
    group = Field("group", path, pick(schema.get("title", "")), description=pick(schema.get("description", "")),
                  error=errors.get(path))
    for name in _ordered(schema, ui):
        child = _field(schema["properties"][name], ui.get(name, {}), f"{path}/{name}",
                       (data or {}).get(name), errors, name in schema.get("required", []))
        group.children.append(child)
    return group


def _field(schema, ui, path, value, errors, required) -> Field:
    kind = _kind(schema, ui)
    if kind == "group":
        made = _group(schema, ui, path, value or {}, errors)
        made.required = required
    elif kind == "list":
        made = Field("list", path, pick(schema.get("title", "")), error=errors.get(path), required=required)
        items, item_ui = schema.get("items", {}), ui.get("items", {})
        for index, item in enumerate(value or []):
            row = _field(items, item_ui, f"{path}/{index}", item, errors, True)
            if row.kind == "group":
                row.kind = "row"
            else:  # a list of plain values: each row holds one field, which carries its own error
                row = Field("row", row.path, "", children=[row])
            made.children.append(row)
    else:
        attrs = _attrs(schema, ui)
        if ui.get("ui:after"):  # a date after a sibling field's (the page sets its minimum from it)
            attrs["data-after"] = field_id(f"{path.rsplit('/', 1)[0]}/{ui['ui:after']}")
        made = Field(kind, path, pick(schema.get("title", path.rsplit("/", 1)[-1])), required=required,
                     value=value if value is not None else schema.get("default"), options=_options(schema),
                     attrs=attrs, error=errors.get(path))
    if kind != "group":  # a group shows its description under its legend instead
        made.help = pick(ui.get("ui:help", "")) or pick(schema.get("description", ""))
    return made


# -- posted form -> data -----------------------------------------------------------------
def parse(schema: dict, form: MultiDict) -> dict:
    """The JSON document a posted form stands for; values the schema cannot type stay text,
    so the engine's validation names them."""
    return _parse_object(schema, form, "", top=True) or {}


def _parse_object(schema, form, path, top=False):
    result = {}
    for name, sub in schema.get("properties", {}).items():
        value = _parse_value(sub, form, f"{path}/{name}")
        if value is not None:
            result[name] = value
    if not result and not top and not _present(form, path):
        return None
    return result


def _present(form: MultiDict, path: str) -> bool:
    return any(key.startswith(path + "/") for key in form) or ROWS + path in form


def _parse_value(schema, form, path):
    kind = schema.get("type")
    if kind == "object":
        return _parse_object(schema, form, path)
    if kind == "array":
        return _parse_list(schema, form, path)
    if kind == "boolean":
        return path in form and form.get(path) in ("on", "true", "1")
    raw = form.get(path)
    if raw is None or raw.strip() == "":
        return None
    if kind in ("number", "integer"):
        return _number(raw.strip(), kind)
    return _choice(schema, raw)


def _choice(schema: dict, raw: str):
    """A choice among values of several types (0..3 or "ej_tillampligt") posts back the value
    whose text it is; other text stays text."""
    consts = [option.get("const") for option in schema.get("oneOf", [])]
    return next((const for const in consts if str(const) == raw), raw)


NUMBER = re.compile(r"[+-]?[0-9]{1,15}(?:[.,][0-9]{1,15})?")  # longer is no amount anyone means


def _number(raw: str, kind: str):
    """A number written the Swedish or English way ("1 500", "2,5"); anything else (1e999,
    nan, inf, 1_000, 40 digits) stays text, which the schema then names as not a number."""
    compact = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not NUMBER.fullmatch(compact):
        return raw
    number = Decimal(compact.replace(",", "."))
    if number == number.to_integral_value():
        return int(number)
    return raw if kind == "integer" else float(number)


def _parse_list(schema, form, path):
    if ROWS + path not in form and not _present(form, path):
        return None
    items = schema.get("items", {})
    rows = []
    for index in sorted({n for n in map(whole_number, form.getlist(ROWS + path)) if n is not None}):
        value = _parse_value(items, form, f"{path}/{index}")
        if items.get("type") == "object":
            rows.append(value or {})
        else:  # an empty row stays (the schema names it when the form is sent); removing is a button
            rows.append("" if value is None else value)
    return rows


# -- add and remove rows -----------------------------------------------------------------
def change_rows(schema: dict, data: dict, add: str | None = None, remove: str | None = None):
    """``data`` with a row added to the list at ``add`` or the row ``remove`` taken out, and
    the HTML id of what to focus next (the new row, or the list a row left)."""
    if add and _schema_at(schema, add).get("type") == "array":
        rows = _rows_at(data, add)
        rows.append({} if _schema_at(schema, add).get("items", {}).get("type") == "object" else "")
        return data, field_id(f"{add}/{len(rows) - 1}") + "-row"
    if remove:
        parent, _, index = remove.rpartition("/")
        rows = _rows_at(data, parent) if _schema_at(schema, parent).get("type") == "array" else []
        number = whole_number(index)
        if number is not None and number < len(rows):
            rows.pop(number)
        return data, field_id(parent)
    return data, None


def _schema_at(schema: dict, path: str) -> dict:
    for part in [p for p in path.split("/") if p]:
        schema = schema.get("items", {}) if part.isdigit() else schema.get("properties", {}).get(part, {})
    return schema


def _rows_at(data: dict, path: str) -> list:
    """The list at ``path`` in ``data``, created (with its parents) when missing."""
    node, parts = data, [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            node = node[int(part)]
        else:
            if not isinstance(node.get(part), list if last else (dict, list)):
                node[part] = [] if last else {}
            node = node[part]
    return node


def problems_by_field(details) -> tuple[dict[str, str], list[str]]:
    """Engine problems keyed by field path, in the page's language; the rest are general."""
    by_field, general = {}, []
    for problem in details:
        message = problem_text(problem)
        if problem.field and problem.field != "/":
            by_field.setdefault(problem.field, message)
        else:
            general.append(message)
    return by_field, general


def _walk(fields: list[Field]):
    """Every field and row of a form, in page order."""
    for item in fields:
        yield item
        yield from _walk(item.children)


def unplaced(fields: list[Field], errors: dict[str, str]) -> list[str]:
    """Errors about paths no drawn field stands for (they go to the summary)."""
    drawn = {item.path for item in _walk(fields)}
    return [f"{path}: {message}" for path, message in errors.items() if path not in drawn]


def summary(fields: list[Field], general: list[str]) -> list[tuple[str | None, str, str]]:
    """The error summary above a form: (id to jump to, field label, message), in page order."""
    found = [(None, "", message) for message in general]
    for item in _walk(fields):
        if item.error:
            target = f"{item.id}-0" if item.kind == "radio" and item.options else item.id
            found.append((target, item.label or item.path, item.error))
    return found
