#!/usr/bin/env bash
# Fetches the JVM artifact sets of the e2e tests and benchmarks, and compiles the Java
# client driver against each client set. Idempotent: a set or driver whose spec did not
# change since its last successful build is skipped (a marker file holds the spec's hash).
#
#   tools/test-deps/jvm.sh              every set and every driver
#   tools/test-deps/jvm.sh SET...       only these sets (and the drivers built on them)
#
# Sets: every test/jvm/<set>/pom.xml (child of test/jvm/pom.xml). Maven copies a set's
# runtime jars into .cache/jvm/<set>/lib. Drivers: the DRIVERS table below; each is
# test/e2e/clients/java/**/*.java compiled with javac against one client set into
# .cache/jvm/<driver>/driver.jar.
#
# Needs: java + javac (17+), mvn (3.6.3+). Environment:
#   BLINK_JVM_CACHE   where sets and drivers go (default: <repo>/.cache/jvm)
#   MAVEN_REPO_LOCAL  Maven's local repository (default: Maven's own, ~/.m2/repository)
#   MAVEN_ARGS_EXTRA  more arguments for mvn (e.g. -o to stay offline)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SETS_DIR="$ROOT/test/jvm"
DRIVER_SRC="$ROOT/test/e2e/clients/java"
CACHE="${BLINK_JVM_CACHE:-$ROOT/.cache/jvm}"

# driver name → the client set it is compiled against (and run with).
DRIVERS=(
  "driver-3.9:clients-3.9"
  "driver-4:clients-4"
)
# javac target: Kafka's clients run on Java 11+, its brokers on 17+.
JAVA_RELEASE=17

log() { printf 'jvm.sh: %s\n' "$*" >&2; }

# Debian's Maven 3.8 prints colour resets even in batch mode.
strip_ansi() { sed -u 's/\x1b\[[0-9;]*m//g'; }

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

all_sets() {
  local pom
  for pom in "$SETS_DIR"/*/pom.xml; do basename "$(dirname "$pom")"; done
}

set_spec() { hash_of "$SETS_DIR/pom.xml" "$SETS_DIR/$1/pom.xml"; }

set_is_current() { [[ -f "$CACHE/$1/.spec" && "$(cat "$CACHE/$1/.spec")" == "$(set_spec "$1")" ]]; }

# An aggregator pom whose modules are the given sets (one Maven run fetches them all).
write_reactor() {
  local set
  printf '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
  printf '  <modelVersion>4.0.0</modelVersion>\n'
  printf '  <groupId>blink.test.jvm</groupId><artifactId>reactor</artifactId><version>1</version>\n'
  printf '  <packaging>pom</packaging>\n  <modules>\n'
  for set in "$@"; do printf '    <module>%s</module>\n' "$(realpath --relative-to="$CACHE/.reactor" "$SETS_DIR/$set")"; done
  printf '  </modules>\n</project>\n'
}

# Copies the runtime jars of the given sets into $CACHE/<set>/lib (one Maven run), then
# marks each set with its spec's hash.
fetch_sets() {
  local set
  for set in "$@"; do
    [[ -f "$SETS_DIR/$set/pom.xml" ]] || { log "no such set: $set ($SETS_DIR/$set/pom.xml)"; return 1; }
    rm -rf "${CACHE:?}/$set"
  done
  mkdir -p "$CACHE/.reactor"
  write_reactor "$@" > "$CACHE/.reactor/pom.xml"
  log "fetching: $*"
  local repo_arg=()
  [[ -n "${MAVEN_REPO_LOCAL:-}" ]] && repo_arg=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
  # shellcheck disable=SC2086
  mvn -q -B -Dstyle.color=never -f "$CACHE/.reactor/pom.xml" "${repo_arg[@]}" ${MAVEN_ARGS_EXTRA:-} \
    -Djvm.cache="$CACHE" dependency:copy-dependencies 2>&1 | strip_ansi
  for set in "$@"; do
    (cd "$CACHE/$set/lib" && ls -1 -- *.jar) > "$CACHE/$set/jars.txt"
    set_spec "$set" > "$CACHE/$set/.spec"
    log "$set: $(wc -l < "$CACHE/$set/jars.txt") jars"
  done
}

# Compiles the Java driver against one client set (skipped when sources and set are unchanged).
compile_driver() {
  local driver="$1" set="$2" out="$CACHE/$1"
  local sources
  mapfile -t sources < <(find "$DRIVER_SRC" -name '*.java' | sort)
  [[ ${#sources[@]} -gt 0 ]] || { log "no Java sources under $DRIVER_SRC"; return 1; }
  local spec
  # The set's fetch time too: a re-fetched set has new jar files, which a CDS archive of the
  # driver (kept in its directory) would no longer match.
  spec="$({ cat "${sources[@]}" "$CACHE/$set/.spec"; stat -c %Y "$CACHE/$set/jars.txt"; echo "release=$JAVA_RELEASE jar"; } | sha256sum | cut -d' ' -f1)"
  if [[ -f "$out/.spec" && "$(cat "$out/.spec")" == "$spec" ]]; then
    log "$driver: up to date"
    return 0
  fi
  log "$driver: compiling ${#sources[@]} sources against $set"
  rm -rf "$out"
  mkdir -p "$out/classes"
  javac --release "$JAVA_RELEASE" -encoding UTF-8 -Xlint:all,-processing,-options \
    -cp "$CACHE/$set/lib/*" -d "$out/classes" "${sources[@]}"
  # A jar, not a directory: class-data-sharing archives accept only jars on the classpath.
  jar --create --file "$out/driver.jar" -C "$out/classes" .
  echo "$spec" > "$out/.spec"
}

require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" > /dev/null || { log "needs $tool on PATH (Debian: openjdk-17-jdk-headless, maven)"; exit 1; }
  done
}

main() {
  require java javac jar mvn sha256sum
  local sets=("$@")
  [[ ${#sets[@]} -gt 0 ]] || mapfile -t sets < <(all_sets)
  local set entry stale=()
  for set in "${sets[@]}"; do
    if set_is_current "$set"; then log "$set: up to date"; else stale+=("$set"); fi
  done
  [[ ${#stale[@]} -eq 0 ]] || fetch_sets "${stale[@]}"
  [[ -d "$DRIVER_SRC" ]] || return 0
  for entry in "${DRIVERS[@]}"; do
    for set in "${sets[@]}"; do
      [[ "${entry#*:}" == "$set" ]] && compile_driver "${entry%%:*}" "$set"
    done
  done
  return 0
}

main "$@"
