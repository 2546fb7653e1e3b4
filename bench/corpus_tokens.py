"""Fresh synthetic credentials for the quality corpus, one generator per provider format.

Each format is written from the provider's description of its credentials (prefix, length, alphabet,
checksum), not from spillguard's rule patterns or examples, so the corpus does not favour spillguard's
own test strings. Checksummed formats use the same schemes the engine validates (GitHub/npm CRC32 in
base62, Grafana CRC32, age Bech32, the PyPI macaroon layout, the AWS account field), through
scanner.engine.checksums, exactly as tests/tokens.py does. None of these values is real.

`family` is the spillguard rule-id prefix (or prefixes) that counts as the right detection.
`var` is the variable name the value is assigned to in code and config contexts; medium-confidence
formats are only recognisable next to a provider name, which the variable supplies, as in real code.
`bare` marks self-identifying formats (a distinctive prefix) that are also planted base64-encoded, where
no variable name survives.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from scanner.engine.checksums import BECH32, aws_key_id, base62_encode, bech32_hrp_expand, bech32_polymod

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"

Make = Callable[[random.Random], str]


@dataclass(frozen=True)
class Format:
    provider: str
    kind: str
    category: str
    family: tuple[str, ...]
    var: str
    make: Make
    bare: bool = False  # self-identifying: also planted encoded
    multiline: bool = False  # a key block
    url: bool = False  # the value is a whole URL or connection string
    test_key: bool = False  # a test / sandbox credential: scored apart

    @property
    def name(self) -> str:
        return f"{self.provider}/{self.kind}"


def pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def crc_token(prefix: str) -> Make:
    """GitHub and npm: prefix + 30 base62 + the 6-character base62 CRC32 of those 30."""

    def make(rng: random.Random) -> str:
        body = pick(rng, ALNUM, 30)
        return prefix + body + base62_encode(zlib.crc32(body.encode()), 6)

    return make


def fixed(prefix: str, alphabet: str, n: int, suffix: str = "") -> Make:
    return lambda rng: prefix + pick(rng, alphabet, n) + suffix


def aws_key(rng: random.Random) -> str:
    while True:  # the account field of a real key id is a 12-digit number
        key = "AKIA" + pick(rng, string.ascii_uppercase + "234567", 16)
        if aws_key_id(key):
            return key


def nuget_key(rng: random.Random) -> str:
    """NuGetGallery ApiKeyV4: lowercase unpadded base32 of "v4" + 10 random bytes (the id part, which
    is why keys start with oy2), then of 16 random bytes (the password part)."""

    def b32(data: bytes) -> str:
        return base64.b32encode(data).decode().rstrip("=").lower()

    return b32(b"v4" + rng.randbytes(10)) + b32(rng.randbytes(16))


def grafana_sa(rng: random.Random) -> str:
    body = "glsa_" + pick(rng, ALNUM, 32)
    return f"{body}_{zlib.crc32(body.encode()).to_bytes(4, 'little').hex()}"


def age_identity(rng: random.Random) -> str:
    """Bech32 (BIP-173) of 32 random bytes with HRP age-secret-key-, upper-cased."""
    data, acc, bits = [], 0, 0
    for byte in rng.randbytes(32):
        acc, bits = (acc << 8) | byte, bits + 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    hrp = "age-secret-key-"
    polymod = bech32_polymod(bech32_hrp_expand(hrp) + data + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(BECH32[d] for d in data + checksum)).upper()


def _packet(kind: int, value: bytes) -> bytes:
    return bytes([kind, len(value)]) + value  # every value here is shorter than 128 bytes


def pypi_token(rng: random.Random) -> str:
    """`pypi-` + base64url of a v2 macaroon: location pypi.org, a UUID identifier, one caveat, a
    32-byte signature (PyPI's documented token layout)."""
    ident = str(uuid.UUID(int=rng.getrandbits(128), version=4)).encode()
    caveat = json.dumps({"permissions": "user", "version": 1}).encode()
    data = b"\x02" + _packet(1, b"pypi.org") + _packet(2, ident) + b"\x00"
    data += _packet(2, caveat) + b"\x00" + b"\x00" + _packet(6, rng.randbytes(32))
    return "pypi-" + b64url(data)


def jwt(rng: random.Random) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": str(rng.randrange(10**6)), "iat": 1700000000 + rng.randrange(10**7), "role": "admin"}
    return f"{header}.{b64url(json.dumps(claims).encode())}.{b64url(rng.randbytes(32))}"


def mapbox_secret(rng: random.Random) -> str:
    payload = b64url(
        json.dumps({"u": "acme" + pick(rng, LOWER_ALNUM, 4), "a": pick(rng, LOWER_ALNUM, 25)}).encode()
    )
    return f"sk.{payload}.{pick(rng, B64URL, 22)}"


def discord_bot(rng: random.Random) -> str:
    user_id = str(rng.randrange(10**17, 10**19)).encode()
    return f"{b64url(user_id)}.{pick(rng, B64URL, 6)}.{pick(rng, B64URL, 38)}"


def pem(label: str, size: int) -> Make:
    """A key block: DER-looking body (starts with a SEQUENCE header) in 64-character lines."""

    def make(rng: random.Random) -> str:
        body = b64(b"\x30\x82" + size.to_bytes(2, "big") + rng.randbytes(size))
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"

    return make


def openssh_key(rng: random.Random) -> str:
    blob = b"openssh-key-v1\x00" + b"\x00\x00\x00\x04none\x00\x00\x00\x04none" + rng.randbytes(360)
    body = b64(blob)
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----"


def password(rng: random.Random, symbols: str = "!#%+-.:=@^_~") -> str:
    """A strong generated password, as a password manager makes it."""
    while True:
        value = pick(rng, ALNUM + symbols, rng.randrange(14, 24))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
            return value


def db_url(scheme: str, host: str, port: str) -> Make:
    """The password uses only characters a URL's user-info may hold unencoded (RFC 3986)."""
    return lambda rng: (
        f"{scheme}://app_{pick(rng, LOWER_ALNUM, 4)}:{password(rng, '-._~!*+')}@{host}{port}/orders"
    )


def azure_storage(rng: random.Random) -> str:
    key = b64(rng.randbytes(64))
    account = "acme" + pick(rng, LOWER_ALNUM, 6)
    return (
        f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};"
        "EndpointSuffix=core.windows.net"
    )


