#!/usr/bin/env python3
"""Live test: start rendered JetStream buses on real NATS servers, one network namespace per pod.

Run as root (network and mount namespaces). Usage:

    cluster.py run --bin BIN --server LABEL=PATH... --case NAME=FIXTURE... [--render-arg ARG...]

For each server binary and each case, the harness renders the fixture, lays out every pod of
the StatefulSet as Kubernetes would (projected volumes from the rendered ConfigMap and Secret,
emptyDirs, the environment with its downward-API fields and `$(VAR)` references, the pod's
security context), starts the `main` container's command in a chroot of its own inside the
pod's network namespace, and then runs the client half of this file in a client namespace.
Anything in the StatefulSet the harness does not reproduce fails the case.
"""

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

SUBNET = "10.213.0"
CLIENT_IP = f"{SUBNET}.2"

# Container fields the harness reproduces (or checks) for `main`; any other field fails.
MAIN_FIELDS = {
    "name", "image", "command", "args", "env", "volumeMounts", "ports",
    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "securityContext",
    "resources", "imagePullPolicy",
}
# Sidecars that do not take part in serving clients: named, not started.
SIDECARS = {
    "reloader": "reloads the config on change; the config never changes here",
    "metrics": "Prometheus exporter; serves no client",
}
POD_FIELDS = {
    "containers", "volumes", "shareProcessNamespace", "terminationGracePeriodSeconds",
    "securityContext",
}
POD_SECURITY = {"runAsUser", "runAsGroup", "fsGroup", "runAsNonRoot", "seccompProfile"}
CONTAINER_SECURITY = {"allowPrivilegeEscalation", "capabilities", "runAsNonRoot",
                      "runAsUser", "runAsGroup", "seccompProfile"}


class Unsupported(Exception):
    """The StatefulSet asks for something the harness does not reproduce."""


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, **kw)


def load_objects(text):
    import yaml
    return [d for d in yaml.safe_load_all(text) if d]


def find(objs, kind, name=None):
    hits = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    if len(hits) != 1:
        raise SystemExit(f"expected one {kind} {name or ''}, found {len(hits)}")
    return hits[0]


