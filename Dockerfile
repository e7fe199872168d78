# Blink broker image.
#   docker build -t blink .
#   docker run -p 9092:9092 -p 9094:9094 -p 30004:30004 -e MAX_MEMORY=1GB -e RETENTION=30s blink
# Settings: the image's config/settings.yaml (the repository's defaults), overridden by
# environment variables (MAX_MEMORY, RETENTION, LOG_LEVEL, ADVERTISED_HOSTNAME, ...) or by
# another file: docker run -v ./my.yaml:/etc/blink/settings.yaml:ro blink --settings /etc/blink/settings.yaml
# The WAL directory (record_storage_path ./records) is /app/records, a volume.

# Official Node.js 24 image, Debian slim variant (pin a digest for reproducible builds).
ARG NODE_IMAGE=node:24-slim

# ---- build: every dependency, TypeScript compiled to dist/, the CRC-32C addon compiled ----
FROM ${NODE_IMAGE} AS build
# A C compiler for Blink's CRC-32C addon (native/crc32c.c, tools/build-native.mjs): the image
# runs the same dist/ as npm start (without it the broker falls back to @node-rs/crc32, slower).
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY native ./native
COPY tools/bundle.mjs tools/bundle-names.mjs tools/reflect-metadata.cjs tools/build-native.mjs ./tools/
RUN npm run build

# ---- production dependencies only (none of them has an install script) ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# glibc's malloc arenas capped at 2 (the main one and one for the threads that decompress
# and compile), as package.json's start script sets it: the same broker everywhere
# (README: Storage; npm run check:deploy compares them). docker run -e overrides it.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY config/settings.yaml ./config/settings.yaml
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
# `docker exec <container> node bin/blink.mjs uplink cutover`: the uplink's cut-over (docs/UPLINK.md).
COPY bin/blink.mjs ./bin/blink.mjs
# uid/gid 1000 is the image's "node" user; numeric so that Kubernetes can verify runAsNonRoot.
RUN mkdir -p /app/records && chown 1000:1000 /app/records
USER 1000:1000
# Kafka listeners (broker_ports) and the REST port (health, /prometheus).
EXPOSE 9092 9094 30004
VOLUME ["/app/records"]
# Node runs as PID 1 and handles SIGTERM itself: it stops accepting, answers in-flight
# requests and exits 0 within 10 s (give `docker stop` a longer timeout than that).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 CMD ["node", "healthcheck.mjs"]
# Arguments go to the broker: docker run blink --settings /etc/blink/settings.yaml
# The same command as package.json's start script (npm run check:deploy compares them): the
# bundled broker (dist/start.js) with the young-generation size and the initial old-generation
# limit chosen by measurement (README: Performance). V8's compile cache goes to /tmp/blink-compile-cache.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--initial-old-space-size=32", "dist/start.js"]
