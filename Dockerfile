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
EXPOSE 4000
CMD ["node", "--import", "tsx", "src/main.ts"]
