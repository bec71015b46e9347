"""Prompts from templates: Jinja2 with StrictUndefined, the cast's own ``templates/``
folder first, then the templates facebuild ships, all rendered in the bounded sandbox
(facebuild.sandbox): a cast-local template is untrusted.

The prompt of a target is a pure function of (world, character, variant, template text).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import jinja2
from jinja2.loaders import split_template_path

from facebuild.cast import Cast
from facebuild.castfile import Character
from facebuild.errors import CastError, Location
from facebuild.sandbox import BoundedSandbox, render_bounded
from facebuild.shown import screened

_SPACES = re.compile(r"\s+")
SHIPPED_TEMPLATES = Path(str(files("facebuild.templates")))


class Prompt(NamedTuple):
    text: str
    negative: str
    template: str
    template_digest: str


class PromptWriter:
    """Writes the prompts of one cast from its templates; compiled templates are reused
    across targets."""

    def __init__(self, cast: Cast, max_prompt_chars: int | None = None) -> None:
        self.cast = cast
        self.max_prompt_chars = max_prompt_chars
        search = [cast.base_dir / "templates", SHIPPED_TEMPLATES]
        self.env = BoundedSandbox(
            loader=_ContainedLoader([str(p) for p in search]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        self._templates: dict[str, tuple[jinja2.Template, str]] = {}
        self._characters: dict[str, dict[str, Any]] = {}
        self._prompts: dict[tuple[str, str], Prompt] = {}
        """By (character id, variant): the extra candidates of a variant share its prompt."""

    @cached_property
    def _world(self) -> dict[str, Any]:
        return self.cast.spec.world.model_dump()

    def template(self, name: str, *, where: tuple[str, ...] = ("template",)) -> tuple[
        jinja2.Template, str
    ]:
        """The compiled template called ``name`` and the sha256 of its source."""
        found = self._templates.get(name)
        if found is None:
            try:
                template = self.env.get_template(name)
            except jinja2.TemplateNotFound:
                raise CastError(
                    f"template '{name}' not found",
                    location=self.cast.source_map.find(where),
                    key=".".join(where),
                    hint=f"looked in {self.cast.base_dir / 'templates'} and the shipped "
                    f"templates ({', '.join(shipped_templates())})",
                ) from None
            except jinja2.TemplateSyntaxError as exc:
                raise CastError(f"template syntax error: {exc.message}",
                                location=Location(Path(exc.filename or name), exc.lineno)) from None
            except jinja2.TemplateError as exc:  # a template the loader refused
                raise CastError(str(exc.message), location=self.cast.source_map.find(where),
                                key=".".join(where)) from None
            assert template.filename is not None
            source = Path(template.filename).read_bytes()
            found = (template, hashlib.sha256(source).hexdigest())
            self._templates[name] = found
        return found

    def template_name(self, variant_name: str) -> tuple[str, tuple[str, ...]]:
        variant = self.cast.spec.variants[variant_name]
        if variant.template:
            return variant.template, ("variants", variant_name, "template")
        return self.cast.spec.template, ("template",)

    def prompt_for(self, character: Character, variant_name: str) -> Prompt:
        """The prompt of ``character`` in ``variant_name``, rendered once per renderer."""
        found = self._prompts.get((character.id, variant_name))
        if found is None:
            found = self._prompts[(character.id, variant_name)] = self._render(character, variant_name)
        return found

    def _render(self, character: Character, variant_name: str) -> Prompt:
        name, where = self.template_name(variant_name)
        template, digest = self.template(name, where=where)
        variant = self.cast.spec.variants[variant_name]
        context = {
            "cast": {"name": self.cast.spec.name},
            "world": self._world,
            "character": self._character(character),
            "variant": {
                "name": variant_name,
                "frame": variant.frame,
                "width": variant.size[0],
                "height": variant.size[1],
            },
            "style": _join(". ", self.cast.spec.world.style, character.style),
            "max_prompt_chars": self.max_prompt_chars,
        }
        try:
            text = render_bounded(template, context)
        except jinja2.UndefinedError as exc:
            line = _template_line(exc.__traceback__, template.filename)
            raise CastError(
                f"undefined variable in template: {screened(str(exc.message))}",
                location=Location(Path(template.filename or name), line),
                key=f"characters[{character.id}]",
                hint="define it on the character or guard it with {% if ... is defined %}",
            ) from None
        except jinja2.exceptions.SecurityError as exc:
            raise CastError(f"template refused by the sandbox: {screened(str(exc))}",
                            location=_failed_at(exc, template, name),
                            hint="templates may read values and call filters, nothing more") from None
        except Exception as exc:  # noqa: BLE001 - whatever a template raises is the template's mistake
            message = screened(str(exc)) if isinstance(exc, jinja2.TemplateError) else type(exc).__name__
            raise CastError(f"template failed: {message}", location=_failed_at(exc, template, name),
                            key=f"characters[{character.id}]") from None
        negative = _join(", ", self.cast.spec.world.negative, variant.negative, character.negative)
        return Prompt(_SPACES.sub(" ", text).strip(), negative, name, digest)

    def _character(self, character: Character) -> dict[str, Any]:
        found = self._characters.get(character.id)
        if found is None:
            found = character.model_dump()
            self._characters[character.id] = found
        return found


def shipped_templates() -> list[str]:
    return sorted(p.name for p in SHIPPED_TEMPLATES.glob("*.j2"))


def _join(separator: str, *parts: str) -> str:
    return separator.join(p.strip().rstrip(".,") for p in parts if p and p.strip())


def _failed_at(exc: BaseException, template: jinja2.Template, name: str) -> Location:
    """The template file and line an exception was raised at (Jinja rewrites tracebacks
    to template lines); the file a template is included from when it fails there."""
    filename = template.filename or name
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:  # a frame Jinja made for a template line
            filename, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return Location(Path(filename), line)


class _ContainedLoader(jinja2.FileSystemLoader):
    """A template file must lie inside its templates folder once links are resolved (a
    cast-local link could otherwise read any file into a prompt), and be of a sane size."""

    MAX_BYTES = 1024 * 1024

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for root in self.searchpath:  # the file the loader will read, checked before reading
            filename = Path(root, *pieces)
            if filename.is_file():
                if not filename.resolve().is_relative_to(Path(root).resolve()):
                    raise jinja2.TemplateError(f"template '{template}' links outside its templates folder")
                if filename.stat().st_size > self.MAX_BYTES:
                    raise jinja2.TemplateError(f"template '{template}' is larger than 1 MB")
                break
        return super().get_source(environment, template)


def _template_line(tb: TracebackType | None, filename: str | None) -> int | None:
    line = None
    while tb is not None:
        if filename is not None and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
