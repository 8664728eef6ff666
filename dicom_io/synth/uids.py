"""Deterministic UIDs: the same case rendered twice gets the same UIDs.

Each UID is ``generate_uid`` over a root and the parts that identify the object (run tag, case id,
what the UID is for, event number, file number), so a re-sent case is recognised as the same
objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.uid import PYDICOM_ROOT_UID, generate_uid

DEFAULT_ROOT = PYDICOM_ROOT_UID


@dataclass(frozen=True)
class UidMaker:
    case_id: str
    root: str = DEFAULT_ROOT
    run_tag: str = ""

    def _uid(self, *parts: object) -> str:
        return str(
            generate_uid(
                prefix=self.root, entropy_srcs=[self.run_tag, self.case_id, *map(str, parts)]
            )
        )

    def study(self, key: str) -> str:
        return self._uid("study", key)

    def series(self, event: int, file: int) -> str:
        return self._uid("series", event, file)

    def instance(self, event: int, file: int) -> str:
        return self._uid("instance", event, file)
