# rdx — the two commands a newcomer needs:
#   make demo   run rdx on a shipped fixture (no server needed)
#   make test   run every test: unit, fixtures, end-to-end against the real server

CARGO ?= cargo
E2E   := tests/e2e
TARGET_TRIPLE := x86_64-unknown-linux-gnu
export ELECTRON_SKIP_BINARY_DOWNLOAD := 1

.PHONY: build test demo static lint e2e-deps clean

build:
	$(CARGO) build --release

demo: build
	./target/release/rdx --replay fixtures/two-apps.jsonl sessions --all

# npm deps for the end-to-end tests, from the committed lockfile. Skipped when
# node_modules is already up to date with the lockfile (local runs cache it).
e2e-deps: $(E2E)/node_modules/.package-lock.json

$(E2E)/node_modules/.package-lock.json: $(E2E)/package-lock.json $(E2E)/package.json
	cd $(E2E) && npm ci --no-audit --no-fund
	@touch $@

test: e2e-deps
	$(CARGO) test --all-targets

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# A static-pie binary: runs on any x86_64 Linux, resolves localhost without NSS.
static:
	RUSTFLAGS='-C target-feature=+crt-static' $(CARGO) build --release --target $(TARGET_TRIPLE)
	@ls -l target/$(TARGET_TRIPLE)/release/rdx
	@ldd target/$(TARGET_TRIPLE)/release/rdx || true

clean:
	$(CARGO) clean
