# Build stage: full dependencies, compile with the Nest CLI (Swagger plugin, Lua assets).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's install script would fetch optional CUDA files: .npmrc and this variable
# both say skip (npm warns that a future major version will ignore the .npmrc key).
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
# Only the service's source: tests, benchmarks and examples never reach the image
# (.dockerignore keeps them out of the build context as well).
COPY src ./src
# onnxruntime-node ships binaries for every platform; the image needs only Linux's (~220 MB less).
RUN npm run build && npm prune --omit=dev \
  && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32

# Run stage: the compiled service and its runtime dependencies only, as an unprivileged user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only readable by the `node` user: the process cannot change its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
# Inside a container the API must be reachable from outside it; `npm start` binds 127.0.0.1.
ENV HOST=0.0.0.0
EXPOSE 3000
# The API; docker-compose.yml runs the workers from this same image with `node dist/worker.js`.
CMD ["node", "dist/main.js"]
