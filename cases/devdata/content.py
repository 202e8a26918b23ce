"""The frozen content of a seeded worksheet, written as canonical JSON text from fragments.

A signed worksheet stores its content and the SHA-256 of the content's canonical JSON
(`worksheets.content_hash`: sorted keys, no spaces, UTF-8). Serialising a 3.5 kB dict per
worksheet took a sixth of the seed's time. Most of it repeats: the factors, the attestation,
the disclaimer, a count of a given statute, an offer of a given label and status. Each such
part is serialised once (`Template`), with slots for what varies (ids, the case number, the
signing time), and a worksheet's text is joined from the parts.

The result is exactly `json.dumps(content, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)` of the content dict, so it is stored as it is and its hash is the one
`content_hash` computes: tests/test_seed_volume.py parses every seeded worksheet's content back
and checks its hash. The content has the shape `cases.worksheets.build_content` gives, with a
synthetic analysis (grounds only, no per-count flags).
"""

import hashlib
import json
import re
from functools import cache

from consequences.engine import DISCLAIMER

from ..choices import Decision, DispositionLabel, Factor, ParityAnswer
from ..worksheets import ATTESTATION, SCHEMA_VERSION

CATALOG_VERSION = "synthetic"
CATALOG_EFFECTIVE = "2026-11-27"
_MARK = "\ue000"  # a private-use character: never in the content itself
_SLOT = re.compile(f'"{_MARK}(\\w+){_MARK}"')


def canonical(value):
    """The canonical JSON text `worksheets.content_hash` hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def slot(name):
    """A placeholder for a value (never a key: keys must sort as they will be)."""
    return f"{_MARK}{name}{_MARK}"


class Template:
    """The canonical JSON of a value with slots; `render` fills each slot with JSON text."""

    def __init__(self, value):
        parts = _SLOT.split(canonical(value))
        self.literals = parts[0::2]
        self.names = parts[1::2]

    def render(self, **values):
        out = [self.literals[0]]
        for name, literal in zip(self.names, self.literals[1:], strict=True):
            out.append(values[name])
            out.append(literal)
        return "".join(out)


_ANALYSIS = Template({"status": "unknown", "synthetic": True, "dispositions": slot("offers")})
_CONTENT = Template(
    {
        "schema": SCHEMA_VERSION,
        "office": slot("office"),
        "case": {
            "court_case_number": slot("number"),
            "da_file_number": "",
            "caption": slot("caption"),
            "defendant_name": slot("defendant"),
            "court_name": "",
            "department": "",
            "judicial_officer": "",
            "unit": slot("unit"),
            "deputy": "",
            "stage": slot("stage"),
            "defense_counsel": "",
            "defense_type": slot("defense_type"),
            "interpreter_language": "",
        },
        "counts": slot("counts"),
        "dispositions": slot("offers"),
        "analysis": slot("analysis"),
        "overrides": [],
        "factors": [
            {"factor": f.value, "label": f.label, "weight": "", "weight_label": "", "note": ""}
            for f in Factor
        ],
        "parity": slot("parity"),
        "decision": slot("decision"),
        "status_disclosure": None,
        "worksheet": slot("worksheet"),
        "catalog": {"version": CATALOG_VERSION, "effective": CATALOG_EFFECTIVE},
        "attestation": {
            "statements": list(ATTESTATION),
            "signer": {"username": "", "name": "Synthetic deputy", "bar_number": ""},
            "signed_at": slot("signed_at"),
        },
        "disclaimer": DISCLAIMER,
    }
)
_OFFER_ANALYSIS = Template(
    {
        "known": True,
        "flags": [],
        "message": "Synthetic volume data: grounds only, no per-count analysis.",
        "counts": {},
        "grounds_flagged": slot("grounds"),
    }
)
REASONS = "Synthetic reasons."
AMENDMENT_REASON = "Returned by the supervisor."


@cache
def _count(statute, title, level_label):
    return Template(
        {
            "id": slot("id"),
            "number": slot("number"),
            "statute": statute,
            "title": title,
            "level": level_label,
            "enhancements": "",
            "offense_date": None,
        }
    )


@cache
def _offer(label, proposed_by_label, status_label):
    return Template(
        {
            "id": slot("id"),
            "name": DispositionLabel(label).label,  # str(offer): no name, so the label
            "label": DispositionLabel(label).label,
            "is_standard": label == DispositionLabel.STANDARD,
            "proposed_by": proposed_by_label,
            "status": status_label,
            "diversion": "",
            "terms": [],
        }
    )


@cache
def _decision(value):
    return Template(
        {"value": value, "label": Decision(value).label, "chosen": slot("id"), "reasons": REASONS}
    )


@cache
def _parity(answer):
    return canonical({"answer": answer, "label": ParityAnswer(answer).label, "explanation": ""})


@cache
def _worksheet(version):
    return canonical(
        {
            "version": version,
            "amends_version": 1 if version > 1 else None,
            "amendment_reason": AMENDMENT_REASON if version > 1 else "",
        }
    )


@cache
def _grounds(flagged):
    return canonical(list(flagged))


def render(case, counts, offers, *, flagged, decision, chosen_id, parity, version, signed_at):
    """(signed_content text, engine_output text, content hash) of one worksheet.

    `case`: an object with court_case_number, caption, defendant_name, and the display texts
    unit_name, office_name, stage_label, defense_type_label; `counts`: (id, number, statute,
    title, level label); `offers`: (id, label, proposed-by label, status label);
    `flagged`: the grounds flagged per offer, a tuple in the order of `offers`.
    """
    entries = sorted(
        (str(offer[0]), grounds) for offer, grounds in zip(offers, flagged, strict=True)
    )
    analysis = _ANALYSIS.render(
        offers="{"
        + ",".join(
            f'"{key}":' + _OFFER_ANALYSIS.render(grounds=_grounds(grounds))
            for key, grounds in entries
        )
        + "}"
    )
    text = _CONTENT.render(
        office=canonical(case.office_name),
        number=canonical(case.court_case_number),
        caption=canonical(case.caption),
        defendant=canonical(case.defendant_name),
        unit=canonical(case.unit_name),
        stage=canonical(case.stage_label),
        defense_type=canonical(case.defense_type_label),
        counts="["
        + ",".join(
            _count(statute, title, level).render(id=f'"{pk}"', number=str(number))
            for pk, number, statute, title, level in counts
        )
        + "]",
        offers="["
        + ",".join(
            _offer(label, proposed_by, status).render(id=f'"{pk}"')
            for pk, label, proposed_by, status in offers
        )
        + "]",
        analysis=analysis,
        parity=_parity(parity),
        decision=_decision(decision).render(id=f'"{chosen_id}"'),
        worksheet=_worksheet(version),
        signed_at=canonical(signed_at.isoformat()),
    )
    return text, analysis, hashlib.sha256(text.encode("utf-8")).hexdigest()
