"""The pieces of context scoring one by one: names, values, places, forms (scanner.engine.context_*)."""

from __future__ import annotations

import pytest

from scanner.engine.context_form import Candidate, form_of, line_of
from scanner.engine.context_names import classify_name, split_words
from scanner.engine.context_place import file_kind, line_features, path_features
from scanner.engine.context_values import value_features, veto


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("DB_PASSWORD", ["db", "password"]),
        ("clientSecret", ["client", "secret"]),
        ("X-Api-Key", ["x", "api", "key"]),
        ("HTTPServerToken", ["http", "server", "token"]),
        ("spring.datasource.password2", ["spring", "datasource", "password", "2"]),
    ],
)
def test_split_words(name: str, words: list[str]) -> None:
    assert split_words(name) == words


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("DB_PASSWORD", "password"),
        ("dbpassword", "password"),  # a known head before the word
        ("jsonwebtoken", None),  # a library, not a token
        ("bypass", None),
        ("monkey", None),
        ("client_secret", "secret"),
        ("secretKey", "secret"),
        ("private_key", "secret"),
        ("APIKEY", "api_key"),
        ("accessKey", "api_key"),
        ("signing_key", "key"),
        ("cookieValidationKey", "key"),
        ("HMACKEY", "key"),
        ("cache_key", "key_bare"),
        ("public_key", "public"),
        ("pub_token", "public"),
        ("password_hash", "meta"),
        ("hashed_password", "meta"),
        ("token_type", "meta"),
        ("password_salt", "salt"),
        ("token_secret", "secret"),
        ("secret_token", "token"),
        ("oauth_verifier", "auth"),
        ("basic_auth", "auth"),
        ("creds", "credential"),
        ("author", None),
    ],
)
def test_name_kind(name: str, kind: str | None) -> None:
    assert classify_name(name).kind == kind


@pytest.mark.parametrize(
    ("name", "feature"),
    [
        ("password", "name:bare"),
        ("pwd", "name:short-form"),
        ("passwords", "name:plural"),
        ("password2", "name:digit-suffix"),
        ("password_plaintext", "name:other-suffix"),
        ("getPassword", "name:reader-verb"),
        ("setPassword", "name:writer-verb"),
        ("wrong_password", "name:fake-qualifier"),
        ("test_password", "name:test-qualifier"),
        ("MYSQL_ROOT_PASSWORD", "name:password"),
    ],
)
def test_name_features(name: str, feature: str) -> None:
    assert feature in classify_name(name).features


def test_name_word() -> None:
    assert classify_name("SMTP_PASSWORD").word == "password"
    assert classify_name("x").word == ""


@pytest.mark.parametrize(
    ("value", "quoted", "code", "reason"),
    [
        ("  ", True, False, "empty value"),
        ("None", False, True, "a language keyword or type name"),
        ("String!", True, False, "a language keyword or type name"),
        ("%s", True, True, "a format or template placeholder"),
        ("{0}", True, True, "a format or template placeholder"),
        ("#{password}", True, True, "a format or template placeholder"),
        ("%!*'();:@&=+$,/?#[] ", True, False, "no letters or digits"),
        ("******x", True, False, "a masked value"),
        ("https://hooks.example.invalid/x", True, False, "a URL"),
        ("$2b$12$Qn8wW0vN1hJ3mB5oE7sF9u", True, False, "a password hash, not a password"),
        ("pbkdf2_sha256$36000$abc$def", True, False, "a password hash, not a password"),
        ("{SSHA}Zm9vYmFy", True, False, "a password hash, not a password"),
        ("self.password", False, True, "a variable or expression, not a literal"),
        ("a->b", False, True, "a variable or expression, not a literal"),
        ("FILTER=unit", False, False, "the next assignment, not a value"),
        ("eyJhbGciOiJIUzI1NiI...", True, False, "an elided value"),
        ("process.env.DB_PASSWORD", False, False, "a variable or expression, not a literal"),
        ("0x0001", False, True, "a variable or expression, not a literal"),
        ("password", False, True, "a variable or expression, not a literal"),
    ],
)
def test_veto(value: str, quoted: bool, code: bool, reason: str) -> None:
    found = veto(value, quoted, code)
    assert found is not None and found.startswith(reason)


