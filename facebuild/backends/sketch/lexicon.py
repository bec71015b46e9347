"""The words the sketch backend understands, and the colours they stand for.

Everything here is data; ``features.py`` does the reading.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "red": (210, 45, 45), "crimson": (180, 20, 50), "scarlet": (230, 40, 30),
    "maroon": (120, 25, 35), "burgundy": (125, 30, 50), "orange": (240, 130, 40),
    "amber": (245, 170, 40), "yellow": (245, 215, 60), "gold": (230, 180, 50),
    "golden": (230, 180, 50), "lemon": (250, 235, 80), "green": (60, 170, 80),
    "emerald": (30, 150, 90), "olive": (120, 130, 60), "lime": (160, 220, 60),
    "mint": (150, 225, 190), "teal": (20, 150, 150), "turquoise": (60, 200, 190),
    "cyan": (40, 200, 230), "aqua": (60, 210, 220), "blue": (50, 100, 210),
    "navy": (30, 45, 110), "azure": (60, 140, 230), "cobalt": (30, 70, 180),
    "indigo": (70, 50, 150), "purple": (130, 60, 170), "violet": (150, 80, 200),
    "lavender": (180, 160, 225), "lilac": (195, 165, 215), "magenta": (220, 50, 170),
    "fuchsia": (230, 60, 160), "pink": (240, 140, 180), "rose": (225, 100, 130),
    "peach": (250, 190, 150), "brown": (120, 75, 45), "chestnut": (130, 60, 35),
    "auburn": (150, 60, 35), "copper": (185, 100, 50), "ginger": (210, 100, 40),
    "rust": (170, 80, 40), "rusty": (170, 80, 40), "bronze": (170, 120, 60),
    "tan": (210, 170, 120), "beige": (225, 205, 170), "sandy": (215, 190, 140),
    "cream": (245, 235, 210), "ivory": (245, 240, 225), "white": (245, 245, 245),
    "silver": (195, 200, 210), "grey": (130, 130, 135), "gray": (130, 130, 135),
    "charcoal": (60, 60, 65), "black": (30, 30, 35), "blonde": (240, 205, 110),
    "blond": (240, 205, 110), "platinum": (235, 230, 215), "raven": (25, 25, 40),
    "hazel": (140, 110, 60), "ebony": (60, 40, 30),
}
"""Colour words, with a plain reading; features may read some of them differently."""

TONES = ("dark", "deep", "light", "pale", "fair", "bright")
"""Words that shade the colour after them, or name a tone on their own ("dark skin")."""

SKIN_READINGS: dict[str, RGB] = {
    "pale": (250, 225, 210), "fair": (245, 215, 190), "light": (240, 205, 175),
    "olive": (200, 160, 110), "tan": (205, 150, 100), "tanned": (205, 150, 100),
    "brown": (150, 95, 60), "dark": (110, 70, 45), "deep": (90, 55, 35),
    "ebony": (70, 45, 30), "bronze": (175, 115, 70), "peach": (250, 200, 170),
}
HAIR_READINGS: dict[str, RGB] = {
    "red": (200, 60, 40), "dark": (45, 35, 30), "light": (215, 180, 120),
    "brown": (110, 70, 40), "black": (35, 30, 35), "white": (240, 240, 235),
    "grey": (170, 170, 175), "gray": (170, 170, 175), "fair": (235, 200, 130),
}
EYE_READINGS: dict[str, RGB] = {
    "dark": (70, 45, 30), "light": (140, 190, 230), "brown": (110, 70, 40),
}
OTHER_READINGS: dict[str, RGB] = {
    "dark": (50, 50, 62), "light": (225, 222, 212), "pale": (230, 230, 220),
    "deep": (40, 40, 70),
}

NATURAL_SKIN: tuple[RGB, ...] = (
    (250, 220, 195), (240, 200, 170), (225, 180, 140), (200, 150, 105),
    (170, 115, 75), (135, 85, 55), (100, 65, 45),
)
NATURAL_HAIR: tuple[RGB, ...] = (
    (35, 30, 35), (70, 45, 30), (110, 70, 40), (150, 60, 35), (210, 100, 40),
    (235, 200, 110), (60, 40, 35), (170, 170, 175),
)
NATURAL_EYES: tuple[RGB, ...] = (
    (110, 70, 40), (60, 120, 200), (70, 150, 90), (140, 110, 60), (90, 90, 100),
)

PARTS: dict[str, str] = {
    **dict.fromkeys(
        ("hair", "haired", "locks", "mane", "ponytail", "braid", "braids", "bun",
         "curls", "afro", "fringe", "bangs", "mohawk"), "hair"),
    **dict.fromkeys(("eyes", "eye", "eyed", "irises"), "eyes"),
    **dict.fromkeys(("skin", "skinned", "complexion"), "skin"),
    **dict.fromkeys(
        ("jacket", "coat", "shirt", "top", "hoodie", "dress", "robe", "robes", "vest",
         "armor", "armour", "uniform", "suit", "sweater", "jumper", "cloak", "tunic",
         "overalls", "jumpsuit", "blouse", "tee", "cape", "coveralls", "clothes",
         "clothing", "outfit"), "clothing"),
    **dict.fromkeys(("pants", "trousers", "jeans", "skirt", "leggings", "shorts"), "legs"),
    **dict.fromkeys(("hat", "cap", "beanie", "helmet", "helm", "beret", "fedora"), "hat"),
    **dict.fromkeys(("background", "backdrop", "bg"), "background"),
    **dict.fromkeys(("beard", "bearded", "moustache", "mustache", "goatee"), "beard"),
}
"""Nouns a colour word can attach to, and the part of the drawing each one colours."""

GARMENTS: dict[str, str] = {
    "jacket": "jacket", "coat": "jacket", "blazer": "jacket", "vest": "jacket",
    "overalls": "jacket", "coveralls": "jacket", "jumpsuit": "jacket",
    "hoodie": "hoodie", "hood": "hoodie", "sweatshirt": "hoodie",
    "shirt": "tee", "tee": "tee", "sweater": "tee", "jumper": "tee", "top": "tee",
    "blouse": "tee", "suit": "suit", "tie": "suit", "tuxedo": "suit", "uniform": "suit",
    "armor": "armor", "armour": "armor", "plate": "armor", "knight": "armor",
    "robe": "robe", "robes": "robe", "cloak": "robe", "tunic": "robe", "wizard": "robe",
    "dress": "dress", "gown": "dress",
}

ACCESSORIES: dict[str, tuple[str, ...]] = {
    "glasses": ("glasses", "spectacles", "eyeglasses", "sunglasses", "specs", "monocle"),
    "goggles": ("goggles",),
    "hat": ("hat", "cap", "beanie", "beret", "fedora", "tophat", "bowler", "stetson"),
    "helmet": ("helmet", "helm"),
    "beard": ("beard", "bearded", "goatee"),
    "moustache": ("moustache", "mustache", "moustached", "mustached"),
    "stubble": ("stubble",),
    "scar": ("scar", "scarred", "scars"),
    "freckles": ("freckles", "freckled"),
    "gloves": ("gloves", "gauntlets", "glove"),
    "earrings": ("earring", "earrings"),
}

HAIR_STYLES: dict[str, str] = {
    "short": "short", "cropped": "short", "buzz": "short", "pixie": "short",
    "long": "long", "flowing": "long", "braids": "long", "braid": "long",
    "curly": "curly", "curls": "curly", "afro": "curly", "wavy": "curly",
    "spiky": "spiky", "mohawk": "spiky", "messy": "spiky", "bun": "bun",
    "ponytail": "ponytail", "bob": "bob", "bald": "bald", "shaved": "bald",
}
STANDALONE_STYLES = frozenset(("bald", "ponytail", "afro", "braids", "mohawk", "curls", "bun"))
"""Hair words that need no "hair" beside them."""

EXPRESSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("grin", ("grin", "grinning", "grins", "laughing", "laugh", "beaming")),
    ("smirk", ("smirk", "smirking", "sly", "mischievous", "cocky", "smug")),
    ("smile", ("smile", "smiling", "smiles", "cheerful", "happy", "friendly", "optimistic",
               "kind", "jolly")),
    ("frown", ("frown", "frowning", "grumpy", "angry", "scowl", "scowling", "sad")),
    ("neutral", ("stern", "serious", "stoic", "calm", "expressionless", "grim")),
)
"""In order of precedence: "mischievous grin" is a grin."""

MOODS: dict[str, str] = {
    "neon": "neon", "cyberpunk": "neon", "synthwave": "neon", "pastel": "pastel",
    "muted": "muted", "desaturated": "muted", "faded": "muted", "warm": "warm",
    "cold": "cold", "cool": "cold", "icy": "cold", "noir": "noir", "monochrome": "noir",
    "grayscale": "noir", "greyscale": "noir", "sepia": "sepia", "vintage": "sepia",
    "vibrant": "vibrant", "vivid": "vibrant", "saturated": "vibrant", "gloomy": "dark",
    "moody": "dark",
}

SCENERY: dict[str, str] = {
    **dict.fromkeys(("city", "town", "street", "streets", "downtown", "skyline",
                     "cyberpunk", "metropolis", "village"), "city"),
    **dict.fromkeys(("office", "room", "interior", "indoors", "indoor", "lab",
                     "laboratory", "workshop", "garage", "bar", "tavern", "kitchen",
                     "library", "hangar", "shop"), "interior"),
    **dict.fromkeys(("forest", "woods", "jungle", "trees", "park"), "forest"),
    **dict.fromkeys(("mountain", "mountains", "hills", "valley", "peaks"), "mountains"),
    **dict.fromkeys(("sea", "ocean", "beach", "harbor", "harbour", "coast", "port",
                     "lake", "shore", "island"), "sea"),
    **dict.fromkeys(("desert", "dunes", "sand", "canyon"), "desert"),
    **dict.fromkeys(("space", "galaxy", "orbit", "planet", "asteroid", "nebula",
                     "starship", "spaceship"), "space"),
    **dict.fromkeys(("night", "midnight", "nighttime", "moonlit"), "night"),
    **dict.fromkeys(("sunset", "sunrise", "dawn", "dusk", "evening"), "sunset"),
    **dict.fromkeys(("rain", "rainy", "storm", "stormy", "raining"), "rain"),
    **dict.fromkeys(("snow", "snowy", "winter", "blizzard"), "snow"),
}

SCENE_WORDS = frozenset(("backdrop", "scene", "landscape", "environment", "scenery",
                         "vista", "panorama", "establishing", "location", "setting"))
PEOPLE_WORDS = frozenset(("people", "person", "persons", "characters", "humans",
                          "figures", "crowd", "crowds"))
"""In "no people" these turn a portrait into a scene."""
UNWANTED_PEOPLE = frozenset(("people", "person", "persons", "humans", "human", "crowd"))
"""In the negative prompt these do too ("characters" there usually means text)."""
POINTED_HATS = frozenset(("wizard", "witch", "sorcerer", "sorceress", "pointed", "pointy"))
NEGATORS = frozenset(("no", "without", "not", "never", "nobody"))
