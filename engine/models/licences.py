"""The licence terms shown before a catalog model is installed, and recorded in its takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.models.catalog import CatalogEntry, catalog_entry

# What each restricted licence in the catalog restricts, in one sentence. Only these need the
# user's explicit acceptance; every other licence is still named and linked at install.
# LTX-2: the revenue threshold is as issue 21 reads the licence (LTX-2 Community License
# Agreement, January 5, 2026, https://github.com/Lightricks/LTX-2/blob/main/LICENSE); this
# project did not read the clause itself. Tencent Hunyuan: the licence's own first line ("does
# not apply in the European Union, United Kingdom and South Korea"), as the Tencent Hunyuan
# Community License Agreements of 2025 read. LTX-Video: the LTXV Open Weights License (May 5,
# 2025) was not read here; third-party summaries call it revenue-gated, so it is confirmed too.
RESTRICTIONS: dict[str, str] = {
    "LTX-Video Open Weights License":
        "Third-party summaries say commercial use above an annual revenue threshold needs a "
        "paid licence from Lightricks; Frameloom has not checked the clause, so read the terms.",
    "LTX-2 Community License Agreement":
        "Entities with annual revenue above USD 10 million need a paid commercial licence "
        "from Lightricks.",
    "Tencent Hunyuan Community License":
        "The licence does not apply in the European Union, the United Kingdom or South Korea, "
        "so the model may not be used there.",
}


@dataclass(frozen=True)
class LicenceTerms:
    """A model's licence as the install and the exports show it.

    Parameters
    ----------
    model_id
        The catalog id.
    name
        The licence's name, as the catalog gives it.
    restriction
        One sentence on what the licence restricts, or None for a licence with no restriction
        recorded here.
    url
        Where its full terms are: the model's repository on the Hugging Face Hub.
    """

    model_id: str
    name: str
    restriction: str | None
    url: str | None

    @property
    def restricted(self) -> bool:
        """Whether installing needs the user's explicit acceptance."""
        return self.restriction is not None

    def lines(self) -> list[str]:
        """The terms as shown before a download: name, restriction, where to read them."""
        shown = [f"Licence of {self.model_id}: {self.name}."]
        if self.restriction:
            shown.append(f"Restriction: {self.restriction}")
        if self.url:
            shown.append(f"Full terms: {self.url}")
        return shown

    def refusal(self) -> str:
        """The one sentence refusing an install whose restricted licence was not accepted."""
        what = (self.restriction or "see its terms").rstrip(".")
        return (f"The model {self.model_id} is under the {self.name}, which restricts its use "
                f"({what[:1].lower()}{what[1:]}), and its terms were not accepted.")

    def record(self) -> dict[str, Any]:
        """What a take records of the licence (``licence`` in its settings)."""
        return {"model_id": self.model_id, "name": self.name, "restriction": self.restriction,
                "url": self.url}


def licence_terms(model: CatalogEntry | str) -> LicenceTerms | None:
    """The licence terms of a catalog entry or id; None for a model the catalog does not know."""
    entry = catalog_entry(model) if isinstance(model, str) else model
    if entry is None:
        return None
    url = f"https://huggingface.co/{entry.repo}" if entry.repo else None
    return LicenceTerms(entry.id, entry.licence, RESTRICTIONS.get(entry.licence), url)


def licence_record(model_id: str) -> dict[str, Any]:
    """``{"licence": ...}`` for a take's settings: the catalog's terms, or None for a model the
    catalog does not know (an added folder: its licence is whatever its source says)."""
    terms = licence_terms(model_id)
    return {"licence": None if terms is None else terms.record()}
