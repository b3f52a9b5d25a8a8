"""A table of bad configurations, end to end: each fails with an error that
points at the attribute, none crashes the plugin, none writes state or store
rows, and no order reaches the CA."""

import re
import unittest

import harness

GOOD_ACCOUNT = {"name": '"acct"', "email": '"admin@example.com"', "server": None, "key_algorithm": None}
GOOD_CERT = {"name": '"cert"', "common_name": '"www.example.com"', "subject_alternative_names": None,
             "key_algorithm": None, "renew_before_days": None, "grace_period_days": None}

LONG_LABEL = "a" * 64
LONG_NAME = ".".join(["abcdefghij" * 2] * 12) + ".example.com"
MANY_SANS = "[%s]" % ", ".join('"n%d.example.com"' % i for i in range(100))
BAD_PEM = '"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"'

# (case, attribute the error must point at, where: provider|account|eab|cert, overrides)
CASES = [
    # provider settings
    ("store scheme unknown", "store", "provider", {"store": '"mysql://db/certs"'}),
    ("store postgres with an unknown sslmode", "store", "provider", {"store": '"postgres://u@h/db?sslmode=requre"'}),
    ("store postgres without a database", "store", "provider", {"store": '"postgres://u@h:5432"'}),
    ("store empty", "store", "provider", {"store": '""'}),
    ("encryption key too short", "store_encryption_key", "provider",
     {"store_encryption_key": '"MTIzNDU2Nzg5MDEyMzQ1Ng=="'}),
    ("encryption key not base64", "store_encryption_key", "provider", {"store_encryption_key": '"%%%%"'}),
    ("DNS API URL not a URL", "dns_api_url", "provider", {"dns_api_url": '"dns api"'}),
    ("DNS API URL ftp", "dns_api_url", "provider", {"dns_api_url": '"ftp://dns.example"'}),
    ("DNS API URL plain http to a remote host", "dns_api_url", "provider",
     {"dns_api_url": '"http://dns.de-fra.ionos.com"'}),
    ("resolver with an empty port", "dns_resolvers", "provider", {"dns_resolvers": '["127.0.0.1:"]'}),
    ("resolver port out of range", "dns_resolvers", "provider", {"dns_resolvers": '["127.0.0.1:99999"]'}),
    ("resolver IPv6 without closing bracket", "dns_resolvers", "provider", {"dns_resolvers": '["[::1:53"]'}),
    ("CA PEM garbage", "ca_certificates_pem", "provider", {"ca_certificates_pem": '"not a certificate"'}),
    ("CA PEM broken base64", "ca_certificates_pem", "provider", {"ca_certificates_pem": BAD_PEM}),
    # the ACME account
    ("account name empty", "name", "account", {"name": '""'}),
    ("email empty", "email", "account", {"email": '""'}),
    ("email without domain dot", "email", "account", {"email": '"admin@localhost"'}),
    ("email with mailto", "email", "account", {"email": '"mailto:admin@example.com"'}),
    ("email two ats", "email", "account", {"email": '"a@b@example.com"'}),
    ("server ftp", "server", "account", {"server": '"ftp://ca.example/dir"'}),
    ("server http", "server", "account", {"server": '"http://127.0.0.1:14000/dir"'}),
    ("server no host", "server", "account", {"server": '"https:///dir"'}),
    ("account key algorithm", "key_algorithm", "account", {"key_algorithm": '"rsa1024"'}),
    ("eab key id empty", "key_id", "eab", {"key_id": '""', "key_secret": '"c2VjcmV0"'}),
    ("eab secret not base64url", "key_secret", "eab", {"key_id": '"kid-1"', "key_secret": '"not base64!!"'}),
    ("eab write-only secret not base64url", "key_secret_wo", "eab",
     {"key_id": '"kid-1"', "key_secret_wo": '"not base64!!"'}),
    # the auto certificate
    ("certificate name empty", "name", "cert", {"name": '""'}),
    ("common name empty", "common_name", "cert", {"common_name": '""'}),
    ("common name single label", "common_name", "cert", {"common_name": '"localhost"'}),
    ("common name empty label", "common_name", "cert", {"common_name": '"www..example.com"'}),
    ("common name leading hyphen", "common_name", "cert", {"common_name": '"-www.example.com"'}),
    ("common name inner wildcard", "common_name", "cert", {"common_name": '"www.*.example.com"'}),
    ("common name partial wildcard", "common_name", "cert", {"common_name": '"w*.example.com"'}),
    ("common name IPv4", "common_name", "cert", {"common_name": '"192.0.2.1"'}),
    ("common name unicode", "common_name", "cert", {"common_name": '"münchen.example.com"'}),
    ("common name underscore", "common_name", "cert", {"common_name": '"my_host.example.com"'}),
    ("common name label > 63", "common_name", "cert", {"common_name": '"%s.example.com"' % LONG_LABEL}),
    ("common name > 253", "common_name", "cert", {"common_name": '"%s"' % LONG_NAME}),
    ("common name trailing dot", "common_name", "cert", {"common_name": '"www.example.com."'}),
    ("common name outside every zone", "common_name", "cert", {"common_name": '"www.not-hosted.io"'}),
    ("SAN duplicate ignoring case", "subject_alternative_names", "cert",
     {"subject_alternative_names": '["WWW.example.com"]'}),
    ("SAN with space", "subject_alternative_names", "cert", {"subject_alternative_names": '["a b.example.com"]'}),
    ("SAN IPv6", "subject_alternative_names", "cert", {"subject_alternative_names": '["2001:db8::1"]'}),
    ("more than 100 names", "subject_alternative_names", "cert", {"subject_alternative_names": MANY_SANS}),
    ("SAN outside every zone", "subject_alternative_names", "cert",
     {"subject_alternative_names": '["api.not-hosted.io"]'}),
    ("certificate key algorithm", "key_algorithm", "cert", {"key_algorithm": '"ed25519"'}),
    ("renew_before_days zero", "renew_before_days", "cert", {"renew_before_days": "0"}),
    ("renew_before_days negative", "renew_before_days", "cert", {"renew_before_days": "-5"}),
    ("grace_period_days negative", "grace_period_days", "cert", {"grace_period_days": "-1"}),
]


