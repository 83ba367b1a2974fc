# The load agent image of `zerodrop run --agents N`: the published zerodrop package, running
# `zerodrop agent` (it reads its shard from the environment the Job gives it and writes NDJSON
# records to stdout, which the coordinator reads through the pod log API).
#
#   docker build --build-arg ZERODROP_VERSION=0.1.0 -t registry.example.com/zerodrop/agent:0.1.0 .
#   docker push registry.example.com/zerodrop/agent:0.1.0
#   zerodrop run scenario.yaml --agents 4 --agent-image registry.example.com/zerodrop/agent:0.1.0
#
# Use the same version as the zerodrop that coordinates the run (`zerodrop --version`).
ARG NODE_VERSION=20
FROM node:${NODE_VERSION}-alpine

ARG ZERODROP_VERSION
RUN test -n "${ZERODROP_VERSION}" || { echo 'pass --build-arg ZERODROP_VERSION=<the coordinator version>' >&2; exit 1; } \
 && npm install --global --omit=dev --no-audit --no-fund "zerodrop@${ZERODROP_VERSION}" \
 && npm cache clean --force

LABEL org.opencontainers.image.title="zerodrop agent" \
      org.opencontainers.image.description="Load-generating agent of zerodrop run --agents N" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV NODE_ENV=production
# Not root; no file is written (records go to stdout).
USER node
# Exec form: zerodrop is PID 1 and receives the SIGTERM the kubelet sends when the run ends, then
# stops, awaits its in-flight requests and writes its last records before exiting.
ENTRYPOINT ["zerodrop", "agent"]
