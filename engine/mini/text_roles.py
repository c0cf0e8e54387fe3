"""Does frameloom-mini's text encoder tell an object's colour from its background's?

``python -m engine.mini.text_roles [--model DIR]`` encodes caption pairs that swap the object's
and the background's colours (and, for scale, pairs that change only the shape) and prints:

- the cosine between a colour word's output vector where it names the object and where it names
  the background (near 1: the encoder gives the word the same vector in both roles);
- how far the caption's tokens move, summed over the caption (what cross-attention without
  positions on the text sees as a set), when the colours swap against when the shape changes;
- the cosine between two shape words' output vectors in the same caption, for each pair of the
  shapes the evaluation reads (near 1: the transformer is handed nearly the same word for both;
  the shipped encoder gives "circle" and "square" 0.73 and "triangle" 0.40 and 0.51 against
  them, and its drawings tell circles from squares least).

The transformer's cross-attention reads the caption as a set of token vectors, so an encoder
that gives a colour the same vector in either role leaves it no way to know which colour is the
object's: frameloom-mini then swaps them (issue 17's colour and background figures). A
preset's ``text_attention`` biases the encoder's attention towards neighbouring words
(:func:`engine.mini.parts.attend_to_neighbours`) so that a colour carries the word it precedes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.mini.captions import COLOURS
from engine.mini.evaluate import SHAPES_READ
from engine.models.installed import REPO_MODELS

DEFAULT_MODEL = REPO_MODELS / "frameloom-mini"
_CAPTION = "a {obj} {shape} moves left on a {bg} background"


def _encoder(model: Path) -> tuple[Any, Any]:
    from transformers import AutoTokenizer, T5EncoderModel

    tokenizer = AutoTokenizer.from_pretrained(str(model / "tokenizer"))
    encoder = T5EncoderModel.from_pretrained(str(model / "text_encoder")).eval()
    return tokenizer, encoder


def measure(model: Path) -> dict[str, float]:
    """Role cosine and swap/shape distances of a model folder's tokenizer and text encoder."""
    return measure_encoder(*_encoder(model))


def measure_encoder(tokenizer: Any, encoder: Any) -> dict[str, float]:
    """Role cosine and swap/shape distances, averaged over every ordered pair of two colours."""
    import torch

    def encode(text: str) -> tuple[list[int], Any]:
        ids = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            out = encoder(ids.input_ids, attention_mask=ids.attention_mask)[0][0]
        return ids.input_ids[0].tolist(), out

    roles, swaps, shapes = [], [], []
    colours = [c for c in COLOURS if len(c.split()) == 1][:6]
    for first in colours:
        for second in colours:
            if first == second:
                continue
            ids, one = encode(_CAPTION.format(obj=first, shape="circle", bg=second))
            swapped_ids, swapped = encode(_CAPTION.format(obj=second, shape="circle", bg=first))
            _, reshaped = encode(_CAPTION.format(obj=first, shape="square", bg=second))
            word = tokenizer.convert_tokens_to_ids(first)  # its slot in each caption
            as_object, as_background = ids.index(word), swapped_ids.index(word)
            roles.append(float(torch.nn.functional.cosine_similarity(
                one[as_object], swapped[as_background], dim=0)))
            swaps.append(float((one.sum(0) - swapped.sum(0)).norm()))
            shapes.append(float((one.sum(0) - reshaped.sum(0)).norm()))
    figures = {"role_cosine": sum(roles) / len(roles), "swap_distance": sum(swaps) / len(swaps),
               "shape_distance": sum(shapes) / len(shapes), "pairs": float(len(roles))}
    words = {shape: encode(_CAPTION.format(obj="red", shape=shape, bg="blue"))
             for shape in SHAPES_READ}
    for index, first in enumerate(SHAPES_READ):
        for second in SHAPES_READ[index + 1:]:
            (ids, one), (other_ids, other) = words[first], words[second]
            slot = ids.index(tokenizer.convert_tokens_to_ids(first))
            assert other_ids[slot] == tokenizer.convert_tokens_to_ids(second)
            figures[f"{first}_{second}_cosine"] = float(torch.nn.functional.cosine_similarity(
                one[slot], other[slot], dim=0))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    m = measure(args.model)
    print(f"{int(m['pairs'])} colour pairs, captions like {_CAPTION!r}")
    print(f"a colour word as object vs as background, cosine: {m['role_cosine']:.4f}")
    print(f"caption tokens summed, distance when the two colours swap: {m['swap_distance']:.2f}")
    print(f"caption tokens summed, distance when only the shape changes: "
          f"{m['shape_distance']:.2f}")
    for key, value in m.items():
        if key.endswith("_cosine") and key != "role_cosine":
            first, second, _ = key.split("_")
            print(f"shape words {first} vs {second} in the same caption, cosine: {value:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
