# Build stage: full dependencies, compile with the Nest CLI (Swagger plugin, Lua assets).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run stage: the compiled service and its runtime dependencies only, as an unprivileged user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
# Inside a container the API must be reachable from outside it; `npm start` binds 127.0.0.1.
ENV HOST=0.0.0.0
EXPOSE 3000
CMD ["node", "dist/main.js"]
