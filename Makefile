# rdx — the two commands a newcomer needs:
#   make demo   run rdx on a shipped fixture (no server needed)
#   make test   run every test: unit, fixtures, end-to-end against the real server

CARGO ?= cargo
E2E   := tests/e2e
BENCH := tests/bench
TARGET_TRIPLE := x86_64-unknown-linux-gnu
export ELECTRON_SKIP_BINARY_DOWNLOAD := 1

.PHONY: build test demo static lint e2e-deps bench fuzz clean modmap soak install uninstall same-output

build:
	$(CARGO) build --release

demo: build
	./target/release/rdx --replay fixtures/two-apps.jsonl sessions --all

# The completion and man page tests (tests/completions.rs) load each script in
# its shell and render the page with groff and man: zsh, fish, groff-base and
# man-db, with apt-get, only when one is missing (once for all four). These
# variables come before e2e-deps, which expands them where it is read;
# tests/deps.rs fails when a program the tests call is not installed here.
SHELL_TOOLS := /usr/bin/zsh /usr/bin/fish /usr/bin/groff /usr/bin/man
$(SHELL_TOOLS):
	@test -x $@ || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zsh fish groff-base man-db; }

# The wss:// tests (tests/e2e_tls.rs) make their certificates with openssl.
OPENSSL := /usr/bin/openssl
$(OPENSSL):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl

# The label store test (tests/select.rs) watches rdx's fsyncs with strace.
STRACE := /usr/bin/strace
$(STRACE):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace

# The terminal UI tests (tests/ui.rs) run `rdx ui` inside tmux.
TMUX_BIN := /usr/bin/tmux
$(TMUX_BIN):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux

# npm deps for the end-to-end tests, from the committed lockfiles (today's
# stack, and the legacy one). Skipped when node_modules is up to date with the
# lockfile (local runs cache it). The browser tests also need their page built
# (vite build, redone only when its sources change) and Debian's Chromium
# (installed with apt-get only when /usr/bin/chromium is missing).
LEGACY  := tests/e2e-legacy
BROWSER := tests/browser
MCPCLIENT := tests/mcp-client
DEVTOOLS := tests/devtools
CHROMIUM := /usr/bin/chromium
EXPO := tests/expo
e2e-deps: $(E2E)/node_modules/.package-lock.json $(LEGACY)/node_modules/.package-lock.json \
          $(MCPCLIENT)/node_modules/.package-lock.json $(DEVTOOLS)/node_modules/.package-lock.json \
          $(BROWSER)/dist/index.html $(CHROMIUM) $(SHELL_TOOLS) $(OPENSSL) $(STRACE) \
          $(TMUX_BIN) $(EXPO)/standin/dist/standin.mjs

# The Expo source's tests (tests/e2e_expo.rs): Expo SDK 57 (its CLI dev
# server, the web build of tests/expo/App.js, redux-devtools-expo-dev-plugin)
# from the committed lockfile; then the Node stand-in (tests/expo/standin)
# bundled by esbuild into standin/dist. Measured on the 2-core machine
# (`time make tests/expo/standin/dist/standin.mjs` after removing
# tests/expo/node_modules): 33 s with an empty npm cache, 27-49 s with a warm
# one (the spread is the machine's other load); 516 packages, 382 MB. The
# bundle takes 0.2 s. Metro's first web bundle then takes 7-8 s cold (about
# 1 s once /tmp/metro-cache is warm).
$(EXPO)/node_modules/.package-lock.json: $(EXPO)/package-lock.json $(EXPO)/package.json
	cd $(EXPO) && EXPO_NO_TELEMETRY=1 npm ci --no-audit --no-fund
	@touch $@

