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

# The libFuzzer targets in fuzz/ (clang, ASan+UBSan), each run for FUZZ_SECONDS, two at a time,
# on its seed corpus in fuzz/corpus/<target>; new inputs they find go to build-fuzz/corpus, a
# failing input to build-fuzz/crashes (fuzz/README.md: what each checks, how to run one longer).
# -O1 with line tables and assertions on: the sanitizers and libFuzzer need no more, and the
# build is part of CI's time.
FUZZ_SECONDS ?= 40
FUZZ_TARGETS ?= deluge http_request json_edge criteria url service_yaml lsp
fuzz:
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DRELISH_FUZZ=ON > /dev/null
	@cmake --build build-fuzz -j$(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	@FUZZ_JOBS=$(JOBS) fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
