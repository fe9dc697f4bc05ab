"""Place names: known places (babel's territory names, the US states, a list of cities and
regions), what kind of place a name is (country, state, city), and demonyms ("Afghan"), which
name no place of their own."""

from __future__ import annotations

import re
from functools import lru_cache

# places so general that they rarely answer "where" (a more specific place in the same sentence wins)
_GENERAL_PLACES = {"us", "u.s.", "u.s", "usa", "america", "united states", "the united states", "uk", "u.k.", "britain", "europe", "world"}
_US_STATES = """Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii Idaho Illinois Indiana
    Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada
    New_Hampshire New_Jersey New_Mexico New_York North_Carolina North_Dakota Ohio Oklahoma Oregon Pennsylvania Rhode_Island
    South_Carolina South_Dakota Tennessee Texas Utah Vermont Virginia Washington West_Virginia Wisconsin Wyoming Puerto_Rico""".split()
_MORE_PLACES = """Europe Asia Africa Antarctica Australia Arctic America North_America South_America Middle_East Southwest Southeast
    Northwest Northeast Midwest London Paris Berlin Moscow Kyiv Kiev Beijing Shanghai Tokyo Seoul Delhi New_Delhi Mumbai Islamabad
    Karachi Lahore Kabul Tehran Baghdad Jerusalem Gaza Gaza_Strip Cairo Istanbul Rome Madrid Lisbon Dublin Edinburgh Brussels
    Amsterdam Vienna Warsaw Stockholm Oslo Helsinki Copenhagen Athens Geneva Zurich Toronto Montreal Vancouver Ottawa Sydney
    Melbourne Mexico_City Havana Caracas Lima Bogota Santiago Buenos_Aires Rio_de_Janeiro Sao_Paulo Nairobi Lagos Johannesburg
    Cape_Town Hong_Kong Singapore Bangkok Manila Jakarta Hanoi Taipei Los_Angeles San_Francisco Chicago Houston Dallas Miami
    Atlanta Boston Seattle Denver Phoenix Philadelphia Detroit Las_Vegas Nashville New_Orleans Orlando Tampa Austin Portland
    Sacramento San_Diego Brooklyn Manhattan Jackson Uvalde Buffalo Wales Scotland England Britain Great_Britain UK U.K. US U.S.
    USA Crimea Donbas Kherson Kharkiv Mariupol Odesa Zaporizhzhia Yellowstone Yosemite Taiwan Greenland Siberia Hawaii
    Stromboli Sicily Etna Bali""".split()


@lru_cache(maxsize=1)
def _places() -> frozenset:
    names = {p.replace("_", " ").lower() for p in _US_STATES + _MORE_PLACES}
    try:  # country and region names, kept current by babel (CLDR)
        from babel import Locale

        for name in Locale("en").territories.values():
            names.add(name.lower())
            names.add(re.sub(r"\s*\(.*\)$", "", name).lower())
    except Exception:  # babel missing: the built-in list still answers the common cases
        pass
    names |= {"the " + n for n in ("united states", "united kingdom", "netherlands", "philippines", "czech republic", "dominican republic", "bahamas")}
    return frozenset(names)


def is_place(name: str) -> bool:
    n = name.lower().strip(" .,")
    return n in _places() or n.removeprefix("the ") in _places()



# states that are also the names of cities ("Which city ...?" may be answered "New York")
_STATE_AND_CITY = {"new york", "washington", "kansas city"}


def _place_sub(name: str) -> str | None:
    n = name.lower().removeprefix("the ")
    if n in {x.replace("_", " ").lower() for x in _US_STATES}:
        return "state"
    if n in _countries():
        return "country"
    if n in _places():
        return "city"
    return None


@lru_cache(maxsize=1)
def _countries() -> frozenset:
    names = {"us", "u.s.", "usa", "uk", "u.k.", "britain", "great britain", "england", "scotland", "wales", "america"}
    try:
        from babel import Locale

        for code, name in Locale("en").territories.items():
            if code.isalpha():  # two-letter codes are countries; numeric ones are regions
                names.add(name.lower())
                names.add(re.sub(r"\s*\(.*\)$", "", name).lower())
    except Exception:
        pass
    return frozenset(names)



# a name ending in one of these is a place ("Yellowstone National Park", "Buchanan County")
_PLACE_TYPE = re.compile(r"\s(?:Park|County|Island|Islands|Airport|Province|Valley|Lake|River|Bay|Beach|Canyon|Mountains?|Forest|"
                         r"Desert|Strait|Sea|Ocean|Gulf|Peninsula|Coast|Volcano|Reservoir|Falls)$")
# adjectives of countries whose stem is not the country's ("French" / France)
_IRREGULAR_DEMONYMS = {"french", "dutch", "welsh", "greek", "swiss", "thai", "czech", "scots", "british", "spanish", "danish",
                       "swedish", "finnish", "polish", "turkish", "irish", "english", "scottish", "flemish", "cypriot"}
_DEMONYM_END = re.compile(r"(?:an|ian|ean|ese|ish|i|ic)$")


def _demonym(name: str) -> bool:
    """"Afghan", "Ukrainian", "Chinese": an adjective of a country, not a name of its own."""
    w = name.lower()
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 5 and _demonym(name[:-1]):
        return True  # "Italians", "Ukrainians": the people of a country
    if w in _IRREGULAR_DEMONYMS:
        return True
    if " " in w or len(w) < 4 or not _DEMONYM_END.search(w) or w in _places():
        return False
    return any(p.startswith(w[:4]) for p in _countries())
