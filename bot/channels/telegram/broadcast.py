"""The staff's `/diffusion`: compose, pick the audience, see its size and a preview, confirm.

```mermaid
stateDiagram-v2
    [*] --> draft: /diffusion TEXT (a draft campaign)
    draft --> chosen: audience button (size shown)
    chosen --> sending: "Envoyer"
    draft --> [*]: "Annuler"
    chosen --> [*]: "Annuler"
    sending --> [*]: final counts
```
The buttons carry a `BroadcastStep` (packed `diff:<campaign id>:<step>`); the campaign itself
is the state, in the database, so a restart between two presses loses nothing. Only the staff's
presses are read: anyone can send a bot any callback data.
"""

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.campaigns import service
from bot.campaigns.runner import send_campaign
from bot.channels.base import Runtime
from bot.channels.telegram.sending import answer
from bot.channels.telegram.toolkit import Toolkit
from bot.core import i18n
from bot.core.i18n import Translator, _
from bot.core.messages import Choice, Outgoing
from bot.core.payloads import SEPARATOR, Payload, PayloadError
from bot.domain import CampaignState, OutboxStatus
from bot.storage.database import new_session
from bot.storage.models import Campaign

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

PROGRESS_EVERY = 2.0


class Step(StrEnum):
    """What a /diffusion button does: pick an audience, send, or drop the draft."""

    ALL = "all"
    GROUPS = "groups"
    BOTH = "both"
    SEND = "send"
    CANCEL = "cancel"


@dataclass(frozen=True)
class BroadcastStep(Payload, prefix="diff"):
    """A /diffusion button: the draft campaign, and the step a press on it takes."""

    campaign_id: int
    step: Step


# The audience expression of the campaigns each audience button chooses.
AUDIENCES = {Step.ALL: "all", Step.GROUPS: "groups", Step.BOTH: "all groups"}


