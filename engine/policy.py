"""The prompt policy: a word-and-pattern list or a pluggable classifier refuses prompts pre-queue.

The engine alone enforces it (in the server's submit and at the start of every worker job), so
the studio, the CLI and any other client see the same refusal: an error with the code
``prompt_refused``, one sentence naming the rule, and a hint on where the policy is edited.

Choosing the policy, first match wins:

- ``FRAMELOOM_PROMPT_POLICY`` = ``off`` | ``list`` | ``classifier``, else ``mode`` in
  ``prompt_policy.toml`` in the engine's data folder, else ``list``.
- In ``list`` mode the rules come from ``prompt_policy.txt`` in the data folder when it exists,
  else from the shipped ``resources/policy/prompt_policy.txt``. Files are re-read on each check,
  so an edit takes effect with the next job, without restarting the engine.
- In ``classifier`` mode, ``FRAMELOOM_PROMPT_CLASSIFIER`` (else ``classifier`` in the TOML file)
  names ``package.module:attribute``: a class or a zero-argument callable whose result has
  ``check(prompt, negative_prompt) -> Refusal | None``.
"""

from __future__ import annotations

import importlib
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["CLASSIFIER_ENV", "MODE_ENV", "SHIPPED_LIST", "Classifier", "PolicyError",
           "Refusal", "RuleList", "active_policy", "check_prompt", "load_classifier", "normalize",
           "refusal"]

MODE_ENV = "FRAMELOOM_PROMPT_POLICY"
CLASSIFIER_ENV = "FRAMELOOM_PROMPT_CLASSIFIER"
MODES = ("off", "list", "classifier")
SHIPPED_LIST = Path(__file__).resolve().parents[1] / "resources" / "policy" / "prompt_policy.txt"
LIST_NAME = "prompt_policy.txt"
CONFIG_NAME = "prompt_policy.toml"
OFF_HINT = f"set {MODE_ENV}=off to turn the policy off (see 'Prompt policy' in README.md)"


class PolicyError(Exception):
    """The policy cannot be used: a malformed list line, a bad setting, an unloadable classifier."""


@dataclass(frozen=True)
class Refusal:
    """Why a prompt was refused.

    Parameters
    ----------
    rule
        The rule's name, e.g. ``"minors-sexual"``.
    source
        Where the rule lives: a list file's path or a classifier's dotted path.
    hint
        Where to change the policy; a default naming the switch is used when empty.
    """

    rule: str
    source: str
    hint: str = ""

    @property
    def message(self) -> str:
        """One sentence naming the rule and where it lives."""
        return (f"The prompt was refused by the rule {self.rule!r} of the prompt policy "
                f"({self.source}).")

    @property
    def hint_text(self) -> str:
        """Where to edit the policy, as one sentence."""
        text = self.hint or f"Change the prompt, or {OFF_HINT}"
        return text[0].upper() + text[1:].rstrip(".") + "."


@runtime_checkable
class Classifier(Protocol):
    """Anything that can judge a prompt; the list and any pluggable classifier implement it."""

    def check(self, prompt: str, negative_prompt: str) -> Refusal | None:
        """The refusal for this prompt pair, or None when it may run."""


def normalize(text: str) -> str:
    """Casefold ``text`` and strip accents, so "ÉROTIC" and "erotic" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class _Rule:
    name: str
    conditions: tuple[re.Pattern[str], ...]


def _alternatives(value: str, where: str) -> list[str]:
    # Any run of spaces in the prompt matches the one space of a phrase like "little girl".
    items = [re.escape(normalize(item.strip())).replace(r"\ ", r"\s+")
             for item in value.split(",") if item.strip()]
    if not items:
        raise PolicyError(f"{where} lists no words.")
    return items


def _condition(kind: str, value: str, where: str) -> re.Pattern[str]:
    if kind == "words":
        # Letters and digits around a word must not be word characters: "kid" is not "kidney".
        pattern = r"(?<!\w)(?:" + "|".join(_alternatives(value, where)) + r")(?!\w)"
    elif kind == "prefixes":
        pattern = r"(?<!\w)(?:" + "|".join(_alternatives(value, where)) + r")"
    else:
        pattern = value.strip()
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise PolicyError(f"{where} has a regular expression that does not compile: "
                          f"{exc}.") from None


class RuleList:
    """A word-and-pattern list: a prompt is refused by the first rule whose conditions all match.

    Parameters
    ----------
    text
        The list in the format described at the top of ``resources/policy/prompt_policy.txt``.
    source
        The file it came from, named in refusals and in errors.
    hint
        Where to edit it, given to every refusal.

    Raises
    ------
    PolicyError
        For a malformed line, naming the file and the line number.
    """

    def __init__(self, text: str, source: str, hint: str = "") -> None:
        self.source, self.hint = source, hint
        self.rules = self._parse(text)

    @classmethod
    def from_file(cls, path: Path, hint: str = "") -> RuleList:
        """Read a list file; an unreadable file is a :class:`PolicyError`."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"The prompt policy list {path} cannot be read: "
                              f"{getattr(exc, 'strerror', None) or exc}.") from None
        return cls(text, str(path), hint)

    def _parse(self, text: str) -> tuple[_Rule, ...]:
        rules: list[tuple[str, list[re.Pattern[str]], int]] = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            where = f"Line {number} of the prompt policy list {self.source}"
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                name = line[1:-1].strip() if line.endswith("]") else ""
                if not re.fullmatch(r"[\w.-]+", name):
                    raise PolicyError(f"{where} ({line!r}) is not a rule name like "
                                      "'[minors-sexual]'.")
                if any(name == known for known, _, _ in rules):
                    raise PolicyError(f"{where} names the rule {name!r} a second time.")
                rules.append((name, [], number))
                continue
            kind, colon, value = line.partition(":")
            kind = kind.strip().lower()
            if not colon or kind not in ("words", "prefixes", "regex"):
                raise PolicyError(f"{where} ({line[:60]!r}) does not start with 'words:', "
                                  "'prefixes:' or 'regex:'.")
            if not rules:
                raise PolicyError(f"{where} comes before the first [rule-name] line.")
            if not value.strip():
                raise PolicyError(f"{where} has an empty {kind!r} condition.")
            rules[-1][1].append(_condition(kind, value, where))
        for name, conditions, number in rules:
            if not conditions:
                raise PolicyError(f"The rule {name!r} on line {number} of the prompt policy list "
                                  f"{self.source} has no conditions.")
        return tuple(_Rule(name, tuple(conditions)) for name, conditions, _ in rules)

    def check(self, prompt: str, negative_prompt: str = "") -> Refusal | None:
        """The first rule that refuses ``prompt``; the negative prompt is not checked.

        Naming something in the negative prompt asks the model to keep it out, so refusing
        it would punish exactly the prompts that try to steer clear.
        """
        text = normalize(prompt)
        for rule in self.rules:
            if all(condition.search(text) for condition in rule.conditions):
                return Refusal(rule.name, self.source, self.hint)
        return None


