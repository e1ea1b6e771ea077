"""Demo people from around the world: (given names, family names, country, time zone).

Each name is paired with the ASCII form used for its email address.
"""

from __future__ import annotations

Name = tuple[str, str]  # (as written, ASCII for the email)

CULTURES: list[tuple[list[Name], list[Name], str, str]] = [
    (
        [("Jürgen", "juergen"), ("Anna", "anna"), ("Lena", "lena"), ("Maximilian", "max")],
        [("Müller", "mueller"), ("Schröder", "schroeder"), ("Weiß", "weiss"), ("Groß", "gross")],
        "Germany",
        "Europe/Berlin",
    ),
    (
        [("Éloïse", "eloise"), ("François", "francois"), ("Zoé", "zoe"), ("Hélène", "helene")],
        [
            ("Dubois", "dubois"),
            ("Lefèvre", "lefevre"),
            ("D'Artagnan", "dartagnan"),
            ("Béranger", "beranger"),
        ],
        "France",
        "Europe/Paris",
    ),
    (
        [("Siobhán", "siobhan"), ("Seán", "sean"), ("Aoife", "aoife"), ("Niamh", "niamh")],
        [
            ("O'Brien", "obrien"),
            ("O'Connor", "oconnor"),
            ("Ní Dhomhnaill", "nidhomhnaill"),
            ("McCarthy", "mccarthy"),
        ],
        "Ireland",
        "Europe/Dublin",
    ),
    (
        [("José", "jose"), ("María", "maria"), ("Íñigo", "inigo"), ("Begoña", "begona")],
        [("Núñez", "nunez"), ("Peña", "pena"), ("García", "garcia"), ("Ibáñez", "ibanez")],
        "Spain",
        "Europe/Madrid",
    ),
    (
        [
            ("Łukasz", "lukasz"),
            ("Małgorzata", "malgorzata"),
            ("Zofia", "zofia"),
            ("Wojciech", "wojciech"),
        ],
        [
            ("Wiśniewski", "wisniewski"),
            ("Dąbrowska", "dabrowska"),
            ("Kowalczyk", "kowalczyk"),
            ("Żak", "zak"),
        ],
        "Poland",
        "Europe/Warsaw",
    ),
    (
        [("太郎", "taro"), ("花子", "hanako"), ("健", "ken"), ("さくら", "sakura")],
        [("山田", "yamada"), ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi")],
        "Japan",
        "Asia/Tokyo",
    ),
    (
        [("Дмитрий", "dmitry"), ("Анастасия", "anastasia"), ("Игорь", "igor"), ("Ольга", "olga")],
        [
            ("Иванов", "ivanov"),
            ("Смирнова", "smirnova"),
            ("Кузнецов", "kuznetsov"),
            ("Попова", "popova"),
        ],
        "Russia",
        "Europe/Moscow",
    ),
    (
        [("Νίκος", "nikos"), ("Ελένη", "eleni"), ("Γιώργος", "giorgos"), ("Μαρία", "maria")],
        [
            ("Παπαδόπουλος", "papadopoulos"),
            ("Οικονόμου", "oikonomou"),
            ("Γεωργίου", "georgiou"),
            ("Νικολάου", "nikolaou"),
        ],
        "Greece",
        "Europe/Athens",
    ),
    (
        [("محمد", "mohammed"), ("فاطمة", "fatima"), ("عمر", "omar"), ("ليلى", "layla")],
        [("العلي", "alali"), ("حسن", "hassan"), ("الخطيب", "alkhatib"), ("منصور", "mansour")],
        "Egypt",
        "Africa/Cairo",
    ),
    (
        [("Priya", "priya"), ("Arjun", "arjun"), ("अनन्या", "ananya"), ("Rohan", "rohan")],
        [("Sharma", "sharma"), ("Iyer", "iyer"), ("पटेल", "patel"), ("Reddy", "reddy")],
        "India",
        "Asia/Kolkata",
    ),
    (
        [("민준", "minjun"), ("서연", "seoyeon"), ("Ji-woo", "jiwoo"), ("하은", "haeun")],
        [("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi")],
        "South Korea",
        "Asia/Seoul",
    ),
    (
        [("Chloë", "chloe"), ("Liam", "liam"), ("D'Shawn", "dshawn"), ("Renée", "renee")],
        [
            ("Smith", "smith"),
            ("O'Neil", "oneil"),
            ("Johnson-Brown", "johnsonbrown"),
            ("Zoë-Lee", "zoelee"),
        ],
        "United States",
        "America/New_York",
    ),
    (
        [("João", "joao"), ("Conceição", "conceicao"), ("Thiago", "thiago"), ("Luíza", "luiza")],
        [
            ("Gonçalves", "goncalves"),
            ("Araújo", "araujo"),
            ("Simões", "simoes"),
            ("Magalhães", "magalhaes"),
        ],
        "Brazil",
        "America/Sao_Paulo",
    ),
]

COMPANIES = [
    "Acme GmbH",
    "Müller & Söhne",
    "L'Oréal Démo",
    "Nordlicht AB",
    "株式会社サンプル",
    "Café Olé 😀",
    "Smith & Wesson Events",
    "Ōtaki Labs",
    "Zürich Insights AG",
    "O'Reilly Media",
]
JOB_TITLES = ["Marketing Manager", "Event Lead", "CTO", "Head of Sales", "Community Manager", ""]
