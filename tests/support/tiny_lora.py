"""A tiny random LoRA for a tiny model folder, made with PEFT and saved as diffusers saves one."""

from __future__ import annotations

from pathlib import Path


def build_tiny_lora(model_dir: Path, target: Path, *, seed: int = 0, rank: int = 4) -> Path:
    """Save a rank-``rank`` LoRA of random weights for the attention of ``model_dir``'s
    transformer to ``target`` (a ``.safetensors`` file), through the pipeline class's own
    ``save_lora_weights``. Its up weights are random too (PEFT starts them at zero), so it
    changes what the model makes."""
    import diffusers
    import torch
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    from engine.backends.common import pipeline_class

    cls = getattr(diffusers, pipeline_class(model_dir, "", "any"))
    pipe = cls.from_pretrained(model_dir)
    torch.manual_seed(seed)
    pipe.transformer.add_adapter(LoraConfig(
        r=rank, lora_alpha=rank, init_lora_weights=False,
        target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    cls.save_lora_weights(target.parent, transformer_lora_layers=get_peft_model_state_dict(
        pipe.transformer), weight_name=target.name)
    return target
