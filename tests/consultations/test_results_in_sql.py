"""The results add up in the database the same way on SQLite and on PostgreSQL."""

from bot.campaigns.consultations import send_consultation
from bot.core.turn import Services
from bot.services.consultation_results import Bin, consultation_results, histogram
from bot.storage.database import create_db_engine
from tests.admin.consultation_helpers import answer, person
from tests.consultations.helpers import TZ, make_consultation


def test_choices_numbers_and_texts_are_counted_in_sql(
    database_url: str, services: Services
) -> None:
    database = create_db_engine(database_url)
    try:
        consultation = make_consultation(database)
        consultation_id = consultation.id or 0
        for address in ("1", "2", "3", "4"):
            person(database, address, "Estuaire" if address != "4" else None)
        send_consultation(database, consultation_id, services.catalogues, TZ)
        given = {
            "1": {1: "phone", 2: ["statutes", "list"], 3: 3, 4: 5, 5: "Plus tôt", 6: ["Oui", None]},
            "2": {1: "phone", 2: ["list"], 3: 20, 4: 4, 5: None, 6: [None, "Non"]},
            "3": {1: "online", 2: None, 3: 0, 4: 4, 5: "Le samedi", 6: ["Bien", "Trop long"]},
        }
        for address, values in given.items():
            answer(database, consultation_id, address, values)
        answer(database, consultation_id, "4", {1: "office"}, finish=False)
        results = consultation_results(database, consultation_id)
    finally:
        database.dispose()
    single, multiple, number, rating, free, comment = results.questions
    assert {o.key: o.count for o in single.options} == {"office": 1, "phone": 2, "online": 1}
    assert (single.answered, single.skipped) == (4, 0)
    assert {o.key: o.count for o in multiple.options} == {"statutes": 1, "minutes": 0, "list": 2}
    assert (multiple.answered, multiple.skipped) == (2, 2)
    assert number.mean is not None and round(number.mean, 2) == round(23 / 3, 2)
    assert number.histogram == histogram([3, 20, 0], 0, 20)
    assert rating.histogram == (
        Bin(1, 1, 0),
        Bin(2, 2, 0),
        Bin(3, 3, 0),
        Bin(4, 4, 2),
        Bin(5, 5, 1),
    )
    assert (free.answered, free.skipped, free.texts) == (2, 2, 2)
    assert (comment.answered, comment.skipped, comment.texts) == (4, 3, 4)
    assert [(r.group, r.started, r.finished) for r in results.by_province] == [
        ("-", 1, 0),
        ("Estuaire", 3, 3),
    ]
