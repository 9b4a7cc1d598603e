"""Roast words: what a unit does and why it sways one reading, in the client's temperature unit.

Every sentence stays true: a threshold is named only where it lies inside the valid input range,
and a unit without a clear region is never described as one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.data import (
    DURATION_RANGE,
    REGION_BY_KEY,
    TEMPERATURE_RANGE,
    VALID_DURATION_RANGE,
    VALID_TEMPERATURE_RANGE,
    in_unit,
)

if TYPE_CHECKING:
    from model.network import Network
    from model.roles import Role

# A unit's state on one reading; see Explainer.predict_many for how each is decided.
RESPONSIBLE, ALSO_BAD, NEAR_BAD, CLEAR = "responsible", "also_bad", "near_bad", "clear"
STATES = (CLEAR, RESPONSIBLE, ALSO_BAD, NEAR_BAD)  # a state's code is its place here

# (axis, bad above the threshold?) -> words on the good side
_GOOD_WORDS = {
    ("temperature", False): "temperature high enough",
    ("temperature", True): "temperature low enough",
    ("duration", False): "duration long enough",
    ("duration", True): "duration short enough",
    ("diagonal", True): "time and temperature in balance",
    ("diagonal", False): "time and temperature in balance",
}


# How each kind of number is written, as %-formats: a sentence is then one format operation.
DEGREES = {"C": "%.1f °C", "F": "%.1f °F"}
MINUTES = "%.2f min"
PUSH = "%.2f"


def temperature(celsius: float, unit: str = "C") -> str:
    """Format a temperature to 0.1 degree in °C or °F."""
    return DEGREES["F" if unit == "F" else "C"] % in_unit(celsius, unit)


def temperature_gap(celsius: float, unit: str = "C") -> str:
    """Format a temperature difference to 0.1 degree in °C or °F."""
    return DEGREES["F" if unit == "F" else "C"] % _gap_in_unit(celsius, unit)


def _gap_in_unit(celsius: float, unit: str) -> float:
    return celsius * 9 / 5 if unit == "F" else celsius


def minutes(value: float) -> str:
    return MINUTES % value


def _inside(value: float, span: tuple[float, float]) -> bool:
    return span[0] <= value <= span[1]


def _every(axis: str, unit: str) -> str:
    if axis == "temperature":
        lo, hi = VALID_TEMPERATURE_RANGE
        return f"at every temperature from {temperature(lo, unit)} to {temperature(hi, unit)}"
    lo, hi = VALID_DURATION_RANGE
    return f"for every duration from {lo:g} to {hi:g} min"


def _side(bad: bool) -> str:
    return "bad" if bad else "good"


def words(role: Role) -> tuple[str, str]:
    """Return the phrases for this unit's bad side and its good side."""
    if role.covers_region:
        return REGION_BY_KEY[role.region].words, _GOOD_WORDS[(role.axis, role.bad_above)]
    return "on its bad side (no clear region)", "on its good side (no clear region)"


def describe(role: Role, net: Network) -> str:
    """Say what the unit does over the domain, in °C and minutes."""
    mean_t, mean_d = (float(v) for v in net.mean)
    low, high = role.push_range
    if not role.live and not role.constant:  # inactive
        return ("inactive: it moves the log-odds by less than 1 everywhere in the training range, "
                "so it does not sway the verdict there")
    if role.constant:
        a_lo, a_hi = role.activation_range
        on = "on" if a_lo >= 0.5 else "off" if a_hi < 0.5 else "flat"
        return (f"constant: always {on} over the training range (activation {a_lo:.2f}–{a_hi:.2f}), "
                f"it pulls every roast's log-odds {low:.2f}–{high:.2f} towards bad, whatever the reading")
    bad, _ = words(role)
    side = "above" if role.bad_above else "below"
    if role.axis == "temperature":
        th = role.threshold(mean_t, mean_d)
        if _inside(th, VALID_TEMPERATURE_RANGE):
            text = f"signals a bad roast {side} {temperature(th)} (at the mean duration of {minutes(mean_d)})"
        else:
            text = _flat(role, mean_t, mean_d, f"at the mean duration of {minutes(mean_d)}")
    elif role.axis == "duration":
        th = role.threshold(mean_t, mean_d)
        if _inside(th, VALID_DURATION_RANGE):
            text = (f"signals a bad roast {side} {minutes(th)} "
                    f"(at the mean temperature of {temperature(mean_t)})")
        else:
            text = _flat(role, mean_t, mean_d, f"at the mean temperature of {temperature(mean_t)}")
    else:
        slope, intercept = -role.a_t / role.a_d, -role.c / role.a_d
        th = role.threshold(220.0, mean_d)
        example = (f"for example {minutes(th)} at 220.0 °C" if _inside(th, VALID_DURATION_RANGE)
                   else f"at 220.0 °C it is on its {_side(_bad_at(role, 220.0, mean_d))} side "
                        f"{_every('duration', 'C')}")
        text = (f"signals a bad roast when the duration is {side} {intercept:.2f} "
                f"{'-' if slope < 0 else '+'} {abs(slope):.4f} × temperature in °C ({example})")
    if role.unclear:
        return f"no clear bad-roast region (best agreement {role.agreement:.2f}): {text}"
    return f"{bad}: {text}"


