"""A real `relais serve` killed with SIGKILL mid-conversation: every message answered once."""

from pathlib import Path

from bench.common import free_port
from tests.whatsapp import crash
from tests.whatsapp.fake_twilio import FakeTwilio


async def test_sigkill_with_messages_in_flight_loses_no_answer(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.reset()
    result = await crash.run(fake_twilio, tmp_path, free_port())
    assert 0 < result.acknowledged_before_kill < result.posted or result.reposted > 0
    assert result.sent_before_kill < result.posted, "the kill must land before all are sent"
    assert result.received == {number: crash.PER_NUMBER for number in crash.numbers()}, (
        f"{result.lost} acknowledged messages lost, {result.twice} answers sent twice"
    )
    print(
        f"{result.acknowledged_before_kill} acknowledged and {result.sent_before_kill} "
        f"answered before the kill; {result.reposted} posted again"
    )
