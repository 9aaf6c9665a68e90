# One image for the gateway and the demo subgraphs, compiled (`npm run build`): Node, the production
# dependencies and dist/, run as a non-root user. The command picks which process (docker-compose.yml);
# the default is the gateway.   docker build -t portico .
ARG NODE_IMAGE=node:24-slim

# 1. Compile: every dependency (tsc and the types are dev ones), the sources, npm run build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json portico.config.ts ./
COPY scripts ./scripts
COPY src ./src
COPY subgraphs ./subgraphs
COPY schema ./schema
RUN npm run build

# 2. The dependencies the processes import, without the dev ones.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. The image: no sources, no compiler, nothing run through tsx.
FROM ${NODE_IMAGE}
WORKDIR /app
# The demo config, compiled (dist/portico.config.js): a .js config is imported as it is, where a .ts one
# would start tsx's loader. Mount another and point PORTICO_CONFIG at it.
ENV NODE_ENV=production APOLLO_TELEMETRY_DISABLED=true HOST=0.0.0.0 PORTICO_CONFIG=/app/dist/portico.config.js
COPY package.json ./
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The gateway's default supergraph (schema/supergraph.graphql); the subgraphs read dist/schema.
COPY schema ./schema
# Everything belongs to root and is read-only for the process but data/ (embedded storage, the API key
# file), writable by the image's `node` user, given by number so that Kubernetes' runAsNonRoot can check it.
RUN mkdir data && chown 1000:1000 data
USER 1000:1000
# GraphQL and health on 4000. Metrics listen on 127.0.0.1:9090 unless PORTICO_METRICS_HOST says otherwise
# (0.0.0.0 for a scraper in another container, as docker-compose.yml sets).
EXPOSE 4000
# The gateway's liveness; docker-compose.yml gives the subgraphs (GET /health) and the gateway's
# readiness (GET /health/ready) checks of their own.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 4000}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