class Broadcasts:
    """The steps of a /diffusion, each answering with the next message to show (translated)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._database = runtime.database
        self._settings = runtime.settings

    def compose(self, text: str) -> Outgoing:
        """Turn the text into a draft and ask for the audience."""
        if not text.strip():
            return Outgoing(
                _(
                    "Écrivez le message après la commande, par exemple : "
                    "/diffusion Formation des coopératives le 3 mars."
                )
            )
        campaign, _size = service.create_campaign(
            self._database,
            name=_("Diffusion Telegram"),
            messages={"fr": text.strip()},
            tz=self._settings.tz,
            draft=True,
        )
        campaign_id = campaign.id or 0
        labels = {
            Step.ALL: _("Abonnés"),
            Step.GROUPS: _("Groupes"),
            Step.BOTH: _("Abonnés et groupes"),
        }
        choices = []
        for step, expression in AUDIENCES.items():
            campaign.audience = expression
            size = service.size_of(self._database, campaign)
            choices.append(_button(f"{labels[step]} ({size})", campaign_id, step))
        choices.append(_button(_("Annuler"), campaign_id, Step.CANCEL))
        preview = _("Aperçu du message :\n\n{text}\n\nÀ qui l'envoyer ?").format(text=text.strip())
        return Outgoing(preview, tuple(choices))

    def choose(self, campaign_id: int, step: Step) -> Outgoing:
        """Set the audience and ask for confirmation, with its size."""
        campaign = self._draft(campaign_id)
        if campaign is None:
            return Outgoing(_("Cette diffusion n'est plus en préparation."))
        with new_session(self._database) as session:
            stored = session.get(Campaign, campaign_id)
            assert stored is not None
            stored.audience = AUDIENCES[step]
            session.add(stored)
            session.commit()
            campaign = stored
        size = service.size_of(self._database, campaign)
        text = _("{count} destinataire(s). Envoyer maintenant ?\n\n{text}").format(
            count=size, text=campaign.messages["fr"]
        )
        return Outgoing(
            text,
            (
                _button(_("Envoyer"), campaign_id, Step.SEND),
                _button(_("Annuler"), campaign_id, Step.CANCEL),
            ),
        )

    def cancel(self, campaign_id: int) -> Outgoing:
        """Drop the draft."""
        if self._draft(campaign_id) is not None:
            service.cancel_campaign(self._database, campaign_id)
        return Outgoing(_("Diffusion annulée : rien n'a été envoyé."))

    async def send(
        self, campaign_id: int, report: Callable[[str], Coroutine[Any, Any, None]]
    ) -> Outgoing:
        """Send the campaign, reporting progress now and then; answer the final counts."""
        if self._draft(campaign_id) is None:
            return Outgoing(_("Cette diffusion n'est plus en préparation."))
        service.enable_campaign(self._database, campaign_id)
        senders = self._runtime.new_bulk_senders()
        last = [0.0]
        pending: set[asyncio.Task[None]] = set()

        def progress(counts: Counter[OutboxStatus], total: int) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_EVERY:
                return
            last[0] = now
            waiting = sum(
                counts[s]
                for s in (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
            )
            task = asyncio.create_task(
                report(
                    _("Envoi en cours : {done} sur {total}.").format(
                        done=total - waiting, total=total
                    )
                )
            )
            pending.add(task)
            task.add_done_callback(pending.discard)

        try:
            await send_campaign(
                self._database,
                campaign_id,
                senders,
                self._settings.tz,
                progress=progress,
                lease=timedelta(seconds=self._settings.campaign_lease_seconds),
            )
        finally:
            for sender in senders.values():
                await sender.aclose()
            await asyncio.gather(*pending, return_exceptions=True)
        stats = service.campaign_stats(self._database, campaign_id)
        return Outgoing(
            _(
                "Diffusion terminée : {sent} envoyé(s), {failed} en échec, {skipped} non "
                "envoyé(s) (arrêt, fenêtre de 24 h…)."
            ).format(sent=stats.sent, failed=stats.failed, skipped=stats.skipped)
        )

    def _draft(self, campaign_id: int) -> Campaign | None:
        with new_session(self._database) as session:
            campaign = session.get(Campaign, campaign_id)
        return campaign if campaign is not None and campaign.state is CampaignState.DRAFT else None


class BroadcastFlow:
    """The /diffusion command and its buttons, for the staff only."""

    def __init__(self, kit: Toolkit) -> None:
        self._kit = kit
        self._broadcasts = Broadcasts(kit.runtime)

    def handler(self) -> CallbackQueryHandler[Context, None]:
        """Return the handler of the /diffusion buttons, to be tried before any other button's."""
        # The prefix alone picks the handler; the data is read only once the staff is known.
        prefix = re.escape(BroadcastStep.prefix + SEPARATOR)
        return CallbackQueryHandler(self._on_press, pattern=f"^{prefix}")

    async def start(self, chat_id: int, text: str, translator: Translator) -> None:
        """Draft the broadcast of `text` and ask a member of staff for its audience."""
        with i18n.using(translator):
            reply = await asyncio.to_thread(self._broadcasts.compose, text)
        await self._kit.sender.deliver(chat_id, [reply])

    async def _on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        # Answered at once: sending the campaign can take a while.
        await asyncio.gather(answer(query), self._take_step(update))

    async def _take_step(self, update: Update) -> None:
        chat, user, query = update.effective_chat, update.effective_user, update.callback_query
        # Anyone can send any callback data: whoever is not staff is refused before it is read.
        if user is None or user.id not in self._kit.staff:
            log.info("refused a /diffusion button to Telegram user %s", user.id if user else None)
            return
        if chat is None or query is None or query.data is None:
            return
        try:
            pressed = BroadcastStep.unpack(query.data)
        except PayloadError:
            log.info("unreadable /diffusion button %r ignored", query.data)
            return
        if not await self._kit.claim(update):
            return
        campaign_id, step = pressed.campaign_id, pressed.step
        broadcasts = self._broadcasts
        deliver = self._kit.sender.deliver
        with i18n.using(self._kit.translator(user.language_code)):
            if step is Step.CANCEL:
                reply = await asyncio.to_thread(broadcasts.cancel, campaign_id)
            elif step is Step.SEND:

                async def report(text: str) -> None:
                    await deliver(chat.id, [Outgoing(text)])

                await deliver(chat.id, [Outgoing(_("Envoi commencé…"))])
                reply = await broadcasts.send(campaign_id, report)
            else:
                reply = await asyncio.to_thread(broadcasts.choose, campaign_id, step)
        await deliver(chat.id, [reply])


def _button(label: str, campaign_id: int, step: Step) -> Choice:
    return Choice(label, BroadcastStep(campaign_id, step).pack())
