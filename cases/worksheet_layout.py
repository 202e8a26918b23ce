"""One layout of a worksheet's content, for the screen and the PDF alike.

`cases.worksheets` builds the content (for a signed worksheet, the content stored at signing);
this module arranges it for reading: each offer considered with a letter, its terms count by
count, each flag with its labels and the deputy's override of that flag, the side-by-side rows,
the distinct pleas of each count, the numbered authorities and the safer alternatives. The
worksheet page (`cases.views.worksheets`) and the printed worksheet (`cases.worksheet_print`)
both read it, so that what a deputy saw on screen is what the signed PDF says. It decides
nothing and reads no database.

An override belongs to one flag: (offer, count, ground, subcategory). Aggravated felony has
several subparagraphs on one count (PC 487: theft (G) and fraud (M)); an override keyed without
the subcategory printed the deputy's view of one against the other, in a signed record.
"""

from consequences.statuses import Ground, Status, Verdict

from . import labels

# The statuses a flag can matter for: everyone but citizens, nationals and "unknown".
NON_CITIZEN_STATUSES = frozenset(Status.values) - {
    Status.US_CITIZEN,
    Status.US_NATIONAL,
    Status.UNKNOWN,
}


def override_key(disposition, count, ground, subcategory):
    """The flag an override belongs to: offer id, count number, ground and subcategory.

    The same key is made from an override in the content, from an engine flag on a count of an
    offer, and from a FlagOverride row (the page's remove button), so they always meet.
    """
    return (str(disposition), int(count), ground, subcategory or "")


def lay_out(content):
    """Everything the worksheet shows about its offers, arranged once.

    Returns offers, comparison (rows of the side-by-side table), pleas (each distinct plea of
    each count, with the letters of the offers that make it), authorities (numbered) and
    alternatives.
    """
    offers = lay_out_offers(content)
    pleas = _pleas(content["counts"], offers)
    return {
        "offers": offers,
        "comparison": _comparison(content["counts"], offers),
        "pleas": pleas,
        "authorities": _number_citations(pleas, offers),
        "alternatives": _alternatives(content, offers),
        "history": lay_out_history(content),
        "consideration_request": lay_out_defense_request(content, offers),
    }


def lay_out_defense_request(content, offers=()):
    """The defense's requests for consideration as frozen in the content, each proposal named
    by its letter when the worksheet considered it, and the office policy's line on them
    (`required`, `first_received`): said once, here, beside the requests (issue 15 review).

    `shown` is False when there is nothing to say: no request and no policy requiring one.
    Content signed before requests were frozen has none: `recorded` is False and `shown` True,
    so the page says "not recorded in this version" rather than "no request" (the requests as
    they are now were not what was signed).
    """
    frozen = content.get("defense_request")
    if frozen is None:
        return {
            "recorded": False,
            "required": False,
            "requests": [],
            "first_received": None,
            "shown": True,
        }
    letters = {offer["id"]: offer["letter"] for offer in offers}
    requests = []
    for request in frozen["requests"]:
        proposal = request["proposal"]
        letter = letters.get(proposal["id"]) if proposal else None
        requests.append({**request, "proposal_letter": letter})
    # Requests for consideration, as the policy counts them (policy.DefenseSubmission filter).
    asked = [r for r in requests if r.get("consideration_requested", True)]
    return {
        "recorded": True,
        "required": frozen["required"],
        "requests": requests,
        "first_received": min((r["received_on"] for r in asked), default=None),
        "shown": bool(frozen["required"] or requests),
    }


_PRIOR_SOURCES = {"rap_sheet": "Rap sheet", "defense": "Defense", "court_record": "Court record"}
_SCHEME_LABELS = {True: "Yes", False: "No", None: "Unknown (read as “assume yes”)"}


