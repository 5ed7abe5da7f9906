# `cdc-console serve` for compose/docker-compose.yml (the `console` service): built from this
# repository (context: the repository root), as `compose/local/stack build-tools` builds it
# (librdkafka by cmake, OpenSSL from source).
FROM rust:1.88-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin cdc-console

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/cdc-console /usr/local/bin/cdc-console
ENTRYPOINT ["cdc-console"]