def _settings(data: Path) -> dict[str, object]:
    path = data / CONFIG_NAME
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"The prompt policy settings {path} cannot be read: {exc}.") from None


_classifiers: dict[str, Classifier] = {}


def load_classifier(dotted: str) -> Classifier:
    """Import ``package.module:attribute`` and make the classifier (cached per dotted path).

    Raises
    ------
    PolicyError
        When the name is malformed, the import fails, or the result has no ``check`` method.
    """
    if dotted in _classifiers:
        return _classifiers[dotted]
    module_name, colon, attribute = dotted.partition(":")
    if not colon or not module_name or not attribute:
        raise PolicyError(f"The prompt classifier {dotted!r} is not 'package.module:attribute'.")
    try:
        factory: Callable[[], object] = getattr(importlib.import_module(module_name), attribute)
        classifier = factory()
    except Exception as exc:  # any import or construction error, said as one sentence
        raise PolicyError(f"The prompt classifier {dotted!r} cannot be loaded: "
                          f"{type(exc).__name__}: {exc}.") from None
    if not isinstance(classifier, Classifier):
        raise PolicyError(f"The prompt classifier {dotted!r} has no check(prompt, "
                          "negative_prompt) method.")
    # A real classifier may load a model; making it once per engine keeps checks cheap.
    _classifiers[dotted] = classifier
    return classifier


def active_policy(data: Path | None = None) -> Classifier | None:
    """The policy in force now, or None when it is off.

    Parameters
    ----------
    data
        The engine's data folder; :func:`engine.paths.data_dir` when None.

    Raises
    ------
    PolicyError
        When the settings, the list or the classifier cannot be used.
    """
    if data is None:
        from engine.paths import data_dir

        data = data_dir()
    settings = _settings(data)
    mode = (os.environ.get(MODE_ENV) or str(settings.get("mode", "list"))).strip().lower()
    if mode not in MODES:
        raise PolicyError(f"The prompt policy mode {mode!r} is not one of {', '.join(MODES)} "
                          f"(set by {MODE_ENV} or {data / CONFIG_NAME}).")
    if mode == "off":
        return None
    if mode == "classifier":
        dotted = os.environ.get(CLASSIFIER_ENV) or str(settings.get("classifier", ""))
        if not dotted:
            raise PolicyError(f"The prompt policy mode is 'classifier' but no classifier is "
                              f"named; set {CLASSIFIER_ENV} to 'package.module:attribute'.")
        return load_classifier(dotted)
    user = data / LIST_NAME
    if user.is_file():
        return RuleList.from_file(user, f"Edit {user}, or {OFF_HINT}")
    return RuleList.from_file(SHIPPED_LIST, f"Copy the list to {user} and edit the copy, "
                                            f"or {OFF_HINT}")


def check_prompt(prompt: str, negative_prompt: str = "",
                 data: Path | None = None) -> Refusal | None:
    """Check a prompt pair against the policy in force; None when it may run.

    Raises
    ------
    PolicyError
        When the policy cannot be used; callers refuse the job then too, since running
        unchecked would silently drop a policy the user configured.
    """
    policy = active_policy(data)
    return None if policy is None else policy.check(prompt, negative_prompt)


def refusal(prompt: str, negative_prompt: str = "",
            data: Path | None = None) -> tuple[str, str, str] | None:
    """The ``(code, message, hint)`` a server or worker refuses a job with, or None to run it.

    The code is ``prompt_refused`` for a refused prompt and ``prompt_policy_invalid`` when the
    policy itself cannot be used (the job is refused then too).
    """
    try:
        refused = check_prompt(prompt, negative_prompt, data)
    except PolicyError as exc:
        return ("prompt_policy_invalid", str(exc),
                f"Fix the prompt policy, or {OFF_HINT}.")
    return None if refused is None else ("prompt_refused", refused.message, refused.hint_text)
