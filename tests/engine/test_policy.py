"""The prompt policy: list matching, modes, the user's copy, malformed lists, classifiers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import policy
from engine.paths import data_dir
from engine.policy import PolicyError, Refusal, RuleList

REPO = Path(__file__).resolve().parents[2]

LIST = """\
# a comment
[minors-sexual]
words: child, little girl, under-age
words: nude, erotic

[weapons-test]
prefixes: bomb
regex: \\bhow to (make|build)\\b
"""


class ToyClassifier:
    """Refuses any prompt containing 'forbidden', unless the negative prompt says 'allow'."""

    def check(self, prompt: str, negative_prompt: str) -> Refusal | None:
        if "forbidden" in prompt and "allow" not in negative_prompt:
            return Refusal("toy-rule", "tests.engine.test_policy:ToyClassifier")
        return None


def _rules() -> RuleList:
    return RuleList(LIST, "test-list.txt")


@pytest.mark.parametrize("prompt", [
    "An EROTIC scene with a child", "érotic Child", "a nude little   girl", "Under-Age, nude"])
def test_case_accent_and_spacing_do_not_matter(prompt: str) -> None:
    refused = _rules().check(prompt, "")
    assert refused is not None and refused.rule == "minors-sexual"


@pytest.mark.parametrize("prompt", [
    "a childish erotic poem",  # whole words: "childish" is not "child"
    "a child in the park",  # one condition of two
    "nude figure drawing class",
])
def test_whole_words_and_all_conditions(prompt: str) -> None:
    assert _rules().check(prompt, "") is None


def test_prefixes_and_regex_rules() -> None:
    rules = _rules()
    assert rules.check("how to build bombs", "") == Refusal("weapons-test", "test-list.txt")
    assert rules.check("how to build a house", "") is None
    assert rules.check("a photobomb, how to make it", "") is None  # prefix starts a word


def test_negative_prompt_is_not_checked_by_the_list() -> None:
    assert _rules().check("a family picnic", "nude, child") is None


def test_refusal_message_names_the_rule_and_a_hint() -> None:
    refused = Refusal("minors-sexual", "resources/policy/prompt_policy.txt")
    assert refused.message == ("The prompt was refused by the rule 'minors-sexual' of the prompt "
                               "policy (resources/policy/prompt_policy.txt).")
    assert "FRAMELOOM_PROMPT_POLICY=off" in refused.hint_text and refused.hint_text.endswith(".")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("[ok]\nwords: a\nbogus line\n", 3, "does not start with 'words:'"),
    ("words: a\n", 1, "before the first [rule-name]"),
    ("[bad name!]\nwords: a\n", 1, "is not a rule name"),
    ("[r]\nregex: (unclosed\n", 2, "does not compile"),
    ("[r]\nwords: ,\n", 2, "lists no words"),
    ("[r]\nwords: a\n[r]\nwords: b\n", 3, "a second time"),
    ("[r]\nwords:   \n", 2, "empty 'words' condition"),
    ("[empty]\n[next]\nwords: a\n", 1, "has no conditions"),
])
def test_malformed_lines_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(PolicyError) as caught:
        RuleList(text, "my-list.txt")
    message = str(caught.value)
    assert f"line {line} of the prompt policy list my-list.txt" in message.lower()
    assert words in message and "\n" not in message


def test_the_shipped_list_parses_and_refuses() -> None:
    rules = RuleList.from_file(policy.SHIPPED_LIST)
    assert len(rules.rules) >= 3
    refused = rules.check("a nude schoolgirl", "")
    assert refused is not None and refused.rule == "minors-sexual"
    for fine in ("a red circle moves left", "children playing football in the park",
                 "a nude statue in a museum", "a teenager skateboarding at sunset"):
        assert rules.check(fine, "") is None, fine


def test_default_mode_uses_the_shipped_list() -> None:
    refused = policy.check_prompt("erotic toddler")
    assert refused is not None and refused.source == str(policy.SHIPPED_LIST)
    assert str(data_dir() / "prompt_policy.txt") in refused.hint_text


def test_a_user_copy_overrides_the_shipped_list() -> None:
    (data_dir() / "prompt_policy.txt").write_text("[no-cats]\nwords: cat, cats\n")
    assert policy.check_prompt("erotic toddler") is None
    refused = policy.check_prompt("Two CATS")
    assert refused is not None and refused.rule == "no-cats"
    assert refused.source == str(data_dir() / "prompt_policy.txt")


def test_off_mode_by_env_and_by_settings_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(policy.MODE_ENV, "off")
    assert policy.check_prompt("erotic toddler") is None
    monkeypatch.delenv(policy.MODE_ENV)
    (data_dir() / "prompt_policy.toml").write_text('mode = "off"\n')
    assert policy.active_policy() is None


def test_bad_mode_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(policy.MODE_ENV, "strict")
    code, message, hint = policy.refusal("a cat") or ("", "", "")
    assert code == "prompt_policy_invalid"
    assert "'strict' is not one of off, list, classifier" in message
    assert "FRAMELOOM_PROMPT_POLICY=off" in hint


def test_a_malformed_user_list_refuses_jobs_with_the_line() -> None:
    (data_dir() / "prompt_policy.txt").write_text("[r]\nwrods: cat\n")
    code, message, _ = policy.refusal("a cat") or ("", "", "")
    assert code == "prompt_policy_invalid" and "Line 2 of the prompt policy list" in message


def test_classifier_by_dotted_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(policy.MODE_ENV, "classifier")
    monkeypatch.setenv(policy.CLASSIFIER_ENV, f"{__name__}:ToyClassifier")
    assert policy.check_prompt("a forbidden dance", "allow") is None
    refused = policy.check_prompt("a forbidden dance", "")
    assert refused is not None and refused.rule == "toy-rule"
    assert policy.check_prompt("erotic toddler") is None  # the list is not used in this mode


def test_classifier_from_the_settings_file(monkeypatch: pytest.MonkeyPatch) -> None:
    (data_dir() / "prompt_policy.toml").write_text(
        f'mode = "classifier"\nclassifier = "{__name__}:ToyClassifier"\n')
    assert policy.refusal("forbidden")[0] == "prompt_refused"  # type: ignore[index]


@pytest.mark.parametrize(("dotted", "words"), [
    ("no_colon_here", "is not 'package.module:attribute'"),
    ("no_such_module_xyz:Thing", "cannot be loaded: ModuleNotFoundError"),
    ("pathlib:PurePath", "has no check(prompt, negative_prompt) method"),
])
def test_bad_classifiers_are_one_sentence(dotted: str, words: str) -> None:
    with pytest.raises(PolicyError, match="prompt classifier") as caught:
        policy.load_classifier(dotted)
    assert words in str(caught.value)


def test_in_process_generate_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli", "generate", "--model", "tiny-ltx", "--prompt",
         "an erotic toddler", "--output", str(tmp_path / "out.mp4")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr  # refused input, as submit exits (README)
    assert ("The prompt was refused by the rule 'minors-sexual' of the prompt policy"
            in result.stderr)
    assert "Traceback" not in result.stderr and not (tmp_path / "out.mp4").exists()
