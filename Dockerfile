# SPDX-License-Identifier: AGPL-3.0-or-later
# Two stages: build pnyxd on bookworm, run it on bookworm-slim with only the
# runtime libraries. The image serves on 0.0.0.0:8080 and migrates at start.
FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake pkg-config \
      libmicrohttpd-dev libpq-dev libjansson-dev libsodium-dev libargon2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY backend/ backend/
COPY tests/CMakeLists.txt tests/CMakeLists.txt
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build -j"$(nproc)" --target pnyxd

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmicrohttpd12 libpq5 libjansson4 \
      libsodium23 libargon2-1 ca-certificates curl \
      apertium apertium-eng-spa apertium-fr-es \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/pnyx --create-home pnyx
COPY --from=build /build/bin/pnyxd /usr/local/bin/pnyxd
COPY sql/ /usr/share/pnyx/sql/
COPY static/ /usr/share/pnyx/static/
USER pnyx
WORKDIR /var/lib/pnyx
ENV PNYX_LISTEN=0.0.0.0:8080 \
    PNYX_SQL_DIR=/usr/share/pnyx/sql \
    PNYX_STATIC_DIR=/usr/share/pnyx/static \
    PNYX_DATA_DIR=/var/lib/pnyx
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/pnyxd"]
CMD ["serve", "--migrate"]
