"""Campaigns every deployment starts with, as drafts for staff to review and enable."""

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as DatabaseEngine

from bot.campaigns.service import create_campaign
from bot.core import i18n
from bot.core.i18n import Catalogues, _
from bot.domain import Locale
from bot.storage.database import new_session
from bot.storage.models import Tally
from bot.storage.upsert import insert_ignoring_conflicts

SEEDED = "builtin_campaigns_seeded"


def seed_builtin_campaigns(database: DatabaseEngine, catalogues: Catalogues, tz: ZoneInfo) -> bool:
    """Create the World Fair Trade Day drafts once per database; False when already done."""
    with new_session(database) as session:
        first_time = insert_ignoring_conflicts(session, Tally, {"name": SEEDED, "value": 1})
        session.commit()
    if not first_time:
        return False
    translator = catalogues.translator(Locale.FR)
    with i18n.using(translator):
        message = _(
            "C'est la Journée mondiale du commerce équitable ! Un commerce plus juste pour "
            "les producteurs, c'est aussi l'économie sociale et solidaire. Écrivez « commerce "
            "équitable » pour en savoir plus, ou STOP pour ne plus recevoir nos messages."
        )
        # The DGES marks 14 May; the World Fair Trade Organization the second Saturday of May.
        for name, schedule in (
            # The months are Babel's, as every date the deployment writes ("ماي" in Algeria).
            (
                _("Journée mondiale du commerce équitable ({day})").format(
                    day=translator.format_day_month(date(2000, 5, 14))
                ),
                "yearly:05-14 09:00",
            ),
            (
                _("Journée mondiale du commerce équitable (2e samedi de {month})").format(
                    month=translator.month_name(5)
                ),
                "rule:second saturday of may at 9h",
            ),
        ):
            create_campaign(
                database,
                name=name,
                messages={Locale.FR.value: message},
                tz=tz,
                audience="all groups",
                schedule=schedule,
                draft=True,
            )
    return True