def expand(value, env):
    """Kubernetes `$(VAR)` expansion: defined variables expand, `$$` escapes, others stay."""
    def repl(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", repl, value)


def pod_env(container, pod, namespace, objs):
    env = {}
    for e in container.get("env", []):
        if "value" in e:
            env[e["name"]] = expand(e["value"], env)
            continue
        src = e.get("valueFrom", {})
        if "fieldRef" in src:
            path = src["fieldRef"]["fieldPath"]
            fields = {"metadata.name": pod, "metadata.namespace": namespace}
            if path not in fields:
                raise Unsupported(f"env {e['name']}: fieldRef {path}")
            env[e["name"]] = fields[path]
        elif "secretKeyRef" in src:
            ref = src["secretKeyRef"]
            secret = find(objs, "Secret", ref["name"])
            env[e["name"]] = base64.b64decode(secret["data"][ref["key"]]).decode()
        else:
            raise Unsupported(f"env {e['name']}: {sorted(src)}")
    return env


def lay_out_volume(volume, target, objs, fs_group):
    """Writes a volume's files as the kubelet would; returns the host directory."""
    os.makedirs(target, exist_ok=True)
    if "emptyDir" in volume:
        pass
    elif "projected" in volume:
        for source in volume["projected"]["sources"]:
            (kind, key), = [(k, v) for k, v in source.items()]
            obj = find(objs, {"configMap": "ConfigMap", "secret": "Secret"}[kind], key["name"])
            for item in key["items"]:
                if kind == "configMap":
                    data = obj["data"][item["key"]].encode()
                else:
                    data = base64.b64decode(obj["data"][item["key"]])
                path = os.path.join(target, item["path"])
                with open(path, "wb") as f:
                    f.write(data)
                # Projected files: 0644, owned by root, group fsGroup when one is set.
                os.chmod(path, 0o644)
                if fs_group is not None:
                    os.chown(path, 0, fs_group)
    elif volume.get("claim"):
        pass
    else:
        raise Unsupported(f"volume {volume['name']}: {sorted(volume)}")
    if fs_group is not None and ("emptyDir" in volume or volume.get("claim")):
        # fsGroup: the volume belongs to the group and is group-writable (setgid directory).
        os.chown(target, 0, fs_group)
        os.chmod(target, 0o2775)
    elif "emptyDir" in volume or volume.get("claim"):
        os.chmod(target, 0o777)
    return target


class Cluster:
    def __init__(self, prefix, workdir):
        self.prefix = prefix
        self.workdir = workdir
        self.namespaces = []
        self.procs = {}

    def netns(self, name):
        ns = f"{self.prefix}{name}"
        sh("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        return ns

    def network(self, count):
        br = self.netns("br")
        sh("ip", "-n", br, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", br, "link", "set", "br0", "up")
        sh("ip", "-n", br, "link", "set", "lo", "up")
        nets = {}
        for i, name in enumerate(["client"] + [f"pod{i}" for i in range(count)]):
            ns = self.netns(name)
            ip = f"{SUBNET}.{2 + i if i == 0 else 9 + i}"
            sh("ip", "link", "add", f"{self.prefix}{i}a", "netns", ns, "type", "veth",
               "peer", "name", f"{self.prefix}{i}b", "netns", br)
            sh("ip", "-n", ns, "link", "set", f"{self.prefix}{i}a", "name", "eth0")
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", br, "link", "set", f"{self.prefix}{i}b", "master", "br0", "up")
            nets[name] = (ns, ip)
        return nets

    def start(self, pod, ns, root, mounts, argv, env, uid, gid, no_new_privs, drop_caps, log):
        """Starts argv in the pod's netns, a private mount ns and a chroot at root."""
        script = ["set -e"]
        for host, inside in mounts:
            point = root + inside
            if os.path.isdir(host):
                os.makedirs(point, exist_ok=True)
            elif not os.path.exists(point):
                os.makedirs(os.path.dirname(point), exist_ok=True)
                open(point, "w").close()
            script.append(f"mount --bind '{host}' '{point}'")
        script.append(f"mount -o remount,bind,ro '{root}/usr'")
        priv = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
        if no_new_privs:
            priv.append("--no-new-privs")
        if drop_caps:
            priv += ["--inh-caps=-all", "--bounding-set=-all"]
        # chroot needs CAP_SYS_CHROOT, which the pod user has not: chroot first, then drop.
        inner = " ".join(f"'{a}'" for a in ["chroot", root, "/usr/bin/setpriv"] + priv[1:] + argv)
        script.append(f"exec {inner}")
        full_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **env}
        p = subprocess.Popen(
            ["ip", "netns", "exec", ns, "unshare", "-m", "--propagation", "private",
             "sh", "-c", "\n".join(script)],
            env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[pod] = p
        return p

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "pids", ns], capture_output=True)
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                                  text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["ip", "netns", "del", ns], check=False)
        self.namespaces = []


def check_pod_spec(sts):
    spec = sts["spec"]["template"]["spec"]
    extra = set(spec) - POD_FIELDS
    if extra:
        raise Unsupported(f"pod spec fields {sorted(extra)}")
    sc = spec.get("securityContext") or {}
    if set(sc) - POD_SECURITY:
        raise Unsupported(f"pod securityContext {sorted(set(sc) - POD_SECURITY)}")
    if sc.get("seccompProfile", {"type": "RuntimeDefault"}).get("type") != "RuntimeDefault":
        raise Unsupported(f"seccompProfile {sc['seccompProfile']}")
    names = [c["name"] for c in spec["containers"]]
    if "main" not in names or set(names) - {"main"} - set(SIDECARS):
        raise Unsupported(f"containers {names}")
    main = next(c for c in spec["containers"] if c["name"] == "main")
    if set(main) - MAIN_FIELDS:
        raise Unsupported(f"main fields {sorted(set(main) - MAIN_FIELDS)}")
    csc = main.get("securityContext") or {}
    if set(csc) - CONTAINER_SECURITY:
        raise Unsupported(f"main securityContext {sorted(set(csc) - CONTAINER_SECURITY)}")
    caps = csc.get("capabilities") or {}
    if caps.get("add") or (caps and caps.get("drop") != ["ALL"]):
        raise Unsupported(f"capabilities {caps}")
    return spec, main, sc, csc


