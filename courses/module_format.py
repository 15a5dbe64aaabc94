"""The cx-module/1 file format: one module as YAML or JSON, checked whole before any write.

The JSON Schema (courses/schema/cx-module-1.schema.json) checks shape and sizes; the
scenario rules then check the graph and the knowledge check, the same rules publishing uses.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from courses.quiz_rules import validate_knowledge_check
from courses.scenario_rules import Problem, validate_scenario

FORMAT = "cx-module/1"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "cx-module-1.schema.json"
MAX_FILE_BYTES = 2 * 1024 * 1024


class ModuleFileError(ValueError):
    """A module file that cannot be imported; `.problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(f"{p.path}: {p.message}" for p in problems))


@dataclass(frozen=True)
class ParsedModule:
    data: dict
    fmt: str  # "yaml" or "json"


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def parse_module_file(content: bytes, filename: str = "") -> ParsedModule:
    """Decode and parse a module file; JSON if it looks like JSON, else YAML."""
    if len(content) > MAX_FILE_BYTES:
        raise ModuleFileError(
            [Problem("(file)", f"the file is {len(content):,} bytes; the limit is 2 MB")]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModuleFileError(
            [Problem("(file)", f"not UTF-8 text (byte {exc.start}); save it as UTF-8")]
        ) from exc
    is_json = filename.lower().endswith(".json") or text.lstrip().startswith("{")
    try:
        data = json.loads(text) if is_json else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ModuleFileError(
            [Problem("(file)", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ModuleFileError([Problem("(file)", f"invalid YAML{where}: {reason}")]) from exc
    if not isinstance(data, dict):
        raise ModuleFileError([Problem("(file)", "the file must hold one module (a mapping)")])
    return ParsedModule(data=data, fmt="json" if is_json else "yaml")


def check_module_data(data: dict) -> list[Problem]:
    """Every problem with a parsed module: schema first, then the scenario and quiz rules."""
    validator = Draft202012Validator(schema())
    problems = [
        Problem(_path(error.absolute_path), error.message)
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    ]
    if problems:
        return problems
    problems += [
        Problem(f"scenario.{p.path}", p.message)
        for p in validate_scenario(data["scenario"]["scenes"])
    ]
    check = data["knowledge_check"]
    problems += [
        Problem(f"knowledge_check.{p.path}", p.message)
        for p in validate_knowledge_check(check["questions"], pass_mark=check["pass_mark"])
    ]
    return problems


def load_module(content: bytes, filename: str = "") -> ParsedModule:
    """Parse and check a module file; raises ModuleFileError listing every problem."""
    parsed = parse_module_file(content, filename)
    problems = check_module_data(parsed.data)
    if problems:
        raise ModuleFileError(problems)
    return parsed


# --- writing ---------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_module(data: dict, fmt: str = "yaml") -> str:
    """Serialise module data deterministically (same data, same bytes)."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
