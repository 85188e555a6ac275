"""Appendix B: the legal basis of a rapid review and a glossary. Static reference text."""

from __future__ import annotations

from forms.pack.model import GlossaryItem, LegalItem, Reference

LEGAL = (
    LegalItem(
        ref="Children Act 2004, s16C",
        text="The local authority must notify the Child Safeguarding Practice Review Panel "
        "when it knows or suspects that a child has been abused or neglected and the child "
        "dies or is seriously harmed (the serious incident notification, within 5 working "
        "days).",
    ),
    LegalItem(
        ref="Children Act 2004, s16E",
        text="The safeguarding partners (local authority, integrated care board and chief "
        "officer of police) must make arrangements to work together, with relevant agencies, "
        "to safeguard and promote the welfare of children in their area.",
    ),
    LegalItem(
        ref="Children Act 2004, s16F",
        text="The safeguarding partners must make arrangements to identify and review serious "
        "child safeguarding cases which raise issues of importance in relation to their area "
        "(local child safeguarding practice reviews).",
    ),
    LegalItem(
        ref="SI 2018/789, regulation 11",
        text="The Child Safeguarding Practice Review and Relevant Agency (England) Regulations "
        "2018: the criteria the safeguarding partners take into account in deciding whether "
        "to carry out a local review (see the decision record).",
    ),
    LegalItem(
        ref="Working Together to Safeguard Children 2023, chapter 5",
        text="Statutory guidance on learning from serious child safeguarding incidents: the "
        "rapid review, completed and sent to the Panel within 15 working days of the "
        "notification; the decision on a local review; and further criteria to consider.",
    ),
)

GLOSSARY = tuple(
    GlossaryItem(term=term, meaning=meaning)
    for term, meaning in (
        ("CDOP", "Child Death Overview Panel (child death review)"),
        ("CIN", "Child in Need (Children Act 1989, s17)"),
        ("CLA / LAC", "Child looked after / looked-after child"),
        ("CP", "Child protection (a child protection plan)"),
        ("CSC", "Children's social care"),
        ("CSPR Panel", "The national Child Safeguarding Practice Review Panel"),
        ("DHR", "Domestic homicide review"),
        ("GP", "General practitioner"),
        ("HV", "Health visitor / health visiting service"),
        ("ICB", "Integrated care board"),
        ("ICPC", "Initial child protection conference"),
        ("IOPC", "Independent Office for Police Conduct"),
        ("LCSPR", "Local child safeguarding practice review"),
        ("MAPPA", "Multi-agency public protection arrangements"),
        ("MARAC", "Multi-agency risk assessment conference (domestic abuse)"),
        ("MASH", "Multi-agency safeguarding hub (the children's front door)"),
        ("NAI", "Non-accidental injury"),
        ("RR", "Rapid review"),
        ("s47", "An enquiry under section 47 of the Children Act 1989"),
        ("SAR", "Safeguarding adults review"),
        ("SIN", "Serious incident notification to the Panel"),
        ("SUDI", "Sudden unexpected death in infancy"),
        ("TAF", "Team around the family (Early Help)"),
        ("WD", "Working day(s): Monday to Friday, not bank holidays in England and Wales"),
        ("WNB", "Was not brought (to an appointment)"),
        ("WT 2023", "Working Together to Safeguard Children 2023"),
    )
)


def reference() -> Reference:
    """Appendix B."""
    return Reference(legal=LEGAL, glossary=GLOSSARY)