def atlas(rng: random.Random) -> str:
    return f"{pick(rng, ALNUM, 14)}.atlasv1.{pick(rng, ALNUM, 67)}"


def django_key(rng: random.Random) -> str:
    return "django-insecure-" + pick(rng, string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)


def slack_webhook(rng: random.Random) -> str:
    team, channel = pick(rng, UPPER_ALNUM, 10), pick(rng, UPPER_ALNUM, 10)
    return f"https://hooks.slack.com/services/T{team}/B{channel}/{pick(rng, ALNUM, 24)}"


def discord_webhook(rng: random.Random) -> str:
    return f"https://discord.com/api/webhooks/{rng.randrange(10**17, 10**19)}/{pick(rng, B64URL, 68)}"


def _f(name: str, category: str, var: str, make: Make, flags: str = "", family: str = "") -> Format:
    """name: provider/kind; flags: b bare, m multiline, u url, t test key; family: accepted rule-id
    prefixes separated by |, default the provider."""
    provider, kind = name.split("/")
    return Format(
        provider,
        kind,
        category,
        tuple((family or provider).split("|")),
        var,
        make,
        bare="b" in flags,
        multiline="m" in flags,
        url="u" in flags,
        test_key="t" in flags,
    )


def _tskey(r: random.Random) -> str:
    return f"tskey-auth-k{pick(r, ALNUM, 10)}CNTRL-{pick(r, ALNUM, 33)}"


def _openai(r: random.Random) -> str:
    return f"sk-proj-{pick(r, B64URL, 74)}T3BlbkFJ{pick(r, B64URL, 74)}"


def _slack_bot(r: random.Random) -> str:
    return f"xoxb-{r.randrange(10**10, 10**13)}-{r.randrange(10**10, 10**13)}-{pick(r, ALNUM, 24)}"


def _entra(r: random.Random) -> str:
    return f"{pick(r, ALNUM, 3)}{r.randrange(10)}Q~{pick(r, ALNUM + '_.~-', 34)}"


