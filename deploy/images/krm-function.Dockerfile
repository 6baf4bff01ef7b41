# The eventbus-gen KRM function for kpt and kustomize: reads a ResourceList on stdin, writes
# one to stdout. Nothing but the static binary and the user names container runtimes look up
# (kpt runs functions as `nobody`). Build from the repository root after the static build:
#
#   RUSTFLAGS='-C target-feature=+crt-static' \
#     cargo build --release --locked --target x86_64-unknown-linux-gnu
#   docker build -f deploy/images/krm-function.Dockerfile -t localhost/eventbus-gen-krm:0.1.0 .
#
# (kpt reads an image name without a "/" as gcr.io/kpt-fn/NAME, hence the localhost/ part.)
FROM scratch
COPY deploy/images/passwd deploy/images/group /etc/
COPY target/x86_64-unknown-linux-gnu/release/eventbus-gen /usr/local/bin/eventbus-gen
ENV PATH=/usr/local/bin
# Not root; kpt and kustomize pick their own user (nobody) anyway.
USER 65532:65532
# With no command and a ResourceList on stdin the binary runs as the function.
ENTRYPOINT ["/usr/local/bin/eventbus-gen"]
