"""Writes the NATS configs held in rendered objects to plain files, for nats-server -t.

usage: nats-configs.py RENDERED_DIR OUT_DIR

For every bus directory of an `eventbus-gen render --output-dir` tree, writes
OUT_DIR/<namespace>-<bus>/ with the main config (stan.conf or nats-js.conf) and the files it
includes, as the pod would mount them. NATS Streaming's `streaming { }` block is dropped:
nats-server does not know it, and it is covered by the project's own tests.
"""
import base64
import pathlib
import re
import sys

import yaml

rendered, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def drop_block(text, name):
    lines, depth, skipping = [], 0, False
    for line in text.splitlines():
        if not skipping and depth == 0 and re.match(r"\s*" + name + r"\s*[:=]?\s*\{", line):
            skipping = True
        if skipping:
            depth += line.count("{") - line.count("}")
            if depth <= 0:
                skipping, depth = False, 0
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


count = 0
for bus in sorted(p for p in rendered.glob("*/*/*") if p.is_dir()):
    files = {}
    for f in sorted(bus.glob("*.yaml")):
        obj = yaml.safe_load(f.read_text())
        kind, data = obj.get("kind"), obj.get("data") or {}
        if kind == "ConfigMap":
            for key, value in data.items():
                files[{"stan-config": "stan.conf", "nats-js": "nats-js.conf"}.get(key, key)] = value
        if kind == "Secret" and obj["metadata"]["name"].endswith("-server"):
            if "auth" in data:
                files["auth.conf"] = base64.b64decode(data["auth"]).decode()
    if not files:
        continue
    target = out / f"{bus.parent.name}-{bus.name}"
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if name == "stan.conf":
            text = drop_block(text, "streaming")
        (target / name).write_text(text)
    count += 1
print(f"{count} bus config sets written", file=sys.stderr)