def run_case(args, label, server, case, fixture):
    out = subprocess.run([args.bin, "render", "-n", "argo-events", "--quiet", *args.render_arg,
                          fixture], check=True, capture_output=True, text=True).stdout
    objs = load_objects(out)
    sts = find(objs, "StatefulSet")
    companion = find(objs, "EventBus")["spec"]["jetstreamExotic"]
    client_secret = find(objs, "Secret", companion["accessSecret"]["name"])
    server_secret = next(o for o in objs if o["kind"] == "Secret"
                         and o["metadata"]["name"].endswith("-js-server"))
    spec, main, psc, csc = check_pod_spec(sts)
    namespace = sts["metadata"]["namespace"]
    service = sts["spec"]["serviceName"]
    replicas = sts["spec"]["replicas"]
    uid = csc.get("runAsUser", psc.get("runAsUser", 0))
    gid = csc.get("runAsGroup", psc.get("runAsGroup", 0))
    if (csc.get("runAsNonRoot") or psc.get("runAsNonRoot")) and uid == 0:
        raise Unsupported("runAsNonRoot without a non-root runAsUser")
    fs_group = psc.get("fsGroup")
    volumes = {v["name"]: v for v in spec["volumes"]}
    for claim in sts["spec"].get("volumeClaimTemplates", []):
        volumes[claim["metadata"]["name"]] = {"name": claim["metadata"]["name"], "claim": True}

    work = tempfile.mkdtemp(prefix=f"{label}-{case}-", dir=args.workdir)
    cluster = Cluster(args.prefix, work)
    try:
        nets = cluster.network(replicas)
        pods = [f"{sts['metadata']['name']}-{i}" for i in range(replicas)]
        hosts = os.path.join(work, "hosts")
        with open(hosts, "w") as f:
            f.write("127.0.0.1 localhost\n")
            for i, pod in enumerate(pods):
                ip = nets[f"pod{i}"][1]
                base = f"{pod}.{service}.{namespace}.svc"
                f.write(f"{ip} {base} {base}.cluster.local {pod}\n")
            # The client Service name: the first pod; the client learns the others from it.
            f.write(f"{nets['pod0'][1]} {service}.{namespace}.svc "
                    f"{service}.{namespace}.svc.cluster.local\n")
        os.chmod(hosts, 0o644)
        pids = {}
        for i, pod in enumerate(pods):
            root = os.path.join(work, pod, "root")
            os.makedirs(os.path.join(root, "etc"))
            for link, to in [("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")]:
                os.symlink(to, os.path.join(root, link))
            # The image's entry point: the server binary at the path the command names.
            command = main["command"][0]
            shutil.copy(server, root + command)
            os.chmod(root + command, 0o755)
            mounts = [("/usr", "/usr"), (hosts, "/etc/hosts")]
            for m in main.get("volumeMounts", []):
                if set(m) - {"name", "mountPath"}:
                    raise Unsupported(f"volumeMount {m}")
                host = lay_out_volume(volumes[m["name"]], os.path.join(work, pod, "vol", m["name"]),
                                      objs, fs_group)
                mounts.append((host, m["mountPath"]))
            env = pod_env(main, pod, namespace, objs)
            argv = [expand(a, env) for a in main["command"] + main.get("args", [])]
            log = open(os.path.join(work, f"{pod}.log"), "w")
            p = cluster.start(pod, nets[f"pod{i}"][0], root, mounts, argv, env, uid, gid,
                              csc.get("allowPrivilegeEscalation") is False,
                              (csc.get("capabilities") or {}).get("drop") == ["ALL"], log)
            pids[pod] = p.pid
        probe = main["readinessProbe"]["httpGet"]
        info = {
            "label": label, "case": case, "replicas": replicas, "pods": pods, "pids": pids,
            "ips": {pod: nets[f"pod{i}"][1] for i, pod in enumerate(pods)},
            "probe": f":{probe['port']}{probe['path']}",
            "url": companion["url"],
            "stream_config": companion.get("streamConfig", ""),
            "client_auth": base64.b64decode(
                client_secret["data"][companion["accessSecret"]["key"]]).decode(),
            "ca": base64.b64decode(server_secret["data"]["ca-cert"]).decode(),
            "tls_name": f"{service}.{namespace}.svc",
            "uid": uid, "gid": gid,
            "config": next(o for o in objs if o["kind"] == "ConfigMap")["data"]["nats-js"],
        }
        info_path = os.path.join(work, "case.json")
        with open(info_path, "w") as f:
            json.dump(info, f)
        client = subprocess.run(
            ["ip", "netns", "exec", nets["client"][0], "unshare", "-m", "--propagation", "private",
             "sh", "-c", f"mount --bind '{hosts}' /etc/hosts && exec '{sys.executable}' "
             f"'{os.path.abspath(__file__)}' client '{info_path}'"],
            timeout=150)
        if client.returncode != 0:
            with open(os.path.join(work, "client.log")) as f:
                sys.stderr.write("--- client steps\n" + f.read())
            for pod in pods:
                print(f"--- {pod} log (tail)", file=sys.stderr)
                with open(os.path.join(work, f"{pod}.log")) as f:
                    sys.stderr.write("".join(f.readlines()[-15:]))
            raise SystemExit(f"{label} {case}: client checks failed")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Client half: runs inside the client network namespace with the pods' hosts file.