def lay_out_history(content):
    """The priors and the single-scheme answer the analysis used, as frozen in the content.

    Each prior: the frozen input plus `source_label`, `known` and `title` (the engine's reading,
    taken from the first offer's analysis that read it; a prior not in the catalog is listed as
    unknown). Content signed before priors were recorded has none: `recorded` is False then, so
    the page says nothing was frozen rather than "no priors".
    """
    frozen = content.get("history")
    if frozen is None:
        return {"recorded": False, "priors": [], "single_scheme": ""}
    readings = []
    for result in content["analysis"]["dispositions"].values():
        if result.get("priors"):
            readings = result["priors"]
            break
    priors = []
    for number, prior in enumerate(frozen["priors"]):
        reading = readings[number] if number < len(readings) else {}
        offense = reading.get("offense") or {}
        priors.append(
            {
                **prior,
                "source_label": _PRIOR_SOURCES.get(prior.get("source"), prior.get("source")),
                "level_label": (prior.get("level") or "not known").capitalize(),
                "known": bool(offense.get("known")),
                "title": offense.get("title") or "",
            }
        )
    scheme = frozen.get("single_scheme_label") or _SCHEME_LABELS[frozen.get("single_scheme")]
    return {"recorded": True, "priors": priors, "single_scheme": scheme}


def lay_out_offers(content):
    """Each offer considered with its analysis, terms and flags, each flag with its override.

    An offer: the content's offer plus `letter`, `chosen`, `analysis` (the engine's result for
    the offer as stored), `terms_by_count` (count id → term), `rows` (one per term, in count
    order, with the count), the whole-offer flags. A term: the content's term plus `assessed`
    (the engine's count result), `flags`, `flagged` and `not_flagged`, `by_verdict`. A flag:
    the engine's flag plus labels and `override`, the deputy's override of exactly that flag.
    """
    analysis = content["analysis"]["dispositions"]
    chosen = content["decision"]["chosen"]
    overrides = {
        override_key(o["disposition"], o["count"], o["ground"], o["subcategory"]): o
        for o in content["overrides"]
    }
    counts = {count["id"]: count for count in content["counts"]}
    offers = []
    for letter, offer in zip(_letters(), content["dispositions"], strict=False):
        result = analysis.get(offer["id"], {})
        assessed_counts = result.get("counts") or {}
        terms = {}
        rows = []
        for term in offer["terms"]:
            assessed = assessed_counts.get(term["count_id"]) or {}
            flags = [
                _flag(
                    flag,
                    overrides.get(
                        override_key(
                            offer["id"], term["count"], flag["ground"], flag.get("subcategory")
                        )
                    ),
                )
                for flag in assessed.get("flags", [])
            ]
            terms[term["count_id"]] = laid = {
                **term,
                "assessed": assessed,
                "known": assessed.get("offense", {}).get("known", True),
                "message": assessed.get("message"),
                "match": assessed.get("match"),
                "flags": flags,
                "flagged": [flag for flag in flags if flag["flagged"]],
                "not_flagged": [flag for flag in flags if not flag["flagged"]],
                "by_verdict": _by_verdict(flags),
            }
            # A count deleted since is still shown by its number (terms are sorted by it).
            count = counts.get(term["count_id"], {"number": term["count"], "statute": ""})
            rows.append({"count": count, "term": laid})
        whole_flags = [_flag(flag, None) for flag in result.get("flags", [])]
        offers.append(
            {
                **offer,
                "letter": letter,
                "chosen": offer["id"] == chosen,
                "analysis": result,
                "known": result.get("known", True),
                "message": result.get("message"),
                "terms_by_count": terms,
                "rows": rows,
                "whole_flags": whole_flags,
                "whole_by_verdict": _by_verdict(whole_flags),
                "grounds_flagged": [_ground(g) for g in result.get("grounds_flagged", [])],
            }
        )
    return offers


def _by_verdict(flags):
    """The flagged grounds of a cell grouped by verdict, strongest first, for the overview."""
    groups = []
    for verdict in (Verdict.YES, Verdict.ASSUME_YES, Verdict.UNCLEAR):
        # The short label (the grid's): "Aggravated felony (crime of violence)"; the flags
        # table gives the full cite.
        grounds = [grid_label(flag) for flag in flags if flag["verdict"] == verdict]
        if grounds:
            groups.append({"verdict": verdict.value, "label": verdict.label, "grounds": grounds})
    return groups


