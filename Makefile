# ghetto-loop, async under the hood: every task of the course is a target here.
# `make` alone lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PRESENTERM_VERSION := 0.16.1
NEXTEST_VERSION := 0.9.143
CH ?=
EX ?=
ADDR ?=
# Where `cargo install` puts tools: $CARGO_HOME/bin, or ~/.cargo/bin by default.
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
PRESENTERM := $(CARGO_BIN)/presenterm

.PHONY: bench-publish help tour test check slides slides-html exercises exercise hint diff serve client bench bench-quick bench-counts soak clean tools-presenterm tools-nextest

help: ## list every target
	@echo "ghetto-loop: async under the hood, in Rust. Targets:"
	@grep -hE '^[a-zA-Z0-9_%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/; s/^ch%/chNN/' | \
		awk -F'\t' '{ printf "  make %-22s %s\n", $$1, $$2 }'

tour: ## run every chapter's demo in order, each under a heading
	@scripts/tour.sh

# `pkg=$$(...) &&`: a chapter that does not exist stops here with the
# script's one line and status 2, before cargo is asked about it.
ch%: ## run chapter NN's demo, e.g. `make ch01`
	@pkg=$$(scripts/chapter.sh $*) && cargo run -q -p "$$pkg"

serve: ## run chapter CH's server for nc/telnet: `make serve CH=01 [ADDR=127.0.0.1:7001]`
	@test -n "$(CH)" || { echo "usage: make serve CH=NN [ADDR=host:port]"; exit 2; }
	@pkg=$$(scripts/chapter.sh $(CH)) && cargo run -q -p "$$pkg" -- serve $(ADDR)

client: ## talk to a running server: `make client CH=01 [ADDR=127.0.0.1:7001]`
	@test -n "$(CH)" || { echo "usage: make client CH=NN [ADDR=host:port]"; exit 2; }
	@pkg=$$(scripts/chapter.sh $(CH)) && n=$${pkg:2:2} && \
		cargo run -q -p "$$pkg" -- client $${ADDR:-127.0.0.1:70$$n}

test: ## build everything and run every test, exercise checks included
	@scripts/test.sh

soak: ## faults (30 seeds), memcheck, and chapter 15's and chapter 21's servers under churn; target/soak/report.md (~15 min)
	@scripts/soak.sh

check: ## rustfmt check + clippy -D warnings on everything
	cargo fmt --all --check
	rustfmt --edition 2024 --check $$(ls chapters/*/exercises/*/starter.rs chapters/*/exercises/*/solution.rs 2>/dev/null)
	GHETTO_EXERCISE=solution cargo clippy -q --workspace --all-targets -- -D warnings
	@# The starters too, in the exercise checks' own target dir: they allow
	@# the lints an unwritten exercise must (unused arguments...).
	GHETTO_EXERCISE=starter CARGO_TARGET_DIR=target/starters cargo clippy -q --all-targets \
		$$(source scripts/lib.sh && for d in $$(all_exercises); do printf -- '-p %s ' "$$(package_of "$$d")"; done) -- -D warnings

exercises: ## exercise progress: done/pending per chapter, and the next one
	@scripts/exercises.sh status

exercise: ## start an exercise, or check your work: `make exercise EX=01-1`
	@test -n "$(EX)" || { echo "usage: make exercise EX=NN-K (see make exercises)"; exit 2; }
	@scripts/exercises.sh check $(EX)

hint: ## show an exercise's hint: `make hint EX=01-1`
	@test -n "$(EX)" || { echo "usage: make hint EX=NN-K"; exit 2; }
	@scripts/exercises.sh hint $(EX)

diff: ## what chapter CH adds to the one before: `make diff CH=05`
	@test -n "$(CH)" || { echo "usage: make diff CH=NN"; exit 2; }
	@scripts/diff.sh $(CH)

slides: tools-presenterm ## present chapter CH's deck in the terminal: `make slides CH=01` (CH=00: intro)
	@test -n "$(CH)" || { echo "usage: make slides CH=NN"; exit 2; }
	@nn=$$(source scripts/lib.sh && pad "$(CH)") && deck=$$(ls slides/$$nn-*.md 2>/dev/null | head -n1); \
		test -n "$$deck" || { echo "no deck for chapter $(CH) in slides/"; exit 2; }; \
		$(PRESENTERM) --config-file slides/presenterm.yaml "$$deck"

slides-html: tools-presenterm ## export every deck to target/slides/ with an index.html
	@scripts/slides-html.sh $(PRESENTERM)

bench: ## the C10K benchmark: every server against tokio, and chapter 21 under wrk; report and plots in target/bench/ (~11 min)
	@scripts/need.sh strace strace "the system calls per round trip" || echo "Going on: the report will say the system calls were not counted."
	@scripts/need.sh valgrind valgrind "the instruction counts" || echo "Going on: the report will say the instructions were not counted."
	@scripts/need.sh wrk wrk "the HTTP load on chapter 21's server" || echo "Going on: the report will say the HTTP cells were not measured."
	@cargo run -q --release -p bench -- --suite default

bench-quick: ## the same harness in under a minute (proves it works, not a measurement)
	@scripts/need.sh wrk wrk "the HTTP load on chapter 21's server" || echo "Going on: the HTTP cells will say wrk is missing."
	@cargo run -q --release -p bench -- --suite quick

bench-counts: ## instructions (callgrind) and syscalls (strace) per operation, ghetto-loop vs tokio: target/bench/counts.md (~3 min)
	@scripts/need.sh valgrind valgrind "the instruction counts" || echo "Going on: the table will say the instructions were not counted."
	@scripts/need.sh strace strace "the system calls" || echo "Going on: the table will say the system calls were not counted."
	@cargo run -q --release -p bench -- counts

bench-publish: ## copy the last bench report, counts table and plots to docs/bench/ (PNGs too, for the intro deck)
	@test -f target/bench/report.md || { echo "no report yet: run make bench first"; exit 2; }
	@# Checked before anything is copied, so docs/bench/ never holds plots
	@# newer than their PNGs.
	@scripts/need.sh rsvg-convert librsvg2-bin "the plots as PNGs for the intro deck"
	@mkdir -p docs/bench
	@cp target/bench/report.md target/bench/*.svg docs/bench/
	@if test -f target/bench/counts.md; then cp target/bench/counts.md docs/bench/; else echo "no counts table yet (make bench-counts): docs/bench/counts.md left as it was"; fi
	@for svg in docs/bench/*.svg; do rsvg-convert --background-color=white -w 1400 "$$svg" -o "$${svg%.svg}.png"; done
	@echo "docs/bench/ updated: $$(ls docs/bench | tr '\n' ' ')"

clean: ## remove build output (keeps your exercise work)
	cargo clean

tools-presenterm:
	@if ! $(PRESENTERM) --version 2>/dev/null | grep -q " $(PRESENTERM_VERSION)$$"; then \
		echo "Installing presenterm $(PRESENTERM_VERSION) (first use only; a few minutes)..."; \
		cargo install --locked --quiet presenterm --version $(PRESENTERM_VERSION); \
	fi

tools-nextest:
	@if ! cargo nextest --version >/dev/null 2>&1; then \
		echo "Installing cargo-nextest $(NEXTEST_VERSION) (first use only; a few minutes)..."; \
		cargo install --locked --quiet cargo-nextest --version $(NEXTEST_VERSION) || \
			{ echo "cargo-nextest could not be installed (no network?)"; exit 1; }; \
	fi
