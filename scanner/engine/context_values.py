"""What a candidate value is: a literal that may be a credential, or something that only sits where one
could (a variable, a template, a type name, a message, a path, a well-known default). Pure.

`veto(value, quoted, code)` names the classes that are never a credential written in the file; they are
dropped whatever the name says. `value_features` describes the rest for the scoring model.
"""

from __future__ import annotations

import re

from scanner.engine.context_words import words
from scanner.engine.entropy import shannon_entropy

# Unquoted words that are language values or types, never credentials.
_KEYWORDS = words(
    """
    true false none null nil undefined nan yes no on off
    str string int integer bool boolean number float double char byte bytes object any void
    optional secretstr required id
    """
)
# Format and template holes that a quoted value may hold instead of a value (the engine's placeholder
# filter already drops ${VAR}, {{ var }}, <name>, %(name)s, $(cmd) and $VAR).
_TEMPLATE = re.compile(
    r"%[-+ #0]*[0-9]*[sdrvqxXf]"  # printf, Go verbs
    r"|\{[0-9]*\}|\{[A-Za-z_][A-Za-z0-9_.]*(?:![rsa])?(?::[^{}]{0,10})?\}"  # str.format, f-strings
    r"|#\{[^}]{0,64}\}|<%=?|\$\{|@@[A-Za-z_]+@@|__[A-Z][A-Z0-9_]*__"  # Ruby, ERB, token replacement
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)*")
_EXPRESSION = re.compile(r"=|::|->|\$|^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_]")  # bare code: assignment, member
_NUMBER_CONSTANT = re.compile(r"-?0[xXbBoO][0-9a-fA-F_]{1,16}|-?[0-9]{1,3}")  # flags and small numbers
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_CONST = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_CAMEL = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]+)+")
_KEBAB = re.compile(r"[a-z]+(?:-[a-z]+)+")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_PATH = re.compile(
    r"(?:\.{0,2}/|~/|[A-Za-z]:\\|\\\\)[^\s]*"
    r"|[^\s]*\.(?:pem|key|crt|cer|p12|pfx|jks|keystore|json|ya?ml|txt|ini|conf|cfg|properties|env|pub)"
)
# A path that names a place: a word for a directory (/etc/, /run/secrets, ~/.ssh) or a key file's
# extension. A value that only starts with "/" may be base64, and is left to the model.
_PLACE = re.compile(r"^(?:~|\.{1,2})?[/\\]|[/\\](?:[a-z]{2,}|\.[a-z]+)(?=[/\\]|$)|^[A-Za-z]:\\")
_NAMED_FILE = re.compile(r"\.[A-Za-z0-9]{1,10}$")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,15}://")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_UUID = re.compile(r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?")
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_RUN = re.compile(
    r"(.)\1\1\1|0123|1234|2345|3456|4567|5678|6789|9876|8765|7654|6543|5432|4321|abcd|bcde|wxyz|qwer|asdf"
)
# In a long value a run must be longer to say anything: four equal characters occur by chance in 40.
_LONG_RUN = re.compile(r"(.)\1{5}|012345|123456|234567|345678|456789|987654|abcdef|qwerty|asdfgh")
_SHORT_RUN = re.compile(r"123|234|345|456|567|678|789|987|abc|xyz", re.IGNORECASE)
_REPEATED = re.compile(r"(.{1,4}?)\1+")
# Stored password hashes (crypt, bcrypt, argon2, Django, LDAP): a hash of a password is not one.
_PASSWORD_HASH = re.compile(
    r"\$(?:2[abxy]?|1|5|6|apr1|argon2(?:id|i|d)|scrypt|pbkdf2(?:-sha\d+)?|y|gy|7)\$"
    r"|(?:pbkdf2_sha\d+|bcrypt(?:_sha256)?|argon2|sha1|md5|scrypt)\$"
    r"|\{(?:SSHA|SHA|SMD5|MD5|CRYPT|SSHA256|SSHA512|PBKDF2[^}]*)\}",
    re.IGNORECASE,
)
_DIGEST_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
_NAME_DEPENDENT = frozenset({"digest", "hex", "uuid", "digits"})
_STEMS = {"password": ("pass", "pwd"), "secret": ("secret",), "token": ("token",), "credential": ("cred",)}
# Code that reads a value, written where a value could be (docs, examples): never the value itself.
_ACCESSOR = re.compile(
    r"(?:process\.env|import\.meta\.env|os\.environ|os\.getenv|System\.getenv|Deno\.env|ENV|env"
    r"|self|this|config|settings|params|args|options|req|request)[.\[(]"
)
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=[^=]")  # `X= Y=z`: the next assignment, not a value
_SETTINGS = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*=[^,=\s]*(?:,[A-Za-z_][A-Za-z0-9_.-]*=[^,=\s]*)+")
_MASK = re.compile(r"[*•xX#?]{3,}")