def _comparison(counts, offers):
    """Rows of the side-by-side table: one per count, one cell per offer."""
    rows = []
    for count in counts:
        cells = [offer["terms_by_count"].get(count["id"]) for offer in offers]
        rows.append({"count": count, "cells": cells})
    return rows


def _pleas(counts, offers):
    """Each distinct plea of each count, with the letters of the offers that make it.

    Offers often plead a count the same way (the standard offer and an alternative differing on
    another count); their flags are then identical and are printed once, each flag with the
    overrides of it from every offer that makes the plea (an override is per offer).
    """
    pleas = []
    for count in counts:
        by_key = {}
        for offer in offers:
            term = offer["terms_by_count"].get(count["id"])
            if term is None:
                continue
            key = _plea_key(term)
            if key not in by_key:
                by_key[key] = {"count": count, "term": term, "letters": []}
                pleas.append(by_key[key])
            plea = by_key[key]
            plea["letters"].append(offer["letter"])
            # Same plea key, same flags in the same order: the n-th flag is the same flag.
            for flag, same in zip(plea["term"]["flags"], term["flags"], strict=True):
                if same["override"]:
                    flag["overrides"].append({**same["override"], "letter": offer["letter"]})
    return pleas


def _number_citations(pleas, offers):
    """Number the authorities in the order section 3 cites them; each flag gets its numbers.

    The same few statutes and cases are cited by many flags; printing them once, in a numbered
    list, keeps the flags table short (and the PDF quick to lay out) without losing any.
    """
    numbers: dict[str, int] = {}
    flags = [flag for plea in pleas for flag in plea["term"].get("flagged", [])]
    flags += [flag for offer in offers for flag in offer["whole_flags"]]
    for flag in flags:
        flag["refs"] = [numbers.setdefault(c, len(numbers) + 1) for c in flag["citations"] or []]
    return [{"number": number, "citation": citation} for citation, number in numbers.items()]


def _plea_key(term):
    """What decides a count's flags: the plea, the sentence, the record facts and the answer."""
    assessed = term["assessed"]
    flags = tuple(
        (flag["ground"], flag["subcategory"], flag["verdict"], flag["condition"])
        for flag in assessed.get("flags", [])
    )
    return (
        term["dismissed"],
        term["statute"],
        term["level"],
        term["custody_days_imposed"],
        term["custody_days_suspended"],
        tuple(sorted(term["facts"].items())),
        flags,
    )


def _alternatives(content, offers):
    """The engine's safer alternatives, once per (count, statute pleaded, alternative)."""
    seen = set()
    rows = []
    for offer in offers:
        for count in content["counts"]:
            term = offer["terms_by_count"].get(count["id"])
            if term is None:
                continue
            for alternative in term["assessed"].get("alternatives", []):
                key = (count["number"], term["statute"], alternative["code"])
                if key in seen:
                    continue
                seen.add(key)
                flags = [_flag(flag, None) for flag in alternative.get("flags", [])]
                rows.append(
                    {
                        "count": count["number"],
                        "instead_of": term["statute"] or count["statute"],
                        "code": alternative["code"],
                        "title": alternative["title"],
                        "conditions": alternative["conditions"],
                        "flagged": [flag for flag in flags if flag["flagged"]],
                        "citations": alternative.get("citations", []),
                        "offered_in": _offers_pleading(offers, count["id"], alternative["code"]),
                    }
                )
    return rows


def _offers_pleading(offers, count_id, code):
    """The letters of the offers that plead this count to `code`: the alternative was taken up."""
    normal = code.replace(" ", "").lower()
    return [
        offer["letter"]
        for offer in offers
        if (term := offer["terms_by_count"].get(count_id))
        and term["statute"].replace(" ", "").lower() == normal
    ]


