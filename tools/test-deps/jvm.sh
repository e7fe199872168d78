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

# Copies one set's runtime jars into $CACHE/<set>/lib (skipped when the marker matches).
fetch_set() {
  local set="$1" pom="$SETS_DIR/$1/pom.xml" out="$CACHE/$1"
  [[ -f "$pom" ]] || { log "no such set: $set ($pom)"; return 1; }
  local spec
  spec="$(hash_of "$SETS_DIR/pom.xml" "$pom")"
  if [[ -f "$out/.spec" && "$(cat "$out/.spec")" == "$spec" ]]; then
    log "$set: up to date"
    return 0
  fi
  log "$set: fetching"
  rm -rf "$out"
  mkdir -p "$out"
  local repo_arg=()
  [[ -n "${MAVEN_REPO_LOCAL:-}" ]] && repo_arg=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
  # shellcheck disable=SC2086
  mvn -q -B -Dstyle.color=never -f "$pom" "${repo_arg[@]}" ${MAVEN_ARGS_EXTRA:-} \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out/lib" 2>&1 | strip_ansi
  (cd "$out/lib" && ls -1 *.jar) > "$out/jars.txt"
  echo "$spec" > "$out/.spec"
  log "$set: $(wc -l < "$out/jars.txt") jars"
}

# Compiles the Java driver against one client set (skipped when sources and set are unchanged).
compile_driver() {
  local driver="$1" set="$2" out="$CACHE/$1"
  local sources
  mapfile -t sources < <(find "$DRIVER_SRC" -name '*.java' | sort)
  [[ ${#sources[@]} -gt 0 ]] || { log "no Java sources under $DRIVER_SRC"; return 1; }
  local spec
  spec="$({ cat "${sources[@]}" "$CACHE/$set/.spec"; echo "release=$JAVA_RELEASE jar"; } | sha256sum | cut -d' ' -f1)"
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

main() {
  local sets=("$@")
  [[ ${#sets[@]} -gt 0 ]] || mapfile -t sets < <(all_sets)
  local set entry
  for set in "${sets[@]}"; do fetch_set "$set"; done
  [[ -d "$DRIVER_SRC" ]] || return 0
  for entry in "${DRIVERS[@]}"; do
    for set in "${sets[@]}"; do
      [[ "${entry#*:}" == "$set" ]] && compile_driver "${entry%%:*}" "$set"
    done
  done
  return 0
}

main "$@"