def render(block_type, label, attrs, nested=""):
    body = '%s "%s" {\n' % (block_type, label)
    for k, v in attrs.items():
        if v is not None:
            body += "  %s = %s\n" % (k, v)
    body += nested + "}\n"
    return body


class BadConfigurations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = harness.IssuanceEnv(["example.com"]).start()
        # One account in a shared store, registered once, for the certificate cases.
        cls.base = harness.Workdir()
        cls.base.write(cls.env.provider_block(cls.base) +
                       render("resource", "ionos_certificate_provider\" \"acme",
                              dict(GOOD_ACCOUNT, server='"%s"' % cls.env.pebble.directory_url)))
        cls.base.apply()
        cls.account_id = cls.base.resources("ionos_certificate_provider")[0]["id"]

    @classmethod
    def tearDownClass(cls):
        cls.base.cleanup()
        cls.env.stop()

    def config(self, ws, where, overrides):
        provider_extra = ""
        if where == "provider":
            provider_extra = "\n".join("  %s = %s" % kv for kv in overrides.items())
        block = self.env.provider_block(ws, extra=provider_extra, store="store" not in overrides)
        if where in ("provider", "account", "eab"):
            acct = dict(GOOD_ACCOUNT, server='"%s"' % self.env.pebble.directory_url)
            nested = ""
            if where == "account":
                acct.update(overrides)
            if where == "eab":
                nested = render("  external_account_binding", "", overrides).replace(' "" {', " {")
            block += render("resource", 'ionos_certificate_provider" "acme', acct, nested)
        else:
            cert = dict(GOOD_CERT, provider_id='"%s"' % self.account_id)
            cert.update(overrides)
            block += render("resource", 'ionos_auto_certificate" "bad', cert)
        return block

    def test_table_of_bad_configurations(self):
        self.assertGreaterEqual(len(CASES), 40)
        orders_before = self.env.pebble.request_count("POST /order-plz")
        for case, attribute, where, overrides in CASES:
            with self.subTest(case):
                ws = harness.Workdir(store_path=self.base.store_path if where == "cert" else None)
                try:
                    accounts_before = len(ws.store_rows("accounts"))
                    ws.write(self.config(ws, where, overrides))
                    proc = ws.apply(check=False)
                    out = proc.stdout + proc.stderr
                    self.assertNotEqual(proc.returncode, 0, "%s: apply succeeded\n%s" % (case, out))
                    self.assertRegex(proc.stderr, re.compile(r"\d+:\s+%s\s+=" % re.escape(attribute)),
                                     "%s: the error does not point at %s:\n%s" % (case, attribute, proc.stderr))
                    for crash in ("panic", "Plugin did not respond", "plugin exited", "crashed", "redefined"):
                        self.assertNotIn(crash, out, case)
                    self.assertEqual(ws.resources(), [], case)
                    self.assertEqual(len(ws.store_rows("accounts")), accounts_before, case)
                    self.assertEqual(ws.store_rows("auto_certificates"), [], case)
                    self.assertEqual(ws.store_rows("pending_dns_records"), [], case)
                finally:
                    ws.cleanup()
        self.assertEqual(self.env.pebble.request_count("POST /order-plz"), orders_before,
                         "no bad configuration may reach the CA with an order")
        self.assertEqual(self.env.dns.txt_records(), [])


if __name__ == "__main__":
    unittest.main()
