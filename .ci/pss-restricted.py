"""Checks every pod template in the given files against the Pod Security Standard "restricted"."""
import sys

import yaml

CAPS_ALLOWED = {"NET_BIND_SERVICE"}
pods = 0
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if not doc or doc.get("kind") != "StatefulSet":
            continue
        spec = doc["spec"]["template"]["spec"]
        name = f"{path}: {doc['metadata']['name']}"
        psc = spec.get("securityContext") or {}
        fail = []
        for host in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(host):
                fail.append(host)
        if any("hostPath" in v for v in spec.get("volumes", [])):
            fail.append("hostPath volume")
        if psc.get("runAsUser") == 0:
            fail.append("pod runAsUser 0")
        for c in spec.get("initContainers", []) + spec["containers"]:
            sc = c.get("securityContext") or {}
            where = f"container {c['name']}"
            if sc.get("privileged"):
                fail.append(f"{where}: privileged")
            if sc.get("allowPrivilegeEscalation") is not False:
                fail.append(f"{where}: allowPrivilegeEscalation not false")
            caps = sc.get("capabilities") or {}
            if "ALL" not in (caps.get("drop") or []):
                fail.append(f"{where}: capabilities not dropping ALL")
            if set(caps.get("add") or []) - CAPS_ALLOWED:
                fail.append(f"{where}: capabilities added")
            if not sc.get("runAsNonRoot", psc.get("runAsNonRoot")):
                fail.append(f"{where}: runAsNonRoot not true")
            if sc.get("runAsUser", psc.get("runAsUser")) in (0, None):
                fail.append(f"{where}: no non-root runAsUser")
            seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                fail.append(f"{where}: seccomp {seccomp}")
            for p in c.get("ports", []):
                if p.get("hostPort"):
                    fail.append(f"{where}: hostPort")
        if not psc.get("fsGroup"):
            fail.append("no fsGroup: the data volume would not be writable")
        if fail:
            sys.exit(f"{name}: not restricted: {'; '.join(fail)}")
        pods += 1
if pods < 2:
    sys.exit(f"only {pods} pod templates checked")
print(f"Pod Security Standard restricted (own check): ok on {pods} pod templates")
