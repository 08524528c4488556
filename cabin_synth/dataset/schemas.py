"""Compiled JSON Schema validators for schemas/*.schema.json and readable errors.

Validators are compiled once per process (jsonschema's validator classes cache
the resolved schema), so validating a frame on write is cheap.
"""

import json
from functools import lru_cache

import jsonschema
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from ..paths import SCHEMAS


@lru_cache(maxsize=None)
def registry() -> Registry:
    """Every schema under its $id, so that one may refer to another (a shard part's entries
    are manifest entries)."""
    documents = [json.loads(path.read_text()) for path in sorted(SCHEMAS.glob("*.schema.json"))]
    return Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in documents)


@lru_cache(maxsize=None)
def validator(name: str) -> jsonschema.protocols.Validator:
    """The compiled validator for schemas/<name>.schema.json."""
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry(), format_checker=cls.FORMAT_CHECKER)


def field_path(error: ValidationError) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in error.absolute_path]
    return ".".join(parts).replace(".[", "[") or "(top level)"


def describe(error: ValidationError) -> str:
    """One line naming the field and what was expected."""
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        where = field_path(error)
        keys = ", ".join(f"'{where}.{k}'" if where != "(top level)" else f"'{k}'" for k in extra)
        return f"unknown key {keys}; expected one of: {', '.join(allowed)}"
    if error.validator == "oneOf" and "description" in error.schema:
        return f"'{field_path(error)}': {error.schema['description']} Got {json.dumps(error.instance)[:80]}"
    return f"'{field_path(error)}': {error.message}"


def errors(name: str, document) -> list[str]:
    """Every violation of schema `name` in `document`, one readable line each."""
    found = sorted(validator(name).iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [describe(e) for e in found]
