# syntax=docker/dockerfile:1
# Gourmand: one image for the API, the scheduler, workers and the CDC stream (the command picks).

# Dependencies, once with dev tools (to type-check) and once for production.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci

FROM deps AS build
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The runtime: production dependencies and the sources (tsx runs them; there is no build output).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    GOURMAND_STATE_DIR=/var/lib/gourmand \
    PORT=3000
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
RUN mkdir -p /var/lib/gourmand && chown node:node /var/lib/gourmand
USER node
VOLUME ["/var/lib/gourmand"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/gourmand.js"]
CMD ["serve", "--host", "0.0.0.0"]
