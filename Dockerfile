# Chadburn in a container (docs/deploy.md#docker). From the repository's root:
#   docker build -t chadburn .
#   docker run -d --name chadburn -p 1873:1873 -v chadburn-data:/data chadburn

# Build: the dependencies (better-sqlite3 and serialport are native modules) and the panel.
FROM node:20-bookworm AS build
# node-gyp's tools, for when better-sqlite3 has no prebuilt binary for this platform
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# The server runs TypeScript through tsx, a regular dependency; next, react and the rest are too,
# so the development dependencies (vitest, typescript, playwright, types) can go after the build.
RUN npm run build \
 && npm prune --omit=dev \
 && rm -rf .next/cache

# Run: the built app, its production dependencies and its TypeScript sources (the server and the
# `chadburn` command import across server/, lib/, components/, sim/), as a user without privileges.
FROM node:20-bookworm-slim
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
WORKDIR /app
COPY --from=build /app ./
# The data folder (store, status and accept files), the image's `node` user's alone (a new volume copies its mode).
RUN mkdir -m 700 /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 1873
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:1873/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# No --host: the server listens on every interface when none is given. Settings: CHADBURN_* (docs/configuration.md).
CMD ["node", "--import", "tsx", "server/main.ts", "--data-dir", "/data"]
