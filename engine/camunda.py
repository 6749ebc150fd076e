"""Camunda 7 task forms (``camunda:formData``) as JSON Schema forms.

Camunda Modeler writes a user task's form as ``camunda:formField`` elements with types and
validation constraints. Deploy turns each such form into a JSON Schema kept with the
version (the diagram itself is stored as written), and the task then names that schema as
a spiff diagram's task names its form, so submitted data is checked by the same code
whichever modeler drew the task. What cannot be honoured (a Java validator, an expression
as default, an external ``camunda:formKey`` page) is refused at deploy with the task and
field, since a form that silently accepted anything would be worse than no diagram.
"""
from __future__ import annotations

from jsonschema import Draft202012Validator as _CHECK

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "camunda": CAMUNDA}

#: form field type -> JSON Schema of its value
_TYPES = {
    "string": {"type": "string"},
    "long": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}
#: constraint -> (JSON Schema keyword, types it applies to)
_BOUNDS = {
    "minlength": ("minLength", ("string",)),
    "maxlength": ("maxLength", ("string",)),
    "min": ("minimum", ("long",)),
    "max": ("maximum", ("long",)),
}
_FLAGS = ("required", "readonly")


def generated_form_name(task_id: str) -> str:
    """The name a translated form is kept under in the version's form snapshot."""
    return f"camunda-formdata-{task_id}.schema.json"


def form_data(task) -> object | None:
    """The task's ``camunda:formData`` element, if it has one."""
    return task.find("bpmn:extensionElements/camunda:formData", _NS)


def form_key(task) -> str | None:
    return task.get(f"{{{CAMUNDA}}}formKey")


def form_schema(form) -> tuple[dict, list[tuple[str | None, str]]]:
    """(JSON Schema, problems) for a ``camunda:formData`` element; each problem is
    (field id or None, what is wrong)."""
    properties, required, problems = {}, [], []
    for node in form.iterfind("camunda:formField", _NS):
        field_id = node.get("id") or ""
        if not field_id.isidentifier() or field_id.startswith("_"):
            problems.append((field_id or None, f"form field id {field_id!r} must be a plain name (letters, digits, "
                                               "underscore; not starting with an underscore)"))
            continue
        if field_id in properties:
            problems.append((field_id, f"form field {field_id!r} is defined twice"))
            continue
        schema, flags, field_problems = _field(node)
        problems += [(field_id, message) for message in field_problems]
        if field_problems:
            continue
        properties[field_id] = schema
        if "required" in flags:
            required.append(field_id)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema, problems


def _field(node) -> tuple[dict, set[str], list[str]]:
    kind = node.get("type") or "string"
    label = node.get("label")
    problems: list[str] = []
    if kind == "enum":
        options = [(value.get("id"), value.get("name") or value.get("id"))
                   for value in node.iterfind("camunda:value", _NS)]
        if not options or any(not option for option, _ in options):
            return {}, set(), ["an enum field needs camunda:value elements, each with an id"]
        schema = {"type": "string", "oneOf": [{"const": option, "title": title} for option, title in options]}
    elif kind in _TYPES:
        schema = dict(_TYPES[kind])
    else:
        return {}, set(), [f"type {kind!r} is not supported; supported: {', '.join([*_TYPES, 'enum'])}"]
    if label:
        schema["title"] = label
    flags: set[str] = set()
    for constraint in node.iterfind("camunda:validation/camunda:constraint", _NS):
        name, config = constraint.get("name") or "", constraint.get("config")
        if name in _FLAGS:
            flags.add(name)
        elif name in _BOUNDS and kind in _BOUNDS[name][1]:
            try:
                schema[_BOUNDS[name][0]] = int(config)
            except (TypeError, ValueError):
                problems.append(f"constraint {name!r} needs a whole number, not {config!r}")
        elif name in _BOUNDS:
            problems.append(f"constraint {name!r} does not apply to a {kind} field")
        else:
            problems.append(f"constraint {name!r} is not supported; supported: "
                            f"{', '.join([*_FLAGS, *_BOUNDS])}")
    if "readonly" in flags:
        schema["readOnly"] = True
    default = node.get("defaultValue")
    if default is not None:
        value, problem = _default(kind, default, schema)
        checker = _CHECK(schema, format_checker=_CHECK.FORMAT_CHECKER)
        broken = None if problem else next(checker.iter_errors(value), None)
        if problem or broken:
            problems.append(problem or f"defaultValue {default!r} breaks the field's own rule: {broken.message}")
        else:
            schema["default"] = value
    return schema, flags, problems


def _default(kind: str, text: str, schema: dict):
    if text.lstrip().startswith(("${", "#{")):
        return None, f"defaultValue {text!r} is an expression; give a literal value"
    if kind == "long":
        try:
            return int(text), None
        except ValueError:
            return None, f"defaultValue {text!r} is not a whole number"
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            return None, f"defaultValue {text!r} is not true or false"
        return text.lower() == "true", None
    if kind == "enum" and text not in [option["const"] for option in schema["oneOf"]]:
        return None, f"defaultValue {text!r} is not one of the field's values"
    return text, None
