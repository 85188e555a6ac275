"""What the people of `rrm demo` do: a fictional review and the answers each agency gives.

Everything here is invented for the demonstration. The review is opened for five agencies:
the police give a full return (parental mental health and its impact on parenting, an older
sibling, a father not seen, moves from another area and from outside the UK), health a nil
return, the GP a provisional one, health visiting a short full return, and children's social
care has not finished theirs when the pack is compiled.
"""

from __future__ import annotations

from typing import Any

Page = dict[str, Any]  # answer id -> value; a list of dicts is a repeat's rows

COORDINATOR = ("U0DEMOCOORD", "Sam Okafor", "Business unit coordinator")
CHAIR = ("U0DEMOCHAIR", "Dr Helen Marsh", "Independent chair")
CHANNEL = ("C0DEMOREVIEW", "rapid-reviews")
REFERENCE = "RR-2026-031"
PSEUDONYM = "Child A"

CONTACTS = {  # agency id -> (Slack user id, display name): the example partnership's contacts
    "police": ("U0POLICE1", "DS Priya Nair"),
    "health": ("U0DEMOHEALTH", "Named Nurse Joe Bell"),
    "gp": ("U0GPNAMED1", "Dr Aisha Rahman"),
    "hv": ("U0HVLEAD1", "Health Visitor Kate Morley"),
    "csc": ("U0CSC0001", "Team Manager Tom Reid"),
}
EMAILS = {"health": "safeguarding@health.example"}

POLICE: list[Page] = [
    {
        "0.2": "Detective Sergeant, Public Protection Unit",
        "0.3": ["police_systems"],
        "0.3.other": "PNC and the domestic abuse database",
        "0.4": "{today}",
    },
    {
        "A1": "yes_child",
        "A2": ["child", "siblings", "mother", "father"],
        "A3": "no",
        "A4": "Two domestic incident reports at the family's address in 2026 (verbal argument, no "
        "offences disclosed). A concern-for-welfare call about the mother in August 2026. "
        "Father known from a 2019 conviction in another force area.",
    },
    {
        "B": [
            {
                "B1": "2025",
                "B2": "Other force (Lancashire)",
                "B3": ["father"],
                "B4": "information_shared",
                "B5": "Record of the father's 2019 conviction for assault, held by the previous force "
                "area. Second-hand: from the national database, not our own records.",
                "B6": "Not shared with children's social care at the time of the move.",
                "B7": ["police"],
                "B8": "yes",
            },
            {
                "B1": "14/03/2026 22:40",
                "B2": "Response officer",
                "B3": ["mother", "father"],
                "B4": "incident_injury",
                "B5": "Neighbour reported shouting. Officers spoke to both parents; no injuries seen. "
                "The baby and the older sibling were asleep upstairs and were not seen.",
                "B6": "DASH completed: standard risk. Notification to school (Operation Encompass).",
                "B7": ["education"],
                "B8": "yes",
            },
            {
                "B1": "08/2026",
                "B2": "Call handler",
                "B3": ["mother"],
                "B4": "contact_appointment",
                "B5": "Mother's sister called worried that the mother was 'not coping' after the birth.",
                "B6": "Welfare check: mother said she was tired but fine. Not referred to health.",
                "B7": [],
                "B8": "yes",
            },
        ],
        "B9": "No police contact between March and August 2026.",
    },
    {"C1": "not_seen", "C4": "yes", "C5": "unknown", "C6": "unknown"},
    {
        "D2": "yes",
        "D2a": ["mother"],
        "D2b": "Mother said during the August welfare check that she had postnatal depression and "
        "was waiting for a perinatal mental health appointment.",
        "D2c": "not_considered",
        "D2c.detail": "Officers did not ask who would care for the children if her health "
        "got worse, or how it affected her care of the baby.",
        "D2d": "unknown",
        "D4": "yes",
        "D4.detail": "Two domestic incidents (March and June 2026), both graded standard risk.",
    },
    {
        "E1": "yes",
        "E1.children": [
            {
                "label": "Sibling 1",
                "age": "6",
                "relationship": "Full sibling",
                "lives_with": "both_parents",
                "plan": "None known to police",
            }
        ],
        "E2": "no",
        "E3": "yes",
        "E3a": "yes",
        "E3b": "known_not_seen",
        "E3b.detail": "Father was not spoken to alone at either incident; his previous conviction "
        "was not checked against the household.",
        "E3c": "The 2019 conviction in Lancashire, which other agencies may not know about.",
        "E4": "Maternal grandmother helps with childcare (from the August call).",
    },
    {
        "F1": "yes",
        "F1a": [
            {
                "area": "Outside the UK (Poland)",
                "from": "2019",
                "to": "2023-06",
                "reason": "family_reasons",
                "planned": "yes",
            },
            {
                "area": "Blackpool, Lancashire",
                "from": "2023-06",
                "to": "01/2026",
                "reason": "housing",
                "planned": "no",
            },
        ],
        "F2": "partial",
        "F2.detail": "Intelligence from Lancashire Police was only seen in 2026.",
        "F3": "not_known",
        "F4": "no",
        "F5": "unknown",
        "F6": "not_known",
    },
    {
        "G1": ["front_door_mash"],
        "G1.front_door_mash.date": "2026-03-15",
        "G2": "The March incident was shared with the front door the next day.",
        "G3": "We did not know the mother had a perinatal mental health referral.",
        "G4": "no",
        "G5": "The mother's account in August was accepted without speaking to the father.",
    },
    {
        "H2": "Operation Encompass notification to the school was made the next morning.",
        "H3": "Welfare checks should ask about children in the home and who cares for them.",
        "H4": "Adult-facing agencies need a shared prompt about the impact of a parent's mental "
        "health on caring for a baby.",
        "H5": ["parental_mental_health", "unseen_men", "moves_transfer", "think_family"],
    },
    {
        "I1": "Briefing to response officers on asking about children at welfare checks.",
        "I1.date": "{today}",
        "I2": [
            {
                "action": "Add a children-in-the-home prompt to welfare check scripts",
                "owner_role": "Head of public protection",
                "due_date": "2027-01-31",
                "status": "planned",
            }
        ],
        "I3": ["internal_review"],
    },
    {
        "J1": "unsure",
        "J1a": ["agencies_working_together", "more_than_one_area"],
        "J1b": "Missed chances to join up mental health and domestic abuse information across "
        "two areas.",
        "J2": "no",
        "J3": ["criminal_investigation"],
        "J4": "A criminal investigation is under way: no contact with the parents about the review.",
    },
    {
        "K1": "yes",
        "K1.role": "Detective Chief Inspector, Public Protection",
        "K1.date": "{today}",
        "K2": "yes",
    },
]

