"""A small case exercising every renderer path: bilateral views, modifiers, ultrasound,
tomosynthesis, a specimen radiograph, an outside prior, Basic Text and TID 4200 reports and an
addendum."""

from __future__ import annotations

from typing import Any


def sample_case() -> dict[str, Any]:
    return {
        "id": "SYN-0001",
        "site": {"imaging": "Test Breast Unit", "pathology": "Test Pathology", "issuer": "TEST"},
        "patient": {"id": "SYN-0001", "name": "TEST^SAMPLE", "age": 62, "birth_md": "02-29"},
        "events": [
            {
                "day": -30,
                "kind": "image",
                "study": "scr",
                "modality": "DBT",
                "laterality": "B",
                "views": ["CC", "MLO"],
                "accession": "T-1",
            },
            {
                "day": -30,
                "kind": "report",
                "study": "scr",
                "title": "mammo-screening",
                "author": "READER^ONE",
                "sections": {"Findings": "Left calcifications.", "Impression": "BI-RADS 0."},
            },
            {
                "day": -20,
                "kind": "image",
                "study": "dx",
                "modality": "MG",
                "laterality": "L",
                "views": ["CC", "XCCL"],
                "modifiers": ["spot", "magnification"],
            },
            {
                "day": -20,
                "kind": "image",
                "study": "dx",
                "modality": "US",
                "laterality": "L",
                "count": 2,
            },
            {
                "day": -20,
                "kind": "report",
                "study": "dx",
                "sr": "enhanced",
                "author": "READER^ONE",
                "coded": {
                    "procedure": {"type": "mammogram", "laterality": "L"},
                    "composition": "C",
                    "findings": [
                        {
                            "type": "calcifications",
                            "laterality": "L",
                            "clock": 2,
                            "morphology": ["fine-pleomorphic"],
                            "distribution": "grouped",
                            "birads": "4B",
                            "recommendation": "core-biopsy",
                        }
                    ],
                    "overall": [
                        {"laterality": "L", "birads": "4B", "recommendation": "core-biopsy"}
                    ],
                },
            },
            {
                "day": -12,
                "kind": "image",
                "study": "old",
                "modality": "MG",
                "laterality": "B",
                "views": ["CC", "MLO"],
                "acquired_day": -800,
                "institution": "Elsewhere Imaging",
            },
            {
                "day": -10,
                "kind": "image",
                "study": "stx",
                "modality": "MG",
                "laterality": "L",
                "specimen": True,
            },
            {
                "id": "stx",
                "day": -10,
                "kind": "report",
                "study": "stx",
                "title": "procedure",
                "sections": {
                    "Procedure": "Stereotactic biopsy.",
                    "Findings": "Calcifications in cores.",
                },
            },
            {
                "day": -8,
                "kind": "report",
                "study": "path",
                "title": "pathology",
                "sections": {"Final Diagnosis": "Benign."},
            },
            {
                "day": -7,
                "kind": "report",
                "addendum_to": "stx",
                "sections": {"Addendum": "Concordant benign."},
            },
        ],
    }