@pytest.mark.parametrize(
    ("value", "quoted", "code"),
    [
        ("a.b", True, True),  # quoted: a literal, whatever it says
        ("password", False, False),  # unquoted in YAML or .env: a literal
        ("WTIEDS", False, True),  # all caps, no separator: as likely a literal in a heredoc
        ("Kq8zLm2Xw", True, True),
    ],
)
def test_no_veto(value: str, quoted: bool, code: bool) -> None:
    assert veto(value, quoted, code) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c", {"shape:uuid", "token+uuid"}),
        ("48213907", {"shape:digits", "token+digits"}),
        ("9f86d081884c7d659a2feaa0c55ad015", {"shape:digest", "token+digest"}),
        ("9f86d081884c7d659a2feaa0c55", {"shape:hex", "token+hex"}),
        ("qwzkxp", {"shape:lower", "len:6-7", "classes:1"}),
        ("QWZKXP", {"shape:upper"}),
        ("QwZkXp", {"shape:letters"}),
        ("Qw3kXp9", {"shape:alnum"}),
        ("one two", {"shape:text", "val:space"}),
        ("Enter your token here", {"val:words", "val:sentence"}),
        ("Token:", {"val:sentence"}),
        ("bm90IGEgcmVhbCB0b2tlbiBhdCBhbGw=", {"shape:base64"}),
        ("/etc/app/token", {"shape:path"}),
        ("ops@example.invalid", {"val:email"}),
        ("API_TOKEN_NAME", {"shape:ident", "val:const-name"}),
        ("some_name", {"val:snake"}),
        ("someName", {"val:camel"}),
        ("some-name", {"val:kebab"}),
        ("settings.name", {"val:dotted"}),
        ("Zk8#mQ2$wL9!xP4rT7vB", {"shape:mixed", "val:random", "classes:4", "entropy:high", "len:20-39"}),
        ("abc", {"len:1-3", "val:short-run"}),
        ("x1234y", {"val:run"}),
        ("abab", {"val:repeated"}),
        ("mytoken", {"val:well-known"}),
        ("test-tkn-9", {"val:common-word"}),
        ("tokenvalue8", {"val:repeats-name"}),
        ("a" * 45, {"len:40+", "entropy:low"}),
        ("aab1", {"len:4-5"}),
        ("abcdefgh12", {"len:8-11"}),
        ("abcdefgh12abcd", {"len:12-19"}),
        ("qwzkxpmr", {"entropy:mid"}),
        ("中文", {"classes:0"}),
    ],
)
def test_value_features(value: str, expected: set[str]) -> None:
    found = set(value_features(value, True, False, "token", "token"))
    assert expected <= found, found


def test_value_quoting_features() -> None:
    assert value_features("x9", True, True, "password", "password")[0] == "val:quoted"
    assert value_features("x9", False, True, "password", "password")[0] == "val:bare-in-code"
    assert value_features("x9", False, False, "password", "password")[0] == "val:bare"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("app/settings.py", "code"),
        ("deploy/Dockerfile.prod", "script"),
        ("Makefile", "script"),
        (".env.local", "config"),
        ("config/app.yml", "config"),
        ("README.md", "docs"),
        ("run.sh", "script"),
        ("dump.sql", "data"),
        ("settings.py.example", "template"),
        ("blob.bin", "other"),
    ],
)
def test_file_kind(path: str, kind: str) -> None:
    assert file_kind(path) == kind


