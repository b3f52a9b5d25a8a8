#!/usr/bin/env python3
"""Checks the layering of core/: every folder's README.md names, on its "May include:" line, the
other core folders its files may include. A file that includes anything else, or a core file that
includes plugin/ or Terraform/gRPC code, fails the check. The allowed edges must form no cycle.
plugin/ is a thin view on the lifecycle: it may include core/base, core/lifecycle and core/store
(ids, URLs), and go_plugin.* also core/crypto for the plugin's own TLS certificate.

Usage: python3 tools/check_layers.py [--source-dir DIR]
"""

import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
FORBIDDEN_PREFIXES = ("plugin/", "grpc", "google/protobuf", "tfplugin")
PLUGIN_MAY_INCLUDE = {"base", "lifecycle", "store"}
PLUGIN_FILE_MAY_INCLUDE = {"go_plugin.cc": {"crypto"}, "go_plugin.h": {"crypto"}}


def allowed_layers(core_dir):
    layers = {}
    for name in sorted(os.listdir(core_dir)):
        path = os.path.join(core_dir, name)
        if not os.path.isdir(path):
            continue
        readme = os.path.join(path, "README.md")
        if not os.path.exists(readme):
            raise SystemExit("core/%s has no README.md saying what it holds and what it may include" % name)
        allowed = None
        with open(readme) as f:
            for line in f:
                if line.startswith("May include:"):
                    allowed = set(re.findall(r"core/([a-z_]+)", line))
        if allowed is None:
            raise SystemExit("core/%s/README.md has no 'May include:' line" % name)
        layers[name] = allowed
    return layers


def find_cycle(layers):
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(layers.get(node, ())):
            if state.get(nxt) == "open":
                return stack + [node, nxt]
            if nxt not in state:
                found = visit(nxt, stack + [node])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(layers):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", default=os.path.join(os.path.dirname(__file__), ".."))
    args = parser.parse_args()
    core_dir = os.path.join(os.path.abspath(args.source_dir), "core")
    layers = allowed_layers(core_dir)
    problems = []
    for layer, allowed in layers.items():
        for other in allowed:
            if other not in layers:
                problems.append("core/%s/README.md allows core/%s, which does not exist" % (layer, other))
    cycle = find_cycle(layers)
    if cycle:
        problems.append("the layers include one another in a cycle: " + " -> ".join(cycle))
    stray = [f for f in os.listdir(core_dir) if os.path.isfile(os.path.join(core_dir, f)) and f.endswith((".h", ".cc"))]
    for f in stray:
        problems.append("core/%s lies outside every layer folder" % f)
    files = 0
    for layer in sorted(layers):
        for root, _, names in os.walk(os.path.join(core_dir, layer)):
            for name in sorted(names):
                if not name.endswith((".h", ".cc")):
                    continue
                files += 1
                rel = os.path.relpath(os.path.join(root, name), os.path.dirname(core_dir))
                with open(os.path.join(root, name)) as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target.startswith(FORBIDDEN_PREFIXES):
                            problems.append("%s:%d includes %s: core knows nothing of Terraform or gRPC" % (rel, lineno, target))
                            continue
                        parts = target.split("/")
                        if parts[0] != "core":
                            continue
                        if len(parts) < 3:
                            problems.append("%s:%d includes %s: includes name the layer (core/<layer>/...)" % (rel, lineno, target))
                            continue
                        if parts[1] != layer and parts[1] not in layers[layer]:
                            problems.append("%s:%d includes %s: core/%s may include only %s" % (
                                rel, lineno, target, layer, ", ".join("core/" + a for a in sorted(layers[layer])) or "itself"))
    plugin_dir = os.path.join(os.path.dirname(core_dir), "plugin")
    for root, _, names in os.walk(plugin_dir):
        for name in sorted(names):
            if not name.endswith((".h", ".cc")):
                continue
            rel = os.path.relpath(os.path.join(root, name), os.path.dirname(core_dir))
            allowed = PLUGIN_MAY_INCLUDE | PLUGIN_FILE_MAY_INCLUDE.get(name, set())
            with open(os.path.join(root, name)) as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1).startswith("core/") and m.group(1).split("/")[1] not in allowed:
                        problems.append("%s:%d includes %s: plugin/ may include only %s" % (
                            rel, lineno, m.group(1), ", ".join("core/" + a for a in sorted(allowed))))
    if problems:
        print("\n".join(problems))
        return 1
    print("core layering ok: %d files in %d layers (%s); plugin/ includes only %s" % (
        files, len(layers), ", ".join(sorted(layers)), ", ".join("core/" + a for a in sorted(PLUGIN_MAY_INCLUDE))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
