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

run: setup build
	@$(BUILD)/relish serve

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DRELISH_SANITIZE=ON > /dev/null
	@cmake --build build-asan -j$(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan -L unit --output-on-failure -j$(JOBS)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
