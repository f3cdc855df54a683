"""Community groups: added, addressed, chatter ignored, removed, upgraded to a supergroup."""

from typing import Any

from sqlalchemy.engine import Engine as DatabaseEngine
from sqlmodel import select

from bot.domain import ContactKind, Topic
from bot.storage.database import new_session
from bot.storage.models import Contact, Subscription
from tests.telegram.fake_api import BOT_ID, BOT_USERNAME
from tests.telegram.harness import Harness, TelegramUser, in_group, mention

GROUP_ID = -4001
GROUP = {"id": GROUP_ID, "type": "group", "title": "Coopératives de Bitam"}


ADMIN_RIGHTS = dict.fromkeys(
    [
        "can_be_edited",
        "is_anonymous",
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
    ],
    False,
)


def membership(user: TelegramUser, chat: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The my_chat_member update Telegram sends when the bot's status in a chat changes."""
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Relais", "username": BOT_USERNAME}

    def member(status: str) -> dict[str, Any]:
        rights = ADMIN_RIGHTS if status == "administrator" else {}
        until = {"until_date": 0} if status == "kicked" else {}
        return {"status": status, "user": bot, **rights, **until}

    return user.update(
        my_chat_member={
            "chat": chat,
            "from": user.sender,
            "date": 1_700_000_000,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    )


def group_contact(database: DatabaseEngine, address: int = GROUP_ID) -> Contact | None:
    with new_session(database) as session:
        return session.exec(select(Contact).where(Contact.address == str(address))).first()


def topics(database: DatabaseEngine, contact_id: int | None) -> set[Topic]:
    with new_session(database) as session:
        rows = session.exec(select(Subscription.topic).where(Subscription.contact_id == contact_id))
        return {Topic(topic) for topic in rows.all()}


def add_bot(webhook: Harness, admin: TelegramUser) -> str:
    admin.exchange(membership(admin, GROUP, "left", "member"))
    return "\n".join(call.params["text"] for call in webhook.api.sent(GROUP_ID))


def test_added_to_a_group_records_it_and_says_hello(
    webhook: Harness, database: DatabaseEngine
) -> None:
    hello = add_bot(webhook, webhook.user())
    assert "Relais" in hello and "DGES" in hello
    assert f"@{BOT_USERNAME}" in hello and "/stop" in hello
    group = group_contact(database)
    assert group is not None
    assert group.kind is ContactKind.GROUP
    assert group.name == "Coopératives de Bitam"
    assert group.opted_out_at is None
    assert topics(database, group.id) == {Topic.EVENTS}


def test_in_a_group_only_mentions_replies_and_commands_are_answered(webhook: Harness) -> None:
    member = in_group(webhook.user(), GROUP)
    add_bot(webhook, member)
    api = webhook.api

    before = len(api.sent(GROUP_ID))
    assert member.send("salut tout le monde, réunion demain ?") == ""
    assert member.send("c'est quoi l'ESS ?") == ""
    assert member.send("/aide@AutreBot") == ""
    assert member.send("/autrechose") == ""
    assert len(api.sent(GROUP_ID)) == before

    answer = member.exchange(member.update(message=member.message(**mention("cmt créer 1 asso"))))
    assert "Créer une association" in answer
    [reply, *_rest] = member.last
    assert reply.params["reply_parameters"]["message_id"] > 0

    reply_to_bot = member.message(
        "et les documents ?", reply_to_message=reply.result | {"chat": GROUP}
    )
    assert "Documents à fournir" in member.exchange(member.update(message=reply_to_bot))

    assert "annuler" in member.send(f"/aide@{BOT_USERNAME}")
    assert "Que voulez-vous faire" in member.send("/menu")
    assert "Créer une coopérative" in member.press("Créer une organisation") + member.press(
        "Coopérative"
    )


def test_the_group_is_the_conversation_not_its_members(
    webhook: Harness, database: DatabaseEngine
) -> None:
    first = in_group(webhook.user(7101, first_name="Awa"), GROUP)
    second = in_group(webhook.user(7102, first_name="Paul"), GROUP)
    add_bot(webhook, first)
    first.exchange(first.update(message=first.message(**mention("abonnez-moi"))))
    assert "déjà abonné" not in first.transcript()
    assert "déjà abonné" in second.exchange(
        second.update(message=second.message(**mention("abonnez-moi")))
    )
    with new_session(database) as session:
        people = session.exec(select(Contact).where(Contact.kind == ContactKind.PERSON)).all()
    assert people == []


def test_removed_from_a_group_stops_reminders(webhook: Harness, database: DatabaseEngine) -> None:
    admin = webhook.user()
    add_bot(webhook, admin)
    admin.exchange(membership(admin, GROUP, "member", "left"))
    group = group_contact(database)
    assert group is not None and group.opted_out_at is not None
    assert topics(database, group.id) == {Topic.EVENTS}

    admin.exchange(membership(admin, GROUP, "left", "administrator"))
    group = group_contact(database)
    assert group is not None and group.opted_out_at is None


def test_a_group_upgraded_to_a_supergroup_keeps_its_subscriptions(
    webhook: Harness, database: DatabaseEngine
) -> None:
    new_id = -1001234567890
    member = in_group(webhook.user(), GROUP)
    add_bot(webhook, member)
    member.exchange(member.update(message=member.message(**mention("abonnez-moi"))))
    old = group_contact(database)
    assert old is not None
    subscribed = topics(database, old.id)
    assert Topic.EVENTS in subscribed and len(subscribed) > 1

    supergroup = {"id": new_id, "type": "supergroup", "title": "Coopératives de Bitam"}
    member.exchange(member.update(message=member.message(migrate_to_chat_id=new_id)))
    moved = in_group(member, supergroup)
    moved.exchange(moved.update(message=moved.message(migrate_from_chat_id=GROUP_ID)))

    assert group_contact(database) is None
    group = group_contact(database, new_id)
    assert group is not None and group.id == old.id
    assert topics(database, group.id) == subscribed
    assert "déjà abonné" in moved.exchange(
        moved.update(message=moved.message(**mention("abonnez-moi")))
    )


def test_a_group_seen_first_under_its_new_id_is_merged(
    webhook: Harness, database: DatabaseEngine
) -> None:
    new_id = -1009876543210
    supergroup = {"id": new_id, "type": "supergroup", "title": "Coopératives de Bitam"}
    member = in_group(webhook.user(), GROUP)
    add_bot(webhook, member)
    moved = in_group(member, supergroup)
    # The supergroup's first message is handled before the old group's notice.
    moved.exchange(moved.update(message=moved.message(**mention("abonnez-moi"))))
    new = group_contact(database, new_id)
    assert new is not None
    subscribed = topics(database, new.id) | {Topic.EVENTS}
    member.exchange(member.update(message=member.message(migrate_to_chat_id=new_id)))
    with new_session(database) as session:
        groups = session.exec(select(Contact)).all()
    [group] = groups
    assert group.address == str(new_id)
    assert topics(database, group.id) == subscribed


def test_sending_to_a_migrated_group_follows_it(webhook: Harness, database: DatabaseEngine) -> None:
    new_id = -1005555555555
    member = in_group(webhook.user(), GROUP)
    add_bot(webhook, member)
    webhook.api.fail_next(
        "sendMessage",
        status=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        chat_id=GROUP_ID,
        migrate_to_chat_id=new_id,
    )
    member.exchange(member.update(message=member.message(**mention("bonjour"))))
    assert webhook.api.sent(new_id)
    group = group_contact(database, new_id)
    assert group is not None and group.kind is ContactKind.GROUP


def test_unreadable_messages_in_groups_are_ignored(webhook: Harness) -> None:
    member = in_group(webhook.user(), GROUP)
    add_bot(webhook, member)
    before = len(webhook.api.calls("sendMessage"))
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 10, "height": 10}]
    member.exchange(member.update(message=member.message(photo=photo)))
    member.exchange(member.update(edited_message=member.message("modifié", edit_date=1)))
    assert len(webhook.api.calls("sendMessage")) == before
