# syntax=docker/dockerfile:1
# One image for every Kastra service; SERVICE (or the first argument) picks which one runs:
#   docker build -t kastra:dev .
#   docker run -e SERVICE=api-gateway -e DATABASE_URL=… -e NATS_URL=… kastra:dev
# compose.yaml runs the whole stack; infra/k8s deploys it to Kubernetes (docs/operations.md).

# Node 20 LTS, at least the 20.19 that package.json's engines asks for.
ARG NODE_IMAGE=node:20.19-bookworm-slim

# --- build: every dependency (swc, TypeScript) and the compiled dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- runtime: production dependencies, dist/ and the two container scripts; runs as "node" ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    KASTRA_HOME=/var/lib/kastra \
    KASTRA_BIND=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY infra/docker/healthcheck.js infra/docker/start-service.sh ./infra/docker/
# KASTRA_HOME holds development secrets when none are given; the only directory the services write.
RUN mkdir -p /var/lib/kastra && chown node:node /var/lib/kastra && chmod 0700 /var/lib/kastra
VOLUME ["/var/lib/kastra"]
# The image's own "node" user (uid 1000), never root.
USER node
# api-gateway HTTP, HTTPS, gRPC; llm-proxy; controller-manager; workflow-executor; network-router.
EXPOSE 8080 8443 50051 8081 8082 8083 8084
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "infra/docker/healthcheck.js"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["infra/docker/start-service.sh"]
