FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev
ENV NODE_ENV=production
# HOST defaults to 127.0.0.1; in a container the API must listen on every interface to be reached.
ENV HOST=0.0.0.0
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
