#!/usr/bin/env python3
"""Validates CycloneDX 1.6 JSON files against the official schema.

Usage: validate_cyclonedx.py BOM.json...

The schema (bom-1.6.schema.json with the SPDX licence and JSF signature schemas it refers to)
is the copy shipped inside the `cyclonedx-python-lib` package, read offline; validation uses its
strict JSON validator, which runs `jsonschema` over that schema.
Exit status: 0 all valid, 1 a file is invalid (errors on stderr),
77 the validator is not installed (`pip install cyclonedx-python-lib jsonschema`).
"""

import sys

try:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
except ImportError as error:  # the caller prints a skip message
    print(f"cyclonedx-python-lib is not installed: {error}", file=sys.stderr)
    sys.exit(77)


def main(paths):
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    failed = False
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        try:
            errors = validator.validate_str(text, all_errors=True)
        except TypeError:  # older versions have no all_errors
            errors = validator.validate_str(text)
        except Exception as error:  # MissingOptionalDependencyException: no jsonschema
            print(f"cannot validate: {error}", file=sys.stderr)
            sys.exit(77)
        if errors is None:
            print(f"{path}: valid CycloneDX 1.6")
            continue
        failed = True
        # One error, or an iterable of errors when all_errors is supported.
        errors = list(errors) if not hasattr(errors, "data") else [errors]
        for error in errors:
            detail = getattr(error, "data", error)
            print(f"{path}: {getattr(detail, 'message', detail)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
