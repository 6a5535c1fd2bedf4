# syntax=docker/dockerfile:1
# Two stages: the build compiles the TypeScript with every dependency; the runtime holds only the production
# dependencies, the compiled CLI, its migrations and bin/, and runs as the unprivileged user `node`.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/migrations ./dist/migrations
COPY bin ./bin
COPY public ./public
COPY README.md ./
# The PGlite folders (when no DATABASE_URL is given), the server's and the logger's, belong to the runtime user.
RUN mkdir -p /app/data /app/data-logger && chown node:node /app/data /app/data-logger
USER node
# The same heap limit bin/sdata-sync.js gives itself (see README "Running it in production").
ENTRYPOINT ["node", "--max-old-space-size=1024", "/app/bin/sdata-sync.js"]
CMD ["serve", "--config", "/etc/sdata-sync/server.yaml"]
