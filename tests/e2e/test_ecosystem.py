"""The provider's ecosystem: documentation, packaging, examples.

(a) docs/ covers every attribute and block of the provider, of each resource and
    of each data source, as `terraform providers schema -json` reports them, with
    the right Required/Optional/Computed/Sensitive marks; tools/gen_docs.py is
    deterministic and its --check mode notices stale docs.
(b) A fresh working directory whose CLI configuration names only a
    filesystem_mirror (written by cmake/provider_mirror.cmake, the script behind
    the `mirror` target) runs `terraform init` offline with the version pinned,
    writes .terraform.lock.hcl, validates, and applies against Pebble.
(c) Every example is `terraform fmt` clean and `terraform validate` passes."""

import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import harness

GEN_DOCS = os.path.join(harness.SOURCE_DIR, "tools", "gen_docs.py")
DOCS = os.path.join(harness.SOURCE_DIR, "docs")
EXAMPLES = os.path.join(harness.SOURCE_DIR, "examples")
PREFIX = "ionos_"


def project_version():
    with open(os.path.join(harness.SOURCE_DIR, "CMakeLists.txt")) as f:
        return re.search(r"project\(\s*[\w-]+\s+VERSION\s+([0-9][0-9A-Za-z.+-]*)", f.read()).group(1)


def terraform_platform():
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return "%s_%s" % (sys.platform.replace("linux2", "linux"), arch)


def provider_schema():
    ws = harness.Workdir()
    try:
        ws.write(harness.provider_block())
        proc = ws.tf("providers", "schema", "-json")
        schemas = json.loads(proc.stdout)["provider_schemas"]
        return schemas["registry.terraform.io/local/ionos"]
    finally:
        ws.cleanup()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def sections(page):
    """{section: text}: the dotted path of each "### Nested Schema for `a.b`" section (which runs
    to the next heading), and "" for the rest of the page (the top-level reference)."""
    out = {"": ""}
    key = ""
    for line in page.splitlines(keepends=True):
        m = re.match(r"^### Nested Schema for `([^`]+)`\s*$", line)
        if m:
            key = m.group(1)
            out.setdefault(key, "")
            continue
        if re.match(r"^#{1,3} ", line):
            key = ""
        out[key] += line
    return out


def bullet(text, name):
    """The flags of the reference bullet "- `name` (Type, Flags...)" in text, or None."""
    m = re.search(r"^- `%s` \(([^)]*)\)" % re.escape(name), text, re.M)
    return [f.strip() for f in m.group(1).split(",")] if m else None


def object_fields(t):
    if isinstance(t, list):
        if t[0] == "object":
            return t[1]
        if t[0] in ("list", "set", "map"):
            return object_fields(t[1])
    return None


class DocsCoverTheSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = provider_schema()

    def check_block(self, page_name, page, block, path=(), data_source=False):
        """Every attribute of block (and of its nested blocks and object types) has its bullet in the
        right section of page, with the right marks."""
        secs = sections(page)
        where = ".".join(path)
        self.assertIn(where, secs, "%s: no section for `%s`" % (page_name, where))
        text = secs[where]
        for name, attr in block.get("attributes", {}).items():
            flags = bullet(text, name)
            self.assertIsNotNone(flags, "%s: `%s` is not documented (section %r)" % (page_name, name, where or "top"))
            if attr.get("required"):
                self.assertIn("Required", flags, (page_name, name))
            elif attr.get("optional"):
                self.assertIn("Optional", flags, (page_name, name))
            else:
                self.assertIn("Computed", flags, (page_name, name))
            self.assertEqual("Sensitive" in flags, bool(attr.get("sensitive")), (page_name, name, flags))
            self.assertEqual("Write-only" in flags, bool(attr.get("write_only")), (page_name, name, flags))
            self.assertEqual("Deprecated" in flags, bool(attr.get("deprecated")), (page_name, name, flags))
            self.assertTrue(attr.get("description"), (page_name, name))
            fields = object_fields(attr["type"])
            if fields:
                nested = secs.get(".".join(path + (name,)))
                self.assertIsNotNone(nested, "%s: no nested schema for `%s`" % (page_name, name))
                for field in fields:
                    self.assertIsNotNone(bullet(nested, field), "%s: `%s.%s` is not documented" %
                                         (page_name, name, field))
        for name, nested_block in block.get("block_types", {}).items():
            flags = bullet(text, name)
            self.assertIsNotNone(flags, "%s: block `%s` is not documented" % (page_name, name))
            self.assertTrue(any(f.startswith("Block") for f in flags), flags)
            if nested_block.get("max_items"):
                self.assertIn("Max: %d" % nested_block["max_items"], flags)
            self.check_block(page_name, page, nested_block["block"], path + (name,), data_source)

    def check_front_matter(self, page_name, page, title):
        m = re.match(r"^---\n(.*?)\n---\n", page, re.S)
        self.assertIsNotNone(m, "%s has no front matter" % page_name)
        front = m.group(1)
        self.assertIn('page_title: "%s' % title, front)
        self.assertRegex(front, r"(?m)^subcategory: \"[^\"]*\"$")
        self.assertRegex(front, r"(?m)^description: \|-\n  \S")
        self.assertIn("## Example Usage\n\n```terraform\n", page, page_name)
        self.assertIn("## Argument Reference", page, page_name)

    def test_provider_page(self):
        page = read(os.path.join(DOCS, "index.md"))
        self.check_front_matter("index.md", page, "Provider: ionos")
        self.check_block("index.md", page, self.schema["provider"]["block"])
        for env in ("IONOS_CERT_STORE", "IONOS_CERT_STORE_KEY", "IONOS_TOKEN", "IONOS_API_URL_DNS"):
            self.assertIn("`%s`" % env, page)
        for heading in ("## Authentication", "## The certificate store", "## Quick start", "### Filesystem mirror",
                        "### Development override"):
            self.assertIn(heading, page)
        self.assertIn('version = "%s"' % project_version(), page)

    def test_resource_pages(self):
        resources = self.schema["resource_schemas"]
        self.assertEqual(sorted(os.listdir(os.path.join(DOCS, "resources"))),
                         sorted(n[len(PREFIX):] + ".md" for n in resources))
        for name, res in resources.items():
            page_name = "resources/%s.md" % name[len(PREFIX):]
            page = read(os.path.join(DOCS, page_name))
            self.check_front_matter(page_name, page, "%s Resource" % name)
            self.assertIn("# %s (Resource)" % name, page)
            self.check_block(page_name, page, res["block"])
            self.assertIn("## Attribute Reference", page)
            self.assertRegex(page, r"## Import\n\n.*terraform import %s\." % name)
        # Replacement is spelled out for the arguments that force it.
        provider_page = read(os.path.join(DOCS, "resources", "certificate_provider.md"))
        for name in ("server", "key_algorithm"):
            self.assertRegex(provider_page, r"(?m)^- `%s` .*Changing this forces a new resource\." % name)
        for name in ("name", "email", "external_account_binding"):
            self.assertNotRegex(provider_page, r"(?m)^- `%s` .*forces a new resource" % name)
        # Only the binding's key id replaces the account; a new secret is recorded in place.
        eab = sections(provider_page)["external_account_binding"]
        self.assertRegex(eab, r"(?m)^- `key_id` .*Changing this forces a new resource\.")
        for name in ("key_secret_wo", "key_secret_wo_version", "key_secret"):
            self.assertNotRegex(eab, r"(?m)^- `%s` .*forces a new resource" % name)
        self.assertRegex(eab, r"(?m)^- `key_secret_wo` \(String, Optional, Sensitive, Write-only\)")
        self.assertRegex(eab, r"(?m)^- `key_secret` \(String, Optional, Sensitive, Deprecated\)")
        auto = read(os.path.join(DOCS, "resources", "auto_certificate.md"))
        self.assertRegex(auto, r"(?m)^- `key_algorithm` .*Defaults to `rsa2048`\.")
        self.assertRegex(auto, r"(?m)^- `renew_before_days` .*Defaults to `30`\.")

    def test_data_source_pages(self):
        sources = self.schema.get("data_source_schemas", {})
        self.assertEqual(sorted(os.listdir(os.path.join(DOCS, "data-sources"))),
                         sorted(n[len(PREFIX):] + ".md" for n in sources))
        for name, ds in sources.items():
            page_name = "data-sources/%s.md" % name[len(PREFIX):]
            page = read(os.path.join(DOCS, page_name))
            self.check_front_matter(page_name, page, "%s Data Source" % name)
            self.check_block(page_name, page, ds["block"], data_source=True)

    def test_ephemeral_resource_pages(self):
        ephemerals = self.schema.get("ephemeral_resource_schemas", {})
        self.assertIn("ionos_certificate", ephemerals)
        self.assertEqual(sorted(os.listdir(os.path.join(DOCS, "ephemeral-resources"))),
                         sorted(n[len(PREFIX):] + ".md" for n in ephemerals))
        for name, eph in ephemerals.items():
            page_name = "ephemeral-resources/%s.md" % name[len(PREFIX):]
            page = read(os.path.join(DOCS, page_name))
            self.check_front_matter(page_name, page, "%s Ephemeral Resource" % name)
            self.assertIn("# %s (Ephemeral Resource)" % name, page)
            self.check_block(page_name, page, eph["block"])
            self.assertIn("## Attribute Reference", page)
            self.assertIn('ephemeral "%s"' % name, page)

    def test_guides_exist_and_link(self):
        guide = read(os.path.join(DOCS, "guides", "private-keys-out-of-state.md"))
        self.assertRegex(guide, r'^---\npage_title: "Keeping private keys out of state')
        for phrase in ('ephemeral "ionos_certificate"', "private_key_in_state", "include_private_key",
                       "key_secret_wo", "key_secret_wo_version", "1.10", "1.11"):
            self.assertIn(phrase, guide)
        for page in ("resources/auto_certificate.md", "resources/certificate_provider.md",
                     "ephemeral-resources/certificate.md", "index.md"):
            self.assertIn("guides/private-keys-out-of-state.md", read(os.path.join(DOCS, page)), page)

    def test_docs_are_fresh(self):
        proc = subprocess.run([sys.executable, GEN_DOCS, "--check"], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_generator_is_deterministic_and_check_notices_stale_docs(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            for out in (a, b):
                subprocess.run([sys.executable, GEN_DOCS, "--docs-dir", out], check=True, capture_output=True)
            for rel in ("index.md", "resources/auto_certificate.md", "resources/certificate_provider.md",
                        "data-sources/certificate.md", "ephemeral-resources/certificate.md"):
                self.assertEqual(read(os.path.join(a, rel)), read(os.path.join(b, rel)), rel)

            def check():
                return subprocess.run([sys.executable, GEN_DOCS, "--check", "--docs-dir", a],
                                      capture_output=True, text=True)

            self.assertEqual(check().returncode, 0)
            page = os.path.join(a, "resources", "auto_certificate.md")
            with open(page, "a") as f:
                f.write("edited by hand\n")
            proc = check()
            self.assertEqual(proc.returncode, 1)
            self.assertIn("out of date: docs/resources/auto_certificate.md (+0 -1 lines)", proc.stderr)
            self.assertIn("-edited by hand", proc.stderr)
            os.remove(os.path.join(a, "data-sources", "certificate.md"))
            with open(os.path.join(a, "resources", "gone.md"), "w") as f:
                f.write("# gone\n")
            proc = check()
            self.assertEqual(proc.returncode, 1)
            self.assertIn("missing:    docs/data-sources/certificate.md", proc.stderr)
            self.assertIn("unexpected: docs/resources/gone.md", proc.stderr)
            subprocess.run([sys.executable, GEN_DOCS, "--docs-dir", a], check=True, capture_output=True)
            self.assertEqual(check().returncode, 0)
            self.assertFalse(os.path.exists(os.path.join(a, "resources", "gone.md")))


class OfflineInitFromFilesystemMirror(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tf-mirror-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.version = project_version()

    def test_version_flag_matches_project_version(self):
        proc = subprocess.run([harness.PROVIDER_BINARY, "--version"], capture_output=True, text=True, check=True)
        self.assertEqual(proc.stdout.strip(), "terraform-provider-ionos %s" % self.version)

    def test_init_offline_writes_lock_file_validates_and_applies(self):
        mirror = os.path.join(self.tmp, "mirror")
        made = subprocess.run(["cmake", "-DPROVIDER=" + harness.PROVIDER_BINARY, "-DMIRROR_DIR=" + mirror,
                               "-DVERSION=" + self.version, "-P",
                               os.path.join(harness.SOURCE_DIR, "cmake", "provider_mirror.cmake")],
                              capture_output=True, text=True)
        self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
        binary = os.path.join(mirror, "registry.terraform.io", "local", "ionos", self.version, terraform_platform(),
                              "terraform-provider-ionos_v" + self.version)
        self.assertTrue(os.access(binary, os.X_OK), binary)

        cli_config = os.path.join(self.tmp, "mirror.tfrc")
        with open(cli_config, "w") as f:
            f.write(textwrap.dedent("""\
                provider_installation {
                  filesystem_mirror {
                    path    = "%s"
                    include = ["registry.terraform.io/local/ionos"]
                  }
                }
                """ % mirror))
        work = os.path.join(self.tmp, "work")
        os.makedirs(work)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "IONOS_"))}
        env.update({
            "TF_CLI_CONFIG_FILE": cli_config, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1",
            "HOME": self.tmp,
            # Offline: any attempt to reach a registry would go to a closed port and fail.
            "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
        })

        def tf(*args):
            return subprocess.run(["terraform"] + list(args), cwd=work, env=env, capture_output=True, text=True,
                                  timeout=300)

        with harness.pebble() as pebble:
            store = os.path.join(self.tmp, "store", "certificates.db")
            with open(os.path.join(work, "main.tf"), "w") as f:
                f.write(textwrap.dedent("""\
                    terraform {
                      required_providers {
                        ionos = {
                          source  = "local/ionos"
                          version = "%s"
                        }
                      }
                    }

                    provider "ionos" {
                      store               = "sqlite:%s"
                      ca_certificates_pem = <<-EOT
                    %s  EOT
                    }

                    resource "ionos_certificate_provider" "acme" {
                      name   = "mirror"
                      email  = "mirror@example.com"
                      server = "%s"
                    }
                    """) % (self.version, store, textwrap.indent(pebble.tls_cert_pem, "    "),
                            pebble.directory_url))
            init = tf("init", "-no-color")
            out = init.stdout + init.stderr
            self.assertEqual(init.returncode, 0, out)
            self.assertIn("Installed local/ionos v%s (unauthenticated)" % self.version, out)
            self.assertNotIn("development overrides", out)
            lock = read(os.path.join(work, ".terraform.lock.hcl"))
            self.assertIn('provider "registry.terraform.io/local/ionos"', lock)
            self.assertIn('version     = "%s"' % self.version, lock)
            self.assertIn('constraints = "%s"' % self.version, lock)
            self.assertRegex(lock, r'"h1:[A-Za-z0-9+/=]+"')

            validate = tf("validate", "-no-color")
            self.assertEqual(validate.returncode, 0, validate.stdout + validate.stderr)
            self.assertIn("The configuration is valid", validate.stdout)
            self.assertNotIn("development overrides", validate.stdout + validate.stderr)

            apply = tf("apply", "-auto-approve", "-no-color")
            self.assertEqual(apply.returncode, 0, apply.stdout + apply.stderr)
            with open(os.path.join(work, "terraform.tfstate")) as f:
                [res] = json.load(f)["resources"]
            self.assertEqual(res["instances"][0]["attributes"]["status"], "valid")
            destroy = tf("destroy", "-auto-approve", "-no-color")
            self.assertEqual(destroy.returncode, 0, destroy.stdout + destroy.stderr)

            # A second init reuses the lock file's selection.
            again = tf("init", "-no-color")
            self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
            self.assertIn("Reusing previous version of local/ionos from the dependency lock file", again.stdout)

    def test_init_refuses_a_version_the_mirror_does_not_hold(self):
        mirror = os.path.join(self.tmp, "mirror")
        subprocess.run(["cmake", "-DPROVIDER=" + harness.PROVIDER_BINARY, "-DMIRROR_DIR=" + mirror,
                        "-DVERSION=" + self.version, "-P",
                        os.path.join(harness.SOURCE_DIR, "cmake", "provider_mirror.cmake")],
                       capture_output=True, check=True)
        cli_config = os.path.join(self.tmp, "mirror.tfrc")
        with open(cli_config, "w") as f:
            f.write('provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' % mirror)
        work = os.path.join(self.tmp, "work")
        os.makedirs(work)
        with open(os.path.join(work, "main.tf"), "w") as f:
            f.write('terraform {\n  required_providers {\n    ionos = {\n      source  = "local/ionos"\n'
                    '      version = "99.0.0"\n    }\n  }\n}\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "IONOS_"))}
        env.update({"TF_CLI_CONFIG_FILE": cli_config, "CHECKPOINT_DISABLE": "1", "HOME": self.tmp})
        proc = subprocess.run(["terraform", "init", "-no-color"], cwd=work, env=env, capture_output=True, text=True,
                              timeout=300)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("no available releases match", proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(work, ".terraform.lock.hcl")))


