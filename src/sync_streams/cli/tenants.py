"""``sync-streams tenants``: validate, show and start tenant configuration files.

``validate`` prints one line per problem (``<file>: <key.path>: <expected>``)
on stdout, like a linter, so it can gate a merge request or a deployment.
"""

from __future__ import annotations

import argparse
import asyncio
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

    _register_runtime(commands)


# --- tenants at runtime: the compacted tenants topic every worker follows -------------


def _published(result: Any) -> str:
    state = " (paused)" if result.paused else ""
    note = f"; {result.note}" if result.note else ""
    return f"{result.tenant}: {result.action}{state} (offset {result.offset}){note}"


def _apply(args: argparse.Namespace) -> int:
    from sync_streams.cli.dlq import kafka_target
    from sync_streams.ops.control import TenantControl
    from sync_streams.ops.tenant_messages import relative_file_references

    settings = _settings(args)
    report = validate_tenant_files(args.paths, service=settings, resolve_secrets=False)
    for problem in report.problems:
        print(problem)
    if report.problems or not report.tenants:
        if not report.problems:
            print(f"{', '.join(args.paths)}: no tenant file (*.yaml, *.yml) found")
        print("nothing published", file=sys.stderr)
        return 1
    broker, topology = kafka_target(args)
    control = TenantControl(broker, topology)
    for tenant, config in report.tenants.items():
        print(_published(asyncio.run(control.apply(config))))
        for reference in relative_file_references(config):
            print(
                f"{tenant}: note: {reference} is relative: workers read it from their "
                "tenants directory (tenants_dir)"
            )
    print(f"published on {topology.name('tenants')}; workers apply it within seconds")
    return 0


def _set_paused(args: argparse.Namespace, paused: bool) -> int:
    from sync_streams.cli.dlq import kafka_target
    from sync_streams.ops.control import TenantControl

    broker, topology = kafka_target(args)
    result = asyncio.run(TenantControl(broker, topology).set_paused(args.tenant, paused))
    print(_published(result))
    return 0


def _pause(args: argparse.Namespace) -> int:
    return _set_paused(args, True)


def _resume(args: argparse.Namespace) -> int:
    return _set_paused(args, False)


def _remove(args: argparse.Namespace) -> int:
    from sync_streams.cli.dlq import kafka_target
    from sync_streams.ops.control import TenantControl

    broker, topology = kafka_target(args)
    print(_published(asyncio.run(TenantControl(broker, topology).remove(args.tenant))))
    return 0


def _flows(config: dict[str, Any]) -> str:
    parts = []
    for section, label in (("third_parties", "tiers"), ("deals", "affaires")):
        data = config.get(section) or {}
        ways = [w for w, key in (("import", "import_from_sellsy"), ("export", "export_to_sellsy"))
                if data.get(key)]  # fmt: skip
        parts.append(f"{label}={'+'.join(ways) or 'off'}")
    return " ".join(parts)


def _list_topic(args: argparse.Namespace) -> int:
    import json

    from sync_streams.cli.dlq import kafka_target
    from sync_streams.ops.control import TenantControl
    from sync_streams.ops.timespec import show

    broker, topology = kafka_target(args)
    view = asyncio.run(TenantControl(broker, topology).read())
    for problem in view.problems:
        print(f"unreadable: {problem}", file=sys.stderr)
    entries = [view.tenants[t] for t in sorted(view.tenants)]
    if args.json:
        items = [
            {"tenant": e.tenant, "paused": e.paused, "last_command": e.kind,
             "issued_at": e.issued_at.isoformat() if e.issued_at else None, "config": e.config}
            for e in entries
        ]  # fmt: skip
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    rows = [("tenant", "state", "client", "environment", "flows", "last change")]
    for e in entries:
        config = e.config or {}
        rows.append((e.tenant, "paused" if e.paused else "active", str(config.get("client", "")),
                     str(config.get("environment", "")), _flows(config),
                     f"{show(e.issued_at)} {e.kind.removeprefix('tenant_')}"))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(f"{len(entries)} tenant(s) on {topology.name('tenants')}", file=sys.stderr)
    return 0


def _register_runtime(commands: Any) -> None:
    from sync_streams.cli.dlq import add_kafka_options

    apply = commands.add_parser(
        "apply",
        help="validate tenant files and publish them on the tenants topic (secret references only)",
    )
    apply.add_argument("paths", nargs="+", metavar="FILE|DIR")
    add_kafka_options(apply)
    apply.set_defaults(func=_apply)
    for name, func, help_text in (
        ("pause", _pause, "stop polling and writing for a tenant, keeping its state"),
        ("resume", _resume, "resume a paused tenant"),
        ("remove", _remove, "remove a tenant from every worker (its config is forgotten)"),
    ):
        action = commands.add_parser(name, help=help_text)
        action.add_argument("tenant", metavar="ID")
        add_kafka_options(action)
        action.set_defaults(func=func)
    listing = commands.add_parser("list", help="the tenants as the tenants topic says")
    listing.add_argument("--json", action="store_true", help="JSON with each configuration")
    add_kafka_options(listing)
    listing.set_defaults(func=_list_topic)
