# bpfrun: `make` builds everything into build/ (CMake underneath).
MAKEFLAGS += --no-print-directory
#   make            release build (build/)
#   make asan       AddressSanitizer + UBSan build (build-asan/)
#   make tsan       ThreadSanitizer build (build-tsan/)
#   make clang      release build with clang (build-clang/): warnings are errors there too
#   make test       the three gcc builds and every test in each (ctest; the release tests
#                   once more with BPFRUN_JIT=0), the clang build,
#                   then test-fuzz
#   make test-fuzz  a short run of each fuzz target from its seeds (FUZZ_TEST_SECONDS)
#   make bench      benchmarks, bpfrun side by side with the kernel
#   make fuzz       libFuzzer campaigns of FUZZ_SECONDS per target (clang; build-fuzz/)
JOBS ?= $(shell nproc)
CMAKE ?= cmake

# make fuzz: FUZZ_SECONDS per target, FUZZ_JOBS workers each (tests/fuzz/run.sh).
FUZZ_SECONDS ?= 300
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?= fuzz_bpf_attr fuzz_prog fuzz_btf fuzz_elf fuzz_jit
# The short run of every target that `make test` includes (CI: 2 cores, keep it quick).
FUZZ_TEST_SECONDS ?= 15

.PHONY: all asan tsan clang test test-release test-asan test-tsan test-fuzz bench clean fuzz \
	fuzz-build

all:
	@$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@$(CMAKE) --build build -j $(JOBS)

asan:
	@$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBPFRUN_SANITIZE=asan >/dev/null
	@$(CMAKE) --build build-asan -j $(JOBS)

tsan:
	@$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DBPFRUN_SANITIZE=tsan >/dev/null
	@$(CMAKE) --build build-tsan -j $(JOBS)

clang:
	@CC=clang $(CMAKE) -S . -B build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@$(CMAKE) --build build-clang -j $(JOBS)

# The release tests run twice: with the JIT (the default) and with the interpreter
# (BPFRUN_JIT=0; the tree checks need no second run).
test-release: all
	cd build && ctest --output-on-failure -j 2
	cd build && BPFRUN_JIT=0 ctest --output-on-failure -j 2 -E '^check\.'

test-asan: asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 ctest --output-on-failure -j 2

test-tsan: tsan
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j 2

fuzz-build:
	@CC=clang $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DBPFRUN_SANITIZE=fuzz >/dev/null
	@$(CMAKE) --build build-fuzz -j $(JOBS) --target fuzz

fuzz: fuzz-build
	tests/fuzz/run.sh campaign build-fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

test-fuzz: fuzz-build
	tests/fuzz/run.sh check build-fuzz $(FUZZ_TEST_SECONDS) 1 $(FUZZ_TARGETS)

test: test-release test-asan test-tsan clang test-fuzz

bench: all
	bench/run-all build

clean:
	rm -rf build build-asan build-tsan build-clang build-fuzz
