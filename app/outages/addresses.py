"""Addresses as people write them, normalised so that an outage and a consumer's address
can be compared (plain functions, no Flask; the rules are listed in docs/outages.md).

- A settlement loses its type word in front («г.», «город», «с.», «пос.», «пгт», «д.», …)
  and a type abbreviation behind («Примерск г.»); a full word behind stays part of the
  name («Красное Село»).
- A street is split into its kind («улица», «проспект», «переулок», … from «ул.», «пр-т»,
  «пер.», …, in front or behind) and its name; «им.»/«имени» is dropped, ordinals lose
  their endings («1-я Советская» = «Советская 1-я» = «1 советская»). Two streets match when
  the names are equal and the kinds are equal or one of them is not given, so «Мира»
  matches «пр-т Мира» but «ул. Мира» does not match «пр-т Мира».
- Case, «ё»/«е», punctuation, quotes and extra spaces never matter anywhere.
- A house is a number with an optional letter, fraction, корпус and строение: «д. 19А»,
  «19 а», «19-а», «19a» (Latin) are all «19а»; «2к1», «2 корп. 1», «2, к. 1» are «2к1».
- A house list names houses and ranges: «1-15, 17, 19а», «с 1 по 15», «2-10 (чётные)»,
  «1–15 нечёт.», «чётная сторона». A range covers every building whose number is in it
  (7, 7а, 7к1 are in «1-15»); a parity word limits the range to even or odd numbers.
  A single house covers the same number and letter («19» is not «19а»); a корпус,
  строение or fraction given on both sides must agree, given on one side only it does
  not matter («17» covers «17к1», and «17к1» covers an address written «17»).
- An empty house list is the whole street; an empty street is the whole settlement;
  an address without a house hears of every outage on its street, one without a street
  of every outage in its settlement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# --- common -----------------------------------------------------------------------------------

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_QUOTES = re.compile(r"[«»\"'„“”`]")
_SPACES = re.compile(r"\s+")


def _base(text: str | None) -> str:
    """Casefolded, ё→е, one kind of dash, no quotes."""
    text = (text or "").casefold().replace("ё", "е")
    text = _DASHES.sub("-", text)
    return _QUOTES.sub(" ", text)


def _tokens(text: str) -> list[str]:
    """Words of a name: punctuation other than an inner hyphen separates words."""
    text = re.sub(r"\s*-\s*", "-", text)  # «Ростов - на - Дону» → «ростов-на-дону»
    text = re.sub(r"[.,;:()\[\]/\\№#]", " ", text)
    return [t.strip("-") for t in _SPACES.split(text) if t.strip("-")]


def squeeze(text: str | None) -> str:
    """A value as shown: surrounding and repeated spaces removed."""
    return _SPACES.sub(" ", (text or "")).strip()


# --- settlements --------------------------------------------------------------------------------

#: Types written in front of a settlement's name (several words first).
_SETTLEMENT_PREFIXES = [
    ("поселок", "городского", "типа"),
    ("рабочий", "поселок"),
    ("городской", "поселок"),
    ("дачный", "поселок"),
    ("коттеджный", "поселок"),
    ("сельское", "поселение"),
    ("город",),
    ("гор",),
    ("г",),
    ("село",),
    ("с",),
    ("поселок",),
    ("пос",),
    ("п",),
    ("пгт",),
    ("рп",),
    ("деревня",),
    ("дер",),
    ("д",),
    ("хутор",),
    ("хут",),
    ("х",),
    ("станица",),
    ("ст-ца",),
    ("ст",),
    ("слобода",),
    ("сл",),
    ("аул",),
    ("снт",),
    ("днп",),
    ("днт",),
    ("тсн",),
    ("кп",),
    ("дп",),
    ("нп",),
]
#: Abbreviations that may also stand behind the name («Примерск г.»).
_SETTLEMENT_SUFFIXES = {"г", "гор", "с", "п", "пос", "пгт", "рп", "д", "дер", "х", "ст", "снт"}


def normalize_settlement(text: str | None) -> str:
    """«г. Примерск» → «примерск»; «пос. Лесной» → «лесной»; «Красное Село» stays."""
    words = _tokens(_base(text))
    changed = True
    while changed and len(words) > 1:
        changed = False
        for prefix in _SETTLEMENT_PREFIXES:
            n = len(prefix)
            if len(words) > n and tuple(words[:n]) == prefix:
                words = words[n:]
                changed = True
                break
    if len(words) > 1 and words[-1] in _SETTLEMENT_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


# --- streets ------------------------------------------------------------------------------------

#: Street kinds and the ways they are written.
STREET_KINDS: dict[str, tuple[str, ...]] = {
    "улица": ("улица", "ул"),
    "проспект": ("проспект", "просп", "пр-т", "пр-кт", "пркт", "пр"),
    "переулок": ("переулок", "пер", "пер-к"),
    "проезд": ("проезд", "пр-д", "пр-зд"),
    "шоссе": ("шоссе", "ш"),
    "бульвар": ("бульвар", "бул", "бульв", "б-р"),
    "площадь": ("площадь", "пл"),
    "набережная": ("набережная", "наб"),
    "тупик": ("тупик", "туп"),
    "аллея": ("аллея", "ал"),
    "микрорайон": ("микрорайон", "мкр", "мкрн", "мк-н", "мкр-н"),
    "квартал": ("квартал", "кв-л", "квл"),
    "линия": ("линия", "лин"),
    "тракт": ("тракт",),
    "спуск": ("спуск",),
}
_STREET_WORDS = {spelling: kind for kind, spellings in STREET_KINDS.items() for spelling in spellings}
_ORDINAL = re.compile(r"^(\d+)-?(?:ый|ий|ой|ая|яя|ое|ее|ья|ой|го|й|я|е|ю)$")


@dataclass(frozen=True)
class StreetKey:
    #: One of STREET_KINDS, or "" when not given.
    kind: str
    #: The normalised name, e.g. «ленина», «1 советская».
    name: str

    def compatible(self, other: StreetKey) -> bool:
        if self.name != other.name:
            return False
        return not self.kind or not other.kind or self.kind == other.kind


def normalize_street(text: str | None) -> StreetKey:
    """«ул. Ленина» → (улица, ленина); «Мира пр-т» → (проспект, мира); «» → ("", "")."""
    words = _tokens(_base(text))
    kind = ""
    if len(words) > 1 and words[0] in _STREET_WORDS:
        kind, words = _STREET_WORDS[words[0]], words[1:]
    elif len(words) > 1 and words[-1] in _STREET_WORDS:
        kind, words = _STREET_WORDS[words[-1]], words[:-1]
    if len(words) > 1 and words[0] in ("им", "имени"):
        words = words[1:]
    numbers, names = [], []
    for word in words:
        m = _ORDINAL.match(word)
        if m or word.isdigit():
            numbers.append(m.group(1) if m else word)
        else:
            names.append(word)
    return StreetKey(kind, " ".join(numbers + names))


# --- houses -------------------------------------------------------------------------------------


class HouseError(ValueError):
    """A house or a house list that cannot be read; the message is Russian."""


_LATIN_TO_CYRILLIC = str.maketrans("abcehkmoptxy", "авсенкмортху")
#: Words in front of a house number: «д.», «дом», «дома», «уч.», «вл.», «№».
_HOUSE_WORDS = re.compile(r"^\s*(?:(?:дома|дом|д|участок|уч|владение|вл)\.?\s*)?№?")
_HOUSE = re.compile(
    r"^(\d{1,5})"  # number
    r"(?:\s*([а-я]))?"  # letter
    r"(?:\s*/\s*(\d{1,5}[а-я]?))?"  # fraction (corner houses)
    r"(?:\s*,?\s*(?:корпус|корп|кор|к)\.?\s*(\d{1,3}))?"  # корпус
    r"(?:\s*,?\s*(?:строение|стр|ст|с)\.?\s*(\d{1,3}))?$"  # строение
)


@dataclass(frozen=True)
class House:
    number: int
    letter: str = ""
    fraction: str = ""
    korpus: str = ""
    building: str = ""

    def __str__(self) -> str:
        text = f"{self.number}{self.letter}"
        if self.fraction:
            text += f"/{self.fraction}"
        if self.korpus:
            text += f"к{self.korpus}"
        if self.building:
            text += f"с{self.building}"
        return text

    def same_building(self, other: House) -> bool:
        """Number and letter equal; fraction, корпус and строение equal where both give them."""
        if (self.number, self.letter) != (other.number, other.letter):
            return False
        return all(
            not a or not b or a == b
            for a, b in ((self.fraction, other.fraction), (self.korpus, other.korpus), (self.building, other.building))
        )


def _house_text(text: str) -> str:
    text = _base(text).translate(_LATIN_TO_CYRILLIC)
    text = _HOUSE_WORDS.sub(" ", text)
    text = re.sub(r"(\d)\s*-\s*([а-я])(?![а-я])", r"\1\2", text)  # «19-а» → «19а»
    return _SPACES.sub(" ", text).strip(" .,")


@lru_cache(maxsize=4096)
def parse_house(text: str | None) -> House | None:
    """One house; None for an empty value (remembered: matching reads the same stored keys
    on every cabinet visit). Raises HouseError for what is not a house."""
    if not squeeze(text):
        return None
    cleaned = _house_text(text)
    m = _HOUSE.match(cleaned)
    if not m:
        raise HouseError(f"Не удалось разобрать номер дома «{squeeze(text)}». Пример: 12, 12а, 12/1, 12к1.")
    number, letter, fraction, korpus, building = m.groups()
    return House(int(number), letter or "", fraction or "", korpus or "", building or "")


def normalize_house(text: str | None) -> str:
    """The canonical spelling of one house («д. 19 А» → «19а»), "" when empty."""
    house = parse_house(text)
    return str(house) if house else ""


@dataclass(frozen=True)
class HouseRange:
    low: int
    high: int
    #: "even", "odd" or "" for every number.
    parity: str = ""

    def covers(self, house: House) -> bool:
        if not self.low <= house.number <= self.high:
            return False
        if self.parity == "even":
            return house.number % 2 == 0
        if self.parity == "odd":
            return house.number % 2 == 1
        return True

    def __str__(self) -> str:
        """«1-15», «2-20 чет», «нечет» (a whole side): parse_houses reads it back."""
        suffix = {"even": "чет", "odd": "нечет"}.get(self.parity, "")
        if self.low == 1 and self.high >= _NO_END:
            return suffix
        return f"{self.low}-{self.high} {suffix}".strip()


_NO_END = 10**6


@dataclass(frozen=True)
class HouseSet:
    """What an outage's house list covers. No items: the whole street."""

    items: tuple[House | HouseRange, ...] = field(default_factory=tuple)

    @property
    def whole_street(self) -> bool:
        return not self.items

    def covers(self, house: House | None) -> bool:
        """Whether the list covers `house`; an address with no house is covered by any list."""
        if self.whole_street or house is None:
            return True
        for item in self.items:
            if isinstance(item, HouseRange):
                if item.covers(house):
                    return True
            elif item.same_building(house):
                return True
        return False

    def canonical(self) -> str:
        """A stable spelling, used to tell whether two lists are the same («1-15,17,19а»)."""
        return ",".join(str(item) for item in self.items)


