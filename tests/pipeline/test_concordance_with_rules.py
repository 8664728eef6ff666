"""A radiologist documents concordance through the API and the real rules close the item.

PUB-0004 (invasive carcinoma, no concordance statement yet) is pushed over DICOM through the
listener and the pipeline; the concordance call then re-runs the same rules for the patient.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dicom_io.synth import load_case
from tests.conftest import SHARED_EXAMPLES
from tests.pipeline.harness import push
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
