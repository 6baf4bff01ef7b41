"""Lays out the NATS config files of rendered buses as their pods would see them.

usage: nats-configs.py RENDERED_DIR OUT_DIR

For every bus directory of an `eventbus-gen render --output-dir` tree, reads the StatefulSet's
projected `config-volume` and writes each projected ConfigMap and Secret item to
OUT_DIR/<namespace>-<bus>/<path>, so a key missing from its ConfigMap or Secret fails here.
Absolute paths into the config mount (/etc/nats-config, /etc/stan-config) and the pid file and
store directories are pointed into that folder. NATS Streaming's `streaming { }` block is
dropped: nats-server does not know it, and the project's own tests cover it.
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
    objects = [yaml.safe_load(f.read_text()) for f in sorted(bus.glob("*.yaml"))]
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    sts = next((o for o in objects if o["kind"] == "StatefulSet"), None)
    if sts is None:
        continue
    pod = sts["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "config-volume")
    mount = next(
        m["mountPath"] for c in pod["containers"] for m in c.get("volumeMounts", [])
        if m["name"] == "config-volume"
    )
    target = (out / f"{bus.parent.name}-{bus.name}").resolve()
    target.mkdir(parents=True, exist_ok=True)
    for source in volume["projected"]["sources"]:
        for kind, field in (("ConfigMap", "configMap"), ("Secret", "secret")):
            if field not in source:
                continue
            obj = by_name[(kind, source[field]["name"])]
            for item in source[field]["items"]:
                value = obj["data"][item["key"]]
                if kind == "Secret":
                    value = base64.b64decode(value).decode()
                (target / item["path"]).write_text(value)
    for conf in target.glob("*.conf"):
        text = conf.read_text().replace(mount + "/", f"{target}/")
        text = re.sub(r'pid_file: "[^"]*"', f'pid_file: "{target}/nats.pid"', text)
        text = re.sub(r'store_dir: "[^"]*"', f'store_dir: "{target}/store"', text)
        if conf.name == "stan.conf":
            text = drop_block(text, "streaming")
        conf.write_text(text)
    count += 1
print(f"{count} bus config sets laid out", file=sys.stderr)
