"""A radiologist documents concordance through the API and the real rules close the item.

PUB-0004 (invasive carcinoma, no concordance statement yet) is pushed over DICOM through the
listener and the pipeline; the concordance call then re-runs the same rules for the patient.
TC-0106 (a mass biopsied twice) shows that the verdict on the first result does not settle the
second.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.synth import load_case
from tests.conftest import REPO_ROOT, SHARED_EXAMPLES
from tests.pipeline.harness import failed_rows, push
from worklist.accounts.service import create_token, create_user
from worklist.db.models import Finding, Item, ItemEvent, ItemStatus
from worklist.settings import Settings
from worklist.web.app import create_app


@pytest.mark.slow
def test_documented_concordance_closes_concordance_pending(
    service: tuple[Settings, sessionmaker[Session]],
) -> None:
    settings, sessions = service
    path = SHARED_EXAMPLES / "cases" / "PUB-0004.yaml"
    if not path.exists():
        pytest.skip("the shared examples are not beside the repository")
    push(settings, load_case(Path(path)), None, sessions, wait_each=True)
    with sessions.begin() as session:
        create_user(session, "rosa", "a long enough password", "radiologist")
        token = create_token(session, "rosa")
    with sessions() as session:
        pending = session.scalars(select(Item).where(
            Item.kind == "concordance-pending", Item.status == ItemStatus.OPEN)).one()
        finding = session.scalars(select(Finding).where(
            Finding.finding_key == pending.finding_key)).one()
        pending_pk, finding_pk = pending.id, finding.id

    client = TestClient(create_app(settings, sessions))
    response = client.post(f"/api/v1/findings/{finding_pk}/concordance",
                           json={"verdict": "concordant-malignant", "note": "IDC fits the mass"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text

    with sessions() as session:
        item = session.get(Item, pending_pk)
        assert item is not None and item.status is ItemStatus.RESOLVED
        events = session.scalars(select(ItemEvent).where(ItemEvent.item_pk == pending_pk)).all()
        assert (events[-1].actor, events[-1].action) == ("rosa", "resolved")
        referrals = session.scalars(select(Item).where(
            Item.kind == "malignancy-referral", Item.status == ItemStatus.OPEN)).all()
        assert len(referrals) == 1, "concordance does not replace the referral"


def _concordance_items(sessions: sessionmaker[Session]) -> list[tuple[str, ItemStatus]]:
    """(item key, status) of every concordance-pending item, in the order they were opened."""
    with sessions() as session:
        return [(i.item_key, i.status) for i in session.scalars(
            select(Item).where(Item.kind == "concordance-pending").order_by(Item.id))]


@pytest.mark.slow
@pytest.mark.parametrize("verdict", ["concordant-benign", "discordant"])
def test_a_verdict_on_the_first_biopsy_does_not_settle_the_second(
    service: tuple[Settings, sessionmaker[Session]], verdict: str,
) -> None:
    # TC-0106: core biopsy of a left 3 o'clock mass (events 1-5: images, reports, pathology), the
    # radiologist's addendum (event 6, left out: the verdict is documented through the API
    # instead), then a repeat vacuum-assisted biopsy whose pathology shows carcinoma (events 7-9).
    # Its reports are dated before the verdict but reach us after it.
    settings, sessions = service
    case = load_case(REPO_ROOT / "tests" / "cases" / "TC-0106.yaml")
    push(settings, case, [1, 2, 3, 4, 5], sessions, wait_each=True)
    with sessions.begin() as session:
        create_user(session, "rosa", "a long enough password", "radiologist")
        token = create_token(session, "rosa")
    ((first_key, status),) = _concordance_items(sessions)
    assert status is ItemStatus.OPEN
    with sessions() as session:
        mass = session.scalars(select(Finding).where(Finding.finding_key == session.scalars(
            select(Item.finding_key).where(Item.item_key == first_key)).one())).one()

    client = TestClient(create_app(settings, sessions))
    response = client.post(f"/api/v1/findings/{mass.id}/concordance",
                           json={"verdict": verdict, "note": "first core biopsy reviewed"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    assert _concordance_items(sessions) == [(first_key, ItemStatus.RESOLVED)]

    push(settings, case, [7, 8, 9], sessions, wait_each=True)
    assert failed_rows(sessions) == []
    first, second = _concordance_items(sessions)
    assert first == (first_key, ItemStatus.RESOLVED), "the first result stays settled"
    assert second[1] is ItemStatus.OPEN, "the repeat biopsy's carcinoma needs its own verdict"
    with sessions() as session:
        discordant = session.scalars(select(Item).where(
            Item.kind == "discordant-pathology").order_by(Item.id)).all()
    # A discordant first result is answered by the repeat biopsy; the carcinoma is not discordant.
    assert [i.status for i in discordant] == (
        [ItemStatus.RESOLVED] if verdict == "discordant" else [])

    response = client.post(f"/api/v1/findings/{mass.id}/concordance",
                           json={"verdict": "concordant-malignant", "note": "IDC explains the mass"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    assert [status for _, status in _concordance_items(sessions)] == [ItemStatus.RESOLVED] * 2
