"""Make Final: queue a draft take's final, the job its record stands for at full settings."""

from __future__ import annotations

from engine.protocol import RequestError
from studio.engine_link.drafts import final_job_of
from studio.engine_link.takes import job_id_for
from studio.errors import StudioError
from studio.ui.generation.generation import GenerationActions


def make_final(actions: GenerationActions, entry_id: str, take_id: str) -> str | None:
    """Queue the final of the draft take ``take_id`` of item ``entry_id``; its job id.

    The job is the draft's recorded request and operation without ``draft`` (the same prompt,
    pins, clips and seed, at full size and steps), whatever the item's spec says now; its take
    joins the item's takes as any other does. A refusal is one sentence on ``actions.message``
    and returns None.
    """
    if actions.bridge is None:
        actions.message.emit("The engine is not running in this window, so no final can be "
                             "made; start the studio with 'frameloom PROJECT'.")
        return None
    project = actions.project
    try:
        entry = project.find(entry_id)[2]
        generation = getattr(entry, "generation", None)
        take = next((t for t in generation.takes if t.id == take_id), None) \
            if generation is not None else None
        if take is None:
            raise RequestError("That take is no longer in the item; select another.")
        request, operation = final_job_of(take)
    except (RequestError, StudioError) as exc:
        actions.message.emit(str(exc))
        return None
    why = (actions.models.refusal(request.model_id, operation.kind, request.frames)
           or actions.models.fit_refusal(request.model_id))
    if why is not None:
        actions.message.emit(why)
        return None
    job_id = job_id_for(project, entry_id)
    actions.bridge.submit(job_id, request, operation=operation, requeue_if_interrupted=False)
    if actions.live is not None:
        actions.live.sent(job_id, request.prompt)
    actions.submitted.emit(job_id, entry_id)
    actions.message.emit(f"Queued the final of the draft: {request.width}x{request.height}, "
                         f"{request.steps} steps, seed {request.seed}.")
    return job_id
