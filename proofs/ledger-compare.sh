#!/usr/bin/env bash
# ledger-compare.sh COMMITTED FRESH: does the committed ledger say what the
# tools just printed? Entries name a file and a function, never a line, so
# moving code changes nothing here. Exact, except for:
#   - how the run that wrote each ledger got its prover results (how many
#     came from the cache, how many were computed: the "prover results"
#     line);
#   - what prover timing decides among the goals
#     proofs/wp/known-unproven.txt accepts: a goal there that times out on
#     one run and proves on the next changes the list of goals that failed,
#     the totals, and whether a clause resting on it reads "proven" or
#     "PARTIAL". Those lines are compared without that detail;
#   - the fuzzing numbers (executions and coverage vary from run to run, and
#     a ledger written without a fuzz run says "not run"): a FUZZ line is
#     compared by its harness name alone.
# Anything else (a meaning, a clause, where it is stated, an unproven
# clause, a goal failing that is not accepted: make prove fails on it
# anyway) must match.
set -euo pipefail
normalise() {
    grep -vE '^(KNOWN-UNPROVEN |NOT-CHECKED |goals WP tried and did not prove: |properties: |other properties: |prover results|fresh results that differ |goals whose fresh verdict differs )' "$1" |
        sed -E 's/^([A-Z][A-Z]?[A-Z]?[0-9][0-9]|FIFO) (proven|PARTIAL) /\1 proven-or-partial /; s/ \(its own goals proven;.*\)$//; s/^(FUZZ [a-z0-9_]+) .*/\1/'
}
diff -u <(normalise "$1") <(normalise "$2")
