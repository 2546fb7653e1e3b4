"""What the name a value is assigned to says about it. Pure.

A name (`DB_PASSWORD`, `clientSecret`, `"api-key"`, `setJwtSecretKey`, `--keystore-password`) is split
into lowercase words in any naming style. Its *kind* is what its last credential word makes it:
`password_salt` is a salt, `token_secret` a secret, `secret_token` a token, `password_hash` nothing (a
hash of one is not one). Only the rule that owns a kind reports a candidate, so one name never gives
two findings. The features say how strongly the name means "this holds a credential".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scanner.engine.context_words import words

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

# Credential words, whole (after splitting) -> kind.
_KIND = {
    "password": "password",
    "passwords": "password",
    "passwd": "password",
    "passwort": "password",
    "kennwort": "password",
    "passphrase": "password",
    "passcode": "password",
    "pass": "password",
    "pwd": "password",
    "pw": "password",
    "senha": "password",
    "contrasena": "password",
    "secret": "secret",
    "secrets": "secret",
    "token": "token",
    "tokens": "token",
    "credential": "credential",
    "credentials": "credential",
    "creds": "credential",
    "cred": "credential",
    "auth": "auth",
    "salt": "salt",
    "verifier": "auth",
    "pepper": "salt",
    "key": "key",
    "keys": "key",
}

# All-lowercase or all-caps compounds that do not split (`dbpassword`, `ACCESSTOKEN`): a credential
# word after one of these words (`jsonwebtoken` is a library, `bypass` and `monkey` are not credentials).
_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token", "credentials", "credential")
_COMPOUND_HEADS = words(
    """
    access auth api app refresh id csrf xsrf session bearer user device push client oauth security admin
    root db database mail smtp master private server service deploy bot sudo my new old default repo
    registry github gitlab slack npm docker redis mysql postgres pg ftp sftp ssh ldap vault webhook hook
    consumer sa sas shared
    """
)
_KEY_COMPOUNDS = {
    "apikey": "api_key",
    "accesskey": "api_key",
    "secretkey": "secret",
    "privatekey": "secret",
    "authkey": "key",
    "appkey": "key",
    "masterkey": "key",
    "signkey": "key",
    "signingkey": "key",
    "encryptionkey": "key",
    "enckey": "key",
    "cryptkey": "key",
    "hmackey": "key",
    "mackey": "key",
    "licensekey": "key",
    "clientkey": "key",
    "consumerkey": "key",
    "sessionkey": "key",
    "apisecret": "secret",
    "appsecret": "secret",
    "clientsecret": "secret",
}

# The word before `key` that makes it a credential, and the kind it gives.
_KEY_QUALIFIERS = {
    "api": "api_key",
    "access": "api_key",
    "secret": "secret",
    "private": "secret",
    "priv": "secret",
    "signing": "key",
    "sign": "key",
    "signature": "key",
    "encryption": "key",
    "encrypt": "key",
    "enc": "key",
    "crypt": "key",
    "crypto": "key",
    "cipher": "key",
    "aes": "key",
    "hmac": "key",
    "mac": "key",
    "master": "key",
    "app": "key",
    "application": "key",
    "auth": "key",
    "license": "key",
    "licence": "key",
    "client": "key",
    "consumer": "key",
    "session": "key",
    "server": "key",
    "shared": "key",
    "service": "key",
    "subscription": "key",
    "storage": "key",
    "account": "key",
    "jwt": "key",
    "cookie": "key",
    "deploy": "key",
    "root": "key",
    "admin": "key",
    "write": "key",
    "read": "key",
    "seed": "key",
    "validation": "key",
    "wallet": "key",
}

# The word before `key` that makes it a key of a table, a map, a cache or a UI, never a credential.
_LOOKUP_KEY = words(
    """
    primary foreign sort partition cache routing lookup map dict row column col index unique composite
    natural surrogate idempotency dedup dedupe cursor shard order ordering group hot short shortcut
    keyboard translation i18n message msg label react list item entry node element field attr
    attribute property prop param query header json yaml dom cell grid tab menu
    """
)

# Public by design: a public key, a publishable key, a site key.
_PUBLIC = frozenset({"public", "pub", "publishable", "site", "verify", "verification", "cert", "certificate"})

# Words after the credential word that make the name about something else than the value itself.
_META = words(
    """
    hash hashed hashes digest digests encrypted crypted enc sha md5 bcrypt hmac checksum
    type types name names field fields label labels length len size min max minimum maximum count
    regex regexp pattern patterns format policy policies rule rules strength validator validation
    url uri urls endpoint endpoints host path paths file files filename dir directory location
    env var variable variables prompt message messages msg error errors err hint help title text
    placeholder description desc header headers param params parameter parameters query column col
    attr attribute property prop setting settings option options flag mode style class icon input
    form button link page view template expires expiry expiration expire ttl timeout lifetime age
    reset changed change changes confirm confirmed required enabled enable disabled visible hidden
    id ids index idx position pos list set map dict array table cache store storage manager
    service provider handler callback request response resp req result results cmd command
    filter filters expr expression script
    encoder decoder generator factory builder util utils helper helpers test tests spec mock
    ref reference source src provided supplied set is has was
    encryption method methods algorithm algo scheme cipher kdf rounds iterations cost complexity
    requirements verbose generate generated
    """
)
# Words after the credential word that say the name holds the value itself.
_HOLDS_VALUE = words("value val str string plain plaintext raw clear cleartext literal")
# Words before the credential word that make the name a piece of user interface (labelPassword).
_UI = words("label placeholder hint title caption prompt tooltip heading")
# Words just before the credential word that say the value is derived from it.
_HASHED = words(
    "hashed hash encrypted crypted digest salted masked obfuscated sha sha1 sha256 sha512 md5 bcrypt"
)
# Words before the credential word that say the value is made up on purpose.
_FAKE = words("wrong invalid bad incorrect fake dummy mock example sample bogus fake expired revoked other")
_TEST = frozenset({"test", "testing", "tst", "spec", "fixture", "demo", "default", "dev", "local"})
# Verbs that start a function name: `getPassword("x")` reads, `setPassword("x")` writes.
_READERS = words(
    "get read load fetch find lookup prompt ask input request require show print log mask hide redact change"
    " reset forgot generate"
)
_WRITERS = frozenset({"set", "with", "use", "put", "add", "store", "save", "apply", "configure"})


@dataclass(frozen=True)
class NameInfo:
    """`kind`: the credential kind (password, secret, token, api_key, key, plain_key, auth, credential,
    salt), `public`, `lookup` (a key of a table or map) or `meta` (the name is about the credential, not
    its value), or None (no credential word). `plain_key` is `key` without a word that says what it
    unlocks (`key`, `MY_KEY`): its rule reads only values that look random.
    `features`: names of the features the name sets."""

    kind: str | None
    features: tuple[str, ...]
    word: str = ""  # the credential word itself (`password` of `DB_PASSWORD`)
    qualifiers: tuple[str, ...] = ()  # the other words of the name (`db`)


def split_words(name: str) -> list[str]:
    """Lowercase words of an identifier in any style: snake, kebab, dotted, camel, Pascal, CAPS."""
    return [w.lower() for w in _WORDS.findall(name)]


def _compound_kind(word: str) -> str | None:
    if word in _KIND:
        return _KIND[word]
    if word in _KEY_COMPOUNDS:
        return _KEY_COMPOUNDS[word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and word[: -len(suffix)] in _COMPOUND_HEADS:
            return _KIND[suffix]
    return None


def _last_credential(words: list[str]) -> tuple[int, str] | None:
    """Index and kind of the last credential word; `key` only counts with a qualifier before it."""
    for index in range(len(words) - 1, -1, -1):
        kind = _compound_kind(words[index])
        if kind is None:
            continue
        if kind == "key":
            if words[index] in ("key", "keys"):
                before = words[index - 1] if index else ""
                if before in _PUBLIC:
                    return index, "public"
                if before in _LOOKUP_KEY:
                    return index, "lookup"
                if before not in _KEY_QUALIFIERS:
                    return index, "plain_key"  # `key`, `KEY`, `tenant_key`: read with strict value evidence
                return index, _KEY_QUALIFIERS[before]
            return index, "key"
        return index, kind
    return None


@lru_cache(maxsize=4096)
def classify_name(name: str) -> NameInfo:
    words = split_words(name)
    found = _last_credential(words)
    if found is None:
        return NameInfo(None, ())
    index, kind = found
    before, after = words[:index], words[index + 1 :]
    features: list[str] = []
    if any(w in _PUBLIC for w in before[-2:]):
        return NameInfo("public", ("name:public",))
    if any(w in _HASHED or w in _UI for w in before[-2:]) or (after and any(w in _META for w in after)):
        return NameInfo("meta", ("name:meta-suffix",))
    after = [w for w in after if w not in _HOLDS_VALUE]  # tokenValue, password_str: the value itself
    if after:
        features.append("name:digit-suffix" if all(w.isdigit() for w in after) else "name:other-suffix")
    if before and before[0] in _READERS:
        features.append("name:reader-verb")
    elif before and before[0] in _WRITERS:
        features.append("name:writer-verb")
    if any(w in _FAKE for w in before):
        features.append("name:fake-qualifier")
    elif any(w in _TEST for w in before):
        features.append("name:test-qualifier")
    features.append("name:key" if kind == "plain_key" else f"name:{kind}")  # one weight for key names
    if words[index] in ("pass", "pw", "pwd", "cred", "creds"):
        features.append("name:short-form")
    if words[index].endswith("s") and words[index] not in ("pass", "creds", "credentials"):
        features.append("name:plural")
    if not before and not after:
        features.append("name:bare")
    return NameInfo(kind, tuple(features), words[index], tuple(before + after))