# Values written to be seen, not kept secret: defaults of common software and the first words anyone
# types when a test needs a password. CredData labels these X (a test value), and so would a reviewer.
WELL_KNOWN = words(
    """
    password passw0rd p@ssw0rd p@ssword pass passwd pwd secret s3cr3t secret123 topsecret mysecret
    mypassword password1 password123 pass123 test testing test123 test1234 tester admin admin123
    administrator root toor guest user username demo default changeit letmein qwerty qwerty123 abc123
    abcdef abc foo bar baz qux foobar foobarbaz hello world helloworld hunter2 welcome welcome1 login
    master token mytoken apikey api_key key value sa postgres mysql redis rabbitmq guest1 pa55word
    123 1234 12345 123456 1234567 12345678 123456789 1234567890 000000 111111 654321 0000 1111
    """
) | words(  # the word "password" in other languages: a translation file's label, not a password
    """
    passwort kennwort wachtwoord wagwoord contrasena contraseña senha palavra-passe motdepasse parola
    lozinka heslo haslo hasło jelszo jelszó salasana losenord lösenord passord adgangskode cyfrinair
    sifre şifre geslo parool slaptazodis slaptažodis parole lykilord lykilorð pasahitza contrasenya
    пароль парола лозинка κωδικός 密码 密碼 パスワード 비밀번호 סיסמה كلمةالسر
    """
)
_LEET = str.maketrans("@4310$57", "aaeiosst")
_COMMON = re.compile(
    r"test|demo|dummy|fake|mock|sample|example|foobar|hello|world|secret|passw|admin|guest|qwerty"
    r"|default|changeit|letmein|invalid|wrong|incorrect|my[_-]?(?:pass|secret|token|key)"
    r"|deadbeef|cafebabe|feedface|badc0de",
    re.IGNORECASE,
)


def veto(value: str, quoted: bool, code: bool) -> str | None:
    """The reason a value is never a credential as written, or None."""
    stripped = value.strip()
    if not stripped:
        return "empty value"
    if not any(c.isalnum() for c in stripped):
        return "no letters or digits (a set of characters, not a credential)"
    lowered = stripped.lower()
    if lowered in _KEYWORDS or lowered.strip("[]!?") in _KEYWORDS:
        return "a language keyword or type name"
    if _PASSWORD_HASH.match(stripped):
        return "a password hash, not a password"
    if _TEMPLATE.search(stripped):
        return "a format or template placeholder"
    if _MASK.fullmatch(stripped):
        return "a masked value"
    if _PATH.fullmatch(stripped) and (
        not stripped.startswith("/") or _PLACE.search(stripped[1:]) or _NAMED_FILE.search(stripped)
    ):
        return "a file path (where the credential is kept, not the credential)"
    if _URL.match(stripped):
        return "a URL (credentials inside one are read by the URL rules)"
    if stripped.endswith(("...", "\u2026")):
        return "an elided value"
    if _ACCESSOR.match(stripped):
        return "a variable or expression, not a literal"
    if _SETTINGS.fullmatch(stripped):
        return "a list of settings (id=x,src=y), not a value"
    if not quoted and _ASSIGNMENT.match(stripped):
        return "the next assignment, not a value"
    if not quoted and code and (_EXPRESSION.search(stripped) or _NUMBER_CONSTANT.fullmatch(stripped)):
        return "a variable or expression, not a literal"
    if not quoted and code and _IDENTIFIER.fullmatch(stripped) and not _random_caps(stripped):
        return "a variable or expression, not a literal"
    return None


_KEY_CHARS = re.compile(r"[A-Za-z0-9+/=_.~-]{16,300}")
_PIECES = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_WORD_SEGMENT = re.compile(r"(?:^|[_.~/-])(?:[a-z]{4,}|[A-Z]{4,}|[A-Z][a-z]{3,})(?=$|[_.~/-])")


def looks_random(value: str) -> bool:
    """Whether a value looks generated, as an API, access or license key does: what a name as weak as a
    plain `key` needs before its value is read at all. At least 16 characters of a key's alphabet
    (letters, digits, `+/=_.~-`), letters and digits both, not a run or a repeat, no word between
    separators (`job_1_benchmark`, `V1_TODAY`), and made of short pieces: split where case or class
    changes, a key averages at most 4 characters a piece, a name (`ProgressBar1Converter`) is words."""
    if not _KEY_CHARS.fullmatch(value) or _PATH.fullmatch(value) or _WORD_SEGMENT.search(value):
        return False
    if not (any(c.isalpha() for c in value) and any(c.isdigit() for c in value)):
        return False
    if _LONG_RUN.search(value.lower()) or _REPEATED.fullmatch(value) or shannon_entropy(value) < 3.0:
        return False
    pieces = _PIECES.findall(value)
    return sum(map(len, pieces)) / len(pieces) <= 4.0