$(EXPO)/standin/dist/standin.mjs: $(EXPO)/node_modules/.package-lock.json $(wildcard $(EXPO)/standin/*.mjs)
	cd $(EXPO) && ./node_modules/.bin/esbuild standin/standin.mjs --bundle --platform=node \
	  --format=esm --outfile=standin/dist/standin.mjs --log-level=warning \
	  --define:process.env.NODE_ENV='"development"' \
	  --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);"
	@touch $@

# The official MCP SDK's client, for `rdx mcp`'s tests (tests/mcp.rs).
$(MCPCLIENT)/node_modules/.package-lock.json: $(MCPCLIENT)/package-lock.json $(MCPCLIENT)/package.json
	cd $(MCPCLIENT) && npm ci --no-audit --no-fund
	@touch $@

# The DevTools' own import code (instrument, utils), the oracle of the
# DevTools file tests (tests/devtools.rs); they also load app-core from $(E2E).
$(DEVTOOLS)/node_modules/.package-lock.json: $(DEVTOOLS)/package-lock.json $(DEVTOOLS)/package.json
	cd $(DEVTOOLS) && npm ci --no-audit --no-fund
	@touch $@

$(BROWSER)/node_modules/.package-lock.json: $(BROWSER)/package-lock.json $(BROWSER)/package.json
	cd $(BROWSER) && npm ci --no-audit --no-fund
	@touch $@

$(BROWSER)/dist/index.html: $(BROWSER)/node_modules/.package-lock.json $(BROWSER)/index.html \
                            $(BROWSER)/vite.config.js $(wildcard $(BROWSER)/src/*)
	cd $(BROWSER) && ./node_modules/.bin/vite build
	@touch $@

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(LEGACY)/node_modules/.package-lock.json: $(LEGACY)/package-lock.json $(LEGACY)/package.json
	cd $(LEGACY) && npm ci --no-audit --no-fund
	@touch $@

$(E2E)/node_modules/.package-lock.json: $(E2E)/package-lock.json $(E2E)/package.json
	cd $(E2E) && npm ci --no-audit --no-fund
	@touch $@

test: e2e-deps
	$(CARGO) test --lib --bins --tests

# `make install`: the binary, its man page and its completions where Linux
# systems look for them. PREFIX and DESTDIR as usual (`make install
# PREFIX=$HOME/.local`, or `make install DESTDIR=pkg PREFIX=/usr` for a
# package); each directory can be set on its own. RDX=path installs that
# binary instead of building one (a CI job's own build, the tests, or
# `make build && sudo make install RDX=target/release/rdx`).
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
BASHDIR ?= $(DATADIR)/bash-completion/completions
ZSHDIR  ?= $(DATADIR)/zsh/site-functions
FISHDIR ?= $(DATADIR)/fish/vendor_completions.d
RDX     ?=
RDX_BIN := $(or $(RDX),target/release/rdx)
INSTALLED := $(DESTDIR)$(BINDIR)/rdx $(DESTDIR)$(MANDIR)/man1/rdx.1 \
             $(DESTDIR)$(BASHDIR)/rdx $(DESTDIR)$(ZSHDIR)/_rdx $(DESTDIR)$(FISHDIR)/rdx.fish

install: $(if $(RDX),,build)
	install -D -m 755 $(RDX_BIN) $(DESTDIR)$(BINDIR)/rdx
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHDIR) $(DESTDIR)$(ZSHDIR) $(DESTDIR)$(FISHDIR)
	$(RDX_BIN) man > $(DESTDIR)$(MANDIR)/man1/rdx.1
	$(RDX_BIN) completions bash > $(DESTDIR)$(BASHDIR)/rdx
	$(RDX_BIN) completions zsh > $(DESTDIR)$(ZSHDIR)/_rdx
	$(RDX_BIN) completions fish > $(DESTDIR)$(FISHDIR)/rdx.fish
	chmod 644 $(wordlist 2,5,$(INSTALLED))

uninstall:
	rm -f $(INSTALLED)

# The README's module map, made from the modules' own docs.
modmap:
	RDX_WRITE_MODMAP=1 $(CARGO) test --test integration layout::the_readme_module_map_is_the_tree

# Behaviour unchanged: rdx built at BASE (default HEAD~1) and the working
# tree's rdx run over every recording in fixtures/ and ../shared/captures/
# with every replay command, the help texts, the man page and the
# completions; stdout, stderr and exit codes compared byte for byte (debug
# builds; BASE is built in a temporary worktree with its own target dir).
BASE ?= HEAD~1
same-output:
	python3 tests/same_output.py $(BASE)

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# A static-pie binary: runs on any x86_64 Linux, resolves localhost without NSS.
static:
	RUSTFLAGS='-C target-feature=+crt-static' $(CARGO) build --release --target $(TARGET_TRIPLE)
	@ls -l target/$(TARGET_TRIPLE)/release/rdx
	@ldd target/$(TARGET_TRIPLE)/release/rdx || true

# Benchmarks: rdx vs the Node monitor vs the serde_json floor, in one run.
# Prints a table and leaves it in target/bench-results.md (see BENCHMARKS.md).
bench: e2e-deps $(BENCH)/node_modules/.package-lock.json static
	@test -x /usr/bin/time || (apt-get update -qq && apt-get install -y -qq time)
	@test -x /usr/bin/valgrind || (apt-get update -qq && apt-get install -y -qq valgrind)
	$(CARGO) build --release --example floor
	$(CARGO) build --release
	python3 tests/bench/gen.py target/bench-data
	python3 tests/bench/run.py

# The soak: rdx beside tabs that reload all day, SOAK_SECONDS (default 600);
# prints the RSS growth after the first minute (see BENCHMARKS.md).
soak: e2e-deps
	$(CARGO) build --release
	python3 tests/bench/soak.py

$(BENCH)/node_modules/.package-lock.json: $(BENCH)/package-lock.json $(BENCH)/package.json
	cd $(BENCH) && npm ci --no-audit --no-fund
	@touch $@

# Fuzz every target for FUZZ_SECONDS each (nightly + cargo-fuzz; installs
# cargo-fuzz if missing). Seeds come from the recorded captures. Any input
# that takes over a second (-timeout=1) or crashes fails the run and is saved
# under tests/fuzz/artifacts/; each target's total executions and rate are
# printed (logs in target/fuzz-TARGET.log).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := frame_decoder relay_decoder jsan_resolver path_parser fixture_reader
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
	python3 tests/fuzz/seed.py target/fuzz-corpus
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  cargo +nightly fuzz run --sanitizer none --fuzz-dir tests/fuzz $$t target/fuzz-corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=1 -report_slow_units=1 -rss_limit_mb=4096 \
	    -max_len=262144 > target/fuzz-$$t.log 2>&1 \
	    || { grep -E "ALARM|ERROR|SUMMARY|artifact|Slowest" target/fuzz-$$t.log; \
	         echo "fuzz $$t FAILED (target/fuzz-$$t.log)"; exit 1; }; \
	  grep -E "^#[0-9]+[[:space:]]+DONE" target/fuzz-$$t.log | tail -1 | \
	    sed -E 's/^#([0-9]+).*exec\/s: ([0-9]+).*/'"$$t"': \1 executions, \2 exec\/s/'; \
	done

clean:
	$(CARGO) clean
