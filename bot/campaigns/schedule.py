"""When a campaign runs: now, at a local date-time, or on a recurring APScheduler trigger.

A schedule is stored as a short text so staff can read it in `relais campaign show`:
`now`, `at:2027-05-14T09:00`, `yearly:05-14`, `rule:second saturday of may`, `cron:0 9 * * 1`.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.core.i18n import N_
from bot.errors import ExplainedError
from bot.text import fold

DEFAULT_TIME = time(9, 0)

_ORDINALS = {
    "1st": "1st", "first": "1st", "premier": "1st", "1er": "1st", "1e": "1st",
    "2nd": "2nd", "second": "2nd", "deuxieme": "2nd", "2e": "2nd", "2eme": "2nd",
    "3rd": "3rd", "third": "3rd", "troisieme": "3rd", "3e": "3rd", "3eme": "3rd",
    "4th": "4th", "fourth": "4th", "quatrieme": "4th", "4e": "4th", "4eme": "4th",
    "5th": "5th", "fifth": "5th", "cinquieme": "5th", "5e": "5th",
    "last": "last", "dernier": "last",
}  # fmt: skip
_WEEKDAYS = {
    "monday": "mon", "lundi": "mon", "tuesday": "tue", "mardi": "tue",
    "wednesday": "wed", "mercredi": "wed", "thursday": "thu", "jeudi": "thu",
    "friday": "fri", "vendredi": "fri", "saturday": "sat", "samedi": "sat",
    "sunday": "sun", "dimanche": "sun",
}  # fmt: skip
_MONTHS = {
    "january": 1, "janvier": 1, "february": 2, "fevrier": 2, "march": 3, "mars": 3,
    "april": 4, "avril": 4, "may": 5, "mai": 5, "june": 6, "juin": 6, "july": 7,
    "juillet": 7, "august": 8, "aout": 8, "september": 9, "septembre": 9, "october": 10,
    "octobre": 10, "november": 11, "novembre": 11, "december": 12, "decembre": 12,
}  # fmt: skip
_TIME = re.compile(r"\b(?:at|a)?\s*(\d{1,2})\s*(?:h|:)\s*(\d{2})?\b")


class ScheduleError(ExplainedError, ValueError):
    """A schedule that cannot be understood; the message says what is accepted."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule: its stored text and its trigger (None means "now")."""

    spec: str
    trigger: BaseTrigger | None

    @property
    def recurring(self) -> bool:
        """Tell whether the schedule fires more than once."""
        return isinstance(self.trigger, CronTrigger)

    def next_after(self, moment: datetime) -> datetime | None:
        """Return the first firing strictly after `moment` (None when there is none)."""
        if self.trigger is None:
            return None
        fire: datetime | None = self.trigger.get_next_fire_time(None, moment)
        if fire is not None and fire <= moment and self.recurring:
            fire = self.trigger.get_next_fire_time(fire, fire)
        return fire


def parse_schedule(spec: str, tz: ZoneInfo) -> Schedule:
    """Read a stored schedule text."""
    kind, _, value = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "now":
        return Schedule("now", None)
    if kind == "at":
        return Schedule(spec, DateTrigger(run_date=_local(value, tz), timezone=tz))
    if kind == "yearly":
        return Schedule(spec, _yearly(value, tz))
    if kind == "rule":
        return Schedule(spec, rule_trigger(value, tz))
    if kind == "cron":
        expression = _standard_weekdays(value)  # its own reason when the fields are wrong
        try:
            return Schedule(spec, CronTrigger.from_crontab(expression, timezone=tz))
        except ValueError as error:
            raise ScheduleError(
                N_("expression cron incorrecte « {value} » : {error}"), value=value, error=error
            ) from error
    raise ScheduleError(
        N_(
            "programmation inconnue « {value} » : utilisez now, at:DATE-ISO, yearly:MM-JJ, "
            "rule:TEXTE ou cron:EXPRESSION"
        ),
        value=spec,
    )


def rule_trigger(text: str, tz: ZoneInfo) -> CronTrigger:
    """Understand "second Saturday of May", "2e samedi de mai à 10h", "every monday"."""
    words = fold_keeping_times(text)
    at = _time_of(words)
    tokens = words.split()
    weekday = next((_WEEKDAYS[token] for token in tokens if token in _WEEKDAYS), None)
    month = next((_MONTHS[token] for token in tokens if token in _MONTHS), None)
    ordinal = next((_ORDINALS[token] for token in tokens if token in _ORDINALS), None)
    if weekday and ordinal and month:
        return CronTrigger(
            month=month, day=f"{ordinal} {weekday}", hour=at.hour, minute=at.minute, timezone=tz
        )
    if weekday and ordinal:
        return CronTrigger(day=f"{ordinal} {weekday}", hour=at.hour, minute=at.minute, timezone=tz)
    if weekday and ({"every", "chaque", "weekly", "tous", "les"} & set(tokens)):
        return CronTrigger(day_of_week=weekday, hour=at.hour, minute=at.minute, timezone=tz)
    day = re.search(r"\b(?:day|jour|le)\s+(\d{1,2})\b", words)
    if day and ({"month", "mois", "monthly", "mensuel"} & set(tokens)):
        return CronTrigger(day=int(day.group(1)), hour=at.hour, minute=at.minute, timezone=tz)
    raise ScheduleError(
        N_(
            "règle illisible « {value} » : essayez « 2e samedi de mai », « second saturday of "
            "may », « chaque lundi à 9h » ou « day 1 of every month »"
        ),
        value=text,
    )


def _standard_weekdays(expression: str) -> str:
    """Read the day-of-week field as cron does (0 or 7 = Sunday); APScheduler 3 starts at Monday."""
    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError(
            N_(
                "une expression cron a 5 champs (minute heure jour mois jour-de-semaine), "
                "pas « {value} »"
            ),
            value=expression,
        )
    names = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
    fields[4] = re.sub(r"(?<![/\d])\d(?!\d)", lambda match: names[int(match.group())], fields[4])
    return " ".join(fields)


def _yearly(value: str, tz: ZoneInfo) -> CronTrigger:
    match = re.fullmatch(r"(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?", value.strip())
    if match is None:
        raise ScheduleError(
            N_("yearly attend MM-JJ (ou MM-JJ HH:MM), pas « {value} »"), value=value
        )
    month, day, hour, minute = match.groups()
    at = time(int(hour), int(minute)) if hour else DEFAULT_TIME
    try:
        return CronTrigger(
            month=int(month), day=int(day), hour=at.hour, minute=at.minute, timezone=tz
        )
    except ValueError as error:
        raise ScheduleError(
            N_("la date « {value} » n'existe pas : {error}"), value=value, error=error
        ) from error


def _local(value: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise ScheduleError(
            N_("« {value} » n'est pas une date et une heure ISO (par exemple 2027-05-14T09:00)"),
            value=value,
        ) from error
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _time_of(words: str) -> time:
    match = _TIME.search(words)
    if match is None:
        return DEFAULT_TIME
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(N_("heure impossible dans « {value} »"), value=words)
    return time(hour, minute)


def fold_keeping_times(text: str) -> str:
    """Fold a schedule's words, keeping ":" so that times such as 9:30 stay whole."""
    return fold(text, keep=":")
