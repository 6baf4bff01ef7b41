# The eventbus-gen plugin sidecar for Argo CD's repo server: the static binary on PATH, the
# plugin configuration where the plugin server reads it, user 999. The sidecar's command is
# the plugin server that Argo CD shares with it (see deploy/argocd/repo-server-patch.yaml),
# which is static too, so the image needs no shell nor libraries, and its root file system
# can be read-only. Build from the repository root after the static build:
#
#   RUSTFLAGS='-C target-feature=+crt-static' \
#     cargo build --release --locked --target x86_64-unknown-linux-gnu
#   docker build -f deploy/images/argocd-cmp.Dockerfile -t eventbus-gen-cmp:0.1.0 .
FROM scratch
COPY deploy/images/passwd deploy/images/group /etc/
COPY target/x86_64-unknown-linux-gnu/release/eventbus-gen /usr/local/bin/eventbus-gen
# The patch mounts the same file from a ConfigMap over this one, so a changed plugin.yaml
# needs no new image.
COPY deploy/argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
ENV PATH=/usr/local/bin HOME=/home/argocd
USER 999:999
CMD ["eventbus-gen", "--version"]