def _bad_at(role: Role, t: float, d: float) -> bool:
    return role.sign * (role.a_t * t + role.a_d * d + role.c) > 0


def _flat(role: Role, t: float, d: float, where: str) -> str:
    axis = "temperature" if role.axis == "temperature" else "duration"
    return f"{where} it does not change: on its {_side(_bad_at(role, t, d))} side {_every(axis, 'C')}"


_PULLS = (RESPONSIBLE, ALSO_BAD)  # the states whose sentences say how hard the unit pulls


def reason(role: Role, t: float, d: float, state: str, push: float, unit: str = "C",
           extrapolated: bool = False) -> str:
    """Say in roast words why unit ``role`` does or does not make reading (t °C, d min) bad.

    ``state`` is one of RESPONSIBLE, ALSO_BAD, NEAR_BAD, CLEAR; ``push`` the unit's push on it.
    Each kind of sentence (state, side, where the reading stands, unit, extrapolated) is a
    %-format made once per unit, so a sentence costs one format operation and a little arithmetic.
    """
    unit = "F" if unit == "F" else "C"
    numbers: tuple[float, ...] = ()
    if not role.live:
        where, bad_side = "", False
    else:
        bad_side = _bad_at(role, t, d)
        th = role.threshold(t, d)
        # Where the reading stands against the unit's threshold ("over", "under"), or the side
        # the unit is on along its whole axis when no threshold lies inside the valid range;
        # and the numbers the sentence names, in the order of its slots.
        if role.axis == "temperature":
            if _inside(th, VALID_TEMPERATURE_RANGE):
                where = "over" if t > th else "under"
                numbers = (in_unit(t, unit), _gap_in_unit(abs(t - th), unit), in_unit(th, unit))
            else:
                where, numbers = _side(bad_side), (d,)
        else:
            shown_t = in_unit(t, unit)
            if _inside(th, VALID_DURATION_RANGE):
                where = "over" if d > th else "under"
                numbers = (shown_t, th, d, abs(d - th)) if role.axis == "diagonal" else (d, abs(d - th), th)
            else:
                where, numbers = _side(bad_side), (shown_t,)
    form = _form_of(role, state, bad_side, where, unit, extrapolated)
    return form % ((*numbers, push) if state in _PULLS or not role.live else numbers)


def reasons(role: Role, t: np.ndarray, d: np.ndarray, state: np.ndarray, push: np.ndarray,
            fahrenheit: np.ndarray, extrapolated: np.ndarray) -> list[str]:
    """Return ``reason`` for many readings of one unit, the same sentences to the character.

    t, d, push : (n,) floats; state : (n,) codes (places in STATES); fahrenheit, extrapolated :
    (n,) bools. The numbers come from whole-array arithmetic in ``reason``'s order (so the same
    bits); the readings are then taken a kind of sentence at a time, one %-format each.
    """
    n = len(t)
    if n == 0:
        return []
    no = np.zeros(n, dtype=bool)
    if role.live:
        bad_side, inside, over, numbers = _placed(role, t, d, fahrenheit)
        pulls = np.isin(state, [STATES.index(s) for s in _PULLS])
    else:  # no threshold: the sentence names the push alone
        bad_side, inside, over, numbers = no, no, no, ((), ())
        pulls = ~no
    # The key of reason's formats, as the bits of one code per reading.
    code = state.astype(np.int64) * 32 + bad_side * 16 + inside * 8 + over * 4 + fahrenheit * 2 + extrapolated
    order = np.argsort(code, kind="stable")
    ordered = code[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]).tolist()
    made: list[str] = []
    for start, stop in zip(starts, [*starts[1:], n], strict=True):
        which = order[start:stop]
        i = int(which[0])  # any reading of this kind
        side = bool(bad_side[i])
        where = ("over" if over[i] else "under") if inside[i] else _side(side) if role.live else ""
        form = _form_of(role, STATES[state[i]], side, where, "F" if fahrenheit[i] else "C",
                        bool(extrapolated[i]))
        columns = [c[which].tolist() for c in numbers[0 if inside[i] else 1]]
        if pulls[i]:
            columns.append(push[which].tolist())
        made += map(form.__mod__, zip(*columns, strict=True))
    out = np.empty(n, dtype=object)
    out[order] = made
    return out.tolist()


