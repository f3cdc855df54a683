"""Staff run campaigns and import member lists from the CLI."""

import json
from pathlib import Path

from tests.cli.conftest import Relais

MEMBERS = """channel,address,name,language,province,topics,consent_at
whatsapp,077123456,Awa,fr,Estuaire,news;events,2026-01-10T10:00:00
telegram,123456,Paul,en,Ngounié,fair_trade,2026-02-01T08:00:00+01:00
whatsapp,12,Bad,fr,Estuaire,news,2026-01-10T10:00:00
telegram,999,NoConsent,fr,Estuaire,news,
sms,1,Wrong,fr,,news,2026-01-10
"""


def test_import_refuses_bad_rows_and_is_idempotent(relais: Relais, tmp_path: Path) -> None:
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    first = relais("contacts", "import", "--file", str(members))
    assert first.exit_code == 0, first.stderr
    assert "2 created, 0 updated, 0 unchanged, 3 refused" in first.stdout
    assert 'row 4 refused: whatsapp address "12" is not a valid phone number' in first.stderr
    assert "row 5 refused: no consent_at" in first.stderr
    assert 'row 6 refused: channel "sms" is not telegram or whatsapp' in first.stderr
    again = relais("contacts", "import", "--file", str(members))
    assert "0 created, 0 updated, 2 unchanged, 3 refused" in again.stdout


def test_create_show_send_and_stats(relais: Relais, tmp_path: Path) -> None:
    members = tmp_path / "members.csv"
    members.write_text(MEMBERS, encoding="utf-8")
    relais("contacts", "import", "--file", str(members))
    created = relais(
        "campaign", "create", "--name", "Fair trade", "--message", "Le 14 mai",
        "--message-en", "On 14 May", "--yearly", "05-14", "--audience", "all topic=fair_trade"
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    campaign_id, size = created.stdout.splitlines()[:2]
    assert campaign_id.isdigit()
    assert size == "audience: 1 contact(s)"
    assert "09:00 (Africa/Libreville)" in created.stdout
    shown = relais("campaign", "show", campaign_id)
    assert "yearly:05-14" in shown.stdout and "message [en]: On 14 May" in shown.stdout

    now = relais("campaign", "create", "--name", "News", "--message", "Bonjour")
    now_id = now.stdout.splitlines()[0]
    sent = relais("campaign", "send", now_id)
    assert sent.exit_code == 0, sent.stderr
    stats = json.loads(relais("campaign", "stats", now_id, "--json").stdout)
    assert set(stats) >= {"targeted", "sent", "delivered", "read", "failed", "skipped"}
    assert stats["targeted"] == 2

    edited = relais(
        "campaign", "edit", campaign_id, "--rule", "second saturday of may",
        "--message-en", "", "--audience", "all",
    )  # fmt: skip
    assert edited.exit_code == 0, edited.stderr
    assert "audience: 2 contact(s)" in edited.stderr
    shown = relais("campaign", "show", campaign_id).stdout
    assert "rule:second saturday of may" in shown and "message [en]" not in shown
    assert "message [fr]: Le 14 mai" in shown
    refused = relais("campaign", "edit", campaign_id, "--rule", "quand il pleut")
    assert refused.exit_code != 0 and "cannot read the rule" in refused.stderr

    cancelled = relais("campaign", "cancel", campaign_id)
    assert cancelled.exit_code == 0, cancelled.stderr
    listed = relais("campaign", "list").stdout
    assert "cancelled" in listed
    late = relais("campaign", "edit", campaign_id, "--name", "x")
    assert late.exit_code != 0 and "can no longer be changed" in late.stderr


def test_bad_requests_are_explained(relais: Relais) -> None:
    bad_rule = relais("campaign", "create", "--name", "x", "--message", "y", "--rule", "whenever")
    assert bad_rule.exit_code != 0 and "cannot read the rule" in bad_rule.stderr
    no_french = relais("campaign", "create", "--name", "x", "--message", " ")
    assert "French message" in no_french.stderr
    unknown = relais("campaign", "show", "999")
    assert "no campaign 999" in unknown.stderr


def test_test_send_without_the_channel_says_so(relais: Relais) -> None:
    created = relais("campaign", "create", "--name", "x", "--message", "Bonjour")
    campaign_id = created.stdout.splitlines()[0]
    result = relais("campaign", "send", campaign_id, "--test", "telegram:42")
    assert result.exit_code == 0, result.stderr
    assert "test to telegram:42: skipped (no telegram channel configured)" in result.stdout
    assert "not a channel" not in result.stdout


def test_events_from_the_cli(relais: Relais) -> None:
    created = relais(
        "event", "create", "--kind", "training", "--title", "Formation coopératives",
        "--at", "2030-03-03T09:00", "--place", "Oyem", "--capacity", "20"
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    event_id = created.stdout.splitlines()[0]
    assert "2030-03-03 09:00 (Africa/Libreville)" in created.stdout
    moved = relais("event", "move", event_id, "--at", "2030-03-10T09:00")
    assert moved.exit_code == 0, moved.stderr
    listed = relais("event", "list").stdout
    assert "2030-03-10 09:00" in listed and "0/20 registered" in listed
    cancelled = relais("event", "cancel", event_id)
    assert cancelled.exit_code == 0, cancelled.stderr
    assert "cancelled" in relais("event", "list").stdout
    again = relais("event", "cancel", event_id)
    assert again.exit_code != 0 and f"no scheduled event {event_id}" in again.stderr


def test_unsure_recipients_are_shown_and_can_be_resent(relais: Relais) -> None:
    created = relais("campaign", "create", "--name", "x", "--message", "Bonjour")
    campaign_id = created.stdout.splitlines()[0]
    stats = json.loads(relais("campaign", "stats", campaign_id, "--json").stdout)
    assert stats["unsure"] == 0
    plain = relais("campaign", "stats", campaign_id)
    assert "   unsure: 0" in plain.stdout and "--resend-unsure" not in plain.stderr
    both = relais("campaign", "send", campaign_id, "--resend-unsure", "--test", "telegram:1")
    assert both.exit_code != 0 and "do not go together" in both.stderr
    resent = relais("campaign", "send", campaign_id, "--resend-unsure")
    assert resent.exit_code == 0, resent.stderr
    assert "0 unsure recipient(s) to send again" in resent.stderr
    unknown = relais("campaign", "send", "999", "--resend-unsure")
    assert unknown.exit_code != 0 and "no campaign 999" in unknown.stderr