@pytest.mark.parametrize(
    ("path", "feature"),
    [
        ("web/locales/de.json", "place:i18n"),
        ("po/fr.po", "place:i18n"),
        ("api/openapi.yaml", "place:schema"),
        ("types/index.d.ts", "place:schema"),
        ("tests/conftest.py", "place:test"),
        ("src/auth_test.go", "place:test"),
        ("docs/setup.md", "place:example"),
    ],
)
def test_path_features(path: str, feature: str) -> None:
    assert feature in path_features(path)


def test_no_place_feature_for_an_ordinary_path() -> None:
    assert path_features("src/app/config.py") == ("file:code",)


@pytest.mark.parametrize(
    ("line", "before", "feature"),
    [
        ("# password = x", "# ", "line:comment"),
        ("assert cfg.password == 'x'", "assert cfg.", "line:assertion"),
        ("print(password='x')", "print(", "line:output"),
        ("connect(user='u', password='x')", "connect(user='u', ", "line:user"),
        (":param password: the account's password", ":param ", "line:doc-param"),
    ],
)
def test_line_features(line: str, before: str, feature: str) -> None:
    assert feature in line_features(line, before, False)


def test_line_feature_long() -> None:
    assert line_features("x", "", True) == ["line:long"]


def candidate(text: str, name: str, value: str, path: str = "a.txt") -> Candidate:
    name_start = text.index(name) if name else text.index(value)
    value_start = text.index(value, name_start + len(name))
    end = name_start + len(name)
    return Candidate(text, path, name, name_start, end, value, value_start, value_start + len(value))


@pytest.mark.parametrize(
    ("text", "name", "value", "expected"),
    [
        ("<password>Kq8z</password>", "password", "Kq8z", ("form:xml", True)),
        ('<pwd type="x">Kq8z</pwd>', "pwd", "Kq8z", ("form:xml", True)),
        ("mysql --password Kq8z", "password", "Kq8z", ("form:flag", False)),
        ('["--keystore-password", "Kq8z"]', "keystore-password", "Kq8z", ("form:flag", True)),
        ('<add key="DbPassword" value="Kq8z"/>', "DbPassword", "Kq8z", ("form:attr", True)),
        ("define('DB_PASSWORD', 'Kq8z')", "DB_PASSWORD", "Kq8z", ("form:arg", True)),
        ("sign('secret', 'HS256')", "secret", "HS256", ("form:arg-word", True)),
        ("/cb?token=Kq8z&x=1", "token", "Kq8z", ("form:query", True)),
        ("password == 'Kq8z'", "password", "Kq8z", ("form:compare", True)),
        ('setPassword("Kq8z")', "setPassword", "Kq8z", ("form:call", True)),
        ("password = Kq8z", "password", "Kq8z", ("form:assign", False)),
        ("'password' => 'Kq8z'", "password", "Kq8z", ("form:assign", True)),
        ("password: 'Kq8z'", "password", "Kq8z", ("form:colon", True)),
        ("ENV PASSWORD Kq8z", "PASSWORD", "Kq8z", ("form:space", False)),
        ("IDENTIFIED BY 'Kq8z'", "", "Kq8z", ("form:implied", True)),
        ("mysql -pKq8z", "", "Kq8z", ("form:implied", False)),
    ],
)
def test_form(text: str, name: str, value: str, expected: tuple[str, bool]) -> None:
    assert form_of(candidate(text, name, value)) == expected


def test_line_of_a_short_line() -> None:
    text = "a = 1\npassword = 'Kq8z'\nb = 2\n"
    assert line_of(candidate(text, "password", "Kq8z")) == ("password = 'Kq8z'", "", False)


@pytest.mark.parametrize(("head", "tail"), [("x" * 500, ""), ("", "y" * 500)])
def test_line_of_a_long_line_is_cut(head: str, tail: str) -> None:
    text = f"{head}password = 'Kq8z'{tail}"
    line, before, cut = line_of(candidate(text, "password", "Kq8z"))
    assert (
        cut and len(line) < 400 and "password = 'Kq8z'" in line and before == line[: line.index("password")]
    )