def example_dirs():
    dirs = set()
    for path in glob.glob(os.path.join(EXAMPLES, "**", "*.tf"), recursive=True):
        if "/.terraform/" not in path:
            dirs.add(os.path.dirname(path))
    return sorted(dirs)


class PluginStartUp(unittest.TestCase):
    """What Terraform's start of the plugin costs: libpq and its twenty dependencies are loaded
    only when a PostgreSQL store is opened (core/store/libpq_loader.h), never at start-up; with
    AutoMTLS the socket lives in the abstract namespace, so no directory or socket file is made
    (and none is left behind by a killed plugin). Every e2e test shows that Terraform dials it."""

    def start(self, client_cert=None):
        env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE="d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
                   PLUGIN_PROTOCOL_VERSIONS="6", TMPDIR=self.tmp)
        env.pop("PLUGIN_CLIENT_CERT", None)
        if client_cert:
            env["PLUGIN_CLIENT_CERT"] = client_cert
        proc = subprocess.Popen([harness.PROVIDER_BINARY], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        return proc, proc.stdout.readline().split("|")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tf-startup-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_with_automtls_the_socket_is_abstract_and_nothing_is_created(self):
        cert_dir = tempfile.mkdtemp(prefix="tf-client-cert-")
        self.addCleanup(shutil.rmtree, cert_dir, True)
        _, cert = harness.make_tls_cert(cert_dir)
        proc, fields = self.start(client_cert=harness.read_text(cert))
        self.assertEqual(fields[:3], ["1", "6", "unix"], fields)
        self.assertTrue(fields[3].startswith("@tf-provider-ionos-%d-" % proc.pid), fields[3])
        with open("/proc/net/unix") as f:
            listening = [line.split()[-1] for line in f if line.split()[-1].startswith("@tf-provider-ionos-")]
        self.assertIn(fields[3], listening)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_without_automtls_the_socket_is_a_file_in_a_private_directory(self):
        proc, fields = self.start()
        self.assertEqual(fields[:3], ["1", "6", "unix"], fields)
        directory = os.path.dirname(fields[3])
        self.assertEqual(os.path.dirname(directory), self.tmp)
        self.assertEqual(os.stat(directory).st_mode & 0o777, 0o700)

    def test_the_plugin_serves_without_loading_libpq(self):
        proc, fields = self.start()
        self.assertEqual(fields[:3], ["1", "6", "unix"], fields)
        with open("/proc/%d/maps" % proc.pid) as f:
            libraries = {m.split()[-1] for m in f if ".so" in m}
        self.assertTrue(any("libssl" in lib for lib in libraries), sorted(libraries))
        self.assertEqual([lib for lib in libraries if "libpq" in lib or "krb5" in lib or "ldap" in lib], [])


class CommentsCiteTheRepository(unittest.TestCase):
    """Comments point to what a reader of the repository can open (README, docs/, an RFC, a public
    specification), never to issue numbers or design notes kept elsewhere."""

    FOREIGN = re.compile(r"\b[Ii]ssue [0-9]|\b(?:DESIGN|PROTOCOL|PEERS|STYLE-ANCHORS)\.md\b")

    def test_no_comment_cites_an_issue_or_a_document_outside_the_repository(self):
        offenders = []
        for top in ("core", "plugin", "schemas", "tests", "tools", "scripts", "examples", "cmake"):
            for root, _, files in os.walk(os.path.join(harness.SOURCE_DIR, top)):
                if "corpus" in root.split(os.sep):
                    continue
                for name in files:
                    path = os.path.join(root, name)
                    if path == os.path.abspath(__file__) or not name.endswith(
                            (".cc", ".h", ".py", ".proto", ".json", ".md", ".tf", ".sh", ".cmake", ".tmpl", ".txt")):
                        continue
                    for n, line in enumerate(read(path).splitlines(), 1):
                        if self.FOREIGN.search(line):
                            offenders.append("%s:%d: %s" % (os.path.relpath(path, harness.SOURCE_DIR), n, line.strip()))
        self.assertEqual(offenders, [])


class ExamplesAreValid(unittest.TestCase):
    def test_the_expected_examples_exist(self):
        names = {os.path.relpath(d, EXAMPLES) for d in example_dirs()}
        for name in ("quickstart", "wildcard-apex", "multi-zone-sans", "eab-account", "drift-detection", "team-ci",
                     "provider", "resources/ionos_certificate_provider", "resources/ionos_auto_certificate",
                     "data-sources/ionos_certificate", "ephemeral-resources/ionos_certificate"):
            self.assertIn(name, names)
        for name in ("wildcard-apex", "multi-zone-sans", "eab-account", "drift-detection", "team-ci"):
            self.assertTrue(os.path.exists(os.path.join(EXAMPLES, name, "README.md")), name)
        # scripts/demo sets these on the quickstart.
        quickstart = read(os.path.join(EXAMPLES, "quickstart", "main.tf"))
        for var in ("acme_server", "ca_certificates_pem", "store"):
            self.assertIn('variable "%s"' % var, quickstart)

    def test_fmt_clean(self):
        ws = harness.Workdir()
        self.addCleanup(ws.cleanup)
        proc = ws.tf("fmt", "-check", "-recursive", "-diff", "-no-color", EXAMPLES,
                     os.path.join(harness.SOURCE_DIR, "tests", "terraform"), check=False)
        self.assertEqual(proc.returncode, 0, "not terraform fmt clean:\n" + proc.stdout + proc.stderr)

    def test_every_example_validates(self):
        dirs = example_dirs()
        self.assertGreaterEqual(len(dirs), 9)
        for d in dirs:
            with self.subTest(example=os.path.relpath(d, EXAMPLES)):
                ws = harness.Workdir()
                try:
                    for name in os.listdir(d):
                        if name.endswith(".tf"):
                            shutil.copy(os.path.join(d, name), ws.dir)
                    proc = ws.tf("validate", "-no-color", check=False)
                    self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                    self.assertIn("The configuration is valid", proc.stdout)
                    # Only the local provider (and Terraform's built-in one, for terraform_data): no
                    # example may need a registry download.
                    providers = ws.tf("providers", "-no-color", check=False)
                    self.assertEqual(providers.returncode, 0, providers.stdout + providers.stderr)
                    found = set(re.findall(r"provider\[([^\]]+)\]", providers.stdout))
                    found.discard("terraform.io/builtin/terraform")
                    self.assertEqual(found, {"registry.terraform.io/local/ionos"}, providers.stdout)
                finally:
                    ws.cleanup()

    def test_team_ci_snippets_are_sound(self):
        # The CI files parse, and every job gets the store, its key and the token from the
        # environment (CI secrets), none from the configuration.
        ci = os.path.join(EXAMPLES, "team-ci", "ci")
        for name in ("github-actions.yml", "gitlab-ci.yml"):
            text = read(os.path.join(ci, name))
            for needle in ("terraform plan -detailed-exitcode", "terraform apply -auto-approve", " renew",
                           "terraform plan -no-color"):
                self.assertIn(needle, text, name)
        workflow = read(os.path.join(ci, "github-actions.yml"))
        for var in ("IONOS_CERT_STORE", "IONOS_CERT_STORE_KEY", "IONOS_TOKEN"):
            self.assertIn("%s: ${{ secrets.%s }}" % (var, var), workflow)
        config = read(os.path.join(EXAMPLES, "team-ci", "main.tf"))
        self.assertNotRegex(config, r"(?m)^\s*(store|store_encryption_key|token)\s*=")

    def test_team_ci_snippets_parse_as_yaml(self):
        try:
            import yaml
        except ImportError:
            harness.skip_or_fail("the Python module yaml is missing (Debian package python3-yaml; "
                                 "scripts/install-deps)")
        ci = os.path.join(EXAMPLES, "team-ci", "ci")
        for name in ("github-actions.yml", "gitlab-ci.yml"):
            self.assertIsInstance(yaml.safe_load(read(os.path.join(ci, name))), dict, name)

    def test_drift_detection_script_is_sound(self):
        script = os.path.join(EXAMPLES, "drift-detection", "check-renewal.sh")
        self.assertTrue(os.access(script, os.X_OK))
        proc = subprocess.run(["bash", "-n", script], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_drift_detection_script_passes_shellcheck(self):
        if shutil.which("shellcheck") is None:
            harness.skip_or_fail("shellcheck is not on PATH (Debian package shellcheck; scripts/install-deps)")
        script = os.path.join(EXAMPLES, "drift-detection", "check-renewal.sh")
        proc = subprocess.run(["shellcheck", script], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stdout)


if __name__ == "__main__":
    unittest.main()
