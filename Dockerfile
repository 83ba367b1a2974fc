# The load agent image of `zerodrop run --agents N`, built from this checkout: `zerodrop agent`
# reads its shard from the environment the Job gives it and writes NDJSON records to stdout, which
# the coordinator reads through the pod log API.
#
#   docker build -t registry.example.com/zerodrop/agent:"$(node -p 'require("./package.json").version')" .
#   docker push registry.example.com/zerodrop/agent:<that version>
#   zerodrop run scenario.yaml --agents 4 --agent-image registry.example.com/zerodrop/agent:<that version>
#
# Build it from the same commit as the zerodrop that coordinates the run. test/e2e/package.test.ts
# runs this file's steps (npm ci, build, pack; install the tarball with production dependencies
# only into an empty folder; `zerodrop agent` as a non-root user) and maps the emulator's agent
# image to what they installed, so a distributed run is tested on what this image holds.
ARG NODE_VERSION=20

# Build stage: the package exactly as `npm pack` makes it (what a registry would serve).
FROM node:${NODE_VERSION}-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --ignore-scripts

# Runtime stage: a slim Node with the tarball installed, production dependencies only.
FROM node:${NODE_VERSION}-slim
WORKDIR /opt/zerodrop
COPY --from=build /src/zerodrop-*.tgz /tmp/
RUN npm install --omit=dev --no-audit --no-fund /tmp/zerodrop-*.tgz && rm -f /tmp/zerodrop-*.tgz && npm cache clean --force

LABEL org.opencontainers.image.title="zerodrop agent" \
      org.opencontainers.image.description="Load-generating agent of zerodrop run --agents N" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV NODE_ENV=production \
    PATH=/opt/zerodrop/node_modules/.bin:$PATH
# Not root (the node image's `node` user); no file is written (records go to stdout).
USER node
# Exec form: zerodrop is PID 1 and receives the SIGTERM the kubelet sends when the run ends, then
# stops, awaits its in-flight requests and writes its last records before exiting.
ENTRYPOINT ["zerodrop", "agent"]