def _heroku(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


KEY_FAMILY = "private-key|file"  # a key file is also reported by the file rule, rightly
DB_FAMILY = "database-uri|url-credentials"

FORMATS: tuple[Format, ...] = (
    # source control and registries
    _f("github/pat-classic", "vcs", "GITHUB_TOKEN", crc_token("ghp_"), "b"),
    _f("github/oauth", "vcs", "GH_OAUTH_TOKEN", crc_token("gho_"), "b"),
    _f("github/app-installation", "vcs", "GITHUB_APP_TOKEN", crc_token("ghs_"), "b"),
    _f(
        "github/fine-grained",
        "vcs",
        "GH_PAT",
        lambda r: f"github_pat_{pick(r, ALNUM, 22)}_{pick(r, ALNUM, 59)}",
        "b",
    ),
    _f("gitlab/pat", "vcs", "GITLAB_TOKEN", fixed("glpat-", B64URL, 20), "b"),
    _f("npm/access-token", "registry", "NPM_TOKEN", crc_token("npm_"), "b"),
    _f("pypi/api-token", "registry", "PYPI_TOKEN", pypi_token, "b"),
    _f("rubygems/api-key", "registry", "GEM_HOST_API_KEY", fixed("rubygems_", HEX, 48), "b"),
    _f("dockerhub/pat", "registry", "DOCKERHUB_TOKEN", fixed("dckr_pat_", B64URL, 27), "b"),
    _f("crates-io/token", "registry", "CARGO_REGISTRY_TOKEN", fixed("cio", ALNUM, 32), "b"),
    _f("nuget/api-key", "registry", "NUGET_API_KEY", nuget_key, "b"),
    # cloud
    _f("aws/access-key-id", "cloud", "AWS_ACCESS_KEY_ID", aws_key, "b"),
    _f("aws/secret-access-key", "cloud", "AWS_SECRET_ACCESS_KEY", fixed("", B64, 40)),
    _f("google/api-key", "cloud", "GOOGLE_API_KEY", fixed("AIza", B64URL, 35), "b"),
    _f("google/oauth-client-secret", "cloud", "GOOGLE_CLIENT_SECRET", fixed("GOCSPX-", B64URL, 28), "b"),
    _f("azure/storage-connection", "cloud", "AZURE_STORAGE_CONNECTION_STRING", azure_storage, "u"),
    _f("azure/entra-client-secret", "cloud", "AZURE_CLIENT_SECRET", _entra),
    _f("digitalocean/pat", "cloud", "DIGITALOCEAN_TOKEN", fixed("dop_v1_", HEX, 64), "b"),
    _f("hashicorp/terraform-cloud", "cloud", "TFE_TOKEN", atlas, "b"),
    _f("doppler/personal-token", "cloud", "DOPPLER_TOKEN", fixed("dp.pt.", ALNUM, 43), "b"),
    _f("databricks/pat", "cloud", "DATABRICKS_TOKEN", fixed("dapi", HEX, 32), "b"),
    _f("supabase/management-token", "cloud", "SUPABASE_ACCESS_TOKEN", fixed("sbp_", HEX, 40), "b"),
    _f("planetscale/service-token", "cloud", "PLANETSCALE_TOKEN", fixed("pscale_tkn_", ALNUM, 43), "b"),
    _f("pulumi/access-token", "cloud", "PULUMI_ACCESS_TOKEN", fixed("pul-", HEX, 40), "b"),
    _f("tailscale/auth-key", "cloud", "TS_AUTHKEY", _tskey, "b"),
    _f("netlify/pat", "cloud", "NETLIFY_AUTH_TOKEN", fixed("nfp_", ALNUM, 36), "b"),
    _f("heroku/legacy-api-key", "cloud", "HEROKU_API_KEY", _heroku),
    _f("cloudflare/api-token", "cloud", "CLOUDFLARE_API_TOKEN", fixed("", B64URL, 40)),
    # AI
    _f("openai/project-key", "ai", "OPENAI_API_KEY", _openai, "b"),
    _f(
        "anthropic/api-key", "ai", "ANTHROPIC_API_KEY", lambda r: f"sk-ant-api03-{pick(r, B64URL, 93)}AA", "b"
    ),
    _f("huggingface/token", "ai", "HF_TOKEN", fixed("hf_", string.ascii_letters, 34), "b"),
    _f("groq/api-key", "ai", "GROQ_API_KEY", fixed("gsk_", ALNUM, 52), "b"),
    _f("replicate/api-token", "ai", "REPLICATE_API_TOKEN", fixed("r8_", ALNUM, 37), "b"),
    _f("perplexity/api-key", "ai", "PERPLEXITY_API_KEY", fixed("pplx-", ALNUM, 48), "b"),
    # payments and commerce
    _f("stripe/secret-key-live", "payments", "STRIPE_SECRET_KEY", fixed("sk_live_", ALNUM, 99), "b"),
    _f("stripe/restricted-key-live", "payments", "STRIPE_RESTRICTED_KEY", fixed("rk_live_", ALNUM, 24), "b"),
    _f("square/access-token", "payments", "SQUARE_ACCESS_TOKEN", fixed("EAAA", B64URL, 60), "b"),
    _f("shopify/admin-token", "payments", "SHOPIFY_ACCESS_TOKEN", fixed("shpat_", HEX, 32), "b"),
    _f("shippo/live-token", "payments", "SHIPPO_API_TOKEN", fixed("shippo_live_", HEX, 40), "b"),
    _f("flutterwave/secret-key", "payments", "FLW_SECRET_KEY", fixed("FLWSECK-", HEX, 32, "-X"), "b"),
    # communication
    _f("slack/bot-token", "messaging", "SLACK_BOT_TOKEN", _slack_bot, "b"),
    _f("slack/webhook", "messaging", "SLACK_WEBHOOK_URL", slack_webhook, "ub"),
    _f("discord/webhook", "messaging", "DISCORD_WEBHOOK_URL", discord_webhook, "u"),
    _f("discord/bot-token", "messaging", "DISCORD_BOT_TOKEN", discord_bot),
    _f(
        "telegram/bot-token",
        "messaging",
        "TELEGRAM_BOT_TOKEN",
        lambda r: f"{r.randrange(10**8, 10**10)}:AA{pick(r, B64URL, 33)}",
    ),
    _f(
        "sendgrid/api-key",
        "messaging",
        "SENDGRID_API_KEY",
        lambda r: f"SG.{pick(r, B64URL, 22)}.{pick(r, B64URL, 43)}",
        "b",
    ),
    _f("twilio/api-key-sid", "messaging", "TWILIO_API_KEY", fixed("SK", HEX, 32)),
    _f("mailgun/api-key", "messaging", "MAILGUN_API_KEY", fixed("key-", LOWER_ALNUM, 32)),
    _f(
        "mailchimp/api-key",
        "messaging",
        "MAILCHIMP_API_KEY",
        lambda r: f"{pick(r, HEX, 32)}-us{r.randrange(1, 21)}",
    ),
    # developer tools and observability
    _f("sentry/user-token", "devtools", "SENTRY_AUTH_TOKEN", fixed("sntryu_", HEX, 64), "b"),
    _f("grafana/service-account", "devtools", "GRAFANA_TOKEN", grafana_sa, "b"),
    _f("newrelic/user-key", "devtools", "NEW_RELIC_API_KEY", fixed("NRAK-", UPPER_ALNUM, 27), "b"),
    _f("datadog/api-key", "devtools", "DD_API_KEY", fixed("", HEX, 32)),
    _f("linear/api-key", "devtools", "LINEAR_API_KEY", fixed("lin_api_", ALNUM, 40), "b"),
    _f("figma/pat", "devtools", "FIGMA_TOKEN", fixed("figd_", B64URL, 40), "b"),
    _f("sonar/user-token", "devtools", "SONAR_TOKEN", fixed("squ_", HEX, 40), "b"),
    _f("buildkite/api-token", "devtools", "BUILDKITE_API_TOKEN", fixed("bkua_", HEX, 40), "b"),
    _f("okta/api-token", "devtools", "OKTA_API_TOKEN", fixed("00", B64URL, 40)),
    _f("mapbox/secret-token", "devtools", "MAPBOX_SECRET_TOKEN", mapbox_secret, "b"),
    _f("algolia/admin-key", "devtools", "ALGOLIA_ADMIN_KEY", fixed("", HEX, 32)),
    # keys, signing secrets, databases, generic credentials
    _f("private-key/rsa", "keys", "PRIVATE_KEY", pem("RSA PRIVATE KEY", 1190), "m", KEY_FAMILY),
    _f("private-key/pkcs8", "keys", "PRIVATE_KEY", pem("PRIVATE KEY", 1210), "m", KEY_FAMILY + "|google"),
    _f("private-key/openssh", "keys", "SSH_KEY", openssh_key, "m", KEY_FAMILY),
    _f("age/identity", "keys", "AGE_KEY", age_identity, "b"),
    _f("jwt/token", "keys", "AUTH_JWT", jwt, "b"),
    _f("django/secret-key", "keys", "SECRET_KEY", django_key, "", "django|generic|jwt-secret"),
    _f(
        "database/postgres-url",
        "database",
        "DATABASE_URL",
        db_url("postgresql", "db.acme.io", ":5432"),
        "u",
        DB_FAMILY,
    ),
    _f(
        "database/mongodb-url",
        "database",
        "MONGO_URI",
        db_url("mongodb+srv", "c0.a1b2c.mongodb.net", ""),
        "u",
        DB_FAMILY,
    ),
    _f(
        "database/mysql-url",
        "database",
        "MYSQL_URL",
        db_url("mysql", "mysql.acme.io", ":3306"),
        "u",
        DB_FAMILY,
    ),
    _f("generic/password", "generic", "DB_PASSWORD", password),
    _f("generic/api-secret", "generic", "CLIENT_SECRET", fixed("", ALNUM, 32)),
    # a hex key of a provider with no rule of its own: only a generic rule can report it
    _f("virustotal/api-key", "generic", "VT_API_KEY", fixed("", HEX, 64), "", "virustotal|generic"),
    # test and sandbox keys: should be reported, at low severity, and are scored apart
    _f("stripe/secret-key-test", "test-keys", "STRIPE_SECRET_KEY", fixed("sk_test_", ALNUM, 99), "bt"),
    _f(
        "flutterwave/secret-key-test",
        "test-keys",
        "FLW_SECRET_KEY",
        fixed("FLWSECK_TEST-", HEX, 32, "-X"),
        "bt",
    ),
    _f("shippo/test-token", "test-keys", "SHIPPO_API_TOKEN", fixed("shippo_test_", HEX, 40), "bt"),
)