HEALTH_NIL: list[Page] = [
    {
        "A1": "no_involvement",
        "A1a": "Searched the hospital patient record and the safeguarding database on name, date "
        "of birth and address, for the review period and five years before: no records.",
    },
    {
        "K1": "yes",
        "K1.role": "Named Nurse for Safeguarding Children",
        "K1.date": "{today}",
        "K2": "yes",
    },
]

GP_PROVISIONAL: list[Page] = [
    {"0.2": "GP safeguarding lead"},
    {
        "A1": "not_yet_able",
        "A1b": "The family's records are still with the previous practice in Blackpool; we have "
        "asked for them.",
        "A1b.date": "{in_three_days}",
    },
    {"K1": "yes", "K1.role": "Practice safeguarding lead", "K1.date": "{today}", "K2": "yes"},
]

HEALTH_VISITING: list[Page] = [
    {"0.2": "Health visitor", "0.3": ["health_record"]},
    {
        "A1": "yes_child",
        "A2": ["child", "mother"],
        "A3": "yes",
        "A3.detail": "Universal service; new birth visit and one contact.",
        "A4": "New birth visit at 12 days; the 6-8 week contact was missed twice.",
    },
    {
        "B": [
            {
                "B1": "2026-07-02",
                "B2": "Health visitor",
                "B3": ["child", "mother"],
                "B4": "home_visit",
                "B5": "New birth visit. Mother low in mood; EPDS score 14.",
                "B6": "Referred to the GP for a mental health review.",
                "B7": ["gp"],
                "B8": "yes",
            },
            {
                "B1": "2026-08-20",
                "B2": "Health visitor",
                "B3": ["child"],
                "B4": "was_not_brought",
                "B5": "6-8 week contact: child was not brought.",
                "B6": "Letter sent.",
                "B7": [],
                "B8": "no",
            },
        ]
    },
    {
        "C1": "seen_with_carer",
        "C4": "yes",
        "C5": "no",
        "C6": "yes",
        "C6.risks": ["co_sleeping"],
        "C8": "yes",
        "C8.number": "2",
        "C8.detail": "Letters sent; no home visit followed.",
    },
    {
        "D2": "yes",
        "D2a": ["mother"],
        "D2b": "Postnatal depression (EPDS 14).",
        "D2c": "considered_informally",
    },
    {
        "E1": "yes",
        "E1.children": [
            {
                "label": "Sibling 1",
                "age": "6",
                "relationship": "Brother",
                "lives_with": "both_parents",
                "plan": "None",
            }
        ],
        "E2": "no",
        "E3": "yes",
        "E3a": "no",
        "E3b": "not_known",
    },
    {"F1": "no"},
    {"G1": []},
    {
        "H2": "The new birth visit picked up the mother's low mood.",
        "H3": "Was-not-brought contacts for a baby need a home visit, not a letter.",
        "H5": ["was_not_brought", "parental_mental_health"],
    },
    {},
    {
        "J1": "yes",
        "J1a": ["agencies_working_together"],
        "J1b": "Several agencies knew about the mother's mental health; nobody joined it up.",
    },
    {"K1": "yes", "K1.role": "Safeguarding lead, 0-19 service", "K1.date": "{today}", "K2": "yes"},
]

CSC_STARTED: list[Page] = [
    {"0.2": "Team manager, front door"},
]

SUMMARY = (
    "Child A, aged 4 months, was taken to hospital with a head injury on 16 November 2026. "
    "The family moved to Northshire from Blackpool in January 2026, having lived in Poland "
    "until 2023. The police, the GP and health visiting knew of the mother's postnatal "
    "depression; the father was known to police in another area. (All people in this pack "
    "are fictional.)"
)
ATTENDEES = [
    "Dr Helen Marsh, independent chair",
    "Sam Okafor, safeguarding partnership business unit",
    "DCI, Northshire Police public protection",
    "Designated nurse, Northshire ICB",
    "Head of service, Northshire children's social care",
]
