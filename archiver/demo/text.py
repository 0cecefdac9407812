"""Deterministic body text for the demo site, composed from a bank of sentences.

Every page gets the same paragraphs on every run: the composer is seeded by the
page's path, never by the clock or by Python's randomised ``hash()``.
"""

from __future__ import annotations

import random

_EN = (
    "The Government will present a white paper on {topic} to the Storting in the autumn.",
    "The proposal has been sent out for public consultation, with a deadline of three months.",
    "{minister} met representatives of the municipalities in {place} on Tuesday.",
    "Norway will contribute NOK {amount} million to the programme over the next four years.",
    "The agreement strengthens cooperation between the Nordic countries on {topic}.",
    "Local authorities play a key role in delivering services close to where people live.",
    "The measures are part of the Government's plan for a fairer and greener society.",
    "We must make sure the whole country is part of the green transition, said {minister}.",
    "The funding will be distributed through the county governors in the course of the year.",
    "A working group with representatives from the social partners will follow up the work.",
    "Statistics Norway estimates that the change will affect around {amount} 000 households.",
    "The Ministry has received more than {amount} responses to the consultation paper.",
    "The new rules will enter into force on 1 January next year.",
    "Preparedness and security are at the top of the Government's agenda, said {minister}.",
    "The report describes the situation in {place} and suggests several concrete measures.",
    "Young people who fall outside education and work need to be seen earlier.",
    "The Government wants more apprenticeships in both the public and the private sector.",
    "Emissions from the transport sector have fallen for the third year in a row.",
    "Cooperation with the European Union on {topic} remains important for Norway.",
    "The evaluation shows that the scheme has worked as intended in most municipalities.",
    "The budget agreement secures funding for hospitals, schools and roads in {place}.",
    "It is important to listen to the people who know the sector best, said {minister}.",
    "The Ministry will publish a summary of the input it has received on its website.",
    "Several of the measures require amendments to the Planning and Building Act.",
    "A majority of the committee supported the proposal in its recommendation.",
    "The Government will also consider how the scheme can be simplified for users.",
    "Norway has a long tradition of close cooperation between the state and civil society.",
    "The new centre in {place} will create around {amount} permanent jobs in the region.",
    "The Arctic is Norway's most important area of strategic responsibility.",
    "Further details of the allocation will be presented in the revised national budget.",
)

_NO = (
    "Regjeringen vil legge fram en stortingsmelding om {topic} til høsten.",
    "Forslaget er sendt på høring med tre måneders høringsfrist.",
    "{minister} møtte representanter for kommunene i {place} tirsdag.",
    "Norge vil bidra med {amount} millioner kroner til programmet de neste fire årene.",
    "Avtalen styrker det nordiske samarbeidet om {topic}.",
    "Kommunene har en nøkkelrolle i å gi gode tjenester der folk bor.",
    "Tiltakene er en del av regjeringens plan for et rettferdig og grønnere samfunn.",
    "Vi må sørge for at hele landet blir med i det grønne skiftet, sier {minister}.",
    "Midlene fordeles gjennom statsforvalterne i løpet av året.",
    "En arbeidsgruppe med representanter for partene i arbeidslivet skal følge opp arbeidet.",
    "Statistisk sentralbyrå anslår at endringen vil berøre rundt {amount} 000 husholdninger.",
    "Departementet har mottatt mer enn {amount} høringssvar.",
    "De nye reglene trer i kraft 1. januar neste år.",
    "Beredskap og sikkerhet står øverst på regjeringens dagsorden, sier {minister}.",
    "Rapporten beskriver situasjonen i {place} og foreslår flere konkrete tiltak.",
    "Unge som faller utenfor utdanning og arbeid, må fanges opp tidligere.",
    "Regjeringen ønsker flere lærlinger i både offentlig og privat sektor.",
    "Utslippene fra transportsektoren har gått ned for tredje år på rad.",
    "Samarbeidet med EU om {topic} er fortsatt viktig for Norge.",
    "Evalueringen viser at ordningen har virket etter hensikten i de fleste kommunene.",
    "Budsjettavtalen sikrer penger til sykehus, skoler og veier i {place}.",
    "Det er viktig å lytte til dem som kjenner sektoren best, sier {minister}.",
    "Departementet vil publisere en oppsummering av innspillene på sine nettsider.",
    "Flere av tiltakene krever endringer i plan- og bygningsloven.",
    "Et flertall i komiteen støttet forslaget i sin innstilling.",
    "Regjeringen vil også vurdere hvordan ordningen kan forenkles for brukerne.",
    "Norge har en lang tradisjon for tett samarbeid mellom staten og frivilligheten.",
    "Det nye senteret i {place} vil gi rundt {amount} faste arbeidsplasser i regionen.",
    "Nordområdene er Norges viktigste strategiske ansvarsområde.",
    "Nærmere detaljer om fordelingen legges fram i revidert nasjonalbudsjett.",
)

_FILL = {
    "en": {
        "topic": (
            "health preparedness",
            "the green transition",
            "rural development",
            "digital security",
            "fisheries management",
            "higher education",
        ),
        "minister": (
            "the Prime Minister",
            "the Minister of Finance",
            "the Minister of Health",
            "the Minister of Trade and Industry",
            "the Minister of Education",
        ),
        "place": ("Tromsø", "Bodø", "Ålesund", "Kirkenes", "Stavanger", "Lillehammer"),
    },
    "no": {
        "topic": (
            "helseberedskap",
            "det grønne skiftet",
            "distriktsutvikling",
            "digital sikkerhet",
            "fiskeriforvaltning",
            "høyere utdanning",
        ),
        "minister": (
            "statsministeren",
            "finansministeren",
            "helseministeren",
            "næringsministeren",
            "kunnskapsministeren",
        ),
        "place": ("Tromsø", "Bodø", "Ålesund", "Kirkenes", "Stavanger", "Lillehammer"),
    },
}


HEADINGS = {
    "en": ("Background", "Key measures", "Next steps", "Funding", "Facts", "Consultation"),
    "no": ("Bakgrunn", "Hovedtiltak", "Videre arbeid", "Finansiering", "Fakta", "Høring"),
}


def _capitalised(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:]


def heading(seed: str, lang: str) -> str:
    """A short sub-heading, the same for the same ``seed``."""
    return random.Random(f"h:{seed}").choice(HEADINGS["en" if lang == "en" else "no"])


def paragraphs(seed: str, lang: str, count: int) -> list[str]:
    """``count`` paragraphs of four to six sentences, the same for the same ``seed``."""
    rng = random.Random(f"{lang}:{seed}")
    bank = _EN if lang == "en" else _NO
    fill = _FILL["en" if lang == "en" else "no"]
    result = []
    for _ in range(count):
        sentences = rng.sample(bank, rng.randint(4, 6))
        words = {key: rng.choice(values) for key, values in fill.items()}
        words["amount"] = str(rng.randint(12, 950))
        text = " ".join(_capitalised(s.format(**words)) for s in sentences)
        result.append(text)
    return result
