# d8 — the two commands a newcomer needs are `make run` and `make test`; each sets up what it needs.
SHELL := /bin/bash
CONFIG ?= config.yaml
# Debian packages the build needs beyond the Swift toolchain.
APT_PACKAGES := libsqlite3-dev libcurl4-openssl-dev gcc

.PHONY: setup build plugins run test test-tsan bench clean

setup:
	@command -v swift >/dev/null || { echo "d8 needs the Swift 6.2+ toolchain on PATH (https://swift.org/install)"; exit 2; }
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		$$( [ $$(id -u) -eq 0 ] || echo sudo ) apt-get update -qq && \
		$$( [ $$(id -u) -eq 0 ] || echo sudo ) apt-get install -y -qq $$missing; \
	fi

build: setup plugins
	swift build

# Plugins written in C are plain shared objects: no Swift runtime.
plugins: setup
	cc -std=c11 -O2 -Wall -Wextra -shared -fPIC -I CCore/include -o Plugins/libd8_echo.so Plugins/Echo/echo.c

run: build
	swift run d8 serve --config $(CONFIG)

test: setup plugins
	swift build --build-tests
	swift test --skip-build
	$(MAKE) test-tsan

# The lock-free core again under ThreadSanitizer, in its own build folder.
test-tsan: setup
	swift test --sanitize=thread --scratch-path .build-tsan --filter D8CoreTests

bench: setup
	swift run -c release d8-bench queue --json
	swift run -c release d8-bench dispatch --json

clean:
	rm -rf .build .build-tsan Plugins/*.so
