# One image for every Kastra service; docker-compose.yml picks the service with SERVICE.
# Build context: the repository root (infra/Dockerfile.dockerignore keeps node_modules out).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node tools/scripts/build.js
ENV NODE_ENV=production \
    KASTRA_HOME=/var/lib/kastra
RUN mkdir -p /var/lib/kastra
# SERVICE: api-gateway | controller-manager | workflow-executor | network-router | llm-proxy
CMD ["sh", "-c", "exec node dist/apps/$SERVICE/src/main.js"]