Numbers = tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]  # a threshold inside; none inside


def _placed(role: Role, t: np.ndarray, d: np.ndarray, fahrenheit: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Numbers]:
    """``reason``'s arithmetic over arrays: each reading's side of a live unit, whether its
    threshold lies inside the valid range and the reading is over it, and the numbers the
    sentences name (threshold inside; not inside), in the order of their slots."""
    bad_side = role.sign * (role.a_t * t + role.a_d * d + role.c) > 0
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero slope: no threshold inside
        if role.axis == "temperature":
            th = -(role.a_d * d + role.c) / role.a_t
        else:
            th = -(role.a_t * t + role.c) / role.a_d
    shown_t = np.where(fahrenheit, t * 9 / 5 + 32, t)
    if role.axis == "temperature":
        span, along, gap = VALID_TEMPERATURE_RANGE, t, np.abs(t - th)
        shown_th = np.where(fahrenheit, th * 9 / 5 + 32, th)
        numbers: Numbers = ((shown_t, np.where(fahrenheit, gap * 9 / 5, gap), shown_th), (d,))
    else:
        span, along, gap = VALID_DURATION_RANGE, d, np.abs(d - th)
        numbers = ((shown_t, th, d, gap) if role.axis == "diagonal" else (d, gap, th), (shown_t,))
    inside = (span[0] <= th) & (th <= span[1])
    return bad_side, inside, inside & (along > th), numbers


def _form_of(role: Role, state: str, bad_side: bool, where: str, unit: str, extrapolated: bool) -> str:
    """Return the unit's %-format for one kind of sentence, made on its first use."""
    key = (state, bad_side, where, unit, extrapolated)
    forms = role.sentence_forms
    form = forms.get(key)
    if form is None:
        form = forms[key] = _form(role, *key)
    return form


def _form(role: Role, state: str, bad_side: bool, where: str, unit: str, extrapolated: bool) -> str:
    """Return the %-format of one kind of sentence of one unit: slots for the numbers that
    ``reason`` passes, in that order, and last the push where the unit pulls."""
    tail = _escape(_off_range(unit)) if extrapolated else ""
    if not role.live:
        kind = "constant over the training range" if role.constant else "inactive over the training range"
        tipped = ", enough to tip the verdict" if state == RESPONSIBLE else ""
        return f"{kind}: here it pulls the log-odds {PUSH} towards bad{tipped}{tail}"
    bad, good = (_escape(w) for w in words(role))
    if state == RESPONSIBLE:
        head = bad
    elif state == ALSO_BAD:
        head = f"{bad} as well" if bad_side else f"{good}, but only just"
    elif state == NEAR_BAD:
        head = f"{bad}, but not enough to spoil the roast" if bad_side else f"{good}, but close"
    else:
        head = bad if bad_side else good
    form = f"{head}: {_where(role.axis, where, unit)}"
    if state in _PULLS:
        pulls = "pulls" if bad_side else "is still close enough to pull"
        form += f"; it {pulls} the log-odds {PUSH} towards bad"
    return form + tail


def _where(axis: str, where: str, unit: str) -> str:
    """The %-format placing a reading against a unit's threshold, or saying that the unit does
    not change along its axis there (``where`` is then the side it is on)."""
    T = DEGREES[unit]
    if where in ("bad", "good"):
        if axis == "temperature":
            return f"at {MINUTES} this neuron is on its {where} side {_escape(_every('temperature', unit))}"
        return f"at {T} this neuron is on its {where} side {_escape(_every('duration', unit))}"
    if axis == "temperature":
        return f"{T} is {T} {where} this neuron's threshold of {T}"
    if axis == "diagonal":
        return f"at {T} this neuron's duration limit is {MINUTES} and {MINUTES} is {MINUTES} {where} it"
    return f"{MINUTES} is {MINUTES} {where} this neuron's threshold of {MINUTES}"


def _escape(text: str) -> str:
    return text.replace("%", "%%")


def _off_range(unit: str) -> str:
    (t_lo, t_hi), (d_lo, d_hi) = TEMPERATURE_RANGE, DURATION_RANGE
    return (f" (extrapolated: outside the training range of {temperature(t_lo, unit)}–"
            f"{temperature(t_hi, unit)} and {d_lo:g}–{d_hi:g} min)")
