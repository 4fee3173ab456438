#!/usr/bin/env bash
# Adds up the TRX files that `dotnet test --logger trx` wrote and prints one closing line,
# "N passed, N failed, N skipped". Exits non-zero when a test failed or no test ran.
set -euo pipefail
dir=${1:?usage: test-summary.sh <results-dir>}
passed=0; failed=0; skipped=0; total=0
shopt -s nullglob globstar
files=("$dir"/**/*.trx)
for f in "${files[@]}"; do
  line=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  get() { echo "$line" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  t=$(get total); p=$(get passed); fl=$(get failed); e=$(get executed)
  total=$((total + ${t:-0})); passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
done
echo "test projects: ${#files[@]}"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
