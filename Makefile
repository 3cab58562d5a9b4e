# customer360: PGXS build of the PostgreSQL 15 extension, plus the project's convenience targets.
#
#   make demo     set everything up (as root on Debian 12) and run the CDNOW RFM demo
#   make test     set everything up, then C++ unit tests + pg_regress (serial and forced-parallel)
#   make / make install / make installcheck    the usual PGXS targets
#   make deps | unit | regress | micro         the pieces of the above
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

build/customer360--$(EXTVERSION).sql: $(SQL_SOURCES) control/customer360.control Makefile
	@mkdir -p build
	@{ echo "-- customer360 $(EXTVERSION) install script, assembled by the Makefile from: $(SQL_SOURCES)"; \
	   echo "-- Do not edit: change the sources under src/sql and ship the change in an upgrade script too."; \
	   echo; printf '%s\n' '\echo Use "CREATE EXTENSION customer360" to load this file. \quit'; \
	   for f in $(SQL_SOURCES); do echo; echo "-- ---- $$f"; cat $$f; done; } >$@.tmp && mv $@.tmp $@

# Convenience targets: usable before PostgreSQL's development files are installed.
BENCHES = rfm scoring uplift ltv events match
.PHONY: deps test test-pg17 demo unit regress bench micro $(addprefix bench-,$(BENCHES))
deps:
	@bash scripts/deps.sh
test:
	@bash scripts/test.sh
test-pg17:
	@bash scripts/check-fresh-debian.sh test trixie
demo:
	@bash scripts/demo.sh
unit:
	@bash scripts/unit.sh
regress:
	@bash scripts/regress.sh serial && bash scripts/regress.sh parallel
bench: $(addprefix bench-,$(BENCHES))
$(addprefix bench-,$(BENCHES)):
	@bash bench/$(@:bench-%=%)/run.sh
micro:
	@cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DC360_BUILD_TESTS=OFF >/dev/null
	@cmake --build build/bench -j2 --target c360_micro_bench >/dev/null
	@build/bench/c360_micro_bench