def _flag(flag, override):
    """An engine flag with its labels and `override`, the deputy's override of this flag or None.

    `overrides` is filled by `_pleas`: the overrides of the flag from every offer printed with it.
    """
    verdict = flag.get("verdict")
    return {
        **flag,
        "ground_label": _ground(flag.get("ground")),
        "subcategory_label": _subcategory(flag),
        "condition_label": labels.condition_label(flag.get("condition")),
        "verdict_label": _verdict_label(verdict),
        "flagged": verdict in Verdict.values and Verdict(verdict).is_flagged,
        "statuses_label": _statuses(flag.get("statuses") or []),
        "overrides": [],
        "override": override
        and {**override, "verdict_label": _verdict_label(override["deputy_verdict"])},
    }


def _verdict_label(value):
    return Verdict(value).label if value in Verdict.values else value


def _ground(value):
    return Ground(value).label if value in Ground.values else value


def _subcategory(flag):
    return labels.subcategory_label(flag.get("ground"), flag.get("subcategory"), long=True)


# Short names for the "Matters for" column; the legend under section 3's heading spells them out.
STATUS_SHORT = {
    Status.POSSIBLE_DERIVATIVE_CITIZEN: "possible citizen",
    Status.LPR: "LPR",
    Status.CONDITIONAL_LPR: "conditional LPR",
    Status.REFUGEE: "refugee",
    Status.ASYLEE: "asylee",
    Status.ASYLUM_APPLICANT: "asylum applicant",
    Status.NONIMMIGRANT_VISA: "visa holder",
    Status.TPS: "TPS",
    Status.DACA: "DACA",
    Status.U_T_VISA: "U/T visa",
    Status.VAWA_SELF_PETITIONER: "VAWA",
    Status.SIJS: "SIJS",
    Status.PAROLEE: "parolee",
    Status.UNDOCUMENTED_EWI: "undocumented (EWI)",
    Status.UNDOCUMENTED_OVERSTAY: "undocumented (overstay)",
    Status.PRIOR_REMOVAL_ORDER: "prior removal order",
}
STATUS_LEGEND = (
    "LPR: lawful permanent resident; EWI: entered without inspection; possible citizen: possible "
    "derivative citizen; U/T visa: U or T visa holder or applicant; VAWA: VAWA self-petitioner; "
    "SIJS: special immigrant juvenile"
)


# Pairs printed as one word when both are listed, to keep the "Matters for" column short.
STATUS_PAIRS = (
    ((Status.LPR, Status.CONDITIONAL_LPR), "LPR (incl. conditional)"),
    ((Status.UNDOCUMENTED_EWI, Status.UNDOCUMENTED_OVERSTAY), "undocumented"),
)


def _statuses(values):
    """The statuses a flag matters for, shortly: "every non-citizen status", "all but …", a list."""
    known = [value for value in values if value in STATUS_SHORT]
    if not known or set(known) >= NON_CITIZEN_STATUSES:
        return "every non-citizen status"
    missing = [status for status in STATUS_SHORT if status not in known]
    if len(missing) <= 3:
        return "all but " + ", ".join(STATUS_SHORT[status] for status in missing)
    words = {Status(value): STATUS_SHORT[Status(value)] for value in known}
    for pair, word in STATUS_PAIRS:
        if all(status in words for status in pair):
            words[pair[0]] = word
            del words[pair[1]]
    return ", ".join(words.values())


