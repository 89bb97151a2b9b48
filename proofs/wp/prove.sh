#!/usr/bin/env bash
# Frama-C WP over the verified sources, with RTE guards and unsigned-overflow
# checks, then one line per named property clause:
#   <ID> proven <file>:<line>
#   <ID> UNPROVEN <file>:<line> (<status>)
# and a summary "properties: P proven, U unproven". Exits non-zero if any
# named clause or any other goal (RTE guard, assertion, assigns, unnamed
# clause) is not proven. No prover cache is used: every run proves afresh.
#
# Named clauses are those labelled with a property ID (RB01, TO04, P03, ...)
# or FIFO. RB08 ("no index or size arithmetic overflows") is the set of
# unsigned-overflow guards that -warn-unsigned-overflow adds to the ring
# sources, TO05 the same for the tick sources: one line per function.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${SQ_PROVE_OUT:-build/prove}
mkdir -p "$out"
sources=(src/kernel/ring_core.c src/kernel/ring_buf.c src/kernel/typed_ring_buf.c src/kernel/tick.c)
timeout=${SQ_WP_TIMEOUT:-60}

# ILP32 like the Cortex-M targets the library ships on.
frama-c -machdep x86_32 -cpp-extra-args="-Iinclude -Isrc/kernel" \
    -warn-unsigned-overflow \
    -wp -wp-rte -wp-split -wp-prover cvc4,z3 -wp-timeout "$timeout" -wp-par "$(nproc)" \
    "${sources[@]}" \
    -then -report-csv "$out/wp.csv" > "$out/wp.log" 2>&1 || {
    tail -n 30 "$out/wp.log"; echo "prove: frama-c failed (log: $out/wp.log)"; exit 1; }

rm -f "$out"/report.txt*
awk -F'\t' -v report="$out/report.txt" '
NR == 1 { next }
# A property text that spans lines (behaviour lists of complete/disjoint
# clauses) continues on lines of its own; its status is on the first line.
NF < 7 { next }
function proven(st) { return st == "Valid" || st ~ /^Valid under/ }
{
    file = $1 "/" $2; sub(/^\.\//, "", file)
    kind = $5; st = $6; prop = $7
    # Frama-C libc specifications the sources do not call are loaded too;
    # only contracts from this repository are listed as assumptions.
    if (st == "Considered valid") { if (file ~ /^FRAMAC_SHARE/) next; assumed++; print "ASSUMED " file ":" $3 " " $4 " " prop > (report ".assumed"); next }
    if (match(prop, /^([A-Z][A-Z]?[0-9][0-9]|FIFO)(:|$)/)) {
        id = substr(prop, 1, RLENGTH); sub(/:$/, "", id)
        if (proven(st)) { printf "%s proven %s:%s\n", id, file, $3 > report; np++ }
        else { printf "%s UNPROVEN %s:%s (%s)\n", id, file, $3, st > report; nu++ }
        next
    }
    ovid = file ~ /ring/ ? "RB08" : file ~ /tick/ ? "TO05" : ""
    if (kind == "unsigned_overflow" && ovid != "") {
        key = file ":" $4
        if (!(key in ovl)) { ovl[key] = $3; order[++n_ovl] = key; ovname[key] = ovid }
        ovn[key]++; if (!proven(st)) ovbad[key]++
    }
    total++; if (!proven(st)) { other_bad++; print "UNPROVEN-GOAL " file ":" $3 " " $4 " " kind " (" st ") " prop > (report ".other") }
}
END {
    for (i = 1; i <= n_ovl; i++) {
        key = order[i]; split(key, parts, ":")
        if (ovbad[key] > 0) { printf "%s UNPROVEN %s:%s (%d of %d overflow guards in %s)\n", ovname[key], parts[1], ovl[key], ovbad[key], ovn[key], parts[2] > report; nu++ }
        else { printf "%s proven %s:%s (%d overflow guards in %s)\n", ovname[key], parts[1], ovl[key], ovn[key], parts[2] > report; np++ }
    }
    printf "properties: %d proven, %d unproven\n", np, nu > report
    printf "other goals: %d proven, %d unproven; %d assumed contracts\n", total - other_bad, other_bad, assumed > report
    exit (nu > 0 || other_bad > 0) ? 1 : 0
}' "$out/wp.csv" && status=0 || status=$?
cat "$out/report.txt"
[ -f "$out/report.txt.other" ] && cat "$out/report.txt.other"
[ -f "$out/report.txt.assumed" ] && cat "$out/report.txt.assumed"
exit "$status"
