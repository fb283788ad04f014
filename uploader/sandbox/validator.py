"""A small JSON-schema validator that answers like the site's (Ajv, first error only).

Only the keywords the site's documented tables need: type, enum, const, properties, required,
additionalProperties (always false here: unknown fields are rejected), items, min/maxItems,
min/maxLength, minimum/maximum, multipleOf, pattern, minProperties. Errors carry Ajv's
instancePath / schemaPath / keyword / params / message, and the site's top-level message
"Data provided was invalid: 'field' must be ...".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class SchemaError:
    instance_path: str
    schema_path: str
    keyword: str
    params: dict[str, Any]
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "instancePath": self.instance_path,
            "schemaPath": self.schema_path,
            "keyword": self.keyword,
            "params": self.params,
            "message": self.message,
        }

    def summary(self) -> str:
        """The site's top-level message: "Data provided was invalid: 'limit' must be <= 100."."""
        if self.instance_path:
            field = self.instance_path.lstrip("/").replace("/", ".")
            return f"Data provided was invalid: '{field}' {self.message}."
        return f"Data provided was invalid: {self.message}."


def error_body(error: SchemaError) -> dict[str, Any]:
    return {"error": True, "message": error.summary(), "validate_errors": [error.as_json()]}


def validate(value: Any, schema: Schema) -> SchemaError | None:
    """The first violation of `schema` by `value` (Ajv's order), or None."""
    return _check(value, schema, "", "#")


def _type_ok(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise ValueError(f"unknown schema type {name!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check(value: Any, schema: Schema, path: str, spath: str) -> SchemaError | None:
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_type_ok(value, name) for name in names):
            shown = types if isinstance(types, str) else ",".join(names)
            return SchemaError(path, f"{spath}/type", "type", {"type": types}, f"must be {shown}")
    if "const" in schema and not _same(value, schema["const"]):
        return SchemaError(path, f"{spath}/const", "const", {"allowedValue": schema["const"]},
                           "must be equal to constant")
    if "enum" in schema and not any(_same(value, v) for v in schema["enum"]):
        return SchemaError(path, f"{spath}/enum", "enum", {"allowedValues": list(schema["enum"])},
                           "must be equal to one of the allowed values")
    if _is_number(value):
        return _check_number(value, schema, path, spath)
    if isinstance(value, str):
        return _check_string(value, schema, path, spath)
    if isinstance(value, list):
        return _check_array(value, schema, path, spath)
    if isinstance(value, dict):
        return _check_object(value, schema, path, spath)
    return None


def _same(a: Any, b: Any) -> bool:
    # JSON equality: True is not 1.
    return (type(a) is type(b) and a == b) or (_is_number(a) and _is_number(b) and a == b)


def _check_number(value: float, schema: Schema, path: str, spath: str) -> SchemaError | None:
    if "maximum" in schema and value > schema["maximum"]:
        limit = schema["maximum"]
        return SchemaError(path, f"{spath}/maximum", "maximum",
                           {"comparison": "<=", "limit": limit}, f"must be <= {limit}")
    if "minimum" in schema and value < schema["minimum"]:
        limit = schema["minimum"]
        return SchemaError(path, f"{spath}/minimum", "minimum",
                           {"comparison": ">=", "limit": limit}, f"must be >= {limit}")
    step = schema.get("multipleOf")
    if step is not None and (value / step) != int(value / step):
        return SchemaError(path, f"{spath}/multipleOf", "multipleOf", {"multipleOf": step},
                           f"must be multiple of {step}")
    return None


def _check_string(value: str, schema: Schema, path: str, spath: str) -> SchemaError | None:
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        limit = schema["maxLength"]
        return SchemaError(path, f"{spath}/maxLength", "maxLength", {"limit": limit},
                           f"must NOT have more than {limit} characters")
    if "minLength" in schema and len(value) < schema["minLength"]:
        limit = schema["minLength"]
        return SchemaError(path, f"{spath}/minLength", "minLength", {"limit": limit},
                           f"must NOT have fewer than {limit} characters")
    pattern = schema.get("pattern")
    if pattern is not None and not re.search(pattern, value):
        return SchemaError(path, f"{spath}/pattern", "pattern", {"pattern": pattern},
                           f'must match pattern "{pattern}"')
    return None


def _check_array(value: list[Any], schema: Schema, path: str, spath: str) -> SchemaError | None:
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        limit = schema["maxItems"]
        return SchemaError(path, f"{spath}/maxItems", "maxItems", {"limit": limit},
                           f"must NOT have more than {limit} items")
    if "minItems" in schema and len(value) < schema["minItems"]:
        limit = schema["minItems"]
        return SchemaError(path, f"{spath}/minItems", "minItems", {"limit": limit},
                           f"must NOT have fewer than {limit} items")
    items = schema.get("items")
    if items is not None:
        for index, item in enumerate(value):
            error = _check(item, items, f"{path}/{index}", f"{spath}/items")
            if error is not None:
                return error
    return None


def _check_object(value: dict[str, Any], schema: Schema, path: str,
                  spath: str) -> SchemaError | None:
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        limit = schema["minProperties"]
        return SchemaError(path, f"{spath}/minProperties", "minProperties", {"limit": limit},
                           f"must NOT have fewer than {limit} properties")
    for name in schema.get("required", ()):
        if name not in value:
            return SchemaError(path, f"{spath}/required", "required", {"missingProperty": name},
                               f"must have required property '{name}'")
    properties: Mapping[str, Schema] = schema.get("properties", {})
    if schema.get("additionalProperties", True) is False:
        for name in value:
            if name not in properties:
                return SchemaError(path, f"{spath}/additionalProperties",
                                   "additionalProperties", {"additionalProperty": name},
                                   "must NOT have additional properties")
    for name, subschema in properties.items():
        if name in value:
            error = _check(value[name], subschema, f"{path}/{name}", f"{spath}/properties/{name}")
            if error is not None:
                return error
    return None


def coerce_query(params: Mapping[str, str], schema: Schema) -> dict[str, Any]:
    """Query strings typed by the schema, as Ajv's coerceTypes does ("10" -> 10, "true" -> True).

    A value that cannot be coerced is left a string, so `validate` reports the type error.
    """
    properties: Mapping[str, Schema] = schema.get("properties", {})
    result: dict[str, Any] = {}
    for name, raw in params.items():
        types = properties.get(name, {}).get("type", "string")
        names = [types] if isinstance(types, str) else list(types)
        result[name] = _coerce(raw, names)
    return result


def _coerce(raw: str, names: list[str]) -> Any:
    if "string" in names:
        return raw
    if "integer" in names and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "number" in names and re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return float(raw) if "." in raw else int(raw)
    if "boolean" in names and raw in ("true", "false"):
        return raw == "true"
    if "null" in names and raw == "":
        return None
    return raw
