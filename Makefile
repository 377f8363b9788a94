# bpfrun: `make` builds everything into build/ (CMake underneath).
MAKEFLAGS += --no-print-directory
#   make            release build (build/)
#   make asan       AddressSanitizer + UBSan build (build-asan/)
#   make tsan       ThreadSanitizer build (build-tsan/)
#   make clang      release build with clang (build-clang/): warnings are errors there too
#   make test       the three gcc builds and every test in each (ctest), and the clang build
#   make bench      benchmarks, bpfrun side by side with the kernel
JOBS ?= $(shell nproc)
CMAKE ?= cmake

.PHONY: all asan tsan clang test test-release test-asan test-tsan bench clean

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

test-release: all
	cd build && ctest --output-on-failure -j 2

test-asan: asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 ctest --output-on-failure -j 2

test-tsan: tsan
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j 2

test: test-release test-asan test-tsan clang

bench: all
	./build/bench/run-all

clean:
	rm -rf build build-asan build-tsan build-clang
