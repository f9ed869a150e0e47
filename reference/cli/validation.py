"""Local checks for `apply --dry-run`, driven by the protos' own `buf.validate` string rules.

A subset of protovalidate: `required` message fields and the string rules `const`, `min_len`,
`max_len` and `pattern`, honouring `ignore`. Only used for dry runs: a real apply leaves
validation to the server, so that the server's rules are the ones exercised.
"""

from __future__ import annotations

import re

from buf.validate import validate_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from reference.cli.manifests import Manifest, slugify


def field_rules(field: FieldDescriptor) -> validate_pb2.FieldRules | None:
    """The `buf.validate.field` rules of a field, if it declares any."""
    options = field.GetOptions()
    if not options.HasExtension(validate_pb2.field):
        return None
    return options.Extensions[validate_pb2.field]


def check_string(value: str, rules: validate_pb2.StringRules) -> str | None:
    """Describe how `value` breaks the string rules, or None when it complies."""
    if rules.HasField("const") and value != rules.const:
        return f"must equal {rules.const!r}"
    if rules.HasField("min_len") and len(value) < rules.min_len:
        return f"must be at least {rules.min_len} characters long"
    if rules.HasField("max_len") and len(value) > rules.max_len:
        return f"must be at most {rules.max_len} characters long"
    if rules.HasField("pattern") and re.search(rules.pattern, value) is None:
        return f"must match {rules.pattern}"
    return None


def violations(message: Message, path: str = "") -> list[str]:
    """All rule violations in `message` and its set sub-messages, as `field.path: problem`."""
    problems: list[str] = []
    for field in message.DESCRIPTOR.fields:
        name = f"{path}{field.json_name}"
        rules = field_rules(field)
        if field.is_repeated:
            if field.message_type is not None and not field.message_type.GetOptions().map_entry:
                for index, item in enumerate(getattr(message, field.name)):
                    problems.extend(violations(item, f"{name}[{index}]."))
            continue
        if field.message_type is not None:
            if message.HasField(field.name):
                problems.extend(violations(getattr(message, field.name), f"{name}."))
            elif rules is not None and rules.required:
                problems.append(f"{name}: is required")
            continue
        if rules is None or rules.WhichOneof("type") != "string":
            continue
        value = getattr(message, field.name)
        if rules.ignore == validate_pb2.IGNORE_ALWAYS:
            continue
        if not value and rules.ignore == validate_pb2.IGNORE_IF_ZERO_VALUE:
            continue
        problem = check_string(value, rules.string)
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def slug_rules(manifest: Manifest) -> validate_pb2.StringRules:
    """The string rules of `metadata.slug` in the manifest's proto."""
    field = manifest.resource.DESCRIPTOR.fields_by_name["metadata"].message_type.fields_by_name[
        "slug"
    ]
    rules = field_rules(field)
    return rules.string if rules is not None else validate_pb2.StringRules()


def check_manifest(manifest: Manifest) -> list[str]:
    """Problems a dry run reports for one manifest (empty when it looks valid).

    Without an explicit slug the slug is derived from the name (`slugify`), so the name must
    make a valid slug.
    """
    problems = violations(manifest.resource)
    if not manifest.resource.metadata.slug:  # type: ignore[attr-defined]
        derived = slugify(manifest.name)
        problem = check_string(derived, slug_rules(manifest))
        if problem:
            problems.insert(
                0,
                f"metadata.name: {manifest.name!r} does not make a valid slug ({derived!r}):"
                f" the slug {problem} (lowercase letters, digits and hyphens; or set"
                " metadata.slug)",
            )
    return problems
