"""The pieces of context scoring one by one: names, values, places, forms (scanner.engine.context_*)."""

from __future__ import annotations

import pytest

from scanner.engine.context_form import Candidate, form_of, line_of
from scanner.engine.context_names import classify_name, split_words
from scanner.engine.context_place import file_kind, line_features, path_features
from scanner.engine.context_values import looks_random, value_features, veto


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
        ("cache_key", "lookup"),
        ("tenant_key", "plain_key"),
        ("KEY", "plain_key"),
        ("primary_key", "lookup"),
        ("public_key", "public"),
        ("pub_token", "public"),
        ("password_hash", "meta"),
        ("hashed_password", "meta"),
        ("token_type", "meta"),
        ("labelPassword", "meta"),  # a piece of user interface
        ("DOVECOT_PASS_FILTER", "meta"),
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
        ("password_backup", "name:other-suffix"),
        ("getPassword", "name:reader-verb"),
        ("setPassword", "name:writer-verb"),
        ("wrong_password", "name:fake-qualifier"),
        ("test_password", "name:test-qualifier"),
        ("MYSQL_ROOT_PASSWORD", "name:password"),
        ("tokenValue", "name:bare"),  # the token's value: the token itself
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
        ("/etc/app/enc.key", True, False, "a file path"),
        ("~/.ssh/id_ed25519", False, False, "a file path"),
        ("secrets.json", True, False, "a file path"),
        ("/run/secrets/db", True, False, "a file path"),
        ("/K9.pem", True, False, "a file path"),
        ("id=GIT_AUTH_TOKEN,src=/tmp/token", True, False, "a list of settings"),
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
        ("/3Fk9qLm2Xw7vB4nR8pT", True, False),  # base64 may start with a slash
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
        ("Zk8#mQ2$wL9!xP4rT7vB", {"shape:mixed", "classes:4", "entropy:high", "len:20-39"}),
        ("abc", {"len:1-3", "val:short-run"}),
        ("x1234y", {"val:run"}),
        ("abab", {"val:repeated"}),
        ("mytoken", {"val:well-known"}),
        ("P@ssw0rd!", {"val:well-known"}),  # a well-known word with letters swapped for digits
        ("t3st-k3y-9", {"val:common-word"}),
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


def test_translations_of_password_are_well_known() -> None:
    assert "val:well-known" in value_features("wachtwoord", True, True, "password", "password")


def test_a_run_in_a_long_value_must_be_long() -> None:
    assert "val:run" not in value_features(
        "6LdQ7xkTAAAAAPq4Zr8mW2nL5vB9cX3tH7kJ1sYd", True, False, "secret", "secret"
    )
    assert "val:run" in value_features("Xk2q9123456mWp4rLz8v", True, False, "secret", "secret")


def test_a_user_password_pair_is_judged_by_its_password() -> None:
    found = value_features("svc-deploy:Kq8Wz3Lm5pXr", False, False, "credential", "credentials", ("deploy",))
    assert "val:repeats-qualifier" not in found
    found = value_features("svc:deploy-pass", False, False, "credential", "credentials", ("deploy",))
    assert "val:repeats-qualifier" in found


@pytest.mark.parametrize(
    ("value", "random"),
    [
        ("4664f9a94501d19620fb822ec0f5777e", True),
        ("564054wz-675145246mh3w6016362qkhk", True),
        ("2hYyLW2naLvP5ejMMOptwgUc/hNtrnn9", True),
        ("FZA3J4XC355QLBZPMSPXZ4GSPEDMDAB3GROSACVQLONEPUZAT2TB42KL", True),
        ("Kq8zLm2Xw", False),  # too short for a plain key name
        ("ProgressBarOffset1Converter", False),  # words
        ("ec2__previous_state", False),  # a word between separators
        ("V1001_TODAY_MUSIC", False),
        ("gKiFWiQarJcPOaeLnKbnsDgrEwmtbDlt", False),  # letters only
        ("1234567890abcdef", False),  # a counting run
        ("/etc/ssl/private/server.key", False),
        ("user.profile.display_name2", False),
        ("abc123abc123abc123", False),  # a repeat
    ],
)
def test_looks_random(value: str, random: bool) -> None:
    assert looks_random(value) is random


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
    ("line", "before", "value", "feature"),
    [
        ("# password = x", "# ", "x", "line:comment"),
        ("assert cfg.password == 'x'", "assert cfg.", "x", "line:assertion"),
        ("print(password='x')", "print(", "x", "line:output"),
        ("connect(user='u', password='x')", "connect(user='u', ", "x", "line:user"),
        (":param password: the account's password", ":param ", "the", "line:doc-param"),
        ("# Example password: Kq8z", "# Example ", "Kq8z", "line:example"),
        ("password = Kq8z  # e.g.", "", "Kq8z", "line:example"),
        ("users: [ { user: auth, password: auth } ]", "users: [ { user: auth, ", "auth", "val:same-as-user"),
        ("CREATE USER db1 WITH PASSWORD 'db1';", "CREATE USER db1 WITH ", "db1", "val:same-as-user"),
    ],
)
def test_line_features(line: str, before: str, value: str, feature: str) -> None:
    at = line.rindex(value)
    assert feature in line_features(line, before, False, (value, at, at + len(value)))


def test_a_quote_starts_a_comment_in_visual_basic_only() -> None:
    line = "' password = Kq8z"
    where = ("Kq8z", 13, 17)
    assert "line:comment" in line_features(line, "' ", False, where, "Module.vb")
    assert "line:comment" not in line_features(line, "' ", False, where, "settings.php")


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("connect(user='svc', password='Kq8z')", "Kq8z"),  # a user beside it, another value
        ("smtp_password = Kq8z  # sent to smtp.example.com", "Kq8z"),  # a host, not an example
        ("password = x", "x"),  # one character: not compared
    ],
)
def test_line_features_absent(line: str, value: str) -> None:
    at = line.rindex(value)
    found = line_features(line, "", False, (value, at, at + len(value)))
    assert "line:example" not in found and "val:same-as-user" not in found


def test_line_feature_long() -> None:
    assert line_features("x", "", True, ("x", 0, 1)) == ["line:long"]


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
        ('symtable("pass", b"spam")', "pass", "spam", ("form:arg-word", True)),  # a bytes literal
        ('("user", "pass:word")', "pass", "word", ("form:colon", False)),  # a user:password pair
        ("/cb?token=Kq8z&x=1", "token", "Kq8z", ("form:query", True)),
        ("password == 'Kq8z'", "password", "Kq8z", ("form:compare", True)),
        ('setPassword("Kq8z")', "setPassword", "Kq8z", ("form:call", True)),
        ("password = Kq8z", "password", "Kq8z", ("form:assign", False)),
        ("'password' => 'Kq8z'", "password", "Kq8z", ("form:assign", True)),
        ("password: 'Kq8z'", "password", "Kq8z", ("form:colon", True)),
        ("ENV PASSWORD Kq8z", "PASSWORD", "Kq8z", ("form:space", False)),
        ("IDENTIFIED BY 'Kq8z'", "", "Kq8z", ("form:implied", True)),
        ('"AccountKey=Kq8zLm2X;"', "AccountKey", "Kq8zLm2X", ("form:assign", True)),  # inside a string
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
