"""The server refuses what the prompt policy refuses, before queuing; list edits apply at once."""

from __future__ import annotations

import pytest

from engine import protocol as p
from engine.cli.client import ControlError
from engine_harness import Engine, job, request, submit, wait_state


def _job_ids(control) -> list[str]:
    return [j["id"] for j in control.request(p.ListJobs(id=control.next_id()))["jobs"]]


def test_refused_prompt_is_not_queued(engine: Engine) -> None:
    with engine.control() as control:
        with pytest.raises(ControlError) as refused:
            submit(control, "pol-1", request("an erotic scene with a toddler"))
        assert refused.value.code == "prompt_refused"
        message = str(refused.value)
        assert "refused by the rule 'minors-sexual' of the prompt policy" in message
        assert "FRAMELOOM_PROMPT_POLICY=off" in message  # the hint says where to change it
        assert "pol-1" not in _job_ids(control)
        with pytest.raises(ControlError) as unknown:
            job(control, "pol-1")
        assert unknown.value.code == "unknown_job"


def test_a_user_list_applies_to_the_next_submit(engine: Engine) -> None:
    user_list = engine.home / "data" / "prompt_policy.txt"
    user_list.write_text("[no-squares]\nwords: square\n")
    try:
        with engine.control() as control:
            with pytest.raises(ControlError, match="rule 'no-squares'") as refused:
                submit(control, "pol-2", request("a blue square"))
            assert refused.value.code == "prompt_refused"
            submit(control, "pol-3", request("a red circle moves left"))
        assert wait_state(engine, "pol-3")["state"] == "done"
    finally:
        user_list.unlink()
