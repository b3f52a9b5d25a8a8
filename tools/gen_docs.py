#!/usr/bin/env python3
"""Writes the Terraform Registry style documentation in docs/ from the schema
files in schemas/ and the configurations in examples/.

    python3 tools/gen_docs.py            (re)write docs/
    python3 tools/gen_docs.py --check    exit 1, with a summary of the differences, when docs/ is stale

Pages:
    docs/index.md                         schemas/provider.json
    docs/resources/<name>.md              schemas/resources/ionos_<name>.json
    docs/data-sources/<name>.md           schemas/data-sources/ionos_<name>.json
    docs/ephemeral-resources/<name>.md    schemas/ephemeral-resources/ionos_<name>.json

Each page is its front matter, a title and the schema's description, followed by
the page template from tools/doc_templates/ (same relative path, `.md.tmpl`), or
a default layout when there is none. Templates are Markdown with these
placeholders:

    {{ example "examples/path/file.tf" }}   the file, fenced (terraform, or shell for .sh)
    {{ arguments }}                          argument reference (required and optional
                                             attributes, blocks and their nested schemas)
    {{ attributes }}                         attribute reference (computed-only attributes
                                             and their nested object types)
    {{ import }}                             import text from the schema and the examples'
                                             import.sh / import.tf
    {{ version }}                            the project version from CMakeLists.txt

The output depends only on those inputs (no dates, sorted where the schema has no
order), so `--check` can tell when docs/ must be regenerated. Python 3 standard
library only.
"""

