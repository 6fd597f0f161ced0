"""Every warning the analysis can give: its stable code and its sentence.

Codes are part of the JSON schema (``docs/schema.md``); a side-specific code
ends in ``_left`` or ``_right`` (the person's own side). Messages are plain
sentences for people, filled in from the keyword fields.
"""

from __future__ import annotations

from ..results import Notice, Side

__all__ = ["MESSAGES", "notice"]

#: Kind -> message template. Kinds marked per side get ``_<side>`` in the code.
MESSAGES: dict[str, str] = {
    "no_person": "No person was found in the photo.",
    "no_person_shape": (
        "No person was found in the photo: the pose model's detection is not backed by a "
        "person-shaped region."
    ),
    "several_people": (
        "{count} or more people are in the photo; the largest was measured. Progress photos "
        "compare best with one person in the picture."
    ),
    "other_regions": (
        "Other people or large objects were also segmented; only the most prominent person "
        "was measured."
    ),
    "hips_not_visible": (
        "The shoulders and hips are not all in the photo, so the hip outline cannot be measured."
    ),
    "side_view": (
        "Side view: a hip dip shows on the body's outline only from the front or back, so no "
        "dip was measured."
    ),
    "view_unknown": (
        "{facing}; dips are measured on front or back views only."
    ),
    "not_standing": (
        "The person does not seem to be standing (sitting, crouching or lunging): hip dips are "
        "measured on a standing person, so none was measured."
    ),
    "outline_clipped": (
        "The photo's edge cuts through the person's {side} hip, so that side was not measured."
    ),
    "arm_touching": (
        "The person's {side} arm or hand touches the hip outline, so that side was not "
        "measured; hold the arms a little away from the body."
    ),
    "outline_incomplete": (
        "The outline of the person's {side} hip could not be traced (the person mask has a gap "
        "there), so that side was not measured."
    ),
    "borderline": (
        "The person's {side} dip measures {depth:.1f}% of hip width, within the measurement's "
        "own uncertainty (+-{sd:.1f} points) of the {threshold:.1f}% from which it counts as a "
        "dip: one photo cannot tell whether there is one."
    ),
    "clothing": (
        "The person's {side} hip outline looks like clothing, not the body: {why}. Its depth "
        "is reported, but whether the body has a dip there cannot be told; photograph the hips "
        "in fitted clothing."
    ),
    "low_contrast": (
        "The person's {side} hip edge barely stands out from the background (dark on dark, "
        "backlight or blur), so the outline there is the model's guess and whether there is a "
        "dip cannot be told; a plain background of another colour helps."
    ),
    "no_scale": (
        "A height was given, but the head or feet are not in the photo, so depths cannot be "
        "given in centimetres."
    ),
    "hip_popped": (
        "Hip-popped stance: the pelvis is tilted {tilt:.0f} degrees with the weight on the "
        "{weight} leg. A tilted pelvis changes the outline of both hips, so these depths show "
        "the pose as much as the body; compare photos taken standing straight with the weight "
        "on both feet."
    ),
    "stance_unknown": (
        "Whether the stance is straight or hip-popped cannot be told: {why}. Dips compare best "
        "between photos taken standing straight with the weight on both feet."
    ),
    "waist_hidden": (
        "The waist outline is hidden or could not be traced over most of its height (arms "
        "held against it, often), so the waist-to-hip ratio was not measured."
    ),
}
#: Kinds whose code names the side.
_PER_SIDE = frozenset(
    {
        "outline_clipped",
        "arm_touching",
        "outline_incomplete",
        "borderline",
        "clothing",
        "low_contrast",
    }
)
#: Kinds that share a code with another: the code says what, the text says why.
_CODE = {"no_person_shape": "no_person", "other_regions": "several_people"}


def notice(kind: str, side: Side | None = None, **fields: object) -> Notice:
    """The warning of one kind, its message filled in.

    Examples
    --------
    >>> notice("arm_touching", "left").code
    'arm_touching_left'
    >>> notice("several_people", count=3).message.split(";")[0]
    '3 or more people are in the photo'
    """
    code = _CODE.get(kind, kind)
    if kind in _PER_SIDE:
        if side not in ("left", "right"):
            raise ValueError(f"{kind} needs the side, got {side!r}")
        code = f"{code}_{side}"
    return Notice(code, MESSAGES[kind].format(side=side, **fields))
