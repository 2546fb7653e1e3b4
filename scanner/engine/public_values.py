"""Credential values that providers publish in their documentation for everyone to use: test keys that
only ever return canned answers, and the example values of their guides. Copied into countless
repositories, they grant nothing, so no rule reports them (a provider rule that knows its format and a
generic rule that only sees `api_key = "..."` alike). Exact values only; each is cited where it is
published."""

from __future__ import annotations

PUBLIC_EXAMPLES = frozenset(
    {
        # Stripe API reference examples (https://docs.stripe.com/api/authentication, earlier editions)
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        "pk_test_6pRNASCoBOKtIshFeQd4XMUh",
        # Google reCAPTCHA v2 test keys (https://developers.google.com/recaptcha/docs/faq)
        "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI",
        "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe",
        # hCaptcha test keys (https://docs.hcaptcha.com/#integration-testing-test-keys)
        "10000000-ffff-ffff-ffff-000000000001",
        "0x0000000000000000000000000000000000000000",
        # Cloudflare Turnstile test keys (https://developers.cloudflare.com/turnstile/troubleshooting/testing/)
        "1x00000000000000000000AA",
        "2x00000000000000000000AB",
        "3x00000000000000000000FF",
        "1x0000000000000000000000000000000AA",
        "2x0000000000000000000000000000000AA",
        "3x0000000000000000000000000000000AA",
        # jwt.io's default example token (HS256, secret "your-256-bit-secret")
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2"
        "MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        # the example secret of Google Authenticator's Key URI Format
        # (https://github.com/google/google-authenticator/wiki/Key-Uri-Format)
        "JBSWY3DPEHPK3PXP",
        # Mailgun documentation's example API key (https://documentation.mailgun.com)
        "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
    }
)