import argparse
import difflib
import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PROVIDER_NAME = "ionos"
SUBCATEGORY = "Certificate Manager"
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)((?:\s+\"[^\"]*\")*)\s*\}\}")


class DocsError(Exception):
    pass


# ---------------------------------------------------------------- inputs

def read_text(root, rel):
    path = os.path.join(root, rel)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise DocsError("cannot read %s: %s" % (rel, e.strerror))


def read_json(root, rel):
    try:
        return json.loads(read_text(root, rel))
    except json.JSONDecodeError as e:
        raise DocsError("%s is not valid JSON: %s" % (rel, e))


def project_version(root):
    text = read_text(root, "CMakeLists.txt")
    m = re.search(r"project\(\s*[\w-]+\s+VERSION\s+([0-9][0-9A-Za-z.+-]*)", text)
    if not m:
        raise DocsError("CMakeLists.txt: no project(... VERSION x.y.z)")
    return m.group(1)


def schema_files(root, kind):
    folder = os.path.join(root, "schemas", kind)
    if not os.path.isdir(folder):
        return []
    return sorted(f for f in os.listdir(folder) if f.endswith(".json"))


# ---------------------------------------------------------------- rendering helpers

def type_label(t):
    """Terraform type (as in the schema files and `terraform providers schema -json`) in words."""
    if isinstance(t, str):
        return {"string": "String", "number": "Number", "bool": "Boolean", "dynamic": "Dynamic"}.get(t, t)
    kind = t[0]
    if kind in ("list", "set", "map"):
        return "%s of %s" % (kind.capitalize(), type_label(t[1]))
    if kind == "object":
        return "Object"
    if kind == "tuple":
        return "Tuple"
    raise DocsError("unknown type %r" % (t,))


def object_type(t):
    """The attribute map of an object type, also inside a list, set or map; else None."""
    if isinstance(t, list):
        if t[0] == "object":
            return t[1]
        if t[0] in ("list", "set", "map"):
            return object_type(t[1])
    return None


def default_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def sentence(text):
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


REPLACEMENT_SENTENCE = re.compile(r"\s*Changing (?:it|this) creates a new [^.]*\.\s*$")


def replacement_free(item):
    """The description without its own closing "Changing it creates a new ..." sentence when the
    reference adds the uniform "Changing this forces a new resource." anyway."""
    text = item.get("description", "")
    if item.get("requires_replace"):
        text = REPLACEMENT_SENTENCE.sub("", text)
    return text


def anchor(path):
    return "nested--" + "--".join(path)


# What each "validate" rule of the schemas asks (core/lifecycle/attribute_rules.h checks it).
RULE_TEXT = {
    "dns_name": "Checked at validate: each must be a DNS name (a leading `*.` allowed).",
    "email": "Checked at validate: must be an e-mail address.",
    "https_url": "Checked at validate: must be an `https://` URL.",
    "ca_bundle": "Checked at validate: must be PEM CA certificates.",
    "key_algorithm": "Checked at validate: one of `rsa2048`, `rsa3072`, `rsa4096`, `ecdsa256`, `ecdsa384`.",
    "not_empty": "Checked at validate: must not be empty.",
    "renew_before_days": "Checked at validate: a whole number from 1 to 3650.",
    "grace_period_days": "Checked at validate: a whole number from 0 to 3650.",
}


def attribute_line(attr, argument, path=()):
    """One bullet of the reference: `name` (Type, flags) description, default, env, replacement."""
    flags = [type_label(attr["type"])]
    if argument:
        if attr.get("required"):
            flags.append("Required")
        else:
            flags.append("Optional")
            if attr.get("computed") and "default" not in attr:
                flags.append("Computed")
    else:
        flags.append("Computed")
    if attr.get("sensitive"):
        flags.append("Sensitive")
    if attr.get("write_only"):
        flags.append("Write-only")
    if attr.get("deprecated"):
        flags.append("Deprecated")
    parts = [sentence(replacement_free(attr))]
    if "default" in attr and "Defaults to" not in attr.get("description", ""):
        parts.append("Defaults to `%s`." % default_text(attr["default"]))
    if attr.get("env") and attr["env"] not in attr.get("description", ""):
        parts.append("Can also be set with the `%s` environment variable." % attr["env"])
    if attr.get("validate"):
        if attr["validate"] not in RULE_TEXT:
            raise SystemExit("%s: unknown validate rule %r" % (attr["name"], attr["validate"]))
        parts.append(RULE_TEXT[attr["validate"]])
    if attr.get("requires_replace"):
        parts.append("Changing this forces a new resource.")
    if object_type(attr["type"]) is not None:
        parts.append("See [below for nested schema](#%s)." % anchor(path + (attr["name"],)))
    text = " ".join(p for p in parts if p)
    return "- `%s` (%s) %s" % (attr["name"], ", ".join(flags), text)


def block_line(block, path=()):
    nesting = block.get("nesting", "list")
    flags = ["Block" if nesting == "single" else "Block %s" % nesting.capitalize()]
    if block.get("min_items"):
        flags.append("Min: %d" % block["min_items"])
    if block.get("max_items"):
        flags.append("Max: %d" % block["max_items"])
    flags.append("Required" if block.get("min_items") else "Optional")
    parts = [sentence(replacement_free(block))]
    if block.get("requires_replace"):
        parts.append("Changing this forces a new resource.")
    parts.append("See [below for nested schema](#%s)." % anchor(path + (block["name"],)))
    return "- `%s` (%s) %s" % (block["name"], ", ".join(flags), " ".join(p for p in parts if p))


def nested_object_section(attr, path):
    """The fields of an object-typed attribute (no per-field descriptions in the schema)."""
    full = path + (attr["name"],)
    fields = object_type(attr["type"])
    lines = ['<a id="%s"></a>' % anchor(full), "### Nested Schema for `%s`" % ".".join(full), ""]
    lines.append("Each element of `%s` has:" % ".".join(full) if attr["type"][0] != "object"
                 else "`%s` has:" % ".".join(full))
    lines.append("")
    for name, t in fields.items():
        lines.append("- `%s` (%s)" % (name, type_label(t)))
    sections = [lines]
    for name, t in fields.items():
        if object_type(t) is not None:
            sections += nested_object_section({"name": name, "type": t}, full)
    return sections


def block_sections(block, path):
    """The nested schema of a block: its arguments and nested blocks, then its computed attributes."""
    full = path + (block["name"],)
    lines = ['<a id="%s"></a>' % anchor(full), "### Nested Schema for `%s`" % ".".join(full), ""]
    args = [a for a in block.get("attributes", []) if a.get("required") or a.get("optional")]
    computed = [a for a in block.get("attributes", []) if not (a.get("required") or a.get("optional"))]
    more = []
    for a in args:
        lines.append(attribute_line(a, True, full))
        if object_type(a["type"]) is not None:
            more += nested_object_section(a, full)
    for b in block.get("blocks", []):
        lines.append(block_line(b, full))
        more += block_sections(b, full)
    if computed:
        if args:
            lines += ["", "Read-only:", ""]
        for a in computed:
            lines.append(attribute_line(a, False, full))
            if object_type(a["type"]) is not None:
                more += nested_object_section(a, full)
    return [lines] + more


def join_sections(sections):
    return "\n\n".join("\n".join(s).rstrip() for s in sections if s)


def render_arguments(schema):
    attrs = schema.get("attributes", [])
    required = [a for a in attrs if a.get("required")]
    optional = [a for a in attrs if a.get("optional") and not a.get("required")]
    blocks = schema.get("blocks", [])
    if not (required or optional or blocks):
        return "This %s takes no arguments." % ("provider" if schema.get("_kind") == "provider" else "configuration")
    lines = ["The following arguments are supported:", ""]
    nested = []
    for a in required + optional:
        lines.append(attribute_line(a, True))
        if object_type(a["type"]) is not None:
            nested += nested_object_section(a, ())
    for b in blocks:
        lines.append(block_line(b))
        nested += block_sections(b, ())
    return join_sections([lines] + nested)


def render_attributes(schema):
    attrs = [a for a in schema.get("attributes", []) if not (a.get("required") or a.get("optional"))]
    lines = ["In addition to all arguments above, the following attributes are exported:", ""]
    if not attrs:
        return lines[0].replace(", the following", ", no further").replace(" are exported:", " are exported.")
    nested = []
    for a in attrs:
        lines.append(attribute_line(a, False))
        if object_type(a["type"]) is not None:
            nested += nested_object_section(a, ())
    return join_sections([lines] + nested)


def fence(root, rel):
    body = read_text(root, rel).rstrip("\n")
    lang = "shell" if rel.endswith(".sh") else "terraform"
    return "```%s\n%s\n```" % (lang, body)


def render_import(root, schema, kind):
    parts = []
    if schema.get("import"):
        parts.append(schema["import"].strip())
    base = os.path.join("examples", kind, schema["type_name"])
    for name in ("import.sh", "import.tf"):
        rel = os.path.join(base, name)
        if os.path.exists(os.path.join(root, rel)):
            parts.append(fence(root, rel))
    if not parts:
        return "This resource cannot be imported."
    return "\n\n".join(parts)


# ---------------------------------------------------------------- pages

def front_matter(title, subcategory, description):
    desc = "\n".join("  " + line if line else "" for line in description.strip().splitlines())
    return ("---\n"
            'page_title: "%s"\n'
            'subcategory: "%s"\n'
            "description: |-\n%s\n"
            "---\n") % (title, subcategory, desc)


DEFAULT_TEMPLATE = {
    "resources": """## Example Usage

{{ example "examples/resources/%(type)s/resource.tf" }}

## Argument Reference

{{ arguments }}

## Attribute Reference

{{ attributes }}

## Import

{{ import }}
""",
    "data-sources": """## Example Usage

{{ example "examples/data-sources/%(type)s/data-source.tf" }}

## Argument Reference

{{ arguments }}

## Attribute Reference

{{ attributes }}
""",
    "ephemeral-resources": """## Example Usage

{{ example "examples/ephemeral-resources/%(type)s/ephemeral-resource.tf" }}

## Argument Reference

{{ arguments }}

## Attribute Reference

{{ attributes }}
""",
}

LABELS = {"resources": "Resource", "data-sources": "Data Source", "ephemeral-resources": "Ephemeral Resource"}


def render_template(root, text, schema, kind, version, template_name):
    def replace(m):
        name, raw_args = m.group(1), m.group(2)
        args = re.findall(r"\"([^\"]*)\"", raw_args)
        if name == "example":
            if len(args) != 1:
                raise DocsError("%s: {{ example \"path\" }} takes one path" % template_name)
            return fence(root, args[0])
        if args:
            raise DocsError("%s: {{ %s }} takes no arguments" % (template_name, name))
        if name == "arguments":
            return render_arguments(schema)
        if name == "attributes":
            return render_attributes(schema)
        if name == "import":
            return render_import(root, schema, kind)
        if name == "version":
            return version
        raise DocsError("%s: unknown placeholder {{ %s }}" % (template_name, name))
    return PLACEHOLDER.sub(replace, text)


def page(root, kind, schema, version):
    """(docs-relative path, content) for one schema file."""
    type_name = schema["type_name"]
    if kind == "provider":
        out = "index.md"
        title = "%s Provider" % type_name
        page_title = "Provider: %s" % type_name
        subcategory = ""
    else:
        short = type_name[len(PROVIDER_NAME) + 1:] if type_name.startswith(PROVIDER_NAME + "_") else type_name
        out = "%s/%s.md" % (kind, short)
        label = LABELS[kind]
        title = "%s (%s)" % (type_name, label)
        page_title = "%s %s - terraform-provider-%s" % (type_name, label, PROVIDER_NAME)
        subcategory = SUBCATEGORY
    template_rel = os.path.join("tools", "doc_templates", out + ".tmpl")
    template_path = os.path.join(root, template_rel)
    if os.path.exists(template_path):
        template = read_text(root, template_rel)
    elif kind in DEFAULT_TEMPLATE:
        template = DEFAULT_TEMPLATE[kind] % {"type": type_name}
        template_rel = "default %s template" % kind
    else:
        raise DocsError("missing template %s" % template_rel)
    schema = dict(schema, _kind=kind)
    body = render_template(root, template, schema, kind, version, template_rel)
    description = schema.get("description", "").strip()
    text = front_matter(page_title, subcategory, description) + "\n# %s\n\n%s\n\n%s" % (title, description, body.strip())
    text = re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"
    check_coverage(out, text, schema)
    return out, text


def names_of(schema):
    """Every attribute, nested object field and block name, with its nested names."""
    out = []
    for a in schema.get("attributes", []):
        out.append(a["name"])
        fields = object_type(a["type"])
        if fields:
            out += list(fields)
    for b in schema.get("blocks", []):
        out.append(b["name"])
        out += names_of(b)
    return out


def check_coverage(out, text, schema):
    missing = [n for n in names_of(schema) if "`%s`" % n not in text]
    if missing:
        raise DocsError("docs/%s would not mention %s" % (out, ", ".join(missing)))


def generate(root):
    """{docs-relative path: content} for every page."""
    version = project_version(root)
    pages = {}
    items = [("provider", read_json(root, os.path.join("schemas", "provider.json")))]
    for kind in MANAGED:
        for f in schema_files(root, kind):
            items.append((kind, read_json(root, os.path.join("schemas", kind, f))))
    for kind, schema in items:
        out, text = page(root, kind, schema, version)
        if out in pages:
            raise DocsError("two schemas write docs/%s" % out)
        pages[out] = text
    return pages


# ---------------------------------------------------------------- main

MANAGED = ("resources", "data-sources", "ephemeral-resources")  # plus index.md; other folders (guides/) are left alone


def existing_pages(docs_dir):
    """The generated kind of pages that docs/ holds now."""
    found = set()
    if os.path.exists(os.path.join(docs_dir, "index.md")):
        found.add("index.md")
    for kind in MANAGED:
        folder = os.path.join(docs_dir, kind)
        if os.path.isdir(folder):
            found.update("%s/%s" % (kind, f) for f in os.listdir(folder) if f.endswith(".md"))
    return found


def check(pages, docs_dir, shown_lines=40):
    problems = []
    diff_lines = []
    for rel in sorted(pages):
        path = os.path.join(docs_dir, rel)
        if not os.path.exists(path):
            problems.append("  missing:    docs/%s" % rel)
            continue
        with open(path, encoding="utf-8") as f:
            current = f.read()
        if current != pages[rel]:
            diff = list(difflib.unified_diff(current.splitlines(), pages[rel].splitlines(),
                                             "docs/%s (committed)" % rel, "docs/%s (generated)" % rel, lineterm=""))
            added = sum(1 for d in diff if d.startswith("+") and not d.startswith("+++"))
            removed = sum(1 for d in diff if d.startswith("-") and not d.startswith("---"))
            problems.append("  out of date: docs/%s (+%d -%d lines)" % (rel, added, removed))
            diff_lines += diff
    for rel in sorted(existing_pages(docs_dir) - set(pages)):
        problems.append("  unexpected: docs/%s (no schema generates it)" % rel)
    if not problems:
        return True
    print("docs/ is stale:", file=sys.stderr)
    print("\n".join(problems), file=sys.stderr)
    if diff_lines:
        print("", file=sys.stderr)
        print("\n".join(diff_lines[:shown_lines]), file=sys.stderr)
        if len(diff_lines) > shown_lines:
            print("... (%d more diff lines)" % (len(diff_lines) - shown_lines), file=sys.stderr)
    print("\nRegenerate with `cmake --build build --target docs` (or `python3 tools/gen_docs.py`) "
          "and commit docs/.", file=sys.stderr)
    return False


def write(pages, docs_dir):
    changed = 0
    for rel, text in sorted(pages.items()):
        path = os.path.join(docs_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        changed += 1
    removed = 0
    for rel in sorted(existing_pages(docs_dir) - set(pages)):
        os.remove(os.path.join(docs_dir, rel))
        removed += 1
    print("docs: %d page(s), %d written, %d removed" % (len(pages), changed, removed))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/ differs from what would be generated")
    parser.add_argument("--source-dir", default=ROOT, help="repository root (default: the one holding this script)")
    parser.add_argument("--docs-dir", help="output folder (default: <source-dir>/docs)")
    args = parser.parse_args(argv)
    root = os.path.abspath(args.source_dir)
    docs_dir = os.path.abspath(args.docs_dir or os.path.join(root, "docs"))
    try:
        pages = generate(root)
    except DocsError as e:
        print("gen_docs: error: %s" % e, file=sys.stderr)
        return 1
    if args.check:
        if not check(pages, docs_dir):
            return 1
        print("docs: up to date (%d pages)" % len(pages))
        return 0
    write(pages, docs_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
