# A thin wrapper over CMake and CTest; see README.md.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: setup build test run asan fuzz bench clean

setup:
	@scripts/setup.sh

build:
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > /dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: setup build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# `relish serve` with the seed's flow ready to try: the Books stand-in, the sandbox remap, the
# example topping pushed (scripts/demo.sh says how).
run: setup build
	@BUILD=$(BUILD) scripts/demo.sh

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer. -O0: the sanitizers find the
# same faults, and it compiles in half the time of -O1 (what CI can afford on two cores).
asan:
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O0 -DRELISH_SANITIZE=ON > /dev/null
	@cmake --build build-asan -j$(JOBS) --target unit_tests
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan -L unit --output-on-failure -j$(JOBS)

# The Deluge fuzz target (libFuzzer, clang, ASan+UBSan) for FUZZ_SECONDS on the seed corpus in
# fuzz/corpus; new inputs it finds go to build-fuzz/corpus. Builds only relish_base and
# relish_deluge.
FUZZ_SECONDS ?= 60
fuzz:
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELISH_FUZZ=ON > /dev/null
	@cmake --build build-fuzz -j$(JOBS) --target deluge_fuzz
	@mkdir -p build-fuzz/corpus
	@build-fuzz/deluge_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-dict=fuzz/deluge.dict -print_final_stats=1 build-fuzz/corpus fuzz/corpus

clean:
	rm -rf $(BUILD) build-asan build-fuzz
