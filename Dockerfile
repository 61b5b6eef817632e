# paygate in a container: a static binary (the SQLite driver is pure Go) on a
# distroless base, run as a non-root user, the database in a volume.
#
#   docker build -t paygate .
#   docker run -p 8080:8080 -v paygate-data:/var/lib/paygate \
#     -e PAYGATE_MASTER_KEY=... -e PAYGATE_BASE_URL=https://pay.example.com paygate

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/paygate ./cmd/paygate \
	&& mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/paygate /usr/local/bin/paygate
# The volume's mount point belongs to the nonroot user (65532), so SQLite
# can create its files there.
COPY --from=build --chown=65532:65532 /out/data /var/lib/paygate
VOLUME /var/lib/paygate
USER 65532:65532
EXPOSE 8080 9090
ENV PAYGATE_ADDR=0.0.0.0:8080 \
	PAYGATE_DB=sqlite:/var/lib/paygate/paygate.db
ENTRYPOINT ["/usr/local/bin/paygate"]
CMD ["serve"]