def _letters():
    for index in range(26 * 27):
        yield chr(65 + index) if index < 26 else chr(64 + index // 26) + chr(65 + index % 26)


# The risk grid: counts against offers, for the case page, the worksheet, the review and the PDF.

FLAGGED_VERDICTS = (Verdict.YES, Verdict.ASSUME_YES, Verdict.UNCLEAR)
_GROUND_ORDER = {ground.value: index for index, ground in enumerate(Ground)}
# Readable without colour: each verdict also has a symbol and its word.
VERDICT_SYMBOL = {Verdict.YES: "■", Verdict.ASSUME_YES: "▲", Verdict.UNCLEAR: "?"}


def grid_column(
    key, heading, results, *, whole_flags=None, subheading="", reference=False, compared=True
):
    """One column of the risk grid: an offer (or the counts as charged).

    `results` maps a count id to the engine's count dict (analysis.assess_*, or a worksheet
    term's `assessed`); `whole_flags` are the grounds only the whole offer triggers (None when
    the column has no such row, as the counts as charged). A `compared` column says what it
    clears and adds against the reference column.
    """
    return {
        "key": key,
        "heading": heading,
        "subheading": subheading,
        "results": results,
        "whole_flags": whole_flags,
        "reference": reference,
        "compared": compared and not reference,
    }


def risk_grid(counts, columns, *, pleas=None):
    """Rows of counts against columns of offers; each cell the grounds flagged there.

    `counts`: [{"id", "number", "statute", "title"}]. `pleas` maps (column key, count id) to a
    short plea line ("PC 243(e)(1), misdemeanor, 364 days"). Cells list the flagged grounds
    most serious first (verdict, then the engine's order of grounds) grouped by verdict, and
    against the reference column (the standard offer) what this offer clears and adds. A whole-
    offer row holds the disposition-level grounds (two CIMTs, aggregate sentence, DACA/TPS).
    """
    pleas = pleas or {}
    reference = next((column for column in columns if column["reference"]), None)
    rows = []
    for count in counts:
        cells = []
        base = _grid_cell(reference["results"].get(count["id"]), None) if reference else None
        for column in columns:
            cell = _grid_cell(
                column["results"].get(count["id"]),
                base if column["compared"] else None,
            )
            cell["anchor"] = f"flags-c{count['number']}-{column['key']}"
            cell["plea"] = pleas.get((column["key"], count["id"]), "")
            cells.append(cell)
        rows.append({"count": count, "cells": cells})
    whole = None
    if any(column["whole_flags"] is not None for column in columns):
        base = (
            _flags_cell(reference["whole_flags"] or [], None)
            if reference and reference["whole_flags"] is not None
            else None
        )
        whole = []
        for column in columns:
            if column["whole_flags"] is None:
                cell = {"kind": "absent", "groups": [], "cleared": [], "added": []}
            else:
                cell = _flags_cell(
                    column["whole_flags"],
                    base if column["compared"] else None,
                )
                cell["anchor"] = f"flags-whole-{column['key']}"
            whole.append(cell)
    return {"columns": columns, "rows": rows, "whole": whole}


def _grid_cell(result, base):
    if result is None:
        return {"kind": "absent", "groups": [], "cleared": [], "added": []}
    if result.get("dismissed"):
        return {
            "kind": "dismissed",
            "groups": [],
            "cleared": [label for _, label in base["keys_labels"]] if base else [],
            "added": [],
            "keys_labels": [],
        }
    if not (result.get("offense") or {}).get("known", True):
        return {"kind": "unknown", "groups": [], "cleared": [], "added": [], "keys_labels": []}
    return _flags_cell(result.get("flags") or [], base)


def _flags_cell(flags, base):
    """The flagged grounds of a cell, most serious first, grouped by verdict."""
    shown = []
    for flag in flags:
        verdict = flag.get("verdict")
        if verdict not in Verdict.values or not Verdict(verdict).is_flagged:
            continue
        shown.append(
            {
                "key": (flag.get("ground"), flag.get("subcategory") or ""),
                "verdict": verdict,
                "label": grid_label(flag),
            }
        )
    shown.sort(
        key=lambda item: (-Verdict(item["verdict"]).severity, _GROUND_ORDER.get(item["key"][0], 99))
    )
    groups = []
    for verdict in FLAGGED_VERDICTS:
        grounds = [item["label"] for item in shown if item["verdict"] == verdict]
        if grounds:
            groups.append(
                {
                    "verdict": verdict.value,
                    "label": verdict.label,
                    "symbol": VERDICT_SYMBOL[verdict],
                    "grounds": grounds,
                }
            )
    keys_labels = [(item["key"], item["label"]) for item in shown]
    cleared, added = [], []
    if base is not None and base.get("keys_labels") is not None:
        mine = {key for key, _ in keys_labels}
        theirs = {key for key, _ in base["keys_labels"]}
        cleared = [label for key, label in base["keys_labels"] if key not in mine]
        added = [label for key, label in keys_labels if key not in theirs]
    return {
        "kind": "flags",
        "groups": groups,
        "top": groups[0]["verdict"] if groups else "none",
        "total": len(shown),
        "cleared": cleared,
        "added": added,
        "keys_labels": keys_labels,
    }


def grid_label(flag):
    """A ground as the grid names it: the label, and the subcategory where it tells bars apart."""
    label = labels.ground_label(flag.get("ground"))
    subcategory = labels.subcategory_label(flag.get("ground"), flag.get("subcategory"), short=True)
    # "Domestic violence, stalking, … (domestic violence)" says the same thing twice.
    if not subcategory or subcategory.lower() in label.lower():
        return label
    return f"{label} ({subcategory})"


def statuses_summary(results):
    """The statuses any flagged ground of a count matters for, said once for the count."""
    values: set[str] = set()
    for result in results:
        for flag in (result or {}).get("flags") or []:
            verdict = flag.get("verdict")
            if verdict in Verdict.values and Verdict(verdict).is_flagged:
                values.update(flag.get("statuses") or NON_CITIZEN_STATUSES)
    return _statuses(sorted(values)) if values else ""


def worksheet_grid(content, offers=None):
    """The risk grid of the offers a worksheet considered, for its page and its review.

    The reference column is the standard offer (else the first considered): the other offers
    say what they clear and add against it, which is the departure a supervisor reviews.
    """
    offers = lay_out_offers(content) if offers is None else offers
    reference = next((offer for offer in offers if offer.get("is_standard")), None)
    reference = reference or (offers[0] if offers else None)
    columns, pleas = [], {}
    for offer in offers:
        key = f"o{offer['id']}"
        columns.append(
            grid_column(
                key,
                f"{offer['letter']}: {offer['name']}",
                {count_id: term["assessed"] for count_id, term in offer["terms_by_count"].items()},
                whole_flags=offer["analysis"].get("flags", []),
                subheading=f"{offer['label']} · {offer['status']}"
                + (" · chosen" if offer["chosen"] else ""),
                reference=offer is reference,
            )
        )
        for count_id, term in offer["terms_by_count"].items():
            pleas[(key, count_id)] = plea_line(term)
    counts = [
        {
            "id": count["id"],
            "number": count["number"],
            "statute": count["statute"],
            "title": count.get("title") or "",
            "level": count.get("level") or "",
        }
        for count in content["counts"]
    ]
    return risk_grid(counts, columns, pleas=pleas)


def plea_line(term):
    """A plea in a few words for a grid cell: the statute, the level and the custody imposed."""
    if term.get("dismissed"):
        return "Dismissed"
    parts = [term.get("statute"), (term.get("level") or "").lower()]
    parts.append(f"{term.get('custody_days_imposed', 0)} days")
    return ", ".join(part for part in parts if part)


def departure(grid):
    """What the offers change against the reference offer, count by count: the plea, and the
    grounds cleared and added (from the grid's cells). Empty when nothing departs."""
    reference = next(
        (index for index, column in enumerate(grid["columns"]) if column["reference"]), None
    )
    if reference is None:
        return []
    changes = []
    for index, column in enumerate(grid["columns"]):
        if index == reference:
            continue
        rows = []
        for row in grid["rows"]:
            cell, base = row["cells"][index], row["cells"][reference]
            if cell["plea"] != base["plea"] or cell["cleared"] or cell["added"]:
                rows.append(
                    {
                        "count": row["count"],
                        "from": base["plea"],
                        "to": cell["plea"],
                        "cleared": cell["cleared"],
                        "added": cell["added"],
                    }
                )
        whole = (grid["whole"] or [None] * len(grid["columns"]))[index]
        changes.append(
            {
                "column": column,
                "reference": grid["columns"][reference],
                "rows": rows,
                "whole_cleared": whole["cleared"] if whole else [],
                "whole_added": whole["added"] if whole else [],
            }
        )
    return changes