_WHOLE = re.compile(r"^(?:все|все дома|весь|вся улица|вся|полностью|целиком)$")
_PARITY = re.compile(r"\(?\s*\b(не)?чет(?:н\w*|\.)?(?:\s+сторона)?\s*\)?")
_RANGE = re.compile(r"^(?:с\s*)?(\d{1,5})\s*(?:-|по|до)\s*(\d{1,5})$")


@lru_cache(maxsize=4096)
def parse_houses(text: str | None) -> HouseSet:
    """«1-15, 17, 19а» → a HouseSet (immutable, so remembered for the same text). Raises
    HouseError naming the part it cannot read."""
    cleaned = _base(text).strip()
    if not cleaned or _WHOLE.match(_SPACES.sub(" ", cleaned.strip(" ."))):
        return HouseSet()
    items: list[House | HouseRange] = []
    for raw_part in re.split(r"[,;]|\s+и\s+", cleaned):
        part = _SPACES.sub(" ", raw_part).strip(" .")
        if not part:
            continue
        parity = ""
        m = _PARITY.search(part)
        if m:
            parity = "odd" if m.group(1) else "even"
            part = (part[: m.start()] + part[m.end() :]).strip(" .")
        part = _house_text(part)
        if not part:
            if not parity:
                continue
            items.append(HouseRange(1, _NO_END, parity))
            continue
        rng = _RANGE.match(part)
        if rng:
            low, high = int(rng.group(1)), int(rng.group(2))
            if low > high:
                raise HouseError(f"В диапазоне домов «{squeeze(raw_part)}» начало больше конца.")
            items.append(HouseRange(low, high, parity))
            continue
        if parity:
            raise HouseError(
                f"«чётные»/«нечётные» относится к диапазону домов, например «2-10 (чётные)», а не к «{squeeze(raw_part)}»."
            )
        try:
            house = parse_house(part)
        except HouseError:
            raise HouseError(
                f"Не удалось разобрать дома «{squeeze(raw_part)}». Пишите номера и диапазоны через запятую: 1-15, 17, 19а."
            ) from None
        if house:
            items.append(house)
    return HouseSet(tuple(items))


def normalize_houses(text: str | None) -> str:
    return parse_houses(text).canonical()


# --- matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressKey:
    """An address reduced to what matching compares."""

    settlement: str
    street: StreetKey
    house: House | None

    @classmethod
    def of(cls, settlement: str | None, street: str | None, house: str | None) -> AddressKey:
        try:
            parsed = parse_house(house)
        except HouseError:
            parsed = None  # «б/н»: treated as an address without a house number
        return cls(normalize_settlement(settlement), normalize_street(street), parsed)


@dataclass(frozen=True)
class OutagePlace:
    """Where an outage is: a settlement, maybe a street, maybe some houses."""

    settlement: str
    street: StreetKey
    houses: HouseSet

    @classmethod
    def of(cls, settlement: str | None, street: str | None, houses: str | None) -> OutagePlace:
        return cls(normalize_settlement(settlement), normalize_street(street), parse_houses(houses))

    def covers(self, address: AddressKey) -> bool:
        if self.settlement != address.settlement or not self.settlement:
            return False
        if not self.street.name or not address.street.name:
            return True
        if not self.street.compatible(address.street):
            return False
        return self.houses.covers(address.house)


def address_matches(place: OutagePlace, address: AddressKey) -> bool:
    return place.covers(address)
