"""``sync-streams tenants``: validate, show and start tenant configuration files.

``validate`` prints one line per problem (``<file>: <key.path>: <expected>``)
on stdout, like a linter, so it can gate a merge request or a deployment.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sync_streams.config.form import markdown_table
from sync_streams.config.loader import validate_tenant_files
from sync_streams.config.service import ServiceSettings


def _settings(args: argparse.Namespace) -> ServiceSettings:
    return ServiceSettings.load(args.settings)


def _validate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    paths = args.paths or [settings.tenants_dir]
    report = validate_tenant_files(paths, service=settings, resolve_secrets=not args.no_secrets)
    if not args.quiet:
        for tenant, source in report.sources.items():
            print(f"{source}: ok (tenant {tenant})")
    for problem in report.problems:
        print(problem)
    if not report.files and not report.problems:
        print(f"{', '.join(map(str, paths))}: no tenant file (*.yaml, *.yml) found")
        return 1
    if report.problems:
        files = len(report.invalid_files)
        print(
            f"{len(report.problems)} problem(s); {files} of {len(report.files)} file(s) invalid",
            file=sys.stderr,
        )
        return 1
    return 0


def _show(args: argparse.Namespace) -> int:
    settings = _settings(args)
    report = validate_tenant_files(
        [args.file], service=settings, resolve_secrets=not args.no_secrets
    )
    if report.problems or not report.tenants:
        for problem in report.problems:
            print(problem)
        return 1
    (config,) = report.tenants.values()
    data: dict[str, Any] = config.model_dump(mode="json")  # secrets serialise masked
    print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), end="")
    return 0


def template_text() -> str:
    """The commented tenant template, in the form's order, French labels as comments."""
    files = resources.files("sync_streams.config")
    return files.joinpath("tenant_template.yaml").read_text(encoding="utf-8")


def _template(args: argparse.Namespace) -> int:
    text = template_text()
    if args.output is None:
        print(text, end="")
        return 0
    output = Path(args.output)
    if output.exists() and not args.force:
        print(f"{output}: already exists (use --force to overwrite)", file=sys.stderr)
        return 1
    output.write_text(text, encoding="utf-8")
    print(f"{output}: template written", file=sys.stderr)
    return 0


def _form(_args: argparse.Namespace) -> int:
    print(markdown_table(), end="")
    return 0


def _add_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--settings",
        metavar="FILE",
        help="service settings YAML (allowed API hosts...); default $SYNC_STREAMS_SETTINGS_FILE",
    )
    parser.add_argument(
        "--no-secrets",
        action="store_true",
        help="check secret references' syntax only, do not read the secrets",
    )


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "tenants", help="validate, show and start tenant configuration files"
    )
    commands = parser.add_subparsers(dest="tenants_command", metavar="ACTION", required=True)

    validate = commands.add_parser(
        "validate",
        help="check tenant files; exit 0 when all are valid, 1 with one line per problem",
    )
    validate.add_argument(
        "paths",
        nargs="*",
        metavar="FILE|DIR",
        help="tenant files or directories of *.yaml/*.yml (default: the service's tenants_dir)",
    )
    validate.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    _add_settings(validate)
    validate.set_defaults(func=_validate)

    show = commands.add_parser("show", help="print the resolved configuration, secrets masked")
    show.add_argument("file", metavar="FILE")
    _add_settings(show)
    show.set_defaults(func=_show)

    template = commands.add_parser(
        "template", help="print a commented tenant file to start from (the form's order)"
    )
    template.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")
    template.add_argument("--force", action="store_true", help="overwrite FILE")
    template.set_defaults(func=_template)

    form = commands.add_parser(
        "form", help="print the form label -> configuration key table (Markdown)"
    )
    form.set_defaults(func=_form)
