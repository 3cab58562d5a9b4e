# customer360: PGXS build of the PostgreSQL extension (15, 16, 17, 18), plus the project's convenience targets.
#
#   make demo     set everything up (as root on Debian 12) and run the CDNOW RFM demo
#   make test     set everything up, then C++ unit tests + pg_regress (serial and forced-parallel)
#                 (PG_CONFIG=/opt/pg16/bin/pg_config make test: against a server installed by hand)
#   make test-pg17 | test-pg18   the test command in a pristine Debian 13 | 14 chroot (Debian's packages)
#   make / make install / make installcheck    the usual PGXS targets
#   make deps | unit | regress | micro         the pieces of the above
#   make fuzz     libFuzzer targets of the core (FUZZ_SECONDS each, default 30) and a long sqlsmith run
#   make bench | bench-rfm | bench-scoring | bench-uplift | bench-ltv | bench-events | bench-match   peer benchmarks
#
# Pitfalls handled here (docs/architecture.md): -lstdc++ for the C++ runtime, C++20 flags,
# LLVM bitcode disabled (PG_CXXFLAGS is not passed to clang's .bc compile; JIT inlining of
# these C++ entry points brings nothing), and PGXS's own `make check` (which exits 0 without
# testing) is never used.

PG_MAJOR    ?= 15
PG_CONFIG   ?= $(firstword $(wildcard /usr/lib/postgresql/$(PG_MAJOR)/bin/pg_config) pg_config)
PGXS        := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
EXTVERSION  := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" control/customer360.control)

MODULE_big   = customer360
OBJS         = $(patsubst %.cpp,%.o,$(sort $(wildcard src/core/*/*.cpp) $(wildcard src/pg/*.cpp)))
MODULEDIR    = extension
# Install SQL: one source per capability under src/sql, in dependency order, assembled into the
# versioned full script. control/ holds the control file, the frozen full script of 0.1.0 and the
# hand-written upgrade scripts (customer360--A--B.sql).
SQL_SOURCES  = $(addprefix src/sql/,$(addsuffix .sql,common rfm match events scoring uplift ltv))
DATA         = control/customer360.control $(sort $(wildcard control/customer360--*.sql))
DATA_built   = build/customer360--$(EXTVERSION).sql
# pg_regress runs sql/schedule (scripts/regress.sh; `make installcheck` against a running server)
REGRESS_OPTS = --schedule=sql/schedule --load-extension=customer360 --no-locale --encoding=UTF8
EXTRA_CLEAN  = $(OBJS:.o=.d) build results regression.diffs regression.out

PG_CPPFLAGS  = -Isrc/core -Isrc/pg -isystem /usr/include/eigen3 -DC360_VERSION='"$(EXTVERSION)"'
PG_CXXFLAGS  = -std=c++20 -Wno-register -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -MMD -MP
SHLIB_LINK   = -lstdc++
override with_llvm = no

ifneq ($(PGXS),)
include $(PGXS)
-include $(OBJS:.o=.d)
installcheck:
	$(pg_regress_installcheck) $(REGRESS_OPTS)
else
all install installcheck:
	@echo "PostgreSQL $(PG_MAJOR) development files not found: run 'make deps' as root (or 'make test' / 'make demo')."
	@exit 1
endif

# Objects built against one server's headers are rebuilt when pg_config names another server
# (another major or minor version, or another installation): build/pg-build-id records which.
PG_BUILD_ID := $(shell $(PG_CONFIG) --version --includedir-server 2>/dev/null | tr '\n' ' ')
$(OBJS): build/pg-build-id
build/pg-build-id: FORCE
	@mkdir -p build
	@echo '$(PG_BUILD_ID)' | cmp -s - $@ || echo '$(PG_BUILD_ID)' >$@
.PHONY: FORCE
FORCE:

build/customer360--$(EXTVERSION).sql: $(SQL_SOURCES) control/customer360.control Makefile
	@mkdir -p build
	@{ echo "-- customer360 $(EXTVERSION) install script, assembled by the Makefile from: $(SQL_SOURCES)"; \
	   echo "-- Do not edit: change the sources under src/sql and ship the change in an upgrade script too."; \
	   echo; printf '%s\n' '\echo Use "CREATE EXTENSION customer360" to load this file. \quit'; \
	   for f in $(SQL_SOURCES); do echo; echo "-- ---- $$f"; cat $$f; done; } >$@.tmp && mv $@.tmp $@

# Convenience targets: usable before PostgreSQL's development files are installed.
BENCHES = rfm scoring uplift ltv events match
.PHONY: deps test test-pg17 test-pg18 demo unit regress fuzz bench micro $(addprefix bench-,$(BENCHES))
deps:
	@bash scripts/deps.sh
test:
	@bash scripts/test.sh
test-pg17:
	@bash scripts/check-fresh-debian.sh test trixie
test-pg18:
	@bash scripts/check-fresh-debian.sh test forky
demo:
	@bash scripts/demo.sh
unit:
	@bash scripts/unit.sh
fuzz:
	@bash scripts/fuzz.sh
regress:
	@bash scripts/regress.sh serial && bash scripts/regress.sh parallel
bench: $(addprefix bench-,$(BENCHES))
$(addprefix bench-,$(BENCHES)):
	@bash bench/$(@:bench-%=%)/run.sh
micro:
	@cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DC360_BUILD_TESTS=OFF >/dev/null
	@cmake --build build/bench -j2 --target c360_micro_bench >/dev/null
	@build/bench/c360_micro_bench
