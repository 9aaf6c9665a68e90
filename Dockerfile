# One image for the gateway and the subgraphs; the command picks which (see docker-compose.yml).
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production APOLLO_TELEMETRY_DISABLED=true HOST=0.0.0.0
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources; it is a dependency, so --omit=dev keeps it.
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY subgraphs ./subgraphs
COPY schema ./schema
COPY portico.config.ts ./
USER node
# GraphQL and health on 4000. Metrics listen on 127.0.0.1:9090 unless PORTICO_METRICS_HOST says otherwise
# (0.0.0.0 for a scraper in another container, as docker-compose.yml sets).
EXPOSE 4000
CMD ["node", "--import", "tsx", "src/main.ts"]