def _random_caps(value: str) -> bool:
    """An all-caps word without separators (`WTIEDS`): in code unquoted, a constant's name is written
    with underscores or is a word; this may as well be a literal in a string or heredoc."""
    return value.isalpha() and value.isupper() and len(value) >= 6


def _shape(value: str) -> str:
    """One word for what the value looks like; `mixed` is one token with punctuation in it."""
    if _UUID.fullmatch(value):
        return "uuid"
    if value.isdigit():
        return "digits"
    if len(value) >= 16 and _HEX.fullmatch(value) and any(c.isdigit() for c in value):
        return "digest" if len(value) in _DIGEST_LENGTHS else "hex"
    if value.isalpha():
        return "lower" if value.islower() else "upper" if value.isupper() else "letters"
    if value.isalnum():
        return "alnum"
    if any(c.isspace() for c in value):
        return "text"
    if _BASE64.fullmatch(value) and len(value) >= 20:
        return "base64"
    if _PATH.fullmatch(value):
        return "path"
    if (
        _SNAKE.fullmatch(value)
        or _CONST.fullmatch(value)
        or _KEBAB.fullmatch(value)
        or _DOTTED.fullmatch(value)
    ):
        return "ident"  # written like a name: snake_case, CONSTANT_CASE, kebab-case, dotted.path
    return "mixed"


def _length_bucket(length: int) -> str:
    for limit, label in ((3, "1-3"), (5, "4-5"), (7, "6-7"), (11, "8-11"), (19, "12-19"), (39, "20-39")):
        if length <= limit:
            return label
    return "40+"


def _classes(value: str) -> int:
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


def value_features(
    value: str, quoted: bool, code: bool, kind: str, word: str, qualifiers: tuple[str, ...] = ()
) -> list[str]:
    """Feature names for a value that passed `veto`."""
    features = ["val:quoted" if quoted else ("val:bare-in-code" if code else "val:bare")]
    shape = _shape(value)
    features.append(f"shape:{shape}")
    features.append(f"len:{_length_bucket(len(value))}")
    features.append(f"classes:{_classes(value)}")
    if shape in _NAME_DEPENDENT:
        features.append(f"{kind}+{shape}")  # a digest is a secret under `token`, a hash under `password`
    lowered = value.lower()
    plain = lowered.translate(_LEET).rstrip("!.?#*")  # p@ssw0rd!, s3cr3t, adm1n: the word it spells
    if lowered in WELL_KNOWN or plain in WELL_KNOWN:
        features.append("val:well-known")
    elif len(value) <= 24 and (_COMMON.search(value) or _COMMON.search(plain)):
        features.append("val:common-word")
    if shape == "text":
        words = value.split()
        features.append("val:words" if len(words) > 2 else "val:space")
        if value[0].isupper() or value.rstrip()[-1] in ".?!:":
            features.append("val:sentence")
    elif value.endswith(":") and value[:-1].isalpha():
        features.append("val:sentence")  # a label: "Password:"
    elif sum(not c.isascii() and c.isalpha() for c in value) * 2 >= len(value):
        features.append("val:non-latin")  # text in another script: a label or a description
    elif _EMAIL.fullmatch(value):
        features.append("val:email")
    elif _CONST.fullmatch(value):
        features.append("val:const-name")
    elif _SNAKE.fullmatch(value):
        features.append("val:snake")
    elif _CAMEL.fullmatch(value):
        features.append("val:camel")
    elif _KEBAB.fullmatch(value):
        features.append("val:kebab")
    elif _DOTTED.fullmatch(value):
        features.append("val:dotted")
    if (_RUN if len(value) <= 16 else _LONG_RUN).search(lowered):
        features.append("val:run")
    elif len(value) <= 8 and _SHORT_RUN.search(value):
        features.append("val:short-run")
    if len(value) >= 4 and _REPEATED.fullmatch(value):
        features.append("val:repeated")
    secret = lowered.partition(":")[2] if kind in ("credential", "auth") and lowered.count(":") == 1 else ""
    squashed = (secret or lowered).replace("_", "").replace("-", "")  # user:password: the password
    if any(stem in squashed for stem in _STEMS.get(kind, ()) + (word.rstrip("s"),) if len(stem) >= 3):
        features.append("val:repeats-name")  # credentials -> credential; pass and pwd for passwords
    elif any(len(q) >= 4 and q in squashed for q in qualifiers):
        features.append("val:repeats-qualifier")  # DUBBO_APPLICATION_KEY = "dubboApplication"
    entropy = shannon_entropy(value)
    features.append("entropy:high" if entropy >= 4.0 else "entropy:mid" if entropy >= 3.0 else "entropy:low")
    return features
