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

ch%: ## run chapter NN's demo, e.g. `make ch01`
	@cargo run -q -p $$(scripts/chapter.sh $*)

serve: ## run chapter CH's server for nc/telnet: `make serve CH=01 [ADDR=127.0.0.1:7001]`
	@test -n "$(CH)" || { echo "usage: make serve CH=NN [ADDR=host:port]"; exit 2; }
	@cargo run -q -p $$(scripts/chapter.sh $(CH)) -- serve $(ADDR)

client: ## talk to a running server: `make client CH=01 [ADDR=127.0.0.1:7001]`
	@test -n "$(CH)" || { echo "usage: make client CH=NN [ADDR=host:port]"; exit 2; }
	@n=$$(printf '%02d' $$((10#$(CH)))); \
		cargo run -q -p $$(scripts/chapter.sh $(CH)) -- client $${ADDR:-127.0.0.1:70$$n}

test: ## build everything and run every test, exercise checks included
	@scripts/test.sh

soak: ## faults (30 seeds), memcheck and a 2-minute server soak under churn; target/soak/report.md (~10 min)
	@scripts/soak.sh

check: ## rustfmt check + clippy -D warnings on everything
	cargo fmt --all --check
	rustfmt --edition 2024 --check $$(ls chapters/*/exercises/*/starter.rs chapters/*/exercises/*/solution.rs 2>/dev/null)
	GHETTO_EXERCISE=solution cargo clippy -q --workspace --all-targets -- -D warnings

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
	@deck=$$(ls slides/$$(printf '%02d' $$((10#$(CH))))-*.md 2>/dev/null | head -n1); \
		test -n "$$deck" || { echo "no deck for chapter $(CH) in slides/"; exit 2; }; \
		$(PRESENTERM) --config-file slides/presenterm.yaml "$$deck"

slides-html: tools-presenterm ## export every deck to target/slides/ with an index.html
	@scripts/slides-html.sh $(PRESENTERM)

bench: ## the C10K benchmark: every server against tokio, report and plots in target/bench/ (~8.5 min)
	@command -v strace >/dev/null || { echo "Installing strace (for the system calls per round trip)..."; apt-get install -y -qq strace >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq strace >/dev/null 2>&1; } || echo "Could not install strace: the report will say the system calls were not counted."; }
	@cargo run -q --release -p bench -- --suite default

bench-quick: ## the same harness in under a minute (proves it works, not a measurement)
	@cargo run -q --release -p bench -- --suite quick

bench-counts: ## instructions (callgrind) and syscalls (strace) per operation, ghetto-loop vs tokio: target/bench/counts.md (~3 min)
	@command -v valgrind >/dev/null || { echo "Installing valgrind (for the instruction counts)..."; apt-get install -y -qq valgrind >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null 2>&1; } || echo "Could not install valgrind: the table will say the instructions were not counted."; }
	@command -v strace >/dev/null || { echo "Installing strace (for the system calls)..."; apt-get install -y -qq strace >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq strace >/dev/null 2>&1; } || echo "Could not install strace: the table will say the system calls were not counted."; }
	@cargo run -q --release -p bench -- counts

bench-publish: ## copy the last bench report and plots to docs/bench/ (PNGs too, for the intro deck)
	@test -f target/bench/report.md || { echo "no report yet: run make bench first"; exit 2; }
	@mkdir -p docs/bench
	@cp target/bench/report.md target/bench/*.svg docs/bench/
	@if ! command -v rsvg-convert >/dev/null; then \
		echo "Installing rsvg-convert (librsvg2-bin) to turn the SVG plots into PNGs for the slides..."; \
		apt-get install -y -qq librsvg2-bin >/dev/null || { apt-get update -qq && apt-get install -y -qq librsvg2-bin >/dev/null; }; \
	fi
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
		cargo install --locked --quiet cargo-nextest --version $(NEXTEST_VERSION); \
	fi
