"""Hollander Horeca's vendor e-mails: Dutch and German from the Dutch vendors (dates `9 december`,
`09-12-2026`, `9.12.`), British English from the British one (`9 December`, `09/12/2026`), US English from
the American one (`12/9`). Built by the shared engine in sandbox/seed/mailbox.py from this business's rows.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sandbox.seed.mailbox import EN_BYE, EN_HELLO, EN_PHRASES, CorpusMail, Voice, mail_corpus, us_date

NL_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december")
DE_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")


def nl_date(d: dt.date, rng: random.Random) -> str:
    return rng.choice((f"{d.day} {NL_MONTHS[d.month - 1]}", f"{d.day:02d}-{d.month:02d}-{d.year}",
                       f"{d.day}.{d.month}.", f"{d.day} {NL_MONTHS[d.month - 1]} {d.year}", f"{d.day}/{d.month}"))


def de_date(d: dt.date, rng: random.Random) -> str:
    return rng.choice((f"{d.day:02d}.{d.month:02d}.", f"{d.day}. {DE_MONTHS[d.month - 1]}",
                       f"{d.day:02d}.{d.month:02d}.{d.year}"))


def uk_date(d: dt.date, rng: random.Random) -> str:
    return rng.choice((f"{d.day} {d.strftime('%B')}", f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day}/{d.month}",
                       f"{d.day} {d.strftime('%b')} {d.year}"))


NL_PHRASES: dict[str, tuple[str, ...]] = {
    "delay_subject": ("Vertraging {po}", "Nieuwe leverdatum {po}", "Update bestelling {po}"),
    "delay_open": ("Helaas kunnen wij {po} niet op de oorspronkelijke datum van {old} leveren.",
                   "Uw bestelling {po} heeft vertraging.", "Wij hebben vertraging op {po}, oorspronkelijk {old}."),
    "delay_why": ("Onze leverancier in Duitsland levert later dan gepland.", "De vrachtwagen is uitgevallen.",
                  "Het artikel {product} is tijdelijk niet op voorraad."),
    "delay_new": ("De nieuwe leverdatum is {new}.", "Wij verwachten nu te leveren op {new}.",
                  "Verwachte levering: {new}."),
    "thread_answer": ("Ja, bevestigd: wij leveren op {new}.", "De vervoerder meldt nu levering op {new}."),
    "confirm_subject": ("Orderbevestiging {po}", "Bevestiging bestelling {po}"),
    "confirm": ("Hierbij bevestigen wij uw bestelling {po}. Levering op {new}.",
                "Bedankt voor uw order {po}; {qty} x {product} worden geleverd op {new}."),
    "pdf_body": ("In de bijlage vindt u onze orderbevestiging.",),
    "pdf_date": ("Leverdatum: {new}",),
    "partial_subject": ("Deellevering {po}",),
    "partial": ("Vandaag is een deellevering van {po} verzonden ({shipped} van {ordered}); het restant van {rest} "
                "volgt op {new}.",),
    "invoice_subject": ("Factuur {bill}",),
    "invoice": ("In de bijlage onze factuur {bill} voor bestelling {po}.",),
    "quality_subject": ("Klacht {receipt}",),
    "quality": ("Wij hebben uw klacht over {n} beschadigde dozen {product} bij ontvangst {receipt} ontvangen.",),
    "price_subject": ("Prijsverhoging", "Nieuwe prijzen"),
    "price": ("Door gestegen grondstofkosten voeren wij per {new} een prijsverhoging van {pct}% door.",),
}
DE_PHRASES: dict[str, tuple[str, ...]] = {
    **NL_PHRASES,
    "delay_subject": ("Lieferverzögerung {po}", "Neuer Liefertermin {po}"),
    "delay_open": ("Leider können wir {po} nicht wie ursprünglich geplant am {old} liefern.",
                   "Ihre Bestellung {po} verzögert sich."),
    "delay_why": ("Unser Vorlieferant hat Produktionsprobleme.", "Der Artikel {product} ist derzeit nicht lieferbar."),
    "delay_new": ("Der neue Liefertermin ist der {new}.", "Die Lieferung erfolgt voraussichtlich am {new}."),
    "thread_answer": ("Ja, bestätigt: die Lieferung erfolgt am {new}.",),
    "confirm_subject": ("Auftragsbestätigung {po}",),
    "confirm": ("Wir bestätigen Ihre Bestellung {po}. Lieferung am {new}.",),
    "partial_subject": ("Teillieferung {po}",),
    "partial": ("Heute wurde eine Teillieferung zu {po} versandt ({shipped} von {ordered}); die Restmenge von "
                "{rest} liefern wir am {new}.",),
    "price_subject": ("Preiserhöhung",),
    "price": ("Aufgrund gestiegener Rohstoffkosten gilt ab dem {new} eine Preiserhöhung von {pct}%.",),
}
NL_HELLO = ("Beste {first},", "Goedemorgen {first},", "Hallo {first},")
NL_BYE = ("Met vriendelijke groet,", "Vriendelijke groeten,")
DE_HELLO = ("Hallo {first},", "Guten Tag {first},")
DE_BYE = ("Mit freundlichen Grüßen,", "Viele Grüße,")


def hollander_voice(vendor: dict[str, Any]) -> Voice:
    country = vendor.get("country_code")
    if country == "US":
        return Voice("en", us_date, EN_PHRASES, EN_HELLO, EN_BYE)
    if country == "GB":
        return Voice("en", uk_date, EN_PHRASES, EN_HELLO, EN_BYE, content_language="en-GB")
    if int(vendor["id"]) % 3 == 0:
        return Voice("de", de_date, DE_PHRASES, DE_HELLO, DE_BYE, content_language="de")
    return Voice("nl", nl_date, NL_PHRASES, NL_HELLO, NL_BYE, content_language="nl")


def hollander_corpus(seed: int = 42, scale: int = 1, today: dt.date | None = None) -> list[CorpusMail]:
    """The Hollander corpus for the sandbox generated with the same seed/scale/today."""
    from sandbox.seed_hollander import generate

    today = today or dt.date.today()
    return mail_corpus(generate(seed, scale, today), today, hollander_voice, seed=seed, rounds=6)