def duration(text):
    total = 0.0
    for num, unit in re.findall(r"([0-9.]+)(h|ms|m|s)", str(text)):
        total += float(num) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[unit]
    return total


def stream_config(text):
    import yaml
    from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
    raw = {k.lower(): v for k, v in (yaml.safe_load(text) or {}).items()}
    return StreamConfig(
        name="default", subjects=["default.*.*"], storage=StorageType.FILE,
        max_msgs=int(raw.get("maxmsgs", -1)), max_bytes=int(raw.get("maxbytes", -1)),
        max_age=duration(raw.get("maxage", 0)), num_replicas=int(raw.get("replicas", 1)),
        duplicate_window=duration(raw.get("duplicates", "120s")),
        retention=[RetentionPolicy.LIMITS, RetentionPolicy.INTEREST,
                   RetentionPolicy.WORK_QUEUE][int(raw.get("retention", 0))],
        discard=[DiscardPolicy.OLD, DiscardPolicy.NEW][int(raw.get("discard", 0))])


def http_json(ip, path):
    with urllib.request.urlopen(f"http://{ip}:8222{path}", timeout=2) as r:
        return json.loads(r.read() or b"{}") if r.status == 200 else None


async def client_main(info_path):
    import nats
    import nats.errors
    import nats.js.errors
    import yaml
    with open(info_path) as f:
        info = json.load(f)
    replicas, pods = info["replicas"], info["pods"]
    progress = open(os.path.join(os.path.dirname(info_path), "client.log"), "w", buffering=1)
    t0 = time.monotonic()

    def step(msg):
        progress.write(f"{time.monotonic() - t0:6.1f}s {msg}\n")
    alive = dict(info["ips"])

    # Ready: every pod's readinessProbe answers, routes to every other pod carry TLS.
    deadline = time.monotonic() + 60
    while True:
        for pod, pid in info["pids"].items():
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ", 1)[1].startswith("Z"):
                    raise SystemExit(f"{pod} exited")
        try:
            ready = all(urllib.request.urlopen(f"http://{ip}{info['probe']}", timeout=2).status
                        == 200 for ip in alive.values())
            routes = [http_json(ip, "/routez") for ip in alive.values()]
            formed = ready and all(
                len({r.get("remote_id") for r in z.get("routes") or []}) >= replicas - 1
                for z in routes)
            jsz = http_json(info["ips"][pods[0]], "/jsz")
            meta = (jsz.get("meta_cluster") or {}) if replicas > 1 else {"leader": pods[0]}
            if formed and meta.get("leader"):
                break
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the cluster did not form within 60s")
        await asyncio.sleep(0.5)
    varz = http_json(info["ips"][pods[0]], "/varz")
    cluster_tls = replicas == 1 or bool(varz.get("cluster", {}).get("tls_required"))
    if not cluster_tls:
        raise SystemExit("routes are not TLS")
    if replicas > 1:
        # Route TLS is proven by the handshake: an untrusted plain route would not connect.
        log_tls = varz["cluster"].get("tls_verify")
    else:
        log_tls = None

    creds = yaml.safe_load(info["client_auth"])
    ctx = ssl.create_default_context(cadata=info["ca"])

    async def quiet(_e):
        pass

    async def connect(**kw):
        opts = dict(error_cb=quiet, servers=[info["url"]], user=creds["username"], password=creds["password"],
                    tls=ctx, tls_hostname=info["tls_name"], connect_timeout=3,
                    allow_reconnect=True, max_reconnect_attempts=60, reconnect_time_wait=0.5)
        opts.update(kw)
        return await nats.connect(**opts)

    step("formed; connecting")
    nc = await connect()
    js = nc.jetstream(timeout=10)
    cfg = stream_config(info["stream_config"])
    # Right after the routes are up, the meta group may not yet count every server as a peer
    # ("no suitable peers for placement"); retry within a bounded time, as clients do.
    deadline = time.monotonic() + 60
    while True:
        try:
            await js.add_stream(cfg)
            break
        except (nats.js.errors.BadRequestError, nats.js.errors.ServiceUnavailableError,
                nats.errors.TimeoutError) as e:
            if time.monotonic() > deadline:
                raise SystemExit(f"the stream could not be created within 60 s: {e!r}")
            await asyncio.sleep(1)
    step("stream created")
    si = await js.stream_info("default")
    if si.config.num_replicas != cfg.num_replicas:
        raise SystemExit(f"stream replicas {si.config.num_replicas} != {cfg.num_replicas}")
    peers = 1 + len(si.cluster.replicas or []) if si.cluster else 1
    n = 25
    for i in range(n):
        await js.publish("default.es.before", f"m{i}".encode(), headers={"Nats-Msg-Id": f"b{i}"})
    step("published before")
    sub = await js.pull_subscribe("default.*.*", durable="live")

    async def fetch_all(what):
        # A consumer answers "service unavailable" or times out until it has a leader (right
        # after it is made, and after a leader is killed). Retry within a bounded time, as
        # clients do.
        got = []
        deadline = time.monotonic() + 60
        while len(got) < n:
            try:
                for m in await sub.fetch(n - len(got), timeout=10):
                    await m.ack()
                    got.append(m)
            except (nats.js.errors.ServiceUnavailableError, nats.errors.TimeoutError) as e:
                if time.monotonic() > deadline:
                    raise SystemExit(f"no messages {what}: {e!r}")
                await asyncio.sleep(1)
        return got

    got = await fetch_all("before the leader was killed")
    before = len(got)

    step("refusals")
    refusals = []
    try:
        bad = await connect(password="wrong-" + creds["password"], allow_reconnect=False,
                            max_reconnect_attempts=0)
        await bad.close()
        raise SystemExit("a wrong password was accepted")
    except SystemExit:
        raise
    except Exception as e:
        refusals.append(f"wrong password: {str(e).removeprefix('nats: ')}")
    # A client without TLS: plain CONNECT with the right credentials must be refused.
    host = info["url"].split("//", 1)[1].rsplit(":", 1)
    step("plain client")
    reader, writer = await asyncio.open_connection(host[0], int(host[1]))
    banner = json.loads((await reader.readline()).decode().split(" ", 1)[1])
    connect_msg = {"user": creds["username"], "pass": creds["password"], "verbose": False,
                   "tls_required": False}
    writer.write(f"CONNECT {json.dumps(connect_msg)}\r\nPING\r\n".encode())
    await writer.drain()
    reply = (await asyncio.wait_for(reader.readline(), 5)).decode().strip()
    writer.close()
    if reply.startswith("PONG") or not banner.get("tls_required"):
        raise SystemExit(f"a client without TLS was accepted: {reply!r}")
    refusals.append(f"no TLS: {reply or 'connection closed'}")

    after = "n/a (one replica)"
    killed = "-"
    if replicas > 1:
        leader = si.cluster.leader
        step("killing leader")
        os.kill(info["pids"][leader], signal.SIGKILL)
        killed = leader
        deadline = time.monotonic() + 30
        while True:
            try:
                si2 = await js.stream_info("default")
                if si2.cluster and si2.cluster.leader and si2.cluster.leader != leader:
                    break
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("no new stream leader within 30s")
            await asyncio.sleep(0.5)
        step("new leader")
        for i in range(n):
            await js.publish("default.es.after", f"a{i}".encode(),
                             headers={"Nats-Msg-Id": f"a{i}"}, timeout=10)
        more = await fetch_all("after the leader was killed")
        si3 = await js.stream_info("default")
        if si3.state.messages != 2 * n and cfg.max_msgs >= 2 * n:
            raise SystemExit(f"stream holds {si3.state.messages}, want {2 * n}")
        after = f"{len(more)} (stream holds {si3.state.messages}; new leader {si2.cluster.leader})"
    max_payload = nc.max_payload
    want = re.search(r"^max_payload: (\d+)MB$", info["config"], re.M)
    if want and max_payload != int(want.group(1)) << 20:
        raise SystemExit(f"max_payload {max_payload}, the config says {want.group(0)}")
    await nc.close()

    print(f"  {info['label']:<14} {info['case']:<16} server {varz['version']:<8} "
          f"uid:gid {info['uid']}:{info['gid']}  cluster size {len(pods)} ({peers} stream peers), "
          f"stream replicas {si.config.num_replicas}, max_payload {max_payload}, "
          f"cluster TLS {'verified' if log_tls else 'n/a' if replicas == 1 else 'on'}")
    print(f"  {'':<31} messages before kill {before}/{n}; killed leader {killed}; "
          f"after {after}")
    print(f"  {'':<31} refused: {'; '.join(refusals)}")


def main():
    import logging
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if len(sys.argv) == 3 and sys.argv[1] == "client":
        asyncio.run(asyncio.wait_for(client_main(sys.argv[2]), 120))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["run"])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--server", action="append", required=True, help="LABEL=PATH")
    ap.add_argument("--case", action="append", required=True, help="NAME=FIXTURE")
    ap.add_argument("--render-arg", action="append", default=[])
    ap.add_argument("--prefix", default=f"ebg{os.getpid() % 10000}")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("the live test needs root (network and mount namespaces)")
    args.workdir = args.workdir or tempfile.mkdtemp(prefix="eventbus-live-")
    os.chmod(args.workdir, 0o755)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for spec in args.server:
        label, path = spec.split("=", 1)
        for case_spec in args.case:
            case, fixture = case_spec.split("=", 1)
            run_case(args, label, path, case, fixture)


if __name__ == "__main__":
    main()
